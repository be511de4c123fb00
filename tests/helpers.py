"""Test helpers that are independent of the code under test: a table-grid reader and a text
normaliser for comparing the report with the published text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup


@dataclass
class GridCell:
    text: str
    row: int
    col: int
    rowspan: int
    colspan: int


def grid(section) -> list[GridCell]:
    """Cells of a <thead> or <tbody> placed as a browser would, with their spans."""
    taken: set[tuple[int, int]] = set()
    cells = []
    for r, tr in enumerate(section.find_all("tr", recursive=False)):
        c = 0
        for tag in tr.find_all(["th", "td"], recursive=False):
            while (r, c) in taken:
                c += 1
            rs, cs = int(tag.get("rowspan", 1)), int(tag.get("colspan", 1))
            cells.append(GridCell(tag.get_text(" ", strip=True), r, c, rs, cs))
            taken |= {(rr, cc) for rr in range(r, r + rs) for cc in range(c, c + cs)}
            c += cs
    return cells


def table_of(html: str):
    return BeautifulSoup(html, "html.parser").find("table")


def find(cells: list[GridCell], text: str) -> GridCell:
    matches = [cell for cell in cells if cell.text == text]
    assert len(matches) == 1, f"{text!r} found {len(matches)} times"
    return matches[0]


def at(cells: list[GridCell], row: int, col: int) -> GridCell:
    for cell in cells:
        if cell.row <= row < cell.row + cell.rowspan and cell.col <= col < cell.col + cell.colspan:
            return cell
    raise AssertionError(f"no cell covers ({row}, {col})")


def squash(text: str) -> str:
    """Whitespace removed: the published text carries PDF-copy spaces inside words (自然 人)."""
    return re.sub(r"\s+", "", text)


def visible_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["style", "script", "title", "head"]):
        tag.decompose()
    return soup.get_text(" ")


def with_tables(report, table2=None, table3=None, table4=None):
    """A copy of ``report`` with other table values (mappings of row key -> values)."""
    from xxgk.model import Table2, Table3, Table4

    update = {}
    if table2 is not None:
        update["table2"] = Table2(**{**report.table2.model_dump(), **table2})
    if table3 is not None:
        update["table3"] = Table3(**table3)
    if table4 is not None:
        update["table4"] = Table4(**table4)
    return report.model_copy(update=update)
