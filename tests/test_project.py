"""``xxgk init`` and the project: what it makes, that its blank checks clean and builds with the
commands its README gives, where the CLI finds the project, whose notebooks run, and that
``xxgk.toml`` cannot point outside the project."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLE
from xxgk import paths
from xxgk.errors import UsageError
from xxgk.limits import MAX_JOBS
from xxgk.project.scaffold import init
from xxgk.report.format import load_format
from xxgk.report.model import Report
from xxgk.report.params import load_params
from xxgk.report.rules import check
from xxgk.report.sections import SECTIONS, get_section
from xxgk.run.project import MARKER, find, read_settings


def xxgk(*arguments: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xxgk.cli", *arguments], cwd=cwd, capture_output=True, text=True)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("init") / "办公室"
    result = xxgk("init", str(folder), "--agency", "某县人民政府办公室", "--year", "2026", cwd=folder.parent)
    assert result.returncode == 0, result.stderr
    return folder


def test_init_makes_a_project(project):
    params = project / "params" / "2026" / "某县人民政府办公室.yaml"
    assert {p.name for p in project.iterdir()} >= {MARKER, "notebooks", "params", "outputs", "environment.yml",
                                                   "README.md"}
    assert {p.name for p in (project / "notebooks").glob("*.ipynb")} == {s.notebook for s in SECTIONS}
    assert find(params).root == project and find(project / "outputs").root == project
    text = params.read_text(encoding="utf-8")
    assert "请填写" in text and text.count("# ") > 40  # a commented blank
    # every field the model knows is either in the file or optional
    written = yaml.safe_load(text)
    required = {name for name, field in Report.model_fields.items() if field.is_required()}
    assert required <= set(written) and {"table2", "table3", "table4"} <= set(written)
    report = load_params(params)
    assert report.agency.name == "某县人民政府办公室" and report.year == 2026
    assert not check(report, None)  # tables of zeros pass the rules
    # every official row is written out, each of 表三's groups row by row (not as its one-row form)
    official = load_format()
    assert set(written["table3"]) == {row.key for row in official.table3.rows}
    assert set(written["table4"]) == {group.key for group in official.table4.groups}
    assert set(written["table2"]) == {row.key for _, row in official.table2.rows()}
    # the notebooks run on the new file when opened in JupyterLab
    source = (project / "notebooks" / "03_requests.ipynb").read_text(encoding="utf-8")
    assert "../params/2026/某县人民政府办公室.yaml" in source


def test_the_readme_commands_work_as_written(project):
    readme = (project / "README.md").read_text(encoding="utf-8")
    commands = re.search(r"```sh\n(.*?)```", readme, re.S).group(1).splitlines()
    assert [c.split()[1] for c in commands] == ["check", "build", "verify", "lab"]
    for command in commands[:3]:  # lab serves until stopped: tests/test_lab.py runs it
        words = shlex.split(command)
        assert words[0] == "xxgk"
        result = xxgk(*words[1:], cwd=project)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
    built = project / "outputs" / "2026" / "某县人民政府办公室"
    assert {"report.html", "report.pdf", "report.docx"} <= {p.name for p in built.iterdir()}
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["notebook_origins"]) == {s.notebook for s in SECTIONS}
    assert set(manifest["notebook_origins"].values()) == {"project"}


def test_init_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "kept.txt").write_text("x")
    result = xxgk("init", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2 and "不是空文件夹" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["kept.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    init(empty, None, 2026)
    assert (empty / MARKER).is_file()


def test_a_projects_own_notebook_replaces_the_kits(tmp_path):
    (tmp_path / MARKER).write_text("", encoding="utf-8")
    (tmp_path / "notebooks").mkdir()
    section = get_section("requests")
    assert find(tmp_path).notebook(section) == (paths.NOTEBOOKS / section.notebook, "package")
    own = tmp_path / "notebooks" / section.notebook
    own.write_text("{}", encoding="utf-8")
    assert find(tmp_path / "params" / "2025" / "x.yaml").notebook(section) == (own, "project")
    assert find(tmp_path).notebook(get_section("other"))[1] == "package"


def test_without_a_marker_the_kits_defaults_apply(tmp_path):
    assert find(tmp_path).root is None and find(tmp_path).outputs is None


@pytest.mark.parametrize("outputs", ["../elsewhere", "/tmp/elsewhere", "a/../../elsewhere", "link/x", "",
                                     ".", "./", "here"])
def test_no_path_in_the_settings_leaves_the_project(tmp_path, outputs):
    project = tmp_path / "project"
    project.mkdir()
    os.symlink(tmp_path, project / "link")
    os.symlink(".", project / "here")
    (project / MARKER).write_text(f'[build]\noutputs = "{outputs}"\n', encoding="utf-8")
    with pytest.raises(UsageError, match="build.outputs"):
        read_settings(project / MARKER)


def test_a_folder_inside_the_project_is_accepted_and_used(tmp_path):
    (tmp_path / MARKER).write_text('[build]\noutputs = "published/reports"\nformats = ["html"]\njobs = 2\n',
                                   encoding="utf-8")
    project = find(tmp_path)
    assert project.outputs == tmp_path / "published" / "reports"
    assert project.settings.formats == ("html",) and project.settings.jobs == 2


@pytest.mark.parametrize(("text", "key"), [
    ('[build]\nformats = ["exe"]\n', "build.formats"), ("[build]\njobs = 0\n", "build.jobs"),
    (f"[build]\njobs = {MAX_JOBS + 1}\n", "build.jobs"), ('[build]\njobs = "2"\n', "build.jobs"),
    ("[build]\noutputs = 5\n", "build.outputs"), ("build = 5\n", "build"), ('build = "abc"\n', "build"),
    ("[other]\n", "other"), ("not toml [", "TOML")])
def test_bad_settings_are_refused_with_the_file_and_key_named(tmp_path, text, key):
    (tmp_path / MARKER).write_text(text, encoding="utf-8")
    result = xxgk("build", "params/2025/x.yaml", cwd=tmp_path)
    assert result.returncode == 2 and MARKER in result.stderr and key in result.stderr, result.stderr
    assert "内部错误" not in result.stderr and "build.a、" not in result.stderr  # not read as keys a, b, c


def test_jobs_on_the_command_line_are_bounded(tmp_path):
    result = xxgk("build", "params/2025/", "-j", str(MAX_JOBS + 1), cwd=tmp_path)
    assert result.returncode == 2 and f"-j {MAX_JOBS + 1}" in result.stderr


@pytest.mark.parametrize("second", ["b", "elsewhere"])
def test_a_batch_of_two_projects_is_refused_naming_both(tmp_path, second):
    """Built as one batch, b's reports would go into a's outputs with a's formats; refused instead,
    before anything is built (``elsewhere`` has no marker: the kit's defaults, another place again)."""
    for name in ("a", second):
        (tmp_path / name / "params" / "2025").mkdir(parents=True)
        shutil.copy(EXAMPLE, tmp_path / name / "params" / "2025")
    (tmp_path / "a" / MARKER).write_text('[build]\nformats = ["html"]\n', encoding="utf-8")
    if second == "b":
        (tmp_path / "b" / MARKER).write_text('[build]\noutputs = "published"\n', encoding="utf-8")
    result = xxgk("build", "a/params/2025", f"{second}/params/2025", cwd=tmp_path)
    assert result.returncode == 2 and "不同的项目" in result.stderr, result.stderr
    assert str(tmp_path / "a" / MARKER) in result.stderr
    assert (str(tmp_path / "b" / MARKER) if second == "b" else "任何项目之外") in result.stderr
    assert not [p for p in tmp_path.rglob("*") if p.name in ("outputs", "published")]


@pytest.mark.parametrize("agency", ["../上级", "某 县", ".hidden", "_x"])
def test_an_agency_that_cannot_name_a_file_is_refused(tmp_path, agency):
    with pytest.raises(UsageError, match="不能用作参数文件名"):
        init(tmp_path / "new", agency, 2026)
    assert not (tmp_path / "new").exists()


def test_init_dot_makes_the_project_in_the_empty_folder_it_runs_in(tmp_path):
    here = tmp_path / "新项目"
    here.mkdir()
    result = xxgk("init", ".", "--year", "2026", cwd=here)
    assert result.returncode == 0, result.stderr
    assert (here / MARKER).is_file() and (here / "params" / "2026" / "本机关.yaml").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["新项目"]  # no stage left beside it


@pytest.mark.parametrize("arguments", [("--year", "9999"), ("--year", "1999"), ("--agency", "某 县", "--year", "9999")])
def test_init_refuses_bad_arguments_before_making_anything(tmp_path, arguments):
    result = xxgk("init", "new", *arguments, cwd=tmp_path)
    assert result.returncode == 2 and arguments[0] in result.stderr and "内部错误" not in result.stderr
    assert not any(tmp_path.iterdir())


def _shared(tmp_path: Path) -> tuple[Path, Path]:
    """A folder others can write into (as /tmp is) holding a user's own project folder."""
    shared, own = tmp_path / "shared", tmp_path / "shared" / "alice"
    own.mkdir(parents=True)
    shared.chmod(0o777)
    return shared, own


def test_a_marker_others_could_have_planted_is_refused(tmp_path):
    shared, own = _shared(tmp_path)
    (shared / MARKER).write_text("", encoding="utf-8")
    with pytest.raises(UsageError, match="不属于当前用户"):
        find(own / "params" / "2025" / "x.yaml")
    result = xxgk("build", "params/2025/x.yaml", cwd=own)
    assert result.returncode == 2 and str(shared / MARKER) in result.stderr


def test_the_walk_stops_at_a_folder_others_can_write(tmp_path):
    (tmp_path / MARKER).write_text("", encoding="utf-8")  # the user's own, but above the shared folder
    shared, own = _shared(tmp_path)
    assert find(own).root is None
    shared.chmod(0o755)
    assert find(own).root == tmp_path


def test_a_marker_others_can_write_is_refused(tmp_path):
    (tmp_path / MARKER).write_text("", encoding="utf-8")
    (tmp_path / MARKER).chmod(0o666)
    with pytest.raises(UsageError, match="不属于当前用户"):
        find(tmp_path)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a folder to another user")
def test_a_marker_in_another_users_folder_is_refused(tmp_path):
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / MARKER).write_text("", encoding="utf-8")
    os.chown(tmp_path / "theirs", 12345, -1)
    with pytest.raises(UsageError, match="不属于当前用户"):
        find(tmp_path / "theirs" / "params")


def test_verify_refuses_outputs_moved_out_of_their_project(project, tmp_path):
    params = "params/2026/某县人民政府办公室.yaml"
    assert xxgk("build", params, cwd=project).returncode == 0  # built by the README test already: unchanged
    moved = tmp_path / "某县人民政府办公室"
    shutil.copytree(project / "outputs" / "2026" / moved.name, moved)
    result = xxgk("verify", str(moved), cwd=tmp_path)
    assert result.returncode == 2 and "notebook" in result.stderr and "不一致" not in result.stdout
