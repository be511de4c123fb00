"""A published document as its reader saw it: paragraphs and grids of cells, in reading order.

This is the neutral layer between the four readers (``read_pdf``, ``read_html``, ``read_docx``,
``read_text``) and the recognition of the official format (``recognise``): a reader knows pages,
tags and tabs but nothing of 表三; recognition knows the format but not where a PDF keeps its lines.
Every paragraph and cell carries its ``Place`` so a finding can point into the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    """Where something is in the published document; only the fields its kind has are set.

    PDF: ``page`` (1-based) and ``x``/``y`` in points from the page's top left; HTML and Word:
    ``table``/``row``/``cell`` (1-based, in document order, cells counted on the grid after
    merged cells are spread out) or ``paragraph``; text: ``line`` (1-based).
    """

    page: int | None = None
    table: int | None = None
    row: int | None = None
    cell: int | None = None
    paragraph: int | None = None
    line: int | None = None
    x: float | None = None
    y: float | None = None

    def describe(self) -> str:
        """The place in Chinese, as short as its kind allows: 第5页, 第2个表格第4行第3格, 第12行."""
        if self.page is not None:
            return f"第{self.page}页"
        if self.line is not None:
            return f"第{self.line}行"
        if self.table is not None:
            where = f"第{self.table}个表格"
            if self.row is not None:
                where += f"第{self.row}行"
            if self.cell is not None:
                where += f"第{self.cell}格"
            return where
        if self.paragraph is not None:
            return f"第{self.paragraph}段"
        return ""


@dataclass(frozen=True)
class Cell:
    """One cell as published: its text with runs of white space made single, blank kept blank."""

    text: str
    place: Place


# a grid row: ``None`` where a merged cell (rowspan/colspan, vMerge/gridSpan, a PDF's spanning
# cell) covers the slot; the merged cell itself sits at its top-left slot
Row = tuple[Cell | None, ...]


@dataclass(frozen=True)
class Grid:
    rows: tuple[Row, ...]
    place: Place


@dataclass(frozen=True)
class Paragraph:
    text: str
    place: Place


@dataclass(frozen=True)
class Document:
    """What a reader found in one file, before anything is matched against the format."""

    source: str  # the file's name, for messages
    kind: str  # "pdf", "html", "docx" or "txt"
    blocks: tuple[Paragraph | Grid, ...]
    title: str = ""  # the file's own title (PDF metadata, <title>), a hint only


_CJK = r"\u2e80-\u9fff\u3000-\u303f\uff00-\uffef“”‘’"
_SOURCE_BREAK = re.compile(rf"(?<=[{_CJK}])\s*\n\s*|\s*\n\s*(?=[{_CJK}])")
_SPACES = re.compile(r"[\s\u00a0]+")


def tidy(text: str) -> str:
    """Text as a reader would copy it: a line break of the file's layout between two Chinese
    characters removed (it is not in the published text), other runs of white space made one space."""
    return _SPACES.sub(" ", _SOURCE_BREAK.sub("", text.replace("\r", "\n"))).strip(" \u3000")
