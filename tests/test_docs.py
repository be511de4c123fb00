"""The Chinese user guide stays true to the kit: every rule of the format data and every command
of the command line is explained in it."""

from __future__ import annotations

import re

from conftest import ROOT, run_xxgk
from xxgk.report.format import load_format

GUIDE = (ROOT / "docs" / "操作手册.md").read_text(encoding="utf-8")


def test_every_rule_is_explained_in_the_guide():
    explained = set(re.findall(r"^\| ([A-Z]\d?(?:-[A-Z])?) \| (?:错误|提醒) \|", GUIDE, re.M))
    assert explained == {rule.id for rule in load_format().rules}


def test_every_command_is_in_the_guide():
    listing = run_xxgk("--help").stdout
    commands = re.findall(r"^    (\w+)  ", listing, re.M)
    assert len(commands) >= 5
    assert [c for c in commands if f"xxgk {c}" not in GUIDE] == []


def test_the_readme_sends_users_to_the_guide():
    assert "docs/操作手册.md" in (ROOT / "README.md").read_text(encoding="utf-8")
