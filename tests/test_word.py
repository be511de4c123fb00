"""The Word copy read back with python-docx: headings, every paragraph and table value in place,
merged cells where the format merges them, East Asian fonts, A4 with the 公文 margins."""

from __future__ import annotations

from decimal import Decimal

import pytest
from docx import Document
from docx.oxml.ns import qn

from helpers import assert_in_order, published_fields, with_tables
from xxgk.render import tables, word
from xxgk.report.format import load_format

FMT = load_format()


@pytest.fixture(scope="module")
def document(built):
    return Document(str(built / "report.docx"))


def body_text(document) -> str:
    """Paragraphs and table cells in document order, each merged cell once."""
    parts = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            parts.append("".join(t.text or "" for t in child.iter(qn("w:t"))))
        elif child.tag == qn("w:tbl"):
            for cell in child.iter(qn("w:tc")):
                parts.append("".join(t.text or "" for t in cell.iter(qn("w:t"))))
    return "\n".join(parts)


def test_headings_are_word_heading_styles(document, example):
    titles = [p.text for p in document.paragraphs if p.style.name == "Title"]
    assert titles == [example.display_title]
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [part.heading for part in FMT.parts]


def test_every_paragraph_and_value_in_order(document):
    assert_in_order(published_fields(), body_text(document))


def test_page_is_a4_with_the_official_margins(document):
    section = document.sections[0]
    def mm(length):  # Word keeps twips: a millimetre is not a whole number of them
        return round(length.mm, 1)

    assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
    assert [mm(section.top_margin), mm(section.bottom_margin), mm(section.left_margin),
            mm(section.right_margin)] == [37, 35, 28, 26]


def test_east_asian_fonts_are_set(document):
    def east_asian(element):
        fonts = element.find(qn("w:rPr")).find(qn("w:rFonts"))
        return fonts.get(qn("w:eastAsia"))

    assert east_asian(document.styles["Normal"].element) == word.BODY_FONT
    assert east_asian(document.styles["Heading 1"].element) == word.HEADING_FONT
    run_in = next(r for p in document.paragraphs for r in p.runs if r.text.startswith("（一）"))
    assert run_in.bold and east_asian(run_in._r) == word.KAI_FONT
    assert document.core_properties.language == "zh-CN"


def test_official_merged_cells(document):
    table2, table3, table4 = document.tables
    same = lambda t, a, b: t.cell(*a)._tc is t.cell(*b)._tc  # noqa: E731
    # 表三: corner 3×3, 申请人情况 over 7, 自然人 and 总计 over two rows, 法人或其他组织 over 5
    assert same(table3, (0, 0), (2, 2)) and table3.cell(0, 0).text == FMT.table3.corner
    assert same(table3, (0, 3), (0, 9)) and not same(table3, (0, 3), (1, 3))
    assert same(table3, (1, 3), (2, 3)) and same(table3, (1, 9), (2, 9)) and same(table3, (1, 4), (1, 8))
    # body rows start at 3: 一、 spans the label columns; 三、本年度办理结果 spans 22 rows
    assert same(table3, (3, 0), (3, 2)) and not same(table3, (3, 0), (4, 0))
    assert same(table3, (5, 0), (26, 0)) and not same(table3, (5, 0), (27, 0))
    assert same(table3, (5, 1), (5, 2))  # （一）予以公开 over two label columns
    assert same(table3, (7, 1), (14, 1))  # （三）不予公开 over its eight rows
    # 表四: 行政复议 over 5 and its labels over two rows; 行政诉讼 over 10
    assert same(table4, (0, 0), (0, 4)) and same(table4, (1, 0), (2, 0)) and same(table4, (0, 5), (0, 14))
    assert same(table4, (1, 5), (1, 9)) and not same(table4, (1, 5), (2, 5))
    # 表二: block headers over 4 columns, single values over 3
    assert same(table2, (0, 0), (0, 3)) and table2.cell(0, 0).text == FMT.table2.blocks[0].header
    licensing = next(r for r in range(len(table2.rows)) if table2.cell(r, 0).text == "行政许可")
    assert same(table2, (licensing, 1), (licensing, 3)) and table2.cell(licensing, 1).text == "9865"


def test_every_value_in_its_row_and_column(example):
    keys = [row.key for row in FMT.table3.rows]
    table3 = {key: tuple(100 * r + c for c in range(7)) for r, key in enumerate(keys)}
    report = with_tables(example, table3=table3, table2={"fees": Decimal("96171.6")})
    html = f"<main>{tables.table2(report).html}{tables.table3(report).html}</main>"
    import io
    document = Document(io.BytesIO(word.render_docx(html, report)))
    table2, table3_ = document.tables
    for r in range(len(keys)):
        assert [table3_.cell(3 + r, 3 + c).text for c in range(7)] == [str(100 * r + c) for c in range(7)]
    fees = next(r for r in range(len(table2.rows)) if table2.cell(r, 0).text == "行政事业性收费")
    assert table2.cell(fees, 1).text == "96171.60"
