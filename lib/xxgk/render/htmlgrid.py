"""HTML table rows laid out on the grid a browser gives them, rowspan and colspan honoured: what the
table post-processing (``tablehtml``) and the Word writer (``word``) both need of a table."""

from __future__ import annotations

from dataclasses import dataclass

from bs4 import Tag


@dataclass
class GridCell:
    tag: Tag
    row: int
    col: int
    rowspan: int
    colspan: int

    def columns(self) -> range:
        return range(self.col, self.col + self.colspan)

    @property
    def is_spanner(self) -> bool:
        return "gt_column_spanner_outer" in (self.tag.get("class") or [])


def grid(rows: list[Tag]) -> list[GridCell]:
    """The cells of table rows placed on the grid as a browser would, honouring rowspan and colspan."""
    taken: set[tuple[int, int]] = set()
    cells = []
    for r, tr in enumerate(rows):
        col = 0
        for tag in tr.find_all(["th", "td"], recursive=False):
            while (r, col) in taken:
                col += 1
            # single-valued attributes, as in _merge_left
            cell = GridCell(tag, r, col, int(tag.get("rowspan", "1")), int(tag.get("colspan", "1")))  # type: ignore[arg-type]
            taken |= {(rr, cc) for rr in range(r, r + cell.rowspan) for cc in cell.columns()}
            cells.append(cell)
            col += cell.colspan
    return cells
