"""A report written as a parameter file: YAML laid out like ``params/2025/emin.yaml``, each value
with its Chinese label as a comment, the labels taken from the model and the format data.

What is written is read back before anyone sees it: a file that would not give the same report
is a bug of the kit, never a silent loss.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import KitError
from .format import load_format
from .model import Report, describe
from .params import Source, parse_params

INDENT = "  "


def render(report: Report, origin: str = "", header: list[str] | None = None) -> str:
    """The parameter file of ``report``; ``origin`` says in its first comment where it came from
    (or ``header`` gives the opening comment lines)."""
    data = report.model_dump(mode="python", exclude_none=True)
    data = {key: value for key, value in data.items() if value not in ({}, ())}
    lines = [*(header or ["# yaml-language-server: $schema=../../schema/xxgk-params.schema.json",
                          f"# {report.agency.name} {report.year} 年政府信息公开工作年度报告的参数，由 {origin} 导入。",
                          "# 文字段落之间空一行即分段。"]), ""]
    fmt = load_format()
    notes = {key: f"# 每{unit} {len(table.columns)} 个数，按列：" + "、".join(c.label for c in table.columns)
             for key, unit, table in (("table3", "行", fmt.table3), ("table4", "组", fmt.table4))}
    for key, value in data.items():
        if isinstance(value, (dict, list, tuple)) or _is_block(value):
            lines += ["", f"# {describe((key,))}"] if key.startswith(("table", "part", "label", "accepted")) else []
            if key in notes:
                lines.append(notes[key])
        lines += _entry(key, value, (key,), 0)
    text = "\n".join(lines) + "\n"
    _same_report(report, text)
    return text


def _same_report(report: Report, text: str) -> None:
    again = parse_params(Source(Path("import.yaml"), "import", text.encode("utf-8")))
    if again.model_dump() != report.model_dump():
        raise KitError("内部错误：导入生成的参数文件读回后与工作簿的内容不一致，未写入。请连同工作簿一起报告")


def _entry(key: str, value: Any, loc: tuple, depth: int) -> list[str]:
    pad = INDENT * depth
    label = _label(loc)
    if isinstance(value, dict):
        out = [f"{pad}{key}:"]
        for name, item in value.items():
            out += _entry(name, item, (*loc, name), depth + 1)
        return out
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], dict):
        out = [f"{pad}{key}:"]
        for index, record in enumerate(value):
            entries = [line for name, item in record.items() for line in _entry(name, item, (*loc, index, name), 0)]
            out += [f"{pad}{INDENT}- {entries[0]}", *(f"{pad}{INDENT}  {line}" if line else "" for line in entries[1:])]
        return out
    if isinstance(value, (list, tuple)):
        return [_commented(f"{pad}{key}: [{', '.join(_scalar(v) for v in value)}]", label)]
    if _is_block(value):
        lines = value.split("\n")
        return [_commented(f"{pad}{key}: |-", label), *(f"{pad}{INDENT}{line}" if line else "" for line in lines)]
    return [_commented(f"{pad}{key}: {_scalar(value)}", label)]


def _label(loc: tuple) -> str:
    if loc[0] == "table2" and len(loc) == 2:  # a row of 表二: its label and what its values are
        field = Report.model_fields["table2"].annotation.model_fields[loc[1]]  # type: ignore[union-attr]
        return field.description or field.title or ""
    return describe(loc).split(" · ", 1)[-1] if len(loc) > 1 else describe(loc)


def _commented(line: str, label: str) -> str:
    return f"{line:<36}  # {label}" if label else line


def _is_block(value: Any) -> bool:
    """Long text, when a literal block (``|-``) keeps it exactly: the block not starting with a
    space, no trailing line break or space, no carriage return."""
    return (isinstance(value, str) and ("\n" in value or len(value) > 40) and "\r" not in value
            and value == value.strip()
            and all(line == line.rstrip() for line in value.split("\n")))


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
