"""The built example against the published 额敏县 2025 report, and the properties of both HTML files."""

from __future__ import annotations

import hashlib
import json
import re

import nbformat
from bs4 import BeautifulSoup

from conftest import EXAMPLE
from helpers import assert_in_order, published_fields, squash, visible_text


def test_report_contains_every_paragraph_and_number_in_order(built):
    assert_in_order(published_fields(), visible_text((built / "report.html").read_text(encoding="utf-8")))


def test_publication_html_is_self_contained_small_and_without_code(built):
    html = (built / "report.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.html["lang"] == "zh"
    assert soup.find("script") is None
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), "remote resource"
    assert "@import" not in html
    assert len(html.encode()) < 100_000
    for code in ("load_params", "tables.table3", "import xxgk", "In&nbsp;[", "params_path"):
        assert code not in html
    assert [h.get_text() for h in soup.find_all("h2")] == [
        "一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
    assert soup.find("h1").get_text() == "额敏县2025年政府信息公开工作年度报告"
    assert len(soup.find_all("table")) == 3


def test_table_styles_are_scoped_to_their_table(built):
    soup = BeautifulSoup((built / "report.html").read_text(encoding="utf-8"), "html.parser")
    table_styles = [style for style in soup.find_all("style") if style.find_parent("div")]
    assert len(table_styles) == 3
    for style in table_styles:
        owner = style.find_parent("div")["id"]
        css = re.sub(r"/\*.*?\*/", "", style.string, flags=re.S)
        for rule in re.findall(r"([^{}]+)\{[^{}]*\}", css):
            for selector in rule.split(","):
                assert selector.strip().startswith(f"#{owner} "), selector


def test_audit_html_has_every_cell_and_the_provenance(built):
    html = (built / "audit.html").read_text(encoding="utf-8")
    text = visible_text(html)
    params_digest = hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert params_digest in text
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("script") is None
    for name in sorted(p.name for p in built.glob("*.ipynb")):
        notebook = nbformat.read(built / name, as_version=4)
        assert name in text
        for cell in notebook.cells:
            if cell.cell_type == "code":
                assert squash(cell.source) in squash(text), cell.source
    for package in ("papermill", "nbconvert", "great_tables", "pandas", "pydantic"):
        assert package in text
    assert "xxgk 提交" in text


def test_executed_notebooks_are_kept_readable_with_their_params(built):
    assert (built / "params.yaml").read_bytes() == EXAMPLE.read_bytes()
    names = sorted(p.name for p in built.glob("*.ipynb"))
    assert len(names) == 6
    for name in names:
        raw = (built / name).read_text(encoding="utf-8")
        assert "\\u" not in raw.replace("\\\\u", ""), f"{name} has \\u escapes"
        notebook = json.loads(raw)
        injected = [c for c in notebook["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
        assert len(injected) == 1 and "params.yaml" in "".join(injected[0]["source"])
        errors = [o for c in notebook["cells"] for o in c.get("outputs", []) if o["output_type"] == "error"]
        assert not errors
    overview = (built / "01_overview.ipynb").read_text(encoding="utf-8")
    assert "额敏县人民政府办公室" in overview
