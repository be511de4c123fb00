"""The three official tables' values as pandas frames, indexed and labelled by format keys."""

from __future__ import annotations

import pandas as pd

from .format import load_format
from .model import Report


def table2_values(report: Report, row_key: str) -> tuple:
    """One row of 表二 as a tuple, whether it has one value or several."""
    value = getattr(report.table2, row_key)
    return value if isinstance(value, tuple) else (value,)


def frame2(report: Report) -> pd.DataFrame:
    """Table 二's values, one row per item, one column per value kind (NaN where not asked)."""
    fmt = load_format().table2
    records = {}
    for block, row in fmt.rows():
        records[row.key] = {v.key: x for v, x in zip(block.values, table2_values(report, row.key), strict=True)}
    return pd.DataFrame.from_dict(records, orient="index")


def frame3(report: Report) -> pd.DataFrame:
    """Table 三's 25 × 7 counts, indexed by row key, with column keys."""
    fmt = load_format().table3
    data = {row.key: getattr(report.table3, row.key) for row in fmt.rows}
    return pd.DataFrame.from_dict(data, orient="index", columns=[c.key for c in fmt.columns])


def frame4(report: Report) -> pd.DataFrame:
    """Table 四's 3 × 5 counts, indexed by group key, with column keys."""
    fmt = load_format().table4
    data = {group.key: getattr(report.table4, group.key) for group in fmt.groups}
    return pd.DataFrame.from_dict(data, orient="index", columns=[c.key for c in fmt.columns])


FRAMES = {"table2": frame2, "table3": frame3, "table4": frame4}
