"""Reading a fill-in workbook back: its layout checked against ``workbooklayout.layout()`` first, so a
deleted or inserted row or a moved table is named rather than misread, then every value read and
validated, each problem named by its sheet and cell (``表三!E12：应为非负整数，实际是“十二”``).

A total is read through its formula's meaning (the sum of its parts) rather than its cached
value: openpyxl saves formulas without one, Excel and LibreOffice with one. A total overwritten by
a number is accepted only when the number is that sum.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from pydantic import ValidationError

from ..errors import WorkbookError
from ..limits import MAX_WORKBOOK_BYTES, MAX_WORKBOOK_UNPACKED
from ..regularfile import Refused, read_bounded
from ..report import slips
from ..report.model import Report, describe
from ..report.params import explain
from .layout import TABLE_KEYS, Place, Value, formula, layout

Loc = tuple[str | int, ...]


def read_bytes(path: Path) -> bytes:
    """The workbook's bytes, read only from a regular file of a sensible size."""
    try:
        return read_bounded(path, MAX_WORKBOOK_BYTES, "工作簿（.xlsx）",
                            f"文件超过 {MAX_WORKBOOK_BYTES >> 20} MB，不像本工具的工作簿（约 30 KB）")
    except Refused as refused:
        raise WorkbookError(str(path), [refused.message]) from None


class _Reader:
    def __init__(self, name: str, data: bytes):
        self.name = name
        not_workbook = WorkbookError(name, ["这不是 Excel 工作簿（.xlsx），请用“xxgk workbook”生成的工作簿填写；"
                                            ".xls 等旧格式请在 Excel 或 WPS 中另存为 .xlsx"])
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if sum(info.file_size for info in archive.infolist()) > MAX_WORKBOOK_UNPACKED:
                    raise WorkbookError(name, ["工作簿解压后过大，不像本工具的工作簿"])
            self.formulas = _cells(data, cached=False)
        except WorkbookError:
            raise
        except Exception:  # zip, XML and openpyxl's own errors all mean the same to its user
            raise not_workbook from None
        self.data = data
        self._cached: dict[str, dict[tuple[int, int], Any]] | None = None
        self.problems: list[str] = []
        self.unreadable: set[str] = set()  # sheets whose layout changed: their values are not read

    def problem(self, place: Place | str, message: str, label: str = "") -> None:
        where = place.ref if isinstance(place, Place) else place
        self.problems.append(f"{where}：{message}" + (f"（{label}）" if label else ""))

    def raw(self, place: Place, cached: bool = False) -> Any:
        if cached and self._cached is None:  # only a formula where a number belongs needs them
            self._cached = _cells(self.data, cached=True)
        return (self._cached if cached else self.formulas)[place.sheet].get((place.row, place.column))  # type: ignore[index]

    def check_layout(self, sheets: set[str]) -> None:
        labels: dict[str, list[tuple[Place, str]]] = {}
        for place, text in layout().labels.items():
            labels.setdefault(place.sheet, []).append((place, text))
        for sheet in layout().sheets:
            if sheet not in sheets:
                continue
            if sheet not in self.formulas:
                self.problem(sheet, f"缺少工作表“{sheet}”（工作表不能删除或改名）")
                self.unreadable.add(sheet)
                continue
            for place, text in labels[sheet]:
                found = self.raw(place)
                if _same(found, text):
                    continue
                self.problem(place, self._moved(place, text, found))
                self.unreadable.add(sheet)
                break

    def _moved(self, place: Place, text: str, found: Any) -> str:
        """What is wrong at a label cell: where its label went, or where what is there belongs."""
        actual = "空白" if found in (None, "") else f"“{_short(found)}”"
        said = f"应是“{_short(text)}”，实际是{' ' if found in (None, '') else ''}{actual}"
        elsewhere = next((Place(place.sheet, *at).cell for at, found in self.formulas[place.sheet].items()
                          if _same(found, text)), None)
        belongs = next((other for other, label in layout().labels.items()
                        if other.sheet == place.sheet and _same(found, label)), None)
        if elsewhere:
            said += f"；这一格现在在 {place.sheet}!{elsewhere}"
        elif belongs:
            said += f"，它应在 {belongs.ref}"
        else:
            return f"{said}；表格的标签不能修改"
        return said + "：表格的行、列被插入、删除或移动了。请用新生成的工作簿重新填写，或撤销这些改动"

    def value(self, value: Value) -> Any:
        found = self.raw(value.place)
        if isinstance(found, str) and found.startswith("="):
            found = self.raw(value.place, cached=True)
        return _convert(found, value.kind)


# how far past the layout's last row and column a moved label is still looked for
ROW_MARGIN, COLUMN_MARGIN = 200, 50


def _cells(data: bytes, cached: bool) -> dict[str, dict[tuple[int, int], Any]]:
    """Every sheet's non-blank cells by (row, column): the formulas as written, or with
    ``cached`` their values as last computed. openpyxl's read-only mode streams the sheets,
    several times faster than loading them, which every section notebook does again.

    Only the layout's sheets, and only as far as the layout reaches plus a margin: read-only
    mode pads every row to the sheet's recorded <dimension>, so one stray cell at XFD3000 made a
    20 KB workbook take seconds (the last row of Excel, half an hour)."""
    book = load_workbook(io.BytesIO(data), read_only=True, data_only=cached)
    try:
        found = {}
        for sheet in book.worksheets:
            if sheet.title not in _extents():
                continue
            rows, columns = _extents()[sheet.title]
            sheet.reset_dimensions()
            found[sheet.title] = {(cell.row, cell.column): cell.value
                                  for row in sheet.iter_rows(max_row=rows + ROW_MARGIN, max_col=columns + COLUMN_MARGIN)
                                  for cell in row if getattr(cell, "value", None) is not None}
        return found
    finally:
        book.close()


@cache
def _extents() -> dict[str, tuple[int, int]]:
    """Each sheet's last row and last column in the layout."""
    extents: dict[str, tuple[int, int]] = {}
    places = [*layout().labels, *layout().notes, *(v.place for v in layout().values),
              *(end for _, end in layout().merges)]
    for place in places:
        rows, columns = extents.get(place.sheet, (0, 0))
        extents[place.sheet] = (max(rows, place.row), max(columns, place.column))
    return extents


def _same(found: Any, text: str) -> bool:
    return isinstance(found, str) and found.strip() == text.strip()


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 30 else text[:27] + "…"


class _Wrong(ValueError):
    pass


_EXPECTED = {"count": "应为非负整数", "integer": "应为整数", "amount": "应为非负数（单位：万元，可带小数）",
             "date": "应为日期，如 2026-01-15"}


def _convert(found: Any, kind: str) -> Any:
    """The cell's value as the model takes it; ``None`` for a blank cell; ``_Wrong`` otherwise."""
    if isinstance(found, str) and not found.strip():
        found = None
    if found is None:
        return None
    if kind in ("text", "choice"):
        if isinstance(found, float) and found.is_integer():
            return str(int(found))
        return found.isoformat() if isinstance(found, (dt.date, dt.time)) else str(found)
    if kind == "date":
        if isinstance(found, dt.datetime):
            return found.date()
        if isinstance(found, str):
            try:
                return dt.date.fromisoformat(found.strip())
            except ValueError:
                pass
        raise _Wrong(f"{_EXPECTED[kind]}，实际是{_show(found)}")
    number = _number(found)
    if kind == "amount" and number is not None and number >= 0:
        return number
    if number is not None and number == number.to_integral_value() and (kind == "integer" or number >= 0):
        return int(number)
    hint = slips.number_hint(found) if isinstance(found, str) else None
    raise _Wrong(f"{_EXPECTED[kind]}，实际是{_show(found)}" + (f"：{hint}" if hint else ""))


def _number(found: Any) -> Decimal | None:
    if isinstance(found, bool):
        return None
    if isinstance(found, int):
        return Decimal(found)
    if isinstance(found, float):
        return Decimal(repr(found)) if found == found and abs(found) != float("inf") else None
    if isinstance(found, str) and re.fullmatch(r"\s*-?\d+(\.\d+)?\s*", found):
        try:
            return Decimal(found.strip())
        except InvalidOperation:
            return None
    return None


def _show(found: Any) -> str:
    return f"“{_short(found)}”" if isinstance(found, str) else f" {_short(found)}"


def _formula_text(text: str) -> str:
    return re.sub(r"[\s$]", "", text).upper().lstrip("=")


class _Values:
    """The values read, by loc; totals computed from their parts."""

    def __init__(self, reader: _Reader, values: list[Value]):
        self.reader = reader
        self.read: dict[Loc, Any] = {}
        self.failed: set[Loc] = set()
        self.by_loc = {v.loc: v for v in values}
        for value in values:
            if value.place.sheet in reader.unreadable or value.parts:
                continue
            try:
                self.read[value.loc] = reader.value(value)
            except _Wrong as wrong:
                reader.problem(value.place, str(wrong), value.label)
                self.failed.add(value.loc)
        for value in values:
            if value.parts and value.place.sheet not in reader.unreadable:
                self.total(value.loc)

    def total(self, loc: Loc) -> Any:
        if loc in self.read or loc in self.failed:
            return self.read.get(loc)
        value = self.by_loc[loc]
        parts = [self.total(p) if self.by_loc[p].parts else self.read.get(p) for p in value.parts]
        counts = [p for p in parts if isinstance(p, int)]
        computed = sum(counts) if len(counts) == len(parts) else None
        found = self.reader.raw(value.place)
        expected = formula(value)
        if isinstance(found, str) and found.startswith("="):
            if _formula_text(found) != _formula_text(expected):
                self.reader.problem(value.place, f"总计应为公式 {expected}，实际是 {found}；请恢复原公式", value.label)
                self.failed.add(loc)
                return None
        elif found not in (None, ""):
            try:
                written = _convert(found, "count")
            except _Wrong as wrong:
                self.reader.problem(value.place, str(wrong), value.label)
                self.failed.add(loc)
                return None
            if computed is not None and written != computed:
                self.reader.problem(value.place, f"总计的公式 {expected} 被改成了数字 {written}，与明细之和 {computed} "
                                                 "不符；请恢复公式或改正明细", value.label)
                self.failed.add(loc)
                return None
        if computed is None:
            self.failed.add(loc)
            return None
        self.read[loc] = computed
        return computed


def _tree(read: dict[Loc, Any], records: dict[Loc, dict[int, int]], lengths: dict[Loc, int]) -> dict:
    """The values as nested dicts and lists, like a parameter file's; a list of records keeps
    only its filled-in rows (``records`` gets, per list, the row index of each kept item); a
    table's row with any number in it has all of its ``lengths``, blanks as ``None``."""
    tree: dict = {}
    rows: dict[Loc, dict[int, dict]] = {}
    for loc, found in read.items():
        if found is None:
            continue
        index = next((i for i, item in enumerate(loc) if isinstance(item, int)), None)
        if index is not None and isinstance(loc[-1], str):  # a field of a record in a list
            row = int(loc[index])
            rows.setdefault(loc[:index], {}).setdefault(row, {})[loc[-1]] = found
            continue
        node: Any = tree
        for item, following in zip(loc[:-1], loc[1:], strict=True):
            node = node.setdefault(item, [] if isinstance(following, int) else {})
        if isinstance(loc[-1], int):
            node.extend([None] * (max(loc[-1] + 1, lengths.get(loc[:-1], 0)) - len(node)))
        node[loc[-1]] = found
    for loc, items in rows.items():
        node = tree
        for item in loc[:-1]:
            node = node.setdefault(item, {})
        node[loc[-1]] = [items[i] for i in sorted(items)]
        records[loc] = dict(enumerate(sorted(items)))
    return tree


def _places(values: list[Value], records: dict[Loc, dict[int, int]]) -> dict[Loc, Place]:
    places = {v.loc: v.place for v in values}
    for loc, kept in records.items():
        for index, row in kept.items():
            for value in values:
                if value.loc[: len(loc) + 1] == (*loc, row):
                    places[(*loc, index, *value.loc[len(loc) + 1:])] = value.place
    return places


def _validated(reader: _Reader, values: list[Value], read: _Values, rest: dict | None) -> Report:
    """The report of what was read, validated with the rest of the parameter file that names
    the workbook (``rest``), if any: the workbook's problems are named by their cells, all at
    once; the parameter file's are left, as ``ValidationError``, to ``params`` to name by their
    lines. A sheet whose layout changed is not validated: every value on it would be missing."""
    records: dict[Loc, dict[int, int]] = {}
    tree = _tree(read.read, records, _row_lengths(values))
    if reader.unreadable:
        raise WorkbookError(reader.name, reader.problems)
    _unfilled(reader, [v for v in values if v.loc not in read.failed], tree)  # a failed value is named already
    try:
        report = Report.model_validate(tree if rest is None else {**rest, **tree})
    except ValidationError as error:
        ours = [d for d in error.errors() if (rest is None or (d["loc"] and d["loc"][0] in TABLE_KEYS))
                and tuple(d["loc"]) not in read.failed]  # a value not read is named already
        if not ours and not reader.problems:
            raise
        _locate(reader, values, records, ours)
        raise WorkbookError(reader.name, list(dict.fromkeys(reader.problems))) from None
    if reader.problems:
        raise WorkbookError(reader.name, reader.problems)
    return report


def _unfilled(reader: _Reader, values: list[Value], tree: dict) -> None:
    """A problem at each blank cell of a table's row: the model takes a blank as published (a
    finding, not a refusal), but a workbook's blank is a cell still to fill in. A total is
    blank because a part is: the part is named."""
    for value in values:
        table, *rest = value.loc
        if table in TABLE_KEYS and isinstance(value.loc[-1], int) and not value.parts:
            row = tree.get(table, {}).get(rest[0])
            if isinstance(row, list) and row[value.loc[-1]] is None:
                reader.problem(value.place, "未填写：请填写数字，没有的填 0", value.label)


def _locate(reader: _Reader, values: list[Value], records: dict[Loc, dict[int, int]], details: list) -> None:
    """A problem at its cell for each validation error in ``details``."""
    places = _places(values, records)
    labels = {v.loc: v.label for v in values}
    totals = {v.loc for v in values if v.parts}
    for detail in details:
        loc, message = explain(detail)
        if loc in totals and detail.get("input") is None:
            continue  # a total is blank because a part is: the part is named
        if detail.get("input") is None and loc in places:
            message = "未填写：请填写数字，没有的填 0"
        near = next((places[loc[:n]] for n in range(len(loc), 0, -1) if loc[:n] in places), None)
        if near is None:
            near = next((p for item, p in places.items() if item[: len(loc)] == loc), None)
        reader.problem(near or "工作簿", message, labels.get(loc) or describe(loc))


def _row_lengths(values: list[Value]) -> dict[Loc, int]:
    """How many numbers each row of a table has: a row with a blank cell is still that long, so
    the blank is named at its cell, not as a row one number short."""
    lengths: dict[Loc, int] = {}
    for value in values:
        if value.loc[0] in TABLE_KEYS and isinstance(value.loc[-1], int):
            lengths[value.loc[:-1]] = max(lengths.get(value.loc[:-1], 0), value.loc[-1] + 1)
    return lengths


def report_from_workbook(path: str | Path) -> Report:
    """The report a workbook holds, checked and validated; ``WorkbookError`` lists every problem
    by sheet and cell."""
    path = Path(path)
    return _validated(*_read(path.name, read_bytes(path), None), None)


class Tables:
    """A workbook's ``table2``, ``table3`` and ``table4``, read and checked once, validated with
    the parameter file that names the workbook (``params`` may validate that file twice: quickly,
    then again to find the lines of its problems)."""

    def __init__(self, name: str, data: bytes):
        self.reader, self.values, self.read = _read(name, data, TABLE_KEYS)

    def report(self, rest: dict) -> Report:
        """The report of the parameter file's values ``rest`` with these tables."""
        return _validated(self.reader, self.values, self.read, rest)


def _read(name: str, data: bytes, keys: tuple[str, ...] | None) -> tuple[_Reader, list[Value], _Values]:
    """The values under ``keys`` (all for ``None``) read from the workbook and checked."""
    reader = _Reader(name, data)
    values = [v for v in layout().values if keys is None or v.loc[0] in keys]
    reader.check_layout({v.place.sheet for v in values})
    return reader, values, _Values(reader, values)
