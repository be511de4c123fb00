"""Findings a parameter file accepts with a reason: they no longer stop a build or mark it a
draft, every output that lists findings shows the reason, and an acceptance that matches nothing
is reported as stale."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup

from conftest import EXAMPLE, run_xxgk
from test_params import edited
from xxgk.errors import ParamsError
from xxgk.report.findings import errors, to_text
from xxgk.report.params import load_params
from xxgk.report.rules import check

CLAIM = ("未收到政府信息公开申请", "收到并移交上级机关办理政府信息公开申请5件")
ACCEPT = """
accepted:
  - rule: X3
    where: 依申请公开方面
    text: 办理…申请5件
    reason: 5件移交上级机关办理，不计入本机关表三
  - rule: T4
    reason: 去年的表四有误，今年已改正
"""


@pytest.fixture
def accepting(tmp_path):
    path = edited(tmp_path, *CLAIM)
    path.write_text(path.read_text(encoding="utf-8") + ACCEPT, encoding="utf-8")
    return path


def test_an_accepted_finding_is_no_error_and_says_why(accepting):
    found = check(load_params(accepting))
    x3 = [f for f in found if f.rule == "X3"]
    assert [(f.severity, f.accepted) for f in x3] == [("error", "5件移交上级机关办理，不计入本机关表三")]
    assert errors(found) == []
    assert "已接受" in to_text(found) and "5件移交上级机关办理" in to_text(found)


def test_an_acceptance_that_matches_nothing_is_stale(accepting):
    (stale,) = [f for f in check(load_params(accepting)) if f.rule == "A1"]
    assert stale.severity == "warning" and stale.location == "参数文件 accepted 第 2 项" and "T4" in stale.message


def test_the_text_must_match_in_order(tmp_path):
    path = edited(tmp_path, *CLAIM)
    path.write_text(path.read_text(encoding="utf-8") + ACCEPT.replace("办理…申请5件", "申请5件…办理"), encoding="utf-8")
    found = check(load_params(path))
    assert [f.rule for f in errors(found)] == ["X3"]
    assert {f.location for f in found if f.rule == "A1"} == {"参数文件 accepted 第 1 项", "参数文件 accepted 第 2 项"}


def test_an_acceptance_needs_a_known_rule_and_a_reason(tmp_path):
    path = edited(tmp_path, *CLAIM)
    path.write_text(path.read_text(encoding="utf-8") + "accepted:\n  - rule: X9\n", encoding="utf-8")
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    said = {p.key: p.message for p in caught.value.problems}
    assert "应为以下之一" in said["accepted[0].rule"] and "缺少此项" in said["accepted[0].reason"]


def test_a_build_with_accepted_findings_is_no_draft_and_lists_them(accepting, tmp_path):
    result = run_xxgk("build", accepting, "--outputs", tmp_path / "out", "--to", "html")
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "out" / "2025" / "emin"
    report = BeautifulSoup((folder / "report.html").read_text(encoding="utf-8"), "html.parser")
    assert report.select_one(".xxgk-unchecked") is None
    checks = BeautifulSoup((folder / "audit.html").read_text(encoding="utf-8"), "html.parser").select_one("#checks")
    rows = {row.find_all("td")[0].get_text(): row for row in checks.select("tr.xxgk-accepted, tr.xxgk-warning")}
    assert "5件移交上级机关办理" in rows["X3"].get_text() and "已接受" in rows["X3"].get_text()
    assert "已过时" in rows["A1"].get_text()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert [(a["rule"], a["accepted"]) for a in manifest["accepted"]] == [
        ("X3", "5件移交上级机关办理，不计入本机关表三")]
    assert [s["rule"] for s in manifest["stale"]] == ["A1"]


def test_the_example_accepts_nothing():
    assert load_params(EXAMPLE).accepted == ()
