"""``xxgk preview`` in a real browser: the page follows the parameter file as it is saved, marks
the findings on their cells and sentences, shows a broken file's message with its line and
recovers, and the preview ends without leaving a process or touching the outputs folder.

One preview process serves the whole module (its start is most of the cost); the steps run in
order in one test, as a statistician's session does."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from conftest import EXAMPLE, ROOT
from helpers import chromium, descendants, running, start_preview

WAIT = 60  # seconds a step may take on a loaded machine; the speed itself is bench/preview.py's


@pytest.fixture(scope="module")
def project(tmp_path_factory, built) -> Path:
    """A project holding the example and the outputs a build of it left."""
    folder = tmp_path_factory.mktemp("project")
    (folder / "params" / "2025").mkdir(parents=True)
    (folder / "params" / "2025" / "emin.yaml").write_bytes(EXAMPLE.read_bytes())
    shutil.copytree(built, folder / "outputs" / "2025" / "emin")
    return folder


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() if p.is_file() else b"" for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def served(project, tmp_path_factory):
    process, url = start_preview(project / "params" / "2025" / "emin.yaml", tmp_path_factory.mktemp("served"))
    yield process, url
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=WAIT)


@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    driver.set_window_size(1400, 900)
    yield driver
    driver.quit()


def _edit(path: Path, old: str, new: str) -> int:
    """Save ``path`` with ``old`` replaced by ``new`` as an editor does (a new file renamed over
    the old one); the line of the change."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    draft = path.with_name(f".{path.name}.swp")
    draft.write_text(text.replace(old, new), encoding="utf-8")
    os.replace(draft, path)
    return text[: text.index(old)].count("\n") + 1


def _text(driver, css: str) -> str:
    """The visible text of what ``css`` selects, read in one step: the page swaps its document
    whenever the server says it changed, which would leave an element found earlier stale."""
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map(e => e.innerText).join(' ')", css)


def _cell(driver, key: str) -> dict:
    return driver.execute_script(
        "const e = document.querySelector(`[data-params=\"${arguments[0]}\"]`);"
        "return {flags: e.dataset.findings || '', cls: e.className, title: e.title}", key)


def _flagged_paragraphs(driver) -> list[list[str]]:
    return driver.execute_script(
        "return [...document.querySelectorAll('main p.xxgk-flag')].map(p => [p.innerText, p.dataset.findings])")


def test_only_the_secret_address_is_served(served):
    _, url = served
    port_root = url.rsplit("/", 2)[0] + "/"
    for wrong in (port_root, port_root + "x" * 24 + "/", port_root + "events"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(wrong, timeout=10)
        assert refused.value.code == 404
    assert url.startswith("http://127.0.0.1:")


def test_the_page_follows_the_file_and_its_findings(served, browser, project):
    process, url = served
    params = project / "params" / "2025" / "emin.yaml"
    wait = WebDriverWait(browser, WAIT, poll_frequency=0.05)
    browser.get(url)
    wait.until(lambda d: "已是最新" in _text(d, ".xxgk-preview-state"))
    assert "存在的主要问题" in _text(browser, "main")

    # a sentence of part 五
    sentence = "本年度另行开展了一次预览测试专项检查。"
    _edit(params, "part5: |-\n", f"part5: |-\n  {sentence}\n")
    wait.until(lambda d: sentence in _text(d, "main"))

    # a table change breaking T3-A in the column 法律服务机构 (and in 总计): marked on the cell,
    # listed in the panel, and the narrative's "no applications" sentence marked as X3
    zeros = "  new:       [0, 0, 0, 0, 0, 0, 0]"
    _edit(params, zeros, "  new:       [0, 0, 0, 0, 1, 0, 1]")
    wait.until(lambda d: "T3-A" in _cell(d, "table3.new[4]")["flags"])
    cell = _cell(browser, "table3.new[4]")
    assert "xxgk-flag-error" in cell["cls"] and "T3-A" in cell["title"]
    assert "flag" not in _cell(browser, "table3.new[0]")["cls"]  # 自然人 still balances
    assert "法律服务机构" in _text(browser, "#xxgk-preview li.xxgk-preview-error")
    wait.until(lambda d: any("未收到政府信息公开申请" in text and "X3" in flags
                             for text, flags in _flagged_paragraphs(d)))

    # a YAML syntax error, then a value of the wrong type: each one's message with file and line
    line = _edit(params, "  new:       [0, 0, 0, 0, 1, 0, 1]", "  new: : [0]")
    wait.until(lambda d: f"emin.yaml:{line}:" in _text(d, "pre.xxgk-preview-error"))
    _edit(params, "  new: : [0]", "  new:       [0, 0, 0, 0, x, 0, 0]")
    wait.until(lambda d: f"emin.yaml:{line}: table3.new[4]" in _text(d, "pre.xxgk-preview-error"))
    assert sentence in _text(browser, "main")  # the last good report stays below the message

    # fixed: the report again, without the message, with the next edit in it
    _edit(params, "  new:       [0, 0, 0, 0, x, 0, 0]", zeros)
    wait.until(lambda d: not _text(d, "pre.xxgk-preview-error") and "已是最新" in _text(d, ".xxgk-preview-state"))
    assert not _text(browser, "main .xxgk-flag-error")
    again = "整改情况将在下一年度报告中说明。"
    _edit(params, sentence, again)
    wait.until(lambda d: again in _text(d, "main") and sentence not in _text(d, "main"))
    assert process.poll() is None


def test_pdf_and_word_only_when_asked(served, browser):
    _, url = served
    browser.get(url)
    assert _text(browser, ".xxgk-preview-exports") == "", "no save of the session above made them"
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(url + "report.pdf", timeout=10)
    browser.execute_script("document.querySelector('#xxgk-preview form button').click()")
    WebDriverWait(browser, WAIT, poll_frequency=0.1).until(
        lambda d: "已生成" in _text(d, ".xxgk-preview-exports"))
    assert urllib.request.urlopen(url + "report.pdf", timeout=10).read().startswith(b"%PDF")
    assert urllib.request.urlopen(url + "report.docx", timeout=10).read().startswith(b"PK")


def _signal_another_thread(pid: int, number: int) -> None:
    """Signal ``number`` to one of ``pid``'s threads but its main one: where the kernel may put
    a signal sent to the process (to any thread that does not block it)."""
    others = sorted(int(task) for task in os.listdir(f"/proc/{pid}/task")
                    if int(task) != pid and not _blocks(pid, int(task), number))
    assert others, "the preview watches and serves on threads of its own"
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.tgkill(pid, others[0], number) != 0:
        raise OSError(ctypes.get_errno(), "tgkill")


def _blocks(pid: int, thread: int, number: int) -> bool:
    """Whether ``thread`` blocks signal ``number`` (libzmq's I/O threads, for one, block every signal)."""
    status = Path(f"/proc/{pid}/task/{thread}/status").read_text()
    mask = int(next(line for line in status.splitlines() if line.startswith("SigBlk:")).split()[1], 16)
    return bool(mask >> (number - 1) & 1)


@pytest.mark.parametrize(("stop", "refreshing", "to_thread"),
                         [(signal.SIGTERM, True, False), (signal.SIGINT, True, False), (signal.SIGINT, False, False),
                          (signal.SIGINT, False, True)])
def test_stopping_leaves_no_process_and_the_outputs_as_they_were(project, temp, stop, refreshing, to_thread):
    params, outputs = project / "params" / "2025" / "emin.yaml", _tree(project / "outputs")
    process, url = start_preview(params, temp)
    deadline = time.monotonic() + WAIT
    if refreshing:  # stopped while a kernel runs beside the template process
        _edit(params, "part5: |-\n", f"part5: |-\n  停止前的最后一次修改（{stop.name}）。\n")
        while len(family := descendants(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(family) >= 2, "no kernel seen while the preview refreshed"
    else:  # stopped while it waits for the next save, its template process ready
        while "已是最新" not in urllib.request.urlopen(url, timeout=10).read().decode() and time.monotonic() < deadline:
            time.sleep(0.1)
        family = descendants(process.pid)
        assert family, "the template process stays warm between saves"
    if to_thread:  # the main thread, waiting for the next save, must still wake to stop
        _signal_another_thread(process.pid, stop)
    else:
        process.send_signal(stop)
    try:
        out, err = process.communicate(timeout=WAIT)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "预览已结束" in out and err == ""
    alive = [pid for pid in family if running(pid)]
    assert not alive, f"left running: {alive}"
    assert _tree(project / "outputs") == outputs
    assert not list(temp.iterdir()), "the private folder and the sockets' folder are removed"


def test_a_missing_file_is_refused_before_serving(tmp_path):
    result = subprocess.run([sys.executable, "-m", "xxgk.cli", "preview", str(tmp_path / "none.yaml")],
                            capture_output=True, text=True, timeout=WAIT, cwd=ROOT)
    assert result.returncode == 2 and "找不到参数文件" in result.stderr and "Traceback" not in result.stderr


def test_a_killed_preview_leaves_no_process_and_the_next_one_tidies_its_folder(project, temp):
    params = project / "params" / "2025" / "emin.yaml"
    process, url = start_preview(params, temp)
    family = descendants(process.pid)
    process.kill()
    process.wait()
    deadline = time.monotonic() + WAIT
    while any(running(pid) for pid in family) and time.monotonic() < deadline:
        time.sleep(0.05)  # a child learns of its parent's death from the kernel, asynchronously
    assert not [pid for pid in family if running(pid)]
    assert list(temp.glob("xxgk-preview-*")), "SIGKILL leaves no chance to remove the private folder"
    process, url = start_preview(params, temp)
    process.send_signal(signal.SIGINT)
    process.communicate(timeout=WAIT)
    assert not list(temp.iterdir())
