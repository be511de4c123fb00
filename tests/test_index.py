"""The batch index ``outputs/<year>/index.html``: the pure page (escaping, relative links to what
exists, no network), the rows read from a year's folder, the atomic write, and one real batch
(an agency built, one unchanged, one that fails its checks, one whose file is unusable, one left
from before) opened from ``file://`` in Debian's Chromium: no console errors, filtering, sorting,
a report link, and a phone's width."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup

from conftest import EXAMPLE, run_xxgk
from helpers import chromium, official_wording
from xxgk.report.findings import errors, warnings
from xxgk.report.format import load_format
from xxgk.report.params import load_params
from xxgk.report.rules import check
from xxgk.report.sections import SECTIONS
from xxgk.run import index
from xxgk.run.batch import BUILT, FAILED, UNCHANGED, Outcome
from xxgk.run.settings import BuildSettings

EXAMPLE_TEXT = official_wording(EXAMPLE.read_text(encoding="utf-8"))  # its only warnings: the edits
NAME_LINE = "  name: 额敏县人民政府办公室"
# a stale acceptance: one warning (A1), no error
STALE = "\naccepted:\n  - rule: T4\n    reason: 去年的表四有误，今年已改正\n"
# 表三's 予以公开 row with a total that is not the sum of its columns: the checks find errors
UNBALANCED = ("  r1:        [0, 0, 0, 0, 0, 0, 0]", "  r1:        [2, 0, 0, 0, 0, 1, 4]")


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def hrefs(html: str) -> list[str]:
    return [a["href"] for a in soup(html).find_all("a")]


# --- the page, pure ------------------------------------------------------------------------------

def test_names_reasons_and_links_are_escaped():
    hostile = '<img src=x onerror="alert(1)">&'
    row = index.Row("额敏", hostile, FAILED, note=f"参数文件有问题：{hostile}",
                    outputs=("%E9%A2%9D%E6%95%8F/report.html",))
    html = index.page([row], 2025, "2026-01-01 08:00", None)
    page = soup(html)
    assert page.find("img") is None and "onerror=\"alert" not in html
    assert page.find("td", class_="name").contents[0] == hostile
    assert hostile in page.find("td", class_="note").get_text()
    assert page.find("tr", attrs={"data-agency": "额敏"})["data-name"] == hostile


def test_the_page_needs_no_network_and_works_without_script():
    rows = [index.Row("a", "甲", BUILT, 0, 1, outputs=("a/report.html",), notebooks=("a/01_overview.ipynb",)),
            index.Row("b", "乙", FAILED, None, None, "参数文件有问题")]
    page = soup(index.page(rows, 2025, "2026-01-01 08:00", index.ROLLUP))
    assert page.html["lang"] == "zh"
    assert page.h1.get_text() == f"{load_format().title.format(subject='', year=2025)} 生成情况"
    links = [tag.get("href") or tag.get("src") for tag in page.find_all(["a", "link", "script", "img"])]
    assert all(link is None or link.startswith("data:") or "://" not in link and not link.startswith("/")
               for link in links), links
    assert not page.find_all("script", src=True) and not page.find_all("link", rel="stylesheet")
    # without the script every row is there with its status and counts; only the controls need it
    assert sorted([td.get_text() for td in tr.find_all("td")[:4]] for tr in page.tbody.find_all("tr")) == [
        ["乙b", "失败", "—", "—"], ["甲a", "已生成", "0", "1"]]
    assert page.find("div", class_="controls").has_attr("hidden")
    assert page.find("a", string="汇总报告")["href"] == index.ROLLUP


def test_no_rollup_link_without_a_rollup():
    assert "汇总报告" not in index.page([], 2025, "2026-01-01 08:00", None)


# --- the rows, read from a year's folder -----------------------------------------------------------

def agency_folder(folder: Path, files: list[str], summary: dict | None = None) -> Path:
    folder.mkdir(parents=True)
    for name in files:
        (folder / name).write_text("x", encoding="utf-8")
    if summary is not None:
        (folder / "manifest.json").write_text(json.dumps({"summary": summary}), encoding="utf-8")
    return folder


def test_a_manifest_that_is_a_fifo_is_passed_over_not_waited_on(tmp_path):
    """A folder copied into the outputs may hold a FIFO where the manifest goes: only regular
    files are read (index._files), so the row is made without waiting on it."""
    import subprocess
    import sys

    folder = tmp_path / "2025" / "copied"
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<p>报告</p>", encoding="utf-8")
    os.mkfifo(folder / "manifest.json")
    script = ("from pathlib import Path; from xxgk.run import index; "
              f"print([r.agency for r in index.rows(Path({str(folder.parent)!r}), [])])")
    answer = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert answer.stdout.strip() == "['copied']", answer.stderr


def test_rows_describe_the_folder_as_it_stands(tmp_path):
    year = tmp_path / "2025"
    notebooks = [s.notebook for s in SECTIONS]
    agency_folder(year / "old", ["report.html", "audit.html", notebooks[0]],
                  {"name": "富蕴县人民政府办公室", "errors": 0, "warnings": 2})
    agency_folder(year / "half.failed", notebooks[:2])
    agency_folder(year / "额敏", ["report.html", "report.pdf"], {"name": "额敏县人民政府办公室"})
    agency_folder(year / "额敏.failed", notebooks[:1])
    agency_folder(year / ".额敏.staging-abc", ["report.html"])
    agency_folder(year / "_rollup", ["rollup.html"])
    (year / "linked").symlink_to(year / "old")
    outcomes = [Outcome("params/2025/额敏.yaml", FAILED, "额敏", 2025, "SectionError", errors=0, warnings=0),
                Outcome("params/2025/new.yaml", FAILED, None, None, "参数文件有问题")]
    found = {row.agency: row for row in index.rows(year, outcomes)}
    assert sorted(found) == ["half", "new", "old", "额敏"]
    old = found["old"]
    assert (old.status, old.name, old.errors, old.warnings) == (index.EARLIER, "富蕴县人民政府办公室", 0, 2)
    assert "生成于" in old.note
    assert old.outputs == ("old/report.html", "old/audit.html") and old.notebooks == (f"old/{notebooks[0]}",)
    assert found["half"].status == index.EARLIER_FAILED and found["half"].outputs == ()
    assert found["half"].partial == tuple(f"half.failed/{n}" for n in notebooks[:2])
    failed = found["额敏"]
    assert (failed.status, failed.name, failed.note) == (FAILED, "额敏县人民政府办公室", "SectionError")
    assert failed.outputs == ("%E9%A2%9D%E6%95%8F/report.html", "%E9%A2%9D%E6%95%8F/report.pdf")
    assert failed.partial == (f"%E9%A2%9D%E6%95%8F.failed/{notebooks[0]}",)
    assert (found["new"].name, found["new"].outputs, found["new"].errors) == ("new", (), None)
    html = index.page(list(found.values()), 2025, "2026-01-01 08:00", None)
    assert str(tmp_path) not in html
    for href in hrefs(html):
        assert (year / unquote(href)).is_file(), href


def test_an_outcome_without_a_year_belongs_to_its_params_folder():
    assert index.year_of(Outcome("params/2024/a.yaml", FAILED)) == 2024
    assert index.year_of(Outcome("params/2024/a.yaml", BUILT, "a", 2025)) == 2025
    assert index.year_of(Outcome("elsewhere/a.yaml", FAILED)) is None


def test_the_index_is_replaced_in_one_step(tmp_path, monkeypatch):
    outcome = Outcome("params/2025/a.yaml", FAILED, "a", 2025, "坏了")
    (page,) = index.write(tmp_path, [outcome])
    assert page == tmp_path / "2025" / "index.html" and "坏了" in page.read_text(encoding="utf-8")

    def refuse(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        index.write(tmp_path, [Outcome("params/2025/a.yaml", FAILED, "a", 2025, "又坏了")])
    assert "坏了" in page.read_text(encoding="utf-8") and "又坏了" not in page.read_text(encoding="utf-8")
    assert sorted(p.name for p in page.parent.iterdir()) == ["index.html"]


def test_an_index_that_cannot_be_written_is_said_after_the_batch_summary(tmp_path, monkeypatch, capsys):
    """The batch is over when the page is written: a full disk there must not hide how it went."""
    from xxgk import cli
    from xxgk.run import batch

    folder = tmp_path / "params" / "2025"
    folder.mkdir(parents=True)
    for name in ("a", "b"):
        (folder / f"{name}.yaml").write_text(EXAMPLE_TEXT, encoding="utf-8")
    done = [Outcome(str(folder / f"{name}.yaml"), BUILT, name, 2025, errors=0, warnings=0) for name in ("a", "b")]
    monkeypatch.setattr(batch, "build_many", lambda *args: done)

    def refuse(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    assert cli.main(["build", str(folder), "--outputs", str(tmp_path / "outputs")]) == 1
    said = capsys.readouterr().out
    assert said.index("已生成 2") < said.index("批量索引页未能写出") and "磁盘" in said


def test_a_failed_sections_notebooks_are_linked(tmp_path, failing_section):
    """An agency whose part 一 fails in its kernel keeps its notebooks in ``<agency>.failed/``: the
    index links them, and only them."""
    from xxgk.run.batch import build_one

    params = tmp_path / "params" / "2025"
    params.mkdir(parents=True)
    (params / "a.yaml").write_text(EXAMPLE_TEXT, encoding="utf-8")
    outputs = tmp_path / "outputs"
    outcome = build_one(str(params / "a.yaml"), BuildSettings(outputs, formats=("html",), force=True))
    assert outcome.status == FAILED and outcome.section == "overview"
    (written,) = index.write(outputs, [outcome])
    row = soup(written.read_text(encoding="utf-8")).find("tr", attrs={"data-agency": "a"})
    kept = sorted(p.name for p in (outputs / "2025" / "a.failed").glob("*.ipynb"))
    assert kept and sorted(a["href"] for a in row.find_all("a")) == [f"a.failed/{name}" for name in kept]
    assert all(a["class"] == ["partial"] for a in row.find_all("a"))
    assert row["data-status"] == FAILED


# --- a real batch in a real browser -----------------------------------------------------------------

AGENCIES = {  # file → (full name, edit of the example)
    "aletai": ("阿勒泰市人民政府办公室", None),  # built before the batch: unchanged in it
    "bole": ("博乐市人民政府办公室", None),  # built by the batch, with a warning
    "changji": ("昌吉市人民政府办公室", UNBALANCED),  # fails its checks
    "额敏": ("额敏县人民政府办公室", ("licensing: 9865", "licensing: -1")),  # an unusable file
}
EARLIER_NAME = "富蕴县人民政府办公室"  # an agency's outputs from before, not in the batch
# in pinyin order, then Latin letters (a failed agency without outputs is known by its file's name),
# as the Unicode collation's Chinese tailoring orders them; the code points' order would be 博 富 阿 额
BY_NAME = ["阿勒泰市人民政府办公室", "博乐市人民政府办公室", "额敏", EARLIER_NAME, "changji"]
# what needs a look first: failed, then built, unchanged, earlier (by name within each)
BY_STATUS = ["额敏", "changji", "博乐市人民政府办公室", "阿勒泰市人民政府办公室", EARLIER_NAME]


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    """``outputs/2025`` after one real batch (HTML only) over AGENCIES."""
    root = tmp_path_factory.mktemp("batch")
    params = root / "params" / "2025"
    params.mkdir(parents=True)
    for file, (name, edit) in AGENCIES.items():
        text = EXAMPLE_TEXT.replace(NAME_LINE, f"  name: {name}")
        text = text.replace(*edit) if edit else text
        (params / f"{file}.yaml").write_text(text + (STALE if file == "bole" else ""), encoding="utf-8")
    outputs = root / "outputs"
    first = run_xxgk("build", params / "aletai.yaml", "--outputs", outputs, "--to", "html")
    assert first.returncode == 0, first.stderr
    year = outputs / "2025"
    shutil.copytree(year / "aletai", year / "fuyun")
    manifest = json.loads((year / "fuyun" / "manifest.json").read_text(encoding="utf-8"))
    manifest["summary"]["name"] = EARLIER_NAME
    (year / "fuyun" / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    (year / "_rollup").mkdir()
    (year / "_rollup" / "rollup.html").write_text("<p>汇总</p>", encoding="utf-8")
    result = run_xxgk("build", params, "-j", "2", "--outputs", outputs, "--to", "html")
    assert result.returncode == 1, result.stderr
    assert "已生成 1，未变 1，失败 2" in result.stdout
    assert result.stdout.rstrip().endswith(f"各机关的生成情况和链接：{outputs / '2025' / 'index.html'}")
    return year


def test_the_batch_index_lists_every_agency_with_its_counts(batch):
    html = (batch / "index.html").read_text(encoding="utf-8")
    assert str(batch.parents[1]) not in html  # the batch was given absolute paths
    page = soup(html)
    rows = {tr["data-agency"]: tr for tr in page.tbody.find_all("tr")}
    assert sorted(rows) == sorted([*AGENCIES, "fuyun"])
    assert {a: tr["data-status"] for a, tr in rows.items()} == {
        "aletai": UNCHANGED, "bole": BUILT, "changji": FAILED, "额敏": FAILED, "fuyun": index.EARLIER}
    root = batch.parents[1] / "params" / "2025"
    for agency, params in (("aletai", "aletai"), ("bole", "bole"), ("changji", "changji"), ("fuyun", "aletai")):
        found = check(load_params(root / f"{params}.yaml"))
        counts = [td.get_text() for td in rows[agency].find_all("td", class_="count")]
        assert counts == [str(len(errors(found))), str(len(warnings(found)))], agency
    assert rows["bole"].find("td", class_="count", string="1") and rows["changji"].find("td", class_="bad")
    for href in hrefs(str(page)):
        assert (batch / unquote(href)).is_file(), href
    assert {a["href"] for a in rows["bole"].find_all("a")} == {
        "bole/report.html", "bole/audit.html", *(f"bole/{s.notebook}" for s in SECTIONS)}
    assert rows["额敏"].find("a") is None and rows["changji"].find("a") is None
    assert page.find("a", string="汇总报告")["href"] == "_rollup/rollup.html"


@pytest.fixture
def browser():
    driver = chromium(console=True)
    driver.set_window_size(1200, 900)
    yield driver
    driver.quit()


def shown(driver) -> list[str]:
    """The names of the rows on screen, top to bottom."""
    return driver.execute_script(
        "return [...document.querySelectorAll('#agencies tbody tr')].filter(r => r.offsetParent !== null)"
        ".map(r => r.dataset.name);")


def test_the_index_in_a_browser(batch, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get((batch / "index.html").as_uri())
    assert [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")] == []
    assert shown(browser) == BY_NAME  # sorted by name (pinyin) when it opens

    Select(browser.find_element(By.ID, "status")).select_by_value(FAILED)
    assert sorted(shown(browser)) == ["changji", "额敏"]
    Select(browser.find_element(By.ID, "status")).select_by_value("warnings")
    assert shown(browser) == ["博乐市人民政府办公室"]
    Select(browser.find_element(By.ID, "status")).select_by_value("")
    browser.find_element(By.ID, "name").send_keys("富蕴")
    assert shown(browser) == [EARLIER_NAME]
    browser.find_element(By.ID, "name").clear()
    browser.execute_script("document.getElementById('name').dispatchEvent(new Event('input'))")
    assert len(shown(browser)) == len(BY_NAME)

    status, name = (browser.find_element(By.CSS_SELECTOR, f"th[data-sort={key}] button") for key in ("status", "name"))
    status.click()
    assert shown(browser) == BY_STATUS
    name.click()
    assert shown(browser) == BY_NAME
    name.click()
    assert shown(browser) == BY_NAME[::-1]

    browser.find_element(By.CSS_SELECTOR, "tr[data-agency=bole]").find_element(By.LINK_TEXT, "报告").click()
    assert browser.current_url == (batch / "bole" / "report.html").as_uri()
    assert "博乐市人民政府办公室" in browser.find_element(By.TAG_NAME, "body").text
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_the_index_on_a_phone(batch, browser):
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 375, "height": 812, "deviceScaleFactor": 2, "mobile": True})
    browser.get((batch / "index.html").as_uri())
    width, scrolled, table = browser.execute_script(
        "return [window.innerWidth, document.documentElement.scrollWidth,"
        " document.getElementById('agencies').getBoundingClientRect().right];")
    assert width == 375 and scrolled <= width and table <= width, (width, scrolled, table)
    assert shown(browser) == BY_NAME  # every agency still there, as a card
