"""``xxgk rollup``: the roll-up notebook executed over a year's parameter files, published as HTML
and PDF into ``outputs/<year>/_rollup/`` like a build, atomically, and not again while its inputs
(the files, last year's files, the notebook, the kit) are unchanged."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import KitError, ParamsError, UsageError
from ..limits import CELL_TIMEOUT
from ..paths import (
    MANIFEST,
    ROLLUP_DIR,
    ROLLUP_HTML,
    ROLLUP_INPUTS,
    ROLLUP_NOTEBOOK,
    ROLLUP_PDF,
    agency_dir,
    project_outputs,
)
from ..report.sections import Section
from ..run.batch import expand
from ..run.project import Project
from ..run.project import find as find_project
from ..run.zygote import stop_kernels, warm_up

if TYPE_CHECKING:
    from nbformat import NotebookNode


@dataclass(frozen=True)
class _RollupNotebook(Section):
    """The roll-up notebook, executed like a section's but not one of the report's six."""

    @property
    def heading(self) -> str:
        return "汇总报告"


NOTEBOOK = _RollupNotebook("rollup", "rollup/rollup.ipynb")
PRELOAD = ("xxgk.rollup.rollup", "xxgk.rollup.charts")  # what the roll-up notebook imports beyond a section's


@dataclass(frozen=True)
class RollupResult:
    folder: Path
    status: str  # "built", or "unchanged" when the roll-up in place was already of these inputs
    files: int


def year_of(paths: list[Path]) -> int:
    """The year of a roll-up: the one ``params/<year>/`` folder its files are in."""
    folders = sorted({str(path.parent) for path in paths})
    names = {Path(folder).name for folder in folders}
    if len(names) != 1 or not next(iter(names)).isdigit():
        raise UsageError("汇总的参数文件应在同一个年度文件夹中，如 params/2025/；现在分别在："
                         + "、".join(folders[:5]) + ("等" if len(folders) > 5 else ""))
    return int(names.pop())


def _content(path: Path) -> bytes:
    """A file's bytes for the roll-up's key; a file that cannot be read counts by its message."""
    from ..report.params import read_source  # loaded by roll_up after the template's start

    try:
        return read_source(path).data
    except ParamsError as error:
        return error.message.encode()


def roll_up(patterns: list[str], title: str, output: Path | None = None, *, force: bool = False,
            timeout: float = CELL_TIMEOUT) -> RollupResult:
    """Roll up the parameter files named by ``patterns`` (files, folders, globs) into ``output``
    (default ``outputs/<year>/_rollup/`` beside the ``params/`` folder)."""
    if not title.strip():
        raise UsageError("--title：不能为空")
    paths = expand(patterns)
    if not paths:
        raise UsageError(f"{'、'.join(patterns)} 中没有参数文件（.yaml）")
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise UsageError(f"找不到参数文件：{'、'.join(missing[:5])}{'等' if len(missing) > 5 else ''}")
    year = year_of(paths)
    target = (output or agency_dir(project_outputs(paths[0]), year, ROLLUP_DIR)).absolute()
    if target.exists() and not target.is_dir():
        raise UsageError(f"-o {output}：这是一个文件，不是文件夹")
    built = _built_from(target)
    if built is None:  # nothing rolled up there yet: the kernel will be needed, start it now
        warm_up(PRELOAD)
    # loaded only now, so that the template above starts 0.5 s sooner: the report model (pydantic
    # models built from the format data) and what the key and the check cache need
    from ..render import provenance
    from ..report.model import unpublishable
    from ..report.params import previous_year_file
    from ..run import cache, checkcache

    problem = unpublishable(title)
    if problem:
        raise UsageError(f"--title：{problem}")
    # relative to the output folder, where the notebook runs: the folder holds no absolute path
    files = [os.path.relpath(path.absolute(), target) for path in paths]
    previous = [previous_year_file(path, year) for path in paths]
    lasts = [last for last in previous if last]
    contents = [_content(path) for path in [*paths, *lasts]]
    project = find_project(paths[0])  # its own roll-up notebook, if it has one, as for sections
    source = _notebook_source(project)
    record = {"inputs": [], **provenance.kit_record({NOTEBOOK.notebook: source}),
              "agencies": [{"file": name, "sha256": provenance.sha256(data)}
                           for name, data in zip(files + [os.path.relpath(p.absolute(), target) for p in lasts],
                                                 contents, strict=True)]}
    record["notebook_origins"] = {NOTEBOOK.notebook: project.notebook(NOTEBOOK)[1]}
    settings = {"title": title, "year": year, "files": files}
    key = cache.assembly_key({"rollup": provenance.sha256(source)}, contents,
                             {**settings, "kit": cache.kit_digest(), "kit_commit": record["kit_commit"],
                              "versions": record["versions"]})
    # the kernel template starts importing (3-4 s on the other core, with the charts' matplotlib,
    # which section notebooks do not need) before this process imports papermill and nbconvert
    # (about 2 s); where nothing was rolled up it started before the files were read for the key
    template = warm_up(PRELOAD) if built != key else None
    from ..render import assemble, pdf
    from ..render.pdfparts import PdfParts
    from ..run.build import locked, staging, write_manifest
    from .page import page_title, printed

    if template:
        # until the template is ready, the first files are checked into the check cache here, on
        # this process's otherwise idle core: the kernel's readers find them kept (a seventh of
        # the cost of checking one) and are done with the rest sooner
        checkcache.check_ahead(list(zip(paths, previous, strict=True)), until=lambda: template.ready)

    with locked(target, force) as existing:
        if existing and existing["cache"]["assembly"] == key:
            return RollupResult(target, "unchanged", len(paths))
        warm_up(PRELOAD)  # where the outputs in place looked up to date but were not
        pdf.check_fonts()  # before any work, but not for a roll-up that has nothing to do
        # WeasyPrint is imported, and the summed tables laid out for the PDF, on a thread, on this
        # process's otherwise idle core, while the notebook's kernel runs
        with PdfParts(page_title(title, year), title, printed) as printing, staging(target) as stage:
            (stage / ROLLUP_INPUTS).write_text(json.dumps({"files": files}, ensure_ascii=False, indent=1) + "\n",
                                               encoding="utf-8")
            notebook = _execute(stage, title, year, timeout, project, printing.cell_started)
            html = assemble.page_html(notebook, page_title(title, year))
            (stage / ROLLUP_HTML).write_text(html, encoding="utf-8")
            rendered = printing.render(notebook)
            (stage / ROLLUP_PDF).write_bytes(rendered.data)
            manifest = provenance.manifest(record, settings, stage, cache={"assembly": key},
                                           environment=rendered.environment)
            write_manifest(stage, manifest)
    return RollupResult(target, "built", len(paths))


def _notebook_source(project: Project) -> bytes:
    path, _ = project.notebook(NOTEBOOK)
    try:
        return path.read_bytes()
    except OSError:
        raise KitError(f"找不到汇总报告的 notebook：{path}。请重新获取完整的 xxgk。") from None


def _built_from(target: Path) -> str | None:
    """The key the roll-up in ``target`` says it was built from, unchecked: whether to start
    the kernel template at once (``locked`` decides whether the roll-up is up to date)."""
    try:
        return json.loads((target / MANIFEST).read_text(encoding="utf-8"))["cache"]["assembly"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _execute(stage: Path, title: str, year: int, timeout: float, project: Project,
             on_cell_start: Callable[..., None]) -> NotebookNode:
    """The roll-up notebook in a kernel forked from the zygote, like a section's; an interruption
    ends the kernel at once."""
    from ..run.execute import execute_section

    warm_up(PRELOAD)
    try:
        return execute_section(NOTEBOOK, {"inputs_path": ROLLUP_INPUTS}, stage / ROLLUP_NOTEBOOK,
                               {"title": title, "year": year}, agency=ROLLUP_DIR, year=year, timeout=timeout,
                               project=project, on_cell_start=on_cell_start)
    except BaseException:
        stop_kernels()
        raise
