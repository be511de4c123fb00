"""The checks inspectors apply to a report, as pure functions of the model.

The reconciliation rules that are sums (T3-A, T3-B, T3-C, T4) are evaluated generically from
their definition in the format data; the cross-year (X1, X2), narrative (X3), amount (X4) and
deadline (D1) rules need code of their own. Every finding names its place in official labels.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import asdict, replace
from decimal import Decimal
from typing import Any

from ..html import Html
from . import copying, narrative, references
from .cells import Cell, cells, has_blank, value
from .findings import Finding, to_html
from .format import SumCheck, load_format
from .model import Contact, Report, given_rows, row_label, sum_terms

_FMT = load_format()
_VARIANTS = _FMT.variant_labels()


def check(report: Report, previous: Report | None = None) -> list[Finding]:
    """Every finding for ``report``; ``previous`` is last year's report of the same agency."""
    found: list[Finding] = []
    for rule in _FMT.rules:
        if rule.check is not None:
            found += _sum_check(report, rule.id, rule.check)
    if previous is not None:
        found += _carry_over(report, previous)
        found += _documents_in_force(report, previous)
        found += _repeated_figures(report, previous)
    texts = list(narrative_texts(report))  # references rendered once for the three checks that read them
    found += _narrative(report, previous, texts)
    found += _foreign_places(report, texts)
    found += _contact(report, texts)
    found += _blank_cells(report)
    found += _collapsed_rows(report)
    found += _wording(report)
    found += _amount_decimals(report)
    found += _deadline(report)
    return _accept(report, found)


STALE = "A1"  # the rule of an acceptance that matches nothing


def acceptances(findings: list[Finding]) -> dict[str, list[dict]]:
    """What the parameter file accepted, with its reasons, and which acceptances are stale: for
    the manifest, so that the record of a build says what it let pass."""
    return {"accepted": [asdict(f) for f in findings if f.accepted is not None],
            "stale": [asdict(f) for f in findings if f.rule == STALE]}


def _accept(report: Report, found: list[Finding]) -> list[Finding]:
    """``found`` with the findings the parameter file accepts marked with its reason, and a
    finding (A1) for each acceptance that matches nothing any more."""
    used: set[int] = set()
    marked = []
    for finding in found:
        index = next((i for i, a in enumerate(report.accepted) if _matches(a, finding)), None)
        if index is not None:
            used.add(index)
            finding = replace(finding, accepted=report.accepted[index].reason)
        marked.append(finding)
    for index, acceptance in enumerate(report.accepted):
        if index not in used:
            said = "，".join(f"{name} “{value}”" for name, value in
                            (("位置", acceptance.where), ("内容", acceptance.text)) if value)
            marked.append(_finding(STALE, section="overview", location=f"参数文件 accepted 第 {index + 1} 项",
                                   expected="对应一条校验结果", found="没有对应的校验结果",
                                   message=f"接受的 {acceptance.rule}{'（' + said + '）' if said else ''}"
                                           "已不再出现，这一项已过时"))
    return marked


def _matches(acceptance: Any, finding: Finding) -> bool:
    if acceptance.rule != finding.rule or (acceptance.where and acceptance.where not in finding.location):
        return False
    if not acceptance.text:
        return True
    said = "\n".join((finding.message, finding.expected, finding.found))
    pattern = ".*?".join(re.escape(part) for part in acceptance.text.split("…"))  # … stands for any text
    return re.search(pattern, said) is not None


def for_section(findings: list[Finding], section: str) -> list[Finding]:
    return [finding for finding in findings if finding.section == section]


def show(findings: list[Finding], section: str) -> Html:
    """The findings that concern one section, for its notebook."""
    return to_html(for_section(findings, section))


def _finding(rule_id: str, **fields) -> Finding:
    rule = _FMT.rule(rule_id)
    fields.setdefault("severity", rule.severity)
    fields.setdefault("hint", rule.hint)
    return Finding(rule=rule_id, **fields)


def _number(value) -> str:
    return format(value, "f") if isinstance(value, Decimal) else str(int(value))


def _sum_check(report: Report, rule_id: str, check: SumCheck) -> Iterator[Finding]:
    table = getattr(_FMT, check.table)
    values = getattr(report, check.table)
    columns = {c.key: c.label for c in table.columns}
    # plain sums of the model's tuples: pandas frames cost 20 ms a report, which a roll-up of a
    # thousand agencies pays a thousand times
    # (row, column, stated terms, parts terms); one of row and column is None. A group given as
    # one row (r6) stands for its rows; an equation with a blank term is not evaluated: X4 says
    # why, and any number put in the blank's place would be invented
    lines: Iterator[tuple[Any, Any, list, list]]
    if check.per == "column":
        stated_rows = sum_terms(check.table, values, check.stated)
        parts_rows = sum_terms(check.table, values, check.parts)
        lines = ((None, column, [r[i] for r in stated_rows], [r[i] for r in parts_rows])
                 for i, column in enumerate(columns))
    else:
        index = {key: i for i, key in enumerate(columns)}
        stated_at, parts_at = [index[key] for key in check.stated], [index[key] for key in check.parts]
        lines = ((row, None, [written[i] for i in stated_at], [written[i] for i in parts_at])
                 for row, written in given_rows(check.table, values).items())
    for row, column, stated_terms, parts_terms in lines:
        if None in stated_terms or None in parts_terms:
            continue
        stated, parts = sum(stated_terms), sum(parts_terms)
        if stated != parts:
            where = f"{columns[column]} 列" if column else f"{row_label(check.table, row)} 行"
            yield _finding(rule_id, section=table.part, location=f"{table.name} · {where}",
                           expected=_number(parts), found=_number(stated), message=check.says,
                           table=check.table, row=row, column=column)


def _carry_over(report: Report, previous: Report) -> Iterator[Finding]:
    """X1: this year's 二、上年结转 equals last year's 四、结转下年度继续办理, column by column."""
    table = _FMT.table3
    carry_in, carry_out = table.row("carry_in"), table.row("carry_out")
    for index, column in enumerate(table.columns):
        this, last = getattr(report.table3, carry_in.key)[index], getattr(previous.table3, carry_out.key)[index]
        if this != last and None not in (this, last):
            yield _finding(
                "X1", section=table.part, location=f"{table.name} · {carry_in.label} · {column.label} 列",
                expected=str(last), found=str(this),
                message=f"应等于 {previous.year} 年报告的“{carry_out.label}”",
                table="table3", row=carry_in.key, column=column.key)


def _documents_in_force(report: Report, previous: Report) -> Iterator[Finding]:
    """X2: documents in force last year + issued − repealed = in force this year."""
    for block in _FMT.table2.blocks:
        keys = [value.key for value in block.values]
        if keys != ["issued", "repealed", "in_force"]:
            continue
        for row in block.rows:
            issued, repealed, in_force = getattr(report.table2, row.key)
            before = getattr(previous.table2, row.key)[2]
            if None not in (before, issued, repealed, in_force) and before + issued - repealed != in_force:
                label = report.label(row.key, row.label)
                yield _finding(
                    "X2", section=_FMT.table2.part, location=f"{_FMT.table2.name} · {label} · {block.values[2].label}",
                    expected=str(before + issued - repealed), found=str(in_force),
                    message=(f"{previous.year} 年{block.values[2].label} {before} + {block.values[0].label} "
                             f"{issued} − {block.values[1].label} {repealed}"),
                    table="table2", row=row.key, column="in_force")


def _repeated_figures(report: Report, previous: Report) -> Iterator[Finding]:
    """C2: a table whose figures of the year are last year's, cell for cell."""
    for repeated in copying.repeated_tables(report, previous):
        table = getattr(_FMT, repeated.table)
        yield _finding("C2", section=table.part, location=table.name, expected=f"{report.year} 年的数字",
                       found=f"与 {previous.year} 年报告完全相同（{repeated.cells} 个非零数）",
                       message="本年数字逐格照搬上年报告，常见于复制上年报告后只改了年份",
                       table=repeated.table)


def _foreign_places(report: Report, texts: list[tuple[str, str, str]]) -> Iterator[Finding]:
    """C1: the narrative keeps naming a place that is not this agency's."""
    for mention in copying.foreign_places(report, texts):
        yield _finding("C1", section=mention.section, location=f"{mention.where} 正文",
                       expected=f"{report.agency.subject}或本机关", found=f"“{mention.name}” {mention.count} 次",
                       message=(f"正文“…{mention.excerpt}…”提到的“{mention.name}”不是本报告的机关"
                                f"（{report.agency.name}），像是从其他机关的报告复制而来"),
                       excerpt=mention.excerpt)


_DIGITS_ONLY = re.compile(r"\D+")
_SPACES = re.compile(r"\s+")


def contact_stated(report: Report) -> bool:
    """Whether the narrative states every contact detail the report gives (地址, 邮编, 电话, 传真;
    the office may be named otherwise), as most reports do in their introduction."""
    narrative = "\n".join(text for _, _, text in narrative_texts(report))
    return all(_details_stated(report.contact, narrative).values()) if report.contact else False


def _details_stated(contact: Contact, narrative: str) -> dict[str, bool]:
    """Each contact detail but the office, with whether ``narrative`` writes its value (the digits
    of a number, the words of an address whatever their spacing)."""
    digits, words = _DIGITS_ONLY.sub("", narrative), _SPACES.sub("", narrative)
    return {key: (_DIGITS_ONLY.sub("", value) in digits) if key in ("postcode", "phone", "fax")
            else (_SPACES.sub("", value) in words)
            for key, value in contact.model_dump(exclude_none=True, exclude={"office"}).items()}


def _contact(report: Report, texts: list[tuple[str, str, str]]) -> Iterator[Finding]:
    """K1: a contact detail the narrative names (地址, 邮编, 电话, 传真) is the one in ``contact``."""
    if report.contact is None:
        return
    narrative = "\n".join(text for _, _, text in texts)
    for key, stated in _details_stated(report.contact, narrative).items():
        label = str(Contact.model_fields[key].title)
        if not stated and label in narrative:
            yield _finding("K1", section="overview", location=f"正文中的{label}", expected=getattr(report.contact, key),
                           found=_stated(narrative, label),
                           message=f"与参数文件的联系方式 contact.{key}（{label}）不一致")


def _stated(narrative: str, label: str) -> str:
    """What the narrative writes after ``label`` (电话: 0901-…), up to the next separator."""
    match = re.search(rf"{re.escape(label)}[^:：]{{0,4}}[:：]?\s*([^;；，,。）)]{{1,30}})", narrative)
    return match.group(1).strip() if match else f"（提到了{label}，未见 contact 中的值）"


def _blank_cells(report: Report) -> Iterator[Finding]:
    """X4: every cell a number; a blank (or "/") as published is named by its official labels."""
    if not has_blank(report):
        return
    for table in ("table2", "table3", "table4"):
        fmt = getattr(_FMT, table)
        for cell in cells(table, report):
            if value(report, table, cell) is None:
                yield _finding("X4", section=fmt.part, location=f"{fmt.name} · {_where(table, cell)}", expected="0",
                               found="空白", message="统一格式要求每格填数字，没有的填 0；空白、“/”不能代替 0",
                               hint="在这一格填上数字（没有的填 0）", table=table, row=cell.row, column=cell.column)


def _where(table: str, cell: Cell) -> str:
    """A cell in official labels, as X4 names it: its row's (三、本年度办理结果 goes without saying
    under a deeper label), then its column's."""
    if table == "table2":
        block, row = next((b, r) for b, r in _FMT.table2.rows() if r.key == cell.row)
        return f"{row.label} · {next(v.label for v in block.values if v.key == cell.column)}"
    fmt = getattr(_FMT, table)
    if table == "table4":
        group = next(g for g in fmt.groups if g.key == cell.row)
        labels: tuple[str, ...] = tuple(filter(None, (group.parent, group.label)))
    else:
        labels = fmt.full_labels().get(cell.row) or (fmt.collapsible[cell.row].label,)
        labels = labels[1:] if len(labels) == 3 else labels
    return f"{' › '.join(labels)} · {next(c.label for c in fmt.columns if c.key == cell.column)}"


def _collapsed_rows(report: Report) -> Iterator[Finding]:
    """X4 (as a warning): a group of 表三 given as one row, as some reports publish （六）其他处理."""
    table = _FMT.table3
    for group in report.collapsed:
        rows = "；".join(table.row(row).label for row in group.rows)
        yield _finding("X4", severity="warning", section=table.part, location=f"{table.name} · {group.label}",
                       expected=f"分 {len(group.rows)} 行：{rows}", found="合为一行",
                       message=f"统一格式把{group.label}分为 {len(group.rows)} 行，本报告只有一行合计",
                       hint=f"按统一格式分行填写（{group.key}_1、{group.key}_2 …），合计行删去",
                       table="table3", row=group.key)


def _wording(report: Report) -> Iterator[Finding]:
    """X4 (as a warning): every heading and label the report words otherwise than the format."""
    variants = report.label_variants
    rows = [("table2", row.key, row.label) for _, row in _FMT.table2.rows()]
    rows += [("table3", row.key, row.label) for row in _FMT.table3.rows]
    rows += [("table3", group.key, group.label) for group in _FMT.table3.groups]
    # (where, section, official, as worded, table, row)
    found: list[tuple[str, str, str, str | None, str | None, str | None]] = [
        (getattr(_FMT, table).name, getattr(_FMT, table).part, official, getattr(variants, key), table, key)
        for table, key, official in rows]
    for where, labels in _VARIANTS.items():
        given = getattr(variants, where)
        for key, official in labels.items():
            wording = given and getattr(given, key)
            if where == "parts":
                found.append(("标题", key, official, wording, None, None))
            else:
                fmt = getattr(_FMT, where)
                found.append((f"{fmt.name} · 表头", fmt.part, official, wording, where, None))
    for place, section, official, wording, table, row in found:
        if wording is not None and wording != official:
            yield _finding("X4", severity="warning", section=section, location=f"{place} · {official}",
                           expected=official, found=wording, message=f"“{wording}”与统一格式的“{official}”措辞不同",
                           hint="统一格式的措辞是参照；本机关报告原文如此的，可忽略此提醒", table=table, row=row)


def _amount_decimals(report: Report) -> Iterator[Finding]:
    """X4 (as a warning): 万元 amounts carry at most the configured number of decimals."""
    allowed = report.table2.amount_decimals
    for block, row in _FMT.table2.rows():
        if block.values[0].kind != "amount" or allowed is None:
            continue
        amount = getattr(report.table2, row.key)
        if amount is not None and -amount.as_tuple().exponent > allowed:
            yield _finding("X4", severity="warning", section=_FMT.table2.part,
                           location=f"{_FMT.table2.name} · {report.label(row.key, row.label)}",
                           expected=f"至多 {allowed} 位小数", found=_number(amount),
                           message=f"金额按 {allowed} 位小数打印，多出的位数会被四舍五入",
                           table="table2", row=row.key)


def _deadline(report: Report) -> Iterator[Finding]:
    """D1: published by the statutory deadline of the year after the report year."""
    month, day = map(int, _FMT.deadlines[report.agency.kind].split("-"))
    deadline = dt.date(report.year + 1, month, day)
    if report.published is not None and report.published > deadline:
        yield _finding("D1", section="other", location="落款日期",
                       expected=f"不晚于 {deadline.year}年{deadline.month}月{deadline.day}日",
                       found=f"{report.published.year}年{report.published.month}月{report.published.day}日",
                       message="条例第四十九条规定的公布期限")


# ---------------------------------------------------------------------------------------------
# X3: the figures the narrative states must be the tables' (narrative.py reads the sentences).


_AMBIGUOUS = "（这句话还提到表格不统计的事项，请核对所说的是否就是这一项）"


def _narrative(report: Report, previous: Report | None, texts: list[tuple[str, str, str]]) -> Iterator[Finding]:
    for section, where, paragraph in texts:
        for mismatch in narrative.mismatches(paragraph, report, previous):
            message = f"正文“{mismatch.excerpt}”与{mismatch.cells}不符" + (_AMBIGUOUS if mismatch.ambiguous else "")
            yield _finding("X3", severity="warning" if mismatch.ambiguous else _FMT.rule("X3").severity,
                           section=section, location=f"{where} 正文", expected=mismatch.expected,
                           found=mismatch.found, message=message, excerpt=mismatch.excerpt)


def narrative_texts(report: Report, printed: bool = True) -> Iterator[tuple[str, str, str]]:
    """(section key, where, paragraph) for every paragraph of narrative, as printed (references
    replaced by their figures) or as written."""
    part = {p.key: p.heading for p in _FMT.parts}
    texts = [("overview", "引言", report.introduction), ("overview", part["overview"], report.part1.overview)]
    texts += [("overview", f"{part['overview']} · {number}{sub.title}", sub.text)
              for number, sub in zip(_FMT.subsection_numbers, report.part1.subsections, strict=False)]
    texts += [("problems", part["problems"], report.part5), ("other", part["other"], report.part6)]
    for section, where, text in texts:
        for paragraph in narrative.split_paragraphs(references.render_text(text, report) if printed else text):
            yield section, where, paragraph
