"""A published report as read: what it says, in its own words, matched to the format's keys.

Nothing here is corrected. A cell keeps the text it was published with (``""`` for a blank,
``"/"`` or ``"—"`` as printed, ``"7545"`` and ``"24252.311082"`` digit for digit); a heading or
label keeps its wording, and every difference from the official format is a ``Finding`` that
quotes the official text. ``xxgk import`` turns this into a parameter file and ``xxgk audit``
runs the rules on it; both read only these classes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import NoReturn

from ..report.format import load_format
from ..report.numerals import chinese_number
from .document import Place

_ARABIC = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?|[0-9]+(\.[0-9]+)?")


def number(text: str) -> Decimal | None:
    """The number a cell's text writes, exactly (``Decimal``, never a float); None when the cell
    is blank or holds something else ("/", "—", "无")."""
    plain = text.strip().translate(_FULL_WIDTH)
    if _ARABIC.fullmatch(plain):
        try:
            return Decimal(plain.replace(",", ""))
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            return None
    whole = chinese_number(plain)
    return None if whole is None else Decimal(whole)


_FULL_WIDTH = str.maketrans("０１２３４５６７８９，．", "0123456789,.")


@dataclass(frozen=True)
class Value:
    """One table cell as published."""

    text: str
    place: Place

    @property
    def number(self) -> Decimal | None:
        return number(self.text)

    @property
    def blank(self) -> bool:
        return not self.text.strip()


@dataclass(frozen=True)
class TableRow:
    """A row of 表二, 表三 or 表四 under the format's key, with the labels it was published with.

    ``key`` is a row key of the format (``r3_4``, ``licensing``, ``review``) or, for a row the
    report collapsed, the key of the level it collapsed to (``r6`` for one （六）其他处理 row)."""

    key: str
    labels: tuple[str, ...]  # as published, outermost first; merged (blank) outer levels filled in
    values: tuple[Value, ...]  # in the format's column order; a missing cell is a blank Value


@dataclass(frozen=True)
class Table:
    key: str  # "table2", "table3" or "table4"
    rows: tuple[TableRow, ...]

    def row(self, key: str) -> TableRow | None:
        return next((row for row in self.rows if row.key == key), None)


@dataclass(frozen=True)
class Section:
    """One of the six parts: its heading as published and its paragraphs. Part 一's numbered
    sub-headings are kept in ``subsections``; paragraphs before the first one are its preamble."""

    key: str  # the format's part key ("overview", "proactive", ...)
    heading: str
    paragraphs: tuple[str, ...]
    subsections: tuple[Subsection, ...] = ()


@dataclass(frozen=True)
class Subsection:
    number: str  # "（一）" as printed
    title: str  # "主动公开情况", without the number and the closing 。
    paragraphs: tuple[str, ...]  # the text, the title's own sentence removed


@dataclass(frozen=True)
class Finding:
    """A difference from the official format, or something the reading could not settle."""

    # "label" (worded otherwise), "numbering" (numbered or punctuated otherwise: 1、 for 1.),
    # "structure" or "content"
    kind: str
    message: str  # Chinese, names the official text
    place: Place
    where: str = ""  # the table cell or heading concerned, e.g. 表三 （三）不予公开 4.保护第三方合法权益 × 自然人
    # what it is about in the parameter file's keys, where it has one: a label
    # (label_variants.r3_2, label_variants.parts.overview, label_variants.table3.natural), a group
    # row (table3.r6) or a cell (table3.r3_2[0]); so that the parameter data can say it (a label
    # variant, a group row, a blank) and a reader of the finding knows that it does
    subject: str = ""
    text: str = ""  # a label's text as published

    def __str__(self) -> str:
        where = " ".join(part for part in (self.place.describe(), self.where) if part)
        return f"{where}：{self.message}" if where else self.message


@dataclass(frozen=True)
class PublishedReport:
    source: str  # the file read
    kind: str  # "pdf", "html", "docx" or "txt"
    title: str
    agency: str  # who signed or, failing a signature, who the introduction names
    year: int | None
    published: str  # the date as printed (2026年1月15日), "" when the report has none
    contact: tuple[tuple[str, str], ...]  # (地址, …), (邮编, …), … as found in the introduction
    introduction: tuple[str, ...]
    sections: tuple[Section, ...]
    tables: tuple[Table, ...]
    findings: tuple[Finding, ...]

    def section(self, key: str) -> Section | None:
        return next((section for section in self.sections if section.key == key), None)

    def table(self, key: str) -> Table | None:
        return next((table for table in self.tables if table.key == key), None)

    def locate(self, table: str, row: str, column: int) -> str:
        """Where a cell is, for a finding about it, in the format's words:
        ``第5页 表三 （三）不予公开 4.保护第三方合法权益 × 自然人``."""
        fmt = load_format()
        if table == "table3":
            labels = fmt.table3.full_labels()
            # a collapsed row (r6) is named by its group, the level its rows share
            inside = [path[:-1] for key, path in labels.items() if key.startswith(f"{row}_")]
            path = labels.get(row) or (inside[0] if inside else _unknown(fmt.table3.name, row, labels))
            name, label = fmt.table3.name, fmt.table3.columns[column].label
            path = path[1:] if len(path) == 3 else path  # 三、本年度办理结果 goes without saying
        elif table == "table4":
            groups = {g.key: g for g in fmt.table4.groups}
            group = groups.get(row) or _unknown(fmt.table4.name, row, groups)
            name, label = fmt.table4.name, fmt.table4.columns[column].label
            path = tuple(filter(None, (group.parent, group.label)))
        elif table == "table2":
            rows = {r.key: (b, r) for b, r in fmt.table2.rows()}
            block, found = rows.get(row) or _unknown(fmt.table2.name, row, rows)
            name, path, label = fmt.table2.name, (found.label,), block.values[column].label
        else:
            raise KeyError(f"没有“{table}”这张表；应为 table2、table3 或 table4")
        published = self.table(table)
        cell = published.row(row) if published else None
        where = cell.values[column].place.describe() if cell and column < len(cell.values) else ""
        return " ".join(filter(None, (where, name, " ".join(path), "×", label)))


def _unknown(table: str, row: str, keys) -> NoReturn:
    raise KeyError(f"{table}没有“{row}”这一行；应为其中之一：{'、'.join(keys)}")
