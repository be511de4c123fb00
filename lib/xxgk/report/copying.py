"""Signs that a report was copied and not finished: the narrative still names the agency it was
copied from (C1), or a table repeats last year's figures cell for cell (C2).

Both are warnings: a county may well name its neighbour, and a quiet office may really have
the same figures two years running. Inspectors find both often enough that the statistician
should be asked.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from .format import load_format
from .model import Report

_FMT = load_format()

# The administrative suffixes of county- and prefecture-level places and the names they end;
# the words that end in one of them without being a place's name; the characters a name does not
# start with (the grammar around it: 在额敏县, 全县, 各区).
_SUFFIX = "县市区旗州盟"
_SUFFIXES = re.compile(f"[{_SUFFIX}]")
_COMMON = ("城市", "超市", "股市", "楼市", "社区", "园区", "辖区", "城区", "景区", "小区", "市区", "山区",
           "牧区", "郊区", "片区", "地区", "新区", "专区", "街区", "校区", "林区", "矿区", "老区", "特区",
           "县市", "市县", "县区", "市州", "州市", "盟市", "旗县", "自治区", "自治州", "自治县", "开发区",
           "示范区", "保护区", "功能区", "试验区", "服务区", "集聚区", "经济区")
_NOT_FIRST = set("的和与及在对向为以于是了将把被从由等各全本该我其此每上下内外中年月日并或即到至由按经据")
MIN_MENTIONS = 2  # one mention of another place is ordinary; a copied report repeats its own name


@dataclass(frozen=True)
class Mention:
    name: str  # a place name the narrative repeats, e.g. 额敏县
    count: int
    section: str  # the section key and the part of the narrative that name it first
    where: str
    excerpt: str


def foreign_places(report: Report, texts: list[tuple[str, str, str]]) -> list[Mention]:
    """Place names that ``texts`` ((section, where, text) of each paragraph of the narrative)
    repeat although they are not this report's agency, subject, contact office or address, most
    mentioned first."""
    contact = (report.contact.office, report.contact.address) if report.contact else ()
    own = "\n".join(filter(None, (report.agency.name, report.agency.subject, report.title, *contact)))
    counts: Counter[str] = Counter()
    first: dict[str, tuple[str, str, str]] = {}
    for section, where, text in texts:
        for name, start in _names(text):
            counts[name] += 1
            first.setdefault(name, (section, where, text[max(0, start - 8):start + len(name) + 8]))
    foreign = [name for name, count in counts.items()
               if count >= MIN_MENTIONS and name not in own and not _within(name, own)]
    return [Mention(name, counts[name], *first[name]) for name in sorted(foreign, key=lambda n: -counts[n])]


def _names(text: str) -> Iterator[tuple[str, int]]:
    """Each place name in ``text`` with its position: the shortest run of two to four characters
    before a suffix that starts like a name and is not a common word."""
    for suffix in _SUFFIXES.finditer(text):  # the suffixes found in C, not character by character
        index = suffix.start()
        for length in (2, 3, 4):
            start = index - length
            name = text[start:index + 1]
            if start < 0 or not all("\u4e00" <= c <= "\u9fff" for c in name):
                break
            if (name.endswith(_COMMON) or name[0] in _NOT_FIRST or name[-2] in _NOT_FIRST
                    or any(c in _SUFFIX for c in name[:-1])):
                continue
            if start == 0 or not "\u4e00" <= text[start - 1] <= "\u9fff" or text[start - 1] in _NOT_FIRST:
                yield name, start
                break


def _within(name: str, own: str) -> bool:
    """Whether ``name`` is this agency's place written shorter or longer (额敏 / 额敏县)."""
    stem = name[:-1]
    return len(stem) >= 2 and stem in own


@dataclass(frozen=True)
class Repeated:
    table: str  # key of a table whose figures of the year are last year's
    cells: int  # how many of them are not zero


def repeated_tables(report: Report, previous: Report) -> list[Repeated]:
    """The tables whose figures of the year equal last year's cell for cell (not all zero)."""
    return [Repeated(key, nonzero) for key, this, last in _yearly_figures(report, previous)
            if this == last and (nonzero := sum(1 for value in this if value))]


def _yearly_figures(report: Report, previous: Report) -> Iterator[tuple[str, list, list]]:
    """(table, this year's figures, last year's) for each table. Documents in force carry over
    by law, so only the figures of the year itself count."""
    cells = [(row.key, index) for block, row in _FMT.table2.rows()
             for index, value in enumerate(block.values) if value.key != "in_force"]

    def figures(report: Report, table: str) -> list:
        if table == "table2":
            return [_cell(report.table2, key, index) for key, index in cells]
        # a group given as one row (r6) is compared as it is given: rows left out are None
        return [value for row in getattr(report, table).model_dump().values() for value in row or (None,)]

    for table in ("table2", "table3", "table4"):
        yield table, figures(report, table), figures(previous, table)


def _cell(table, key: str, index: int):
    value = getattr(table, key)
    return value[index] if isinstance(value, tuple) else value
