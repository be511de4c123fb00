"""The Word copy of the publication HTML: real Word tables with the official merged cells, part
headings as Word heading styles, East Asian fonts on every run, A4 with GB/T 9704 margins.

It is built from the same assembled HTML as the PDF, so the two cannot say different things: the
title breaks where the HTML's does (``blocks.title_lines``), and the 落款 is flush right. The fonts
named are the ones Chinese offices have in Word and WPS (仿宋_GB2312, 黑体, 楷体_GB2312, 方正小标宋简体),
each declared in the font table with the free face the PDF is set in as its alternative name
(``FACES``; Word may fall back to it, LibreOffice goes by fontconfig). A table stays whole on one
page, as in the PDF.
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
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from ..report.model import Report
from .htmlgrid import grid

BODY_FONT, HEADING_FONT, KAI_FONT, TITLE_FONT = "仿宋_GB2312", "黑体", "楷体_GB2312", "方正小标宋简体"
# official face -> the free face the HTML and PDF are set in (report.css, pdf.FONTS)
FACES = {BODY_FONT: "FandolFang", HEADING_FONT: "Noto Sans CJK SC", KAI_FONT: "LXGW WenKai",
         TITLE_FONT: "Noto Serif CJK SC"}
BODY_SIZE, TITLE_SIZE, TABLE_SIZE, TABLE3_SIZE = Pt(16), Pt(22), Pt(10.5), Pt(8)
LINE = Pt(28.9)  # 22 lines on the page's 225 mm
CELL_MARGIN = Mm(0.8)  # left and right in table cells: 表四's 15 columns keep two characters a line
MARGINS = {"top_margin": Mm(37), "bottom_margin": Mm(35), "left_margin": Mm(28), "right_margin": Mm(26)}
HEADING_STYLES = {"h2": "Heading 1", "h3": "Heading 2"}


def render_docx(html: str, report: Report) -> bytes:
    """The publication HTML as a .docx document."""
    document = Document()
    _page_setup(document)
    _styles(document)
    _font_table(document)
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
    return _stamped(buffer.getvalue(), report.published or UNDATED)


# the date stamped on an undated report's file: the zip format's first day, which says "no date"
UNDATED = dt.date(1980, 1, 1)


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
    """Set the East Asian font of a run or style (Word keeps it apart from the Latin font). The
    default template's heading styles name theme fonts too, which Word would use instead."""
    target.font.name = font
    fonts = target.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), font)
    for theme in ("w:asciiTheme", "w:eastAsiaTheme", "w:hAnsiTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)


def _font_table(document) -> None:
    """Declare each official face with its free stand-in as alternative name (w:altName). python-docx
    keeps the font table as bytes, so they are parsed, extended and put back."""
    part = document.part.part_related_by(RT.FONT_TABLE)
    fonts = parse_xml(part.blob)
    for official, free in FACES.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), official)
        alternative = OxmlElement("w:altName")
        alternative.set(qn("w:val"), free)
        charset = OxmlElement("w:charset")
        charset.set(qn("w:val"), "86")  # GB2312
        font.extend([alternative, charset])
        fonts.append(font)
    part._blob = serialize_part_xml(fonts)


def _styles(document) -> None:
    styles = document.styles
    normal = styles["Normal"]
    _east_asian(normal, BODY_FONT)
    normal.font.size = BODY_SIZE
    normal.paragraph_format.first_line_indent = Pt(32)  # two characters of 16pt
    normal.paragraph_format.line_spacing = LINE
    normal.paragraph_format.space_after = Pt(0)
    for name, font in (("Title", TITLE_FONT), ("Heading 1", HEADING_FONT), ("Heading 2", KAI_FONT)):
        style = styles[name]
        _east_asian(style, font)
        style.font.size = TITLE_SIZE if name == "Title" else BODY_SIZE
        style.font.bold = name != "Heading 1"
        style.font.color.rgb = None
        style.paragraph_format.space_before = Pt(0)
        style.paragraph_format.space_after = Pt(12 if name == "Title" else 0)
        # Title is based on Normal: without its own 0 it inherits the two-character indent, which pushed
        # the last character of a 20-character title onto a line of its own
        style.paragraph_format.first_line_indent = Pt(0) if name == "Title" else Pt(32)
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER if name == "Title" else None
    # the Title style of the default template draws a rule under the title, which a 公文 title has not,
    # and spaces its letters, which would make a line of 20 characters wrap where the PDF's does not;
    # nor does the title get Word's extra space between Chinese and digits (the PDF has none)
    title = styles["Title"].element
    for unwanted in (title.find(qn("w:pPr")).find(qn("w:pBdr")), title.find(qn("w:rPr")).find(qn("w:spacing"))):
        if unwanted is not None:
            unwanted.getparent().remove(unwanted)
    no_space = OxmlElement("w:autoSpaceDN")
    no_space.set(qn("w:val"), "0")
    title.get_or_add_pPr().insert_element_before(
        no_space, "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
        "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
        "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")


def _properties(document, report: Report) -> None:
    properties = document.core_properties
    properties.title = report.display_title
    properties.author = report.agency.name
    properties.last_modified_by = report.agency.name
    properties.language = "zh-CN"
    # the report's own date, not the build's: two builds of the same inputs are the same document
    published = dt.datetime.combine(report.published or UNDATED, dt.time())
    properties.created = properties.modified = published
    properties.revision = 1


def _element(document, element: Tag) -> None:
    classes: str | list[str] = element.get("class") or []
    if element.name == "h1":  # its lines as blocks.title_lines broke them
        title = document.add_paragraph(style="Title")
        run = title.add_run()
        for child in element.children:
            if isinstance(child, Tag) and child.name == "br":
                run.add_break()
            else:
                run.add_text(child.get_text() if isinstance(child, Tag) else str(child))
    elif element.name in HEADING_STYLES:
        document.add_paragraph(element.get_text(), style=HEADING_STYLES[element.name])
    elif element.name == "p":
        _paragraph(document, element)
    elif "xxgk-signature" in classes:
        # a line's space above it, as in the PDF; it keeps the text's last paragraph on its page
        if document.paragraphs:
            document.paragraphs[-1].paragraph_format.keep_with_next = True
        for index, line in enumerate(element.find_all("p")):
            paragraph = _paragraph(document, line)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            paragraph.paragraph_format.first_line_indent = Pt(0)
            paragraph.paragraph_format.keep_with_next = True
            if index == 0:
                paragraph.paragraph_format.space_before = LINE
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


def _column_widths(word, table: Tag, columns: int) -> None:
    """Carry the HTML's column widths (per cent of the text width) over to the Word table; a table
    without them (表四) gets equal columns. Fixed widths: Word and LibreOffice would otherwise size the
    columns to their content and squeeze 表四's headers to a character a line."""
    cols = table.select("colgroup > col")
    shares = []
    for col in cols:
        # style is single-valued, so bs4 gives a str; its types cannot tell
        match = re.search(r"width:\s*([\d.]+)%", col.get("style", ""))  # type: ignore[arg-type]
        assert match is not None  # great-tables gives each col of a colgroup its width
        shares.append(float(match.group(1)))
    shares = shares or [100 / columns] * columns
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
    _column_widths(word, table, width)
    _cell_margins(word)
    _whole(word, len(head_rows))
    document.add_paragraph()


def _cell_margins(word) -> None:
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(int(CELL_MARGIN.twips)))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    word._tbl.tblPr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription",
                                          "w:tblPrChange")


def _whole(word, head_rows: int) -> None:
    """Keep the table on one page, as the PDF does: no row splits (w:cantSplit), and every paragraph
    but the last row's keeps with the next (w:keepNext), so Word moves the whole table to the next
    page rather than break it. Header rows would repeat should a table ever be longer than a page."""
    rows = word.rows
    for index, row in enumerate(rows):
        properties = row._tr.get_or_add_trPr()
        properties.append(OxmlElement("w:cantSplit"))
        if index < head_rows:
            repeat = OxmlElement("w:tblHeader")
            repeat.set(qn("w:val"), "true")
            properties.append(repeat)
        if index < len(rows) - 1:  # every paragraph, those of merged-away cells too
            for paragraph in row._tr.iter(qn("w:p")):
                paragraph.get_or_add_pPr().keepNext_val = True
