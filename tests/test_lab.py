"""``xxgk lab``: JupyterLab on a project, in Debian's Chromium. An executed notebook from outputs/,
opened untrusted as every notebook from another machine is, shows table 三 legibly (borders,
left-aligned labels, merged cells as in the format); a section notebook from notebooks/ runs
top to bottom; stopping the command leaves no process behind."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ROOT
from helpers import chromium, descendants, running, start_server
from xxgk.report.format import load_format

SHOWN = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook on screen
CELLS = """
const table = document.querySelector('.jp-OutputArea-output [data-jupyter-id="xxgk-table3"] table');
if (!table) return null;
return Array.from(table.querySelectorAll('th, td')).map(cell => {
  const style = getComputedStyle(cell);
  const sides = ['Top', 'Right', 'Bottom', 'Left'];
  return {text: cell.textContent.trim(), rowspan: cell.rowSpan, colspan: cell.colSpan,
          body: !!cell.closest('tbody'), align: style.textAlign,
          borders: sides.map(side => style['border' + side + 'Style'] + ' ' + style['border' + side + 'Width'])};
});
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project made by ``xxgk init`` with the example built in it (HTML only: the notebooks are what is looked at)."""
    folder = tmp_path_factory.mktemp("lab") / "project"
    xxgk = [sys.executable, "-m", "xxgk.cli"]
    subprocess.run([*xxgk, "init", str(folder), "--year", "2026"], check=True, capture_output=True)
    (folder / "params" / "2025").mkdir()
    shutil.copy(ROOT / "params" / "2025" / "emin.yaml", folder / "params" / "2025")
    subprocess.run([*xxgk, "build", "params/2025/emin.yaml", "--to", "html"], cwd=folder, check=True,
                   capture_output=True)
    return folder


@pytest.fixture(scope="module")
def lab(project):
    process, address = start_server(["lab", str(project)], r"http://127\.0\.0\.1:\d+/lab\?token=\w+")
    yield process, address
    if process.poll() is None:  # stopped as a user stops it, so that it removes its temporary folder
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    yield driver
    driver.quit()


def _open(browser, lab, path: str) -> None:
    base, token = lab[1].split("/lab?token=")
    browser.get(f"{base}/lab/tree/{path}?reset&token={token}")  # reset: only this notebook open


def expected_spans() -> list[tuple[str, int, int]]:
    """(label, rowspan, colspan) of table 三's label cells, from the format data: a row's own label
    takes the label columns it does not use; an outer label spans the rows below it until the next
    label at its level or above."""
    table = load_format().table3
    rows, spans = table.rows, []
    for index, row in enumerate(rows):
        for level, label in enumerate(row.labels[: row.depth]):
            if not label:
                continue
            if level == row.depth - 1:
                spans.append((label, 1, len(row.labels) - level))
                continue
            below = 1
            while index + below < len(rows) and not any(rows[index + below].labels[: level + 1]):
                below += 1
            spans.append((label, below, 1))
    header = [(table.corner, 3, 3), (table.spanner, 1, len(table.columns))]
    header += [(group, 1, len(members)) for group, members in table.column_groups if len(members) > 1]
    return spans + header


def test_an_untrusted_executed_notebook_shows_table3_legibly(lab, browser):
    _open(browser, lab, "outputs/2025/emin/03_requests.ipynb")
    cells = WebDriverWait(browser, 90).until(lambda driver: driver.execute_script(CELLS))
    # untrusted: the sanitizer renamed the table's id and dropped every stylesheet of the output
    assert not browser.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output #xxgk-table3")
    assert not browser.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output style")
    for cell in cells:
        assert all(side.startswith("solid") and not side.endswith(" 0px") for side in cell["borders"]), cell
    labels = {label for row in load_format().table3.rows for label in row.labels if label}
    label_cells = [c for c in cells if c["body"] and c["text"] in labels]
    assert len(label_cells) == len([1 for row in load_format().table3.rows for label in row.labels if label])
    assert {c["align"] for c in label_cells} == {"left"}
    assert {c["align"] for c in cells if c["body"] and c["text"].isdigit()} == {"center"}
    shown = {(c["text"], c["rowspan"], c["colspan"]) for c in cells}
    assert set(expected_spans()) <= shown


def test_a_section_notebook_runs_all_cells_without_error(lab, browser):
    _open(browser, lab, "notebooks/03_requests.ipynb")
    wait = WebDriverWait(browser, 90)
    # Run All queues the cells until the kernel the notebook names (xxgk, declared by xxgk lab) is up
    wait.until(lambda driver: driver.find_elements(By.CSS_SELECTOR, f"{SHOWN} .jp-CodeCell"))
    menu = wait.until(lambda driver: [m for m in driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-itemLabel")
                                      if m.text == "Run"])
    menu[0].click()
    item = wait.until(lambda driver: [m for m in driver.find_elements(By.CSS_SELECTOR, ".lm-Menu-itemLabel")
                                      if m.text == "Run All Cells"])
    item[0].click()
    code = f"{SHOWN} .jp-CodeCell .jp-InputArea-prompt"
    prompts = f"return Array.from(document.querySelectorAll('{code}'), p => p.textContent)"
    wait.until(lambda driver: all(re.fullmatch(r"\[\d+\]:", p) for p in driver.execute_script(prompts)))
    errors = browser.find_elements(By.CSS_SELECTOR, f'{SHOWN} [data-mime-type="application/vnd.jupyter.stderr"]')
    assert not errors, [e.text[:300] for e in errors]
    assert browser.find_elements(By.CSS_SELECTOR, f"{SHOWN} .jp-OutputArea-output table")


def test_stopping_leaves_no_process(lab):
    process, _ = lab
    tree = descendants(process.pid)
    assert tree  # the server, and the kernel the previous test started
    process.send_signal(signal.SIGTERM)
    process.wait(60)
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in tree if running(pid)]


def test_stop_kills_what_a_stuck_server_left_in_sessions_of_their_own(monkeypatch):
    from xxgk.project import lab as lab_module

    monkeypatch.setattr(lab_module, "STOP_GRACE", 0.5)
    server = subprocess.Popen([sys.executable, "-c", "import signal, subprocess, sys, time\n"
                               "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                               "subprocess.Popen(['sleep', '60'], start_new_session=True)\n"
                               "print(flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    server.stdout.readline()  # its child is started
    (child,) = descendants(server.pid)
    lab_module.stop(server)
    deadline = time.monotonic() + 10
    while running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(child)


def test_stop_signals_no_pid_that_names_another_process_by_then(monkeypatch):
    """A pid found in the server's tree when stopping began may be another process's 15 s later."""
    from xxgk.project import lab as lab_module

    server = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    other = subprocess.Popen(["sleep", "60"])  # was given a pid that the tree had when it was listed
    started = int(Path(f"/proc/{other.pid}/stat").read_text().rsplit(")", 1)[1].split()[19])
    try:
        monkeypatch.setattr(lab_module, "descendants", lambda pid: {other.pid: started - 1})
        lab_module.stop(server)
        time.sleep(0.2)
        assert other.poll() is None, "a process that started after the listing was killed"
        monkeypatch.setattr(lab_module, "descendants", lambda pid: {other.pid: started})
        lab_module.stop(server)
        assert other.wait(10) == -signal.SIGKILL  # the same process is killed
    finally:
        other.kill()


def test_a_killed_lab_leaves_its_folder_to_the_next_one(project, tmp_path_factory):
    temp = tmp_path_factory.mktemp("tmp")  # a short path: a longer one is passed over for /tmp (socket names)
    environment = {**os.environ, "TMPDIR": str(temp)}
    address = r"http://127\.0\.0\.1:\d+/lab\?token=\w+"
    process, _ = start_server(["lab", str(project)], address, environment)
    family = descendants(process.pid)
    process.kill()
    process.wait()
    deadline = time.monotonic() + 60
    while any(running(pid) for pid in family) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(temp.glob("xxgk-lab-*")), "SIGKILL leaves no chance to remove the private folder"
    process, _ = start_server(["lab", str(project)], address, environment)
    try:
        assert len(list(temp.glob("xxgk-lab-*"))) == 1, "the killed lab's folder is removed"
    finally:
        process.terminate()
        process.wait(60)
    assert not list(temp.glob("xxgk-lab-*"))


def test_lab_refuses_a_folder_outside_any_project(tmp_path):
    result = subprocess.run([sys.executable, "-m", "xxgk.cli", "lab", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 2 and "xxgk.toml" in result.stderr and "xxgk init" in result.stderr

