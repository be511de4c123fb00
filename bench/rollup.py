"""Benchmark of ``xxgk rollup`` over 100 and 1,000 synthetic agencies (target: 1,000 in ≤ 10 s).

    PYTHONPATH=lib .venv/bin/python bench/rollup.py              # --n 100 1000

The agencies' files are generated first, outside the timing. For each size it prints the seconds
of the whole command (a fresh process: imports, the notebook's kernel, the HTML, the PDF) with the
peak memory (sum of PSS over its process tree), the seconds of an unchanged rerun, and where the
time goes, measured in this process: reading and checking the files, summing, the charts, the page.
"""

from __future__ import annotations

import argparse
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


def phases(folder: Path) -> dict[str, float]:
    """Seconds of each step of the notebook's work, in this (warm) process."""
    paths = expand([str(folder)])
    seconds = {}
    start = time.perf_counter()
    agencies = [rollup.read_agency(path, 2025) for path in paths]
    seconds["read and check"] = time.perf_counter() - start
    start = time.perf_counter()
    summed = rollup.summed_report([a.report for a in agencies], "合计", 2025)
    result = rollup.Rollup("合计", 2025, tuple(agencies), (), summed, ())
    seconds["sum"] = time.perf_counter() - start
    start = time.perf_counter()
    for table in (tables.table2, tables.table3, tables.table4):
        table(summed)
    seconds["tables"] = time.perf_counter() - start
    start = time.perf_counter()
    charts.outcome_chart(result)
    charts.change_chart(result)
    seconds["charts"] = time.perf_counter() - start
    start = time.perf_counter()
    rollup.comparison_html(result)
    rollup.listing(result)
    seconds["comparison and listing"] = time.perf_counter() - start
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, nargs="+", default=[100, 1000], help="agencies (default 100 1000)")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="xxgk-rollup-bench-"))
    try:
        phases(Path(__file__).resolve().parents[1] / "params" / "2025")  # imports and first calls
        for count in args.n:
            folder = work / str(count) / "params" / "2025"
            start = time.perf_counter()
            write_agencies(folder, count, args.seed)
            print(f"{count} agencies generated in {time.perf_counter() - start:.0f} s (not timed)")
            seconds, peak = timed_xxgk(["rollup", folder, "--title", "合计"], measure_memory=True)
            again, _ = timed_xxgk(["rollup", folder, "--title", "合计"])
            print(f"  xxgk rollup        {seconds:6.2f} s   peak memory {peak / 2**20:5.0f} MiB (PSS, process tree)")
            print(f"  unchanged rerun    {again:6.2f} s")
            for name, taken in phases(folder).items():
                print(f"    {name:<24}{taken:6.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
