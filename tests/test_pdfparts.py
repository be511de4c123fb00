"""A notebook page's PDF laid out in parts (``PdfParts``), with real nbconvert and WeasyPrint: the
parts laid out on the thread while the notebook runs give the PDF that laying out every part at
the end gives, byte for byte; a part changed after it was laid out is laid out again, and so is
a part after it whose pages would now start elsewhere; the pages are numbered on across the parts,
and a cell tagged ``new-page`` starts a page."""

from __future__ import annotations

import io
import threading

import nbformat
import pdfplumber
import pytest

from xxgk.render import pdf
from xxgk.render.pdfparts import NEW_PAGE, PdfParts

LONG = "<p>甲乙丙丁戊己庚辛壬癸</p>" * 70  # more than a page
MAIN, THREAD = "main", "thread"


def cell(html: str, *tags: str) -> nbformat.NotebookNode:
    made = nbformat.v4.new_code_cell("display(part)", outputs=[
        nbformat.v4.new_output("display_data", data={"text/html": html})])
    made.metadata["tags"] = list(tags)
    return made


@pytest.fixture
def notebook() -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("说明"),
        cell('<h1 class="xxgk-title">汇总</h1>' + LONG + "<p>第一部分的结尾</p>"),
        cell('<h2 class="xxgk-part">第二部分</h2><p>第二部分的文字</p>', NEW_PAGE),
        cell('<h2 class="xxgk-part">第三部分</h2>', NEW_PAGE),
        cell("<p>第三部分的结尾</p>"),
    ])


@pytest.fixture
def layouts(monkeypatch) -> list[str]:
    """Where each part was laid out, in order: on the main thread or on PdfParts' own."""
    where: list[str] = []
    lay_out = pdf.lay_out

    def counted(html, **options):
        where.append(MAIN if threading.current_thread() is threading.main_thread() else THREAD)
        return lay_out(html, **options)

    monkeypatch.setattr(pdf, "lay_out", counted)
    return where


def printed(notebook, *, running: bool, edit=lambda notebook: None) -> bytes:
    """The page's PDF; ``running``: with the hook called before each cell as nbclient calls it;
    ``edit``: what happens to the notebook after it ran."""
    with PdfParts("汇总", "某地", str) as printing:
        if running:
            for index, started in enumerate(notebook.cells):
                printing.cell_started(cell=started, cell_index=index)
        edit(notebook)
        return printing.render(notebook).data


def pages(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as document:
        return [page.extract_text() or "" for page in document.pages]


def numbers(text: list[str]) -> list[str]:
    return [line for page in text for line in page.splitlines() if "—" in line]


def test_parts_laid_out_while_the_notebook_runs_give_the_pdf_laid_out_at_the_end(notebook, layouts):
    early = printed(notebook, running=True)
    assert layouts == [THREAD, THREAD, MAIN]
    layouts.clear()
    assert printed(notebook, running=False) == early
    assert layouts == [MAIN, MAIN, MAIN]


def test_the_pages_are_numbered_on_and_each_tagged_cell_starts_a_page(notebook):
    text = pages(printed(notebook, running=True))
    assert len(text) >= 4
    assert numbers(text) == [f"— {number} —" for number in range(1, len(text) + 1)]
    for heading, before in (("第二部分", "第一部分的结尾"), ("第三部分", "第二部分的文字")):
        page = next(number for number, words in enumerate(text) if heading in words)
        assert text[page].startswith(heading) and before in text[page - 1] and before not in text[page]


def test_a_part_changed_after_it_was_laid_out_is_laid_out_again_and_the_next_one_still_holds(notebook, layouts):
    def reworded(changed):
        changed.cells[1].outputs[0].data["text/html"] += "<p>后来改过的文字</p>"

    data = printed(notebook, running=True, edit=reworded)
    assert layouts == [THREAD, THREAD, MAIN, MAIN]  # the first part again, its page count the same
    assert "后来改过的文字" in "".join(pages(data))


def test_a_part_after_one_that_grew_a_page_is_laid_out_again_numbered_on(notebook, layouts):
    def lengthened(changed):
        changed.cells[1].outputs[0].data["text/html"] += LONG

    text = pages(printed(notebook, running=True, edit=lengthened))
    assert layouts == [THREAD, THREAD, MAIN, MAIN, MAIN]
    assert numbers(text) == [f"— {number} —" for number in range(1, len(text) + 1)]
