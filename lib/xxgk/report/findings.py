"""Findings of the checks, and how they are shown: a terminal table, JSON, HTML."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import asdict, dataclass
from html import escape

from ..html import Html

SEVERITY_LABELS = {"error": "错误", "warning": "提醒"}


@dataclass(frozen=True)
class Finding:
    rule: str  # rule id of the format data, e.g. T3-A
    severity: str  # "error" or "warning"
    section: str  # key of the part whose notebook shows it
    location: str  # in official labels, e.g. 表三 · 法律服务机构 列
    expected: str
    found: str
    message: str  # what should hold, in official words
    hint: str  # one line: how to fix it
    table: str | None = None  # machine location: table key, row key, column key where they apply
    row: str | None = None
    column: str | None = None
    accepted: str | None = None  # the reason the parameter file gives for accepting it
    excerpt: str | None = None  # the narrative's words it is about (… where cut), to find them on the page

    @property
    def is_error(self) -> bool:
        """An error that stops a build: one the parameter file accepted with a reason does not."""
        return self.severity == "error" and self.accepted is None


def errors(findings: list[Finding]) -> list[Finding]:
    return [finding for finding in findings if finding.is_error]


def warnings(findings: list[Finding]) -> list[Finding]:
    """The findings that do not stop a build and that the parameter file has not accepted."""
    return [f for f in findings if f.severity == "warning" and f.accepted is None]


def to_json(findings_by_file: dict[str, list[Finding]], unusable: dict[str, str]) -> str:
    """``{file: {"findings": [...]}}``, or ``{file: {"unusable": message}}`` for a file that
    could not be read or validated."""
    data: dict[str, dict] = {name: {"findings": [asdict(f) for f in found]}
                             for name, found in findings_by_file.items()}
    data.update({name: {"unusable": message} for name, message in unusable.items()})
    return json.dumps(data, ensure_ascii=False, indent=2)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def to_text(findings: list[Finding]) -> str:
    """A table for the terminal: one line per finding, its fix hint beneath."""
    if not findings:
        return "未发现问题。"
    header = ("规则", "级别", "位置", "应为", "实为")
    rows = [(f.rule, _level(f), f.location, f.expected, f.found) for f in findings]
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, w) for cell, w in zip(header, widths, strict=True)).rstrip(),
             "  ".join("─" * w for w in widths)]
    for finding, row in zip(findings, rows, strict=True):
        lines.append("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
        lines.append(f"      {finding.message}。{_note(finding)}")
    count_errors = len(errors(findings))
    accepted = sum(1 for f in findings if f.accepted is not None)
    lines.append(f"共 {count_errors} 个错误，{len(warnings(findings))} 个提醒"
                 + (f"，{accepted} 个已接受。" if accepted else "。"))
    return "\n".join(lines)


def _level(finding: Finding) -> str:
    return "已接受" if finding.accepted is not None else SEVERITY_LABELS[finding.severity]


def _note(finding: Finding) -> str:
    """The fix, or for an accepted finding the reason it was accepted."""
    return f"已接受，理由：{finding.accepted}" if finding.accepted is not None else finding.hint


def to_html(findings: list[Finding], empty: str = "本部分未发现问题。") -> Html:
    """Findings as a table for the audit version and the executed notebooks."""
    if not findings:
        return Html(f'<p class="xxgk-findings-none">{escape(empty)}</p>', empty)
    head = "".join(f"<th>{h}</th>" for h in ("规则", "级别", "位置", "应为", "实为", "说明"))
    rows = "".join(
        f'<tr class="xxgk-{"accepted" if f.accepted is not None else f.severity}"><td>{escape(f.rule)}</td>'
        f"<td>{_level(f)}</td><td>{escape(f.location)}</td><td>{escape(f.expected)}</td><td>{escape(f.found)}</td>"
        f"<td>{escape(f.message)}。{escape(_note(f))}</td></tr>"
        for f in findings)
    html = f'<table class="xxgk-findings"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
    return Html(html, to_text(findings))
