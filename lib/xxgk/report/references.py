"""Figures in the narrative written as references to the tables, so that a sentence can never
disagree with them: ``{表三.新收.总计}``, ``{表三.予以公开+部分公开}``, ``{表四.行政诉讼}``,
``{表三.予以公开+部分公开 占 总计}`` (a share in per cent, two decimals unless ``保留1位``).

A reference names a table (表二/表三/表四, or table2/3/4), then rows joined by ``+`` and, after a
last ``.``, a column (表三 and 表四: 总计 when none is named). Rows and columns are named by the
format's keys or labels, with or without their numbering (``（一）予以公开``, ``予以公开``, ``r1``), a
group by its heading (``不予公开``: its eight rows; ``行政诉讼``: both kinds of suit), and by the
short names of ``narrative-2021.json``. Only braces that start with a table's name are references;
any other brace is text.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from html import escape
from importlib import resources
from typing import Any

from .format import load_format

NARRATIVE_FILE = "narrative-2021.json"
# a brace that starts like a table's name: 表五 and table5 too, so that they are named as mistakes
REFERENCE = re.compile(r"\{((?:表[一二三四五六七八九十\d]|table\d)(?:\.[^{}\n]*)?)\}")
_TABLES = {"表二": "table2", "表三": "table3", "表四": "table4", "表2": "table2", "表3": "table3", "表4": "table4",
           "table2": "table2", "table3": "table3", "table4": "table4"}
_SHARE = re.compile(r"\s*占\s*")
_DECIMALS = re.compile(r"\s*保留\s*(\d)\s*位(?:小数)?\s*$")
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)")
_ASIDE = re.compile(r"（[^）]*）$")
SHARE_DECIMALS = 2


class ReferenceError(ValueError):
    """A reference that names nothing, in Chinese, with the names it could have meant."""


@dataclass(frozen=True)
class Cells:
    table: str
    rows: tuple[str, ...]
    column: str | None  # None: a row of 表二 with a single value


@dataclass(frozen=True)
class Reference:
    source: str  # as written between the braces
    cells: Cells
    of: Cells | None  # the whole a share is taken of
    decimals: int


def parse(source: str) -> Reference:
    """The reference ``source`` (the text between the braces) names; ``ReferenceError`` if none."""
    table_name, _, rest = source.partition(".")
    if table_name not in _TABLES:
        raise ReferenceError(f"{{{source}}}：没有{table_name}，可以引用的是表二、表三、表四")
    table = _TABLES[table_name]
    decimals = SHARE_DECIMALS
    if found := _DECIMALS.search(rest):
        decimals, rest = int(found.group(1)), rest[:found.start()]
    part, *whole = _SHARE.split(rest.strip())
    if len(whole) > 1:
        raise ReferenceError(f"{{{source}}}：“占”只能出现一次")
    if not part:
        raise ReferenceError(f"{{{source}}}：{table_name} 后面要写行名，如 {{{table_name}.{_example(table)}}}")
    return Reference(source, _cells(table, part, source), _cells(table, whole[0], source) if whole else None,
                     decimals)


def _cells(table: str, text: str, source: str) -> Cells:
    names, columns = _row_names(table), _column_names(table)
    rows_text, column = text, None
    head, dot, tail = text.rpartition(".")
    if dot and tail.strip() in columns:
        rows_text, column = head, columns[tail.strip()]
    rows: list[str] = []
    for name in (n.strip() for n in rows_text.split("+")):
        if name not in names:
            row, dot, wrong = name.rpartition(".")
            if dot and row in names:  # a row, then a column that does not exist
                raise ReferenceError(f"{{{source}}}：{_TABLE_LABELS[table]}没有“{wrong}”一列。"
                                     f"{_suggest(wrong, columns)}")
            raise ReferenceError(f"{{{source}}}：{_TABLE_LABELS[table]}没有“{name}”。{_suggest(name, names)}")
        rows += names[name]
    return Cells(table, tuple(rows), _column(table, tuple(rows), column, source))


def _column(table: str, rows: tuple[str, ...], column: str | None, source: str) -> str | None:
    if table != "table2":
        return column or _FMT_TOTALS[table]
    values = {tuple(v.key for v in block.values) for block, row in load_format().table2.rows() if row.key in rows}
    if len(values) > 1:
        raise ReferenceError(f"{{{source}}}：表二中数值种类不同的行不能相加")
    (kinds,) = values
    if column is None and len(kinds) > 1:
        listing = "、".join(_column_labels("table2", kinds))
        raise ReferenceError(f"{{{source}}}：这一行有 {len(kinds)} 个数（{listing}），请写明哪一个，"
                             f"如 {{{source}.{_column_labels('table2', kinds)[-1]}}}")
    if column is not None and column not in kinds:
        listing = "、".join(_column_labels("table2", kinds))
        raise ReferenceError(f"{{{source}}}：这一行没有“{_column_labels('table2', (column,))[0]}”一列，"
                             f"可用：{listing}")
    return column if len(kinds) > 1 else None


def _suggest(name: str, names: dict[str, Any]) -> str:
    close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.4)
    return f"是否想写：{'、'.join(close)}？" if close else f"可用的名称如：{'、'.join(list(names)[:8])} …"


# ---- what the names mean ---------------------------------------------------------------------

_FMT = load_format()
_TABLE_LABELS = {"table2": _FMT.table2.name, "table3": _FMT.table3.name, "table4": _FMT.table4.name}
_FMT_TOTALS = {"table3": _FMT.table3.total_column, "table4": _FMT.table4.total_column}


@cache
def _short_names() -> dict[str, dict[str, list[str]]]:
    text = resources.files("xxgk").joinpath(NARRATIVE_FILE).read_text(encoding="utf-8")
    return json.loads(text)["names"]


def _forms(label: str) -> Iterator[str]:
    """A label as it is printed, without its numbering, and without its aside: （二）部分公开（区分…）,
    部分公开（区分…）, 部分公开."""
    yield label
    bare = _NUMBERING.sub("", label)
    yield bare
    yield _ASIDE.sub("", bare)


@cache
def _row_names(table: str) -> dict[str, tuple[str, ...]]:
    names: dict[str, list[str]] = {}

    def add(name: str, key: str) -> None:
        keys = names.setdefault(name, [])
        if key not in keys:
            keys.append(key)

    if table == "table3":
        for key, path in _FMT.table3.full_labels().items():
            add(key, key)
            for level, label in enumerate(path):
                if level == 0 and len(path) > 1:
                    continue  # 三、本年度办理结果 is the heading of every result row, the total included
                for form in _forms(label):
                    add(form, key)
    elif table == "table4":
        for group in _FMT.table4.groups:
            for name in (group.key, group.label, group.parent):
                if name:
                    add(name, group.key)
    else:
        for _, row in _FMT.table2.rows():
            add(row.key, row.key)
            add(row.label, row.key)
    for name, keys in _short_names().get(table, {}).items():
        for key in keys:
            add(name, key)
    return {name: tuple(keys) for name, keys in names.items()}


@cache
def _column_names(table: str) -> dict[str, str]:
    if table == "table2":
        labels = {v.key: v.label for block in _FMT.table2.blocks for v in block.values}
    else:
        labels = {c.key: c.label for c in getattr(_FMT, table).columns}
    names = {key: key for key in labels}
    for key, label in labels.items():
        names[label] = key
        names[_ASIDE.sub("", label)] = key
    return names


def _column_labels(table: str, keys: tuple[str, ...]) -> list[str]:
    labels = {v: k for k, v in _column_names(table).items() if k != v}
    return [_ASIDE.sub("", labels[key]) for key in keys]


def _example(table: str) -> str:
    return next(iter(_short_names().get(table, {})), next(iter(_row_names(table))))


# ---- values and how they are printed ------------------------------------------------------------

def value(cells: Cells, report: Any) -> Decimal | None:
    """The sum of the cells in ``report``; None when the report does not give one of them as a
    number (``missing`` says why)."""
    terms = _terms(cells, report)
    if isinstance(terms, str) or any(term is None for _, term in terms):
        return None
    return sum((Decimal(term) for _, term in terms), Decimal(0))


def missing(cells: Cells, report: Any) -> str | None:
    """Why ``report`` has no figure for ``cells``, in Chinese: a blank cell, or one row of a group
    that the report gives as one row only; None when it has one."""
    terms = _terms(cells, report)
    if isinstance(terms, str):
        return terms
    if any(term is None for _, term in terms):
        return f"{_TABLE_LABELS[cells.table]}中这一格是空白，没有数可以引用；请直接写文字"
    return None


def blanks(cells: Cells, report: Any) -> list[tuple[str | int, ...]]:
    """Where in the model (``("table4", "review", 1)``) the cells ``report`` leaves blank are."""
    terms = _terms(cells, report)
    return [] if isinstance(terms, str) else [loc for loc, term in terms if term is None]


def _terms(cells: Cells, report: Any) -> list[tuple[tuple[str | int, ...], Any]] | str:
    """Each cell's place in the model and its value (None: blank); a message where a row of a
    group is named that the report gives as one row only."""
    rows = getattr(report, cells.table)
    terms: list[tuple[tuple[str | int, ...], Any]] = []
    groups = set()
    for key in cells.rows:
        cell = getattr(rows, key)
        group = _FMT.table3.group_of(key) if cells.table == "table3" else None
        if cell is None and group is not None and getattr(rows, group.key) is not None:
            if not set(group.rows) <= set(cells.rows):
                return f"本报告的{group.label}只有一行合计，没有其中“{_FMT.table3.row(key).label}”的数"
            if group.key in groups:
                continue
            groups.add(group.key)
            key, cell = group.key, getattr(rows, group.key)
        if cells.column is None:
            terms.append(((cells.table, key), cell))
        else:
            index = list(_column_keys(cells.table, key)).index(cells.column)
            terms.append(((cells.table, key, index), cell[index]))
    return terms


def _column_keys(table: str, row: str) -> tuple[str, ...]:
    if table == "table2":
        return next(tuple(v.key for v in block.values) for block, r in _FMT.table2.rows() if r.key == row)
    return tuple(c.key for c in getattr(_FMT, table).columns)


def shown(reference: Reference, report: Any) -> str:
    """The figure as the sentence prints it: a count, an amount with the report's decimals (as
    written when it sets none), or a share. ``ReferenceError`` where the report has no figure:
    a number is never printed for a blank."""
    amount, whole = (_figure(reference, cells, report) for cells in (reference.cells, reference.of))
    if whole is not None:
        share = amount * 100 / whole if whole else Decimal(0)
        return str(share.quantize(Decimal(1).scaleb(-reference.decimals), rounding=ROUND_HALF_UP))
    if amount == amount.to_integral_value() and not _is_amount(reference.cells):
        return str(int(amount))
    return printed_amount(amount, report.table2.amount_decimals)


def printed_amount(amount: Decimal, decimals: int | None) -> str:
    """A 万元 amount as the report prints it: to ``decimals`` places (half up), or as written where
    the report sets none (``table2.amount_decimals``), as many published reports do."""
    if decimals is None:
        return format(amount, "f")
    return str(amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def _figure(reference: Reference, cells: Cells | None, report: Any) -> Any:
    if cells is None:
        return None
    problem = missing(cells, report)
    if problem:
        raise ReferenceError(f"{{{reference.source}}}：{problem}")
    return value(cells, report)


def _is_amount(cells: Cells) -> bool:
    return cells.table == "table2" and any(
        v.kind == "amount" for block, row in _FMT.table2.rows() if row.key in cells.rows for v in block.values)


def problems(text: str) -> list[tuple[int, str]]:
    """(offset, message) for every reference in ``text`` that names nothing."""
    found = []
    for match in REFERENCE.finditer(text):
        try:
            parse(match.group(1))
        except ReferenceError as error:
            found.append((match.start(), str(error)))
    return found


def render_text(text: str, report: Any) -> str:
    """``text`` with every reference replaced by its figure."""
    if "{" not in text:  # most texts: ``in`` is ten times faster than the regular expression's scan
        return text
    return REFERENCE.sub(lambda m: shown(parse(m.group(1)), report), text)


def render_html(text: str, report: Any) -> str:
    """``text`` escaped for HTML, every figure of a reference in a span that keeps the reference
    (``data-ref``, and ``title`` for a notebook viewer, where the audit CSS does not apply): the
    audit version shows it, the publication only the figure."""
    pieces, last = [], 0
    for match in REFERENCE.finditer(text):
        figure = shown(parse(match.group(1)), report)
        written = escape(match.group(0))
        pieces += [escape(text[last:match.start()]),
                   f'<span class="xxgk-ref" data-ref="{written}" title="{written}">{figure}</span>']
        last = match.end()
    pieces.append(escape(text[last:]))
    return "".join(pieces)


_FIGURE_SPAN = re.compile(r'<span class="xxgk-ref" data-ref="[^"]*" title="[^"]*">([^<]*)</span>')


def figures_only(html: str) -> str:
    """``html`` with each reference's span reduced to its figure: what a reader of the published
    report gets (no reference in a tooltip or the markup)."""
    return _FIGURE_SPAN.sub(r"\1", html)
