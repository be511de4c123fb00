"""Benchmark of ``xxgk rollup`` over 100 and 1,000 synthetic agencies (target: 1,000 in ≤ 10 s).

    PYTHONPATH=lib .venv/bin/python bench/rollup.py              # --n 100 1000

The agencies' files are generated first, outside the timing. For each size it prints, for the
whole command (a fresh process: imports, the notebook's kernel, the HTML, the PDF), the wall
seconds and the CPU seconds of its process tree (the wall time means little on a machine others
share; on 2 cores it is at best half the CPU), with the peak memory (sum of PSS over the tree):
a first roll-up with an empty cache of checked files (the user's cache folder is the bench's own),
an unchanged rerun, and a roll-up after one file changed (the other files' checks come from the
cache). Then where the time goes, step by step, wall and CPU of this process and its reading
workers (``resource.getrusage`` of self and children), imports excluded: reading and checking
the files (empty cache, then filled, then with the first 40 % kept, as the builder's check ahead
leaves them: the workers must still finish together), summing, the tables, the charts, the
comparison, the page (nbconvert) and the PDF (each part's page by nbconvert, then WeasyPrint, every
part laid out at the end), and the layout of its parts but the last, which the command does while
the kernel still runs.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import BIN, machine_speed, tree_pss  # noqa: E402
from synthetic import write_agencies  # noqa: E402
from xxgk.paths import ROLLUP_NOTEBOOK  # noqa: E402
from xxgk.render import assemble, pdf, tables
from xxgk.render.pdfparts import PdfParts, page_parts
from xxgk.rollup import charts, page, rollup
from xxgk.run import checkcache  # noqa: E402
from xxgk.run.batch import expand  # noqa: E402

TITLE = "合计"


def _clock() -> tuple[float, float]:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter(), own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def phases(folder: Path, executed: Path) -> dict[str, tuple[float, float]]:
    """Seconds (wall, CPU) of each step of the roll-up, in this (warm) process; ``executed``: the
    roll-up's executed notebook, for the page and the PDF."""
    paths = expand([str(folder)])
    seconds = {}
    clock = _clock()

    def lap(name: str) -> None:
        nonlocal clock
        now = _clock()
        seconds[name] = (now[0] - clock[0], now[1] - clock[1])
        clock = now

    shutil.rmtree(checkcache.folder(), ignore_errors=True)
    rollup._read_all(paths, 2025)
    lap("read and check")
    read = rollup._read_all(paths, 2025)
    lap("  the same, cached")
    shutil.rmtree(checkcache.folder(), ignore_errors=True)
    rollup._read_all(paths[: len(paths) * 2 // 5], 2025)
    clock = _clock()
    rollup._read_all(paths, 2025)
    lap("  the first 40 % kept")
    agencies = [item for item in read if isinstance(item, rollup.Agency)]
    summed = rollup.summed_report([a.report for a in agencies], TITLE, 2025)
    result = rollup.Rollup(TITLE, 2025, tuple(agencies), (), summed, ())
    lap("sum")
    for table in (tables.table2, tables.table3, tables.table4):
        table(summed)
    lap("tables")
    charts.outcome_chart(result)
    charts.change_chart(result)
    lap("charts")
    rollup.comparison_html(result)
    rollup.listing(result)
    lap("comparison and listing")
    notebook, title = nbformat.read(executed, as_version=4), page.page_title(TITLE, 2025)
    assemble.page_html(notebook, title)
    lap("page (nbconvert)")
    with PdfParts(title, TITLE, page.printed) as printing:
        printing.render(notebook)
    lap("PDF (in parts)")
    *early, _ = [page.printed(assemble.page_html(nbformat.v4.new_notebook(cells=cells), title))
                 for cells in page_parts(notebook.cells)]
    clock = _clock()
    pages = 0
    for html in early:
        pages += len(pdf.lay_out(html, pages_before=pages).pages)
    lap("  layout of early parts")
    return seconds


TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, float]]:
    """Every process: its parent and the CPU seconds it has used itself (not its children's)."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / TICKS)
    return found


def timed(arguments: list) -> tuple[float, float, int]:
    """``xxgk`` with ``arguments``: wall seconds, CPU seconds of its process tree, peak memory.
    The CPU is each process's own as last seen, every 50 ms: the kernels' and their workers' are
    in no getrusage of this process (the zygote reaps its kernels without waiting for them), and
    the last 50 ms of a short-lived process are missed."""
    start = time.perf_counter()
    cpu: dict[int, float] = {}
    peak = 0
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen([BIN / "xxgk", *map(str, arguments)], stdout=log, stderr=log)
        for poll in itertools.count():
            if process.poll() is not None:
                break
            processes = _processes()
            tree, stack = set(), [process.pid]
            while stack:
                pid = stack.pop()
                tree.add(pid)
                stack += [child for child, (parent, _) in processes.items() if parent == pid]
            cpu.update({pid: processes[pid][1] for pid in tree if pid in processes})
            if poll % 6 == 0:
                peak = max(peak, tree_pss(process.pid))
            time.sleep(0.05)
        wall = time.perf_counter() - start
        if process.returncode != 0:
            log.seek(0)
            raise SystemExit(f"xxgk {' '.join(map(str, arguments))} failed:\n{log.read()[-3000:]}")
    return wall, sum(cpu.values()), peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000], help="agencies (default 100 1000)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="generate the agencies into DIR and keep them; reuse those already there")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="xxgk-rollup-bench-"))
    # the commands' cache folder (checked files, seal key, font digests) is the bench's own, and
    # emptied before each size: a first roll-up finds nothing there
    os.environ["XDG_CACHE_HOME"] = str(work / "cache")
    try:
        example = Path(__file__).resolve().parents[1] / "params" / "2025"
        for count in args.n:
            folder = work / str(count) / "params" / "2025"
            if len(list(folder.glob("*.yaml"))) != count:
                start = time.perf_counter()
                write_agencies(folder, count, args.seed)
                print(f"{count} agencies generated in {time.perf_counter() - start:.0f} s (not timed)")
            shutil.rmtree(folder.parents[1] / "outputs", ignore_errors=True)
            shutil.rmtree(work / "cache", ignore_errors=True)
            print(f"{count} agencies ({machine_speed()})")
            command = ["rollup", folder, "--title", TITLE]
            wall, cpu, peak = timed(command)
            print(f"  xxgk rollup        {wall:6.2f} s  (CPU {cpu:6.2f} s)  peak memory {peak / 2**20:5.0f} MiB "
                  "(PSS, process tree)")
            wall, cpu, _ = timed(command)
            print(f"  unchanged rerun    {wall:6.2f} s  (CPU {cpu:6.2f} s)")
            changed = sorted(folder.glob("*.yaml"))[0]
            original = changed.read_bytes()
            changed.write_bytes(original.replace(b"year: 2025", b"year: 2025  # changed"))
            try:
                wall, cpu, _ = timed(command)
            finally:
                changed.write_bytes(original)
            print(f"  one file changed   {wall:6.2f} s  (CPU {cpu:6.2f} s)")
            executed = folder.parents[1] / "outputs" / "2025" / "_rollup" / ROLLUP_NOTEBOOK
            phases(example, executed)  # imports and first calls
            for name, (wall, cpu) in phases(folder, executed).items():
                print(f"    {name:<24}{wall:6.2f} s  (CPU {cpu:6.2f} s)")
            print(f"  ({machine_speed()})")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
