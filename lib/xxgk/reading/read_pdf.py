"""A PDF with a text layer (WPS, Word, WeasyPrint): tables from their ruling lines, the rest as paragraphs.

PDFium gives every character with its box and every ruling line (``pdfpage``); pdfplumber's table
finder turns the lines into cells (``None`` where a merged cell covers a slot). A cell's text is rebuilt here from
the characters inside it, line by line, so that a label written one character per line
(三、本年度办理结果 standing vertically) or split over two lines reads as one. Outside the tables,
lines become paragraphs by their geometry: an indented line or one after a short line starts a
paragraph, and a paragraph that runs to the foot of a page continues on the next. Why these
libraries, measured: docs/development.md.
"""

from __future__ import annotations

import bisect
import io
import re
from dataclasses import dataclass

import pdfplumber
import pypdfium2

from ..errors import NoTextLayer, TooLarge, UnreadableDocument, XxgkError
from ..limits import MAX_REPORT_CELLS, MAX_REPORT_PAGES
from .document import Cell, Document, Grid, Paragraph, Place, Row, tidy
from .pdfpage import page_objects

_PAGE_NUMBER = re.compile(r"[-—–－\s]*[0-9]+[-—–－\s]*|第\s*[0-9]+\s*页(\s*共\s*[0-9]+\s*页)?")
_WORD = re.compile(r"[A-Za-z0-9]")
_ENDS = tuple("。！？；：”）)")  # a line ending so and short of the margin ends its paragraph


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    size: float


def read_pdf(data: bytes, name: str) -> Document:
    if b"%PDF-" not in data[:1024]:
        raise UnreadableDocument(name, "不是 PDF 文件（文件开头没有 %PDF 标记），或文件是空的")
    try:
        document = pypdfium2.PdfDocument(data)
        if len(document) > MAX_REPORT_PAGES:
            raise TooLarge(name, f"共 {len(document)} 页，超过年度报告可能有的页数（{MAX_REPORT_PAGES} 页），未读取")
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            reader = _Reader(name)
            for number, (page, drawn) in enumerate(zip(pdf.pages, document, strict=True), start=1):
                # pdfplumber's own parsing (pdfminer.six) is 5× slower than PDFium's: pdfpage.py
                page._objects = page_objects(drawn)
                reader.page(page, number)
            title = str(document.get_metadata_value("Title") or "")
    except XxgkError:
        raise
    except Exception as error:  # pdfminer raises many kinds (PDFSyntaxError, KeyError, …) on a damaged file
        raise UnreadableDocument(
            name, f"PDF 文件已损坏或不完整（可能下载中断），无法读取（{type(error).__name__}）") from None
    if not reader.characters:
        raise NoTextLayer(name, "PDF 没有文字层（可能是扫描件或图片）；本工具不做文字识别（OCR），"
                                "请向发布机关索取有文字的 PDF、网页或 Word 版本")
    return Document(source=name, kind="pdf", blocks=tuple(reader.finish()), title=title)


def _not_a_box(page):
    """A predicate keeping what can be a table's edge. WPS paints a white box behind each line of
    text and WeasyPrint one behind the page's body and each table: boxes as wide as the text,
    which pdfplumber's table finder would take for a table around the text. Narrower filled boxes
    are cells' backgrounds, whose edges some tables need as their only inner borders (洪泽 2023)."""
    def keep(obj: dict) -> bool:
        return not (obj.get("object_type") == "rect" and obj.get("fill") and not obj.get("stroke")
                    and obj["width"] > 0.6 * page.width)
    return keep


class _Reader:
    def __init__(self, name: str) -> None:
        self.name = name
        self.blocks: list[Paragraph | Grid] = []
        self.characters = 0
        self.cells = 0
        self.open: tuple[list[str], Place] | None = None  # the paragraph the next line may continue
        self.margins = (0.0, 0.0)
        self.pages: list[tuple[int, list]] = []  # each page's lines and tables, top to bottom

    def page(self, page, number: int) -> None:
        chars = page.chars
        self.characters += sum(1 for char in chars if char["text"].strip())
        tables = [table.rows for table in page.filter(_not_a_box(page)).find_tables()]
        in_table: list[list[dict]] = [[] for _ in tables]
        free: list[dict] = []
        for char in chars:
            x, y = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
            for index, rows in enumerate(tables):
                x0, top, x1, bottom = _bbox(rows)
                if x0 <= x <= x1 and top <= y <= bottom:
                    in_table[index].append(char)
                    break
            else:
                free.append(char)
        items: list[tuple[float, object]] = [(line.top, line) for line in _lines(free)]
        items += [(rows[0].bbox[1], (rows, found)) for rows, found in zip(tables, in_table, strict=True)]
        items.sort(key=lambda item: item[0])
        self.pages.append((number, [item for _, item in items]))

    def finish(self) -> list[Paragraph | Grid]:
        """The blocks of all pages, once the text's margins are known from every page's lines (a
        page with one heading and one paragraph cannot tell an indent from the margin)."""
        body = [item for _, items in self.pages for item in items
                if isinstance(item, _Line) and not _PAGE_NUMBER.fullmatch(item.text)]
        if body:
            self.margins = (min(line.x0 for line in body), max(line.x1 for line in body))
        for number, items in self.pages:
            previous: _Line | None = None
            for item in items:
                if isinstance(item, _Line):
                    if _PAGE_NUMBER.fullmatch(item.text):
                        continue
                    self._line(item, previous, number)
                    previous = item
                else:
                    self.close()
                    previous = None
                    rows, found = item
                    self._table(rows, found, number)
        self.close()
        return self.blocks

    def _line(self, line: _Line, previous: _Line | None, page: int) -> None:
        left, right = self.margins
        indented = line.x0 > left + line.size
        after_short = (previous is not None and previous.x1 < right - 1.5 * previous.size
                       and previous.text.endswith(_ENDS))
        other_size = previous is not None and abs(previous.size - line.size) > 0.5
        if self.open is None or indented or after_short or other_size:
            self.close()
            self.open = ([line.text], Place(page=page, x=round(line.x0, 1), y=round(line.top, 1)))
        else:
            self.open[0].append(line.text)

    def close(self) -> None:
        """End the open paragraph. A page break leaves it open: the next page's first line continues
        it unless that line is indented."""
        if self.open is not None:
            text = tidy("\n".join(self.open[0]))
            if text:
                self.blocks.append(Paragraph(text, self.open[1]))
            self.open = None

    def _table(self, table: list, chars: list[dict], page: int) -> None:
        left = _bbox(table)[0]
        boxes = [list(row.cells) for row in table]
        index = _ByHeight(chars)
        taken = [[index.inside(box) if box else [] for box in row] for row in boxes]
        placed = {id(char) for row in taken for inside in row for char in inside}
        rows: list[Row] = []
        for r, (row_boxes, row_taken) in enumerate(zip(boxes, taken, strict=True)):
            # characters left of the row's first cell and in no cell: a border the table finder
            # did not see; they belong to the row's leading slot
            first = next((c for c, box in enumerate(row_boxes) if box), None)
            if first:
                box = (left, row_boxes[first][1], row_boxes[first][0], row_boxes[first][3])
                stray = [char for char in index.inside(box) if id(char) not in placed]
                if stray:
                    row_boxes[0], row_taken[0] = box, stray
            cells: list[Cell | None] = []
            for c, (box, inside) in enumerate(zip(row_boxes, row_taken, strict=True)):
                if box is None:
                    cells.append(None)
                    continue
                text = tidy("\n".join(line.text for line in _lines(inside)))
                place = Place(page=page, row=r + 1, cell=c + 1, x=round(box[0], 1), y=round(box[1], 1))
                cells.append(Cell(text, place))
            rows.append(tuple(cells))
        self.cells += sum(len(row) for row in rows)
        if self.cells > MAX_REPORT_CELLS:
            raise TooLarge(self.name, f"表格单元格超过 {MAX_REPORT_CELLS} 个，不像一份年度报告，未读取")
        if rows:
            x0, top, _, _ = _bbox(table)
            self.blocks.append(Grid(tuple(rows), Place(page=page, x=round(x0, 1), y=round(top, 1))))


def _bbox(rows: list) -> tuple[float, float, float, float]:
    return (min(row.bbox[0] for row in rows), rows[0].bbox[1], max(row.bbox[2] for row in rows), rows[-1].bbox[3])


class _ByHeight:
    """A table's characters sorted by their vertical middle, to find those in a cell's box
    without looking at every character of the table for every cell."""

    def __init__(self, chars: list[dict]) -> None:
        self.chars = sorted(chars, key=_middle)
        self.middles = [_middle(char) for char in self.chars]

    def inside(self, box: tuple[float, float, float, float]) -> list[dict]:
        x0, top, x1, bottom = box
        start, end = bisect.bisect_left(self.middles, top), bisect.bisect_right(self.middles, bottom)
        return [char for char in self.chars[start:end] if x0 <= (char["x0"] + char["x1"]) / 2 <= x1]


def _middle(char: dict) -> float:
    return (char["top"] + char["bottom"]) / 2


def _lines(chars: list[dict]) -> list[_Line]:
    """Characters grouped into lines (by the vertical middle), each line read left to right."""
    lines: list[list[dict]] = []
    for char in sorted(chars, key=lambda ch: (ch["top"], ch["x0"])):
        middle = (char["top"] + char["bottom"]) / 2
        if lines:
            last = lines[-1][0]
            if abs(middle - (last["top"] + last["bottom"]) / 2) < 0.5 * last["size"]:
                lines[-1].append(char)
                continue
        lines.append([char])
    return [_line(_trimmed(sorted(line, key=lambda ch: ch["x0"]))) for line in lines
            if any(char["text"].strip() for char in line)]


def _trimmed(chars: list[dict]) -> list[dict]:
    """A line without its leading and trailing spaces: an indent made of spaces is still an indent."""
    start = next(i for i, char in enumerate(chars) if char["text"].strip())
    end = max(i for i, char in enumerate(chars) if char["text"].strip())
    return chars[start:end + 1]


def _line(chars: list[dict]) -> _Line:
    """A line's text: the characters in order, a space only where a gap separates two Latin words
    (Chinese text has no spaces; the gaps of justified lines are not characters)."""
    parts = [chars[0]["text"]]
    for before, char in zip(chars, chars[1:], strict=False):
        gap = char["x0"] - before["x1"]
        if gap > 0.25 * char["size"] and _WORD.match(before["text"][-1:]) and _WORD.match(char["text"][:1]):
            parts.append(" ")
        parts.append(char["text"])
    size = max(ch["size"] for ch in chars)
    return _Line("".join(parts), chars[0]["x0"], chars[-1]["x1"], chars[0]["top"], size)
