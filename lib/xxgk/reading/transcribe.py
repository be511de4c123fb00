"""A published report written down as parameter data: what it says, nothing corrected or invented.

``transcribe(report)`` gives the data of a parameter file (plain dicts, lists, ``Decimal``,
``None`` for a blank cell) and the required fields the report did not give. A cell is its number
as printed (``1,234`` is 1234, ``24252.311082`` keeps its digits); a blank, "/" or "—" is ``None``;
a row the report collapsed (one （六）其他处理 row) stays one row under its group's key; a label
worded otherwise than the format is a label variant. The agency's kind is inferred from its name,
the only thing not copied, and is named among the missing fields when the name does not say.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from ..errors import Unfaithful
from ..report.format import load_format
from ..report.model import Contact, Report, describe
from ..report.numerals import chinese_number
from ..report.params import explain
from .published import PublishedReport, TableRow, Value, number

# what a subject or agency ends with: a place (its people's government's report) or an office
_PLACE = re.compile(r"([省市县区州盟旗镇乡]|自治区|自治州|自治县|街道)$")
_OFFICE = re.compile(r"(局|委员会|委|办公室|办|厅|署|中心|院|所|馆|队|站|处|会)$")
_DATE = re.compile(r"(\S{4})\s*年\s*(\S{1,3}?)\s*月\s*(\S{1,3}?)\s*日")
_OFFICE_IN_TEXT = re.compile(r"请与(.{2,40}?)联系")


@dataclass(frozen=True)
class Transcript:
    data: dict[str, Any]  # the parameter file's data, in its key order
    missing: tuple[str, ...]  # required fields not found, in Chinese (报告年度、发布机关…)


def transcribe(report: PublishedReport) -> Transcript:
    fmt = load_format()
    missing: list[str] = []
    data: dict[str, Any] = {"format": fmt.id}
    _put(data, ("year",), report.year, missing)
    subject = _subject(report)
    agency = {"name": report.agency or None, "subject": subject or None, "kind": _kind(subject, report.agency)}
    missing += [describe(("agency", key)) for key, value in agency.items() if value is None]
    data["agency"] = {key: value for key, value in agency.items() if value is not None}
    if report.title and subject and report.year and report.title != fmt.title.format(subject=subject, year=report.year):
        data["title"] = report.title
    if (published := _date(report.published)) is not None:
        data["published"] = published
    elif _DATE.search(report.published.replace(" ", "")):
        # printed, but no such day (2026年2月30日): the report has no valid date, said as such
        missing.append(f"有效的{describe(('published',))}（印的是“{report.published}”）")
    if (contact := _contact(report)) is not None:
        data["contact"] = contact
    _put(data, ("introduction",), _text(report.introduction), missing)
    data["part1"] = _part1(report, missing)
    if variants := _variants(report):
        data["label_variants"] = variants
    for key in ("table2", "table3", "table4"):
        table = report.table(key)
        _put(data, (key,), _table(key, table.rows) if table else None, missing)
    for key, part in (("part5", "problems"), ("part6", "other")):
        section = report.section(part)
        _put(data, (key,), _text(section.paragraphs) if section else None, missing)
    return Transcript(data, tuple(missing))


def report_of(data: dict[str, Any], origin: str) -> Report:
    """The validated report of a complete transcript; what the model cannot hold, each at its field."""
    try:
        return Report.model_validate(data)
    except ValidationError as error:
        problems = []
        for detail in error.errors():
            loc, message = explain(detail)
            problems.append(f"{describe(loc) or '.'.join(map(str, loc))}：{message}")
        raise Unfaithful(origin, "读出的内容不能构成有效的报告参数：" + "；".join(problems)) from None


def _put(data: dict, loc: tuple[str, ...], value: Any, missing: list[str]) -> None:
    """``value`` as ``data``'s entry for the last key of ``loc``, or the field named missing by
    the model's Chinese labels, as validation names it."""
    if value in (None, "", {}, []):
        missing.append(describe(loc))
    else:
        data[loc[-1]] = value


def _text(paragraphs: tuple[str, ...] | list[str]) -> str | None:
    """Paragraphs as a parameter file writes them: a blank line between two."""
    return "\n\n".join(p.strip() for p in paragraphs if p.strip()) or None


def _subject(report: PublishedReport) -> str:
    """The name the title gives before its year (淮安市人民政府2024年… → 淮安市人民政府)."""
    match = re.search(r"(?:19|20)[0-9]{2}\s*年", report.title)
    return report.title[:match.start()].strip() if match else ""


def _kind(subject: str, agency: str) -> str | None:
    """government for a place's report (额敏县, 淮安市人民政府, and the 人民政府办公室 that writes it),
    department for an office's (某县财政局); None when neither name says."""
    for name in (subject, agency):
        if "人民政府" in name or (_PLACE.search(name) and not _OFFICE.search(name)):
            return "government"
        if _OFFICE.search(name):
            return "department"
    return None


def _date(printed: str) -> str | None:
    """``2026年1月15日`` (or 二〇二六年一月十五日) as ISO, or None when there is no such date
    (2026年2月30日 included)."""
    match = _DATE.search(printed.replace(" ", ""))
    if not match:
        return None
    year = match.group(1).translate(str.maketrans("〇零一二三四五六七八九", "00123456789"))
    month, day = (_whole(group) for group in match.groups()[1:])
    if not year.isdigit() or month is None or day is None:
        return None
    try:
        return dt.date(int(year), month, day).isoformat()
    except ValueError:
        return None


def _whole(text: str) -> int | None:
    return int(text) if text.isdigit() else chinese_number(text)


def _contact(report: PublishedReport) -> dict[str, str] | None:
    """The contact details the introduction gives, when it gives address, postcode and phone."""
    keys = {field.title: key for key, field in Contact.model_fields.items()}  # 地址 → address
    found = {keys[name]: value for name, value in report.contact if name in keys}
    if not {"address", "postcode", "phone"} <= found.keys():
        return None
    office = _OFFICE_IN_TEXT.search("".join(report.introduction))
    return {"office": office.group(1) if office else report.agency, **found}


def _part1(report: PublishedReport, missing: list[str]) -> dict[str, Any]:
    part: dict[str, Any] = {}
    section = report.section("overview")
    _put(part, ("part1", "overview"), _text(section.paragraphs) if section else None, missing)
    subsections = [{"title": s.title, "text": _text(s.paragraphs)} for s in (section.subsections if section else ())]
    for index, subsection in enumerate(subsections):
        if subsection["text"] is None:
            missing.append(f"{describe(('part1', 'subsections', index, 'text'))}（小标题“{subsection['title']}”下）")
    _put(part, ("part1", "subsections"), [s for s in subsections if s["text"] is not None], missing)
    return part


def _table(key: str, rows: tuple[TableRow, ...]) -> dict[str, Any]:
    if key != "table2":
        return {row.key: [_cell(value) for value in row.values] for row in rows}
    table: dict[str, Any] = {}
    for row in rows:
        values = [_cell(value) for value in row.values]
        table[row.key] = values if len(values) > 1 else values[0]
    return table


def _cell(value: Value) -> int | Decimal | None:
    """The number a cell prints, exactly; None for a blank or a mark ("/", "—")."""
    found = number(value.text)
    if found is None:
        return None
    return int(found) if found == found.to_integral_value() and "." not in value.text else found


def _variants(report: PublishedReport) -> dict[str, Any]:
    """The labels the report words otherwise than the format (numbering and punctuation aside),
    where the reading found them: row labels by their key, headings and column labels under
    ``parts``, ``table2``, ``table3``."""
    variants: dict[str, Any] = {}
    for finding in report.findings:
        if finding.kind == "label" and finding.subject.startswith(VARIANTS):
            *inside, key = finding.subject.removeprefix(VARIANTS).split(".")
            place = variants
            for name in inside:
                place = place.setdefault(name, {})
            place[key] = finding.text
    return variants


VARIANTS = "label_variants."
