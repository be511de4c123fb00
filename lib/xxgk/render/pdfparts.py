"""The PDF of a notebook's page laid out part by part while the notebook still runs.

A cell tagged ``new-page`` starts a new printed page: the page is cut into parts before each such
cell, and a part is laid out (WeasyPrint; laying out is about half of a PDF's time, drawing and
writing the rest) on a thread as soon as its cells have run, while the kernel runs the rest on the
other core. Only the last part is laid out after the kernel. A part laid out early is used only if
the executed notebook gives the very same HTML for it, numbered from the same page; otherwise it
is laid out again. Either way the PDF is the same, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from types import TracebackType
from typing import Any

import nbformat
from nbformat import NotebookNode

from . import assemble, pdf

NEW_PAGE = "new-page"  # a cell tag: in print, the cell's outputs start a new page


def page_parts(cells: list[NotebookNode]) -> list[list[NotebookNode]]:
    """``cells`` cut before each cell tagged ``NEW_PAGE`` (but the first)."""
    cut = [0, *(index for index, cell in enumerate(cells) if index and NEW_PAGE in cell.metadata.get("tags", [])),
           len(cells)]
    return [cells[start:end] for start, end in zip(cut, cut[1:], strict=False)]


class PdfParts:
    """One notebook page's PDF, titled ``title`` (the page's and the PDF's) by ``author``;
    ``printable`` turns the page's HTML into what is printed. Use as a context manager around the
    notebook's run, with ``cell_started`` as nbclient's ``on_cell_start`` hook; then ``render``.
    Entering it starts the thread, which imports WeasyPrint first, while the kernel starts."""

    def __init__(self, title: str, author: str, printable: Callable[[str], str]) -> None:
        self.title, self.author, self.printable = title, author, printable
        self._pool: ThreadPoolExecutor | None = None
        self._seen: list[NotebookNode] = []  # the cells started so far, in order
        self._part_start = 0  # where in them the part being run starts
        self._early: list[tuple[str, Future[tuple[Any, int]]]] = []  # each part's HTML, (layout, pages before)

    def __enter__(self) -> PdfParts:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="xxgk-pdf")
        self._pool.submit(pdf.check_subsetter)  # an error there is render_page's to report
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        assert self._pool is not None
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _html(self, cells: list[NotebookNode]) -> str:
        return assemble.page_html(nbformat.v4.new_notebook(cells=cells), self.title)

    def cell_started(self, cell: NotebookNode, **_: Any) -> None:
        """nbclient's hook before each cell: where a part ends, lay it out on the thread. Its HTML
        is exported here, while the kernel waits for this cell (10-80 ms, the first call loading
        nbconvert's templates): papermill goes on editing the cells, and nbconvert's exporter is
        not shared with the thread."""
        assert self._pool is not None
        if NEW_PAGE in cell.metadata.get("tags", []) and len(self._seen) > self._part_start:
            html = self._html(self._seen[self._part_start:])
            self._part_start = len(self._seen)
            self._early.append((html, self._pool.submit(self._lay_out_early, html, len(self._early))))
        self._seen.append(cell)

    def _lay_out_early(self, html: str, index: int) -> tuple[Any, int]:
        """On the thread, which has laid out the parts before (a failed one fails this one too:
        where its pages start is not known)."""
        before = sum(len(future.result()[0].pages) for _, future in self._early[:index])
        return pdf.lay_out(self.printable(html), pages_before=before), before

    def render(self, notebook: NotebookNode) -> pdf.RenderedPdf:
        """The executed ``notebook``'s page as PDF, with the parts laid out early where they hold.
        The thread is done first: WeasyPrint lays out one document at a time."""
        wait([future for _, future in self._early])
        *leading, last = [self._html(cells) for cells in page_parts(notebook.cells)]
        laid_out: list[Any] = []
        for index, html in enumerate(leading):
            before = sum(len(part.pages) for part in laid_out)
            early = self._early[index][1] if index < len(self._early) and self._early[index][0] == html else None
            if early is not None and early.exception() is None and early.result()[1] == before:
                laid_out.append(early.result()[0])
            else:  # changed since, numbered from another page, or failed on the thread
                laid_out.append(pdf.lay_out(self.printable(html), pages_before=before))
        return pdf.render_page(self.printable(last), self.title, self.author, laid_out=laid_out)
