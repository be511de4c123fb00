"""The three official tables' values as pandas frames: indexed by format keys for the checks,
or under the official Chinese labels for readers (the audit version's data)."""

from __future__ import annotations

import pandas as pd

from .cells import cells, value
from .format import load_format
from .model import Report, given_rows


def table2_values(report: Report, row_key: str) -> tuple:
    """One row of 表二 as a tuple, whether it has one value or several."""
    written = getattr(report.table2, row_key)
    return written if isinstance(written, tuple) else (written,)


def frame2(report: Report) -> pd.DataFrame:
    """Table 二's values, one row per item, one column per value kind (NaN where not asked)."""
    fmt = load_format().table2
    records = {}
    for block, row in fmt.rows():
        records[row.key] = {v.key: x for v, x in zip(block.values, table2_values(report, row.key), strict=True)}
    return pd.DataFrame.from_dict(records, orient="index")


def frame3(report: Report) -> pd.DataFrame:
    """Table 三's 25 × 7 counts (or fewer rows where a group is given as one row), indexed by row
    key, with column keys; a blank is None."""
    fmt = load_format().table3
    data = given_rows("table3", report.table3)
    return pd.DataFrame.from_dict(data, orient="index", columns=[c.key for c in fmt.columns], dtype=object)


def frame4(report: Report) -> pd.DataFrame:
    """Table 四's 3 × 5 counts, indexed by group key, with column keys."""
    fmt = load_format().table4
    data = {group.key: getattr(report.table4, group.key) for group in fmt.groups}
    return pd.DataFrame.from_dict(data, orient="index", columns=[c.key for c in fmt.columns], dtype=object)


def row_path(key: str) -> tuple[str, ...]:
    """表三's labels of a row, outermost first; of a group's one row, the labels above its rows."""
    table = load_format().table3
    group = table.collapsible.get(key)
    return table.full_labels()[group.rows[0]][:-1] if group else table.full_labels()[key]


def labels(table: str, report: Report | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """The official labels of ``table``'s rows (of the format, or those ``report`` gives) and
    columns by key; a row's label is its path of labels (``三、本年度办理结果 › （三）不予公开 ›
    1.属于国家秘密``), as messages name it."""
    fmt = load_format()
    if table == "table2":
        columns = {v.key: v.label for block in fmt.table2.blocks for v in block.values}
        return {row.key: row.label for _, row in fmt.table2.rows()}, columns
    if table == "table3":
        keys = given_rows(table, report.table3) if report is not None else fmt.table3.full_labels()
        rows = {key: " › ".join(row_path(key)) for key in keys}
        return rows, {c.key: c.label for c in fmt.table3.columns}
    rows = {g.key: " › ".join(filter(None, (g.parent, g.label))) for g in fmt.table4.groups}
    return rows, {c.key: c.label for c in fmt.table4.columns}


def labelled(report: Report, table: str) -> pd.DataFrame:
    """``table``'s values under the official Chinese labels, as the report has them: counts as
    integers, amounts as decimals, blank where the format asks for no value or the report gives
    none."""
    rows, columns = labels(table, report)
    given = {(cell.row, cell.column): value(report, table, cell) for cell in cells(table, report)}
    data = [["" if (found := given.get((row, column))) is None else found for column in columns] for row in rows]
    return pd.DataFrame(data, index=list(rows.values()), columns=list(columns.values()), dtype=object)
