"""A Word file (.docx): paragraphs and tables of the body in order, merged cells spread out.

Word keeps a horizontal merge as one ``w:tc`` with ``w:gridSpan`` and a vertical merge as a
column of ``w:tc`` whose ``w:vMerge`` continues the one above; both become ``None`` slots under
the merged cell, as every reader gives them.
"""

from __future__ import annotations

import io
import zipfile

import docx
from docx.oxml.ns import qn

from ..errors import TooLarge, UnreadableDocument
from ..limits import MAX_REPORT_BYTES, MAX_REPORT_CELLS, MAX_SPAN
from .document import Cell, Document, Grid, Paragraph, Place, Row, tidy


def read_docx(data: bytes, name: str) -> Document:
    _check_archive(data, name)
    try:
        word = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises whatever zipfile or lxml raised on a damaged file
        raise UnreadableDocument(name, f"Word 文件已损坏或不完整，无法打开（{type(error).__name__}）") from None
    blocks: list[Paragraph | Grid] = []
    paragraphs = tables = cells = 0
    for element in word.element.body.iterchildren():
        if element.tag == qn("w:p"):
            text = tidy("".join(node.text or "" for node in element.iter(qn("w:t"))))
            if text:
                paragraphs += 1
                blocks.append(Paragraph(text, Place(paragraph=paragraphs)))
        elif element.tag == qn("w:tbl"):
            tables += 1
            grid, cells = _grid(element, tables, cells, name)
            blocks.append(Grid(grid, Place(table=tables)))
    return Document(source=name, kind="docx", blocks=tuple(blocks), title=word.core_properties.title or "")


def _check_archive(data: bytes, name: str) -> None:
    """Refuse a zip bomb before python-docx inflates it: the parts' declared sizes are bounded."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            size = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise UnreadableDocument(name, "不是 Word（.docx）文件，或文件不完整（可能下载中断）") from None
    if size > 4 * MAX_REPORT_BYTES:
        raise TooLarge(name, f"解压后有 {size // (1 << 20)} MB，超过年度报告可能有的大小，未读取")


def _grid(table, number: int, cells: int, name: str) -> tuple[tuple[Row, ...], int]:
    """The table's grid and the cells counted so far in the document, refused as soon as they pass
    the bound: a w:tc may span 50 slots, so a grid built first could hold 10⁸ of them."""
    rows: list[list[Cell | None]] = []
    for r, tr in enumerate(table.iterchildren(qn("w:tr"))):
        row: list[Cell | None] = []
        for tc in tr.iterchildren(qn("w:tc")):
            properties = tc.find(qn("w:tcPr"))
            span = _int(properties, "w:gridSpan")
            cells += span
            if cells > MAX_REPORT_CELLS:
                raise TooLarge(name, f"第{number}个表格第{r + 1}行：表格单元格超过 {MAX_REPORT_CELLS} 个，"
                                     "不像一份年度报告，未读取")
            merge = properties.find(qn("w:vMerge")) if properties is not None else None
            continues = merge is not None and merge.get(qn("w:val"), "continue") == "continue"
            if continues:
                row.extend([None] * span)
                continue
            paragraphs = ("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.iterchildren(qn("w:p")))
            text = tidy("\n".join(paragraphs))
            row.append(Cell(text, Place(table=number, row=r + 1, cell=len(row) + 1)))
            row.extend([None] * (span - 1))
        rows.append(row)
    return tuple(tuple(row) for row in rows), cells


def _int(properties, tag: str) -> int:
    element = properties.find(qn(tag)) if properties is not None else None
    try:
        value = int(element.get(qn("w:val"))) if element is not None else 1
    except (TypeError, ValueError):
        value = 1
    return min(max(value, 1), MAX_SPAN)
