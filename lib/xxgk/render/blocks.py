"""The report's narrative as HTML blocks: title, part headings, paragraphs, signature.

All user text is escaped: it is published on government websites. Paragraphs are separated by
blank lines; line breaks inside a paragraph are joined without a space, as Chinese text needs.
"""

from __future__ import annotations

import re
from html import escape
from itertools import combinations

from ..html import Html
from ..report import narrative
from ..report.format import load_format
from ..report.model import Contact, Report
from ..report.references import REFERENCE, render_html, render_text
from ..report.rules import contact_stated
from ..report.sections import SUBSECTION_STYLES

RUN_IN_STOP = "。"  # ends a run-in sub-heading: （一）主动公开方面。正文……


# A space beside a 汉字, as published text often has (2025 年, 地址: 额敏县): justified lines stretch
# only their spaces, so a line with one such space opened a hole of several characters in the PDF.
# In the outputs it becomes a narrow no-break space, which neither stretches nor breaks; the
# parameter file keeps what was published.
NARROW_SPACE = "\u202f"
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_SPACE_BY_CJK = re.compile(rf"(?<=[{_CJK}]) +| +(?=[{_CJK}])")


def _paragraph_html(paragraph: str, report: Report) -> str:
    pieces = REFERENCE.split(paragraph)  # text, reference, text …: a reference is left as written
    narrowed = [_SPACE_BY_CJK.sub(NARROW_SPACE, piece) if i % 2 == 0 else "{" + piece + "}"
                for i, piece in enumerate(pieces)]
    return render_html("".join(narrowed), report)


def _paragraphs_html(paragraphs: list[str], report: Report) -> str:
    return "\n".join(f"<p>{_paragraph_html(p, report)}</p>" for p in paragraphs)


def _printed(paragraphs: list[str], report: Report) -> list[str]:
    """Paragraphs as printed: each reference replaced by its figure."""
    return [render_text(p, report) for p in paragraphs]


# The title is 二号 (22 pt) on the 156 mm text width of GB/T 9704: 20 ems a line. Widths are counted in ems:
# a Chinese character or full-width mark is one, a digit or Latin letter about 0.6 (Noto Serif CJK's
# digits are 0.594 em wide, those of the 小标宋 faces 0.5).
TITLE_EMS = 20.0
# where an agency's name may break when it is longer than a line by itself: after a level of
# administration (新疆维吾尔自治区 / 塔城地区 / 额敏县人民政府办公室), unless the next character makes
# the suffix part of a word (市场监督管理局, 县级, 区域)
_DIVISION = re.compile(r"(?:自治区|自治州|自治县|地区|[省市县旗盟区])(?![场政容民级委辖直域])")


def _ems(text: str) -> float:
    return sum(1.0 if ord(char) > 0x2E7F else 0.6 for char in text)


def title_lines(title: str, subject: str = "", year: int | None = None, ems: float = TITLE_EMS) -> list[str]:
    """The lines a title is set in: one when it fits, otherwise broken where its meaning breaks
    (after the agency's name, after the year, inside a long name after a level of administration),
    into as few lines as fit, the most even of them (GB/T 9704 7.3.3: 词意完整，排列对称，长短适宜).

    >>> title_lines("塔城市教育局2025年政府信息公开工作年度报告", "塔城市教育局", 2025)
    ['塔城市教育局2025年', '政府信息公开工作年度报告']
    """
    if _ems(title) <= ems:
        return [title]
    breaks = set()
    start = title.find(subject) if subject else -1
    if start >= 0:
        breaks.add(start + len(subject))
        breaks.update(start + m.end() for m in _DIVISION.finditer(subject) if m.end() < len(subject))
    if year is not None and (at := title.find(f"{year}年")) >= 0:
        breaks.add(at + len(f"{year}年"))
    fixed = load_format().title.rpartition("}")[2].removeprefix("年")  # 政府信息公开工作年度报告
    if (at := title.find(fixed)) > 0:  # a weaker break, in the middle of the fixed words
        breaks.add(at + len(fixed) // 2)
    breaks.discard(0)
    breaks.discard(len(title))
    for count in range(1, len(breaks) + 1):
        fitting = []
        for chosen in combinations(sorted(breaks), count):
            edges = [0, *chosen, len(title)]
            lines = [title[a:b] for a, b in zip(edges, edges[1:], strict=False)]
            widths = [_ems(line) for line in lines]
            if max(widths) <= ems:
                # most even first; of two equally even, the one whose top line is shorter (a trapezoid)
                fitting.append((max(widths) - min(widths), widths[0], lines))
        if fitting:
            return min(fitting)[2]
    return _by_width(title, ems)


def _by_width(title: str, ems: float) -> list[str]:
    """A title with no break of meaning that fits (a very long own title): even lines by width."""
    count = int(-(-_ems(title) // ems))
    target = _ems(title) / count
    lines: list[str] = []
    line = ""
    for char in title:
        if line and _ems(line + char) > target + 0.5 and len(lines) < count - 1:
            lines.append(line)
            line = ""
        line += char
    return [*lines, line]


def title(report: Report) -> Html:
    """The report's title, broken into lines by ``title_lines``, and its introduction."""
    intro = narrative.split_paragraphs(report.introduction)
    lines = title_lines(report.display_title, report.agency.subject, report.year)
    heading = "<br>".join(escape(line) for line in lines)
    html = f'<h1 class="xxgk-title">{heading}</h1>\n' + _paragraphs_html(intro, report)
    return Html(html, "\n\n".join([report.display_title, *_printed(intro, report)]))


def heading(part_key: str, report: Report | None = None) -> Html:
    """The heading of one of the six parts (一、总体情况 …), as ``report`` words it."""
    text = report.wording("parts", part_key) if report else load_format().part(part_key).heading
    return Html(f'<h2 class="xxgk-part" id="part-{part_key}">{escape(text)}</h2>', text)


def text(body: str, report: Report) -> Html:
    """Free narrative (parts 五 and 六) of ``report``: paragraphs as written, figures of references
    filled in."""
    paragraphs = narrative.split_paragraphs(body)
    return Html(_paragraphs_html(paragraphs, report), "\n\n".join(_printed(paragraphs, report)))


def part1(report: Report, style: str = "run_in") -> Html:
    """Part 一: the overview and its numbered sub-sections, run-in (（一）…方面。正文) or as headings."""
    if style not in SUBSECTION_STYLES:
        raise ValueError(f"subsection_style 应为 {' 或 '.join(SUBSECTION_STYLES)}，实际是 {style!r}")
    numbers = load_format().subsection_numbers
    overview = narrative.split_paragraphs(report.part1.overview)
    html, plain = [_paragraphs_html(overview, report)], _printed(overview, report)
    for number, sub in zip(numbers, report.part1.subsections, strict=False):
        paragraphs = narrative.split_paragraphs(sub.text)
        head = number + sub.title
        if style == "run_in":
            stop = "" if head[-1] in "。：:" else RUN_IN_STOP
            first = (f'<p><strong class="xxgk-runin">{escape(head + stop)}</strong>'
                     f"{_paragraph_html(paragraphs[0], report)}</p>")
            html += [first, _paragraphs_html(paragraphs[1:], report)]
            printed = _printed(paragraphs, report)
            plain += [head + stop + printed[0], *printed[1:]]
        else:
            html += [f'<h3 class="xxgk-subsection">{escape(head)}</h3>', _paragraphs_html(paragraphs, report)]
            plain += [head, *_printed(paragraphs, report)]
    return Html("\n".join(h for h in html if h), "\n\n".join(plain))


def summary(report: Report, section: str) -> Html:
    """The standard sentences of part 三 or 四, from the tables (the sections' ``summary=auto``)."""
    text = narrative.summary(report, section)
    return Html(f'<p class="xxgk-summary">{_paragraph_html(text, report)}</p>', render_text(text, report))


def signature(report: Report) -> Html:
    """The closing block: the contact details where the narrative does not state them already,
    then the signer (``signature``, or the publishing office) and the date (2026年1月15日) when
    the report is dated (an original without a date has no signature either). Empty when the
    report has none of these."""
    html, plain = [], []
    if report.contact is not None and not contact_stated(report):
        line = "；".join(f"{Contact.model_fields[key].title}：{value}"
                        for key, value in report.contact.model_dump(exclude_none=True).items())
        html.append(f'<p class="xxgk-contact">{escape(line)}</p>')
        plain.append(line)
    if report.published is not None:
        date = report.published
        when = f"{date.year}年{date.month}月{date.day}日"
        signer = report.signature or report.agency.name
        html.append(f'<div class="xxgk-signature"><p>{escape(signer)}</p><p>{when}</p></div>')
        plain.append(f"{signer}\n{when}")
    return Html("\n".join(html), "\n\n".join(plain))
