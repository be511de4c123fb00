"""The parameter model expresses reports as they were published: blank cells, a group of 表三 given
as one row, every label in the report's own words, no contact, date or signature, amounts with
the decimals they were written with; each is validated, checked, written back by ``paramsfile``
and printed as published."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest
from bs4 import BeautifulSoup

from conftest import EXAMPLE, run_xxgk
from xxgk.errors import ParamsError
from xxgk.render import audit
from xxgk.report import paramsfile
from xxgk.report.findings import errors
from xxgk.report.format import load_format
from xxgk.report.model import Report, json_schema
from xxgk.report.params import Source, parse_params
from xxgk.report.rules import check
from xxgk.run.settings import BuildSettings

TEXT = EXAMPLE.read_text(encoding="utf-8")


def row(key: str, values: str, text: str = TEXT) -> str:
    """``text`` with the values of 表三's (or 表四's) row ``key`` replaced."""
    edited, count = re.subn(rf"(?m)^(  {key}:\s+)\[[^\]]*\]", lambda m: m.group(1) + values, text)
    assert count == 1, key
    return edited


def without(key: str, text: str) -> str:
    edited, count = re.subn(rf"(?m)^  {key}:.*\n", "", text)
    assert count == 1, key
    return edited


def read(text: str, name: str = "emin.yaml") -> Report:
    return parse_params(Source(Path(name), "emin", text.encode("utf-8")))


def refused(text: str) -> list:
    with pytest.raises(ParamsError) as caught:
        read(text)
    return caught.value.problems


def line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start))


def table_errors(report: Report) -> list:
    """The errors about the tables (the example's narrative says it received no application)."""
    return [f for f in errors(check(report)) if f.rule != "X3"]


COLLAPSED = without("r6_3", without("r6_2", row("r6_1", "[2, 0, 0, 0, 0, 0, 2]"))).replace("  r6_1:", "  r6:")


def balanced_with(text: str, **rows: str) -> str:
    for key, values in rows.items():
        text = row(key, values, text)
    return text


# --- blank cells ---------------------------------------------------------------------------------

def test_a_blank_cell_validates_and_x4_names_it_in_official_labels():
    report = read(row("r3_4", "[~, 0, 0, 0, 0, 0, 0]"))
    assert report.table3.r3_4 == (None, 0, 0, 0, 0, 0, 0)
    blank = [f for f in errors(check(report)) if f.rule == "X4"]
    assert [(f.location, f.expected, f.found) for f in blank] == [
        ("表三 · （三）不予公开 › 4.保护第三方合法权益 · 自然人", "0", "空白")]
    assert (blank[0].table, blank[0].row, blank[0].column) == ("table3", "r3_4", "natural")


def test_a_blank_of_table2_and_table4_is_named_too():
    text = TEXT.replace("  licensing: 9865", "  licensing: ~")
    report = read(row("suit_direct", "[0, ~, 0, 0, 0]", text))
    assert report.table2.licensing is None
    assert sorted(f.location for f in errors(check(report))) == [
        "表二 · 行政许可 · 本年处理决定数量", "表四 · 行政诉讼 › 未经复议直接起诉 · 结果纠正"]


def test_a_sum_with_a_blank_term_is_not_evaluated():
    """Only X4 speaks of a blank: no T3 error is invented from the other cells of its row and
    column, which would balance only if the blank were some number."""
    text = balanced_with(TEXT, new="[3, 0, 0, 0, 0, 0, 3]", r1="[~, 0, 0, 0, 0, 0, 3]", total="[~, 0, 0, 0, 0, 0, 3]")
    assert [f.rule for f in table_errors(read(text))] == ["X4", "X4"]
    unbalanced = balanced_with(TEXT, new="[3, 0, 0, 0, 0, 0, 3]", r1="[1, 0, 0, 0, 0, 0, 1]")
    assert {f.rule for f in table_errors(read(unbalanced))} == {"T3-A", "T3-B"}  # the same without a blank


def test_no_total_is_computed_from_a_blank():
    data = read(TEXT).model_dump()
    table3 = {key: values[:-1] for key, values in data["table3"].items() if key != "total" and values}
    table3["r2"] = (None, 1, 0, 0, 0, 0)
    table3["r1"] = (1, 0, 0, 0, 0, 0)
    report = Report.model_validate({**data, "table3": table3})
    assert report.table3.r2 == (None, 1, 0, 0, 0, 0, None)  # its total: blank, not 1
    assert report.table3.r1 == (1, 0, 0, 0, 0, 0, 1)
    assert report.table3.total == (None, 1, 0, 0, 0, 0, None)  # the 自然人 column holds a blank
    assert not any("部分公开" in place for place in report.computed_totals)
    # the total row is listed cell by cell: the five columns summed, not the two left blank
    total_row = [place for place in report.computed_totals if "（七）总计" in place]
    columns = [c.label for c in load_format().table3.columns]
    assert total_row == [f"表三 · （七）总计 · {label}" for label in columns[1:-1]]


def test_the_audit_says_a_left_out_total_over_a_blank_was_not_computed():
    text = re.sub(r"(?m)^  total: .*\n", "", row("r2", "[~, 1, 0, 0, 0, 0, 1]"))
    report = read(text)
    assert report.table3.total[0] is None and report.table3.total[1] is not None
    soup = BeautifulSoup(audit.listing(report, text).html, "html.parser")
    blank, summed = (soup.find(id=audit.value_id(f"table3.total[{i}]")).get_text() for i in (0, 1))
    assert "不计算" in blank and "计算" in summed and "不计算" not in summed


def test_a_build_refuses_a_blank(tmp_path):
    """(The build that allows errors and prints the blank: ``test_a_published_shape_builds_...``.)"""
    from xxgk.run.build import ValidationFailed, build

    path = tmp_path / "params" / "2025" / "emin.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(row("r3_4", "[~, 0, 0, 0, 0, 0, 0]"), encoding="utf-8")
    with pytest.raises(ValidationFailed) as caught:
        build(path, BuildSettings(tmp_path / "outputs", formats=("html",)))
    assert "空白" in caught.value.message and "--allow-errors" in caught.value.message
    assert not (tmp_path / "outputs" / "2025" / "emin").exists()


# --- a group of 表三 as one row ------------------------------------------------------------------

def test_a_group_given_as_one_row_validates_and_stands_for_its_rows():
    text = balanced_with(COLLAPSED, new="[2, 0, 0, 0, 0, 0, 2]", total="[2, 0, 0, 0, 0, 0, 2]")
    report = read(text)
    assert (report.table3.r6, report.table3.r6_1) == ((2, 0, 0, 0, 0, 0, 2), None)
    found = check(report)
    assert table_errors(report) == []  # T3-A, T3-B and T3-C hold with the one row for its three
    collapsed = [f for f in found if f.rule == "X4" and f.row == "r6"]
    assert [(f.severity, f.location, f.found) for f in collapsed] == [("warning", "表三 · （六）其他处理", "合为一行")]
    assert "3.其他" in collapsed[0].expected and "1.申请人无正当理由逾期不补正" in collapsed[0].expected


def test_a_group_row_that_is_not_its_rows_sum_fails_t3_b():
    text = balanced_with(COLLAPSED, new="[2, 0, 0, 0, 0, 0, 2]", total="[1, 0, 0, 0, 0, 0, 1]")
    found = table_errors(read(text))
    assert ("T3-B", "表三 · 自然人 列", "2", "1") in {(f.rule, f.location, f.expected, f.found) for f in found}


def test_a_group_row_is_a_row_for_t3_c():
    text = row("r6", "[2, 0, 0, 0, 0, 0, 3]", balanced_with(COLLAPSED, new="[2, 0, 0, 0, 0, 0, 2]",
                                                                total="[2, 0, 0, 0, 0, 0, 2]"))
    found = [(f.rule, f.location) for f in table_errors(read(text))]
    assert ("T3-C", "表三 · （六）其他处理 行") in found and ("T3-B", "表三 · 总计 列") in found


def test_a_group_row_gets_its_total_when_the_column_is_left_out():
    data = read(COLLAPSED).model_dump()
    table3 = {key: values[:-1] for key, values in data["table3"].items() if key != "total" and values}
    report = Report.model_validate({**data, "table3": table3})
    assert report.table3.r6 == (2, 0, 0, 0, 0, 0, 2) and report.table3.total[0] == 2
    assert "表三 · （六）其他处理 · 总计" in report.computed_totals


def test_mixing_a_group_row_with_its_rows_is_an_error_at_their_lines():
    text = TEXT.replace("  r6_2:", "  r6:        [0, 0, 0, 0, 0, 0, 0]\n  r6_2:", 1)
    problems = refused(text)
    assert [p.line for p in problems] == [line_of(text, f"  r6_{n}:") for n in (1, 2, 3)]
    assert all("（六）其他处理已写成一行合计（r6）" in p.message for p in problems)
    assert problems[0].file == "emin.yaml" and problems[0].key == "table3.r6_1"


def test_a_group_missing_one_row_names_it_and_the_one_row_form():
    problems = refused(without("r6_2", TEXT))
    assert [(p.key, p.line) for p in problems] == [("table3.r6_2", line_of(TEXT, "table3:"))]
    assert problems[0].message.startswith("缺少此项（必填）") and "r6:" in problems[0].message


# --- label variants ------------------------------------------------------------------------------

VARIANTS = """label_variants:
  normative_documents: 规范性文件
  r3_2: 2.其他法律行政止公开
  parts:
    overview: 一、总体情况概述
  table2:
    issued: 本年新制发件数
  table3:
    natural: 公民
  table4:
    review: 行政复议案件
    suit: 行政诉讼案件
"""


def test_a_variant_of_every_kind_is_a_warning_quoting_the_official_text():
    text = re.sub(r"label_variants:\n  normative_documents: 规范性文件\n", VARIANTS, TEXT)
    found = [f for f in check(read(text)) if f.rule == "X4"]
    assert all(f.severity == "warning" for f in found)
    assert sorted((f.location, f.expected, f.found) for f in found) == sorted([
        ("表二 · 行政规范性文件", "行政规范性文件", "规范性文件"),
        ("表三 · 2.其他法律行政法规禁止公开", "2.其他法律行政法规禁止公开", "2.其他法律行政止公开"),
        ("标题 · 一、总体情况", "一、总体情况", "一、总体情况概述"),
        ("表二 · 表头 · 本年制发件数", "本年制发件数", "本年新制发件数"),
        ("表三 · 表头 · 自然人", "自然人", "公民"),
        ("表四 · 表头 · 行政复议", "行政复议", "行政复议案件"),
        ("表四 · 表头 · 行政诉讼", "行政诉讼", "行政诉讼案件")])


def test_an_unknown_variant_key_is_refused_with_the_keys_it_may_have():
    text = TEXT.replace("  normative_documents: 规范性文件",
                        "  normative_documents: 规范性文件\n  table3:\n    natral: 公民")
    problems = refused(text)
    assert [p.key for p in problems] == ["label_variants.table3.natral"] and "natural" in problems[0].message


# --- optional contact, date, signature ---------------------------------------------------------

def undated(text: str = TEXT) -> str:
    text = re.sub(r"(?m)^published:.*\n", "", text)
    return re.sub(r"(?m)^contact:\n(  .*\n)+", "", text)


def test_a_report_without_contact_and_date_validates_and_d1_k1_are_not_evaluated():
    report = read(undated())
    assert (report.contact, report.published, report.signature) == (None, None, None)
    assert [f.rule for f in check(report)] == ["X4"]  # 规范性文件 only


# --- amounts as written --------------------------------------------------------------------------

@pytest.mark.parametrize("written", ["7545", "24252.311082", "7545.10", "0.000001"])
@pytest.mark.parametrize("reader", ["libyaml", "ruamel"])
def test_an_amount_keeps_the_digits_it_was_written_with(written, reader):
    text = TEXT.replace("  fees: 709.48", f"  fees: {written}").replace("  amount_decimals: 2\n", "")
    if reader == "ruamel":  # an anchor: only the round-trip reader reads it
        text = text.replace("  subject: 额敏县", "  subject: &subject 额敏县")
    report = read(text)
    assert str(report.table2.fees) == written and isinstance(report.table2.fees, Decimal)
    assert report.table2.amount_decimals is None
    assert [f for f in check(report) if f.rule == "X4" and f.row == "fees"] == []


def test_amount_decimals_when_given_keeps_its_warning():
    report = read(TEXT.replace("  fees: 709.48", "  fees: 24252.311082"))
    found = [f for f in check(report) if f.row == "fees"]
    assert [(f.rule, f.severity, f.found) for f in found] == [("X4", "warning", "24252.311082")]


# --- written back and described ------------------------------------------------------------------

SHAPES = {
    "blank cells": lambda: balanced_with(TEXT.replace("  licensing: 9865", "  licensing: ~"),
                                         r3_4="[~, 0, 0, 0, 0, 0, ~]", review="[~, 0, 0, 0, 0]"),
    "a group row": lambda: COLLAPSED,
    "variants": lambda: re.sub(r"label_variants:\n  normative_documents: 规范性文件\n", VARIANTS, TEXT),
    "no contact, date": lambda: undated(),
    "a signature, exact amount": lambda: TEXT.replace(
        "published: 2026-01-15", "published: 2026-01-15\nsignature: 额敏县政务公开办")
    .replace("  fees: 709.48", "  fees: 24252.311082").replace("  amount_decimals: 2\n", ""),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_paramsfile_writes_each_shape_and_reads_it_back(shape):
    report = read(SHAPES[shape]())
    written = paramsfile.render(report, "测试")  # raises if it does not read back as the same report
    assert read(written, "import.yaml").model_dump() == report.model_dump()
    from ruamel.yaml import YAML

    schema = json_schema()  # the committed file is this (test_params)

    jsonschema.validate(json.loads(json.dumps(YAML(typ="safe", pure=True).load(written), default=str)), schema)


def test_paramsfile_writes_blanks_group_rows_and_leaves_out_what_is_not_given():
    written = paramsfile.render(read(undated(SHAPES["blank cells"]())), "测试")
    assert re.search(r"(?m)^  licensing: ~ ", written) and re.search(r"(?m)^  r3_4: \[~, 0, 0, 0, 0, 0, ~\]", written)
    assert "contact:" not in written and "published:" not in written and "amount_decimals" in written
    collapsed = paramsfile.render(read(COLLAPSED), "测试")
    assert re.search(r"(?m)^  r6: \[2, 0, 0, 0, 0, 0, 2\]", collapsed) and "r6_1" not in collapsed


def test_the_schema_refuses_a_group_row_with_its_rows():
    schema = json_schema()
    data = json.loads(json.dumps(read(COLLAPSED).model_dump(mode="json", exclude_none=True)))
    jsonschema.validate(data, schema)
    data["table3"]["r6_1"] = [0] * 7
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


# --- printed as published --------------------------------------------------------------------

def published_shape() -> str:
    """Blank cells, a variant of every kind, amounts as written, no contact, date or signature."""
    text = SHAPES["blank cells"]().replace("  regulations: [0, 0, 0]", "  regulations: [7545, 0, 0]")
    text = re.sub(r"label_variants:\n  normative_documents: 规范性文件\n", VARIANTS, text)
    return undated(text.replace("  fees: 709.48", "  fees: 24252.311082").replace("  amount_decimals: 2\n", ""))


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """The outputs of ``published_shape()`` built for real, errors allowed (its blanks are errors)."""
    root = tmp_path_factory.mktemp("published")
    path = root / "params" / "2025" / "shape.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(published_shape(), encoding="utf-8")
    result = run_xxgk("build", path, "--outputs", root / "outputs", "--allow-errors")
    assert result.returncode == 0, result.stderr
    return root / "outputs" / "2025" / "shape"


def cell_text(soup, key: str) -> str:
    return soup.find(attrs={"data-params": key}).get_text()


def test_blanks_variants_and_amounts_print_as_published_in_html(published):
    soup = BeautifulSoup((published / "report.html").read_text(encoding="utf-8"), "html.parser")
    assert [cell_text(soup, key) for key in ("table3.r3_4[0]", "table3.r3_4[6]", "table2.licensing",
                                             "table4.review[0]", "table3.r3_4[1]")] == ["", "", "", "", "0"]
    assert cell_text(soup, "table2.fees") == "24252.311082" and cell_text(soup, "table2.regulations[0]") == "7545"
    assert "一、总体情况概述" in soup.find(id="part-overview").get_text()
    tables = {name: soup.find(id=f"xxgk-{name}").get_text() for name in ("table2", "table3", "table4")}
    assert "本年新制发件数" in tables["table2"] and "本年制发件数" not in tables["table2"]
    assert "公民" in tables["table3"] and "自然人" not in tables["table3"]
    assert "2.其他法律行政止公开" in tables["table3"]
    assert "行政复议案件" in tables["table4"] and "行政诉讼案件" in tables["table4"]
    assert soup.select(".xxgk-signature, .xxgk-contact") == []  # the original had neither


def test_blanks_read_blank_in_the_executed_notebooks_text(published):
    """What ``nbconvert --to markdown``, a terminal or a viewer without HTML shows of a table: a
    blank cell blank, never NaN or None, in every output of every executed section."""
    import nbformat

    plain = {path.name: [output.get("data", {}).get("text/plain", output.get("text", ""))
                         for cell in nbformat.read(path, as_version=4).cells for output in cell.get("outputs", [])]
             for path in sorted(published.glob("*.ipynb"))}
    assert len(plain) == 6
    assert not [name for name, texts in plain.items() for text in texts if re.search(r"\bNaN\b|\bNone\b|\bnan\b", text)]
    for name, label, numbers in (("03_requests.ipynb", "三、本年度办理结果 › （三）不予公开 › 4.保护第三方合法权益", 5),
                                 ("04_appeals.ipynb", "行政复议 ", 4), ("02_proactive.ipynb", "行政许可", 0)):
        lines = [line for text in plain[name] for line in text.splitlines() if line.lstrip().startswith(label)]
        assert lines and all(re.findall(r"\S+", line.split(label.strip(), 1)[1]) == ["0"] * numbers for line in lines)


def test_blanks_and_variants_print_in_word_and_pdf(published):
    import subprocess

    import docx

    document = docx.Document(str(published / "report.docx"))
    row = next([c.text for c in r.cells] for r in document.tables[1].rows if "4.保护第三方合法权益" in r.cells[2].text)
    assert row[3:] == ["", "0", "0", "0", "0", "0", ""]
    assert document.tables[2].rows[0].cells[0].text == "行政复议案件"
    assert not any("2026年" in p.text for p in document.paragraphs[-3:])
    text = subprocess.run(["pdftotext", "-layout", str(published / "report.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "24252.311082" in text and "行政诉讼案件" in text and "一、总体情况概述" in text
    third_party = next(line for line in text.splitlines() if "4.保护第三方合法权益" in line)
    assert third_party.split("4.保护第三方合法权益")[1].split() == ["0"] * 5  # 自然人 and 总计 blank


def test_a_group_row_prints_as_one_row_under_its_group_label():
    from xxgk.render import tables

    body = BeautifulSoup(tables.table3(read(COLLAPSED)).html, "html.parser").find("tbody")
    rows = [[(c.get_text(), c.get("colspan")) for c in tr.find_all(["th", "td"])] for tr in body.find_all("tr")]
    ours = [r for r in rows if any("其他处理" in text for text, _ in r)]
    assert ours == [[("（六）其他处理", "2"), *[(v, None) for v in ("2", "0", "0", "0", "0", "0", "2")]]]
    assert not any(text == "3.其他" for r in rows for text, _ in r)
    assert len(rows) == len(read(TEXT).table3.model_dump(exclude_none=True)) - 2


def test_contact_and_signature_are_printed_only_when_given_and_not_yet_stated(example):
    from xxgk.render import blocks

    assert blocks.signature(example).text == "额敏县人民政府办公室\n2026年1月15日"  # the example as it was
    signed = read(TEXT.replace("published: 2026-01-15", "published: 2026-01-15\nsignature: 额敏县政务公开领导小组"))
    assert blocks.signature(signed).text == "额敏县政务公开领导小组\n2026年1月15日"
    silent = read(TEXT.replace("（地址: 额敏县友好路; 邮编: 834600; 电话及传真: 0901-3340090）", ""))
    shown = blocks.signature(silent)
    assert shown.text.startswith("联系机关：额敏县人民政府办公室；地址：额敏县友好路；邮编：834600；电话：0901-3340090")
    assert BeautifulSoup(shown.html, "html.parser").select_one("p.xxgk-contact") is not None
    assert blocks.signature(read(undated())).html == ""


def test_a_reference_to_a_blank_is_an_error_at_its_line():
    text = row("new", "[0, 0, 0, 0, 0, 0, ~]").replace("part6: |-\n", "part6: |-\n  收到申请{表三.新收}件。\n\n", 1)
    problems = refused(text)
    assert [(p.key, p.line) for p in problems] == [("part6", line_of(text, "  收到申请"))]
    assert "{表三.新收}" in problems[0].message and "空白" in problems[0].message
    collapsed = COLLAPSED.replace("part6: |-\n", "part6: |-\n  其他{表三.r6_3}件，共{表三.其他处理}件。\n\n", 1)
    problems = refused(collapsed)
    assert len(problems) == 1 and "只有一行合计" in problems[0].message and "{表三.r6_3}" in problems[0].message


@pytest.mark.parametrize(("section", "key", "values", "label", "reference"), [
    ("appeals", "review", "[5, ~, 0, 0, 5]", "表四 · 行政复议 · 结果纠正", "{表四.行政复议.结果纠正}"),
    ("requests", "new", "[0, 0, 0, 0, 0, 0, ~]", "表三 · 一、本年新收政府信息公开申请数量 · 总计", "{表三.新收}"),
])
def test_a_summary_naming_a_blank_is_refused_before_any_kernel(tmp_path, section, key, values, label, reference):
    """The sentences summary=auto writes cannot print a blank: refused as a reference to a blank in
    the narrative is, at the cell's line, even with errors allowed, before a section runs."""
    from xxgk.run.build import build

    text = row(key, values)
    path = tmp_path / "params" / "2025" / "emin.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParamsError) as caught:
        build(path, BuildSettings(tmp_path / "outputs", formats=("html",), allow_errors=True,
                                  options={section: {"summary": "auto"}}))
    (problem,) = caught.value.problems
    assert (problem.line, problem.label) == (line_of(text, f"  {key}:"), label)
    assert reference in problem.message and f"{section}.summary=auto" in problem.message
    assert not (tmp_path / "outputs").exists()


def test_a_roll_up_leaves_out_blanks_and_group_rows_and_says_why():
    from xxgk.rollup.rollup import not_summable

    assert not_summable(read(TEXT)) is None
    said = not_summable(read(SHAPES["blank cells"]()))
    assert said and "表格有 4 处空白（如 表二 · 行政许可）" in said and "未计入汇总" in said
    assert "（六）其他处理只有一行合计" in (not_summable(read(COLLAPSED)) or "")


def test_the_workbook_refuses_a_group_row_and_keeps_a_blank_blank(tmp_path):
    from openpyxl import load_workbook

    from xxgk.errors import UsageError
    from xxgk.workbook import write as workbook

    with pytest.raises(UsageError, match="（六）其他处理只有一行合计"):
        workbook.render(read(COLLAPSED))
    target = tmp_path / "shape.xlsx"
    target.write_bytes(workbook.render(read(published_shape())))
    sheet = load_workbook(target)["表二"]
    fees = next(r for r in sheet.iter_rows() if r[0].value == "行政事业性收费")[1]
    assert fees.number_format == "0.000000"
    licensing = next(r for r in sheet.iter_rows() if r[0].value == "行政许可")[1]
    assert licensing.value is None


def test_hongze_2023_as_published_has_its_two_t4_errors_and_two_warnings(example):
    """洪泽 2023 as its PDF prints it: （六）其他处理 in one row and the typo 2.其他法律行政止公开."""
    from conftest import CORPUS
    from helpers import from_expected
    from xxgk.report.model import LabelVariants

    expected = json.loads((CORPUS / "hongze-2023.expected.json").read_text(encoding="utf-8"))
    report = from_expected(example, expected).model_copy(
        update={"label_variants": LabelVariants(r3_2="2.其他法律行政止公开")})
    found = check(report)
    assert sorted((f.rule, f.severity, f.row) for f in found) == [
        ("T4", "error", "review"), ("T4", "error", "suit_after_review"),
        ("X4", "warning", "r3_2"), ("X4", "warning", "r6")]
