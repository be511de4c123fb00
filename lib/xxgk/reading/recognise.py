"""A document's paragraphs and grids recognised as a report of the 2021 format.

The title is the opening paragraphs up to the one ending in the format's title words; the six
parts start at paragraphs that name their headings (tolerantly: ``labels.best``); part 一's
numbered sub-headings split its text; the signature and date are the closing short paragraphs.
Tables are ``recognise_tables``'s. A document without the format's tables and headings is not a
report (``NotAReport``); one with the 2019 trial format's table 二 is named as such
(``OtherFormat``).
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from ..errors import NotAReport, OtherFormat
from ..report.format import ReportFormat, load_format
from .document import Document, Grid, Paragraph, Place
from .labels import best, normalise
from .published import Finding, PublishedReport, Section, Subsection
from .recognise_tables import recognise_tables

_HEADING_LENGTH = 40  # a part heading as printed, numbering and spaces included, is shorter
_YEAR = re.compile(r"((?:19|20)[0-9]{2})\s*年")
_DATE = re.compile(r"^(?:[0-9]{4}|[〇零一二三四五六七八九]{4})\s*年\s*[0-9一二三四五六七八九十]{1,3}\s*月"
                   r"\s*[0-9一二三四五六七八九十]{1,3}\s*日$")
_ENDS = tuple("。！？；…”’）)：:")
_CONTACT = (("地址", r"(?:通讯|办公)?地址"), ("邮编", r"邮政?编码?"), ("电话", r"(?:联系|咨询)?电话(?:及传真)?"),
            ("传真", r"传真"), ("电子邮箱", r"电子?邮箱|E-?mail"))


@cache
def trial_format() -> dict:
    """The 2019 trial format's distinguishing labels, from its data file."""
    text = resources.files("xxgk").joinpath("format-2019.json").read_text(encoding="utf-8")
    return json.loads(text)


def recognise(document: Document) -> PublishedReport:
    fmt = load_format()
    _refuse_other_format(document)
    tables, table_findings = recognise_tables(document, fmt)
    paragraphs = [block for block in document.blocks if isinstance(block, Paragraph)]
    title, rest = _title(paragraphs, document.title, fmt)
    if document.kind == "txt":  # the PDF reader joins its own page breaks; pages and Word files have none
        rest = _joined(rest, fmt)
    starts = _part_starts(rest, fmt)
    if not tables and len(starts) < 3:
        raise NotAReport(document.source, "找不到政府信息公开工作年度报告的部分标题（如“"
                         + fmt.parts[0].heading + "”）和表二、表三、表四，不像一份年度报告，未读入")
    findings: list[Finding] = []
    ordered = sorted(starts.items(), key=lambda item: item[1][0])
    introduction = [p.text for p in rest[:ordered[0][1][0]]] if ordered else [p.text for p in rest]
    sections: list[Section] = []
    closing: list[Paragraph] = []
    for index, (key, (at, heading)) in enumerate(ordered):
        end = ordered[index + 1][1][0] if index + 1 < len(ordered) else len(rest)
        body = rest[at + 1:end]
        if index + 1 == len(ordered):
            body, closing = _signature(body)
        official = fmt.part(key).heading
        if heading.text.replace(" ", "") != official:
            kind = "numbering" if normalise(heading.text) == normalise(official) else "label"
            findings.append(Finding(kind, f"标题“{heading.text}”与统一格式“{official}”不同",
                                    heading.place, official, f"label_variants.parts.{key}", heading.text))
        subsections = _subsections(body, fmt) if key == fmt.parts[0].key else ()
        preamble = body[:_first_subsection(body, fmt)] if subsections else body
        sections.append(Section(key, heading.text, tuple(p.text for p in preamble), subsections))
    for part in fmt.parts:
        if part.key not in starts:
            findings.append(Finding("structure", f"找不到“{part.heading}”这一部分", Place(), part.heading))
    agency, date = _closing(closing)
    intro_text = "".join(introduction)
    return PublishedReport(
        source=document.source, kind=document.kind, title=title, agency=agency or _agency(intro_text, title),
        year=_year(title), published=date, contact=_contact(intro_text), introduction=tuple(introduction),
        sections=tuple(sections), tables=tables, findings=tuple(findings) + table_findings)


def _refuse_other_format(document: Document) -> None:
    trial = trial_format()
    markers = {normalise(label) for label in trial["table2_labels"]}
    for block in document.blocks:
        if isinstance(block, Grid):
            for row in block.rows:
                for cell in row:
                    if cell is not None and normalise(cell.text) in markers:
                        raise OtherFormat(document.source, (
                            f"这是{trial['name']}（{trial['source']}，用于{trial['used_for']}）的报告"
                            f"（{cell.place.describe()}表二有“{cell.text}”一栏）；本工具只读取 2021 年格式"
                            f"（{load_format().source}）的报告，未读入"))


def _joined(paragraphs: list[Paragraph], fmt: ReportFormat) -> list[Paragraph]:
    """Paragraphs a page break split (text copied from a PDF) joined again: a long paragraph
    that stops without closing punctuation continues in the next — unless either is a part
    heading (which ends without punctuation by nature) or the next starts a numbered sub-heading."""
    joined: list[Paragraph] = []
    for paragraph in paragraphs:
        if joined and len(joined[-1].text) >= 30 and not joined[-1].text.endswith(_ENDS) \
                and not _part_heading(joined[-1], fmt) and not _part_heading(paragraph, fmt) \
                and not normalise(paragraph.text).startswith(_numbers(fmt)):
            joined[-1] = Paragraph(joined[-1].text + paragraph.text, joined[-1].place)
        else:
            joined.append(paragraph)
    return joined


def _part_heading(paragraph: Paragraph, fmt: ReportFormat) -> bool:
    return len(paragraph.text) <= _HEADING_LENGTH and best(paragraph.text, _headings(fmt)) is not None


def _headings(fmt: ReportFormat) -> dict[str, str]:
    return {part.key: part.heading for part in fmt.parts}


def _title(paragraphs: list[Paragraph], fallback: str, fmt: ReportFormat) -> tuple[str, list[Paragraph]]:
    """The title (its lines joined) and the paragraphs after it: the opening paragraphs up to
    one that ends in the format's title words (政府信息公开工作年度报告), or nearly."""
    words = normalise(fmt.title.rsplit("}", 1)[-1].lstrip("年"))
    for index, paragraph in enumerate(paragraphs[:4]):
        if best(normalise(paragraph.text)[-len(words):], {"title": words}) is not None:
            return "".join(p.text for p in paragraphs[:index + 1]), paragraphs[index + 1:]
    return fallback, paragraphs


def _part_starts(paragraphs: list[Paragraph], fmt: ReportFormat) -> dict[str, tuple[int, Paragraph]]:
    """Where each part starts: a short paragraph naming its heading, in the format's order."""
    headings = _headings(fmt)
    starts: dict[str, tuple[int, Paragraph]] = {}
    order = [part.key for part in fmt.parts]
    for index, paragraph in enumerate(paragraphs):
        if len(paragraph.text) > _HEADING_LENGTH:
            continue
        match = best(paragraph.text, headings)
        if match is None or match.key in starts:
            continue
        if any(order.index(key) > order.index(match.key) for key in starts):
            continue
        starts[match.key] = (index, paragraph)
    return starts


def _numbers(fmt: ReportFormat) -> tuple[str, ...]:
    return tuple(normalise(number) for number in fmt.subsection_numbers)


def _first_subsection(body: list[Paragraph], fmt: ReportFormat) -> int:
    numbers = _numbers(fmt)
    return next((i for i, p in enumerate(body) if normalise(p.text).startswith(numbers)), len(body))


def _subsections(body: list[Paragraph], fmt: ReportFormat) -> tuple[Subsection, ...]:
    numbers = _numbers(fmt)
    found: list[tuple[str, str, list[str]]] = []
    for paragraph in body[_first_subsection(body, fmt):]:
        plain = normalise(paragraph.text)
        number = next((n for n in numbers if plain.startswith(n)), None)
        if number is None:
            if found:
                found[-1][2].append(paragraph.text)
            continue
        text = paragraph.text.lstrip()
        cut = len(text) - len(text.lstrip("（(一二三四五六七八九十）) "))
        printed, rest = text[:cut].strip(), text[cut:]
        title, _, after = rest.partition("。") if "。" in rest[:40] else (rest, "", "")
        found.append((printed, title.strip(), [after.strip()] if after.strip() else []))
    return tuple(Subsection(number, title, tuple(texts)) for number, title, texts in found)


def _signature(body: list[Paragraph]) -> tuple[list[Paragraph], list[Paragraph]]:
    """The last part's text and the closing signature and date (each short, without punctuation)."""
    end = len(body)
    while end > 0 and len(body[end - 1].text) <= 30 and not body[end - 1].text.endswith(_ENDS) and end > len(body) - 2:
        end -= 1
    closing = body[end:]
    if not any(_DATE.match(p.text.replace(" ", "")) for p in closing):
        return body, []
    return body[:end], closing


def _closing(closing: list[Paragraph]) -> tuple[str, str]:
    date = next((p.text for p in closing if _DATE.match(p.text.replace(" ", ""))), "")
    agency = next((p.text for p in closing if not _DATE.match(p.text.replace(" ", ""))), "")
    return agency, date


def _agency(introduction: str, title: str) -> str:
    match = re.search(r"本报告由(.{2,40}?)(?:根据|依据|按照|编制)", introduction)
    if match:
        return match.group(1)
    year = _YEAR.search(title)
    return title[:year.start()].strip() if year else ""


def _year(title: str) -> int | None:
    match = _YEAR.search(title)
    return int(match.group(1)) if match else None


def _contact(introduction: str) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    for name, pattern in _CONTACT:
        match = re.search(rf"(?:{pattern})\s*[:：]?\s*([^，,；;。）)]+)", introduction)
        if match and name not in dict(found):
            found.append((name, match.group(1).strip()))
    return tuple(found)
