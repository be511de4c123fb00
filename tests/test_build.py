"""The build as a whole: a failing section leaves the previous outputs intact and says where it
failed; section options reach the notebooks; unknown options are refused before anything runs."""

from __future__ import annotations

import shutil

import nbformat
import pytest
from bs4 import BeautifulSoup

from conftest import EXAMPLE, run_xxgk
from test_params import snapshot
from xxgk.run.settings import BuildSettings


def test_failed_section_keeps_previous_outputs_and_names_section_and_cell(built, tmp_path, failing_section):
    """A section that fails in its kernel (here: an office's notebook asking part 一 for a style
    that does not exist; the command line refuses such an option before anything runs)."""
    from xxgk.errors import SectionError
    from xxgk.run.build import build

    outputs = tmp_path / "outputs"
    shutil.copytree(built, outputs / "2025" / "emin")
    before = snapshot(outputs)
    with pytest.raises(SectionError) as caught:
        build(EXAMPLE, BuildSettings(outputs))
    message = str(caught.value)
    assert "一、总体情况" in message and "01_overview.ipynb" in message
    # the 6th cell of the executed notebook (the parameters cell holds the injected values)
    assert "第 6 个单元格（id: body）" in message and "ValueError" in message
    assert 'blocks.part1(report, style="bogus")' in message and "应为 run_in 或 heading" in message
    assert {k: v for k, v in snapshot(outputs).items() if ".failed" not in k} == before
    partial = nbformat.read(outputs / "2025" / "emin.failed" / "01_overview.ipynb", as_version=4)
    errors = [o for c in partial.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].ename == "ValueError"
    assert not list((outputs / "2025").glob(".emin.staging-*"))


def test_section_option_reaches_the_notebook(tmp_path):
    result = run_xxgk("build", EXAMPLE, "--outputs", tmp_path, "--to", "html",
                      "--set", "overview.subsection_style=heading")
    assert result.returncode == 0, result.stderr
    soup = BeautifulSoup((tmp_path / "2025" / "emin" / "report.html").read_text(encoding="utf-8"), "html.parser")
    assert [h.get_text() for h in soup.find_all("h3")][:2] == ["（一）主动公开方面", "（二）依申请公开方面"]
    assert not (tmp_path / "2025" / "emin.failed").exists()


def test_unknown_option_or_section_is_refused_before_running(tmp_path):
    result = run_xxgk("build", EXAMPLE, "--outputs", tmp_path, "--set", "overview.style=heading")
    assert result.returncode == 2 and "subsection_style" in result.stderr
    result = run_xxgk("build", EXAMPLE, "--outputs", tmp_path, "--set", "overveiw.subsection_style=heading")
    assert result.returncode == 2 and "overview" in result.stderr
    result = run_xxgk("build", EXAMPLE, "--outputs", tmp_path, "--set", "overview.subsection_style=bogus")
    assert result.returncode == 2 and "应为以下之一：run_in、heading" in result.stderr
    assert "ValueError" not in result.stderr
    assert not any(tmp_path.iterdir())


def unbalanced_without_totals(tmp_path):
    """The example with totals left out, 3 applications the narrative denies, and one carried
    over out of nowhere (T3-A in the 法律服务机构 and 总计 columns)."""
    import re

    text = re.sub(r"\[0, 0, 0, 0, 0, 0, 0\]", "[0, 0, 0, 0, 0, 0]", EXAMPLE.read_text(encoding="utf-8"))
    text = "\n".join(line for line in text.splitlines() if not line.startswith("  total:"))
    for row, values in (("r1", "[2, 0, 0, 0, 0, 1]"), ("new", "[2, 0, 0, 0, 0, 1]"),
                        ("carry_out", "[0, 0, 0, 0, 1, 0]")):
        text = text.replace(f"  {row + ':':<10} [0, 0, 0, 0, 0, 0]", f"  {row + ':':<10} {values}")
    path = tmp_path / "params" / "2025" / "emin.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_build_refuses_errors_unless_allowed(built_html, tmp_path):
    params = unbalanced_without_totals(tmp_path)
    outputs = tmp_path / "outputs"
    shutil.copytree(built_html, outputs / "2025" / "emin")
    before = snapshot(outputs)
    result = run_xxgk("build", params, "--outputs", outputs, "--to", "html")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "未通过校验" in result.stderr and "--allow-errors" in result.stderr
    assert "表三 · 法律服务机构 列" in result.stderr and "X3" in result.stderr
    assert snapshot(outputs) == before

    result = run_xxgk("build", params, "--outputs", outputs, "--to", "html", "--allow-errors")
    assert result.returncode == 0, result.stderr
    folder = outputs / "2025" / "emin"
    report = BeautifulSoup((folder / "report.html").read_text(encoding="utf-8"), "html.parser")
    banner = report.select_one(".xxgk-unchecked")
    assert banner is not None and "未通过校验" in banner.get_text()
    assert "position: fixed" in report.find("style").string  # repeated on every printed page
    audit = BeautifulSoup((folder / "audit.html").read_text(encoding="utf-8"), "html.parser")
    checks = audit.select_one("#checks").get_text(" ")
    assert "T3-A" in checks and "X3" in checks and "表三 · 法律服务机构 列" in checks
    assert "由工具计算的总计" in checks and "表三 · （七）总计 行" in checks
    requests = nbformat.read(folder / "03_requests.ipynb", as_version=4)
    shown = "".join(o.get("data", {}).get("text/html", "") for c in requests.cells for o in c.get("outputs", []))
    assert "T3-A" in shown and "X3" not in shown  # each notebook shows its own section's findings
    overview = nbformat.read(folder / "01_overview.ipynb", as_version=4)
    shown = "".join(o.get("data", {}).get("text/html", "") for c in overview.cells for o in c.get("outputs", []))
    assert "X3" in shown and "T3-A" not in shown
    # the computed totals are printed in the tables
    body = report.find(id="xxgk-table3").find("tbody").find_all("tr")
    assert [td.get_text() for td in body[0].find_all("td")] == ["2", "0", "0", "0", "0", "1", "3"]


def test_clean_build_has_no_banner_and_lists_only_its_wording(built):
    report = BeautifulSoup((built / "report.html").read_text(encoding="utf-8"), "html.parser")
    assert report.select_one(".xxgk-unchecked") is None
    audit = BeautifulSoup((built / "audit.html").read_text(encoding="utf-8"), "html.parser")
    rows = audit.select_one("#checks").select("tbody tr")
    assert [[td.get_text() for td in row.find_all("td")][:5] for row in rows] == [
        ["X4", "提醒", "表二 · 行政规范性文件", "行政规范性文件", "规范性文件"]]


def test_injected_parameters_keep_chinese_readable():
    """papermill writes non-ASCII strings as \\u escapes; the kit's translator keeps them Chinese."""
    import nbformat as nbf
    from papermill.parameterize import parameterize_notebook

    import xxgk.run.execute  # noqa: F401  registers the translator

    notebook = nbf.v4.new_notebook(cells=[nbf.v4.new_code_cell("params_path = ''", metadata={"tags": ["parameters"]})])
    notebook.metadata.kernelspec = {"name": "python3", "language": "python", "display_name": "Python 3"}
    notebook.metadata.language_info = {"name": "python"}
    notebook.metadata.papermill = {}
    injected = parameterize_notebook(notebook, {"params_path": "参数/2025/额敏.yaml"})
    source = next(c.source for c in injected.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert "params_path = '参数/2025/额敏.yaml'" in source and "\\u" not in source
