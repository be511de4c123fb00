"""Text copied out of a published report: a line is a paragraph, tab-separated lines are table rows.

Copying a table out of a PDF or a web page gives one line per row with the cells separated by
tabs; a merged cell comes out once, where its text was. Consecutive such lines form one grid.
"""

from __future__ import annotations

from ..errors import TooLarge, UnreadableDocument
from ..limits import MAX_REPORT_CELLS
from .document import Cell, Document, Grid, Paragraph, Place, Row, tidy


def decode(data: bytes, name: str) -> str:
    """The file's text: UTF-8 (with or without BOM), else GB18030, as Chinese Windows saves it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableDocument(name, "不是 UTF-8 或 GB18030 编码的文本文件，无法读取")


def read_text(data: bytes, name: str) -> Document:
    blocks: list[Paragraph | Grid] = []
    rows: list[Row] = []
    cells = 0
    for number, line in enumerate(decode(data, name).splitlines(), start=1):
        if "\t" in line:
            cells += line.count("\t") + 1  # counted before splitting: one long line of tabs is millions of cells
            if cells > MAX_REPORT_CELLS:
                raise TooLarge(name, f"第{number}行：表格单元格超过 {MAX_REPORT_CELLS} 个，不像一份年度报告，未读取")
            rows.append(tuple(Cell(tidy(text), Place(line=number, cell=index))
                              for index, text in enumerate(line.split("\t"), start=1)))
            continue
        if rows:
            blocks.append(_grid(rows))
            rows = []
        if text := tidy(line):
            blocks.append(Paragraph(text, Place(line=number)))
    if rows:
        blocks.append(_grid(rows))
    return Document(source=name, kind="txt", blocks=tuple(blocks))


def _grid(rows: list[Row]) -> Grid:
    first = rows[0][0]
    return Grid(tuple(rows), Place(line=first.place.line) if first else Place())
