"""The repository's set-up: conda and pip users get the same dependencies; the README's two
commands are the Makefile's; CI runs the test command."""

from __future__ import annotations

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from ruamel.yaml import YAML

from conftest import ROOT


def canonical(requirement: str) -> tuple[str, str]:
    parsed = Requirement(requirement)
    name = re.sub(r"[-_.]+", "-", parsed.name).lower()
    return name, str(parsed.specifier)


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pip = {canonical(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]}
    environment = YAML(typ="safe").load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {canonical(d) for d in environment["dependencies"]
             if isinstance(d, str) and d != "pip" and not d.startswith("python=")}
    assert conda == pip
    assert "python=3.11" in environment["dependencies"]


def test_readme_commands_and_ci():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("report", "test"):
        assert f"make {target}" in readme
        assert re.search(rf"^{target}: ", makefile, re.M)
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_outputs_are_not_committed():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "/outputs/" in ignored and "/.venv/" in ignored


def test_corpus_copies_are_the_shared_originals():
    """tests/corpus holds verbatim copies of ../shared (so a clone elsewhere can test); never edited."""
    shared = ROOT.parent / "shared"
    pairs = [("corpus/emin-2025.txt", "emin-2025.txt"),
             ("corpus/hongze-2023.expected.json", "hongze-2023.expected.json"),
             ("corpus/huaian-2024.expected.json", "huaian-2024.expected.json"),
             ("corpus/huaian-2024.pdf", "huaian-2024.pdf"),
             ("corpus/hongze-2023.pdf", "hongze-2023.pdf"),
             ("format/format-2021.json", "format-2021.reference.json")]
    if not shared.is_dir():
        pytest.skip("no ../shared beside this clone")
    for original, copy in pairs:
        assert (shared / original).read_bytes() == (ROOT / "tests" / "corpus" / copy).read_bytes()
