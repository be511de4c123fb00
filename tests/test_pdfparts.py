"""A notebook page's PDF laid out in parts (``PdfParts``), with real nbconvert and WeasyPrint: a
part laid out on the thread while the notebook runs gives the PDF that laying out every part at
the end gives, byte for byte; a part changed after it was laid out is laid out again; the pages
are numbered on across the parts, and a cell tagged ``new-page`` starts a page."""

from __future__ import annotations

import io
import threading

import nbformat
import pdfplumber
import pytest

from xxgk.render import pdf
from xxgk.render.pdfparts import NEW_PAGE, PdfParts

LONG = "<p>甲乙丙丁戊己庚辛壬癸</p>" * 70  # more than a page


def cell(html: str, *tags: str) -> nbformat.NotebookNode:
    made = nbformat.v4.new_code_cell("display(part)", outputs=[
        nbformat.v4.new_output("display_data", data={"text/html": html})])
    made.metadata["tags"] = list(tags)
    return made


@pytest.fixture
def notebook() -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("说明"),
        cell('<h1 class="xxgk-title">汇总</h1>' + LONG),
        cell('<h2 class="xxgk-part">第二部分</h2><p>第二部分的文字</p>', NEW_PAGE),
        cell("<p>第二部分的结尾</p>"),
    ])


@pytest.fixture
def layouts(monkeypatch) -> list[str]:
    """The threads that laid out a part, in order."""
    threads: list[str] = []
    lay_out = pdf.lay_out

    def counted(html, **options):
        threads.append(threading.current_thread().name)
        return lay_out(html, **options)

    monkeypatch.setattr(pdf, "lay_out", counted)
    return threads


def printed(notebook, *, running: bool) -> bytes:
    """The page's PDF; ``running``: with the hook called before each cell as nbclient calls it."""
    with PdfParts("汇总", "某地", str) as printing:
        if running:
            for index, started in enumerate(notebook.cells):
                printing.cell_started(cell=started, cell_index=index)
        return printing.render(notebook).data


def pages(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as document:
        return [page.extract_text() or "" for page in document.pages]


def test_a_part_laid_out_while_the_notebook_runs_gives_the_pdf_laid_out_at_the_end(notebook, layouts):
    main = threading.main_thread().name
    early = printed(notebook, running=True)
    assert layouts[0].startswith("xxgk-pdf") and layouts[1:] == [main]
    layouts.clear()
    assert printed(notebook, running=False) == early
    assert layouts == [main, main]


def test_the_pages_are_numbered_on_and_a_tagged_cell_starts_a_page(notebook):
    text = pages(printed(notebook, running=True))
    assert len(text) >= 3
    assert [line for page in text for line in page.splitlines() if "—" in line] == [
        f"— {number} —" for number in range(1, len(text) + 1)]
    second = next(number for number, page in enumerate(text) if "第二部分" in page)
    assert text[second].startswith("第二部分") and "甲乙丙丁" in text[second - 1]
    assert "甲乙丙丁" not in text[second] and "第二部分的结尾" in text[second]


def test_a_part_changed_after_it_was_laid_out_is_laid_out_again(notebook, layouts):
    with PdfParts("汇总", "某地", str) as printing:
        for index, started in enumerate(notebook.cells):
            printing.cell_started(cell=started, cell_index=index)
        notebook.cells[1].outputs[0].data["text/html"] += "<p>后来改过的文字</p>"
        data = printing.render(notebook).data
    assert len(layouts) == 3 and layouts[1:] == [threading.main_thread().name] * 2
    assert "后来改过的文字" in "".join(pages(data))
