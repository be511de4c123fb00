"""A web page: the report found by its content inside whatever the site puts around it.

Government sites wrap the report in navigation, breadcrumbs, share buttons and footers, each
site with its own class names. The report is found instead by what it says: the smallest element
that holds the format's first and last part headings (or, failing the last, the first) and a
table. Tables are spread out on a grid honouring ``rowspan``/``colspan``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator

from bs4 import BeautifulSoup, PageElement, Tag

from ..errors import TooLarge
from ..limits import MAX_REPORT_CELLS, MAX_REPORT_TABLES, MAX_SPAN
from ..report.format import load_format
from .document import Cell, Document, Grid, Paragraph, Place, Row, tidy

_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "div", "td", "th", "section", "article",
           "blockquote", "center", "pre", "table", "ul", "ol", "dl", "dd", "dt"}
_SKIPPED = {"script", "style", "noscript", "template", "head", "nav", "iframe", "object", "svg"}
# at most 9 digits: a longer run is clamped to MAX_SPAN all the same, and int() refuses over 4,300 digits
_SPAN = re.compile(r"\s*([0-9]{1,9})")


def read_html(data: bytes, name: str) -> Document:
    soup = BeautifulSoup(data, "lxml")  # lxml's HTML parser neither fetches nor expands external entities
    title = tidy(soup.title.get_text()) if soup.title else ""
    root = _report_element(soup, name) or soup.body or soup
    reader = _Reader(name)
    reader.walk(root)
    return Document(source=name, kind="html", blocks=tuple(reader.blocks), title=title)


def _core(heading: str) -> str:
    """A part heading without its number: 一、总体情况 → 总体情况."""
    return heading.split("、", 1)[-1]


def _report_element(soup: BeautifulSoup, name: str) -> Tag | None:
    parts = load_format().parts
    first, last = _core(parts[0].heading), _core(parts[-1].heading)
    tables = soup.find_all("table", limit=MAX_REPORT_TABLES + 1)
    if len(tables) > MAX_REPORT_TABLES:
        raise TooLarge(name, f"网页中的表格超过 {MAX_REPORT_TABLES} 个，不像一份年度报告，未读取")
    text, spans = _text_spans(soup)
    if first not in text:  # not a report at all: no table is worth looking around
        return None
    # where each heading word occurs in the page's text, so that "does this element hold it" is a
    # bisection in the element's span instead of a get_text() of every ancestor of every table
    found = {word: _occurrences(text, word) for word in (first, last)}

    def holds(element: Tag, word: str) -> bool:
        start, end = spans[id(element)]
        at = found[word]
        index = bisect_left(at, start)
        return index < len(at) and at[index] + len(word) <= end

    for wanted in ((first, last), (first,)):
        best: Tag | None = None
        for table in tables:
            for element in table.parents:
                if all(holds(element, word) for word in wanted):
                    if best is None or _length(spans, element) < _length(spans, best):
                        best = element
                    break
        if best is not None:
            return best
    return None


def _text_spans(root: Tag) -> tuple[str, dict[int, tuple[int, int]]]:
    """The text the reader sees and, for every element (by id), where its own text lies in it:
    one pass in document order, with an explicit stack since pages nest deeper than Python recurses."""
    pieces: list[str] = []
    offset = 0
    spans: dict[int, tuple[int, int]] = {}
    stack: list[tuple[Tag, int, Iterator[PageElement]]] = [(root, 0, iter(root.children))]
    while stack:
        element, start, children = stack[-1]
        child = next(children, None)
        if child is None:
            stack.pop()
            spans[id(element)] = (start, offset)
        elif isinstance(child, Tag):
            stack.append((child, offset, iter(child.children)))
        elif _is_text(child):
            pieces.append(str(child))
            offset += len(pieces[-1])
    return "".join(pieces), spans


def _occurrences(text: str, word: str) -> list[int]:
    at: list[int] = []
    index = text.find(word)
    while index >= 0:
        at.append(index)
        index = text.find(word, index + 1)
    return at


def _length(spans: dict[int, tuple[int, int]], element: Tag) -> int:
    start, end = spans[id(element)]
    return end - start


def _is_text(node: PageElement) -> bool:
    """Text a reader sees: not comments, doctypes, or script and style bodies (bs4 subclasses)."""
    return type(node).__name__ in ("NavigableString", "CData")


class _Reader:
    def __init__(self, name: str) -> None:
        self.name = name
        self.blocks: list[Paragraph | Grid] = []
        self.paragraphs = 0
        self.tables = 0
        self.cells = 0
        self.pending: list[str] = []  # inline text since the last block boundary

    def walk(self, element: Tag) -> None:
        self._walk(element)
        self._flush()

    def _walk(self, element: Tag) -> None:
        # an explicit stack: a page may nest elements thousands deep (<b><b><b>…), beyond Python's recursion
        stack: list[tuple[Iterator[PageElement], bool]] = [(iter(element.children), False)]
        while stack:
            children, block = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if block:
                    self._flush()
                continue
            if not isinstance(child, Tag):
                if _is_text(child):
                    self.pending.append(str(child))
                continue
            name = child.name.lower()
            if name in _SKIPPED:
                continue
            if name == "br":
                self._flush()
            elif name == "table":
                self._flush()
                self._table(child)
            elif name in _BLOCKS:
                self._flush()
                stack.append((iter(child.children), True))
            else:
                stack.append((iter(child.children), False))

    def _flush(self) -> None:
        text = tidy("".join(self.pending))
        self.pending = []
        if text:
            self.paragraphs += 1
            self.blocks.append(Paragraph(text, Place(paragraph=self.paragraphs)))

    def _table(self, table: Tag) -> None:
        self.tables += 1
        number = self.tables
        grid: dict[tuple[int, int], Cell | None] = {}
        rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
        for r, tr in enumerate(rows):
            c = 0
            for td in tr.find_all(("td", "th"), recursive=False):
                while (r, c) in grid:
                    c += 1
                rowspan, colspan = _span(td.get("rowspan")), _span(td.get("colspan"))
                self.cells += rowspan * colspan
                if self.cells > MAX_REPORT_CELLS:
                    raise TooLarge(self.name, f"表格单元格超过 {MAX_REPORT_CELLS} 个，不像一份年度报告，未读取")
                text = tidy(td.get_text("\n"))
                grid[r, c] = Cell(text, Place(table=number, row=r + 1, cell=c + 1))
                for dr in range(rowspan):
                    for dc in range(colspan):
                        if dr or dc:
                            grid.setdefault((r + dr, c + dc), None)
                c += colspan
        height = max((r for r, _ in grid), default=-1) + 1
        width = max((c for _, c in grid), default=-1) + 1
        cells: list[Row] = [tuple(grid.get((r, c)) for c in range(width)) for r in range(height)]
        if cells:
            self.blocks.append(Grid(tuple(cells), Place(table=number)))


def _span(value: object) -> int:
    """A rowspan/colspan as a browser reads it: leading digits, at least 1, bounded."""
    match = _SPAN.match(value) if isinstance(value, str) else None
    return min(max(int(match.group(1)), 1), MAX_SPAN) if match else 1
