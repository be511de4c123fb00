"""The checks: every reconciliation rule, carry-over across years, narrative against tables,
amounts and deadline; tested on generated balanced tables, the corpus and edited examples."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CORPUS, EXAMPLE, run_xxgk
from helpers import from_expected, neutral, with_tables
from xxgk.report.findings import errors
from xxgk.report.format import load_format
from xxgk.report.params import load_params
from xxgk.report.rules import check

FMT = load_format()
T3 = [row.key for row in FMT.table3.rows]
RESULTS = list(FMT.rule("T3-B").check.parts)
GROUPS = [group.key for group in FMT.table4.groups]


@st.composite
def balanced(draw):
    """Tables 三 and 四 that satisfy every reconciliation rule."""
    columns = []
    for _ in range(len(FMT.table3.columns) - 1):
        results = {key: draw(st.integers(0, 40)) for key in RESULTS}
        total = sum(results.values())
        carry_out = draw(st.integers(0, 30))
        carry_in = draw(st.integers(0, total + carry_out))
        columns.append({**results, "total": total, "carry_out": carry_out, "carry_in": carry_in,
                        "new": total + carry_out - carry_in})
    table3 = {key: tuple(c[key] for c in columns) + (sum(c[key] for c in columns),) for key in T3}
    table4 = {}
    for group in GROUPS:
        details = draw(st.lists(st.integers(0, 30), min_size=4, max_size=4))
        table4[group] = (*details, sum(details))
    return table3, table4


@pytest.fixture(scope="module")
def example(example):
    """The example in the official wording: the rules here are not about its 规范性文件."""
    from xxgk.report.model import LabelVariants

    return example.model_copy(update={"label_variants": LabelVariants()})


@pytest.fixture(scope="module")
def base(example):
    return neutral(example)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tables=balanced())
def test_balanced_tables_pass(base, tables):
    table3, table4 = tables
    assert check(with_tables(base, table3=table3, table4=table4)) == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tables=balanced(), data=st.data())
def test_any_single_changed_cell_is_reported_by_its_row_or_column(base, tables, data):
    table3, table4 = tables
    if data.draw(st.booleans()):
        name, table, rows = "table3", table3, T3
    else:
        name, table, rows = "table4", table4, GROUPS
    row = data.draw(st.sampled_from(rows))
    index = data.draw(st.integers(0, len(table[row]) - 1))
    delta = data.draw(st.integers(-table[row][index], 50).filter(lambda d: d != 0))
    values = list(table[row])
    values[index] += delta
    changed = {**table, row: tuple(values)}
    report = with_tables(base, **{name: changed, ("table4" if name == "table3" else "table3"):
                                  table4 if name == "table3" else table3})
    column = [c.key for c in getattr(FMT, name).columns][index]
    found = errors(check(report))
    assert any(f.table == name and (f.row == row or f.column == column) for f in found), found


def expected(name):
    return json.loads((CORPUS / f"{name}.expected.json").read_text(encoding="utf-8"))


def test_hongze_2023_has_exactly_its_two_table4_errors(example):
    report = from_expected(example, expected("hongze-2023"))
    found = errors(check(report))
    assert sorted((f.rule, f.row, f.location) for f in found) == [
        ("T4", "review", "表四 · 行政复议 行"), ("T4", "suit_after_review", "表四 · 复议后起诉 行")]
    review = next(f for f in found if f.row == "review")
    assert (review.expected, review.found) == ("11", "0")


def test_huaian_2024_has_no_error(example):
    assert errors(check(from_expected(example, expected("huaian-2024")))) == []


def test_example_passes_with_its_own_wording_as_the_only_finding():
    """The example prints 规范性文件 as its report did: a warning quoting the official label."""
    assert [(f.rule, f.severity, f.expected, f.found) for f in check(load_params(EXAMPLE))] == [
        ("X4", "warning", "行政规范性文件", "规范性文件")]
    result = run_xxgk("check", EXAMPLE)
    assert result.returncode == 0 and "共 0 个错误，1 个提醒" in result.stdout


# --- X1 and X2, through the command on a two-year pair of files --------------------------------

EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")


def write_year(folder, year, text):
    path = folder / "params" / str(year) / "emin.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def last_year_with_one_carried_over():
    """2024: one application from a 法律服务机构 received and carried over into 2025."""
    text = EXAMPLE_TEXT.replace("year: 2025", "year: 2024").replace("published: 2026-01-15", "published: 2025-01-15")
    text = text.replace("  new:       [0, 0, 0, 0, 0, 0, 0]", "  new:       [0, 0, 0, 0, 1, 0, 1]")
    text = text.replace("  carry_out: [0, 0, 0, 0, 0, 0, 0]", "  carry_out: [0, 0, 0, 0, 1, 0, 1]")
    return text.replace("normative_documents: [0, 0, 15]", "normative_documents: [0, 0, 16]")


def test_carry_over_disagreeing_in_one_column(tmp_path):
    write_year(tmp_path, 2024, last_year_with_one_carried_over())
    this_year = write_year(tmp_path, 2025, EXAMPLE_TEXT)
    result = run_xxgk("check", this_year)
    assert result.returncode == 1
    assert "X1" in result.stdout and "二、上年结转政府信息公开申请数量 · 法律服务机构 列" in result.stdout
    assert "X2" in result.stdout  # 16 in force last year, none repealed, 15 now: a warning
    data = json.loads(run_xxgk("check", this_year, "--json").stdout)
    found = data[str(this_year)]["findings"]
    x1 = [f for f in found if f["rule"] == "X1"]
    assert [(f["column"], f["expected"], f["found"], f["severity"]) for f in x1] == [
        ("legal", "1", "0", "error"), ("total", "1", "0", "error")]
    x2 = [f for f in found if f["rule"] == "X2"]
    assert [(f["row"], f["expected"], f["found"], f["severity"]) for f in x2] == [
        ("normative_documents", "16", "15", "warning")]


def test_carry_over_agreeing_and_explicit_previous(tmp_path):
    last = write_year(tmp_path, 2024, last_year_with_one_carried_over().replace(
        "normative_documents: [0, 0, 16]", "normative_documents: [0, 0, 15]"))
    agreeing = EXAMPLE_TEXT.replace("  carry_in:  [0, 0, 0, 0, 0, 0, 0]", "  carry_in:  [0, 0, 0, 0, 1, 0, 1]")
    agreeing = agreeing.replace("  r1:        [0, 0, 0, 0, 0, 0, 0]", "  r1:        [0, 0, 0, 0, 1, 0, 1]")
    agreeing = agreeing.replace("  total:     [0, 0, 0, 0, 0, 0, 0]", "  total:     [0, 0, 0, 0, 1, 0, 1]")
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text(agreeing, encoding="utf-8")
    result = run_xxgk("check", elsewhere)  # not in params/<year>/: no previous year found
    assert result.returncode == 0, result.stdout
    result = run_xxgk("check", elsewhere, "--previous", last)
    assert result.returncode == 0, result.stdout
    result = run_xxgk("check", write_year(tmp_path, 2025, EXAMPLE_TEXT), "--previous", last)
    assert result.returncode == 1 and "X1" in result.stdout


def test_check_exit_status_for_unusable_input(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("year: [\n", encoding="utf-8")
    result = run_xxgk("check", EXAMPLE, bad)
    assert result.returncode == 2 and "YAML 语法错误" in result.stderr and "Traceback" not in result.stderr
    result = run_xxgk("check", str(tmp_path / "*.nothing"))
    assert result.returncode == 2


# --- X3: narrative against tables ----------------------------------------------------------

def with_narrative(report, old, new):
    subsections = tuple(s.model_copy(update={"text": s.text.replace(old, new)}) for s in report.part1.subsections)
    assert any(old in s.text for s in report.part1.subsections)
    return report.model_copy(update={"part1": report.part1.model_copy(update={"subsections": subsections})})


def test_narrative_claims_applications_the_table_does_not_have(example):
    report = with_narrative(example, "未收到政府信息公开申请", "共收到政府信息公开申请 5 件")
    found = errors(check(report))
    assert [(f.rule, f.expected, f.found) for f in found] == [("X3", "0", "5")]
    assert "（二）依申请公开方面" in found[0].location and "一、本年新收政府信息公开申请数量" in found[0].message


def test_narrative_denies_applications_the_table_has(example):
    table3 = {key: getattr(example.table3, key) for key in T3}
    for key in ("new", "r1", "total"):
        table3[key] = (3, 0, 0, 0, 0, 0, 3)
    found = errors(check(with_tables(example, table3=table3)))
    assert [(f.rule, f.expected, f.found) for f in found] == [("X3", "3", "0")]


def test_narrative_counts_and_shares(example):
    table3 = {key: getattr(example.table3, key) for key in T3}
    table3.update({"new": (8, 0, 0, 0, 0, 0, 8), "r1": (6, 0, 0, 0, 0, 0, 6), "r2": (2, 0, 0, 0, 0, 0, 2),
                   "total": (8, 0, 0, 0, 0, 0, 8)})
    table4 = {"review": (1, 0, 0, 0, 1), "suit_direct": (0, 0, 0, 0, 0), "suit_after_review": (0, 0, 0, 1, 1)}
    report = with_tables(example, table3=table3, table4=table4)
    good = ("共收到政府信息公开申请 8 件，全部办结 8 件，其中予以公开 6 件，占 75%；"
            "被申请行政复议 1 件，提起行政诉讼 1 件")
    report = with_narrative(report, "未收到政府信息公开申请，全年信息公开工作未产生行政复议和行政诉讼案件", good)
    assert check(report) == []
    wrong = with_narrative(report, "占 75%", "占 80%")
    assert [(f.rule, f.expected, f.found) for f in check(wrong)] == [("X3", "75%", "80%")]
    wrong = with_narrative(report, "被申请行政复议 1 件", "被申请行政复议 2 件")
    assert [(f.rule, f.expected, f.found) for f in check(wrong)] == [("X3", "1", "2")]


# --- X4, deadline, totals --------------------------------------------------------------------

def test_amount_with_more_decimals_than_configured_is_a_warning(example):
    report = with_tables(example, table2={"fees": Decimal("709.485")})
    found = check(report)
    assert [(f.rule, f.severity) for f in found] == [("X4", "warning")]


def test_late_publication_is_a_warning(example):
    late_department = example.model_copy(update={
        "published": dt.date(2026, 2, 15),
        "agency": example.agency.model_copy(update={"kind": "department"})})
    assert [(f.rule, f.severity, f.found) for f in check(late_department)] == [("D1", "warning", "2026年2月15日")]
    government = example.model_copy(update={"published": dt.date(2026, 2, 15)})
    assert check(government) == []


def test_left_out_totals_are_computed_and_given_ones_never_overwritten(tmp_path):
    import re

    from xxgk.report.params import load_params

    text = re.sub(r"\[0, 0, 0, 0, 0, 0, 0\]", "[0, 0, 0, 0, 0, 0]", EXAMPLE_TEXT)
    text = "\n".join(line for line in text.splitlines() if not line.startswith("  total:"))
    text = text.replace("  r1:        [0, 0, 0, 0, 0, 0]", "  r1:        [2, 0, 0, 0, 0, 1]")
    text = text.replace("  new:       [0, 0, 0, 0, 0, 0]", "  new:       [2, 0, 0, 0, 0, 1]")
    text = text.replace("[0, 0, 0, 0, 0]", "[0, 0, 0, 0]")
    path = tmp_path / "emin.yaml"
    path.write_text(text, encoding="utf-8")
    report = load_params(path)
    assert report.table3.r1 == (2, 0, 0, 0, 0, 1, 3)
    assert report.table3.total == (2, 0, 0, 0, 0, 1, 3)
    assert report.table4.review == (0, 0, 0, 0, 0)
    assert "表三 · （七）总计 行" in report.computed_totals
    assert "表三 · （一）予以公开 · 总计" in report.computed_totals and len(report.computed_totals) == 24 + 1 + 3
    found = check(neutral(report))
    assert found == []
    given = EXAMPLE_TEXT.replace("  r1:        [0, 0, 0, 0, 0, 0, 0]", "  r1:        [2, 0, 0, 0, 0, 1, 4]")
    path.write_text(given, encoding="utf-8")
    report = load_params(path)
    assert report.table3.r1[-1] == 4  # kept as given
    assert {(f.rule, f.row or f.column) for f in errors(check(neutral(report)))} >= {("T3-C", "r1")}


def test_check_takes_folders(tmp_path):
    write_year(tmp_path, 2024, last_year_with_one_carried_over())
    write_year(tmp_path, 2025, EXAMPLE_TEXT)
    result = run_xxgk("check", tmp_path / "params")
    assert result.returncode == 1
    assert "params/2024/emin.yaml" in result.stdout and "params/2025/emin.yaml" in result.stdout
    assert result.stdout.count("X1") == 2  # the 2025 file only: its 法律服务机构 and 总计 columns


# --- C1 and C2: a report copied from another agency's, or from last year's --------------------

def renamed(report, name="塔城市教育局", subject="塔城市"):
    """The example as an office copies it: its own name in the fields, the narrative left as it was."""
    return report.model_copy(update={
        "agency": report.agency.model_copy(update={"name": name, "subject": subject}),
        "contact": report.contact.model_copy(update={"office": name, "address": f"{subject}光明路"})})


def test_copied_narrative_names_the_agency_it_came_from(tmp_path, example):
    found = [f for f in check(renamed(example)) if f.rule == "C1"]
    assert [(f.severity, f.found) for f in found] == [("warning", "“额敏县” 9 次")]
    assert "塔城市教育局" in found[0].message and found[0].location == "引言 正文"
    copied = tmp_path / "tacheng.yaml"
    text = EXAMPLE_TEXT
    for old, new in (("name: 额敏县人民政府办公室", "name: 塔城市教育局"), ("subject: 额敏县", "subject: 塔城市"),
                     ("office: 额敏县人民政府办公室", "office: 塔城市教育局"),
                     ("address: 额敏县友好路", "address: 塔城市光明路")):
        text = text.replace(old, new)
    copied.write_text(text, encoding="utf-8")
    result = run_xxgk("check", copied)
    assert result.returncode == 0 and "C1" in result.stdout and "额敏县" in result.stdout  # a warning


def test_an_agency_of_the_same_place_and_a_neighbour_named_once_are_not_copies(example):
    assert [f for f in check(renamed(example, "额敏县教育局", "额敏县教育局")) if f.rule == "C1"] == []
    neighbour = with_narrative(example, "额敏县政府网站全年", "额敏县与裕民县政府网站全年")
    assert [f for f in check(neighbour) if f.rule == "C1"] == []
    assert [f.found for f in check(renamed(neighbour)) if f.rule == "C1"] == ["“额敏县” 9 次"]


def test_common_words_ending_like_places_are_not_places(example):
    text = "全县各社区、园区和城区，本市及各县市区，推动全县经济，塔城地区，自治区。" * 3
    report = example.model_copy(update={"part6": text})
    assert [f for f in check(report) if f.rule == "C1"] == []


def test_figures_unchanged_from_last_year(example):
    last = example.model_copy(update={"year": 2024})
    found = [f for f in check(example, last) if f.rule == "C2"]
    assert [(f.table, f.severity) for f in found] == [("table2", "warning")]  # 表三 and 表四 are all zero
    assert "2024" in found[0].found and "4 个非零数" in found[0].found
    changed = example.model_copy(update={"table2": example.table2.model_copy(update={"licensing": 9866})})
    assert [f for f in check(changed, last) if f.rule == "C2"] == []
    in_force_only = last.model_copy(update={"table2": last.table2.model_copy(
        update={"normative_documents": (0, 0, 14)})})
    assert [f.table for f in check(example, in_force_only) if f.rule == "C2"] == ["table2"]


# --- K1: contact details stated twice ----------------------------------------------------------

def test_narrative_contact_details_must_be_the_contact_ones(example):
    def moved(**fields):
        return example.model_copy(update={"contact": example.contact.model_copy(update=fields)})

    found = [(f.rule, f.location, f.expected, f.found) for f in check(moved(phone="0901 334 1111"))]
    assert found == [("K1", "正文中的电话", "0901 334 1111", "0901-3340090")]
    assert [f.found for f in check(moved(address="额敏县团结路", postcode="834601"))] == ["额敏县友好路", "834600"]
    assert check(moved(phone="(0901)3340090")) == []  # the same number written otherwise
    silent = example.model_copy(update={"introduction": "本报告根据条例编制。"})
    assert check(silent.model_copy(update={"contact": moved(phone="0901-1").contact})) == []
