"""Executing one section notebook with papermill, in its own fresh kernel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError
from papermill.execute import ERROR_MARKER_TAG
from papermill.translators import PythonTranslator, papermill_translators

from .errors import KitError, SectionError, UsageError
from .paths import NOTEBOOKS
from .sections import Section

KERNEL = "python3"
# ipykernel warns on every start that its local TCP is unencrypted; a statistician can do nothing about it
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR"]


class ReadablePythonTranslator(PythonTranslator):
    """Writes string parameters as Python literals that keep Chinese readable (no ``\\u`` escapes)."""

    @classmethod
    def translate_str(cls, val: str) -> str:
        return repr(val)


papermill_translators.register("python", ReadablePythonTranslator)


def notebook_path(section: Section) -> Path:
    path = NOTEBOOKS / section.notebook
    if not path.is_file():
        raise KitError(f"找不到第 {section.key} 部分的 notebook：{path}。请重新获取完整的 xxgk。")
    return path


# parameters every section notebook takes from the build itself, not from the user
INPUTS = ("params_path", "previous_path")


def section_options(section: Section) -> dict[str, Any]:
    """The options a section notebook declares in its parameters cell, with their defaults."""
    declared = papermill.inspect_notebook(str(notebook_path(section)))
    return {name: spec["default"] for name, spec in declared.items() if name not in INPUTS}


def check_options(section: Section, options: dict[str, Any]) -> None:
    known = section_options(section)
    for name in options:
        if name not in known:
            listing = "、".join(known) or "（无）"
            raise UsageError(f"{section.key} 部分没有选项 {name}。可用的选项：{listing}")


def _cell_id(executed: Path, index: int) -> str:
    """The id of cell ``index`` in the partially executed notebook papermill left behind
    (not counting the error banner cells papermill adds, which the index does not count either)."""
    try:
        cells = nbformat.read(executed, as_version=4).cells
    except (OSError, ValueError):
        return "?"
    own = [cell for cell in cells if ERROR_MARKER_TAG not in cell.metadata.get("tags", [])]
    return own[index].get("id", "?") if index < len(own) else "?"


def execute_section(section: Section, inputs: dict[str, str | None], output: Path,
                    options: dict[str, Any], *, agency: str, year: int) -> None:
    """Run ``section``'s notebook with the given ``INPUTS`` and options into ``output``
    (cwd: its folder, where the input files are)."""
    try:
        papermill.execute_notebook(
            str(notebook_path(section)), str(output),
            parameters={**inputs, **options},
            kernel_name=KERNEL, cwd=str(output.parent),
            progress_bar=False, log_output=False, request_save_on_cell_execute=False,
            extra_arguments=KERNEL_ARGUMENTS,
        )
    except PapermillExecutionError as error:
        first_line = next(iter(error.source.strip().splitlines()), "")
        raise SectionError(
            f"{section.heading}（{section.notebook}）执行失败：第 {error.cell_index + 1} 个单元格"
            f"（id: {_cell_id(output, error.cell_index)}）\n    {first_line}\n  {error.ename}: {error.evalue}",
            agency=agency, year=year, section=section.key, cell=error.cell_index,
            notebook=section.notebook, ename=error.ename, evalue=error.evalue,
        ) from None
