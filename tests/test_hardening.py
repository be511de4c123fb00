"""What an attacker or a clumsy user tries: paths that leave their folder, values that become
code, files that never end, values that pass a check and then break or falsify the report,
failures of the machine reported as the kit's own, and a cache that trusts what it should check.
One test per class of defect; test_fuzz.py generates the inputs, test_faults.py kills builds."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import EXAMPLE, run_xxgk
from helpers import neutral, with_tables
from test_faults import Run
from test_params import snapshot
from xxgk.render import tables
from xxgk.report.format import load_format
from xxgk.report.rules import check
from xxgk.report.sections import SECTIONS
from xxgk.run import cache
from xxgk.run.settings import BuildSettings

EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")
FMT = load_format()


def params_file(tmp_path: Path, text: str = EXAMPLE_TEXT, name: str = "emin.yaml") -> Path:
    path = tmp_path / "params" / "2025" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def refused(result: subprocess.CompletedProcess, *words: str) -> None:
    """Exit 2 with a Chinese message that says each of ``words``, and no traceback."""
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output and "内部错误" not in output
    for word in words:
        assert word in output, output


# --- paths and files --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["..yaml", "...yaml", "emin.failed.yaml", "_rollup.yaml", "a b.yaml"])
def test_a_file_name_that_is_no_single_safe_folder_name_is_refused(tmp_path, name):
    path = params_file(tmp_path, name=name)
    outputs = tmp_path / "outputs"
    refused(run_xxgk("build", path, "--outputs", outputs), "不能用作机关的输出文件夹名")
    assert not outputs.exists()


def test_a_folder_build_passes_over_hidden_files(tmp_path):
    from xxgk.run.batch import expand

    folder = params_file(tmp_path).parent
    (folder / "..yaml").write_text("x", encoding="utf-8")
    (folder / ".#emin.yaml").write_text("x", encoding="utf-8")
    (folder / ".git").mkdir()
    (folder / ".git" / "old.yaml").write_text("x", encoding="utf-8")
    assert expand([str(folder.parent)]) == [folder / "emin.yaml"]


def test_a_link_planted_at_the_failure_folder_neither_hides_the_error_nor_is_followed(built, tmp_path,
                                                                                     failing_section):
    from xxgk.errors import SectionError
    from xxgk.run.build import build

    outputs = tmp_path / "outputs"
    shutil.copytree(built, outputs / "2025" / "emin")
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("不能被删除", encoding="utf-8")
    (outputs / "2025" / "emin.failed").symlink_to(victim)
    with pytest.raises(SectionError) as caught:
        build(EXAMPLE, BuildSettings(outputs, formats=("html",)))
    assert "ValueError" in str(caught.value) and "一、总体情况" in str(caught.value)
    assert (victim / "keep.txt").read_text(encoding="utf-8") == "不能被删除"
    failed = outputs / "2025" / "emin.failed"
    assert failed.is_dir() and not failed.is_symlink() and (failed / "01_overview.ipynb").is_file()


@pytest.mark.parametrize("source", ["/some/dir/authorized_keys", "../../x.yaml", "..", "sub/emin.yaml"])
def test_verify_refuses_a_manifest_whose_names_leave_the_folder(built, tmp_path, source):
    folder = tmp_path / "emin"
    shutil.copytree(built, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["inputs"][0]["from"] = source
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    before = snapshot(tmp_path)
    refused(run_xxgk("verify", folder), "manifest.json", "不含路径的文件名")
    assert snapshot(tmp_path) == before


def test_verify_names_a_file_the_manifest_does_not_list(built, tmp_path):
    folder = tmp_path / "emin"
    shutil.copytree(built, folder)
    (folder / "extra.html").write_text("<p>后加的页面</p>", encoding="utf-8")
    result = run_xxgk("verify", folder)
    assert result.returncode == 1 and "extra.html" in result.stdout and "未记录" in result.stdout, result.stdout


# --- code execution ------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["!!binary aGk=", "!!set {a, b}", "!!python/object/apply:os.system ['touch {mark}']",
                                   "\"; open('{mark}', 'w'); \""])
def test_set_values_are_text_never_code(tmp_path, value):
    mark = tmp_path / "ran"
    result = run_xxgk("build", EXAMPLE, "--outputs", tmp_path / "outputs", "--to", "html",
                      "--set", "overview.subsection_style=" + value.replace("{mark}", str(mark)))
    # read as text, and refused as a style the section does not declare, before anything runs
    assert result.returncode == 2 and "应为以下之一：run_in、heading" in result.stderr, result.stderr
    assert not mark.exists() and not (tmp_path / "outputs").exists()


def test_the_parameter_translator_refuses_what_it_does_not_write_itself():
    from xxgk.errors import UsageError
    from xxgk.run.execute import ReadablePythonTranslator

    class Sneaky(str):
        def __repr__(self) -> str:
            return "__import__('os').system('true')"

    for value in (b"x", {"a"}, Sneaky("run_in"), float("inf"), [1], {"a": 1}):
        with pytest.raises(UsageError):
            ReadablePythonTranslator.translate(value)
    assert ReadablePythonTranslator.translate("额敏'\"\n") == repr("额敏'\"\n")


# --- resource limits ---------------------------------------------------------------------------

def test_a_fifo_or_a_device_is_not_read(tmp_path):
    # a read of either would block or never end: the commands' timeout fails the test then
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    refused(run_xxgk("check", fifo, timeout=120), "不是普通文件")
    refused(run_xxgk("check", EXAMPLE, "--previous", "/dev/zero", timeout=120), "不是普通文件")


def test_a_manifest_that_is_a_fifo_is_refused_not_waited_on(tmp_path):
    """An output folder comes from elsewhere: its manifest.json may be a FIFO, which would block
    a plain read for ever."""
    os.mkfifo(tmp_path / "manifest.json")
    command = [sys.executable, "-m", "xxgk.cli", "verify", str(tmp_path)]
    refused(subprocess.run(command, capture_output=True, text=True, timeout=60), "不是普通文件")


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path):
    path = params_file(tmp_path, EXAMPLE_TEXT + "# " + "x" * (2 << 20) + "\n")
    refused(run_xxgk("check", path), "KB")


def test_an_alias_bomb_and_deep_nesting_stop_with_a_message(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(7))
    refused(run_xxgk("check", params_file(tmp_path, bomb)), "别名")
    refused(run_xxgk("check", params_file(tmp_path, "a: " + "[" * 5000 + "]" * 5000 + "\n")), "嵌套")


# --- values that pass a check but break or falsify the report -----------------------------------

@pytest.mark.parametrize("old, new, words", [
    ("licensing: 9865", "licensing: 1000000000000000000000000000000", ["应不大于 999999999"]),
    ("fees: 709.48", "fees: 1e30", ["应不大于"]),
    ("  name: 额敏县人民政府办公室 ", '  name: "额敏\\e[31m县" ', ["U+001B", "控制字符"]),
    ("  name: 额敏县人民政府办公室 ", '  name: "额敏\\0县" ', ["U+0000"]),
    ("  name: 额敏县人民政府办公室 ", '  name: "额敏\\v县" ', ["U+000B"]),
    ("  normative_documents: 规范性文件", '  normative_documents: "\\ue000规范性文件"', ["U+E000", "私用区"]),
    ("  normative_documents: 规范性文件", '  normative_documents: "   "', ["不能只有空白"]),
    ("  name: 额敏县人民政府办公室 ", '  name: "额敏\\ud800县" ', ["U+D800"]),
    ("published: 2026-01-15", "published: 2026-02-30", ["应为日期", "2026-02-30"]),
    ("published: 2026-01-15", "published: 2026-01-15 25:00:00", ["应为日期"]),
    ("  name: 额敏县人民政府办公室 ", "  name: !!python/name:os.system x ", ["!!python/name:os.system"]),
    ("  name: 额敏县人民政府办公室 ", "  name: !!binary aGk= ", ["!!binary"]),
], ids=["10**30", "1e30 万元", "ESC", "NUL", "VT", "U+E000 label", "blank label", "surrogate", "30 Feb",
        "25 o'clock", "python tag", "binary"])
def test_a_value_that_would_break_or_falsify_the_report_is_refused_at_its_line(tmp_path, old, new, words):
    assert old in EXAMPLE_TEXT
    path = params_file(tmp_path, EXAMPLE_TEXT.replace(old, new, 1))
    line = next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if new.strip() in text)
    result = run_xxgk("check", path)
    refused(result, f"emin.yaml:{line}:", *words)
    assert "\x1b" not in result.stdout + result.stderr and "\x00" not in result.stderr


def test_a_line_separator_in_a_block_is_named_not_a_yaml_riddle(tmp_path):
    path = params_file(tmp_path, EXAMPLE_TEXT.replace("主动公开内容的覆盖面", "主动公开内容的\u2028覆盖面"))
    line = next(n for n, text in enumerate(EXAMPLE_TEXT.splitlines(), 1) if "主动公开内容的覆盖面" in text)
    refused(run_xxgk("check", path), f"emin.yaml:{line}:", "U+2028", "行分隔符")


def test_check_of_a_folder_reports_an_unusable_file_and_goes_on(tmp_path):
    params_file(tmp_path, EXAMPLE_TEXT.replace("published: 2026-01-15", "published: 2026-02-30"), "a.yaml")
    params_file(tmp_path, EXAMPLE_TEXT, "b.yaml")
    result = run_xxgk("check", tmp_path / "params")
    refused(result, "a.yaml", "2026-02-30")
    assert "── " + str(tmp_path / "params" / "2025" / "b.yaml") + "\n规则" in result.stdout  # its findings table


# --- messages that blamed the kit ---------------------------------------------------------------

def test_outputs_naming_a_file_is_a_usage_error(tmp_path):
    not_a_folder = tmp_path / "outputs"
    not_a_folder.write_text("", encoding="utf-8")
    refused(run_xxgk("build", EXAMPLE, "--outputs", not_a_folder), "不是文件夹")


def test_a_full_disk_is_reported_as_such_and_loses_nothing(built, tmp_path, monkeypatch):
    from xxgk.errors import OutputsError
    from xxgk.run import build as recipe

    outputs = tmp_path / "outputs"
    shutil.copytree(built, outputs / "2025" / "emin")
    before = snapshot(outputs)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(outputs / "2025" / "x" / "report.html"))

    monkeypatch.setattr(recipe, "_publish", full)
    with pytest.raises(OutputsError) as caught:
        recipe.build(params_file(tmp_path, EXAMPLE_TEXT.replace("额敏县友好路", "额敏县友好路1号")),
                     BuildSettings(outputs, formats=("html",)))
    assert "磁盘空间不足" in caught.value.message and "原有输出未改动" in caught.value.message
    assert snapshot(outputs) == before
    assert not list((outputs / "2025").glob(".emin.staging-*"))


def test_an_unreachable_scheduler_is_named(tmp_path):
    result = run_xxgk("build", EXAMPLE, "--scheduler", "tcp://127.0.0.1:9", "--outputs", tmp_path)
    refused(result, "无法连接 Dask 调度器", "tcp://127.0.0.1:9")


def test_a_kernel_killed_from_outside_fails_its_section_by_name(built, tmp_path, temp):

    outputs = tmp_path / "outputs"
    shutil.copytree(built, outputs / "2025" / "emin")
    before = snapshot(outputs / "2025" / "emin")
    params = params_file(tmp_path, EXAMPLE_TEXT.replace("额敏县友好路", "额敏县友好路1号"))
    run = Run(temp, "build", params, "--outputs", outputs, "--to", "html", pause="section")
    run.wait_for_pause()
    os.kill(int(run.pause_file.read_text(encoding="utf-8")), 9)  # the kernel that paused
    code, _, err = run.finish()
    assert code == 1 and "执行中断" in err and "内核进程意外退出" in err, err
    assert "Traceback" not in err and "内部错误" not in err
    assert snapshot(outputs / "2025" / "emin") == before
    assert (outputs / "2025" / "emin.failed").is_dir()
    assert run.survivors() == []


def test_the_template_process_ends_at_once_when_its_builder_is_gone_already():
    """Started for a builder that is not its parent (it died during the fork): exits before
    importing anything, rather than serving forever."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "xxgk.run.zygote", "/nonexistent/zygote.sock",
                             "1"], capture_output=True, text=True, timeout=60)
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert result.returncode == 0 and not imported & {"ipykernel", "IPython", "bs4", "pandas"}


def test_a_template_process_says_it_is_ready_once_it_has_imported_and_listens():
    """A roll-up's builder checks files itself until the template says it is ready: not before its
    imports are done (it would stop at once), and surely once it listens (it would read them all)."""
    from xxgk.run.zygote import Zygote

    template = Zygote()
    try:
        assert not template.ready  # ipykernel, pandas, great-tables, xxgk: seconds of imports
        deadline = time.monotonic() + 120
        while not template.ready and time.monotonic() < deadline:
            time.sleep(0.05)
        assert template.ready and template.alive and template.path.exists()
    finally:
        template.close()
    assert template.ready  # a template that has ended forks nothing: nobody should wait for it


def test_a_template_process_that_died_while_importing_is_named_not_waited_for():
    from xxgk.run.zygote import Zygote

    template = Zygote(("xxgk.no_such_module",))
    try:
        with pytest.raises(RuntimeError, match="exited"):
            template.fork("unused.json", ".", {}, [])
    finally:
        template.close()

# --- the cache -----------------------------------------------------------------------------------

def test_every_section_key_covers_every_field_of_the_report(example):
    """No hand-kept list: a change of any field of the report reaches every section's key."""
    sources = {s.key: b"notebook" for s in SECTIONS}
    before = cache.section_keys(sources, example, None, {})
    changes = {"introduction": "另一段引言", "part5": "另一段", "part6": "另一段", "title": "另一个标题",
               "published": example.published.replace(day=16),
               "table4": with_tables(example, table4={g.key: (0, 0, 0, 1, 1) for g in FMT.table4.groups}).table4}
    for field, value in changes.items():
        after = cache.section_keys(sources, example.model_copy(update={field: value}), None, {})
        assert all(after[key] != before[key] for key in before), field
    with_previous = cache.section_keys(sources, example, example, {})
    assert all(with_previous[key] != before[key] for key in before)


def test_section_keys_change_with_the_kit(example, monkeypatch):
    sources = {s.key: b"notebook" for s in SECTIONS}
    before = cache.section_keys(sources, example, None, {})
    monkeypatch.setattr(cache, "kit_digest", lambda: "another kit")
    assert all(v != before[k] for k, v in cache.section_keys(sources, example, None, {}).items())


def tampered(folder: Path, notebook: str, text: str) -> None:
    """``notebook`` in an output folder edited to show ``text``, with the manifest made to agree."""
    from xxgk.render.provenance import sha256

    path = folder / notebook
    data = json.loads(path.read_text(encoding="utf-8"))
    for cell in data["cells"]:
        for output in cell.get("outputs", []):
            if "text/html" in output.get("data", {}):
                output["data"]["text/html"] = f"<p>{text}</p>"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["outputs"][notebook] = sha256(path.read_bytes())
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                          encoding="utf-8")


def test_a_notebook_tampered_with_its_manifest_is_never_reused(built_html, tmp_path):
    outputs = tmp_path / "outputs"
    folder = outputs / "2025" / "emin"
    shutil.copytree(built_html, folder)
    tampered(folder, "05_problems.ipynb", "篡改过的第五部分")
    result = run_xxgk("build", EXAMPLE, "--outputs", outputs, "--to", "html")  # the same inputs
    assert result.returncode == 0 and "已是最新" not in result.stdout, result.stdout
    assert "篡改" not in (folder / "report.html").read_text(encoding="utf-8")

    tampered(folder, "05_problems.ipynb", "篡改过的第五部分")
    result = run_xxgk("build", EXAMPLE, "--outputs", outputs, "--to", "html", "--set",
                      "overview.subsection_style=heading")
    assert result.returncode == 0, result.stderr
    assert "沿用" not in result.stdout  # nothing of a folder that fails its seal is reused
    assert "篡改" not in (folder / "report.html").read_text(encoding="utf-8")


# --- fixtures for what the tests used not to tell apart -----------------------------------------

def test_documents_in_force_count_repealed_ones_off(example):
    """X2 with 废止 ≠ 0: in force last year + issued − repealed."""
    last = with_tables(example, table2={"regulations": (0, 0, 10)})
    good = with_tables(example, table2={"regulations": (3, 2, 11)})
    assert [f for f in check(neutral(good), neutral(last)) if f.rule == "X2" and f.row == "regulations"] == []
    wrong = with_tables(example, table2={"regulations": (3, 2, 15)})
    found = [(f.expected, f.found) for f in check(neutral(wrong), neutral(last))
             if f.rule == "X2" and f.row == "regulations"]
    assert found == [("11", "15")]


def test_a_share_is_of_everything_handled_not_of_the_new_applications(example):
    table3 = {row.key: (0,) * 7 for row in FMT.table3.rows}
    table3.update({"new": (10, 0, 0, 0, 0, 0, 10), "carry_in": (5, 0, 0, 0, 0, 0, 5),
                   "r1": (3, 0, 0, 0, 0, 0, 3), "r4_1": (12, 0, 0, 0, 0, 0, 12),
                   "total": (15, 0, 0, 0, 0, 0, 15)})
    report = with_tables(neutral(example), table3=table3)
    of_total = report.model_copy(update={"part5": "其中予以公开3件，占20%。"})
    assert [f for f in check(of_total) if f.rule == "X3"] == []
    of_new = report.model_copy(update={"part5": "其中予以公开3件，占30%。"})
    assert [(f.expected, f.found) for f in check(of_new) if f.rule == "X3"] == [("20%", "30%")]


@pytest.mark.parametrize("render", [tables.table2, tables.table3, tables.table4], ids=["表二", "表三", "表四"])
def test_header_references_point_at_cells_that_exist(example, render):
    table = BeautifulSoup(render(example).html, "html.parser").find("table")
    ids = {tag["id"] for tag in table.find_all(id=True)}
    referenced = [h for cell in table.find_all(headers=True) for h in cell["headers"]]
    assert referenced and set(referenced) <= ids


def test_amounts_stay_exact(example):
    report = with_tables(example, table2={"fees": Decimal("987654321.99")})
    assert "987654321.99" in tables.table2(report).html


def test_a_read_only_outputs_folder_is_no_internal_error(built, tmp_path, monkeypatch):
    """As root the folder cannot be made read-only for the kit, so the refusals are injected where
    the kit meets the file system: unchanged inputs still say so, changed ones name the folder."""
    from xxgk.errors import OutputsError
    from xxgk.run import build as recipe

    outputs = tmp_path / "outputs"
    shutil.copytree(built, outputs / "2025" / "emin")
    (outputs / "2025" / ".emin.lock").touch()
    opened = os.open

    def read_only(path, flags, *args):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return opened(path, flags, *args)

    def no_folder(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(outputs / "2025"))

    monkeypatch.setattr(recipe.os, "open", read_only)
    monkeypatch.setattr(recipe.tempfile, "mkdtemp", no_folder)
    assert recipe.build(EXAMPLE, BuildSettings(outputs)).status == "unchanged"
    before = snapshot(outputs)
    with pytest.raises(OutputsError) as caught:
        recipe.build(params_file(tmp_path, EXAMPLE_TEXT.replace("额敏县友好路", "额敏县友好路1号")),
                     BuildSettings(outputs))
    assert "没有写入权限" in caught.value.message and str(outputs / "2025") in caught.value.message
    assert snapshot(outputs) == before
