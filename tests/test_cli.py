"""The command line speaks Chinese throughout: help, argparse's errors, the sections' options;
and a build writes beside its project, wherever it is run from."""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import EXAMPLE, run_xxgk
from xxgk.cli.arguments import translate

COMMANDS = ("build", "check", "verify", "schema", "options")
ARGPARSE_ENGLISH = re.compile(r"usage:|positional arguments|options:|show this help|error:|required|invalid")


@pytest.mark.parametrize("command", [(), *((c,) for c in COMMANDS)], ids=["xxgk", *COMMANDS])
def test_help_is_chinese(command):
    result = run_xxgk(*command, "--help")
    assert result.returncode == 0 and result.stdout.startswith("用法：xxgk")
    assert not ARGPARSE_ENGLISH.search(result.stdout), result.stdout
    assert "显示本帮助并退出" in result.stdout


@pytest.mark.parametrize(("args", "says"), [
    (("buidl",), "没有“buidl”，可用的有：build"),
    (("build",), "缺少 参数文件"),
    (("build", EXAMPLE, "-j", "x"), "-j/--jobs 的值“x”不对：应为整数"),
    (("build", EXAMPLE, "--timeout"), "--timeout 后面应写一个值"),
    (("check", EXAMPLE, "--bogus"), "不认识的参数 --bogus"),
    ((), "缺少 命令"),
])
def test_argparse_errors_are_chinese(args, says):
    result = run_xxgk(*args)
    assert result.returncode == 2
    assert says in result.stderr and "：错误：" in result.stderr
    assert not ARGPARSE_ENGLISH.search(result.stderr), result.stderr


def test_an_unknown_argparse_message_is_kept_rather_than_lost():
    assert translate("something argparse says one day") == "something argparse says one day"


def test_options_lists_every_section_and_its_choices():
    result = run_xxgk("options")
    assert result.returncode == 0
    assert "overview.subsection_style  可取：run_in、heading；默认 run_in" in result.stdout
    assert "heading：小标题单独成行" in result.stdout  # the notebook's own explanation
    assert result.stdout.count("notebooks/0") == 6


def test_outputs_go_beside_the_project_not_the_current_folder(tmp_path):
    params = tmp_path / "project" / "params" / "2025"
    params.mkdir(parents=True)
    shutil.copy(EXAMPLE, params / "emin.yaml")
    result = run_xxgk("build", "emin.yaml", "--to", "html", cwd=params)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "project" / "outputs" / "2025" / "emin" / "report.html").is_file()
    assert not (params / "outputs").exists()
