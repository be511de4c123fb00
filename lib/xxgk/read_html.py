"""A web page: the report found by its content inside whatever the site puts around it.

Government sites wrap the report in navigation, breadcrumbs, share buttons and footers, each
site with its own class names. The report is found instead by what it says: the smallest element
that holds the format's first and last part headings (or, failing the last, the first) and a
table. Tables are spread out on a grid honouring ``rowspan``/``colspan``.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from .document import Cell, Document, Grid, Paragraph, Place, Row, tidy
from .errors import TooLarge
from .format import load_format
from .limits import MAX_REPORT_CELLS, MAX_SPAN

_BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "div", "td", "th", "section", "article",
           "blockquote", "center", "pre", "table", "ul", "ol", "dl", "dd", "dt"}
_SKIPPED = {"script", "style", "noscript", "template", "head", "nav", "iframe", "object", "svg"}
_SPAN = re.compile(r"\s*([0-9]+)")


def read_html(data: bytes, name: str) -> Document:
    soup = BeautifulSoup(data, "lxml")  # lxml's HTML parser neither fetches nor expands external entities
    title = tidy(soup.title.get_text()) if soup.title else ""
    root = _report_element(soup) or soup.body or soup
    reader = _Reader(name)
    reader.walk(root)
    return Document(source=name, kind="html", blocks=tuple(reader.blocks), title=title)


def _core(heading: str) -> str:
    """A part heading without its number: 一、总体情况 → 总体情况."""
    return heading.split("、", 1)[-1]


def _report_element(soup: BeautifulSoup) -> Tag | None:
    parts = load_format().parts
    first, last = _core(parts[0].heading), _core(parts[-1].heading)
    for wanted in ((first, last), (first,)):
        best: Tag | None = None
        for table in soup.find_all("table"):
            for element in table.parents:
                text = element.get_text()
                if all(word in text for word in wanted):
                    if best is None or len(text) < len(best.get_text()):
                        best = element
                    break
        if best is not None:
            return best
    return None


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
        for child in element.children:
            if not isinstance(child, Tag):
                if type(child).__name__ in ("NavigableString", "CData"):
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
                self._walk(child)
                self._flush()
            else:
                self._walk(child)

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
