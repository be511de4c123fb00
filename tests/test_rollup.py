"""``xxgk rollup`` for real (the notebook in a forked kernel, nbconvert, WeasyPrint): the summed
tables against sums the test makes itself from the YAML files, the charts' words as SVG text,
the PDF's words laid out without overlapping, and an unchanged set of files not rolled up again."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup

from conftest import ROOT, run_xxgk
from helpers import cells_styled_alone, given_to_weasyprint, official_wording

sys.path.insert(0, str(ROOT / "bench"))
from synthetic import write_agencies  # noqa: E402

TITLE = "塔城地区"
LAST_YEAR = 5  # agencies with a file for 2024 too


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> list[Path]:
    return write_agencies(tmp_path_factory.mktemp("generated"), 40, seed=13)


@pytest.fixture(scope="module")
def rollup_zygote():
    """This process's kernel template with the roll-up's modules, for the tests that run the
    roll-up here (the one the other tests started has none); the usual one again afterwards."""
    from xxgk.rollup import rollupbuild
    from xxgk.run.zygote import stop_kernels, warm_up

    stop_kernels()
    warm_up(rollupbuild.PRELOAD)
    yield
    stop_kernels()
    warm_up()


def project(root: Path, files: list[Path]) -> Path:
    """``root/params/2025/`` holding ``files``; the first LAST_YEAR also in ``params/2024/``,
    a year earlier."""
    folder = root / "params" / "2025"
    folder.mkdir(parents=True)
    for index, path in enumerate(files):
        text = official_wording(path.read_text(encoding="utf-8"))  # findings then come from the tables only
        (folder / path.name).write_text(text, encoding="utf-8")
        if index < LAST_YEAR:
            text = text.replace("year: 2025", "year: 2024").replace("2026-", "2025-")
            (root / "params" / "2024").mkdir(exist_ok=True)
            (root / "params" / "2024" / path.name).write_text(text, encoding="utf-8")
    return folder


def sums(files: list[Path]) -> dict[str, object]:
    """Every value cell of the three tables summed over ``files``, keyed as the page's cells are
    (``table3.new[0]``), read with PyYAML, not the kit."""
    total: dict[str, object] = {}
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for table in ("table2", "table3", "table4"):
            for row, values in data[table].items():
                if row == "amount_decimals":
                    continue
                cells = enumerate(values) if isinstance(values, list) else [(None, values)]
                for index, value in cells:
                    key = f"{table}.{row}" + ("" if index is None else f"[{index}]")
                    total[key] = round(total.get(key, 0) + value, 2)  # type: ignore[operator]
    return total


def names(files: list[Path]) -> list[str]:
    return [yaml.safe_load(p.read_text(encoding="utf-8"))["agency"]["name"] for p in files]


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def twenty(generated, tmp_path_factory) -> tuple[Path, list[Path], Path]:
    """A roll-up of 20 generated agencies and one file that does not validate."""
    root = tmp_path_factory.mktemp("twenty")
    folder = project(root, generated[:20])
    broken = folder / "broken.yaml"
    broken.write_text(generated[20].read_text(encoding="utf-8").replace("year: 2025", "year: 2025\nsurplus: 1"),
                      encoding="utf-8")
    result = run_xxgk("rollup", folder, "--title", TITLE)
    assert result.returncode == 0, result.stderr
    outputs = root / "outputs" / "2025" / "_rollup"
    assert str(outputs) in result.stdout
    return folder, [folder / p.name for p in generated[:20]], outputs


def test_the_summed_tables_are_the_sums_of_the_agencies_tables_and_pass_the_rules(twenty):
    folder, files, outputs = twenty
    assert {p.name for p in outputs.iterdir()} >= {"rollup.html", "rollup.pdf", "rollup.ipynb", "manifest.json"}
    page = BeautifulSoup((outputs / "rollup.html").read_text(encoding="utf-8"), "html.parser")
    shown = {cell["data-params"]: cell.get_text(strip=True) for cell in page.select("td[data-params]")}
    expected = sums(files)  # the broken file is not among them
    assert set(shown) == set(expected)
    for key, value in expected.items():
        assert float(shown[key]) == pytest.approx(value), key
    text = page.get_text()
    assert "汇总后的表格通过全部校验规则" in text
    # the file that does not validate is named with its problem and left out of the sums
    assert "broken" in text and "surplus" in text and "20 个机关" in text
    # the agencies whose cross-year checks against their 2024 file found something, with counts
    flagged = text.split("以下")[-1]
    assert [name in flagged for name in names(files)] == [True] * LAST_YEAR + [False] * (20 - LAST_YEAR)


def test_each_chart_has_its_chinese_labels_as_svg_text_and_alt_text(twenty):
    folder, files, outputs = twenty
    page = BeautifulSoup((outputs / "rollup.html").read_text(encoding="utf-8"), "html.parser")
    figures = page.select("figure.xxgk-chart")
    assert len(figures) == 2  # outcomes of all agencies; 2024 against 2025 for those with both files
    agencies = names(files)
    for figure, expected in zip(figures, (agencies, agencies[:LAST_YEAR]), strict=True):
        svg = figure.find("svg")
        words = {text.get_text() for text in svg.find_all("text")}
        assert set(expected) <= words
        assert svg["role"] == "img" and svg["aria-label"] == svg.find("title").get_text()
        assert figure.find("figcaption").get_text() in svg["aria-label"]
    outcome_words = {text.get_text() for text in figures[0].find_all("text")}
    assert {"予以公开", "部分公开", "不予公开"} <= outcome_words
    assert {"2024年", "2025年"} <= {text.get_text() for text in figures[1].find_all("text")}


def test_weasyprint_gets_the_charts_as_images_and_makes_the_same_pdf(twenty, monkeypatch):
    """On paper each chart is an image of its SVG, and the cells lose the styles their tables'
    stylesheets repeat: WeasyPrint no longer styles each of their elements as part of the page,
    and its PDF is byte for byte the one it makes of the page as it is, its cells styled by their
    attributes alone (twenty agencies: no row is left off the printed page)."""
    from xxgk.render import pdf
    from xxgk.rollup.page import printed

    html = (twenty[2] / "rollup.html").read_text(encoding="utf-8")
    made, given = given_to_weasyprint(monkeypatch, lambda: pdf.render_page(printed(html), TITLE, TITLE).data)
    charts = BeautifulSoup(html, "html.parser").select("figure.xxgk-chart svg")
    assert len(charts) == 2 and not given.select("svg") and not given.select("td[style], th[style]")
    assert [img["alt"] for img in given.select("figure.xxgk-chart img")] == [svg["aria-label"] for svg in charts]
    monkeypatch.setattr(pdf, "without_cell_styles", lambda page: page)
    assert made == pdf.render_page(cells_styled_alone(html), TITLE, TITLE).data


def test_table_three_and_the_charts_start_pages_of_the_pdf_and_its_pages_are_numbered_on(twenty):
    """The summed tables are laid out while the kernel goes on (the cells of table 三 and of the
    charts are tagged new-page), the rest after: those start a page, and the numbers run on."""
    import pdfplumber

    from xxgk.report.format import load_format

    with pdfplumber.open(twenty[2] / "rollup.pdf") as document:
        text = [page.extract_text() or "" for page in document.pages]
    assert [line for page in text for line in page.splitlines() if "—" in line] == [
        f"— {number} —" for number in range(1, len(text) + 1)]
    heading = {part: next(number for number, page in enumerate(text) if load_format().part(part).heading in page)
               for part in ("proactive", "requests", "appeals")}
    assert heading["proactive"] == 0 and text[heading["requests"]].startswith(load_format().part("requests").heading)
    charts = next(number for number, page in enumerate(text) if "图1" in page)
    assert heading["appeals"] == charts - 1


def test_the_command_lays_out_the_summed_tables_while_its_kernel_runs(generated, tmp_path, monkeypatch,
                                                                     rollup_zygote):
    """The notebook's tags, papermill's hook and the thread together: of the three parts of the
    page, the two before the charts are laid out on the thread, the charts' after the kernel."""
    import threading

    from xxgk.render import pdf
    from xxgk.rollup import rollupbuild

    threads: list[bool] = []
    lay_out = pdf.lay_out

    def counted(html, **options):
        threads.append(threading.current_thread() is threading.main_thread())
        return lay_out(html, **options)

    monkeypatch.setattr(pdf, "lay_out", counted)
    rollupbuild.roll_up([str(project(tmp_path, generated[:3]))], TITLE)
    assert threads == [False, False, True]
    assert (tmp_path / "outputs" / "2025" / "_rollup" / "rollup.pdf").is_file()


def test_an_unchanged_set_is_not_rolled_up_again_and_a_changed_one_is(twenty):
    folder, files, outputs = twenty
    before = digests(outputs)
    inode = outputs.stat().st_ino
    result = run_xxgk("rollup", folder, "--title", TITLE)
    assert result.returncode == 0, result.stderr
    assert "已是最新" in result.stdout
    assert digests(outputs) == before and outputs.stat().st_ino == inode
    # last year's file is one of the inputs too
    last = folder.parent / "2024" / files[0].name
    last.write_text(last.read_text(encoding="utf-8").replace("year: 2024", "year: 2024\n"), encoding="utf-8")
    result = run_xxgk("rollup", folder, "--title", TITLE)
    assert result.returncode == 0, result.stderr
    assert "已汇总 21 个参数文件" in result.stdout
    after = digests(outputs)
    assert after["manifest.json"] != before["manifest.json"]
    assert after["rollup.html"] == before["rollup.html"]  # the same figures: the same page


def overlaps(pdf: Path, labels: set[str]) -> tuple[list[str], list[tuple[int, str, str]]]:
    """Every word of ``pdf`` as laid out (``pdftotext -bbox``), and the pairs of ``labels`` on a
    page whose boxes overlap. (Only labels: the boxes of a heading's two lines overlap, as a CJK
    face's box is taller than the heading's line height.)"""
    listing = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                             text=True).stdout
    page = BeautifulSoup(listing, "html.parser")
    words, found = [], []
    for number, sheet in enumerate(page.find_all("page"), 1):
        boxes = [(w.get_text(), *(float(w[k]) for k in ("xmin", "ymin", "xmax", "ymax")))
                 for w in sheet.find_all("word")]
        words += [box[0] for box in boxes]
        boxes = [box for box in boxes if box[0] in labels]
        slack = 0.5  # points: glyph boxes of neighbouring lines may touch
        for (a, ax0, ay0, ax1, ay1), (b, bx0, by0, bx1, by1) in combinations(boxes, 2):
            if ax0 + slack < bx1 and bx0 + slack < ax1 and ay0 + slack < by1 and by0 + slack < ay1:
                found.append((number, a, b))
    return words, found


def test_no_labels_overlap_in_the_pdf_of_forty_agencies(generated, tmp_path):
    folder = project(tmp_path, generated)
    out = tmp_path / "forty"
    result = run_xxgk("rollup", folder, "--title", TITLE, "-o", out)
    assert result.returncode == 0, result.stderr
    page = BeautifulSoup((out / "rollup.html").read_text(encoding="utf-8"), "html.parser")
    labels = {text.get_text() for text in page.select("figure.xxgk-chart svg text")}
    words, found = overlaps(out / "rollup.pdf", labels)
    assert set(names(generated)) <= set(words)  # the chart's labels are in the PDF as words
    assert len([word for word in words if word in labels]) > 2 * len(generated)  # names, legends, axes
    assert found == []
    # printed at the page's width, not squeezed into a square box (a chart of 40 is 2:1 tall): an
    # 8 pt name's glyph box is about 11.6 pt high, 6.3 pt when the chart was shrunk to fit a square
    listing = subprocess.run(["pdftotext", "-bbox", str(out / "rollup.pdf"), "-"], check=True, capture_output=True,
                             text=True).stdout
    agencies = set(names(generated))
    boxes = [(float(w["ymin"]), float(w["ymax"])) for w in BeautifulSoup(listing, "html.parser").find_all("word")
             if w.get_text() in agencies]
    heights = [bottom - top for top, bottom in boxes]
    assert heights and min(heights) > 9, heights[:3]
    # each name in the chart and in the comparison table (some in the chart of 2024 too): none of
    # the chart's ran off the foot of its page
    assert min(Counter(w for w in words if w in agencies).values()) >= 2


@pytest.mark.parametrize("stacked", [True, False])
def test_every_word_of_a_chart_lies_within_its_figure_and_each_bar_is_its_figures(stacked):
    """The margins are worked out from the names' widths, not by matplotlib's layout engine: the
    names (one cut short: 60 characters would leave the bars no room), the legend, the axis, its
    last number and its label must all fall inside the figure; and the bars, drawn by hand, must
    span exactly the agencies' figures, stacked or side by side, a blank (last year's cell as
    published) drawing none."""
    import matplotlib
    import numpy as np
    import pandas as pd
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.text import Text

    from xxgk.rollup import charts, rollup

    names = ([f"样例县{n:03d}人民政府办公室" for n in range(38)] + ["塔城地区行政公署办公室信息公开科（政务公开办）"]
             + ["新疆维吾尔自治区塔城地区额敏县人民政府办公室" * 3])
    columns = list(rollup.outcome_groups()) if stacked else ["2024年", "2025年"]
    rows = [[7 * row + col for col in range(len(columns))] for row in range(39)]
    rows.append([1920 // len(columns) if stacked else 1920] * len(columns))  # the axis ends just past 2000
    frame = pd.DataFrame(rows, index=names, columns=columns, dtype=float)
    frame.iloc[3, 0] = np.nan
    with matplotlib.rc_context(charts.STYLE):
        figure = charts._bars(frame, stacked=stacked)
        renderer = RendererAgg(*figure.bbox.size, figure.dpi)
        drawn = figure.get_tightbbox(renderer)  # inches: every artist drawn, words included
        words = {t.get_text() for t in figure.findobj(Text) if t.get_visible()}
        legend, axes = figure.legends[0].get_window_extent(renderer), figure.axes[0].get_window_extent(renderer)
    assert legend.y0 >= axes.y1, "the legend covers the bars"
    assert names[-2] in words and "件" in words and columns[-1] in words and "2000" in words
    assert names[-1] not in words and any(w.endswith("…") and names[-1].startswith(w[:-1]) for w in words)
    inside = figure.bbox_inches.padded(0.01)
    assert inside.containsx(drawn.x0) and inside.containsx(drawn.x1), (drawn, figure.bbox_inches)
    assert inside.containsy(drawn.y0) and inside.containsy(drawn.y1), (drawn, figure.bbox_inches)
    values = frame.fillna(0).to_numpy()
    ends = values.cumsum(axis=1) if stacked else values
    for index, bars in enumerate(figure.axes[0].patches):
        corners = bars.get_path().vertices.reshape(-1, 5, 2)  # a rectangle: four corners and back
        assert bars.get_label() == columns[index]
        assert corners[:, :, 0].max(axis=1).tolist() == ends[:, index].tolist()
        assert corners[:, :, 0].min(axis=1).tolist() == (ends[:, index] - values[:, index]).tolist()
        middles = corners[:, :, 1].mean(axis=1)
        assert (np.diff(middles) > 0).all()  # one bar an agency, in order from the top


def test_beyond_sixty_agencies_the_chart_and_the_printed_table_keep_the_forty_largest(generated):
    from xxgk.rollup import charts, rollup
    from xxgk.rollup.page import printed

    one = rollup.collect(generated[:20], TITLE, 2025)
    many = rollup.Rollup(TITLE, 2025, one.agencies * 4, (), one.summed, ())  # 80 agencies
    handled = {a.report.agency.name: yaml.safe_load(p.read_text(encoding="utf-8"))["table3"]["total"][-1]
               for a, p in zip(one.agencies, generated[:20], strict=True)}
    html = rollup.comparison_html(many).html
    page = BeautifulSoup(html, "html.parser")
    assert len(page.select("tbody tr")) == 80
    kept = BeautifulSoup(printed(html), "html.parser").select("tbody tr")
    assert len(kept) == 40
    # the 40 largest of 80 rows in which each agency appears 4 times: the 10 largest agencies
    largest = sorted(handled, key=handled.__getitem__, reverse=True)[:10]
    assert {row.th.get_text() for row in kept} == set(largest)
    chart = BeautifulSoup(charts.outcome_chart(many).html, "html.parser")
    words = [text.get_text() for text in chart.find_all("text")]
    assert set(largest) <= set(words) and not set(handled) - set(largest) & set(words)
    assert "其余 40 个机关" in chart.find("figcaption").get_text()


def test_beyond_sixty_flagged_agencies_the_printed_listing_keeps_the_forty_with_most_errors(generated):
    """A thousand agencies with one warning each filled 90 printed pages; the web page keeps them all."""
    from dataclasses import replace

    from xxgk.report.findings import Finding
    from xxgk.rollup import rollup
    from xxgk.rollup.page import printed

    one = rollup.collect(generated[:20], TITLE, 2025)
    warning = Finding("X4", "warning", "proactive", "表二", "行政规范性文件", "规范性文件", "措辞不同", "")
    error = replace(warning, rule="T3-A", severity="error")
    # agency i (of 80) has i % 7 errors and i % 5 warnings, under its own name
    agencies = tuple(replace(agency, name=f"a{i:02d}", findings=(error,) * (i % 7) + (warning,) * (i % 5 or 1))
                     for i, agency in enumerate(one.agencies * 4))
    many = rollup.Rollup(TITLE, 2025, agencies, (), one.summed, ())
    html = rollup.listing(many).html
    assert len(BeautifulSoup(html, "html.parser").select("li")) == 80
    kept = [item.get_text() for item in BeautifulSoup(printed(html), "html.parser").select("li")]
    most = sorted(range(80), key=lambda i: (-(i % 7), -(i % 5 or 1)))[:40]
    assert sorted(text.split("（")[1].split("）")[0] for text in kept) == sorted(f"a{i:02d}" for i in most)
    assert "全部 80 个机关见 rollup.html" in BeautifulSoup(printed(html), "html.parser").get_text()


def test_a_blank_inside_a_row_of_table_three_leaves_the_report_out(generated):
    """The row-by-row shortcut of ``not_summable`` still finds one blank cell inside a row."""
    from xxgk.report.params import parse_params, read_source
    from xxgk.rollup import rollup

    report = parse_params(read_source(generated[0]))
    assert rollup.not_summable(report) is None
    row = report.table3.new
    blank = report.model_copy(update={"table3": report.table3.model_copy(update={"new": (*row[:-1], None)})})
    assert "表格有 1 处空白" in (rollup.not_summable(blank) or "")


def test_files_read_on_every_core_give_what_one_by_one_gives_in_order(generated, tmp_path, monkeypatch):
    from xxgk.rollup import rollup
    from xxgk.run import forked

    broken = tmp_path / "broken.yaml"
    broken.write_text(generated[0].read_text(encoding="utf-8").replace("year: 2025", "year: 2024"), encoding="utf-8")
    paths = [*generated[:6], broken, *generated[6:12]]
    monkeypatch.setattr(forked, "PER_WORKER", 2)
    monkeypatch.setattr(forked.os, "cpu_count", lambda: 2)
    together = rollup._read_all(paths, 2025)
    assert together == [rollup._read(path, 2025) for path in paths]
    assert [type(item).__name__ for item in together].count("Unusable") == 1


def test_the_reading_processes_die_with_the_process_that_forked_them(tmp_path):
    """A killed kernel must not leave its reading workers behind (a fork does not inherit the
    kernel's parent-death signal): kill -9 the reader mid-way, and no process of it is left."""
    import signal
    import time

    from helpers import descendants, running

    folder = tmp_path / "params" / "2025"
    folder.mkdir(parents=True)
    for number in range(200):
        shutil.copy(ROOT / "params" / "2025" / "emin.yaml", folder / f"a{number}.yaml")
    script = ("from pathlib import Path; from xxgk.rollup import rollup; from xxgk.run import forked; "
              "forked.os.cpu_count = lambda: 2; "
              "print('reading', flush=True); "
              f"rollup._read_all(sorted(Path({str(folder)!r}).glob('*.yaml')) * 20, 2025)")
    reader = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert reader.stdout and reader.stdout.readline().strip() == "reading"
    deadline = time.monotonic() + 60
    while len(workers := descendants(reader.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(workers) >= 2, "the reader never started its workers"
    reader.send_signal(signal.SIGKILL)
    reader.wait()
    deadline = time.monotonic() + 10
    while any(running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if running(pid)]


def test_the_rollup_kernel_starts_with_the_charts_imported(tmp_path, rollup_zygote):
    """The zygote of a roll-up imports matplotlib before the kernel asks (1.5 s in the kernel)."""
    import nbformat

    from xxgk.rollup import rollupbuild
    from xxgk.run.execute import execute_section

    book = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("inputs_path = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import sys\nprint('matplotlib' in sys.modules, 'xxgk.rollup.charts' in sys.modules)")])
    book.metadata.kernelspec = {"name": "python3", "language": "python", "display_name": "Python 3"}
    nbformat.write(book, tmp_path / "probe.ipynb")
    executed = execute_section(rollupbuild._RollupNotebook("rollup", str(tmp_path / "probe.ipynb")),
                               {"inputs_path": None}, tmp_path / "out.ipynb", {}, agency="t", year=2025)
    assert executed.cells[-1].outputs[0].text.split() == ["True", "True"]


def _frozen_in_worker(_: int) -> int:
    import gc

    return gc.get_freeze_count()


class _Marker:
    """An object the garbage collector tracks, to be looked for among its objects."""


def _marker_collected(_: int) -> bool:
    import gc

    return any(type(item) is _Marker for item in gc.get_objects())


def _failing(number: int) -> int:
    return 1 // (number - number)


def test_the_readers_run_with_the_parents_objects_frozen_and_the_parent_gets_them_back(monkeypatch):
    """Each forked reader leaves what it inherited out of its garbage collections (which would
    otherwise copy every page it touched); afterwards the process that forked them has its objects
    collected as before, also when a job failed."""
    import gc

    from xxgk.run import forked

    monkeypatch.setattr(forked, "PER_WORKER", 2)
    monkeypatch.setattr(forked.os, "cpu_count", lambda: 2)
    assert gc.get_freeze_count() == 0
    assert min(forked.forked_map(_frozen_in_worker, list(range(8)))) > 0
    assert gc.get_freeze_count() == 0
    with pytest.raises(ZeroDivisionError):
        forked.forked_map(_failing, list(range(8)))
    assert gc.get_freeze_count() == 0


def test_in_a_kernel_whose_template_was_frozen_the_readers_still_skip_its_own_objects(monkeypatch):
    """A kernel starts with the zygote's objects frozen; what it made since (its shell, the
    notebook's values) is frozen for its readers too, and stays so (gc.unfreeze would also thaw
    the zygote's)."""
    import gc

    from xxgk.run import forked

    monkeypatch.setattr(forked, "PER_WORKER", 2)
    monkeypatch.setattr(forked.os, "cpu_count", lambda: 2)
    gc.freeze()  # as the zygote did before forking the kernel
    try:
        made_since = _Marker()
        assert not any(forked.forked_map(_marker_collected, list(range(8))))
        assert not _marker_collected(0)  # still frozen here
        del made_since
    finally:
        gc.unfreeze()


def test_an_agency_that_sets_no_decimals_has_its_fees_compared_as_written(generated, tmp_path):
    """Reports read back from their publication often set no ``amount_decimals`` (the corpus's
    淮安 2024): the comparison prints their fees as the table does, as written, and the others'
    to their decimals."""
    from xxgk.rollup import rollup

    folder = tmp_path / "params" / "2025"
    folder.mkdir(parents=True)
    plain, rounded = folder / "plain.yaml", folder / "rounded.yaml"
    text = generated[0].read_text(encoding="utf-8")
    plain.write_text(re.sub(r"\n\s*amount_decimals: \d+.*", "", text).replace(
        re.search(r"fees: (\S+)", text)[1], "12.5"), encoding="utf-8")
    rounded.write_text(text.replace(re.search(r"fees: (\S+)", text)[1], "12.5")
                       .replace("amount_decimals: 2", "amount_decimals: 3"), encoding="utf-8")
    result = rollup.collect([plain, rounded], TITLE, 2025)
    assert [a.report.table2.amount_decimals for a in result.agencies] == [None, 3]
    assert rollup.comparison(result).iloc[:, -1].tolist() == ["12.5", "12.500"]
