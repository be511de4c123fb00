"""Where every label and value of the Excel fill-in workbook sits, computed from the format data
(labels, merged cells, the rules that define the totals) and the model (the Chinese titles of the
other fields). ``workbook`` writes a workbook by it and ``workbookread`` checks a returned one
against it, so what is written and what is read cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import Any

from openpyxl.utils import get_column_letter
from pydantic import BaseModel

from ..report.format import load_format
from ..report.model import Report, describe, unwrap

DETAILS_SHEET = "基本信息"  # the agency's details: every field of the report that is not a table or a part
TABLE_KEYS = ("table2", "table3", "table4")
# each narrative field of the report gets a sheet named by its title in the model
NARRATIVE_KEYS = ("introduction", "part1", "part5", "part6")
LISTS = ("accepted",)  # lists of records with a sheet of their own: one row each
MAX_LIST_ROWS = 30  # rows offered for a list of records (接受的校验结果)
# where a sheet's value column and the row of its first field are
VALUE_COLUMN, FIRST_ROW = 2, 2


@dataclass(frozen=True)
class Place:
    sheet: str
    row: int
    column: int

    @property
    def cell(self) -> str:
        return f"{get_column_letter(self.column)}{self.row}"

    @property
    def ref(self) -> str:
        """How messages name the cell: ``表三!E12``."""
        return f"{self.sheet}!{self.cell}"


@dataclass(frozen=True)
class Value:
    """One cell that holds a value of the report: where the parameter file has it (``loc``, as
    pydantic locates it), what it holds, and, for a total, the cells it sums."""

    loc: tuple[str | int, ...]
    place: Place
    kind: str  # "count", "amount", "text", "date", "integer" or "choice"
    label: str
    parts: tuple[tuple[str | int, ...], ...] = ()  # a total: the locs of the cells it sums
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Layout:
    """The workbook's layout; ``layout()`` gives every caller the same one, so it cannot change."""

    labels: Mapping[Place, str]
    merges: tuple[tuple[Place, Place], ...]
    notes: Mapping[Place, str]  # explanations, not checked on reading
    values: tuple[Value, ...]
    widths: Mapping[str, Mapping[int, float]]
    sheets: tuple[str, ...]
    places: Mapping[tuple[str | int, ...], Place]  # every value's cell by its loc


@dataclass
class _Sheets:
    """The layout as it is put together, sheet by sheet."""

    labels: dict[Place, str] = field(default_factory=dict)
    merges: list[tuple[Place, Place]] = field(default_factory=list)
    notes: dict[Place, str] = field(default_factory=dict)
    values: list[Value] = field(default_factory=list)
    widths: dict[str, dict[int, float]] = field(default_factory=dict)
    sheets: list[str] = field(default_factory=list)

    def label(self, place: Place, text: str, until: Place | None = None) -> None:
        self.labels[place] = text
        if until and until != place:
            self.merges.append((place, until))


@cache
def layout() -> Layout:
    """Every sheet's labels, merged cells and value cells, from the format data and the model."""
    sheets = _Sheets()
    _details(sheets)
    _table2(sheets)
    _table3(sheets)
    _table4(sheets)
    for key in NARRATIVE_KEYS:
        _narrative(sheets, key)
    for key in LISTS:
        _records(sheets, key)
    return Layout(labels=MappingProxyType(sheets.labels), merges=tuple(sheets.merges),
                  notes=MappingProxyType(sheets.notes), values=tuple(sheets.values),
                  widths=MappingProxyType({k: MappingProxyType(v) for k, v in sheets.widths.items()}),
                  sheets=tuple(sheets.sheets), places=MappingProxyType({v.loc: v.place for v in sheets.values}))


def title(loc: tuple[str | int, ...]) -> str:
    return describe(loc).split(" · ")[-1]


def _model_at(loc: tuple[str, ...]) -> Any:
    annotation: Any = Report
    for item in loc:
        annotation, _ = unwrap(annotation.model_fields[item].annotation)
    return annotation


def _kind(annotation: Any) -> tuple[str, tuple[str, ...]]:
    inner, _ = unwrap(annotation)
    if inner is dt.date:
        return "date", ()
    if inner is int:
        return "integer", ()
    choices = getattr(inner, "__args__", None)
    if choices and all(isinstance(c, str) for c in choices):
        return "choice", tuple(choices)
    return "text", ()


def _details(sheets: _Sheets) -> None:
    """The details sheet: one row per scalar field (label, value, the field's explanation)."""
    sheet = DETAILS_SHEET
    sheets.sheets.append(sheet)
    sheets.widths[sheet] = {1: 36, 2: 48, 3: 60}
    row = FIRST_ROW
    skipped = {*TABLE_KEYS, *NARRATIVE_KEYS, *LISTS}

    def visit(model: type[BaseModel], loc: tuple[str, ...]) -> None:
        nonlocal row
        for name, info in model.model_fields.items():
            if not loc and name in skipped:
                continue
            inner, _ = unwrap(info.annotation)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                visit(inner, (*loc, name))
                continue
            place = Place(sheet, row, VALUE_COLUMN)
            kind, choices = _kind(info.annotation)
            label = describe((*loc, name))
            sheets.label(Place(sheet, row, 1), label)
            sheets.values.append(Value((*loc, name), place, kind, label, choices=choices))
            if info.description:
                sheets.notes[Place(sheet, row, 3)] = info.description
            row += 1

    sheets.label(Place(sheet, 1, 1), Report.model_config.get("title") or "", Place(sheet, 1, 3))
    visit(Report, ())


def _table2(sheets: _Sheets) -> None:
    fmt = load_format().table2
    sheet = fmt.name
    sheets.sheets.append(sheet)
    width = 1 + max(len(block.values) for block in fmt.blocks)
    sheets.widths[sheet] = {1: 30, **{c: 16 for c in range(2, width + 1)}}
    sheets.label(Place(sheet, 1, 1), fmt.title, Place(sheet, 1, width))
    row = 2
    for block in fmt.blocks:
        sheets.label(Place(sheet, row, 1), block.header, Place(sheet, row, width))
        sheets.label(Place(sheet, row + 1, 1), block.label_column)
        last = len(block.values) == 1
        for index, value in enumerate(block.values):
            end = Place(sheet, row + 1, width if last else index + 2)
            sheets.label(Place(sheet, row + 1, index + 2), value.label, end)
        row += 2
        for item in block.rows:
            sheets.label(Place(sheet, row, 1), item.label)
            for index, value in enumerate(block.values):
                place = Place(sheet, row, index + 2)
                if last:
                    sheets.merges.append((place, Place(sheet, row, width)))
                loc: tuple[str | int, ...] = ("table2", item.key) if last else ("table2", item.key, index)
                sheets.values.append(Value(loc, place, value.kind, f"{fmt.name} · {item.label} · {value.label}"))
            row += 1
    loc = ("table2", "amount_decimals")
    sheets.label(Place(sheet, row + 1, 1), title(loc))
    sheets.values.append(Value(loc, Place(sheet, row + 1, 2), "integer", f"{fmt.name} · {title(loc)}"))


def _table3(sheets: _Sheets) -> None:
    fmt = load_format().table3
    sheet = fmt.name
    sheets.sheets.append(sheet)
    first = 4  # the first value column: three label columns before it
    last = first + len(fmt.columns) - 1
    sheets.widths[sheet] = {1: 14, 2: 16, 3: 40, **{c: 11 for c in range(first, last + 1)}}
    sheets.label(Place(sheet, 1, 1), fmt.title, Place(sheet, 1, last))
    sheets.label(Place(sheet, 2, 1), fmt.corner, Place(sheet, 4, 3))
    sheets.label(Place(sheet, 2, first), fmt.spanner, Place(sheet, 2, last))
    grouped = {key: (label, keys) for label, keys in fmt.column_groups for key in keys}
    for index, column in enumerate(fmt.columns):
        place = Place(sheet, 3, first + index)
        if column.key not in grouped:
            sheets.label(place, column.label, Place(sheet, 4, first + index))
            continue
        label, keys = grouped[column.key]
        if keys[0] == column.key:
            sheets.label(place, label, Place(sheet, 3, first + index + len(keys) - 1))
        sheets.label(Place(sheet, 4, first + index), column.label)
    body = 5
    rows = fmt.rows
    paths = fmt.full_labels()
    for index, item in enumerate(rows):
        row = body + index
        for level, text in enumerate(item.labels[: item.depth]):
            if not text:
                continue
            down = index
            while (down + 1 < len(rows) and rows[down + 1].depth > level
                   and not any(rows[down + 1].labels[: level + 1])):
                down += 1
            right = 3 if level == item.depth - 1 else level + 1
            sheets.label(Place(sheet, row, level + 1), text, Place(sheet, body + down, right))
        names = " › ".join(paths[item.key])
        for column_index, column in enumerate(fmt.columns):
            sheets.values.append(Value(("table3", item.key, column_index), Place(sheet, row, first + column_index),
                                       "count", f"{fmt.name} · {names} · {column.label}"))
    _totals(sheets, "table3")


def _table4(sheets: _Sheets) -> None:
    fmt = load_format().table4
    sheet = fmt.name
    sheets.sheets.append(sheet)
    width = len(fmt.columns)
    sheets.widths[sheet] = {c: 11 for c in range(1, width * len(fmt.groups) + 1)}
    sheets.label(Place(sheet, 1, 1), fmt.title, Place(sheet, 1, width * len(fmt.groups)))
    parents: dict[str, list[int]] = {}
    for index, group in enumerate(fmt.groups):
        start = 1 + index * width
        if group.parent:
            parents.setdefault(group.parent, []).append(start)
        top = 3 if group.parent else 2
        sheets.label(Place(sheet, top, start), group.label, Place(sheet, top, start + width - 1))
        for offset, column in enumerate(fmt.columns):
            sheets.label(Place(sheet, top + 1, start + offset), column.label, Place(sheet, 4, start + offset))
            name = " › ".join(filter(None, (group.parent, group.label)))
            sheets.values.append(Value(("table4", group.key, offset), Place(sheet, 5, start + offset), "count",
                                       f"{fmt.name} · {name} · {column.label}"))
    for parent, starts in parents.items():
        sheets.label(Place(sheet, 2, starts[0]), parent, Place(sheet, 2, starts[-1] + width - 1))
    _totals(sheets, "table4")


def _totals(sheets: _Sheets, table: str) -> None:
    """Turn the cells a rule defines as a total (T3-B, T3-C, T4: one stated row or column equal
    to the sum of others) into totals of their parts; row totals first, so that the cell that is
    both (（七）总计 of 总计) sums its column as ``model.fill_totals`` computes it."""
    counts = getattr(load_format(), table)
    rows = [r.key for r in (counts.rows if table == "table3" else counts.groups)]
    columns = [c.key for c in counts.columns]
    checks = [r.check for r in load_format().rules
              if r.check and r.check.table == table and len(r.check.stated) == 1]
    totals: dict[tuple, tuple] = {}
    for check in sorted(checks, key=lambda c: c.per != "row"):
        if check.per == "row":
            stated = columns.index(check.stated[0])
            for row in rows:
                totals[(table, row, stated)] = tuple((table, row, columns.index(p)) for p in check.parts)
        else:
            for index in range(len(columns)):
                totals[(table, check.stated[0], index)] = tuple((table, p, index) for p in check.parts)
    sheets.values[:] = [Value(v.loc, v.place, v.kind, v.label, parts=totals[v.loc]) if v.loc in totals else v
                        for v in sheets.values]


def _narrative(sheets: _Sheets, key: str) -> None:
    """A sheet per narrative part: its text fields one per row; a list of records (part 一's
    小标题 and 正文) one record per row under a row of column labels."""
    sheet = title((key,))
    sheets.sheets.append(sheet)
    sheets.widths[sheet] = {1: 24, 2: 100}
    sheets.label(Place(sheet, 1, 1), sheet, Place(sheet, 1, 2))
    model = _model_at((key,))
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        sheets.values.append(Value((key,), Place(sheet, FIRST_ROW, 1), "text", sheet))
        sheets.merges.append((Place(sheet, FIRST_ROW, 1), Place(sheet, FIRST_ROW, 2)))
        return
    row = FIRST_ROW
    for name, info in model.model_fields.items():
        inner, _ = unwrap(info.annotation)
        if getattr(inner, "__origin__", None) is tuple:
            records, _ = unwrap(inner.__args__[0])
            sheets.label(Place(sheet, row, 1), describe((key, name)), Place(sheet, row, 2))
            row = _record_rows(sheets, sheet, (key, name), records, row + 1, info.metadata)
        else:
            sheets.label(Place(sheet, row, 1), title((key, name)))
            sheets.values.append(Value((key, name), Place(sheet, row, 2), "text", f"{sheet} · {title((key, name))}"))
            row += 1


def _record_rows(sheets: _Sheets, sheet: str, loc: tuple, model: type[BaseModel], row: int, metadata) -> int:
    names = list(model.model_fields)
    for column, name in enumerate(names, 1):
        sheets.label(Place(sheet, row, column), model.model_fields[name].title or name)
    limit = next((m.max_length for m in metadata if getattr(m, "max_length", None)), MAX_LIST_ROWS)
    for index in range(limit):
        for column, name in enumerate(names, 1):
            item = (*loc, index, name)
            sheets.values.append(Value(item, Place(sheet, row + 1 + index, column), "text",
                                       f"{describe(loc)} · 第 {index + 1} 项 · {model.model_fields[name].title}"))
    return row + 1 + limit


def _records(sheets: _Sheets, key: str) -> None:
    sheet = title((key,))
    sheets.sheets.append(sheet)
    field_info = Report.model_fields[key]
    inner, _ = unwrap(field_info.annotation)
    model, _ = unwrap(inner.__args__[0])
    sheets.widths[sheet] = {1: 10, 2: 24, 3: 40, 4: 60}
    sheets.label(Place(sheet, 1, 1), sheet, Place(sheet, 1, len(model.model_fields)))
    _record_rows(sheets, sheet, (key,), model, FIRST_ROW, field_info.metadata)


def formula(value: Value) -> str:
    """The formula of a total: the sum of its parts' cells, contiguous runs as ranges."""
    cells = [layout().places[part] for part in value.parts]
    runs: list[list[Place]] = []
    for place in cells:
        previous = runs[-1][-1] if runs else None
        if previous and ((place.row == previous.row and place.column == previous.column + 1)
                         or (place.column == previous.column and place.row == previous.row + 1)):
            runs[-1].append(place)
        else:
            runs.append([place])
    return "=SUM(" + ",".join(r[0].cell if len(r) == 1 else f"{r[0].cell}:{r[-1].cell}" for r in runs) + ")"
