"""The value cells of the three tables: where each is in the model and in the parameter file,
and its value. Without pandas, so that the checks (``rules``) and ``xxgk check`` use them too."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .format import load_format
from .model import Report, given_rows


@dataclass(frozen=True)
class Cell:
    """One value cell of a table: its row and column keys, and where the parameter file writes it
    in the row (``index`` in the row's list; ``None`` for a row of one value)."""

    row: str
    column: str
    index: int | None

    def key(self, table: str) -> str:
        """Where the parameter file writes this value, as messages name it: ``table3.new[0]``."""
        return f"{table}.{self.row}" + ("" if self.index is None else f"[{self.index}]")


def cells(table: str, report: Report | None = None) -> tuple[Cell, ...]:
    """Every value cell of ``table`` (``table2``, ``table3``, ``table4``), row by row: of the
    format, or of the rows ``report`` gives (a group's one row, ``r6``, in place of its rows)."""
    fmt = load_format()
    if table == "table2":
        return tuple(Cell(row.key, value.key, i if len(block.values) > 1 else None)
                     for block, row in fmt.table2.rows() for i, value in enumerate(block.values))
    counts = getattr(fmt, table)
    if report is not None:
        rows = list(given_rows(table, getattr(report, table)))
    else:
        rows = [row.key for row in (counts.rows if table == "table3" else counts.groups)]
    return tuple(Cell(row, column.key, i) for row in rows for i, column in enumerate(counts.columns))


def value(report: Report, table: str, cell: Cell) -> int | Decimal | None:
    """The cell's value; None for a blank as published."""
    written = getattr(getattr(report, table), cell.row)
    return written if cell.index is None else written[cell.index]


def has_blank(report: Report) -> bool:
    """Whether any cell of ``report``'s tables is blank as published: by its rows, not cell by
    cell, so that a report without a blank (most of them) costs no label lookup."""
    fmt = load_format()
    rows = [*(getattr(report.table2, row.key) for _, row in fmt.table2.rows()),
            *given_rows("table3", report.table3).values(), *given_rows("table4", report.table4).values()]
    return any(row is None or (isinstance(row, tuple | list) and None in row) for row in rows)
