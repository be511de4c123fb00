"""The roll-up of many agencies' reports for one year: their three tables summed cell by cell into
one report that the rules check, a comparison of the agencies, and the agencies whose files are
unusable or whose checks found something.

Pure functions of the parameter files; the roll-up notebook calls them and ``rollupbuild`` writes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParamsError, Problem, UsageError
from ..html import Html
from ..paths import ROLLUP_HTML
from ..report import rules
from ..report.cells import cells, has_blank, value
from ..report.findings import Finding, errors, to_html
from ..report.format import load_format
from ..report.model import Report, describe
from ..report.params import previous_year_file, read_source
from ..report.references import printed_amount
from ..run import checkcache
from ..run.forked import forked_map
from .page import page_title

_FMT = load_format()
# charts and printed pages show one line per agency up to MAX_LISTED agencies; beyond, the SHOWN
# that handled most applications: hundreds of lines are not read, and
# WeasyPrint takes 26 CPU-seconds to lay out a table of 1,000 (the web page lists every agency)
MAX_LISTED = 60
SHOWN = 40


@dataclass(frozen=True)
class Agency:
    """One agency's report in the roll-up, last year's where its file exists, and its findings."""

    name: str  # the file's stem
    report: Report
    previous: Report | None
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Unusable:
    """A parameter file left out of the sums, with why."""

    name: str
    message: str


@dataclass(frozen=True)
class Rollup:
    title: str  # the place the roll-up is for, 塔城地区
    year: int
    agencies: tuple[Agency, ...]
    unusable: tuple[Unusable, ...]
    summed: Report
    findings: tuple[Finding, ...]  # the checks of the summed report


def read_inputs(path: str | Path) -> list[Path]:
    """The parameter files listed in ``inputs.json``, relative to the folder that holds it."""
    folder = Path(path).parent
    return [folder / name for name in json.loads(Path(path).read_text(encoding="utf-8"))["files"]]


def read_agency(path: Path, year: int) -> Agency:
    """One agency: its file validated and checked (with last year's file by the folder layout)."""
    source = read_source(path)
    last = previous_year_file(source.path, year)
    report, previous, findings = checkcache.checked(source, read_source(last) if last else None)
    if report.year != year:
        raise ParamsError(str(path), [Problem(str(path), None, "year", "报告年度",
                                              f"是 {report.year} 年，汇总的是 {year} 年")],
                          agency=source.agency, year=report.year)
    return Agency(source.agency, report, previous, findings)


def _read(path: Path, year: int) -> Agency | Unusable:
    try:
        agency = read_agency(path, year)
    except ParamsError as error:
        return Unusable(path.stem, error.message)
    unsummable = not_summable(agency.report)
    return Unusable(path.stem, unsummable) if unsummable else agency


def not_summable(report: Report) -> str | None:
    """Why ``report``'s tables cannot be added cell by cell to others' (a blank as published, a
    group of 表三 given as one row), in Chinese; None when they can."""
    if not report.collapsed and not has_blank(report):  # by rows: most reports, cheaply
        return None
    blanks = [describe((table, cell.row) if cell.index is None else (table, cell.row, cell.index))
              for table in ("table2", "table3", "table4") for cell in cells(table, report)
              if value(report, table, cell) is None]
    collapsed = [group.label for group in report.collapsed]
    said = ([f"表格有 {len(blanks)} 处空白（如 {blanks[0]}）"] if blanks else []) + (
        [f"{_FMT.table3.name}的{'、'.join(collapsed)}只有一行合计"] if collapsed else [])
    return f"{'，'.join(said)}，无法逐格相加，未计入汇总" if said else None


def _read_all(paths: list[Path], year: int) -> list[Agency | Unusable]:
    """``_read`` of each path, in order, on every core (reading and checking a file takes 5-10 ms:
    most of a roll-up of 1,000 on one core)."""
    return forked_map(partial(_read, year=year), paths)


def collect(paths: list[Path], title: str, year: int) -> Rollup:
    """The roll-up of ``paths``: each file read and checked, the usable ones summed."""
    read = _read_all(paths, year)
    agencies = [item for item in read if isinstance(item, Agency)]
    unusable = [item for item in read if isinstance(item, Unusable)]
    if not agencies:
        raise UsageError(f"没有可以汇总的参数文件：{len(unusable)} 个参数文件都无法读取或未通过校验")
    summed = summed_report([a.report for a in agencies], title, year)
    return Rollup(title, year, tuple(agencies), tuple(unusable), summed, tuple(rules.check(summed)))


def _counts(reports: list[Report], table: str, rows: list[str]) -> np.ndarray:
    """``table``'s rows of every report as one array: report × row × column."""
    return np.array([[getattr(getattr(r, table), key) for key in rows] for r in reports], dtype=np.int64)


def summed_report(reports: list[Report], title: str, year: int) -> Report:
    """One report whose three tables are the sums of ``reports``' tables, cell by cell, under the
    official labels; its text says only what it is, so that the checks of the text find nothing
    to compare (its tables are what the roll-up shows)."""
    rows3 = [row.key for row in _FMT.table3.rows]
    rows4 = [group.key for group in _FMT.table4.groups]
    table3 = dict(zip(rows3, _counts(reports, "table3", rows3).sum(axis=0).tolist(), strict=True))
    table4 = dict(zip(rows4, _counts(reports, "table4", rows4).sum(axis=0).tolist(), strict=True))
    decimals = [r.table2.amount_decimals for r in reports if r.table2.amount_decimals is not None]
    table2: dict[str, Any] = {"amount_decimals": max(decimals, default=None)}
    for block, row in _FMT.table2.rows():
        written = [getattr(r.table2, row.key) for r in reports]
        if block.values[0].kind == "amount":
            table2[row.key] = sum(written, Decimal(0))
        else:
            table2[row.key] = np.array(written, dtype=np.int64).sum(axis=0).tolist()
    template = reports[0].model_dump()
    note = f"本汇总由{title}{len(reports)}份{year}年度报告的表格逐格相加而成。"
    return Report.model_validate({
        **template, "year": year, "title": page_title(title, year), "label_variants": {}, "accepted": (),
        "agency": {"name": title, "subject": title, "kind": "government"},
        "published": max((r.published for r in reports if r.published), default=None),
        "introduction": note, "part1": {"overview": note, "subsections": [{"title": title, "text": note}]},
        "part5": note, "part6": note, "table2": table2, "table3": table3, "table4": table4,
    })


_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+\.)")
_NOTE = re.compile(r"（[^）]*）$")


def _stem(label: str) -> str:
    """An official label without its numbering and note: （二）部分公开（区分处理的…） -> 部分公开."""
    return _NOTE.sub("", _NUMBERING.sub("", label))


def outcome_groups() -> dict[str, list[str]]:
    """The outcomes of applications as the format groups them (予以公开 … 其他处理), each with the
    rows of 表三 it adds up: the parts of the rule that defines 总计."""
    paths = _FMT.table3.full_labels()
    groups: dict[str, list[str]] = {}
    total = _FMT.rule("T3-B").check
    for key in total.parts if total else ():
        groups.setdefault(_stem(paths[key][1]), []).append(key)
    return groups


def outcomes(rollup: Rollup) -> pd.DataFrame:
    """Applications handled per agency, by outcome group: one row per agency, in roll-up order."""
    groups = outcome_groups()
    keys = [key for group in groups.values() for key in group]
    totals = _counts([a.report for a in rollup.agencies], "table3", keys)[:, :, -1]
    data = {}
    start = 0
    for name, group in groups.items():
        data[name] = totals[:, start:start + len(group)].sum(axis=1)
        start += len(group)
    return pd.DataFrame(data, index=[a.report.agency.name for a in rollup.agencies])


def new_applications(rollup: Rollup) -> pd.DataFrame:
    """New applications of the year and of the year before, for the agencies with last year's file."""
    with_last = [a for a in rollup.agencies if a.previous is not None]
    key = _FMT.table3.rows[0].key
    return pd.DataFrame({
        rollup.year - 1: [getattr(a.previous.table3, key)[-1] for a in with_last if a.previous],
        rollup.year: [getattr(a.report.table3, key)[-1] for a in with_last],
    }, index=[a.report.agency.name for a in with_last])


def _share(part: np.ndarray, whole: np.ndarray) -> list[str]:
    return ["—" if w == 0 else f"{p / w:.0%}" for p, w in zip(part.tolist(), whole.tolist(), strict=True)]


def comparison(rollup: Rollup) -> pd.DataFrame:
    """The agencies side by side: applications received and handled, the share granted in whole or
    in part, reconsideration and litigation cases with the share corrected, fees."""
    reports = [a.report for a in rollup.agencies]
    table3, table4 = _FMT.table3, _FMT.table4
    paths = table3.full_labels()
    new, handled, granted, part = (_counts(reports, "table3", [key])[:, 0, -1]
                                   for key in ("new", table3.total_row, "r1", "r2"))
    cases = _counts(reports, "table4", [g.key for g in table4.groups])
    corrected = [c.key for c in table4.columns].index("corrected")
    review, suits = cases[:, 0, :], cases[:, 1:, :].sum(axis=1)
    total, correct = table4.columns[-1].label, table4.columns[corrected].label
    suit_label = next(g.parent for g in table4.groups if g.parent)
    fees = next(row for _, row in _FMT.table2.rows() if row.key == "fees")
    fee_label = next(b.values[0].label for b in _FMT.table2.blocks if fees in b.rows)
    return pd.DataFrame({
        _stem(paths["new"][0]): new,
        _stem(paths[table3.total_row][0]) + _stem(paths[table3.total_row][1]): handled,
        f"{_stem(paths['r1'][1])}和{_stem(paths['r2'][1])}占比": _share(granted + part, handled),
        f"{table4.groups[0].label}{total}": review[:, -1],
        f"{table4.groups[0].label}{correct}占比": _share(review[:, corrected], review[:, -1]),
        f"{suit_label}{total}": suits[:, -1],
        f"{suit_label}{correct}占比": _share(suits[:, corrected], suits[:, -1]),
        f"{fees.label}{fee_label}": [printed_amount(r.table2.fees, r.table2.amount_decimals) for r in reports],
    }, index=pd.Index([r.agency.name for r in reports], name="机关"))


def largest(values: pd.Series) -> list[bool]:
    """Which agencies a chart or a printed page shows one by one: all up to MAX_LISTED, else the
    SHOWN largest of ``values`` (in their order)."""
    if len(values) <= MAX_LISTED:
        return [True] * len(values)
    kept = set(values.reset_index(drop=True).sort_values(ascending=False, kind="stable").index[:SHOWN])
    return [index in kept for index in range(len(values))]


def comparison_html(rollup: Rollup) -> Html:
    """The comparison as a table: every agency on screen; on paper, beyond MAX_LISTED agencies,
    those that handled most applications, with a note saying so."""
    frame = comparison(rollup)
    printed = largest(frame.iloc[:, 1])
    head = "".join(f"<th scope=\"col\">{escape(str(c))}</th>" for c in [frame.index.name, *frame.columns])
    body = "".join(("<tr>" if shown else '<tr class="xxgk-screen-only">')
                   + "<th scope=\"row\">" + escape(str(name)) + "</th>"
                   + "".join(f"<td>{escape(str(v))}</td>" for v in values) + "</tr>"
                   for name, values, shown in zip(frame.index, frame.itertuples(index=False), printed, strict=True))
    note = ("" if all(printed) else
            f'<p class="xxgk-print-only">纸面只列出{escape(str(frame.columns[1]))}最多的 {SHOWN} 个机关；'
            f"全部 {len(frame)} 个机关见 {ROLLUP_HTML}。</p>")
    html = (f'<h2 class="xxgk-part">各机关对比</h2>{note}<table class="xxgk-comparison">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    return Html(html, frame.to_string())


def heading(rollup: Rollup) -> Html:
    """The title and what the roll-up is made of."""
    left_out = (f"另有 {len(rollup.unusable)} 个参数文件无法读取或未通过校验，未计入汇总（见文末）。"
                if rollup.unusable else "")
    text = (f"本汇总由 {len(rollup.agencies)} 个机关的 {rollup.year} 年度报告的表二、表三、表四逐格相加而成。"
            + left_out)
    html = (f'<h1 class="xxgk-title">{escape(rollup.summed.display_title)}</h1>'
            f"<p>{escape(text)}</p>")
    return Html(html, f"{rollup.summed.display_title}\n{text}")


def summed_findings(rollup: Rollup) -> Html:
    """Whether the summed tables satisfy the rules, and what the checks found if not."""
    shown = to_html(list(rollup.findings), "汇总后的表格通过全部校验规则。")
    return Html(f'<h2 class="xxgk-part">汇总表格的校验</h2>{shown.html}', shown.text)


def listing(rollup: Rollup) -> Html:
    """The files left out of the sums, with why, and the agencies whose checks found something,
    with how many errors and warnings."""
    flagged = [(a, len(errors(list(a.findings))), len(a.findings) - len(errors(list(a.findings))))
               for a in rollup.agencies if a.findings]
    parts = ['<h2 class="xxgk-part">参数文件的问题</h2>']
    lines = []
    if rollup.unusable:
        parts.append(f"<p>以下 {len(rollup.unusable)} 个参数文件无法读取或未通过校验，未计入汇总：</p><ul>")
        parts += [f"<li>{escape(u.name)}：<pre>{escape(u.message)}</pre></li>" for u in rollup.unusable]
        parts.append("</ul>")
        lines += [f"{u.name}：{u.message}" for u in rollup.unusable]
    if flagged:
        # on paper, beyond MAX_LISTED agencies, those with most errors, then warnings: a thousand
        # lines of one warning each filled 90 pages (and 15 CPU-seconds of WeasyPrint)
        order = sorted(range(len(flagged)), key=lambda index: (-flagged[index][1], -flagged[index][2]))
        kept = set(order[:SHOWN] if len(flagged) > MAX_LISTED else order)
        parts.append(f"<p>以下 {len(flagged)} 个机关的校验发现问题（已计入汇总）：</p>")
        if len(kept) < len(flagged):
            parts.append(f'<p class="xxgk-print-only">纸面只列出错误和提醒最多的 {SHOWN} 个机关；'
                         f"全部 {len(flagged)} 个机关见 {ROLLUP_HTML}。</p>")
        parts.append("<ul>")
        parts += [("<li>" if index in kept else '<li class="xxgk-screen-only">')
                  + f"{escape(a.report.agency.name)}（{escape(a.name)}）：错误 {e} 条，提醒 {w} 条</li>"
                  for index, (a, e, w) in enumerate(flagged)]
        parts.append("</ul>")
        lines += [f"{a.name}：错误 {e} 条，提醒 {w} 条" for a, e, w in flagged]
    if not lines:
        parts.append("<p>全部参数文件都通过了校验。</p>")
    return Html("".join(parts), "\n".join(lines) or "全部参数文件都通过了校验。")
