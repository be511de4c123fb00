"""The report's narrative as HTML blocks: title, part headings, paragraphs, signature.

All user text is escaped: it is published on government websites. Paragraphs are separated by
blank lines; line breaks inside a paragraph are joined without a space, as Chinese text needs.
"""

from __future__ import annotations

from html import escape

from .format import load_format
from .html import Html
from .model import Report
from .sections import SUBSECTION_STYLES

RUN_IN_STOP = "。"  # ends a run-in sub-heading: （一）主动公开方面。正文……


def split_paragraphs(text: str) -> list[str]:
    paragraphs = []
    for chunk in text.replace("\r\n", "\n").split("\n\n"):
        joined = "".join(line.strip() for line in chunk.split("\n"))
        if joined:
            paragraphs.append(joined)
    return paragraphs


def _paragraphs_html(paragraphs: list[str]) -> str:
    return "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)


def title(report: Report) -> Html:
    """The report's title and its introduction."""
    intro = split_paragraphs(report.introduction)
    html = f'<h1 class="xxgk-title">{escape(report.display_title)}</h1>\n' + _paragraphs_html(intro)
    return Html(html, "\n\n".join([report.display_title, *intro]))


def heading(part_key: str) -> Html:
    """The official heading of one of the six parts (一、总体情况 …)."""
    text = load_format().part(part_key).heading
    return Html(f'<h2 class="xxgk-part" id="part-{part_key}">{escape(text)}</h2>', text)


def text(body: str) -> Html:
    """Free narrative (parts 五 and 六): paragraphs as written."""
    paragraphs = split_paragraphs(body)
    return Html(_paragraphs_html(paragraphs), "\n\n".join(paragraphs))


def part1(report: Report, style: str = "run_in") -> Html:
    """Part 一: the overview and its numbered sub-sections, run-in (（一）…方面。正文) or as headings."""
    if style not in SUBSECTION_STYLES:
        raise ValueError(f"subsection_style 应为 {' 或 '.join(SUBSECTION_STYLES)}，实际是 {style!r}")
    numbers = load_format().subsection_numbers
    overview = split_paragraphs(report.part1.overview)
    html, plain = [_paragraphs_html(overview)], list(overview)
    for number, sub in zip(numbers, report.part1.subsections, strict=False):
        paragraphs = split_paragraphs(sub.text)
        head = number + sub.title
        if style == "run_in":
            stop = "" if head[-1] in "。：:" else RUN_IN_STOP
            first = f'<p><strong class="xxgk-runin">{escape(head + stop)}</strong>{escape(paragraphs[0])}</p>'
            html += [first, _paragraphs_html(paragraphs[1:])]
            plain += [head + stop + paragraphs[0], *paragraphs[1:]]
        else:
            html += [f'<h3 class="xxgk-subsection">{escape(head)}</h3>', _paragraphs_html(paragraphs)]
            plain += [head, *paragraphs]
    return Html("\n".join(h for h in html if h), "\n\n".join(plain))


def signature(report: Report) -> Html:
    """The closing block: publishing office and date (2026年1月15日)."""
    date = report.published
    when = f"{date.year}年{date.month}月{date.day}日"
    html = (f'<div class="xxgk-signature"><p>{escape(report.agency.name)}</p>'
            f"<p>{when}</p></div>")
    return Html(html, f"{report.agency.name}\n{when}")
