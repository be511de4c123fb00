"""The section notebooks: one per registry entry, committed without outputs, thin, tagged, and
runnable unchanged with ``jupyter execute`` on their defaults."""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from conftest import ROOT
from xxgk.errors import UsageError
from xxgk.report.format import load_format
from xxgk.report.sections import SECTIONS, get_section

NOTEBOOKS = ROOT / "lib" / "xxgk" / "notebooks"


def notebooks():
    return {path.name: nbformat.read(path, as_version=4) for path in sorted(NOTEBOOKS.glob("*.ipynb"))}


def test_registry_declares_every_notebook_once():
    assert [s.notebook for s in SECTIONS] == sorted(notebooks())
    assert [s.key for s in SECTIONS] == [p.key for p in load_format().parts]


def test_unknown_section_lists_the_valid_ones():
    with pytest.raises(UsageError, match="overview"):
        get_section("overveiw")


@pytest.mark.parametrize("name", sorted(notebooks()))
def test_notebook_source_has_no_outputs_and_is_tagged(name):
    notebook = notebooks()[name]
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)
    parameters = [cell for cell in code if "parameters" in cell.metadata.get("tags", [])]
    assert len(parameters) == 1 and parameters[0].source.startswith("params_path = ")
    for cell in code:
        tags = set(cell.metadata.get("tags", []))
        assert tags & {"remove-cell", "remove-input"}, f"untagged code cell: {cell.source}"


@pytest.mark.parametrize("name", sorted(notebooks()))
def test_notebook_never_retypes_an_official_label(name):
    fmt = load_format()
    labels = {p.heading for p in fmt.parts} | {row.label for row in fmt.table3.rows}
    labels |= {c.label for c in fmt.table3.columns} | {g.label for g in fmt.table4.groups}
    labels |= {b.header for b in fmt.table2.blocks} | {r.label for _, r in fmt.table2.rows()}
    text = "".join(cell.source for cell in notebooks()[name].cells)
    assert not [label for label in labels if label in text]


def test_notebooks_run_unchanged_with_jupyter_execute():
    paths = [str(NOTEBOOKS / s.notebook) for s in SECTIONS]
    result = subprocess.run([sys.executable, "-m", "jupyter", "execute", *paths],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    # jupyter execute must not have written outputs into the committed sources
    assert all(cell.get("outputs", []) == [] for nb in notebooks().values() for cell in nb.cells)
