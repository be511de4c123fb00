"""Many agencies at once: a failing agency does not stop the others, outputs of Dask and local
builds agree byte for byte, concurrent builds of one agency stay consistent, and incremental
rebuilds re-execute exactly the sections whose inputs changed."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import EXAMPLE, run_xxgk
from xxgk.errors import SectionError
from xxgk.report.sections import SECTIONS, Section
from xxgk.run import cache
from xxgk.run.execute import execute_section
from xxgk.run.settings import BuildSettings

EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")
HTML_ONLY = ("--to", "html")


def tree(folder: Path) -> dict[str, str]:
    """Every file's hash but the locks' and the batch index's, which holds the batch's time."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix != ".lock" and p.name != "index.html"}


def agencies(root: Path, names: list[str], edit: dict[str, tuple[str, str]] | None = None) -> Path:
    folder = root / "params" / "2025"
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        text = EXAMPLE_TEXT
        if edit and name in edit:
            text = text.replace(*edit[name])
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


def test_batch_keeps_going_past_a_failing_agency(tmp_path):
    folder = agencies(tmp_path, ["a", "b", "bad"], {"bad": ("licensing: 9865", "licensing: -1")})
    outputs = tmp_path / "outputs"
    old = outputs / "2025" / "bad"
    old.mkdir(parents=True)
    (old / "report.html").write_text("上次的报告", encoding="utf-8")
    result = run_xxgk("build", folder, "-j", "2", "--outputs", outputs, *HTML_ONLY)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "已生成 2，未变 0，失败 1" in result.stdout
    assert "bad.yaml" in result.stdout and "表二 · 行政许可" in result.stdout
    assert (outputs / "2025" / "a" / "report.html").is_file() and (outputs / "2025" / "b" / "report.html").is_file()
    assert (old / "report.html").read_text(encoding="utf-8") == "上次的报告"
    assert result.stderr.count("3/3") == 1  # the progress line reached the end



def test_a_failing_section_is_named_in_the_batch_summary(tmp_path, failing_section):
    """What a batch worker returns for an agency whose section fails in its kernel (here an
    office's notebook that asks part 一 for a style that does not exist), and how it is summed up."""
    from xxgk.run.batch import FAILED, build_one, summary

    folder = agencies(tmp_path, ["a"], {})
    outputs = tmp_path / "outputs"
    outcome = build_one(str(folder / "a.yaml"), BuildSettings(outputs, formats=("html",), force=True))
    assert outcome.status == FAILED
    said = summary([outcome], 1.0)
    assert "a.yaml" in said and "部分 overview · 第" in said and "个单元格：ValueError" in said
    assert (outputs / "2025" / "a.failed" / "01_overview.ipynb").is_file()
    assert not (outputs / "2025" / "a").exists()


def test_dask_local_cluster_equals_local_build(tmp_path, built_html):
    """Two agencies built on a local Dask cluster, byte for byte what local builds give: the
    example's (the run's ``built_html``) and one of other figures, built here as a local batch.
    HTML only: the PDF and Word files are made by the same code from that HTML either way."""
    changed = {"b": ("licensing: 9865", "licensing: 9866")}
    local, dask = tmp_path / "local", tmp_path / "dask"
    assert run_xxgk("build", agencies(local, ["b"], changed), "-j", "2", "--outputs", local,
                    *HTML_ONLY).returncode == 0
    result = run_xxgk("build", agencies(dask, ["emin", "b"], changed), "--scheduler", "local", "-j", "2",
                      "--outputs", dask, *HTML_ONLY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "已生成 2" in result.stdout
    expected = {"emin": tree(built_html), "b": tree(local / "2025" / "b")}
    assert {name: tree(dask / "2025" / name) for name in expected} == expected
    assert all(len(files) == 11 for files in expected.values())  # ten files and the seal (.xxgk-seal)
    for outputs, name in ((local, "b"), (dask, "emin")):  # both ways of building end with the year's index
        assert f'data-agency="{name}"' in (outputs / "2025" / "index.html").read_text(encoding="utf-8")


def test_two_builds_of_one_agency_at_once_stay_consistent(tmp_path):
    outputs = tmp_path / "outputs"
    command = [sys.executable, "-m", "xxgk.cli", "build", str(EXAMPLE), "--outputs", str(outputs), *HTML_ONLY]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen([*command, "--force"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert first.wait(timeout=300) == 0 and second.wait(timeout=300) == 0
    folder = outputs / "2025" / "emin"
    assert run_xxgk("verify", folder).returncode == 0
    assert sorted(p.name for p in (outputs / "2025").iterdir()) == [".emin.lock", "emin"]


# --- incremental rebuilds --------------------------------------------------------------------

def build(path, outputs, *extra):
    result = run_xxgk("build", path, "--outputs", outputs, *HTML_ONLY, *extra)
    assert result.returncode == 0, result.stderr
    return result.stdout


def executed(folder: Path, before: dict[str, str]) -> set[str]:
    """The sections whose executed notebook was rewritten since ``before``."""
    now = tree(folder)
    return {s.key for s in SECTIONS if now[s.notebook] != before[s.notebook] or
            (folder / s.notebook).stat().st_mtime_ns != before[f"mtime:{s.notebook}"]}


def snapshot(folder: Path) -> dict[str, str]:
    state = tree(folder)
    state.update({f"mtime:{s.notebook}": (folder / s.notebook).stat().st_mtime_ns for s in SECTIONS})
    return state


@pytest.fixture
def incremental(tmp_path, built_html):
    """The example in a project of its own with the outputs of its HTML build: a copy of the run's
    (``built_html``), byte for byte what building it here gives (the outputs name no path)."""
    path = tmp_path / "params" / "2025" / "emin.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(EXAMPLE_TEXT, encoding="utf-8")
    outputs = tmp_path / "outputs"
    shutil.copytree(built_html, outputs / "2025" / "emin")
    return path, outputs, outputs / "2025" / "emin"


EVERY_SECTION = {s.key for s in SECTIONS}


# every section is keyed on the whole report: a hand-kept list of the fields each one reads let a
# missing entry publish a stale section
@pytest.mark.parametrize("old, new, sections", [
    ("意度。", "意度和满意率。", EVERY_SECTION),  # part 五's narrative
    ("licensing: 9865", "licensing: 9870", EVERY_SECTION),  # a value of 表二
    ("  name: 额敏县人民政府办公室 ", "  name: 额敏县人民政府 ", EVERY_SECTION),  # the signature
    ("# 本报告表二", "# 注释的改动不影响结果 本报告表二", set()),  # a comment: re-assembled only
], ids=["part5", "table2", "agency", "comment"])
def test_a_change_of_the_report_re_executes_its_sections_and_a_comment_none(incremental, tmp_path, old, new,
                                                                             sections):
    path, outputs, folder = incremental
    before = snapshot(folder)
    assert old in EXAMPLE_TEXT
    path.write_text(EXAMPLE_TEXT.replace(old, new), encoding="utf-8")
    build(path, outputs)
    assert executed(folder, before) == sections
    assert tree(folder)["audit.html"] != before["audit.html"]  # the params hash, at least
    # what was reused is exactly what a build from scratch gives
    fresh = tmp_path / "fresh"
    build(path, fresh, "--force")
    assert tree(folder) == tree(fresh / "2025" / "emin")


def test_no_change_output_options_and_force(incremental):
    path, outputs, folder = incremental
    before = snapshot(folder)
    assert "已是最新" in build(path, outputs)
    assert snapshot(folder) == before
    build(path, outputs, "--to", "html,docx")  # other outputs: re-assembled, nothing re-executed
    assert executed(folder, before) == set() and (folder / "report.docx").is_file()
    before = snapshot(folder)
    build(path, outputs, "--to", "html,docx", "--force")
    assert executed(folder, before) == {s.key for s in SECTIONS}


def test_a_tampered_output_is_rebuilt(incremental):
    path, outputs, folder = incremental
    (folder / "report.html").write_text("篡改", encoding="utf-8")
    assert "已生成" in build(path, outputs)
    assert run_xxgk("verify", folder).returncode == 0


def test_section_keys_follow_every_input(example):
    sources = {s.key: f"notebook {s.key}".encode() for s in SECTIONS}
    keys = cache.section_keys(sources, example, None, {})
    assert len(set(keys.values())) == len(SECTIONS)
    edited_notebook = cache.section_keys({**sources, "appeals": b"changed"}, example, None, {})
    assert {k for k in keys if keys[k] != edited_notebook[k]} == {"appeals"}
    with_option = cache.section_keys(sources, example, None, {"overview": {"subsection_style": "heading"}})
    assert {k for k in keys if keys[k] != with_option[k]} == {"overview"}
    with_previous = cache.section_keys(sources, example, example, {})
    assert all(keys[k] != with_previous[k] for k in keys)  # every notebook is told about it
    environment = {"python": "3.11.7"}
    section = SECTIONS[0]
    data = cache.report_data(example)
    assert cache.section_key(section, b"", data, None, {}, environment) != \
        cache.section_key(section, b"", data, None, {}, {"python": "3.12.0"})


def test_kit_digest_follows_the_kit_code(tmp_path):
    from xxgk.paths import PACKAGE

    copy = tmp_path / "xxgk"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert cache.kit_digest(copy) == cache.kit_digest(PACKAGE)
    rules = copy / "report" / "rules.py"  # a module in a sub-package counts too
    rules.write_text(rules.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    cache.kit_digest.cache_clear()
    assert cache.kit_digest(copy) != cache.kit_digest(PACKAGE)


# --- isolation -------------------------------------------------------------------------------

def test_each_section_runs_in_its_own_clean_interpreter(tmp_path):
    def notebook(name: str, code: str, key: str) -> Section:
        book = nbformat.v4.new_notebook(cells=[
            nbformat.v4.new_code_cell("params_path = None\nprevious_path = None", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell(code)])
        book.metadata.kernelspec = {"name": "python3", "language": "python", "display_name": "Python 3"}
        book.metadata.language_info = {"name": "python"}
        path = tmp_path / f"{name}.ipynb"
        nbformat.write(book, path)
        return Section(key, str(path))  # an absolute notebook path stands outside notebooks/

    polluter = notebook("polluter", "leaked = 1\nimport math, builtins\nmath.pi = 3\nbuiltins.planted = True",
                        "overview")
    checker = notebook("checker", "assert 'leaked' not in globals(), 'a variable leaked'\n"
                                  "import math, builtins\nassert math.pi != 3, 'a monkey-patch leaked'\n"
                                  "assert not hasattr(builtins, 'planted'), 'a builtin leaked'", "proactive")
    inputs = {"params_path": None, "previous_path": None}
    execute_section(polluter, inputs, tmp_path / "out1.ipynb", {}, agency="t", year=2025)
    execute_section(checker, inputs, tmp_path / "out2.ipynb", {}, agency="t", year=2025)
    # and the check can fail: the same code in one notebook does see its own patch
    both = notebook("both", "leaked = 1\nassert 'leaked' not in globals()", "requests")
    with pytest.raises(SectionError):
        execute_section(both, inputs, tmp_path / "out3.ipynb", {}, agency="t", year=2025)


def test_kernels_are_forked_from_the_template_process(tmp_path):
    """A kernel is the zygote's child, with its imports; what they made is out of the kernel's
    garbage collections (``gc.freeze``), whose full passes would walk it all."""
    from xxgk.run.zygote import zygote

    book = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("params_path = None\nprevious_path = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import gc, os, sys\nimport pandas\n"
                                  "print(os.getppid(), 'pandas' in sys.modules, os.getcwd(), gc.get_freeze_count(),\n"
                                  "      any(o is vars(pandas) for o in gc.get_objects()))")])
    book.metadata.kernelspec = {"name": "python3", "language": "python", "display_name": "Python 3"}
    book.metadata.language_info = {"name": "python"}
    nbformat.write(book, tmp_path / "probe.ipynb")
    section = Section("overview", str(tmp_path / "probe.ipynb"))
    (tmp_path / "stage").mkdir()
    before = os.getcwd()
    executed = execute_section(section, {"params_path": None, "previous_path": None},
                               tmp_path / "stage" / "out.ipynb", {}, agency="t", year=2025)
    parent, preloaded, cwd, frozen, collected = executed.cells[-1].outputs[0].text.split()
    assert int(parent) == zygote().process.pid and preloaded == "True"
    assert int(frozen) > 100_000 and collected == "False"  # pandas' module among the frozen
    # the kernel works in the notebook's folder; the builder, running sections in threads, never moves
    assert cwd == str(tmp_path / "stage") and os.getcwd() == before
    assert executed.metadata.kernelspec.name == "python3"  # a notebook keeps the kernel it names
