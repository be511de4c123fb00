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

from ..errors import KitError
from .format import load_format
from .model import Report, describe
from .params import Source, parse_params

INDENT = "  "


def render(report: Report, origin: str = "", head: list[str] | None = None) -> str:
    """The parameter file of ``report``; ``origin`` says in its first comment where it came from
    (or ``head`` gives those opening comment lines)."""
    data = _given(report.model_dump(mode="python"), ())
    head = head or [f"# {report.agency.name} {report.year} 年政府信息公开工作年度报告的参数，由 {origin} 导入。"]
    text = _text(head, data)
    _same_report(report, text)
    return text


def render_partial(data: dict[str, Any], origin: str, missing: tuple[str, ...]) -> str:
    """What an import found of a report lacking required fields, laid out as ``render`` does,
    with the missing fields named at the top; it cannot be validated until they are filled in."""
    head = [f"# 由 {origin} 导入的部分内容：报告中找不到以下必填内容，补齐后才能校验和生成。",
            *(f"#   缺少：{name}" for name in missing)]
    return _text(head, data)


def _text(head: list[str], data: dict[str, Any]) -> str:
    lines = ["# yaml-language-server: $schema=../../schema/xxgk-params.schema.json", *head,
             "# 文字段落之间空一行即分段。", ""]
    fmt = load_format()
    notes = {key: f"# 每{unit} {len(table.columns)} 个数，按列：" + "、".join(c.label for c in table.columns)
             for key, unit, table in (("table3", "行", fmt.table3), ("table4", "组", fmt.table4))}
    for key, value in data.items():
        if isinstance(value, (dict, list, tuple)) or _is_block(value):
            lines += ["", f"# {describe((key,))}"] if key.startswith(("table", "part", "label", "accepted")) else []
            if key in notes:
                lines.append(notes[key])
        lines += _entry(key, value, (key,), 0)
    return "\n".join(lines) + "\n"


def _given(value: Any, loc: tuple) -> Any:
    """What the file writes: fields left out (None) and empty mappings and lists dropped, except
    a table cell, whose None is a blank as published (``~``), which a row writes in its place."""
    if isinstance(value, dict):
        kept = {key: _given(item, (*loc, key)) for key, item in value.items()
                if item is not None or _is_cell((*loc, key))}
        return {key: item for key, item in kept.items() if item not in ({}, ())}
    return value


def _is_cell(loc: tuple) -> bool:
    """A value of 表二 (a row of one value is that value itself), not the amounts' settings."""
    return len(loc) == 2 and loc[0] == "table2" and loc[1] != "amount_decimals"


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
    if value is None:  # a cell published blank
        return "~"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
