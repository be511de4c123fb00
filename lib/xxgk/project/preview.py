"""``xxgk preview``: one agency's report rebuilt in a private folder on every save of its inputs.

A session keeps the executed section notebooks of its last refresh. A refresh is the build's
recipe without its writing step: ``validate.validate``, the build's cache keys, ``execute_section``
for the sections whose key changed (in kernels forked from the zygote, which stays warm for the
whole session), ``assemble.publication_html``. Because a section's key covers the whole report,
one edit changes every key; the section that prints the edited field runs first and the page is
shown, then the others run and the page is shown again if they change it. The outputs folder is
never written: what the page shows is what ``xxgk build`` would publish, and building stays the
user's decision.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nbformat import NotebookNode
from watchfiles import Change, watch

from ..errors import UsageError, XxgkError, os_problem
from ..paths import NOTEBOOKS, PARAMS_COPY, PREVIOUS_COPY, REPORT_DOCX, REPORT_PDF, TEMPLATES
from ..render import assemble, pdf, word
from ..report.cells import Cell, cells
from ..report.findings import Finding
from ..report.format import load_format
from ..report.sections import SECTIONS, Section
from ..run import cache
from ..run.build import execute_all
from ..run.execute import execute_section, notebook_path
from ..run.project import find as find_project
from ..run.validate import Checked, validate
from ..run.zygote import owned_folder, stop_kernels, warm_up
from .previewserver import PreviewServer, View

FOLDER_PREFIX = "xxgk-preview-"
STEP_MS = 30  # quiet time that ends a burst of events (an editor's write-to-temp-and-rename)
# how often the waiting main thread wakes: Python runs a signal's handler (Ctrl-C, SIGTERM) in the
# main thread, and the kernel may hand the signal to another thread (the watcher's, the server's),
# which leaves a main thread blocked with no time limit waiting for the next save
SIGNAL_CHECK_SECONDS = 0.5


def shown_in(field: str) -> str | None:
    """The part that prints a top-level field of the report (``part5`` → problems), or None for a
    field several parts use (agency, year): only the order of a refresh depends on this."""
    fmt = load_format()
    if field in ("table2", "table3", "table4"):
        return str(getattr(fmt, field).part)
    if field == "introduction":
        return fmt.parts[0].key
    numbered = re.fullmatch(r"part(\d)", field)
    return fmt.parts[int(numbered.group(1)) - 1].key if numbered else None


def flagged_cells(finding: Finding) -> list[str]:
    """The ``data-params`` keys of the table cells a finding is about: the cell, or for a sum rule
    the cells of the row or column that enter the equation."""
    if finding.table is None or (finding.row is None and finding.column is None):
        return []
    rule = load_format().rule(finding.rule)
    terms = set(rule.check.stated) | set(rule.check.parts) if rule.check else None
    groups = load_format().table3.collapsible.values() if finding.table == "table3" else ()
    if terms is not None:  # a group's one row (r6) enters the equation for its rows
        terms |= {group.key for group in groups if set(group.rows) <= terms}
    every = [*cells(finding.table), *(Cell(group.key, column.key, index) for group in groups
                                      for index, column in enumerate(load_format().table3.columns))]
    return [cell.key(finding.table) for cell in every
            if finding.row in (None, cell.row) and finding.column in (None, cell.column)
            and (terms is None or (cell.row if finding.row is None else cell.column) in terms)]


def overlay(findings: list[Finding]) -> list[dict[str, Any]]:
    """The findings as the page marks them: where (cells, words of the narrative) and what."""
    return [{"rule": f.rule, "level": "accepted" if f.accepted is not None else f.severity,
             "location": f.location, "expected": f.expected, "found": f.found,
             "message": f.message, "hint": f.accepted and f"已接受，理由：{f.accepted}" or f.hint,
             "section": f.section, "cells": flagged_cells(f),
             "excerpt": (f.excerpt or "").strip("…") or None} for f in findings]


class Session:
    """The preview of one parameter file: its private folder, the notebooks executed there with
    their cache keys, and what the page shows (``show`` is called with each new view, from the
    refreshing thread and from the thread making PDF and Word)."""

    def __init__(self, params: Path, previous: Path | None, folder: Path, jobs: int,
                 show: Callable[[View], None]) -> None:
        self.params, self.previous, self.folder, self.jobs, self.show = params, previous, folder, jobs, show
        self.project = find_project(params)  # whose notebooks run, as in a build
        self.keys: dict[str, str] = {}
        self.notebooks: dict[str, NotebookNode] = {}
        self.report: dict[str, Any] = {}
        self.view = View()
        self.lock = threading.Lock()  # over view and the export flags
        self.export_wanted = self.exporting = False

    def refresh(self, superseded: Callable[[], bool]) -> None:
        """Bring the page up to date with the files; stop early, leaving the next refresh to
        finish, when ``superseded`` says a newer save arrived."""
        try:
            checked = validate(self.params, self.previous)
        except XxgkError as error:
            self.update(error=error.message, updating=False)
            return
        sources = {s.key: notebook_path(s, self.project).read_bytes() for s in SECTIONS}
        keys = cache.section_keys(sources, checked.report, checked.previous_report, {})
        report = cache.report_data(checked.report)
        changed = {field for field in report.keys() | self.report.keys() if report.get(field) != self.report.get(field)}
        stale = tuple(s for s in SECTIONS if self.keys.get(s.key) != keys[s.key])
        first = {shown_in(field) for field in changed}
        if not self.notebooks or None in first:
            first = {s.key for s in stale}
        self._inputs(checked)
        phases = [p for p in (tuple(s for s in stale if s.key in first),
                              tuple(s for s in stale if s.key not in first)) if p] or [()]
        try:
            for number, phase in enumerate(phases, 1):
                if phase and not self._execute(phase, keys, checked.report.year, superseded):
                    return
                combined = assemble.combine([(s, self.notebooks[s.key]) for s in SECTIONS])
                self.update(html=assemble.publication_html(combined, checked.report, checked.findings),
                            findings=overlay(checked.findings), error=None, updating=number < len(phases),
                            checked=checked)
        except XxgkError as error:  # a failing section: its message, and the last good page
            self.update(error=error.message, updating=False)
        # what the next refresh's edit is told apart from; after an interrupted refresh, the one
        # before it, so that both edits' sections come first
        self.report = report

    def _inputs(self, checked: Checked) -> None:
        (self.folder / PARAMS_COPY).write_bytes(checked.source.data)
        if checked.previous:
            (self.folder / PREVIOUS_COPY).write_bytes(checked.previous.data)
        else:  # last year's file went away: the notebooks must not find an old copy
            (self.folder / PREVIOUS_COPY).unlink(missing_ok=True)

    def _execute(self, sections: tuple[Section, ...], keys: dict[str, str], year: int,
                 superseded: Callable[[], bool]) -> bool:
        previous = PREVIOUS_COPY if (self.folder / PREVIOUS_COPY).is_file() else None
        inputs = {"params_path": PARAMS_COPY, "previous_path": previous}

        def run(section: Section) -> tuple[Section, NotebookNode | None]:
            if superseded():
                return section, None
            return section, execute_section(section, inputs, self.folder / section.notebook, {},
                                            agency=self.params.stem, year=year, project=self.project)

        done = execute_all(run, self.jobs, sections)  # type: ignore[arg-type]
        for section, notebook in done:
            if notebook is not None:
                self.notebooks[section.key], self.keys[section.key] = notebook, keys[section.key]
        return all(notebook is not None for _, notebook in done)

    def update(self, **changes: Any) -> None:
        with self.lock:  # and show under it: two threads' views reach the page in their order
            self.view = self.view.but(**changes)
            self.show(self.view)

    def export(self) -> None:
        """PDF and Word of the page shown, made in the background; asked again while they are
        being made, they are made once more afterwards, of the page shown then."""
        with self.lock:
            self.export_wanted = True
            if self.exporting:
                return
            self.exporting = True
        threading.Thread(target=self._exports, daemon=True, name="xxgk-export").start()

    def _exports(self) -> None:
        while True:
            with self.lock:
                if not self.export_wanted or self.view.checked is None:
                    self.exporting = False
                    return
                self.export_wanted, view = False, self.view
                if view.html == view.exported:
                    continue
            self.update(exports="正在生成 PDF 和 Word…")
            try:
                html, report = view.html or "", view.checked.report
                for name, data in ((REPORT_PDF, pdf.render_pdf(html, report).data),
                                   (REPORT_DOCX, word.render_docx(html, report))):
                    draft = self.folder / f".{name}.tmp"
                    draft.write_bytes(data)
                    os.replace(draft, self.folder / name)
                self.update(exports="已生成", exported=html)
            except (XxgkError, OSError) as error:
                self.update(exports=f"生成失败：{error}")


def watched(params: Path, previous: Path | None) -> tuple[list[Path], Callable[[Change, str], bool]]:
    """The folders to watch and the filter of their events: the parameter file, last year's (given,
    or where the layout puts it, even before it exists), the notebooks, the kit's templates.
    Folders, not files: an editor that saves by renaming a new file over the old one replaces
    the file a watch on it would follow."""
    if previous is None and params.parent.name.isdigit():
        previous = params.parent.parent / str(int(params.parent.name) - 1) / params.name
    files = {str(p.absolute()) for p in (params, previous) if p is not None}
    roots = {p.absolute().parent for p in (params, previous) if p is not None and p.absolute().parent.is_dir()}
    own = find_project(params).notebooks
    notebooks = {NOTEBOOKS, *([own] if own is not None and own.is_dir() else [])}

    def relevant(change: Change, path: str) -> bool:
        return path in files or path.startswith(str(TEMPLATES) + os.sep) or (
            path.endswith(".ipynb") and any(path.startswith(str(folder) + os.sep) for folder in notebooks))

    return sorted(roots | notebooks | {TEMPLATES}), relevant


def preview(params: Path, *, port: int = 0, previous: Path | None = None, open_browser: bool = False,
            exports: bool = False, jobs: int = 2, say: Callable[[str], None] = print) -> None:
    """Serve the preview of ``params`` until interrupted (Ctrl-C, SIGTERM), then stop the watcher,
    the server, the zygote and its kernels and remove the private folder."""
    if not params.is_file():
        raise UsageError(f"找不到参数文件 {params}")
    if previous is not None and not previous.is_file():
        raise UsageError(f"找不到上一年度的参数文件 {previous}")
    folder, owner = owned_folder(FOLDER_PREFIX)  # a killed preview's is removed by the next one
    try:
        server = PreviewServer(port, folder)
    except OSError as error:
        shutil.rmtree(folder, ignore_errors=True)
        owner.close()
        raise UsageError(f"--port {port}：无法在此端口提供预览（{os_problem(error)}）。"
                         "可换一个端口，或不指定 --port 由系统选择") from None
    warm_up()  # from this thread, which lives as long as the session: the zygote dies with it
    changed, stop, kit_changed = threading.Event(), threading.Event(), threading.Event()
    session = Session(params, previous, folder, jobs, server.publish)
    server.on_export = session.export
    roots, relevant = watched(params, previous)

    def watch_files() -> None:
        for changes in watch(*roots, watch_filter=relevant, step=STEP_MS, stop_event=stop, raise_interrupt=False):
            if any(path.startswith(str(TEMPLATES)) for _, path in changes):
                kit_changed.set()
            changed.set()

    watcher = threading.Thread(target=watch_files, daemon=True, name="xxgk-watch")
    try:
        server.start()
        watcher.start()
        say(f"预览地址：{server.url}\n修改并保存参数文件后，页面随即更新。按 Ctrl-C 结束预览。")
        sys.stdout.flush()  # the address is what a script or a test starting the preview waits for
        if open_browser:
            webbrowser.open(server.url)
        while True:
            if kit_changed.is_set():
                kit_changed.clear()
                cache.kit_digest.cache_clear()
                assemble.forget_templates()
            try:
                session.refresh(changed.is_set)
            except Exception as error:  # noqa: BLE001 (a bug, or a notebook or template being edited)
                session.update(error=f"xxgk 内部错误：{type(error).__name__}: {error}", updating=False)
            if exports:
                session.export()
            while not changed.wait(SIGNAL_CHECK_SECONDS):
                pass
            changed.clear()
    finally:
        stop.set()
        server.close()
        stop_kernels()
        watcher.join(timeout=5)
        shutil.rmtree(folder, ignore_errors=True)
        owner.close()
