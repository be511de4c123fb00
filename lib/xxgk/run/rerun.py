"""``xxgk rerun``: execute one section of an output folder again, in a temporary folder with the
parameter files kept beside it, and compare every cell's outputs with the notebook kept there.

The kept notebook runs as it is (its parameters cell holds the values the build gave it), in a
fresh kernel of the kit's environment as in a build, so it proves that the code shown in the
notebook gives the outputs shown in it. The manifest says which agency and year the folder is and
the sha256 each kept file had when it was built; a file that no longer has it is reported.

A parameter file kept in an output folder cannot be built as it is (``params.yaml`` would name the
agency "params"): ``refuse_kept_copy`` says what to run instead.
"""

from __future__ import annotations

import difflib
import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..limits import CELL_TIMEOUT, MAX_MANIFEST_BYTES, MAX_NOTEBOOK_BYTES
from ..paths import MANIFEST, PARAMS_COPY, PREVIOUS_COPY
from ..regularfile import Refused, read_bounded
from ..report.sections import get_section

if TYPE_CHECKING:
    from nbformat import NotebookNode

DIFF_LINES = 12  # of each differing cell's diff; the rest is summed up in one line
DIFF_WIDTH = 160


@dataclass(frozen=True)
class CellDifference:
    number: int  # 1-based, as the kit's messages count cells
    id: str
    diff: tuple[str, ...]  # a unified diff of the outputs' text, cut short


@dataclass(frozen=True)
class Rerun:
    notebook: Path
    code_cells: int
    differences: tuple[CellDifference, ...]
    altered: tuple[str, ...]  # kept files whose sha256 is not the one the manifest records

    @property
    def identical(self) -> bool:
        return not self.differences and not self.altered

    def text(self) -> str:
        lines = []
        if self.altered:
            lines.append(f"注意：以下文件与 {MANIFEST} 记录的 sha256 不同（生成之后被改动过）："
                         f"{'、'.join(self.altered)}")
        if not self.differences:
            lines.append(f"一致（identical）：{self.notebook} 在临时文件夹中用保留的参数文件重新执行，"
                         f"{self.code_cells} 个代码单元格的输出与保留的 notebook 完全相同")
        else:
            lines.append(f"不一致：{self.notebook} 重新执行后，以下单元格的输出与保留的 notebook 不同：")
            for cell in self.differences:
                lines.append(f"  第 {cell.number} 个单元格（id: {cell.id}）")
                lines += [f"    {line}" for line in cell.diff]
        return "\n".join(lines)


def rerun(folder: str | Path, name: str, *, timeout: float = CELL_TIMEOUT) -> Rerun:
    """Execute section ``name`` of the output folder ``folder`` again and compare its outputs."""
    from .zygote import warm_up

    folder = Path(folder)
    section = get_section(name)
    warm_up()  # the kernel template process imports while this one loads the rest
    from ..render.provenance import sha256
    from .execute import run_notebook
    from .verify import read_manifest  # loads the whole build: only when rerunning

    manifest = read_manifest(folder)  # refused with the reason unless as a build wrote it
    kept_path = folder / section.notebook
    kept = _read_notebook(kept_path)
    inputs = [item["file"] for item in manifest["inputs"]]
    missing = [file for file in inputs if not (folder / file).is_file()]
    if missing:
        raise UsageError(f"{folder} 中缺少 {MANIFEST} 记录的输入 {'、'.join(missing)}，无法重新执行")
    recorded = {**{item["file"]: item["sha256"] for item in manifest["inputs"]},
                section.notebook: manifest["outputs"].get(section.notebook)}
    altered = tuple(file for file, digest in recorded.items() if sha256((folder / file).read_bytes()) != digest)
    settings = manifest["settings"]
    agency, year = str(settings.get("agency", folder.name)), settings.get("year")
    with tempfile.TemporaryDirectory(prefix="xxgk-rerun-") as scratch:
        for file in inputs:
            shutil.copyfile(folder / file, Path(scratch) / file)
        again = run_notebook(section, kept, Path(scratch) / section.notebook, agency=agency,
                             year=year if isinstance(year, int) else 0, timeout=timeout)
    code = sum(cell.cell_type == "code" for cell in kept.cells)
    return Rerun(kept_path, code, tuple(compare(kept, again)), altered)


def compare(kept: NotebookNode, again: NotebookNode) -> list[CellDifference]:
    """The code cells whose outputs differ between the kept and the re-executed notebook."""
    differences = []
    for number, (old, new) in enumerate(zip(kept.cells, again.cells, strict=True), 1):
        if old.cell_type == "code" and _canonical(old.outputs) != _canonical(new.outputs):
            differences.append(CellDifference(number, old.get("id", "?"), _diff(old.outputs, new.outputs)))
    return differences


def refuse_kept_copy(path: Path) -> None:
    """Refuse to build from a parameter file kept in an output folder, saying what to run instead:
    built as it is, its name (``params.yaml``) would become the agency's. Cheap: it runs before
    every build."""
    folder = path.parent
    if path.name not in (PARAMS_COPY, PREVIOUS_COPY) or not (folder / MANIFEST).is_file():
        return
    original = "<机关>.yaml"
    try:  # the original name, for the message only
        if (folder / MANIFEST).stat().st_size > MAX_MANIFEST_BYTES:
            raise ValueError
        inputs = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["inputs"]
        named = next(item["from"] for item in inputs if item["file"] == path.name)
        if isinstance(named, str) and re.fullmatch(r"[^/\\\0]{1,255}", named):
            original = named
    except (OSError, ValueError, KeyError, TypeError, StopIteration, RecursionError):
        pass
    raise UsageError(
        f"{path} 是输出文件夹 {folder} 中保留的参数文件副本；按它生成，机关会被命名为“{path.stem}”。\n"
        f"  核对这份输出：xxgk verify {folder}（按原文件名 {original} 重新生成全部输出，逐字节比较）\n"
        f"  重新执行其中一部分并比较：xxgk rerun {folder} 部分（如 requests）\n"
        f"  确要据此另行生成：先把它复制为 params/<年度>/{original}")


def _read_notebook(path: Path) -> NotebookNode:
    import nbformat

    if not path.exists():
        raise UsageError(f"找不到 {path}：这个输出文件夹中没有这一部分的 notebook")
    try:  # bounded, regular files only: a kept notebook that is a FIFO is refused, not waited on
        data = read_bounded(path, MAX_NOTEBOOK_BYTES, "notebook",
                            f"超过 {MAX_NOTEBOOK_BYTES >> 20} MB，不是 xxgk 写下的 notebook")
        return nbformat.reads(data.decode("utf-8"), as_version=4)
    except Refused as refused:
        raise UsageError(f"{path}：{refused.message}") from None
    except ValueError as error:  # not UTF-8, not JSON, not a notebook
        raise UsageError(f"无法读取 {path}：{error}") from None


def _canonical(outputs: list[Any]) -> str:
    return json.dumps(outputs, ensure_ascii=False, sort_keys=True)


def _diff(old: list[Any], new: list[Any]) -> tuple[str, ...]:
    lines = list(difflib.unified_diff(_shown(old), _shown(new), "保留的", "重新执行的", n=0, lineterm=""))
    cut = [line if len(line) <= DIFF_WIDTH else line[: DIFF_WIDTH - 1] + "…" for line in lines[:DIFF_LINES]]
    if len(lines) > DIFF_LINES:
        cut.append(f"……（另有 {len(lines) - DIFF_LINES} 行差异）")
    return tuple(cut)


def _shown(outputs: list[Any]) -> list[str]:
    """The outputs as lines of text, every form of each (``[text/html] <table …``)."""
    lines = []
    for output in outputs:
        if output.get("output_type") == "stream":
            forms = {output.get("name", "stream"): output.get("text", "")}
        elif output.get("output_type") == "error":
            forms = {"error": f"{output.get('ename')}: {output.get('evalue')}"}
        else:
            forms = output.get("data", {})
        for form, text in sorted(forms.items()):
            text = "".join(text) if isinstance(text, list) else text
            text = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False)
            lines += [f"[{form}] {line}" for line in text.splitlines()]
    return lines
