"""The auditor's trail (issue 15, items 6–8): the audit version shows the parameter file with line
numbers and links every value of the tables to where the file writes it (a total the file leaves
out, to the rule that computed it); its data frames speak the official labels; each executed
notebook holds one parameters cell with the values it ran with and names the kit's kernel;
``xxgk rerun`` re-executes a kept section and says whether its outputs are the kept ones; a kept
parameter file is not built as an agency named "params"."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from conftest import EXAMPLE, ROOT, run_xxgk
from xxgk import load_params
from xxgk.render import audit, tables
from xxgk.report.format import load_format
from xxgk.run.execute import KERNEL, KERNEL_DISPLAY_NAME

FMT = load_format()
VALUE_CELLS = {"xxgk-table2": 10, "xxgk-table3": 25 * 7, "xxgk-table4": 3 * 5}
KEYS = ({row.key for _, row in FMT.table2.rows()} | {row.key for row in FMT.table3.rows}
        | {g.key for g in FMT.table4.groups} | {c.key for c in FMT.table3.columns}
        | {c.key for c in FMT.table4.columns} | {v.key for b in FMT.table2.blocks for v in b.values})


@pytest.fixture(scope="module")
def page(built) -> BeautifulSoup:
    return BeautifulSoup((built / "audit.html").read_text(encoding="utf-8"), "html.parser")


def written_at(line: str, key: str) -> str:
    """The value ``key`` (``table3.new[0]``, ``table2.fees``) names on ``line`` of a parameter
    file written as the example is (``  new: [0, 0, …]``, ``  fees: 709.48``): read here with a
    regex, independently of the kit's own marks."""
    row, _, index = key.split(".", 1)[1].partition("[")
    found = re.match(rf"\s*{row}:\s*(\[[^\]]*\]|[^\s#]+)", line)
    assert found, f"{key} is not written on the line it links to: {line!r}"
    if not index:
        return found[1]
    return found[1].strip("[]").split(",")[int(index.rstrip("]"))].strip()


def follow(page: BeautifulSoup, cell) -> tuple[int, object]:
    """The line of the parameter file a value cell links to, and the element it lands on."""
    link = cell.find("a")
    assert link is not None and link["href"].startswith("#"), f"unlinked value cell {cell}"
    target = page.find(id=link["href"][1:])
    assert target is not None, f"the link {link['href']} leads nowhere"
    line = target.find_parent(class_="xxgk-line")
    return (int(line["id"].removeprefix("params-L")) if line else 0), target


def test_the_parameter_file_is_shown_whole_with_numbered_lines(built, page):
    lines = (built / "params.yaml").read_text(encoding="utf-8").splitlines()
    shown = page.select("#params .xxgk-line")
    assert [line["id"] for line in shown] == [f"params-L{n}" for n in range(1, len(lines) + 1)]
    assert [line.select_one(".xxgk-lineno").get_text() for line in shown] == [str(n) for n in range(1, len(lines) + 1)]
    assert [line.select_one(".xxgk-text").get_text() for line in shown] == lines
    assert page.select_one("#provenance a[href='#params']") is not None


def test_every_value_of_the_tables_and_frames_links_to_its_line(built, page):
    """Each value cell of tables 二, 三, 四 and of the three data frames: its link leads to a line
    of params.yaml, and that line writes that number under that key."""
    lines = (built / "params.yaml").read_text(encoding="utf-8").splitlines()
    cells = []
    for table_id, count in VALUE_CELLS.items():
        found = page.select(f"#{table_id} td[data-params]")
        assert len(found) == count, table_id
        cells += found
    frames = page.select("table.xxgk-frame")
    assert len(frames) == 3
    for frame, count in zip(frames, VALUE_CELLS.values(), strict=True):
        found = frame.select("td[data-params]")
        assert len(found) == count
        cells += found
    for cell in cells:
        number, target = follow(page, cell)
        assert number, f"{cell['data-params']} does not lead into params.yaml"
        shown = cell.get_text(strip=True)
        assert Decimal(written_at(lines[number - 1], cell["data-params"])) == Decimal(shown)
        assert Decimal(target.get_text()) == Decimal(shown)  # the mark is that number itself
    # the published tables carry the same keys, and no links
    report = BeautifulSoup((built / "report.html").read_text(encoding="utf-8"), "html.parser")
    assert len(report.select("td[data-params]")) == sum(VALUE_CELLS.values())
    assert not report.select("td[data-params] a")


def test_data_frames_have_official_labels_integers_and_blanks(page):
    frames = page.select("table.xxgk-frame")
    rows = [[row.label for _, row in FMT.table2.rows()], [row.label for row in FMT.table3.rows],
            [g.label for g in FMT.table4.groups]]
    for frame, labels in zip(frames, rows, strict=True):
        heads = [th.get_text() for th in frame.select("th")]
        assert not set(heads) & KEYS, "a format key where an official label belongs"
        row_heads = [th.get_text() for th in frame.select("tbody th")]
        assert len(row_heads) == len(labels)
        assert all(head.endswith(label) for head, label in zip(row_heads, labels, strict=True))
        assert all(re.fullmatch(r"[0-9]+(\.[0-9]+)?|", td.get_text()) for td in frame.select("td"))
        assert "NaN" not in frame.get_text()
    table2 = [td.get_text() for td in frames[0].select("td")]
    assert "9865" in table2 and "709.48" in table2 and "" in table2  # integers; not asked: blank
    assert not [v for v in table2 if v.endswith(".0")]


def test_a_total_the_file_leaves_out_links_to_the_rule_that_computed_it(tmp_path):
    text = EXAMPLE.read_text(encoding="utf-8")
    text = re.sub(r"^  total: .*\n", "", text, flags=re.M)  # 表三's （七）总计 row
    text = re.sub(r"^(  \w+: +\[(?:\d+, ){5}\d+), \d+\]", r"\1]", text, flags=re.M)  # 表三's 总计 column
    text = re.sub(r"^(  \w+: +\[(?:\d+, ){3}\d+), \d+\]", r"\1]", text, flags=re.M)  # 表四's 总计 column
    path = tmp_path / "omitted.yaml"
    path.write_text(text, encoding="utf-8")
    report = load_params(path)
    assert report.computed_totals
    listing = audit.listing(report, text).html
    page = BeautifulSoup(listing + "".join(audit.link_cells(t(report).html)
                                           for t in (tables.table3, tables.table4)), "html.parser")

    def lands(key: str):
        return follow(page, page.select_one(f'td[data-params="{key}"]'))

    assert lands("table3.new[0]")[0] == text.splitlines().index(
        next(line for line in text.splitlines() if line.startswith("  new:"))) + 1
    for key, rule in (("table3.new[6]", "T3-C"), ("table3.total[0]", "T3-B"), ("table3.total[6]", "T3-B"),
                      ("table4.review[4]", "T4")):
        number, target = lands(key)
        assert number == 0 and target.name == "li", key  # not a line of the file: the computed list
        assert f"规则 {rule}" in target.get_text() and "参数文件未写" in target.get_text(), key


def test_each_executed_notebook_holds_one_parameters_cell_with_what_it_ran_with(built):
    for path in sorted(built.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        tagged = [c for c in notebook.cells if {"parameters", "injected-parameters"} & set(c.metadata.get("tags", []))]
        assert len(tagged) == 1, f"{path.name}: the defaults and the injected values in separate cells"
        source = tagged[0].source
        assert "params_path = 'params.yaml'  # 参数文件" in source, source  # the value, with the notebook's comment
        assert not [c for c in notebook.cells if "emin.yaml" in c.source], "the example's default path is shown"
        assert notebook.metadata.kernelspec.name == KERNEL


def test_notebooks_name_the_kits_kernel_and_the_environment_registers_it():
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    for path in sorted((ROOT / "lib" / "xxgk" / "notebooks").glob("*.ipynb")):
        assert nbformat.read(path, as_version=4).metadata.kernelspec.name == KERNEL, path.name
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert f'install --sys-prefix --name {KERNEL} --display-name "{KERNEL_DISPLAY_NAME}"' in makefile
    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        pytest.fail(f"no kernel {KERNEL!r} in this environment: `make` registers it (ipykernel install --sys-prefix)")
    # it runs this environment's Python, the one that imports xxgk here. The same environment has as
    # many spellings as links to it (a worktree's .venv is a symlink to a shared one, and sys.prefix
    # keeps the spelling Python was started by, the kernel spec the one `make` ran), so the folders are
    # compared, not their names; resolving the executable itself would land in the base Python.
    assert os.path.samefile(Path(spec.argv[0]).parent.parent, sys.prefix), (spec.argv[0], sys.prefix)
    assert spec.display_name == KERNEL_DISPLAY_NAME


def test_rerun_says_identical_for_a_kept_section(built):
    result = run_xxgk("rerun", built, "03_requests")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "一致（identical）" in result.stdout and "03_requests.ipynb" in result.stdout


def test_rerun_names_the_cell_whose_kept_output_differs(built, tmp_path):
    from xxgk.run.rerun import rerun

    folder = tmp_path / "emin"
    shutil.copytree(built, folder)
    notebook = nbformat.read(folder / "05_problems.ipynb", as_version=4)
    body = next(c for c in notebook.cells if c.id == "body")
    body.outputs[0].data["text/html"] = body.outputs[0].data["text/html"].replace("2026", "2027", 1)
    nbformat.write(notebook, folder / "05_problems.ipynb")
    result = rerun(folder, "problems")
    number = next(n for n, c in enumerate(notebook.cells, 1) if c.id == "body")
    assert not result.identical and [d.id for d in result.differences] == ["body"]
    assert result.altered == ("05_problems.ipynb",)
    assert f"第 {number} 个单元格（id: body）" in result.text() and "不一致" in result.text()
    assert any("2027" in line for line in result.differences[0].diff)


def test_rerun_refuses_a_kept_notebook_that_is_a_fifo(built, tmp_path):
    """An output folder comes from elsewhere: a FIFO where the notebook goes is refused, not waited on."""
    folder = tmp_path / "emin"
    shutil.copytree(built, folder)
    (folder / "03_requests.ipynb").unlink()
    os.mkfifo(folder / "03_requests.ipynb")
    command = [sys.executable, "-m", "xxgk.cli", "rerun", str(folder), "03_requests"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "不是普通文件" in result.stderr, result.stdout + result.stderr


def test_a_kept_parameter_file_is_not_built_as_an_agency_named_params(built, tmp_path):
    result = run_xxgk("build", built / "params.yaml", "--outputs", tmp_path)
    assert result.returncode == 2
    assert f"xxgk verify {built}" in result.stderr and "emin.yaml" in result.stderr
    assert not list(tmp_path.iterdir())
