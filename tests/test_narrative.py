"""The narrative check (X3) reads real Chinese: the phrasings of published reports, Chinese
numerals, sums of categories, shares, denials and year-on-year changes; generated sentences
prove that a figure equal to the table passes and any other is reported."""

from __future__ import annotations

import json
import subprocess

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CORPUS
from helpers import from_expected, neutral, with_tables
from test_rules import T3, balanced
from xxgk.report.findings import errors
from xxgk.report.format import load_format
from xxgk.report.narrative import mismatches
from xxgk.report.rules import check

FMT = load_format()
ZERO7 = (0,) * 7


def tables(example, **rows):
    """The neutral example with table 三 rows (key: total) set in the 自然人 column, balanced."""
    table3 = {key: ZERO7 for key in T3}
    for key, count in rows.items():
        table3[key] = (count, 0, 0, 0, 0, 0, count)
    return with_tables(neutral(example), table3=table3)


def said(report, paragraph, previous=None):
    return [(m.expected, m.found, m.ambiguous) for m in mismatches(paragraph, report, previous)]


def test_phrasings_of_published_reports(example):
    huaian = from_expected(example, json.loads((CORPUS / "huaian-2024.expected.json").read_text(encoding="utf-8")))
    sentences = [
        "2024 年，全市共受理政府信息公开申请 3119 件，答复 3050 件"
        "（含上年度结转申请 34 件，另有 103 件顺延到下年度答复）",
        "政府信息公开行政复议 351件，其中结果维持 72 件，结果纠正 64 件，其他结果 178 件，尚未审结 37 件",
        "政府信息公开行政诉讼 46 件，其中结果维持 25件，结果纠正 5 件，其他结果 9 件，尚未审结 7 件",
    ]
    for sentence in sentences:
        assert said(huaian, sentence) == [], sentence
    assert said(huaian, sentences[0].replace("34 件", "43 件")) == [("34", "43", False)]
    assert said(huaian, sentences[0].replace("103 件", "130 件")) == [("103", "130", False)]
    assert said(huaian, sentences[1].replace("结果纠正 64 件", "结果纠正 46 件")) == [("64", "46", False)]
    assert said(huaian, sentences[2].replace("尚未审结 7 件", "尚未审结 8 件")) == [("7", "8", False)]


def test_no_false_alarm_on_a_balanced_published_report(example):
    huaian = from_expected(example, json.loads((CORPUS / "huaian-2024.expected.json").read_text(encoding="utf-8")))
    text = subprocess.run(["pdftotext", CORPUS / "huaian-2024.pdf", "-"], capture_output=True, text=True,
                          check=True).stdout.replace("\n", "")
    assert "受理政府信息公开申请" in text
    assert said(huaian, text) == []


@pytest.mark.parametrize(("sentence", "found"), [
    ("收到政府信息公开申请二十一件", []), ("收到政府信息公开申请二十件", [("21", "20", False)]),
    ("共受理申请21件", []), ("累计收到申请 21 件", []), ("全年新收政府信息公开申请21件", []),
    ("未收到政府信息公开申请", [("21", "0", False)]),
    ("收到政府信息公开申请备案材料21件", []), ("收到备案的政府信息公开申请5件", [("21", "5", True)]),
    ("未发生因政府信息公开工作被申请行政复议的情况", []),  # 被申请: an appeal, not an application
    ("全年收到政府信息公开申请数为零", [("21", "0", False)]), ("受理申请：无", [("21", "0", False)]),
    ("收到申请数为零星", []),
])
def test_counts_in_words_and_figures(example, sentence, found):
    assert said(tables(example, new=21, r1=21, total=21), sentence) == found


def test_a_sum_of_categories_is_compared_with_the_sum(example):
    report = tables(example, new=5, r1=3, r2=2, total=5)
    assert said(report, "予以公开及部分公开共5件") == []
    assert said(report, "予以公开、部分公开两件") == [("5", "2", False)]
    assert said(report, "予以公开3件，部分公开两件") == []


def test_shares_are_rounded_as_the_sentence_rounds(example):
    report = tables(example, new=3, r1=1, r4_1=2, total=3)
    assert said(report, "予以公开1件，占33.3%") == []
    assert said(report, "予以公开1件，占33%") == []
    assert said(report, "予以公开1件，占33.33%") == []
    assert said(report, "予以公开1件，占34%") == [("33%", "34%", False)]
    assert said(report, "无法提供2件，占受理总数的66.7%") == []


def test_year_on_year_changes(example):
    this, last = tables(example, new=12, r1=12, total=12), tables(example, new=10, r1=10, total=10)
    assert said(this, "收到申请12件，同比增长20%", last) == []
    assert said(this, "收到申请12件，同比增长25%", last) == [("20%", "25%", False)]
    assert said(this, "收到申请12件，较上年增加2件", last) == []
    assert said(this, "收到申请12件，较上年减少2件", last) == [("2", "-2", False)]
    assert said(this, "收到申请12件，同比增长25%") == []  # no last year's report: nothing to compare


def test_table_four_columns_after_their_group(example):
    table4 = {"review": (1, 2, 0, 0, 3), "suit_direct": (0, 1, 0, 0, 1), "suit_after_review": (2, 0, 0, 0, 2)}
    report = with_tables(neutral(example), table4=table4)
    assert said(report, "被申请行政复议3件，其中结果维持1件、结果纠正2件；行政诉讼3件，复议后起诉2件") == []
    assert said(report, "被申请行政复议3件，其中结果纠正1件") == [("2", "1", False)]
    assert said(report, "未发生行政复议和行政诉讼案件") == [("3", "0", False), ("3", "0", False)]


def test_the_example_has_no_finding_but_its_wording(example):
    assert [f.rule for f in check(example)] == ["X4"]  # 规范性文件, its report's own word


def chinese(number: int) -> str:
    """``number`` (< 10000) in Chinese numerals as reports write them: 十二, 一百零三, 两千零五."""
    digits = "零一二三四五六七八九"
    if number == 0:
        return "零"
    text, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // value % 10
        if digit:
            text += ("零" if zero and text else "") + ("" if digit == 1 and unit == "十" and not text
                                                       else digits[digit]) + unit
            zero = False
        elif text:
            zero = True
    return text


TEMPLATES = [  # (sentence with {n}, the figure it states)
    ("{p}收到政府信息公开申请{n}件", lambda t3, t4: t3["new"][-1]),
    ("{p}受理政府信息公开申请{n}件", lambda t3, t4: t3["new"][-1]),
    ("{p}办结{n}件", lambda t3, t4: t3["total"][-1]),
    ("上年结转申请{n}件", lambda t3, t4: t3["carry_in"][-1]),
    ("结转下年度继续办理{n}件", lambda t3, t4: t3["carry_out"][-1]),
    ("其中予以公开{n}件", lambda t3, t4: t3["r1"][-1]),
    ("予以公开及部分公开{p}{n}件", lambda t3, t4: t3["r1"][-1] + t3["r2"][-1]),
    ("不予公开{n}件", lambda t3, t4: sum(t3[f"r3_{i}"][-1] for i in range(1, 9))),
    ("{p}被申请行政复议{n}件", lambda t3, t4: t4["review"][-1]),
    ("{p}被提起行政诉讼{n}件", lambda t3, t4: t4["suit_direct"][-1] + t4["suit_after_review"][-1]),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tables=balanced(), data=st.data())
def test_generated_sentences_pass_when_true_and_are_reported_when_not(example, tables, data):
    table3, table4 = tables
    report = with_tables(neutral(example), table3=table3, table4=table4)
    template, figure = data.draw(st.sampled_from(TEMPLATES))
    prefix = data.draw(st.sampled_from(["", "共", "累计", "全年", "全年共"]))
    words = data.draw(st.sampled_from([str, chinese]))
    true = figure(table3, table4)
    assert said(report, template.format(p=prefix, n=words(true))) == []
    wrong = data.draw(st.integers(0, 999).filter(lambda n: n != true))
    sentence = template.format(p=prefix, n=words(wrong))
    found = [f for f in errors(check(report.model_copy(update={"part5": sentence + "。"}))) if f.rule == "X3"]
    assert [(f.expected, f.found) for f in found] == [(str(true), str(wrong))]
    assert words(wrong) in found[0].message and found[0].location.startswith(FMT.part("problems").heading)


def test_draft_narrative_proposes_the_references_a_typed_narrative_could_use(tmp_path):
    """示例市's narrative with its references printed as figures: the command proposes, for each
    figure of tables 三 and 四, the reference 示例市 actually uses."""
    import re

    from conftest import ROOT, run_xxgk
    from xxgk.report.params import load_params
    from xxgk.report.references import render_text

    source = ROOT / "params" / "2025" / "shili.yaml"
    text = source.read_text(encoding="utf-8")
    narrative, tables_part = text.split("\ntable2:")
    typed = tmp_path / "shili.yaml"
    typed.write_text(render_text(narrative, load_params(source)) + "\ntable2:" + tables_part, encoding="utf-8")
    result = run_xxgk("draft-narrative", typed)
    assert result.returncode == 0, result.stderr
    proposed = set(re.findall(r"→ “[^”]*?(\{[^}]*\})", result.stdout))
    used = set(re.findall(r"\{表[三四][^}]*\}", narrative))
    assert proposed == used and len(used) == 9
    lines = typed.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "受理政府信息公开申请3119" in text)
    assert f"{typed}:{line}: " in result.stdout and "申请3119件，上” → “" in result.stdout


# --- the standard sentences of parts 三 and 四 ---------------------------------------------------

def test_standard_sentences_are_written_from_the_tables():
    from conftest import ROOT
    from xxgk.render import blocks
    from xxgk.report.params import load_params

    shili = load_params(ROOT / "params" / "2025" / "shili.yaml")
    assert blocks.summary(shili, "requests").text == (
        "本年度共收到政府信息公开申请3119件，上年结转34件；办结3050件，其中予以公开1362件，部分公开454件，"
        "不予公开178件，无法提供781件，不予处理88件，其他处理187件；结转下年度继续办理103件。")
    assert blocks.summary(shili, "appeals").text == (
        "本年度因政府信息公开工作被申请行政复议351件，其中结果维持72件，结果纠正64件；"
        "被提起行政诉讼46件，其中结果维持25件，结果纠正5件。")
    assert 'data-ref="{表三.新收}"' in blocks.summary(shili, "requests").html


def test_a_quiet_year_gets_the_none_wording(example):
    from xxgk.render import blocks

    assert blocks.summary(example, "requests").text == "本年度未收到政府信息公开申请，也没有上年结转的申请。"
    assert "未发生" in blocks.summary(example, "appeals").text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tables=balanced())
def test_the_standard_sentences_pass_the_narrative_check(example, tables):
    from xxgk.render import blocks

    table3, table4 = tables
    report = with_tables(neutral(example), table3=table3, table4=table4)
    for section in ("requests", "appeals"):
        assert said(report, blocks.summary(report, section).text) == []


def test_the_sections_option_puts_the_sentences_in_the_report(tmp_path):
    from bs4 import BeautifulSoup

    from conftest import EXAMPLE, run_xxgk

    result = run_xxgk("build", EXAMPLE, "--outputs", tmp_path, "--to", "html", "--set", "requests.summary=auto",
                      "--set", "appeals.summary=auto")
    assert result.returncode == 0, result.stderr
    html = BeautifulSoup((tmp_path / "2025" / "emin" / "report.html").read_text(encoding="utf-8"), "html.parser")
    summaries = [p.get_text() for p in html.select(".xxgk-summary")]
    assert summaries[0] == "本年度未收到政府信息公开申请，也没有上年结转的申请。" and "未发生" in summaries[1]
    heading = html.find(id="part-requests")
    assert heading.find_next("p").get_text() == summaries[0]  # right under part 三's heading
