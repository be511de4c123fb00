"""The three official tables rendered with great-tables in the official layout (labels from the
format data, merged cells as prescribed)."""

from __future__ import annotations

import pandas as pd
from great_tables import GT

from .format import load_format
from .frames import cells as value_cells
from .frames import frame3, frame4, labelled, table2_values
from .html import Html
from .model import Report
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

    for block in fmt.blocks:
        subheads.append(len(rows))
        add(block.header, [block.label_column, *(v.label for v in block.values)])
        places.append([None] * (1 + len(block.values)))
        for row in block.rows:
            values = list(table2_values(report, row.key))
            formats.setdefault((block.values[0].kind, len(values)), []).append(len(rows))
            add(block.header, [report.label(row.key, row.label), *values])
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
            gt = gt.fmt_number(columns=cells, rows=body_rows,
                               decimals=report.table2.amount_decimals, use_seps=False)
        else:
            gt = gt.fmt_integer(columns=cells, rows=body_rows, use_seps=False)
    html = finish(gt.as_raw_html(), TABLE_IDS["table2"], subhead_rows=frozenset(subheads), places=places)
    return Html(html, _text(fmt.title, labelled(report, "table2")))


def table3(report: Report) -> Html:
    fmt = load_format().table3
    paths = fmt.full_labels()
    stub = []
    for index, row in enumerate(fmt.rows):
        labels = list(paths[row.key])
        labels[-1] = report.label(row.key, labels[-1])
        stub.append(labels + [f"{MERGE_LEFT}{index}"] * (3 - len(labels)))
    values = frame3(report)
    frame = pd.concat([pd.DataFrame(stub, columns=["l1", "l2", "l3"]), values.reset_index(drop=True)], axis=1)
    keys = [c.key for c in fmt.columns]
    value_width = f"{(100 - sum(TABLE3_LABEL_WIDTHS)) / len(keys):g}%"
    widths = {**{f"l{i + 1}": f"{w}%" for i, w in enumerate(TABLE3_LABEL_WIDTHS)},
              **{key: value_width for key in keys}}
    gt = GT(frame, rowname_col=["l1", "l2", "l3"], id=TABLE_IDS["table3"]).cols_width(cases=widths)
    for label, group in fmt.column_groups:
        gt = gt.tab_spanner(label, columns=list(group))
    gt = (
        gt.tab_spanner(fmt.spanner, columns=keys)
        .tab_stubhead(fmt.corner)
        .cols_label(cases={c.key: c.label for c in fmt.columns})
        .fmt_integer(columns=keys, use_seps=False)
    )
    row_places = _places("table3")
    places = [row_places[row.key] for row in fmt.rows]
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
        gt = gt.tab_spanner(group.label, columns=group_columns)
        if group.parent:
            parents.setdefault(group.parent, []).extend(group_columns)
    for parent, parent_columns in parents.items():
        gt = gt.tab_spanner(parent, columns=parent_columns)
    gt = (
        gt.cols_label(cases={name: fmt.columns[i % len(fmt.columns)].label
                             for i, name in enumerate(flat)})
        .fmt_integer(columns=list(flat), use_seps=False)
    )
    group_places = _places("table4")
    places = [[key for group in fmt.groups for key in group_places[group.key]]]  # one body row, group by group
    return Html(finish(gt.as_raw_html(), TABLE_IDS["table4"], places=places),
                _text(fmt.title, labelled(report, "table4")))


def _places(table: str) -> dict[str, list[str | None]]:
    """Each row's value cells as the parameter file's keys (``table3.new[0]``), in column order."""
    keys: dict[str, list[str | None]] = {}
    for cell in value_cells(table):
        keys.setdefault(cell.row, []).append(cell.key(table))
    return keys


def _text(title: str, frame: pd.DataFrame) -> str:
    """A table for terminals and plain readers of the notebook: official labels, its values as
    the report prints them."""
    return f"{title}\n{frame.to_string()}"
