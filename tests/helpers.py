"""Test helpers that are independent of the code under test: a table-grid reader and a text
normaliser for comparing the report with the published text."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"  # Debian's: never a downloaded browser


def chromium(console: bool = False):
    """A headless Debian Chromium driven through Selenium; the caller quits it. ``console``: keep
    the page's console messages for ``get_log("browser")``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    if console:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def start_preview(params: Path, temp: Path | None = None) -> tuple[subprocess.Popen, str]:
    """``xxgk preview params`` as a user starts it (its temporary files in ``temp``), and the
    address it prints once it serves."""
    env = {**os.environ, **({"TMPDIR": str(temp)} if temp else {})}
    return start_server(["preview", str(params)], r"http://\S+", env)


def start_server(arguments: list[str], address: str, env: dict[str, str] | None = None
                 ) -> tuple[subprocess.Popen, str]:
    """``xxgk *arguments`` started as a user starts a server command, and the address (matching
    ``address``) it prints on its first line once it serves."""
    process = subprocess.Popen([sys.executable, "-m", "xxgk.cli", *arguments], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = process.stdout.readline() if process.stdout else ""
    match = re.search(address, first)
    if match is None:
        process.kill()
        raise AssertionError(f"no address printed: {first!r} {process.communicate()}")
    return process, match.group()


def running(pid: int) -> bool:
    """Whether ``pid`` is a process that has not ended (a zombie waiting for its new parent to
    reap it has ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def descendants(pid: int) -> set[int]:
    """Every living process below ``pid``, read from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
        except (OSError, ValueError):
            continue
        if entry.name.isdigit():
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


@dataclass
class GridCell:
    text: str
    row: int
    col: int
    rowspan: int
    colspan: int


def grid(section) -> list[GridCell]:
    """Cells of a <thead> or <tbody> placed as a browser would, with their spans."""
    taken: set[tuple[int, int]] = set()
    cells = []
    for r, tr in enumerate(section.find_all("tr", recursive=False)):
        c = 0
        for tag in tr.find_all(["th", "td"], recursive=False):
            while (r, c) in taken:
                c += 1
            rs, cs = int(tag.get("rowspan", 1)), int(tag.get("colspan", 1))
            cells.append(GridCell(tag.get_text(" ", strip=True), r, c, rs, cs))
            taken |= {(rr, cc) for rr in range(r, r + rs) for cc in range(c, c + cs)}
            c += cs
    return cells


def table_of(html: str):
    return BeautifulSoup(html, "html.parser").find("table")


def find(cells: list[GridCell], text: str) -> GridCell:
    matches = [cell for cell in cells if cell.text == text]
    assert len(matches) == 1, f"{text!r} found {len(matches)} times"
    return matches[0]


def at(cells: list[GridCell], row: int, col: int) -> GridCell:
    for cell in cells:
        if cell.row <= row < cell.row + cell.rowspan and cell.col <= col < cell.col + cell.colspan:
            return cell
    raise AssertionError(f"no cell covers ({row}, {col})")


def squash(text: str) -> str:
    """Whitespace removed: the published text carries PDF-copy spaces inside words (自然 人)."""
    return re.sub(r"\s+", "", text)


def visible_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["style", "script", "title", "head"]):
        tag.decompose()
    return soup.get_text(" ")


def with_tables(report, table2=None, table3=None, table4=None):
    """A copy of ``report`` with other table values (mappings of row key -> values)."""
    from xxgk.report.model import Table2, Table3, Table4

    update = {}
    if table2 is not None:
        update["table2"] = Table2(**{**report.table2.model_dump(), **table2})
    if table3 is not None:
        update["table3"] = Table3(**table3)
    if table4 is not None:
        update["table4"] = Table4(**table4)
    return report.model_copy(update=update)


NEUTRAL = "本段为测试用文字，不含任何件数。"


def official_wording(text: str) -> str:
    """A parameter file's text without its ``label_variants`` (the example's 规范性文件 is an X4
    warning), for tests that count other findings."""
    return re.sub(r"(?m)^label_variants:\n(?:  .*\n)+", "", text)


def neutral(report):
    """``report`` with narrative that states no numbers and the official wording, so only the
    tables are checked."""
    from xxgk.report.model import LabelVariants

    part1 = report.part1.model_copy(update={
        "overview": NEUTRAL,
        "subsections": tuple(s.model_copy(update={"text": NEUTRAL}) for s in report.part1.subsections)})
    return report.model_copy(update={"introduction": NEUTRAL, "part1": part1, "part5": NEUTRAL, "part6": NEUTRAL,
                                     "label_variants": LabelVariants()})


def from_expected(report, expected: dict):
    """A report with the table values of a corpus ``*.expected.json`` (as printed, unbalanced
    ones and a collapsed （六）其他处理 row ``r6`` included)."""
    from xxgk.report.format import load_format

    fmt = load_format()
    table3 = dict(expected["table3"])
    width = len(fmt.table4.columns)
    table4 = {g.key: expected["table4"][i * width:(i + 1) * width] for i, g in enumerate(fmt.table4.groups)}
    labels = {row.label: row.key for _, row in fmt.table2.rows()}
    table2 = {labels[label]: tuple(v) if len(v) > 1 else v[0] for label, v in expected["table2"].items()}
    from decimal import Decimal
    table2["fees"] = Decimal(str(table2["fees"]))
    return with_tables(neutral(report), table2=table2, table3=table3, table4=table4)


REPEATED_HEADER = "（本列数据的勾稽关系为"


def published_fields() -> list[str]:
    """Every paragraph and table cell of the published text, in order, minus page-break artefacts:
    table 三's header repeated after the page break, and a merged vertical label printed twice."""
    from conftest import CORPUS

    lines = (CORPUS / "emin-2025.txt").read_text(encoding="utf-8").splitlines()
    fields, headers_seen, skipping = [], 0, False
    for line in lines:
        if line.startswith(REPEATED_HEADER):
            headers_seen += 1
            skipping = headers_seen > 1
        if skipping and "（七）总计" in line:
            skipping = False
        if skipping:
            continue
        for field in line.split("\t"):
            field = squash(field)
            half = len(field) // 2
            if field and len(field) % 2 == 0 and field[:half] == field[half:]:
                field = field[:half]
            if field:
                fields.append(field)
    return fields



def assert_in_order(fields: list[str], text: str) -> None:
    """Each field occurs in ``text`` after the previous one (whitespace ignored on both sides)."""
    assert len(fields) > 250  # the paragraphs, table labels and every table value
    text = squash(text)
    position = 0
    for field in fields:
        found = text.find(field, position)
        assert found >= 0, f"not found after position {position}: {field[:60]}"
        position = found + len(field)


def failing_notebooks(folder):
    """A copy of the section notebooks in which part 一's body asks for a style that does not
    exist, as an office's own notebook might: its section fails in the kernel with a ValueError
    (the command line refuses such an option before anything runs, so this is the way to a
    section that fails). Tests point ``xxgk.paths.NOTEBOOKS`` at it."""
    import shutil

    import nbformat

    from conftest import ROOT

    notebooks = folder / "notebooks"
    shutil.copytree(ROOT / "lib" / "xxgk" / "notebooks", notebooks)
    book = nbformat.read(notebooks / "01_overview.ipynb", as_version=4)
    next(cell for cell in book.cells if cell.get("id") == "body").source = 'blocks.part1(report, style="bogus")'
    nbformat.write(book, notebooks / "01_overview.ipynb")
    return notebooks


def given_to_weasyprint(monkeypatch, render) -> tuple[bytes, BeautifulSoup]:
    """The bytes of ``render()``, a PDF of the kit's, and the page WeasyPrint was given for it."""
    import weasyprint

    given = []
    real = weasyprint.HTML

    def spy(*, string: str):
        given.append(string)
        return real(string=string)

    with monkeypatch.context() as patched:
        patched.setattr(weasyprint, "HTML", spy)
        made = render()
    assert len(given) == 1
    return made, BeautifulSoup(given[0], "html.parser")


def cells_styled_alone(page: str) -> str:
    """``page`` with each cell's style attribute made ``!important``: the cells look as their
    attributes say whatever a stylesheet says, as in a browser (WeasyPrint ranks the attribute
    like an id selector, below a table's ``#id .gt_table td`` rules)."""
    soup = BeautifulSoup(page, "html.parser")
    for cell in soup.select("td[style], th[style]"):
        rules = [rule.strip() for rule in str(cell["style"]).split(";") if rule.strip()]
        cell["style"] = "; ".join(f"{rule} !important" for rule in rules)
    return str(soup)
