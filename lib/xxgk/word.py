"""The Word copy of the publication HTML: real Word tables with the official merged cells, part
headings as Word heading styles, East Asian fonts on every run, A4 with GB/T 9704 margins.

It is built from the same assembled HTML as the PDF, so the two cannot say different things. The
fonts named are the ones Chinese offices have in Word and WPS (仿宋_GB2312, 黑体, 楷体_GB2312,
方正小标宋简体); Word substitutes where one is missing.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from bs4 import BeautifulSoup, NavigableString, Tag
from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from .model import Report
from .tablehtml import grid

BODY_FONT, HEADING_FONT, KAI_FONT, TITLE_FONT = "仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体"
BODY_SIZE, TITLE_SIZE, TABLE_SIZE, TABLE3_SIZE = Pt(16), Pt(22), Pt(10.5), Pt(8)
MARGINS = {"top_margin": Mm(37), "bottom_margin": Mm(35), "left_margin": Mm(28), "right_margin": Mm(26)}
HEADING_STYLES = {"h2": "Heading 1", "h3": "Heading 2"}


def render_docx(html: str, report: Report) -> bytes:
    """The publication HTML as a .docx document."""
    document = Document()
    _page_setup(document)
    _styles(document)
    _properties(document, report)
    main = BeautifulSoup(html, "html.parser")
    for banner in main.select(".xxgk-unchecked"):
        _paragraph(document, banner, style="Normal").alignment = WD_ALIGN_PARAGRAPH.CENTER
    body = main.find("main")
    assert body is not None  # the publication template puts the report in <main>
    for element in body.find_all(recursive=False):
        _element(document, element)
    buffer = io.BytesIO()
    document.save(buffer)
    return _stamped(buffer.getvalue(), report.published)


def _stamped(package: bytes, day: dt.date) -> bytes:
    """The .docx zip with every entry dated ``day``: python-docx stamps the build's clock time,
    and the same inputs must give the same file."""
    source = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            entry = zipfile.ZipInfo(item.filename, date_time=(day.year, day.month, day.day, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(item.filename))
    return out.getvalue()


def _page_setup(document) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for name, value in MARGINS.items():
        setattr(section, name, value)


def _east_asian(target, font: str) -> None:
    """Set the East Asian font of a run or style (Word keeps it apart from the Latin font)."""
    target.font.name = font
    fonts = target.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)


def _styles(document) -> None:
    styles = document.styles
    normal = styles["Normal"]
    _east_asian(normal, BODY_FONT)
    normal.font.size = BODY_SIZE
    normal.paragraph_format.first_line_indent = Pt(32)  # two characters of 16pt
    normal.paragraph_format.line_spacing = Pt(28.9)
    normal.paragraph_format.space_after = Pt(0)
    for name, font in (("Title", TITLE_FONT), ("Heading 1", HEADING_FONT), ("Heading 2", KAI_FONT)):
        style = styles[name]
        _east_asian(style, font)
        style.font.size = TITLE_SIZE if name == "Title" else BODY_SIZE
        style.font.bold = name != "Heading 1"
        style.font.color.rgb = None
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(12 if name == "Title" else 0)
        style.paragraph_format.first_line_indent = None if name == "Title" else Pt(32)
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER if name == "Title" else None
    # the Title style of the default template draws a rule under the title; a 公文 title has none
    borders = styles["Title"].element.find(qn("w:pPr")).find(qn("w:pBdr"))
    if borders is not None:
        borders.getparent().remove(borders)


def _properties(document, report: Report) -> None:
    properties = document.core_properties
    properties.title = report.display_title
    properties.author = report.agency.name
    properties.last_modified_by = report.agency.name
    properties.language = "zh-CN"
    # the report's own date, not the build's: two builds of the same inputs are the same document
    published = dt.datetime.combine(report.published, dt.time())
    properties.created = properties.modified = published
    properties.revision = 1


def _element(document, element: Tag) -> None:
    classes: str | list[str] = element.get("class") or []
    if element.name == "h1":
        document.add_paragraph(element.get_text(), style="Title")
    elif element.name in HEADING_STYLES:
        document.add_paragraph(element.get_text(), style=HEADING_STYLES[element.name])
    elif element.name == "p":
        _paragraph(document, element)
    elif "xxgk-signature" in classes:
        for line in element.find_all("p"):
            _paragraph(document, line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif (table := element.find("table")) is not None:
        _table(document, table, small=element.get("id") == "xxgk-table3")


def _paragraph(document, element: Tag, style: str = "Normal"):
    paragraph = document.add_paragraph(style=style)
    for child in element.children:
        text = child if isinstance(child, NavigableString) else child.get_text()
        run = paragraph.add_run(str(text))
        if isinstance(child, Tag) and child.name == "strong":
            run.bold = True
            _east_asian(run, KAI_FONT)
    return paragraph


def _column_widths(word, table: Tag) -> None:
    """Carry the HTML's column widths (per cent of the text width) over to the Word table."""
    cols = table.select("colgroup > col")
    shares = []
    for col in cols:
        # style is single-valued, so bs4 gives a str; its types cannot tell
        match = re.search(r"width:\s*([\d.]+)%", col.get("style", ""))  # type: ignore[arg-type]
        assert match is not None  # great-tables gives each col of a colgroup its width
        shares.append(float(match.group(1)))
    if not shares:
        return
    text_width = Mm(210) - MARGINS["left_margin"] - MARGINS["right_margin"]
    word.autofit = False
    for index, share in enumerate(shares):
        width = int(text_width * share / 100)
        word.columns[index].width = width
        for cell in word.columns[index].cells:
            cell.width = width


def _table(document, table: Tag, small: bool) -> None:
    head = table.find("thead")
    head_rows = head.find_all("tr", recursive=False) if head else []
    body = table.find("tbody")
    assert body is not None  # great-tables always writes one
    rows = head_rows + body.find_all("tr", recursive=False)
    cells = grid(rows)
    width = max(cell.col + cell.colspan for cell in cells)
    word = document.add_table(rows=len(rows), cols=width)
    word.style = "Table Grid"
    word.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell in cells:
        target = word.cell(cell.row, cell.col)
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(word.cell(cell.row + cell.rowspan - 1, cell.col + cell.colspan - 1))
        target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = target.paragraphs[0]
        paragraph.paragraph_format.first_line_indent = Pt(0)
        paragraph.paragraph_format.line_spacing = 1.0
        is_label = "gt_stub" in (cell.tag.get("class") or []) or "gt_group_heading" in (cell.tag.get("class") or [])
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if is_label else WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(cell.tag.get_text(" ", strip=True))
        run.font.size = TABLE3_SIZE if small else TABLE_SIZE
        run.bold = cell.tag.name == "th" and cell.row < len(head_rows)
    _column_widths(word, table)
    for index in range(len(head_rows)):  # header rows repeat when Word breaks the table
        properties = word.rows[index]._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        properties.append(repeat)
    document.add_paragraph()
