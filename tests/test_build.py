"""The build as a whole: a failing section leaves the previous outputs intact and says where it
failed; section options reach the notebooks; unknown options are refused before anything runs."""

from __future__ import annotations

import shutil

import nbformat
from bs4 import BeautifulSoup

from conftest import EXAMPLE, run_xxgk
from test_params import snapshot


def test_failed_section_keeps_previous_outputs_and_names_section_and_cell(built, tmp_path):
    outputs = tmp_path / "outputs"
    shutil.copytree(built, outputs / "2025" / "emin")
    before = snapshot(outputs)
    result = run_xxgk("build", EXAMPLE, "--outputs", outputs, "--set", "overview.subsection_style=bogus")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "一、总体情况" in result.stderr and "01_overview.ipynb" in result.stderr
    # the 7th cell of the executed notebook: papermill's injected parameters come 3rd
    assert "第 7 个单元格（id: body）" in result.stderr and "ValueError" in result.stderr
    assert "blocks.part1(report, style=subsection_style)" in result.stderr
    assert {k: v for k, v in snapshot(outputs).items() if ".failed" not in k} == before
    partial = nbformat.read(outputs / "2025" / "emin.failed" / "01_overview.ipynb", as_version=4)
    errors = [o for c in partial.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].ename == "ValueError"
    assert not list((outputs / "2025").glob(".emin.staging-*"))


def test_section_option_reaches_the_notebook(tmp_path):
    result = run_xxgk("build", EXAMPLE, "--outputs", tmp_path, "--set", "overview.subsection_style=heading")
    assert result.returncode == 0, result.stderr
    soup = BeautifulSoup((tmp_path / "2025" / "emin" / "report.html").read_text(encoding="utf-8"), "html.parser")
    assert [h.get_text() for h in soup.find_all("h3")][:2] == ["（一）主动公开方面", "（二）依申请公开方面"]
    assert not (tmp_path / "2025" / "emin.failed").exists()


def test_unknown_option_or_section_is_refused_before_running(tmp_path):
    result = run_xxgk("build", EXAMPLE, "--outputs", tmp_path, "--set", "overview.style=heading")
    assert result.returncode == 2 and "subsection_style" in result.stderr
    result = run_xxgk("build", EXAMPLE, "--outputs", tmp_path, "--set", "overveiw.subsection_style=heading")
    assert result.returncode == 2 and "overview" in result.stderr
    assert not any(tmp_path.iterdir())
