"""Benchmark: xxgk against the pipeline a user would write today, measured in the same run.

    .venv/bin/python bench/bench.py --n 100            # N synthetic agencies, HTML + audit HTML + PDF

(a) naive: per agency, the papermill CLI for each section notebook, the jupyter nbconvert CLI for the
publication and the audit HTML, and the weasyprint CLI for the PDF; (b) ``xxgk build -j <cores>``
over the folder; (c) the same again with nothing changed; plus one cold single-agency build. Prints
seconds per report, the ratios and the peak memory (sum of PSS over the process tree) of (b).
The naive pipeline takes ~20 s a report, so by default it runs on a sample of the agencies
(--naive-sample, 0 = all) and its per-report time is that sample's mean.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import ROOT, write_agencies  # noqa: E402
from xxgk.report.sections import SECTIONS  # noqa: E402

BIN = Path(sys.executable).parent


def run(command: list, **kwargs) -> None:
    subprocess.run([str(c) for c in command], check=True, stdout=subprocess.DEVNULL, **kwargs)


def naive(params: Path, out: Path) -> None:
    """What a statistician would script with the tools' command lines."""
    out.mkdir(parents=True)
    executed = []
    for section in SECTIONS:
        target = out / section.notebook
        run([BIN / "papermill", ROOT / "lib" / "xxgk" / "notebooks" / section.notebook, target,
             "-p", "params_path", params.resolve(), "--cwd", out], stderr=subprocess.DEVNULL)
        executed.append(nbformat.read(target, as_version=4))
    merged = nbformat.v4.new_notebook(metadata=executed[0].metadata)
    merged.cells = [cell for notebook in executed for cell in notebook.cells]
    for index, cell in enumerate(merged.cells):
        cell.id = f"cell-{index}"
    nbformat.write(merged, out / "report.ipynb")
    run([BIN / "jupyter", "nbconvert", "--to", "html", "--no-input", "--no-prompt",
         "--output", "report", out / "report.ipynb"], stderr=subprocess.DEVNULL)
    run([BIN / "jupyter", "nbconvert", "--to", "html", "--output", "audit", out / "report.ipynb"],
        stderr=subprocess.DEVNULL)
    run([BIN / "weasyprint", out / "report.html", out / "report.pdf"], stderr=subprocess.DEVNULL)


_LOOP = "import time\nt = time.process_time()\nsum(i * i % 7 for i in range(2_000_000))\nprint(time.process_time() - t)"


def machine_speed() -> str:
    """How fast this machine is just now, for comparing runs: CPU seconds of a fixed pure-Python
    loop alone, and the wall seconds of two copies at once (about the same on two free cores;
    more where another job holds one). The same code measured minutes apart differs by up to 2x
    on this shared machine; figures compare only beside these."""
    alone = float(subprocess.run([sys.executable, "-c", _LOOP], check=True, capture_output=True,
                                 text=True).stdout)
    start = time.perf_counter()
    pair = [subprocess.Popen([sys.executable, "-c", _LOOP], stdout=subprocess.DEVNULL) for _ in range(2)]
    for process in pair:
        process.wait()
    both = time.perf_counter() - start
    return f"machine: a fixed loop {alone:.2f} CPU-s alone, two at once {both:.2f} s wall"


def tree_pss(root: int) -> int:
    """Proportional set size of ``root`` and all its descendants, in bytes (shared pages counted once)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/smaps_rollup") as rollup:
                for line in rollup:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            pass
    return total


def timed_xxgk(arguments: list, measure_memory: bool = False) -> tuple[float, int]:
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen([BIN / "xxgk", *map(str, arguments)], stdout=log, stderr=log)
        peak = 0
        while process.poll() is None:
            if measure_memory:
                peak = max(peak, tree_pss(process.pid))
            time.sleep(0.1)
        if process.returncode != 0:
            log.seek(0)
            raise SystemExit(
                f"xxgk {' '.join(map(str, arguments))} failed ({process.returncode}):\n{log.read()[-3000:]}")
    return time.perf_counter() - start, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100, help="synthetic agencies (default 100)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--naive-sample", type=int, default=5, help="agencies the naive pipeline builds (0 = all)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="xxgk-bench-"))
    params = write_agencies(work / "params" / "2025", args.n, args.seed)
    formats = ["--to", "html,pdf"]
    print(f"{args.n} synthetic agencies (seed {args.seed}) in {work}; {args.jobs} cores; HTML + audit HTML + PDF")

    sample = params if args.naive_sample == 0 else params[: args.naive_sample]
    start = time.perf_counter()
    for path in sample:
        naive(path, work / "naive" / path.stem)
    naive_each = (time.perf_counter() - start) / len(sample)

    cold, _ = timed_xxgk(["build", params[0], "--outputs", work / "cold", *formats])
    batch, peak = timed_xxgk(["build", work / "params", "-j", args.jobs, "--outputs", work / "outputs", *formats],
                             measure_memory=True)
    again, _ = timed_xxgk(["build", work / "params", "-j", args.jobs, "--outputs", work / "outputs", *formats])
    xxgk_each, again_each = batch / args.n, again / args.n

    results = {
        "naive_seconds_per_report": round(naive_each, 3), "naive_sample": len(sample),
        "xxgk_seconds_per_report": round(xxgk_each, 3), "speedup": round(naive_each / xxgk_each, 1),
        "cold_single_agency_seconds": round(cold, 3),
        "no_change_seconds_per_report": round(again_each, 3),
        "peak_memory_mib": round(peak / 2**20), "n": args.n, "jobs": args.jobs,
    }
    print(f"naive pipeline     {naive_each:7.2f} s/report  (mean of {len(sample)})")
    print(f"xxgk build -j {args.jobs:<3}  {xxgk_each:7.2f} s/report  ({naive_each / xxgk_each:.1f}× faster)")
    print(f"no-change rebuild  {again_each:7.3f} s/report  ({naive_each / again_each:.0f}× faster)")
    print(f"cold single build  {cold:7.2f} s")
    print(f"peak memory        {peak / 2**20:7.0f} MiB (PSS of the whole batch)")
    print(json.dumps(results, ensure_ascii=False))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
