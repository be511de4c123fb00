"""Figures written as references to the tables: every way of naming a cell, sums, shares,
amounts; mistakes named at their line with the names meant; the checks read the figures."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import EXAMPLE
from helpers import with_tables
from test_params import edited, line_of
from xxgk.errors import ParamsError
from xxgk.report.findings import errors
from xxgk.report.format import load_format
from xxgk.report.params import load_params
from xxgk.report.references import parse, problems, render_html, render_text, shown
from xxgk.report.rules import check

FMT = load_format()
T3_ROWS = [row.key for row in FMT.table3.rows]
#            自然人 商业 科研 公益 法律 其他 总计
NEW = (5, 0, 0, 0, 0, 1, 6)
R1 = (2, 0, 0, 0, 0, 1, 3)
R2 = (1, 0, 0, 0, 0, 0, 1)
R3_1 = (1, 0, 0, 0, 0, 0, 1)
CARRY_OUT = (1, 0, 0, 0, 0, 0, 1)
TOTAL = (4, 0, 0, 0, 0, 1, 5)


@pytest.fixture(scope="module")
def report(example):
    zero = (0,) * 7
    table3 = {key: zero for key in T3_ROWS} | {"new": NEW, "r1": R1, "r2": R2, "r3_1": R3_1, "total": TOTAL,
                                               "carry_out": CARRY_OUT}
    table4 = {"review": (1, 2, 0, 0, 3), "suit_direct": (0, 1, 0, 0, 1), "suit_after_review": (2, 0, 0, 0, 2)}
    return with_tables(example, table3=table3, table4=table4)


@pytest.mark.parametrize(("written", "figure"), [
    ("表三.新收", "6"), ("表三.新收.总计", "6"), ("表三.一、本年新收政府信息公开申请数量", "6"),
    ("table3.new.total", "6"),
    ("表三.新收.自然人", "5"), ("表三.新收.natural", "5"), ("表3.新收", "6"),
    ("表三.予以公开", "3"), ("表三.（一）予以公开", "3"), ("表三.r1", "3"),
    ("表三.予以公开+部分公开", "4"), ("表三.部分公开", "1"),
    ("表三.不予公开", "1"), ("表三.属于国家秘密", "1"), ("表三.1.属于国家秘密", "1"),
    ("表三.（七）总计", "5"), ("表三.办结", "5"), ("表三.结转下年度", "1"), ("表三.上年结转", "0"),
    ("表三.予以公开+部分公开 占 总计", "80.00"), ("表三.予以公开 占 新收 保留1位", "50.0"),
    ("表三.予以公开 占 新收 保留0位小数", "50"), ("表三.部分公开 占 新收 保留 3 位", "16.667"),
    ("表四.行政复议", "3"), ("表四.行政复议.结果纠正", "2"), ("表四.行政诉讼", "3"), ("表四.诉讼.总计", "3"),
    ("表四.复议后起诉", "2"), ("表四.行政复议+行政诉讼 占 行政复议", "200.00"),
    ("表二.行政许可", "9865"), ("表二.收费", "709.48"), ("表二.行政事业性收费", "709.48"),
    ("表二.规范性文件.现行有效件数", "15"), ("表二.行政规范性文件.in_force", "15"),
    ("表二.规章+行政规范性文件.现行有效件数", "15"),
])
def test_every_way_of_naming_a_cell(report, written, figure):
    assert shown(parse(written), report) == figure


def test_a_share_of_nothing_is_zero(example):
    assert shown(parse("表三.予以公开 占 新收"), example) == "0.00"


@pytest.mark.parametrize(("written", "says"), [
    ("{表三.新手}", "表三没有“新手”。是否想写：新收"),
    ("{表三.新收.自营人}", "表三没有“自营人”一列。是否想写：自然人"),
    ("{表二.规章}", "这一行有 3 个数（本年制发件数、本年废止件数、现行有效件数），请写明哪一个"),
    ("{表二.规章+行政许可}", "数值种类不同的行不能相加"),
    ("{表二.行政许可.现行有效件数}", "没有“现行有效件数”一列"),
    ("{表五.新收}", "没有表五，可以引用的是表二、表三、表四"),
    ("{表三}", "后面要写行名"),
    ("{表三.予以公开 占 新收 占 总计}", "“占”只能出现一次"),
])
def test_a_reference_that_names_nothing_says_what_was_meant(written, says):
    (found,) = problems(f"共收到申请{written}件")
    assert found[0] == len("共收到申请") and says in found[1]


def test_braces_that_are_not_references_are_text(report):
    text = "见 {附件一}、{abc} 和 {表格}。"
    assert problems(text) == [] and render_text(text, report) == text


def test_a_wrong_reference_is_a_parameter_error_at_its_line(tmp_path):
    path = edited(tmp_path, "未收到政府信息公开申请", "收到政府信息公开申请{表三.新手}件")
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    (problem,) = caught.value.problems
    assert problem.line == line_of(path, "{表三.新手}")  # inside the block, not at its key
    assert problem.key == "part1.subsections[1].text" and "是否想写：新收" in problem.message


def test_the_checks_read_the_figures_references_print(tmp_path, report):
    sub = report.part1.subsections[1]

    def said(text):
        subsections = (report.part1.subsections[0], sub.model_copy(update={"text": text}),
                       *report.part1.subsections[2:])
        return report.model_copy(update={"part1": report.part1.model_copy(update={"subsections": subsections})})
    assert [f for f in errors(check(said("共收到政府信息公开申请{表三.新收}件。"))) if f.rule == "X3"] == []
    typed = [f for f in errors(check(said("共收到政府信息公开申请5件。"))) if f.rule == "X3"]
    assert [(f.expected, f.found) for f in typed] == [("6", "5")]


def test_html_keeps_the_reference_beside_its_figure_and_escapes_the_text(report):
    html = render_html("<b>收到{表三.新收}件</b>，占{表三.予以公开 占 新收}%", report)
    assert html == ('&lt;b&gt;收到<span class="xxgk-ref" data-ref="{表三.新收}" title="{表三.新收}">6</span>件'
                    '&lt;/b&gt;，占<span class="xxgk-ref" data-ref="{表三.予以公开 占 新收}" '
                    'title="{表三.予以公开 占 新收}">50.00</span>%')


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_sum_of_rows_and_column_is_the_sum_of_those_cells(report, data):
    rows = data.draw(st.lists(st.sampled_from(T3_ROWS), min_size=1, max_size=4, unique=True))
    column = data.draw(st.sampled_from(FMT.table3.columns))
    values = {key: tuple(data.draw(st.integers(0, 999)) for _ in range(7)) for key in rows}
    table3 = {key: getattr(report.table3, key) for key in T3_ROWS} | values
    changed = report.model_copy(update={"table3": report.table3.model_copy(update=table3)})
    index = [c.key for c in FMT.table3.columns].index(column.key)
    written = f"表三.{'+'.join(rows)}.{column.label}"
    assert shown(parse(written), changed) == str(sum(values[key][index] for key in rows))


def test_the_example_has_no_reference_problem():
    text = EXAMPLE.read_text(encoding="utf-8")
    assert problems(text) == [] and render_text(text, load_params(EXAMPLE)) == text


def test_a_reference_prints_the_same_figure_everywhere_and_follows_its_cell(tmp_path):
    """The second example writes its figures as references: the same sentence in HTML, PDF and
    Word, the reference beside it in the audit version, and a changed cell changes the sentence."""
    import shutil
    import subprocess

    from bs4 import BeautifulSoup
    from docx import Document

    from conftest import ROOT, run_xxgk
    from helpers import squash

    params = tmp_path / "params" / "2025"
    params.mkdir(parents=True)
    shutil.copy(ROOT / "params" / "2025" / "shili.yaml", params / "shili.yaml")
    outputs = tmp_path / "outputs"
    assert run_xxgk("build", params / "shili.yaml", "--outputs", outputs).returncode == 0
    folder = outputs / "2025" / "shili"
    sentence = "全年共受理政府信息公开申请3119件，上年结转34件；办结3050件，其中予以公开和部分公开1816件，占59.5%"
    html = BeautifulSoup((folder / "report.html").read_text(encoding="utf-8"), "html.parser")
    assert sentence in squash(html.get_text()) and "{表三" not in str(html)  # no reference for readers
    pdf = subprocess.run(["pdftotext", folder / "report.pdf", "-"], capture_output=True, text=True, check=True)
    assert sentence in squash(pdf.stdout)
    assert sentence in squash("".join(p.text for p in Document(str(folder / "report.docx")).paragraphs))
    audit = BeautifulSoup((folder / "audit.html").read_text(encoding="utf-8"), "html.parser")
    shown = {span["data-ref"]: span.get_text() for span in audit.select(".xxgk-ref")}
    assert shown["{表三.新收}"] == "3119" and shown["{表三.予以公开+部分公开 占 办结 保留1位}"] == "59.5"

    text = (params / "shili.yaml").read_text(encoding="utf-8")
    (params / "shili.yaml").write_text(text.replace("new:       [3001,", "new:       [3002,")
                                       .replace("r1:        [1288,", "r1:        [1289,")
                                       .replace("total:     [2932, 53, 0, 0, 61, 4, 3050]",
                                                "total:     [2933, 53, 0, 0, 61, 4, 3051]")
                                       .replace("3119]", "3120]").replace("1362]", "1363]"), encoding="utf-8")
    result = run_xxgk("build", params / "shili.yaml", "--outputs", outputs, "--to", "html")
    assert result.returncode == 0, result.stdout + result.stderr
    html = squash(BeautifulSoup((folder / "report.html").read_text(encoding="utf-8"), "html.parser").get_text())
    assert "受理政府信息公开申请3120件" in html and "办结3051件，其中予以公开和部分公开1817件，占59.6%" in html
