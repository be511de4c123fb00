"""The audit trail: from every value of the three tables to where the parameter file writes it.

Every value cell of tables 二, 三 and 四 carries ``data-params``, the parameter file's key of its
value (``table3.new[0]``): ``tablehtml.finish`` writes it into the published tables, ``frame``
into the audit version's data frames. The audit version shows the parameter file with line
numbers and each table value marked where it is written (``listing``, at assembly: a section
reused from an earlier build must not show an earlier file), and ``link_cells`` turns every
``data-params`` into a link to that mark. A total the file leaves out, which the kit
computed, is listed under the file with the rule it was computed by, and its cells link there.
"""

from __future__ import annotations

import re
from decimal import Decimal
from html import escape, unescape

import yaml

from ..html import Html
from ..report.cells import Cell, cells, value
from ..report.format import Rule, load_format
from ..report.frames import labelled, labels
from ..report.model import Report, describe

TABLES = ("table2", "table3", "table4")
LISTING_ID = "params"


def line_id(line: int) -> str:
    return f"params-L{line}"


def value_id(key: str) -> str:
    """The id of a value's mark in the listing: ``table3.new[0]`` → ``params-table3-new-0``."""
    return "params-" + re.sub(r"\W+", "-", key).strip("-")


def listing(report: Report, text: str, name: str = "params.yaml") -> Html:
    """The parameter file ``text`` of ``report``, line by line (``id="params-L12"``), with every
    value of the tables marked where it is written (``id="params-table3-new-0"``), then the values
    the kit computed, each with its rule."""
    lines = [line.removesuffix("\r") for line in text.split("\n")]
    if lines[-1] == "":
        lines.pop()
    written = _written(text)
    rows = {key.partition("[")[0] for key in written or ()}
    marks: dict[int, list[tuple[int, str]]] = {}
    computed, unplaced, from_workbook = [], [], []
    sheet_cells = _workbook_cells() if report.tables_file else {}
    for table in TABLES:
        for cell in cells(table, report):
            key = cell.key(table)
            if key in sheet_cells:
                book = report.tables_file[0] if report.tables_file else ""
                from_workbook.append(_note(report, table, cell, f"取自工作簿 {book} 的 {sheet_cells[key]}"))
            elif written is None:
                unplaced.append(_note(report, table, cell, "无法确定它在参数文件中的位置"))
            elif key in written:
                line, column = written[key]
                marks.setdefault(line, []).append((column, key))
            else:
                rule = _rule(table, cell, f"{table}.{cell.row}" in rows)
                computed.append(_note(report, table, cell, _computed_by(rule) if value(report, table, cell) is not None
                                      else "参数文件未写；要相加的明细中有空白，不计算，这一格为空白"))
    numbered = "\n".join(
        f'<span class="xxgk-line" id="{line_id(n)}"><a class="xxgk-lineno" href="#{line_id(n)}">{n}</a>'
        f'<span class="xxgk-text">{_marked(line, marks.get(n - 1, []))}</span></span>'
        for n, line in enumerate(lines, 1))
    html = [f'<section class="xxgk-params" id="{LISTING_ID}">',
            f"<h2>参数文件 {escape(name)}</h2>",
            "<p>表二、表三、表四及其数据中的每个数字，都链接到它在下面所写的位置。</p>",
            f"<pre>{numbered}</pre>"]
    if from_workbook:
        html += [f"<h4>取自工作簿 {escape(report.tables_file[0] if report.tables_file else '')} 的值"
                 "（工作表!单元格；总计为其中公式按规则计算的值）</h4>",
                 f'<ul class="xxgk-workbook">{"".join(from_workbook)}</ul>']
    if computed:
        html += ["<h4>参数文件未写、由工具计算的值</h4>", f'<ul class="xxgk-computed">{"".join(computed)}</ul>']
    if unplaced:
        html += ["<h4>无法定位的值</h4>", f"<ul>{''.join(unplaced)}</ul>"]
    html.append("</section>")
    plain = "\n".join(f"{n:>4}  {line}" for n, line in enumerate(lines, 1))
    return Html("\n".join(html), f"{name}\n{plain}")


def _workbook_cells() -> dict[str, str]:
    """Each table value's key (``table3.new[0]``) with its workbook cell (``表三!D5``)."""
    from ..workbook.layout import layout

    return {f"{v.loc[0]}.{v.loc[1]}" + ("" if len(v.loc) == 2 else f"[{v.loc[2]}]"): v.place.ref
            for v in layout().values if v.loc[0] in TABLES and v.loc[-1] != "amount_decimals"}


def frame(report: Report, table: str) -> Html:
    """``table``'s values under the official labels (counts as integers, a blank where the format
    asks for no value), each cell naming where the parameter file writes it."""
    rows, columns = labels(table, report)
    keys = {(cell.row, cell.column): cell for cell in cells(table, report)}
    head = "".join(f"<th>{escape(label)}</th>" for label in columns.values())
    body = []
    for row, row_label in rows.items():
        tds = []
        for column in columns:
            cell = keys.get((row, column))
            tds.append("<td></td>" if cell is None else
                       f'<td data-params="{escape(cell.key(table))}">{_number(value(report, table, cell))}</td>')
        body.append(f'<tr><th scope="row">{escape(row_label)}</th>{"".join(tds)}</tr>')
    name = getattr(load_format(), table).name
    html = (f'<table class="xxgk-frame"><caption>{escape(name)}的数据</caption>'
            f'<thead><tr><th></th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')
    return Html(html, f"{name}\n{labelled(report, table).to_string()}")


_VALUE_CELL = re.compile(r'(<td\b[^<>]*?\sdata-params="([^"<>]*)"[^<>]*>)([^<]*)(</td>)')


def link_cells(html: str) -> str:
    """``html`` with the text of every cell that names its key (``data-params``) linked to the
    value's mark in the listing. Only cells of plain text are linked, as the kit writes them."""
    if "data-params" not in html:
        return html
    return _VALUE_CELL.sub(_link, html)


def _link(match: re.Match) -> str:
    key = unescape(match[2])
    return f'{match[1]}<a href="#{value_id(key)}">{match[3]}</a>{match[4]}'


def _number(number: int | Decimal | None) -> str:
    if number is None:
        return ""  # a blank as published
    return format(number, "f") if isinstance(number, Decimal) else str(number)


def _written(text: str) -> dict[str, tuple[int, int]] | None:
    """Where the file writes each value of the tables: its key (``table3.new[0]``) → 0-based line
    and column; a value the file leaves out has no entry. Read with libyaml's composer, which
    keeps the place of every node (ruamel's round-trip reader takes about 50 ms for this), with
    merge keys (``<<``) resolved as YAML does; ``None`` for a file libyaml cannot read."""
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        found: dict[str, tuple[int, int]] = {}
        for table in TABLES:
            for row, node in _entries(_entries(root).get(table)).items():
                items = enumerate(node.value) if isinstance(node, yaml.SequenceNode) else [(None, node)]
                for index, item in items:
                    key = f"{table}.{row}" + ("" if index is None else f"[{index}]")
                    found[key] = (item.start_mark.line, item.start_mark.column)
        return found
    except (yaml.YAMLError, RecursionError):
        return None


def _entries(node: yaml.Node | None) -> dict[str, yaml.Node]:
    """A mapping node's values by key; the keys a merge key (``<<``) brings in come after the
    mapping's own, the first source first."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    own: dict[str, yaml.Node] = {}
    merged: dict[str, yaml.Node] = {}
    for key, entry in node.value:
        if key.tag == "tag:yaml.org,2002:merge":
            for source in entry.value if isinstance(entry, yaml.SequenceNode) else [entry]:
                for name, inner in _entries(source).items():
                    merged.setdefault(name, inner)
        else:
            own[str(key.value)] = entry
    return {**merged, **own}


def _rule(table: str, cell: Cell, row_written: bool) -> Rule | None:
    """The rule a left-out total was computed by (``model.fill_totals``): a whole row left out is
    a total row, summed column by column; a row's missing last value is its total column."""
    for rule in load_format().rules:
        check = rule.check
        if check is None or check.table != table or len(check.stated) != 1:
            continue
        if check.per == "column" and not row_written and check.stated[0] == cell.row:
            return rule
        if check.per == "row" and row_written and check.stated[0] == cell.column:
            return rule
    return None


def _computed_by(rule: Rule | None) -> str:
    if rule is None or rule.check is None:
        return "参数文件未写，由工具计算"
    return f"参数文件未写，由工具按规则 {rule.id}（{rule.check.says}）计算"


def _note(report: Report, table: str, cell: Cell, why: str) -> str:
    key = cell.key(table)
    where = describe((table, cell.row) if cell.index is None else (table, cell.row, cell.index))
    return (f'<li id="{value_id(key)}">{escape(where)} = {_number(value(report, table, cell))}：'
            f"{escape(why)}（<code>{escape(key)}</code>）</li>")


_TOKEN = re.compile(r""""(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s,\[\]{}#]+""")


def _marked(line: str, marks: list[tuple[int, str]]) -> str:
    """``line`` escaped, with the value written at each mark's column in a span of the value's
    id; several keys at one place (a YAML alias) each get an id there."""
    out, at = [], 0
    by_column: dict[int, list[str]] = {}
    for column, key in marks:
        by_column.setdefault(column, []).append(key)
    for column, keys in sorted(by_column.items()):
        start = max(column, at)
        token = _TOKEN.match(line, start)
        end = token.end() if token else start
        out.append(escape(line[at:start]))
        out += [f'<span class="xxgk-alias" id="{value_id(key)}"></span>' for key in keys[1:]]
        out.append(f'<span class="xxgk-value" id="{value_id(keys[0])}">{escape(line[start:end])}</span>')
        at = end
    out.append(escape(line[at:]))
    return "".join(out)
