"""Reading a parameter file into the validated model, with every problem located at once.

A file in the plain form most files have is read by ``fastyaml`` (libyaml). Any other file, and
any file with a problem, is read with ruamel.yaml's round-trip loader because it remembers the
line of every key and list item; pydantic's error locations are mapped back to those lines and
to the Chinese labels.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import warnings
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import RoundTripConstructor, SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import LiteralScalarString

from .. import pause
from ..errors import ParamsError, Problem, printable
from ..limits import MAX_DEPTH, MAX_PARAMS_BYTES, MAX_VALUES
from ..regularfile import Refused, read_bounded
from . import fastyaml, slips
from .format import load_format
from .model import UNPUBLISHABLE, Report, annotation_at, describe, unpublishable, unwrap

if TYPE_CHECKING:
    from ..workbook.read import Tables


@dataclass(frozen=True)
class Source:
    """Where a report's parameters came from: the file, its agency slug and its bytes."""

    path: Path
    agency: str  # the file's stem, which names the output folder: params/2025/emin.yaml -> emin
    data: bytes


# An agency's file name becomes its output folder's name: one path segment of letters (汉字
# included), digits, "-" and "_", never starting with "." or "_" (kept for the kit's own folders),
# and without "." so that it can never be another agency's ``.failed`` folder or ``..``.
AGENCY_NAME = re.compile(r"[^\W_][\w-]{0,63}")


def read_source(path: str | Path) -> Source:
    """The bytes of a parameter file, read only if it is a regular file of a sensible size (a
    FIFO would block, ``/dev/zero`` would never end)."""
    path = Path(path)
    agency = agency_name(path)
    try:
        data = read_bounded(path, MAX_PARAMS_BYTES, "参数文件",
                            f"文件超过 {MAX_PARAMS_BYTES // 1024} KB，不像参数文件（一份报告的参数约 15 KB）")
    except Refused as refused:
        raise _single(path, None, refused.message) from None
    return Source(path=path, agency=agency, data=data)


def agency_name(path: Path) -> str:
    """The agency's name for its output folder: the file's stem, if it is one safe path segment."""
    if not AGENCY_NAME.fullmatch(path.stem):
        raise _single(path, None, f"文件名“{path.stem}”不能用作机关的输出文件夹名：只能由汉字、字母、"
                                  "数字、“-”和“_”组成，不含“.”，不以“_”开头，至多 64 个字符，如 emin.yaml")
    return path.stem


def previous_year_file(path: Path, year: int) -> Path | None:
    """Last year's parameter file of the same agency by the layout ``params/<year>/<agency>.yaml``."""
    if path.parent.name != str(year):
        return None
    candidate = path.parent.parent / str(year - 1) / path.name
    return candidate if candidate.is_file() else None


def load_params(path: str | Path) -> Report:
    """Read and validate one parameter file; raise ``ParamsError`` listing every problem."""
    pause.at("section")  # what every section notebook calls first, in its kernel
    return parse_params(read_source(path))


def parse_params(source: Source) -> Report:
    text = _decode(source)
    values = fastyaml.load(text)
    workbooks: dict[str, Tables] = {}  # read once, though the file may be validated twice
    if values is not None:
        try:
            # already plain values, within the limits that ``_Plain`` enforces on ruamel's tree
            return _validated(source, values, {}, workbooks)
        except (ValidationError, ParamsError):
            pass  # the round-trip reader below knows the lines to point the problems at
    tree = _read_yaml(source, text)
    plain = _Plain(source.path, tree)
    if plain.problems:
        raise ParamsError(str(source.path), plain.problems, agency=source.agency, year=_year(tree))
    try:
        return _validated(source, plain.values, tree, workbooks)
    except ValidationError as error:
        problems = _problems(source.path, tree, error.errors())
        raise ParamsError(str(source.path), problems, agency=source.agency,
                          year=_year(tree)) from None


def located(source: Source, found: list[tuple[tuple[str | int, ...], str]], year: int | None = None) -> ParamsError:
    """The error for problems a valid file's report has where it is used (``found``: each place
    in the model and the message), each at its line, key and Chinese label. A place the file does
    not write (its tables come from a workbook) is at the line that says where they come from."""
    tree = _read_yaml(source, _decode(source))
    problems = [Problem(str(source.path), _line(tree, loc) if _written_at(tree, loc) else _line(tree, ("tables",)),
                        _dotted(loc), describe(loc), message) for loc, message in found]
    return ParamsError(str(source.path), problems, agency=source.agency, year=year)


def _written_at(tree: Any, loc: tuple) -> bool:
    return isinstance(tree, dict) and loc[0] in tree


TABLE_KEYS = ("table2", "table3", "table4")


def _validated(source: Source, values: dict, tree: dict, workbooks: dict[str, Tables]) -> Report:
    """The report of ``values``, its tables read from the workbook the file names, if it does;
    the workbook's problems are named by its cells (``WorkbookError``)."""
    if "tables" not in values:
        return Report.model_validate(values)
    values = dict(values)
    name = values.pop("tables")
    given = [key for key in TABLE_KEYS if key in values]
    if given:
        raise _single(source.path, _line(tree, (given[0],)),
                      f"表格已由工作簿 {name} 提供（tables），不能再在参数文件中写 {'、'.join(given)}；请删去其一")
    key = str(name)
    if key not in workbooks:
        from ..workbook.read import Tables  # the workbook reader validates through this module

        _, data = _tables_workbook(source, name, _line(tree, ("tables",)))
        workbooks[key] = Tables(key, data)
    report = workbooks[key].report(values)
    report.note_tables_file(key, workbooks[key].reader.data)
    return report


def _tables_workbook(source: Source, name: object, line: int | None) -> tuple[Path, bytes]:
    """The workbook ``tables:`` names: a file in the parameter file's own folder (symlinks
    resolved), read only if regular and of a sensible size. A kept parameter file's workbook is
    its kept copy (``paths.TABLES_COPIES``). Kept means beside a build's manifest, as
    ``rerun.refuse_kept_copy`` decides, or, in a build's staging or ``.failed`` folder (no
    manifest yet), the copy there and the named workbook not; a user's own params.yaml reads the
    workbook it names."""
    from ..paths import MANIFEST, TABLES_COPIES
    from ..workbook.read import read_bytes

    if not (isinstance(name, str) and name.lower().endswith(".xlsx") and not re.search(r"[/\\\x00-\x1f\x7f]", name)
            and not name.startswith(".")):
        raise _single(source.path, line, "tables 应是与参数文件在同一文件夹中的工作簿（.xlsx）的文件名，如 emin.xlsx，"
                                         f"不含路径和控制字符；实际是 {printable(_show(name))}")
    folder = source.path.parent
    copy = TABLES_COPIES.get(source.path.name)
    kept = copy is not None and ((folder / MANIFEST).is_file()
                                 or ((folder / copy).exists() and not (folder / name).exists()))
    path = folder / (copy if kept and copy else name)
    if path.resolve().parent != folder.resolve():
        raise _single(source.path, line, f"tables：{name} 指向参数文件所在文件夹之外，不能使用")
    return path, read_bytes(path)


def _decode(source: Source) -> str:
    try:
        text = source.data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = source.data[: error.start].count(b"\n") + 1
        raise _single(source.path, line, "文件不是 UTF-8 编码，请另存为 UTF-8") from None
    found = odd_characters(text) or deep_brackets(text)
    problems = [Problem(str(source.path), line, "", "", message) for line, message in found]
    if problems:
        raise ParamsError(str(source.path), problems, agency=source.agency)
    return text


def odd_characters(text: str) -> list[tuple[int, str]]:
    """(line, message) for every line of ``text`` holding a character a report cannot publish:
    found before YAML reads the file, whose own messages for them are obscure."""
    if not UNPUBLISHABLE.search(text):  # the whole text at once, line by line only to place one
        return []
    return [(number, f"{odd}（常见于从网页或其他软件复制的文字）")
            for number, line in enumerate(text.split("\n"), 1) if (odd := unpublishable(line))]


_BRACKET = re.compile(r"[\[\]{}]")


def deep_brackets(text: str) -> list[tuple[int, str]]:
    """(line, message) where ``[`` and ``{`` nest deeper than ``MAX_DEPTH``: ruamel's scanner is
    quadratic in flow nesting (a 1 MB file of it took minutes to refuse), so this is found first,
    by counting, before YAML reads the file. Brackets in text count too; real text never opens
    thirty-two without closing them."""
    depth = 0
    for bracket in _BRACKET.finditer(text):
        if bracket.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, bracket.start()) + 1
                return [(line, f"方括号或花括号嵌套超过 {MAX_DEPTH} 层，不像参数文件")]
        else:
            depth = max(depth - 1, 0)
    return []


def _read_yaml(source: Source, text: str) -> dict:
    """The file's tree: a ``CommentedMap`` that knows the line of every key, or, in the rare file
    whose comments ruamel's round-trip loader cannot place (a comment between a key and its value
    on the next line makes it raise NotImplementedError), the same values without lines."""
    try:
        with warnings.catch_warnings():  # ruamel warns in English of what validation reports anyway
            warnings.simplefilter("ignore")
            try:
                tree = _yaml("rt").load(text)
            except (NotImplementedError, AssertionError):
                tree = _yaml("safe").load(text)
    except MarkedYAMLError as error:
        found = slips.syntax_slips(text, _keys())
        if found:
            raise ParamsError(str(source.path), [Problem(str(source.path), line, "", "", hint)
                                                 for line, hint in found], agency=source.agency) from None
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        what = printable(slips.yaml_problem(error.problem or error.context or "格式不正确"))
        raise _single(source.path, line,
                      f"YAML 语法错误（{what}）。请检查缩进、冒号后的空格和引号是否成对") from None
    except RecursionError:
        raise _single(source.path, None, f"嵌套层数过多（参数文件至多 {MAX_DEPTH} 层）") from None
    except (YAMLError, ValueError, TypeError) as error:
        raise _single(source.path, None, f"YAML 内容无法读取（{printable(str(error))}）") from None
    if not isinstance(tree, dict):
        raise _single(source.path, 1, "参数文件应是“键: 值”的映射，例如 year: 2025")
    return tree


class _ImpossibleDatesAsText:
    """A date that cannot exist (2026-02-30) stays text, so that validation reports it at its line
    like any other wrong value, instead of the YAML reader stopping with no place to point at.
    A number with a decimal point is read as ``Decimal`` from its text, never through a float, so
    that an amount keeps the digits it was written with (``7545.10``, ``24252.311082``)."""

    def construct_yaml_float(self, node: Any) -> Decimal:
        text = str(node.value).replace("_", "")
        special = {".inf": "Infinity", ".nan": "NaN"}.get(text.lstrip("+-").lower())
        return Decimal(text[0] + special if special and text[0] in "+-" else special or text)

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)  # type: ignore[misc]
        except ValueError:
            return node.value


# ruamel's own construct_yaml_float returns a float; ours a Decimal
class _RoundTripDates(_ImpossibleDatesAsText, RoundTripConstructor):  # type: ignore[misc]
    pass


class _SafeDates(_ImpossibleDatesAsText, SafeConstructor):  # type: ignore[misc]
    pass


for _constructor in (_RoundTripDates, _SafeDates):  # the registry holds functions, not method names
    _constructor.add_constructor("tag:yaml.org,2002:timestamp", _constructor.construct_yaml_timestamp)
    _constructor.add_constructor("tag:yaml.org,2002:float", _constructor.construct_yaml_float)


def _yaml(kind: str) -> YAML:
    reader = YAML(typ=kind, pure=True)
    reader.Constructor = _RoundTripDates if kind == "rt" else _SafeDates
    return reader


def _single(path: Path, line: int | None, message: str) -> ParamsError:
    return ParamsError(str(path), [Problem(str(path), line, "", "", message)], agency=path.stem)


def _year(tree: dict) -> int | None:
    year = tree.get("year")
    return year if isinstance(year, int) and not isinstance(year, bool) and 2008 <= year <= 2100 else None


def plain(tree: Any) -> Any:
    """The plain Python values of a YAML tree, as validation sees them."""
    return _Plain(Path(), tree).values


_UNTYPED: dict[type, str] = {bytes: "二进制数据（!!binary）", set: "集合（!!set）"}


class _Plain:
    """A YAML tree as the plain Python values pydantic's strict mode wants (``values``), with a
    problem for every value a parameter file has no use for (``problems``): a tagged value such as
    ``!!binary`` or ``!!python/name``, a set; and a stop where aliases expand beyond ``MAX_VALUES``
    or nesting goes deeper than ``MAX_DEPTH``."""

    def __init__(self, path: Path, tree: Any):
        self.path, self.tree = path, tree
        self.problems: list[Problem] = []
        self.count = 0
        self.values = self._convert(tree, ())

    def _convert(self, node: Any, loc: tuple) -> Any:
        self.count += 1
        if self.count > MAX_VALUES or len(loc) > MAX_DEPTH:
            limit = (f"展开别名（*…）后超过 {MAX_VALUES} 个值" if self.count > MAX_VALUES
                     else f"嵌套超过 {MAX_DEPTH} 层")
            raise _single(self.path, _line(self.tree, loc), f"{limit}，不像参数文件")
        tag = getattr(getattr(node, "tag", None), "value", None)
        if isinstance(node, TaggedScalar) and tag == "tag:yaml.org,2002:str":
            return str(node.value)
        if tag is not None or not isinstance(node, (dict, list, str, int, Decimal, dt.date, type(None))):
            self._refuse(node, tag, loc)
            return None
        if isinstance(node, dict):
            return {str(key): self._convert(value, (*loc, str(key))) for key, value in node.items()}
        if isinstance(node, list):
            return [self._convert(item, (*loc, index)) for index, item in enumerate(node)]
        if isinstance(node, bool):
            return bool(node)
        if isinstance(node, int):
            return int(node)
        if isinstance(node, str):
            return str(node)
        return node

    def _refuse(self, node: Any, tag: str | None, loc: tuple) -> None:
        if tag:
            what = f" YAML 标签 {printable(tag.replace('tag:yaml.org,2002:', '!!'))}"
        else:
            what = _UNTYPED.get(type(node), f" {type(node).__name__} 类型的值")
        self.problems.append(Problem(str(self.path), _line(self.tree, loc), _dotted(loc), describe(loc),
                                     f"参数文件不使用{what}，请写成普通的文字或数字"))


def _problems(path: Path, tree: dict, errors: list[ErrorDetails]) -> list[Problem]:
    """A problem for each validation error, except a row's wrong length where one of its values
    is a keyboard slip (``[0，0, 0]`` is one text and fewer values: the slip is the problem)."""
    slipped = {tuple(e["loc"][:-1]) for e in errors
               if isinstance(e.get("input"), str) and slips.number_hint(e["input"])}
    problems = [_problem(path, tree, error) for error in errors
                if not (_is_length(error) and _row(error) in slipped)]
    return list(dict.fromkeys(problems))  # a row two values short is missing [5] and [6]: one problem


def _is_length(error: ErrorDetails) -> bool:
    return error["type"] in ("too_short", "too_long") or (error["type"] == "missing"
                                                          and isinstance(error["loc"][-1], int))


def _row(error: ErrorDetails) -> tuple:
    loc = tuple(error["loc"])
    return loc[:-1] if error["type"] == "missing" else loc


@cache
def _keys() -> frozenset[str]:
    """Every key a parameter file may have, at any level."""
    keys: set[str] = set()
    models: list[Any] = [Report]
    while models:
        model = models.pop()
        for name, field in model.model_fields.items():
            keys.add(name)
            inner, _ = unwrap(field.annotation)
            for candidate in (inner, *get_args(inner)):
                candidate, _ = unwrap(candidate)
                if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                    models.append(candidate)
    return frozenset(keys)


def _problem(path: Path, tree: dict, error: ErrorDetails) -> Problem:
    loc = _row(error) if _is_length(error) else tuple(error["loc"])  # a row's length: the row
    return Problem(
        file=str(path),
        line=_line_within(tree, loc, error.get("ctx", {}).get("offset")),
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
            break
    if line is None and isinstance(node, (CommentedMap, CommentedSeq)):
        line = node.lc.line + 1  # the place is the mapping itself (a tag on the whole document)
    return line


def _line_within(tree: dict, loc: tuple, offset: int | None) -> int | None:
    """The line of ``loc``; inside a literal block (``text: |-``), the line of the character at
    ``offset`` of its text, where the block's lines are the file's."""
    line = _line(tree, loc)
    node: Any = tree
    for item in loc:
        try:
            node = node[item]
        except (KeyError, IndexError, TypeError):
            return line
    if line is not None and offset is not None and isinstance(node, LiteralScalarString):
        return line + 1 + node[:offset].count("\n")
    return line


def explain(error: ErrorDetails) -> tuple[tuple, str]:
    """Where a validation error is (a row's wrong length: the row) and what it says, in Chinese,
    for readers of other sources than YAML files (a workbook)."""
    loc = _row(error) if _is_length(error) else tuple(error["loc"])
    return loc, _message(error, loc)


def _message(error: ErrorDetails, loc: tuple) -> str:
    kind = error["type"]
    ctx = error.get("ctx", {})
    found = error.get("input")
    if _is_length(error):
        return _wrong_length(error, loc)
    if kind == "missing":
        return "缺少此项（必填）"
    if kind.startswith("text_"):  # the model's own messages, in Chinese already
        return error["msg"]
    if kind == "extra_forbidden":
        return _unknown_key(loc)
    if isinstance(found, str) and kind.split("_")[0] in ("int", "decimal") and (hint := slips.number_hint(found)):
        return f"{'应为整数' if kind.startswith('int') else '应为数字'}：{hint}"
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
    if kind == "string_unicode":  # a lone surrogate, written as an escape in quotes
        return unpublishable(str(found)) or "含有无法显示的字符，请删除它"
    if kind == "string_too_short":
        return "不能为空"
    if kind == "string_pattern_mismatch":
        return f"格式不对，实际是 {_show(found)}（{_field_description(loc) or '请对照说明'}）"
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
        listing = "、".join(columns)
        if not _has_total_column(loc[0]):
            return f"应有 {len(columns)} 个数，按列为：{listing}；实际有 {count} 个"
        if count == len(columns) - 1:
            return (f"这一行只有 {count} 个数，少了一个：应有 {len(columns)} 个，按列为：{listing}。"
                    f"本表其他行写了总计；总计只能整列省略（每一行都只写前 {count} 个数）")
        return (f"应有 {len(columns)} 个数，按列为：{listing}；实际有 {count} 个"
                f"（总计可以整列省略，由工具计算，这时每行 {len(columns) - 1} 个数）")
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
