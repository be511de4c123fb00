"""Reading a parameter file into the validated model, with every problem located at once.

A file in the plain form most files have is read by ``fastyaml`` (libyaml). Any other file, and
any file with a problem, is read with ruamel.yaml's round-trip loader because it remembers the
line of every key and list item; pydantic's error locations are mapped back to those lines and
to the Chinese labels.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from . import fastyaml
from .errors import ParamsError, Problem
from .format import load_format
from .model import Report, annotation_at, describe, unwrap


@dataclass(frozen=True)
class Source:
    """Where a report's parameters came from: the file, its agency slug and its bytes."""

    path: Path
    agency: str  # the file's stem, which names the output folder: params/2025/emin.yaml -> emin
    data: bytes


def read_source(path: str | Path) -> Source:
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _single(path, None, "找不到参数文件，请检查路径和文件名") from None
    except IsADirectoryError:
        raise _single(path, None, "这是一个文件夹，不是参数文件（.yaml）") from None
    except OSError as error:
        raise _single(path, None, f"无法读取参数文件：{error.strerror}") from None
    return Source(path=path, agency=path.stem, data=data)


def previous_year_file(path: Path, year: int) -> Path | None:
    """Last year's parameter file of the same agency by the layout ``params/<year>/<agency>.yaml``."""
    if path.parent.name != str(year):
        return None
    candidate = path.parent.parent / str(year - 1) / path.name
    return candidate if candidate.is_file() else None


def load_params(path: str | Path) -> Report:
    """Read and validate one parameter file; raise ``ParamsError`` listing every problem."""
    return parse_params(read_source(path))


def parse_params(source: Source) -> Report:
    text = _decode(source)
    values = fastyaml.load(text)
    if values is not None:
        try:
            return Report.model_validate(_plain(values))
        except ValidationError:
            pass  # the round-trip reader below knows the lines to point the problems at
    tree = _read_yaml(source, text)
    try:
        return Report.model_validate(_plain(tree))
    except ValidationError as error:
        problems = [_problem(source.path, tree, item) for item in error.errors()]
        raise ParamsError(str(source.path), problems, agency=source.agency,
                          year=_year(tree)) from None


def _decode(source: Source) -> str:
    try:
        return source.data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = source.data[: error.start].count(b"\n") + 1
        raise _single(source.path, line, "文件不是 UTF-8 编码，请另存为 UTF-8") from None


def _read_yaml(source: Source, text: str) -> dict:
    """The file's tree: a ``CommentedMap`` that knows the line of every key, or, in the rare file
    whose comments ruamel's round-trip loader cannot place (a comment between a key and its value
    on the next line makes it raise NotImplementedError), the same values without lines."""
    try:
        try:
            tree = YAML(typ="rt").load(text)
        except (NotImplementedError, AssertionError):
            tree = YAML(typ="safe", pure=True).load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        what = error.problem or error.context or "格式不正确"
        raise _single(source.path, line,
                      f"YAML 语法错误（{what}）。请检查缩进、冒号后的空格和引号是否成对") from None
    if not isinstance(tree, dict):
        raise _single(source.path, 1, "参数文件应是“键: 值”的映射，例如 year: 2025")
    return tree


def _single(path: Path, line: int | None, message: str) -> ParamsError:
    return ParamsError(str(path), [Problem(str(path), line, "", "", message)], agency=path.stem)


def _year(tree: dict) -> int | None:
    year = tree.get("year")
    return year if isinstance(year, int) else None


def _plain(node: Any) -> Any:
    """Round-trip YAML nodes as plain Python values (pydantic's strict mode wants exact types)."""
    if isinstance(node, dict):
        return {str(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        # repr keeps what was written (709.48), where Decimal(float) would not
        return Decimal(repr(float(node)))
    if isinstance(node, str):
        return str(node)
    return node


def _problem(path: Path, tree: dict, error: ErrorDetails) -> Problem:
    loc = tuple(error["loc"])
    return Problem(
        file=str(path),
        line=_line(tree, loc),
        key=_dotted(loc),
        label=describe(loc),
        message=_message(error, loc),
    )


def _dotted(loc: tuple) -> str:
    text = ""
    for item in loc:
        text += f"[{item}]" if isinstance(item, int) else (f".{item}" if text else str(item))
    return text


def _line(tree: dict, loc: tuple) -> int | None:
    """The 1-based line of the deepest part of ``loc`` that exists in the file."""
    node: Any = tree
    line = None
    for item in loc:
        if isinstance(node, CommentedMap) and item in node:
            line = node.lc.key(item)[0] + 1
            node = node[item]
        elif isinstance(node, CommentedSeq) and isinstance(item, int) and item < len(node):
            line = node.lc.item(item)[0] + 1
            node = node[item]
        else:
            if line is None and isinstance(node, (CommentedMap, CommentedSeq)):
                line = node.lc.line + 1
            break
    return line


def _message(error: ErrorDetails, loc: tuple) -> str:
    kind = error["type"]
    ctx = error.get("ctx", {})
    found = error.get("input")
    if kind == "missing" and isinstance(loc[-1], int):
        return _wrong_length(error, loc[:-1])
    if kind == "missing":
        return "缺少此项（必填）"
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"应为整数，实际是 {_show(found)}"
    if kind == "greater_than_equal":
        floor = "不能为负数" if ctx.get("ge") == 0 else f"应不小于 {ctx.get('ge')}"
        return f"{floor}，实际是 {_show(found)}"
    if kind == "less_than_equal":
        return f"应不大于 {ctx.get('le')}，实际是 {_show(found)}"
    if kind in ("decimal_type", "decimal_parsing", "finite_number"):
        return f"应为数字，实际是 {_show(found)}"
    if kind in ("string_type",):
        return f"应为文字，实际是 {_show(found)}"
    if kind == "string_too_short":
        return "不能为空"
    if kind == "string_pattern_mismatch":
        return f"格式不对，实际是 {_show(found)}（{_field_description(loc) or '请对照说明'}）"
    if kind in ("too_short", "too_long"):
        return _wrong_length(error, loc)
    if kind in ("tuple_type", "list_type"):
        return f"应为列表，例如 [0, 0, 0]，实际是 {_show(found)}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"应为“键: 值”的映射（下一级缩进书写），实际是 {_show(found)}"
    if kind.startswith("date"):
        return f"应为日期，格式 2026-01-15，实际是 {_show(found)}"
    if kind == "literal_error":
        return f"应为以下之一：{ctx.get('expected')}，实际是 {_show(found)}"
    return f"{error['msg']}（实际是 {_show(found)}）"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "一个映射"
    if isinstance(value, list):
        return f"{len(value)} 项的列表"
    if value is None:
        return "空值"
    text = str(value) if not isinstance(value, str) else f"“{value}”"
    return text if len(text) <= 40 else text[:37] + "…"


def _wrong_length(error: ErrorDetails, loc: tuple) -> str:
    annotation = annotation_at(loc)
    found = error.get("input")  # for a missing tuple item pydantic gives the whole tuple
    count = len(found) if isinstance(found, (list, tuple)) else "?"
    if get_origin(annotation) is tuple and Ellipsis not in get_args(annotation):
        columns = [unwrap(arg)[1] or "?" for arg in get_args(annotation)]
        optional = "（最后的总计可以省略，由工具计算）" if _has_total_column(loc[0]) else ""
        return f"应有 {len(columns)} 个数{optional}，按列为：{'、'.join(columns)}；实际有 {count} 个"
    ctx = error.get("ctx", {})
    bound = ctx.get("min_length") if error["type"] == "too_short" else ctx.get("max_length")
    return f"项数不对：{'至少' if error['type'] == 'too_short' else '至多'} {bound} 项，实际有 {count} 项"


def _has_total_column(table: str | int) -> bool:
    return hasattr(getattr(load_format(), str(table), None), "total_column")


def _field_description(loc: tuple) -> str | None:
    parent = annotation_at(loc[:-1])
    if isinstance(parent, type) and issubclass(parent, BaseModel):
        field = parent.model_fields.get(loc[-1])
        return field.description if field else None
    return None


def _unknown_key(loc: tuple) -> str:
    parent = annotation_at(loc[:-1])
    known = list(parent.model_fields) if isinstance(parent, type) and issubclass(parent, BaseModel) else []
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    hint = f"是否想写 {close[0]}？" if close else ""
    listing = "、".join(known) if len(known) <= 12 else "、".join(known[:12]) + " …"
    return f"不认识的键 {loc[-1]}。{hint}此处可用的键：{listing}"
