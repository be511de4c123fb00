"""What bounding the cache of checked files costs (``checkcache.prune``), against a roll-up of 1,000.

    PYTHONPATH=lib .venv/bin/python bench/checkprune.py          # --entries 5000

In a folder of the bench's own, ``--entries`` entries of 10 KB (a real entry's size), half of them
unused for longer than the limit: the seconds of one pruning that is due (listing the folder,
removing the unused), of one that is not (one stat: what every other process pays, at most once),
and of marking a hit used (one fstat per entry read; the touch itself happens once a day).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from xxgk.limits import CHECKS_UNUSED_DAYS
from xxgk.run import checkcache

DAY = 24 * 3600


def fill(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    body = "x" * 10_000
    now = time.time()
    for number in range(count):
        path = folder / f"{number:064x}.json"
        path.write_text(body, encoding="utf-8")
        used = now - (CHECKS_UNUSED_DAYS + 1) * DAY if number % 2 else now
        os.utime(path, (used, used))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["XDG_CACHE_HOME"] = home
        folder = checkcache.folder()
        due, idle = [], []
        for _ in range(3):
            fill(folder, args.entries)
            (folder / checkcache.PRUNED).unlink(missing_ok=True)
            start = time.perf_counter()
            checkcache.prune()
            due.append(time.perf_counter() - start)
            left = len(list(folder.glob("*.json")))
            start = time.perf_counter()
            checkcache.prune()
            idle.append(time.perf_counter() - start)
        paths = sorted(folder.glob("*.json"))[:1000]
        start = time.perf_counter()
        for path in paths:
            with path.open(encoding="utf-8") as handle:
                handle.read()
                os.fstat(handle.fileno())
        with_fstat = time.perf_counter() - start
        start = time.perf_counter()
        for path in paths:
            with path.open(encoding="utf-8") as handle:
                handle.read()
        without = time.perf_counter() - start
    print(f"{args.entries} entries, half unused: a due pruning {statistics.median(due) * 1000:.1f} ms "
          f"(left {left}); one not due {statistics.median(idle) * 1e6:.0f} µs; "
          f"1,000 hits read {without * 1000:.1f} ms, with the fstat {with_fstat * 1000:.1f} ms")


if __name__ == "__main__":
    main()
