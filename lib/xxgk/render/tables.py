"""The three official tables rendered with great-tables in the official layout (labels from the
format data, merged cells as prescribed)."""

from __future__ import annotations

import pandas as pd
from great_tables import GT

from ..html import Html
from ..report.cells import cells as value_cells
from ..report.format import load_format
from ..report.frames import frame3, frame4, labelled, row_path, table2_values
from ..report.model import Report
from .tablehtml import MERGE_LEFT, finish

TABLE_IDS = {"table2": "xxgk-table2", "table3": "xxgk-table3", "table4": "xxgk-table4"}
# fixed column widths (per cent) keep 表三 on one A4 page: wide label columns, narrow counts
TABLE3_LABEL_WIDTHS = (10, 12, 36)
TABLE2_LABEL_WIDTH = 40


def table2(report: Report) -> Html:
    fmt = load_format().table2
    width = 1 + max(len(block.values) for block in fmt.blocks)
    columns = [f"c{i}" for i in range(width)]
    rows: list[list] = []
    groups, subheads = [], []
    places: list[list[str | None]] = []  # each body row's td cells: where the parameter file has them
    row_places = _places("table2")
    # (kind, how many value columns) -> body rows holding such values; each is formatted alone
    formats: dict[tuple[str, int], list[int]] = {}

    def add(group: str, cells: list) -> None:
        marker = f"{MERGE_LEFT}{len(rows)}"
        rows.append(cells + [marker] * (width - len(cells)))
        groups.append(group)

    decimals = report.table2.amount_decimals
    for block in fmt.blocks:
        subheads.append(len(rows))
        header = report.wording("table2", block.key)
        add(header, [block.label_column, *(report.wording("table2", v.key) for v in block.values)])
        places.append([None] * (1 + len(block.values)))
        for row in block.rows:
            values = list(table2_values(report, row.key))
            if block.values[0].kind == "amount" and decimals is None:  # printed as written
                values = [None if v is None else format(v, "f") for v in values]
            else:
                formats.setdefault((block.values[0].kind, len(values)), []).append(len(rows))
            add(header, [report.label(row.key, row.label), *values])
            places.append([None, *row_places[row.key]])
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    frame.insert(0, "block", groups)
    value_width = f"{(100 - TABLE2_LABEL_WIDTH) / (width - 1):g}%"
    gt = (
        GT(frame, groupname_col="block", id=TABLE_IDS["table2"])
        .tab_options(column_labels_hidden=True)
        .cols_width(cases={"c0": f"{TABLE2_LABEL_WIDTH}%", **{c: value_width for c in columns[1:]}})
    )
    for (kind, count), body_rows in formats.items():
        cells = columns[1 : 1 + count]
        if kind == "amount":
            gt = gt.fmt_number(columns=cells, rows=body_rows, decimals=decimals, use_seps=False)
        else:
            gt = gt.fmt_integer(columns=cells, rows=body_rows, use_seps=False)
    gt = gt.sub_missing(columns=columns[1:], missing_text="")  # a blank as published
    html = finish(gt.as_raw_html(), TABLE_IDS["table2"], subhead_rows=frozenset(subheads), places=places)
    return Html(html, _text(fmt.title, labelled(report, "table2")))


def table3(report: Report) -> Html:
    fmt = load_format().table3
    values = frame3(report)
    stub = []
    for index, key in enumerate(values.index):
        labels = _stub_labels(report, key)
        stub.append(labels + [f"{MERGE_LEFT}{index}"] * (3 - len(labels)))
    frame = pd.concat([pd.DataFrame(stub, columns=["l1", "l2", "l3"]), values.reset_index(drop=True)], axis=1)
    keys = [c.key for c in fmt.columns]
    value_width = f"{(100 - sum(TABLE3_LABEL_WIDTHS)) / len(keys):g}%"
    widths = {**{f"l{i + 1}": f"{w}%" for i, w in enumerate(TABLE3_LABEL_WIDTHS)},
              **{key: value_width for key in keys}}
    gt = GT(frame, rowname_col=["l1", "l2", "l3"], id=TABLE_IDS["table3"]).cols_width(cases=widths)
    for key, (_, group) in zip(fmt.column_group_keys, fmt.column_groups, strict=True):
        gt = gt.tab_spanner(report.wording("table3", key), columns=list(group))
    gt = (
        gt.tab_spanner(report.wording("table3", "spanner"), columns=keys)
        .tab_stubhead(report.wording("table3", "corner"))
        .cols_label(cases={c.key: report.wording("table3", c.key) for c in fmt.columns})
        .fmt_integer(columns=keys, use_seps=False)
        .sub_missing(columns=keys, missing_text="")
    )
    row_places = _places("table3", report)
    places = [row_places[key] for key in values.index]
    return Html(finish(gt.as_raw_html(), TABLE_IDS["table3"], places=places),
                _text(fmt.title, labelled(report, "table3")))


def table4(report: Report) -> Html:
    fmt = load_format().table4
    frame = frame4(report)
    flat = {f"{g}_{c}": frame.loc[g, c] for g in frame.index for c in frame.columns}
    wide = pd.DataFrame([flat])
    gt = GT(wide, id=TABLE_IDS["table4"])
    parents: dict[str, list[str]] = {}
    for group in fmt.groups:
        group_columns = [f"{group.key}_{c.key}" for c in fmt.columns]
        gt = gt.tab_spanner(report.wording("table4", group.key), columns=group_columns)
        if group.parent_key:
            parents.setdefault(report.wording("table4", group.parent_key), []).extend(group_columns)
    for parent, parent_columns in parents.items():
        gt = gt.tab_spanner(parent, columns=parent_columns)
    gt = (
        gt.cols_label(cases={name: report.wording("table4", fmt.columns[i % len(fmt.columns)].key)
                             for i, name in enumerate(flat)})
        .fmt_integer(columns=list(flat), use_seps=False)
        .sub_missing(columns=list(flat), missing_text="")
    )
    group_places = _places("table4")
    places = [[key for group in fmt.groups for key in group_places[group.key]]]  # one body row, group by group
    return Html(finish(gt.as_raw_html(), TABLE_IDS["table4"], places=places),
                _text(fmt.title, labelled(report, "table4")))


def _stub_labels(report: Report, key: str) -> list[str]:
    """表三's labels of a row as this report prints them: each in the report's wording under the
    key of the row or of the group it names (``r3`` for （三）不予公开, ``results`` for
    三、本年度办理结果); a group's one row under the group's labels."""
    fmt = load_format().table3
    covered = set(fmt.collapsible[key].rows) if key in fmt.collapsible else {key}
    by_level = {group.level: group.key for group in fmt.groups if covered <= set(group.rows)}
    path = row_path(key)
    return [report.label(by_level.get(level, key), label) for level, label in enumerate(path)]


def _places(table: str, report: Report | None = None) -> dict[str, list[str | None]]:
    """Each row's value cells as the parameter file's keys (``table3.new[0]``), in column order."""
    keys: dict[str, list[str | None]] = {}
    for cell in value_cells(table, report):
        keys.setdefault(cell.row, []).append(cell.key(table))
    return keys


def _text(title: str, frame: pd.DataFrame) -> str:
    """A table for terminals and plain readers of the notebook: official labels, its values as
    the report prints them."""
    return f"{title}\n{frame.to_string()}"
