"""The validated model of one agency's report for one year: a strict, frozen pydantic model.

The table parts of the model are generated from the format data, so row and column keys and
their Chinese labels exist in one place only. ``describe(loc)`` turns a validation location into
the Chinese label a statistician recognises.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    create_model,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import InitErrorDetails, PydanticCustomError

from ..limits import MAX_AMOUNT, MAX_COUNT
from . import references
from .format import Label, RowGroup, Table3Row, load_format

SCHEMA_ID = "xxgk-params.schema.json"


class Strict(BaseModel):
    # numbers written where text is expected (邮编 834600) are fine; unknown keys never are
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


# A table cell is a number or None: blank as published (a blank, "/" or "—" cell), which is not
# 0; rule X4 reports it, and nothing is ever computed from it.
def _count(title: str) -> Any:
    return Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT, title=title)] | None


def _amount(title: str) -> Any:
    return Annotated[Decimal, Field(ge=0, le=MAX_AMOUNT, allow_inf_nan=False, title=title)] | None


# Characters that have no place in a published report and that break its outputs or a terminal:
# control characters (NUL, ESC, vertical tab …; tab and line breaks are fine), the Unicode line
# and paragraph separators, a byte order mark inside the text, private-use characters (no font
# has them, and the kit marks merged table cells with one), noncharacters and lone surrogates.
UNPUBLISHABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ue000-\uf8ff"
                           "\ufdd0-\ufdef\ufffe\uffff\ud800-\udfff]")
_KINDS = {"Cc": "控制字符", "Co": "私用区字符", "Cs": "代理字符", "Zl": "行分隔符", "Zp": "段分隔符",
          "Cn": "非字符", "Cf": "格式字符"}


def unpublishable(text: str) -> str | None:
    """What is wrong with the first character of ``text`` a report cannot publish, named by its
    code (``U+001B（控制字符）``), never shown as itself; None when there is none."""
    odd = UNPUBLISHABLE.search(text)
    if odd is None:
        return None
    kind = _KINDS.get(unicodedata.category(odd.group()), "特殊字符")
    return f"第 {odd.start() + 1} 个字符是不可见或无法显示的字符 U+{ord(odd.group()):04X}（{kind}），请删除它"


def _publishable(text: str) -> str:
    if not text.strip():
        raise PydanticCustomError("text_blank", "不能只有空白，请填写内容")
    problem = unpublishable(text)
    if problem:
        raise PydanticCustomError("text_character", problem)
    return text


Text = Annotated[str, Field(min_length=1), AfterValidator(_publishable)]


def _references_name_cells(text: str) -> str:
    found = references.problems(text)
    if found:
        offset, _ = found[0]
        raise PydanticCustomError("text_reference", "；".join(message for _, message in found),
                                  {"offset": offset})
    return text


# narrative: text that may write its figures as references to the tables ({表三.新收})
Narrative = Annotated[Text, AfterValidator(_references_name_cells)]
_NARRATIVE = "空行分段；数字可写成对表格的引用，如 {表三.新收}、{表三.予以公开+部分公开 占 总计}"

_FORMAT = load_format()
_VARIANTS = _FORMAT.variant_labels()


def _table2_model() -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for block in _FORMAT.table2.blocks:
        for row in block.rows:
            cells = [(_amount if v.kind == "amount" else _count)(v.label) for v in block.values]
            annotation = cells[0] if len(cells) == 1 else tuple.__class_getitem__(tuple(cells))
            labels = "、".join(v.label for v in block.values)
            fields[row.key] = (annotation, Field(
                title=row.label, description=f"{block.header} {row.label}：{labels}"))
    fields["amount_decimals"] = (int | None, Field(
        None, ge=0, le=6, title="金额小数位数",
        description="万元金额打印的小数位数（如 2）；省略时金额按所写的样子打印"))
    return create_model("Table2", __base__=Strict, **fields)


def _counts_model(name: str, columns, row_titles: dict[str, str], base: type[BaseModel] = Strict,
                  optional: frozenset[str] = frozenset()) -> type[BaseModel]:
    """A table whose rows are all counts in the same columns (表三, 表四); the ``optional`` rows
    may be left out (a group's rows, when its one row is given)."""
    row_type = tuple.__class_getitem__(tuple(_count(c.label) for c in columns))
    listing = "、".join(c.label for c in columns)
    fields: dict[str, Any] = {
        key: ((row_type | None, Field(None, title=title, description=f"按列：{listing}")) if key in optional
              else (row_type, Field(title=title, description=f"按列：{listing}")))
        for key, title in row_titles.items()}
    return create_model(name, __base__=base, **fields)


class _Table3Rows(Strict):
    """表三's rows: each group of the format (（六）其他处理) given either as its rows or as one row
    of the group's key (``r6``) standing for their sum, as some reports publish it; never both."""

    @model_validator(mode="wrap")
    @classmethod
    def _groups_whole_or_one_row(cls, data: Any, handler):
        problems = _group_problems(data) if isinstance(data, dict) else []
        try:
            table = handler(data)
        except ValidationError as error:
            if not problems:
                raise
            raise ValidationError.from_exception_data(error.title, [*_again(error), *problems]) from None
        if problems:
            raise ValidationError.from_exception_data(cls.__name__, problems)
        return table


def _group_problems(rows: dict) -> list[InitErrorDetails]:
    problems: list[InitErrorDetails] = []
    for group in _FORMAT.table3.collapsible.values():
        given = [key for key in group.rows if rows.get(key) is not None]
        if rows.get(group.key) is not None:
            problems += [InitErrorDetails(type=PydanticCustomError(
                "text_group_mixed",
                "{group}已写成一行合计（{key}），不能再写其中的“{row}”：请只保留合计行，或删去合计行、逐行填写",
                {"group": group.label, "key": group.key, "row": _FORMAT.table3.row(key).label}),
                loc=(key,), input=rows[key]) for key in given]
        else:
            problems += [InitErrorDetails(type=PydanticCustomError(
                "text_row_missing", "缺少此项（必填）；报告中{group}只有一行合计时，写 {key}: [...] 代替它的各行",
                {"group": group.label, "key": group.key}), loc=(key,), input=rows)
                for key in group.rows if key not in given]
    return problems


def _again(error: ValidationError) -> list[InitErrorDetails]:
    """The errors pydantic found, to raise again together with ours (all are of its own kinds)."""
    again: list[InitErrorDetails] = []
    for e in error.errors():
        detail = InitErrorDetails(type=e["type"], loc=e["loc"], input=e["input"])
        if "ctx" in e:
            detail["ctx"] = e["ctx"]
        again.append(detail)
    return again


def _variants(labels: dict[str, str]) -> dict[str, Any]:
    return {key: (Text | None, Field(None, title=f"{label} 的本机关措辞")) for key, label in labels.items()}


def _label_variants_model() -> type[BaseModel]:
    """Row and group labels by their keys; headings and column labels in a map per place."""
    rows: list[Label | Table3Row] = [*(row for _, row in _FORMAT.table2.rows())]
    rows += [row for row in _FORMAT.table3.rows]
    fields = _variants({row.key: row.label for row in rows} | {g.key: g.label for g in _FORMAT.table3.groups})
    for where, official in _VARIANTS.items():
        place = "各部分标题" if where == "parts" else f"{getattr(_FORMAT, where).name}表头"
        nested = create_model(f"{where.title()}Variants", __base__=Strict, **_variants(official))
        fields[where] = (nested | None, Field(None, title=f"{place}的本机关措辞"))
    return create_model("LabelVariants", __base__=Strict, **fields)


def _table3_titles() -> dict[str, str]:
    """表三's row keys with their labels, each group's own key before its first row."""
    titles: dict[str, str] = {}
    for key, path in _FORMAT.table3.full_labels().items():
        group = _FORMAT.table3.group_of(key)
        if group is not None and group.key not in titles:
            titles[group.key] = " › ".join((*path[:-1], "（合计一行）"))
        titles[key] = " › ".join(path)
    return titles


if TYPE_CHECKING:  # built from the format data at import, so their fields are unknown to a type checker
    Table2: TypeAlias = Any
    Table3: TypeAlias = Any
    Table4: TypeAlias = Any
    LabelVariants: TypeAlias = Any
else:
    Table2 = _table2_model()
    Table3 = _counts_model("Table3", _FORMAT.table3.columns, _table3_titles(), _Table3Rows,
                           frozenset(key for group in _FORMAT.table3.collapsible.values()
                                     for key in (group.key, *group.rows)))
    Table4 = _counts_model("Table4", _FORMAT.table4.columns,
                           {g.key: " › ".join(filter(None, (g.parent, g.label))) for g in _FORMAT.table4.groups})
    LabelVariants = _label_variants_model()


class Agency(Strict):
    name: Text = Field(title="发布机关", description="发布报告的机关全称，也用于落款，如 额敏县人民政府办公室")
    subject: Text = Field(title="报告主体", description="报告标题中的名称，如 额敏县")
    kind: Literal["government", "department"] = Field(
        title="机关类型",
        description="government：县级以上地方人民政府（3月31日前公布）；department：政府部门（1月31日前公布）")


class Contact(Strict):
    office: Text = Field(title="联系机关")
    address: Text = Field(title="地址")
    postcode: Annotated[str, Field(pattern=r"^[0-9]{6}$")] = Field(title="邮编", description="6 位数字")
    phone: Text = Field(title="电话")
    fax: Text | None = Field(None, title="传真")


class Subsection(Strict):
    title: Text = Field(title="小标题", description="不含编号，如 主动公开方面；编号（一）（二）…自动加上")
    text: Narrative = Field(title="正文", description=_NARRATIVE)


class Part1(Strict):
    overview: Narrative = Field(title="总体情况导语", description=_NARRATIVE)
    subsections: tuple[Subsection, ...] = Field(
        min_length=1, max_length=len(_FORMAT.subsection_numbers), title="分项情况",
        description="通常为：" + "、".join(_FORMAT.part1_subsections))


class Acceptance(Strict):
    """A finding the agency accepts, with its reason: it no longer stops the build, and the audit
    version and the manifest list it with that reason."""

    rule: Literal[tuple(r.id for r in _FORMAT.rules)] = Field(  # type: ignore[valid-type]
        title="规则", description="校验规则的编号，如 X3")
    where: Text | None = Field(None, title="位置", description="校验结果“位置”中的文字，如 依申请公开方面")
    text: Text | None = Field(
        None, title="内容", description="校验结果说明中的文字；“…”表示中间省略，如 备案…134件")
    reason: Text = Field(title="理由", description="为什么这不是错误，如 134件是向上级备案的件数，不是申请数")


class Report(Strict):
    """Everything one agency's report for one year says."""

    model_config = ConfigDict(
        title="政府信息公开工作年度报告参数", json_schema_extra={"$id": SCHEMA_ID})

    format: Literal["2021"] = Field("2021", title="报告格式", description=_FORMAT.source)
    year: int = Field(strict=True, ge=2008, le=2100, title="报告年度")
    agency: Agency = Field(title="机关")
    title: Text | None = Field(
        None, title="报告标题", description="省略时为“{报告主体}{年度}年政府信息公开工作年度报告”")
    published: dt.date | None = Field(
        None, title="成文日期", description="落款日期，格式 2026-01-15；写了才印落款（发布机关和日期）")
    signature: Text | None = Field(
        None, title="落款机关",
        description="落款处署名，与发布机关不同时填写；省略时用发布机关名称（只在写了成文日期时印落款）")
    contact: Contact | None = Field(
        None, title="联系方式", description="写了才在报告末尾印出；正文已写明联系方式时不再重复")
    introduction: Narrative = Field(title="引言", description="报告开头的说明段落。" + _NARRATIVE)
    part1: Part1 = Field(title=_FORMAT.part("overview").heading)
    label_variants: LabelVariants = Field(
        default_factory=LabelVariants, title="措辞差异",
        description="本机关报告与统一格式措辞不同的标题、表头和行名，如 normative_documents: 规范性文件；"
                    "表头写在 parts、table2、table3、table4 之下，如 table3: {natural: 公民}")
    table2: Table2 = Field(title=_FORMAT.table2.name)
    table3: Table3 = Field(title=_FORMAT.table3.name)
    table4: Table4 = Field(title=_FORMAT.table4.name)
    part5: Narrative = Field(title=_FORMAT.part("problems").heading, description=_NARRATIVE)
    part6: Narrative = Field(title=_FORMAT.part("other").heading, description=_NARRATIVE)
    accepted: tuple[Acceptance, ...] = Field(
        (), title="接受的校验结果", description="确认无误、不需改正的校验结果，各附理由")

    # the totals the parameter file left out and the kit computed, as Chinese locations
    _computed_totals: tuple[str, ...] = PrivateAttr(default=())
    # (the name the file gives, its bytes) of the workbook the tables were read from
    _tables_file: tuple[str, bytes] | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _fill_in_totals(cls, data: Any, handler):
        computed: list[str] = []
        if isinstance(data, dict):
            data = fill_totals(data, computed)
        report = handler(data)
        report._computed_totals = tuple(computed)
        return report

    @model_validator(mode="after")
    def _references_have_figures(self):
        """A reference to a blank cell (or to one row of a group given as one row) has no figure
        to print: an error at the reference, never "None" or a number made up in the report."""
        problems = []
        for loc, text in self.narrative():
            for match in references.REFERENCE.finditer(text):
                try:
                    references.shown(references.parse(match.group(1)), self)
                except references.ReferenceError as error:
                    problems.append(InitErrorDetails(
                        type=PydanticCustomError("text_reference", "{problem}",
                                                 {"problem": str(error), "offset": match.start()}),
                        loc=loc, input=text))
        if problems:
            raise ValidationError.from_exception_data(type(self).__name__, problems)
        return self

    def narrative(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Every text that may hold references, with its place in the model."""
        return [(("introduction",), self.introduction), (("part1", "overview"), self.part1.overview),
                *((("part1", "subsections", index, "text"), sub.text)
                  for index, sub in enumerate(self.part1.subsections)),
                (("part5",), self.part5), (("part6",), self.part6)]

    @classmethod
    def restored(cls, data: Any, computed_totals: Iterable[str]) -> Report:
        """A report kept as data: ``data`` holds its totals filled in, so validating it again would
        not know which ones the parameter file left out; ``computed_totals`` says."""
        report = cls.model_validate(data)
        report._computed_totals = tuple(computed_totals)
        return report

    def note_tables_file(self, name: str, data: bytes) -> None:
        """Records the workbook the tables were read from: the name the file gives, its bytes as read."""
        self._tables_file = (name, data)

    @property
    def computed_totals(self) -> tuple[str, ...]:
        return self._computed_totals

    @property
    def tables_file(self) -> tuple[str, bytes] | None:
        """The workbook the tables came from (``tables: emin.xlsx``): its name and bytes as read."""
        return self._tables_file

    @property
    def display_title(self) -> str:
        return self.title or _FORMAT.title.format(subject=self.agency.subject, year=self.year)

    def label(self, row_key: str, official: str) -> str:
        """The row label this report prints: the agency's own wording where it declared one."""
        return getattr(self.label_variants, row_key) or official

    @property
    def collapsed(self) -> tuple[RowGroup, ...]:
        """The groups of 表三 this report gives as one row each (（六）其他处理 as ``r6``)."""
        return tuple(group for key, group in _FORMAT.table3.collapsible.items()
                     if getattr(self.table3, key) is not None)

    def wording(self, where: str, key: str) -> str:
        """A heading or column label as this report prints it: ``wording("table3", "natural")``;
        ``where`` is ``parts``, ``table2``, ``table3`` or ``table4``."""
        return getattr(getattr(self.label_variants, where), key, None) or _VARIANTS[where][key]


def json_schema() -> dict:
    """The parameter file's JSON Schema; totals may be left out there, as the loader computes them."""
    schema = Report.model_json_schema()
    for name, table in (("Table3", _FORMAT.table3), ("Table4", _FORMAT.table4)):
        definition = schema["$defs"][name]
        for row in definition["properties"].values():
            array = next(option for option in row.get("anyOf", [row]) if option.get("type") == "array")
            array["minItems"] = len(table.columns) - 1
            row["description"] += "；总计可以整列省略（每行都不写），由工具计算"
        if name == "Table3":
            definition["required"].remove(_FORMAT.table3.total_row)
            # each group either as its rows or as its one row, never both
            definition["allOf"] = [
                {"oneOf": [{"required": list(group.rows), "not": {"required": [group.key]}},
                           {"required": [group.key], "not": {"anyOf": [{"required": [r]} for r in group.rows]}}]}
                for group in _FORMAT.table3.collapsible.values()]
    # the three tables may come from a fill-in workbook instead (read by params, not the model)
    tables = ("table2", "table3", "table4")
    schema["properties"]["tables"] = {
        "type": "string", "pattern": r"^[^/\\.][^/\\]*\.xlsx$", "title": "表格工作簿",
        "description": "表二、表三、表四改从这个工作簿（xxgk workbook 生成、填好的 .xlsx，"
                       "与参数文件在同一文件夹）读取，这时参数文件不写 table2、table3、table4"}
    schema["required"] = [key for key in schema["required"] if key not in tables]
    schema["oneOf"] = [{"required": ["tables"], "not": {"anyOf": [{"required": [t]} for t in tables]}},
                       {"required": list(tables), "not": {"required": ["tables"]}}]
    return schema


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def fill_totals(data: dict, computed: list[str]) -> dict:
    """``data`` with the totals it leaves out computed from the detail cells, following the
    reconciliation rules that define a total (T3-B, T3-C, T4): the total row, and the total
    column when no row of the table gives it; each computed place is appended to ``computed``.
    Given totals are never overwritten: where they disagree with the details, those same rules
    report it. A total over a blank cell is blank, never a number computed from the others, and
    is not among the computed places."""
    data = dict(data)
    # row totals first: a total row can only be summed from complete rows
    for check in sorted((r.check for r in _FORMAT.rules if r.check), key=lambda c: c.per != "row"):
        if len(check.stated) != 1 or not isinstance(data.get(check.table), dict):
            continue
        table = getattr(_FORMAT, check.table)
        rows = dict(data[check.table])
        given = given_rows(check.table, rows)
        if check.per == "row" and not _gives_total_column(given, len(check.parts)):
            # the last value of each row: computed only when the whole column is left out, as a
            # row of six among rows of seven has lost a number, not its total
            for key, values in given.items():
                if _is_details(values, len(check.parts)):
                    rows[key] = [*values, _total(values)]
                    if rows[key][-1] is not None:
                        computed.append(f"{table.name} · {row_label(check.table, key)} · {table.columns[-1].label}")
        elif check.per == "column" and check.stated[0] not in rows:
            details = sum_terms(check.table, rows, check.parts)
            if all(_is_details(v, len(table.columns)) for v in details):
                totals = [_total(column) for column in zip(*details, strict=True)]
                rows[check.stated[0]] = totals
                label = f"{table.name} · {row_label(check.table, check.stated[0])}"
                # a cell summed over a blank is blank, not computed: only the others are listed
                computed += ([f"{label} 行"] if None not in totals else
                             [f"{label} · {column.label}" for column, total in zip(table.columns, totals, strict=True)
                              if total is not None])
        data[check.table] = rows
    return data


def given_rows(table: str, rows: Any) -> dict[str, Any]:
    """The rows of 表三 or 表四 (a mapping or the model's table) a report gives, in the format's
    order, a group given as one row (``r6``) in the place of its rows."""
    rows = dict(rows)
    given: dict[str, Any] = {}
    for key in _FORMAT.row_names(table):
        group = _FORMAT.table3.group_of(key) if table == "table3" else None
        if group is not None and rows.get(group.key) is not None:
            given.setdefault(group.key, rows[group.key])
        elif rows.get(key) is not None:
            given[key] = rows[key]
    return given


def sum_terms(table: str, rows: Any, keys: tuple[str, ...]) -> list[Any]:
    """The rows whose sum is the sum of ``keys``' rows: a group's one row stands for its rows."""
    rows = dict(rows)
    terms: dict[str, Any] = {}
    for key in keys:
        group = _FORMAT.table3.group_of(key) if table == "table3" else None
        if group is not None and rows.get(group.key) is not None:
            terms.setdefault(group.key, rows[group.key])
        else:
            terms[key] = rows.get(key)
    return list(terms.values())


def row_label(table: str, key: str) -> str:
    """The label naming a row of 表三 or 表四, a group's one row by its group's label."""
    names = _FORMAT.row_names(table)
    return names[key] if key in names else _FORMAT.table3.collapsible[key].label


def _total(values: Any) -> int | None:
    return None if any(value is None for value in values) else sum(values)


def _gives_total_column(rows: dict, details: int) -> bool:
    return any(isinstance(values, (list, tuple)) and len(values) > details for values in rows.values())


def _is_details(values: Any, length: int) -> bool:
    return (isinstance(values, (list, tuple)) and len(values) == length
            and all(value is None or _is_count(value) for value in values))


def describe(loc: tuple[str | int, ...]) -> str:
    """The Chinese labels along a validation location, e.g. ``表三 · … › 1.属于国家秘密 · 科研机构``."""
    titles: list[str] = []
    annotation: Any = Report
    for item in loc:
        annotation, title = _step(annotation, item)
        if title:
            titles.append(title)
        if annotation is None:
            break
    return " · ".join(titles)


def annotation_at(loc: tuple[str | int, ...]) -> Any:
    """The type expected at ``loc`` in the model (``None`` where the location does not exist)."""
    annotation: Any = Report
    for item in loc:
        annotation, _ = _step(annotation, item)
        if annotation is None:
            return None
    return annotation


def _step(annotation: Any, item: str | int) -> tuple[Any, str | None]:
    annotation, _ = unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(item) if isinstance(item, str) else None
        if field is None:
            return None, None
        inner, title = unwrap(field.annotation)
        return inner, field.title or title
    if get_origin(annotation) is tuple and isinstance(item, int):
        args = get_args(annotation)
        if len(args) == 2 and args[1] is Ellipsis:
            inner, _ = unwrap(args[0])
            return inner, f"第 {item + 1} 项"
        if item < len(args):
            return unwrap(args[item])
    return None, None


def unwrap(annotation: Any) -> tuple[Any, str | None]:
    """Strip ``Annotated`` and ``X | None`` from an annotation, keeping a title found on the way."""
    title = None
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            args = get_args(annotation)
            title = title or next(
                (m.title for m in args[1:] if isinstance(m, FieldInfo) and m.title), None)
            annotation = args[0]
        elif origin in (Union, type(int | None)):
            annotation = next(a for a in get_args(annotation) if a is not type(None))
        else:
            return annotation, title
