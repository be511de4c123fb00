"""Executing one section notebook with papermill, in its own fresh kernel."""

from __future__ import annotations

import ast
import copy
import logging
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import papermill
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from papermill.exceptions import PapermillExecutionError
from papermill.execute import ERROR_MARKER_TAG
from papermill.translators import PythonTranslator, papermill_translators

from ..errors import KitError, SectionError, UsageError
from ..limits import CELL_TIMEOUT
from ..report.sections import Section
from .project import Project

# the kernel the notebooks name: the kit's environment, registered under this name by the Makefile
# (`ipykernel install --sys-prefix`), so that JupyterLab opens them with a Python that has xxgk.
# A build does not look it up: ForkKernelManager forks every kernel from the zygote.
KERNEL = "xxgk"
KERNEL_DISPLAY_NAME = "Python 3 (xxgk)"
# ipykernel logs an error when jupyter_client interrupts an idle kernel before killing it: nothing
# a statistician can act on (a failing cell still surfaces through papermill)
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL",
                    # a notebook run keeps no command history: no SQLite file, no saving thread
                    "--HistoryManager.enabled=False"]


# the only types a parameter may have: each is written as a Python literal below, never as text
# pasted into code (papermill's fallback for any other type pastes ``str(value)`` between quotes)
PARAMETER_TYPES = (str, bool, int, float, type(None))


class ReadablePythonTranslator(PythonTranslator):
    """Writes parameters as Python literals that keep Chinese readable (no ``\\u`` escapes), and
    refuses any value that is not exactly one of ``PARAMETER_TYPES`` (a subclass could change how
    it is written)."""

    @classmethod
    def translate(cls, val: Any) -> str:
        if type(val) not in PARAMETER_TYPES or (type(val) is float and not math.isfinite(val)):
            raise UsageError(f"notebook 参数只能是文字、整数、小数或 true/false，不能是 {type(val).__name__}")
        try:
            return super().translate(val)
        except ValueError:  # an int of thousands of digits, which Python will not write out
            raise UsageError("notebook 参数中的数字过长") from None

    @classmethod
    def translate_str(cls, val: str) -> str:
        return str.__repr__(val)


papermill_translators.register("python", ReadablePythonTranslator)
# papermill hands nbclient its logger, which has no handler: Python's last resort then printed
# "Timeout waiting for execute reply" and "Kernel died…" in English on the user's terminal, above
# the SectionError that says the same in Chinese with the section's name
logging.getLogger("papermill").addHandler(logging.NullHandler())


def notebook_path(section: Section, project: Project | None = None) -> Path:
    """The notebook that runs ``section``: the project's own, else the kit's."""
    path, _ = (project or Project(None)).notebook(section)
    if not path.is_file():
        raise KitError(f"找不到第 {section.key} 部分的 notebook：{path}。请重新获取完整的 xxgk。")
    return path


# parameters every section notebook takes from the build itself, not from the user
INPUTS = ("params_path", "previous_path")


def declared_options(section: Section) -> dict[str, tuple[Any, str]]:
    """The options a section notebook declares in its parameters cell: default and the comment
    that explains it."""
    declared = papermill.inspect_notebook(str(notebook_path(section)))
    return {name: (ast.literal_eval(spec["default"]), spec.get("help") or "")
            for name, spec in declared.items() if name not in INPUTS}


def section_options(section: Section) -> dict[str, Any]:
    """The options a section notebook declares, with their defaults."""
    return {name: default for name, (default, _) in declared_options(section).items()}


TYPE_NAMES = {str: "文字", bool: "true 或 false", int: "整数", float: "数字"}
BOOLEANS = {"true": True, "false": False}


def option_value(section: Section, name: str, raw: str) -> Any:
    """An option's value from its text on the command line, read as the type of its default."""
    kind = type(_known(section, name))
    try:
        if kind is bool:
            return BOOLEANS[raw.strip().lower()]
        if kind in (int, float):
            value = kind(raw.strip())
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError
            return value
    except (KeyError, ValueError):
        raise UsageError(f"--set {section.key}.{name}={raw}：应为{TYPE_NAMES[kind]}") from None
    _check_choice(section, name, raw)
    return raw


def _check_choice(section: Section, name: str, value: Any) -> None:
    allowed = section.allowed(name)
    if allowed is not None and value not in allowed:
        raise UsageError(f"--set {section.key}.{name}={value}：应为以下之一：{'、'.join(allowed)}"
                         f"（说明见 xxgk options）")


def check_options(section: Section, options: dict[str, Any]) -> None:
    """Refuse an option the notebook does not declare, or a value not of its default's type."""
    for name, value in options.items():
        kind = type(_known(section, name))
        if type(value) is not kind and not (kind is float and type(value) is int):
            raise UsageError(f"{section.key} 部分的选项 {name} 应为{TYPE_NAMES.get(kind, kind.__name__)}，"
                             f"实际是 {type(value).__name__}")
        _check_choice(section, name, value)


def _known(section: Section, name: str) -> Any:
    """The default of a declared option; an unknown one lists those that exist."""
    known = section_options(section)
    if name not in known:
        listing = "、".join(known) or "（无）"
        raise UsageError(f"{section.key} 部分没有选项 {name}。可用的选项：{listing}")
    return known[name]


def _cell_id(executed: Path, index: int) -> str:
    """The id of cell ``index`` in the partially executed notebook papermill left behind
    (not counting the error banner cells papermill adds, which the index does not count either)."""
    try:
        cells = nbformat.read(executed, as_version=4).cells
    except (OSError, ValueError):
        return "?"
    own = [cell for cell in cells if ERROR_MARKER_TAG not in cell.metadata.get("tags", [])]
    return own[index].get("id", "?") if index < len(own) else "?"


RUN_DETAILS = ("start_time", "end_time", "duration")  # papermill's timings, per notebook and cell
PATHS = ("input_path", "output_path")  # absolute paths of the machine that ran it
INJECTED_ID = "injected-parameters"


def settle(notebook: NotebookNode) -> NotebookNode:
    """``notebook`` without what changes from one run to the next (times, durations, absolute
    paths, the random id papermill gives its injected cell): the same inputs then give the same
    executed notebook, byte for byte. The build's own time goes in its run record instead."""
    notebook = nbformat.from_dict(copy.deepcopy(dict(notebook)))
    run = notebook.metadata.get("papermill", {})
    for key in (*RUN_DETAILS, *PATHS):
        run.pop(key, None)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)  # nbclient's per-message timestamps
        for key in RUN_DETAILS:
            cell.metadata.get("papermill", {}).pop(key, None)
        tags = cell.metadata.get("tags", [])
        if INJECTED_ID in tags and "parameters" not in tags:  # a cell papermill added itself
            cell.id = INJECTED_ID
    return notebook


def parameterized(notebook: NotebookNode, values: dict[str, Any]) -> NotebookNode:
    """``notebook`` with ``values`` written into its parameters cell in place of the defaults,
    each line keeping its comment. papermill would add a cell of its own below the defaults, and
    every executed notebook would show the example's ``params_path`` above the one it ran with;
    this way the one parameters cell holds what ran. It keeps papermill's tag for injected
    values, and the values are in the notebook's metadata as papermill records them."""
    notebook = with_defaults(notebook, values)
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    cell.metadata["tags"] = [*cell.metadata["tags"], INJECTED_ID]
    notebook.metadata["papermill"] = {"default_parameters": {}, "parameters": dict(values),
                                      "environment_variables": {}, "version": papermill.__version__}
    return notebook


def with_defaults(notebook: NotebookNode, values: dict[str, Any]) -> NotebookNode:
    """A copy of ``notebook`` whose parameters cell has ``values`` as its defaults."""
    notebook = nbformat.from_dict(copy.deepcopy(dict(notebook)))
    cell = next((c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])), None)
    if cell is None:
        raise KitError("notebook 中没有带 parameters 标签的单元格，无法传入参数")
    cell.source = _assign(cell.source, values)
    return notebook


def _assign(source: str, values: dict[str, Any]) -> str:
    """``source`` with the value of each top-level ``name = …`` of ``values`` replaced by the
    literal of its new value (written by the translator, which refuses anything but literals)."""
    lines = source.splitlines(keepends=True)

    def offset(line: int, column: int) -> int:  # ast counts columns in UTF-8 bytes
        return sum(map(len, lines[: line - 1])) + len(lines[line - 1].encode()[:column].decode())

    spans = [(offset(node.value.lineno, node.value.col_offset),
              offset(node.value.end_lineno or node.value.lineno, node.value.end_col_offset or 0), target.id)
             for node in ast.parse(source).body if isinstance(node, ast.Assign)
             for target in node.targets if isinstance(target, ast.Name) and target.id in values]
    missing = set(values) - {name for _, _, name in spans}
    if missing:
        raise KitError(f"notebook 的 parameters 单元格中没有参数 {'、'.join(sorted(missing))}")
    for start, end, name in sorted(spans, reverse=True):  # from the end: earlier offsets stay valid
        source = source[:start] + ReadablePythonTranslator.translate(values[name]) + source[end:]
    return source


def execute_section(section: Section, inputs: dict[str, str | None], output: Path,
                    options: dict[str, Any], *, agency: str, year: int, timeout: float = CELL_TIMEOUT,
                    project: Project | None = None, on_cell_start: Callable[..., None] | None = None) -> NotebookNode:
    """Run ``section``'s notebook (``project``'s own, else the kit's) with the given ``INPUTS``
    and options into ``output`` (cwd: its folder, where the input files are); return it as kept
    there, settled."""
    source = nbformat.read(notebook_path(section, project), as_version=4)
    return run_notebook(section, parameterized(source, {**inputs, **options}), output,
                        agency=agency, year=year, timeout=timeout, on_cell_start=on_cell_start)


def run_notebook(section: Section, notebook: NotebookNode, output: Path, *, agency: str, year: int,
                 timeout: float = CELL_TIMEOUT, on_cell_start: Callable[..., None] | None = None) -> NotebookNode:
    """Run ``notebook``, whose parameters are already set, as ``section``'s into ``output`` (cwd:
    its folder) in a fresh kernel; return it as kept there, settled. ``on_cell_start``: called
    (nbclient's hook) with each cell before it runs, the cells before it done."""
    where = f"{section.heading}（{section.notebook}）"

    def failed(message: str, cell: int | None, ename: str, evalue: str) -> SectionError:
        return SectionError(where + message, agency=agency, year=year, section=section.key, cell=cell,
                            notebook=section.notebook, ename=ename, evalue=evalue)

    nbformat.write(notebook, output)  # papermill records where it read the notebook; settle() drops it
    try:
        executed = papermill.execute_notebook(
            str(output), str(output),
            # the kernel's working folder, through nbclient: papermill's cwd= would chdir this
            # whole process, which is not safe while other sections run in other threads
            kernel_name=KERNEL, resources={"metadata": {"path": str(output.parent)}},
            progress_bar=False, log_output=False, request_save_on_cell_execute=False,
            extra_arguments=KERNEL_ARGUMENTS, execution_timeout=timeout,
            kernel_manager_class="xxgk.run.provisioner.ForkKernelManager",
            shutdown_kernel="immediate",  # the notebook is done: no graceful shutdown to wait for
            on_cell_start=on_cell_start,
        )
    except PapermillExecutionError as error:
        first_line = next(iter(error.source.strip().splitlines()), "")
        raise failed(f"执行失败：第 {error.cell_index + 1} 个单元格（id: {_cell_id(output, error.cell_index)}）"
                     f"\n    {first_line}\n  {error.ename}: {error.evalue}",
                     error.cell_index, error.ename, error.evalue) from None
    except CellTimeoutError:
        raise failed(f"执行超时：有一个单元格运行超过 {timeout:g} 秒，已停止。"
                     "若确需更长时间，可用 --timeout 加大上限。",
                     None, "CellTimeoutError", f"{timeout:g} 秒") from None
    except DeadKernelError:
        raise failed("执行中断：运行它的内核进程意外退出（可能是内存不足，或进程被外部终止）。",
                     None, "DeadKernelError", "内核进程意外退出") from None
    settled = settle(executed)
    nbformat.write(settled, output)
    return settled
