"""The narrative check (X3): the figures a report's sentences state must be its tables'.

It reads real Chinese, driven by the phrase table ``narrative-2021.json``: the words that name
each quantity of tables 三 and 四 (收到/受理…申请, 办结/答复, 上年结转, 顺延到下年度, 予以公开 …,
行政复议 and, after it, 结果维持 …), counts in Arabic or Chinese numerals (二十一件, 两件), sums of
categories (予以公开及部分公开63件), shares (占75%, rounded as the sentence rounds), counts denied
(未收到申请), and year-on-year changes when last year's report is known (同比增长20%). A sentence
that also speaks of something the tables do not count (备案, 咨询, 信访 …) is only a warning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources
from typing import Any

from .format import load_format
from .numerals import chinese_number
from .references import NARRATIVE_FILE, REFERENCE, SHARE_DECIMALS, Cells, blanks, parse, value

_FMT = load_format()


def split_paragraphs(text: str) -> list[str]:
    """A narrative text as its paragraphs: a blank line between two, the lines of one joined (a
    parameter file may wrap a long paragraph; Chinese needs no space where it was wrapped)."""
    paragraphs = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        joined = "".join(line.strip() for line in chunk.split("\n"))
        if joined:
            paragraphs.append(joined)
    return paragraphs


@dataclass(frozen=True)
class Claim:
    """A figure a sentence states, and what the tables say it should be."""

    start: int  # where the figure is in the paragraph
    end: int
    excerpt: str  # the words around the figure
    cells: str  # the table cells it stands for, in official labels
    expected: str
    found: str
    ambiguous: bool  # the sentence also speaks of something the tables do not count
    reference: str | None  # the reference that would print the figure ({表三.新收}), where there is one

    @property
    def agrees(self) -> bool:
        return self.expected == self.found


@dataclass(frozen=True)
class _Entry:
    cells: Cells
    written: str  # the cells as a reference names them: 表三.新收
    words: tuple[str, ...]
    needs: str | None
    family: str | None
    group: str | None


@dataclass(frozen=True)
class _Phrases:
    entries: tuple[_Entry, ...]
    columns: dict[str, tuple[str, ...]]
    connectors: tuple[str, ...]
    zero: tuple[tuple[re.Pattern[str], Cells], ...]
    count: re.Pattern[str]
    ambiguous: tuple[str, ...]
    share: re.Pattern[str]
    share_default: tuple[Cells, str]
    share_named: tuple[tuple[Cells, str, tuple[str, ...]], ...]
    change: re.Pattern[str]
    down: tuple[str, ...]


@cache
def phrases() -> _Phrases:
    data = json.loads(resources.files("xxgk").joinpath(NARRATIVE_FILE).read_text(encoding="utf-8"))
    entries = tuple(_Entry(parse(e["cells"]).cells, e["cells"], tuple(e["words"]), e.get("needs"),
                           e.get("family"), e.get("group")) for e in data["counts"])
    units = "|".join(map(re.escape, data["units"]))
    changes = data["changes"]
    direction = "|".join(map(re.escape, changes["up"] + changes["down"]))
    return _Phrases(
        entries=entries,
        columns={column: tuple(words) for column, words in data["group_columns"].items()},
        connectors=tuple(data["connectors"]),
        zero=tuple((re.compile(z["pattern"]), parse(z["cells"]).cells) for z in data["zero"]),
        count=re.compile(rf"(?<![第\d.])(\d+|[零〇一二两三四五六七八九十百千万]+)\s*(?:{units})"),
        ambiguous=tuple(data["ambiguous"]),
        share=re.compile(r"占(?P<of>[^。；，,\d%％]{0,12}?)(?P<share>\d+(?:\.\d+)?)\s*[%％]"),
        share_default=(parse(data["shares"]["default"]).cells, data["shares"]["default"]),
        share_named=tuple((parse(c).cells, c, tuple(w)) for c, w in data["shares"]["named"].items()),
        change=re.compile(rf"(?:{'|'.join(map(re.escape, changes['markers']))})[^。；，,\d]{{0,6}}?"
                          rf"(?P<way>{direction})[^。；，,\d]{{0,4}}?(?P<by>\d+(?:\.\d+)?)\s*(?P<unit>[%％]|{units})"),
        down=tuple(changes["down"]),
    )


_SENTENCE = re.compile(r"[^。；！？;!?\n]+")
_CLAUSE = re.compile(r"[^，,（）()：:]+")


def mismatches(paragraph: str, report: Any, previous: Any | None = None) -> Iterator[Claim]:
    """Every figure of ``paragraph`` that is not the tables' of ``report`` (``previous``: last
    year's report, for the year-on-year changes)."""
    return (claim for claim in claims(paragraph, report, previous) if not claim.agrees)


def claims(paragraph: str, report: Any, previous: Any | None = None) -> Iterator[Claim]:
    """Every figure ``paragraph`` states about the tables, with the tables' own."""
    table = phrases()
    for pattern, cells in table.zero:
        for match in pattern.finditer(paragraph):
            if (actual := value(cells, report)) is not None:  # a blank: nothing to compare with
                yield _claim(paragraph, match.start(), match.end(), cells, actual, 0,
                             _is_ambiguous(match.group()), None)
    for sentence in _SENTENCE.finditer(paragraph):
        # a share or a change is of what the sentence counted before it, and a clause's counts are
        # the sentence's (no clause delimiter is one the count's look-behind refuses): a sentence
        # without a count, most of a report's, states nothing and is not read clause by clause
        if table.count.search(sentence.group()):
            yield from _sentence(paragraph, sentence.start(), sentence.group(), report, previous)


_Named = tuple[int, int, Cells, "str | None", str]  # (start, end, cells, family, reference) of words


def _sentence(paragraph: str, offset: int, sentence: str, report: Any, previous: Any) -> Iterator[Claim]:
    table = phrases()
    group: _Entry | None = None  # 行政复议 or 行政诉讼, once the sentence has named one
    last: tuple[Cells, str] | None = None  # what the sentence counted last: a share or change is of it
    ambiguous = _is_ambiguous(sentence)
    for clause in _CLAUSE.finditer(sentence):
        text, start = clause.group(), offset + clause.start()
        for match in table.count.finditer(text):
            stated = _number(match.group(1))
            found = _quantity(text, match.start(), match.end(), group)
            group = _group_named(text[:match.start()]) or group
            if stated is None or found is None:
                continue
            last = found
            if (actual := value(found[0], report)) is not None:
                yield _claim(paragraph, start + match.start(1), start + match.end(1), found[0],
                             actual, stated, ambiguous, found[1])
        group = _group_named(text) or group
        for match in table.share.finditer(text):
            if last is not None:
                yield from _share(paragraph, start, match, last, report, ambiguous)
        for match in table.change.finditer(text):
            if last is not None and previous is not None:
                yield from _change(paragraph, start, match, last[0], report, previous, ambiguous)


def _claim(paragraph: str, start: int, end: int, cells: Cells, actual: Decimal, stated: Decimal | int,
           ambiguous: bool, reference: str | None, unit: str = "") -> Claim:
    return Claim(start, end, _excerpt(paragraph, start, end), describe(cells), _n(actual) + unit,
                 _n(stated) + unit, ambiguous, reference)


def _quantity(clause: str, start: int, end: int, group: _Entry | None) -> tuple[Cells, str] | None:
    """The cells the words nearest a figure name (and their reference): before it if any do,
    else after it."""
    found = _occurrences(clause, group)
    before = [o for o in found if o[1] <= start]
    after = [o for o in found if o[0] >= end]
    if before:
        chosen = max(before, key=lambda o: o[1])
        return _with_summands(clause, chosen, before)
    if after:
        first = min(after, key=lambda o: o[0])
        return first[2], first[4]
    return None


def _occurrences(clause: str, group: _Entry | None) -> list[_Named]:
    """Every word of the phrase table in ``clause``; of words that overlap (复议 in 复议后起诉)
    the longest."""
    table = phrases()
    found: list[_Named] = []
    for entry in table.entries:
        if entry.needs and entry.needs not in clause:
            continue
        for word in entry.words:
            found += [(at, at + len(word), entry.cells, entry.family, entry.written)
                      for at in _starts(word, clause)]
    named_group = _group_named(clause) or group
    if named_group is not None:
        for column, words in table.columns.items():
            cells = Cells(named_group.cells.table, named_group.cells.rows, _column_key(column))
            for word in words:
                found += [(at, at + len(word), cells, None, f"{named_group.written}.{column}")
                          for at in _starts(word, clause)]
    kept: list[_Named] = []
    for occurrence in sorted(found, key=lambda o: o[0] - o[1]):
        if all(occurrence[1] <= k[0] or occurrence[0] >= k[1] for k in kept):
            kept.append(occurrence)
    return sorted(kept)


def _starts(word: str, text: str) -> Iterator[int]:
    """Where ``word`` occurs in ``text``, without overlaps, as ``re.finditer`` of the escaped word
    finds it: ``str.find`` skips the pattern cache, a third of the narrative check's time."""
    at = text.find(word) if word else -1
    while at >= 0:
        yield at
        at = text.find(word, at + len(word))


def _with_summands(clause: str, chosen: _Named, before: list[_Named]) -> tuple[Cells, str]:
    """The chosen category with those joined to it by 及/和/、 (予以公开及部分公开63件)."""
    start, _, cells, family, written = chosen
    if family is None:
        return cells, written
    rows, names = list(cells.rows), [written.partition(".")[2]]
    for other in sorted((o for o in before if o[1] <= start), key=lambda o: -o[1]):
        if other[3] != family or clause[other[1]:start].strip() not in phrases().connectors:
            break
        rows, names = list(other[2].rows) + rows, [other[4].partition(".")[2], *names]
        start = other[0]
    return Cells(cells.table, tuple(rows), cells.column), f"{written.partition('.')[0]}.{'+'.join(names)}"


def _group_named(text: str) -> _Entry | None:
    """The group of table 四 (行政复议, 行政诉讼) ``text`` names last."""
    named = [(text.rfind(word) + len(word), len(word), entry) for entry in phrases().entries if entry.group
             for word in entry.words if word in text]
    return max(named, key=lambda n: (n[0], n[1]), default=(0, 0, None))[2]  # 复议后起诉 over its 复议


def _column_key(label: str) -> str:
    return next(c.key for c in _FMT.table4.columns if c.label == label)


def _share(paragraph: str, start: int, match: re.Match, of: tuple[Cells, str], report: Any,
           ambiguous: bool) -> Iterator[Claim]:
    table = phrases()
    whole, whole_written = next(((cells, written) for cells, written, words in table.share_named
                                 if any(w in match.group("of") for w in words)), table.share_default)
    part, total = value(of[0], report), value(whole, report)
    if part is None or not total:
        return
    stated = match.group("share")
    decimals = len(stated.partition(".")[2])
    places = Decimal(1).scaleb(-decimals)
    exact = part * 100 / total
    rounded = exact.quantize(places, rounding=ROUND_HALF_UP)
    agreed = Decimal(stated) in (rounded, exact.quantize(places, rounding=ROUND_DOWN))
    keep = f" 保留{decimals}位" if decimals != SHARE_DECIMALS else ""
    yield Claim(start + match.start("share"), start + match.end("share"),
                _excerpt(paragraph, start + match.start(), start + match.end()),
                f"{describe(of[0])}占{describe(whole)}的比例", f"{stated if agreed else rounded}%", f"{stated}%",
                ambiguous, f"{of[1]} 占 {whole_written.partition('.')[2]}{keep}")


def _change(paragraph: str, start: int, match: re.Match, of: Cells, report: Any, previous: Any,
            ambiguous: bool) -> Iterator[Claim]:
    this, last = value(of, report), value(of, previous)
    if this is None or last is None:
        return
    sign = -1 if match.group("way") in phrases().down else 1
    stated = Decimal(match.group("by")) * sign
    if match.group("unit") in "%％":
        if not last:
            return
        places = Decimal(1).scaleb(-len(match.group("by").partition(".")[2]))
        exact = (this - last) * 100 / last
        expected = exact.quantize(places, rounding=ROUND_HALF_UP)
        if stated == exact.quantize(places, rounding=ROUND_DOWN):
            expected = stated
        shown, said = f"{expected}%", f"{stated}%"
    else:
        shown, said = _n(this - last), _n(stated)
    yield Claim(start + match.start("by"), start + match.end("by"),
                _excerpt(paragraph, start + match.start(), start + match.end()),
                f"{describe(of)}与上年相比的变化", shown, said, ambiguous, None)


def summary(report: Any, section: str) -> str:
    """The standard sentences of part 三 or 四 (``section``: requests, appeals), written with
    references so that they cannot drift from the tables; the phrase table's ``none`` wording
    when every quantity it names is zero."""
    data = json.loads(resources.files("xxgk").joinpath(NARRATIVE_FILE).read_text(encoding="utf-8"))
    wording = data["summaries"][section]
    quiet = all(value(parse(cells).cells, report) == 0 for cells in wording["when_none"])
    return wording["none" if quiet else "some"]


def generated(report: Any, section: str, options: dict[str, Any]) -> list[tuple[str, str]]:
    """(the option as set, the sentences with their references) for each text a section's
    ``options`` have the kit write from the tables: ``("summary=auto", …)``."""
    return [("summary=auto", summary(report, section))] if options.get("summary") == "auto" else []


def blanks_named(text: str, report: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """(the cell's place in the model, the reference) for every blank cell a reference of
    ``text`` names: a sentence cannot print a figure for it."""
    found = []
    for match in REFERENCE.finditer(text):
        reference = parse(match.group(1))
        for cells in filter(None, (reference.cells, reference.of)):
            found += [(loc, match.group(0)) for loc in blanks(cells, report)]
    return found


@dataclass(frozen=True)
class Proposal:
    """A typed figure that equals the tables', and the reference that would print it."""

    sentence: str  # the words around the figure, as written
    written: str  # the same with the reference in place of the figure


def proposals(paragraph: str, report: Any) -> Iterator[Proposal]:
    """For each figure of ``paragraph`` that agrees with the tables and that a reference could
    print, the reference (so that the figure cannot drift when a table changes)."""
    for claim in claims(paragraph, report):
        if claim.agrees and claim.reference and not _inside_reference(paragraph, claim.start):
            start, end = max(0, claim.start - 12), min(len(paragraph), claim.end + 3)
            yield Proposal(paragraph[start:end], paragraph[start:claim.start] + "{" + claim.reference + "}"
                           + paragraph[claim.end:end])


def _inside_reference(paragraph: str, at: int) -> bool:
    return paragraph.rfind("{", 0, at) > paragraph.rfind("}", 0, at)


def describe(cells: Cells) -> str:
    """The cells in official labels: 表三 · 一、本年新收政府信息公开申请数量 · 总计."""
    table = getattr(_FMT, cells.table)
    if cells.table == "table3":
        paths = _FMT.table3.full_labels()
        groups = {paths[key][1] for key in cells.rows if len(paths[key]) > 2}
        if len(cells.rows) > 1 and len(groups) == 1 and all(len(paths[k]) > 2 for k in cells.rows):
            rows = groups.pop()
        else:
            rows = "、".join(paths[key][-1] for key in cells.rows)
    elif cells.table == "table4":
        chosen = [g for g in table.groups if g.key in cells.rows]
        parents = {g.parent for g in chosen}
        rows = parents.pop() if len(chosen) > 1 and len(parents) == 1 and None not in parents else \
            "、".join(g.label for g in chosen)
    else:
        rows = "、".join(row.label for _, row in table.rows() if row.key in cells.rows)
    column = next((c.label for c in getattr(table, "columns", ()) if c.key == cells.column), None)
    return " · ".join(filter(None, (table.name, rows, column)))


def _is_ambiguous(text: str) -> bool:
    return any(word in text for word in phrases().ambiguous)


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else chinese_number(text)


def _n(number: Decimal | int) -> str:
    return str(int(number)) if Decimal(number) == Decimal(number).to_integral_value() else str(number)


def _excerpt(paragraph: str, start: int, end: int) -> str:
    start, end = max(0, start - 12), min(len(paragraph), end + 2)
    return ("…" if start else "") + paragraph[start:end] + ("…" if end < len(paragraph) else "")
