"""``xxgk audit``: published reports read in memory and checked by every rule, each finding placed
in the published document (第5页 表三 （三）不予公开 4.保护第三方合法权益 × 自然人).

A report is read (``reading``), written down as parameter data (``transcribe``) and validated into
the model, then ``rules.check`` runs on it, with last year's report when there is one: ``--previous``
or, found beside it, the file whose name has the year before in place of the report's year
(``huaian-2024.pdf`` → ``huaian-2023.pdf``, any readable kind, or a parameter file ``.yaml``).
What the reading found and the parameter data cannot say (a label numbered otherwise, a row that
could not be recognised, a missing part) joins them as X4 findings; what the data does say (a
label variant, a group row, a blank cell) the rules report themselves.

Nothing is written. Exit status: 0 clean, 1 errors found, 2 a report unreadable.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..errors import ReadError, UsageError, XxgkError
from ..report import rules
from ..report.findings import Finding, errors
from ..report.format import load_format
from ..report.model import Report, describe
from ..report.params import load_params
from ..run import batch
from . import published
from .reading import READERS, read_report
from .transcribe import VARIANTS, Transcript, report_of, transcribe

# what stands in for a field the report lacks, so that the rules can still run on the rest; the
# lack itself is a finding
_ABSENT = "（报告中未找到）"


@dataclass(frozen=True)
class Placed:
    finding: Finding
    place: str  # in the published document; "" where the finding has no single place


@dataclass(frozen=True)
class Inspected:
    source: str
    agency: str = ""
    year: int | None = None
    findings: tuple[Placed, ...] = ()
    previous: str = ""  # last year's report the cross-year rules compared with
    unreadable: str = ""  # why the report could not be read

    @property
    def status(self) -> int:
        if self.unreadable:
            return 2
        return 1 if errors([p.finding for p in self.findings]) else 0


def expand(patterns: list[str]) -> list[Path]:
    """Reports named by files, folders (searched recursively for readable kinds) or globs, once each."""
    return batch.expand(patterns, READERS, "报告文件")


def inspect_all(paths: list[Path], previous: Path | None = None) -> list[Inspected]:
    if previous is not None and len(paths) != 1:
        raise UsageError("--previous 只能与单份报告一起使用；多份报告时，上一年度的报告按文件名在同一文件夹中查找")
    return [inspect(path, previous) for path in paths]


def inspect(path: Path, previous: Path | None = None) -> Inspected:
    """One report's findings, or why it could not be read."""
    try:
        read = read_report(path)
        transcript = transcribe(read)
        report = report_of(_completed(transcript, path.name), path.name)
    except XxgkError as error:
        return Inspected(str(path), unreadable=error.message)
    last = previous or beside(path, report.year)
    last_report, lost = None, []
    try:
        last_report = _previous(last) if last else None
    except XxgkError as error:
        if previous is not None:  # the one asked for: checking without it would not be what was asked
            return Inspected(str(path), unreadable=f"上一年度的报告 {error.message}")
        # only guessed from the name: this report's own findings still stand, checked without it
        lost = [Finding("X1", "warning", load_format().table3.part, "上一年度的报告", "", "",
                        f"无法读取 {error.message}，未核对跨年度衔接",
                        "修复或移走这个文件，或用 --previous 指定上一年度的报告")]
    worded = _worded(read)
    found = [Placed(f, _place(read, f) or (worded.get(f.found, "") if f.rule == "X4" else ""))
             for f in [*lost, *rules.check(report, last_report), *_absent(transcript)]]
    found += _unsaid(read, transcript)
    return Inspected(str(path), report.agency.name, report.year, tuple(found),
                     str(last) if last_report else "")


def beside(path: Path, year: int) -> Path | None:
    """Last year's report beside ``path``: its name with the year before in place of ``year``."""
    if str(year) not in path.stem:
        return None
    head, _, tail = path.stem.rpartition(str(year))
    stem = f"{head}{year - 1}{tail}"
    for suffix in (*READERS, ".yaml"):
        candidate = path.with_name(stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def _previous(path: Path) -> Report:
    if path.suffix.lower() in (".yaml", ".yml"):
        return load_params(path)
    return report_of(_completed(transcribe(read_report(path)), path.name), path.name)


def _completed(transcript: Transcript, origin: str) -> dict[str, Any]:
    """The transcript's data with a stand-in for each missing text, so that the rules check the
    rest; without the year or a table there is nothing to check."""
    data = dict(transcript.data)
    fmt = load_format()
    lacking = [name for key, name in (("year", describe(("year",))), *((t, getattr(fmt, t).name) for t in
                                                         ("table2", "table3", "table4"))) if key not in data]
    if lacking:
        raise ReadError(origin, "找不到" + "、".join(lacking) + "，无法检查")
    agency = {"name": _ABSENT, "subject": _ABSENT, "kind": "government", **data["agency"]}
    part1 = {"overview": _ABSENT, "subsections": [{"title": _ABSENT, "text": _ABSENT}], **data["part1"]}
    data.update(agency=agency, part1=part1)
    for key in ("introduction", "part5", "part6"):
        data.setdefault(key, _ABSENT)
    return data


def _absent(transcript: Transcript) -> list[Finding]:
    return [Finding("X4", "error", "overview", name, "报告应有此项", "未找到",
                    f"报告中找不到{name}", "核对原文；审查时这一项按缺失处理") for name in transcript.missing]


def _unsaid(read: published.PublishedReport, transcript: Transcript) -> list[Placed]:
    """The reading's findings that the parameter data does not express, nor ``_absent`` (a part
    not found), as X4 findings at their place."""
    fmt = load_format()
    # the part a finding concerns: a heading's own, a table's (its where starts with the table's name)
    parts = {f"{VARIANTS}parts.{part.key}": part.key for part in fmt.parts}
    tables = {table.name: table.part for table in (fmt.table2, fmt.table3, fmt.table4)}
    found = []
    for finding in read.findings:
        if _said(finding, transcript.data) or finding.where in transcript.missing:
            continue
        section = parts.get(finding.subject) or tables.get(finding.where.split(" ")[0], "overview")
        found.append(Placed(Finding("X4", "warning", section, finding.where or "报告结构", "", "", finding.message,
                                    "核对原文；参数文件按发布的原样记录"),
                            " ".join(filter(None, (finding.place.describe(), finding.where)))))
    return found


def _worded(read: published.PublishedReport) -> dict[str, str]:
    """Where each label worded otherwise is printed first, by its wording: the place of the rules'
    X4 finding about a heading or column label, which names no row or cell of its own."""
    places: dict[str, str] = {}
    for finding in read.findings:
        if finding.kind == "label":
            places.setdefault(finding.text, " ".join(filter(None, (finding.place.describe(), finding.where))))
    return places


_CELL = re.compile(r"^(table[234])\.(\w+)(?:\[([0-9]+)\])?$")


def _said(finding: published.Finding, data: dict[str, Any]) -> bool:
    """Whether the parameter data says what a reading finding says: a label variant, a group
    row kept as one, a blank cell."""
    if finding.subject.startswith(VARIANTS):
        variants: Any = data.get("label_variants", {})
        for name in finding.subject.removeprefix(VARIANTS).split("."):
            variants = variants.get(name) if isinstance(variants, dict) else None
        return variants is not None
    match = _CELL.match(finding.subject)
    if not match:
        return False
    table, row, column = match.groups()
    if column is None:
        return row in data.get(table, {})  # a group row, kept as published
    values = data.get(table, {}).get(row)
    values = values if isinstance(values, list) else [values]
    return int(column) < len(values) and values[int(column)] is None


def _place(read: published.PublishedReport, finding: Finding) -> str:
    """Where a finding about a table cell is in the published document, in the format's words."""
    if finding.table is None or read.table(finding.table) is None:
        return ""
    fmt = load_format()
    table = getattr(fmt, finding.table)
    columns = [v.key for v in table.blocks[0].values] if finding.table == "table2" else [c.key for c in table.columns]
    rule = next((r for r in fmt.rules if r.id == finding.rule and r.check), None)
    row = finding.row or (rule.check.stated[0] if rule and rule.check else None)
    if row is None:
        return ""
    if finding.table == "table2":
        block = next(b for b, r in fmt.table2.rows() if r.key == row)
        columns = [v.key for v in block.values]
    whole_row = False
    if finding.column in columns:
        column = columns.index(finding.column)
    elif rule and rule.check and rule.check.per == "row":
        column = columns.index(rule.check.stated[0])
    else:  # about the row itself (its label, its being one row): placed at its first cell
        column, whole_row = 0, True
    try:
        place = read.locate(finding.table, row, column)
    except KeyError:  # a row the report does not have (its sub-rows collapsed into a group row)
        return ""
    return place.rsplit(" × ", 1)[0] if whole_row else place


def summary(results: list[Inspected]) -> dict[str, int]:
    return {"read": sum(1 for r in results if not r.unreadable), "clean": sum(1 for r in results if r.status == 0),
            "with_errors": sum(1 for r in results if r.status == 1),
            "unreadable": sum(1 for r in results if r.unreadable)}


def to_text(results: list[Inspected]) -> str:
    lines = []
    for result in results:
        lines.append(f"── {result.source}" + (f"（{result.agency} {result.year} 年）" if result.agency else ""))
        if result.unreadable:
            lines.append(f"   无法读取：{result.unreadable}")
            continue
        if result.previous:
            lines.append(f"   与上一年度的 {result.previous} 核对跨年度衔接")
        for placed in result.findings:
            f = placed.finding
            level = "错误" if f.is_error else "提醒"
            lines.append(f"   {f.rule} {level} {placed.place or f.location}：{f.message}"
                         + (f"（应为 {f.expected}，实为 {f.found}）" if f.expected and f.found else ""))
        if not result.findings:
            lines.append("   未发现问题。")
    counts = summary(results)
    lines.append(f"共 {len(results)} 份报告：读取 {counts['read']} 份，无错误 {counts['clean']} 份，"
                 f"有错误 {counts['with_errors']} 份，无法读取 {counts['unreadable']} 份。")
    return "\n".join(lines)


def to_json(results: list[Inspected]) -> str:
    reports: list[dict[str, Any]] = []
    for result in results:
        if result.unreadable:
            reports.append({"file": result.source, "unreadable": result.unreadable})
            continue
        reports.append({"file": result.source, "agency": result.agency, "year": result.year,
                        "previous": result.previous or None,
                        "findings": [asdict(p.finding) | {"place": p.place} for p in result.findings]})
    return json.dumps({"reports": reports, "summary": summary(results)}, ensure_ascii=False, indent=2)
