"""Benchmark of ``xxgk rollup`` over 100 and 1,000 synthetic agencies (target: 1,000 in ≤ 10 s).

    PYTHONPATH=lib .venv/bin/python bench/rollup.py              # --n 100 1000

The agencies' files are generated first, outside the timing. For each size it prints the seconds
of the whole command (a fresh process: imports, the notebook's kernel, the HTML, the PDF), wall
and CPU of its process tree (the wall time means little on a machine others share), with the peak
memory (sum of PSS over the tree); the same for an unchanged rerun; and where the time goes,
measured in this process: reading and checking the files, summing, the tables, the charts, the
comparison.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import timed_xxgk  # noqa: E402
from synthetic import write_agencies  # noqa: E402
from xxgk import charts, rollup, tables  # noqa: E402
from xxgk.batch import expand  # noqa: E402


def phases(folder: Path) -> dict[str, tuple[float, float]]:
    """Seconds (wall, CPU) of each step of the notebook's work, in this (warm) process."""
    paths = expand([str(folder)])
    seconds = {}
    clock = (time.perf_counter(), time.process_time())

    def lap(name: str) -> None:
        nonlocal clock
        now = (time.perf_counter(), time.process_time())
        seconds[name] = (now[0] - clock[0], now[1] - clock[1])
        clock = now

    agencies = [rollup.read_agency(path, 2025) for path in paths]
    lap("read and check")
    summed = rollup.summed_report([a.report for a in agencies], "合计", 2025)
    result = rollup.Rollup("合计", 2025, tuple(agencies), (), summed, ())
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
    return seconds


def timed(arguments: list) -> tuple[float, float, int]:
    """``xxgk`` with ``arguments``: wall seconds, CPU seconds of its process tree, peak memory."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall, peak = timed_xxgk(arguments, measure_memory=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000], help="agencies (default 100 1000)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="generate the agencies into DIR and keep them; reuse those already there")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="xxgk-rollup-bench-"))
    try:
        phases(Path(__file__).resolve().parents[1] / "params" / "2025")  # imports and first calls
        for count in args.n:
            folder = work / str(count) / "params" / "2025"
            if len(list(folder.glob("*.yaml"))) != count:
                start = time.perf_counter()
                write_agencies(folder, count, args.seed)
                print(f"{count} agencies generated in {time.perf_counter() - start:.0f} s (not timed)")
            shutil.rmtree(folder.parents[1] / "outputs", ignore_errors=True)
            print(f"{count} agencies")
            wall, cpu, peak = timed(["rollup", folder, "--title", "合计"])
            print(f"  xxgk rollup        {wall:6.2f} s  (CPU {cpu:6.2f} s)  peak memory {peak / 2**20:5.0f} MiB "
                  "(PSS, process tree)")
            wall, cpu, _ = timed(["rollup", folder, "--title", "合计"])
            print(f"  unchanged rerun    {wall:6.2f} s  (CPU {cpu:6.2f} s)")
            for name, (wall, cpu) in phases(folder).items():
                print(f"    {name:<24}{wall:6.2f} s  (CPU {cpu:6.2f} s)")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
