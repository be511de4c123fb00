"""Benchmark: reading and importing published reports in-process, seconds per report for each kind.

    .venv/bin/python bench/reading.py --n 5

Reads the corpus PDFs and copied text (tests/corpus) and the example's own HTML, PDF and Word
outputs (built once with ``xxgk build`` into a temporary folder) N times each and prints the median
seconds per report of reading (``xxgk.reading.reading.read_report``) and of the whole import (reading,
writing down as parameter data, validating into the model: what ``xxgk import`` and ``xxgk audit``
do before writing or checking); the target is ≤ 0.5 s per PDF report. ``--compare`` also
times pdfminer.six alone on the corpus PDFs (characters and drawn lines, the input pdfplumber's
table finder works on), the other library the issue named (docs/development.md).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "lib"))
from xxgk.reading.reading import read_report  # noqa: E402
from xxgk.reading.transcribe import report_of, transcribe  # noqa: E402


def import_report(path: Path) -> None:
    report_of(transcribe(read_report(path)).data, path.name)


def seconds(action, n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def pdfminer_alone(path: Path) -> None:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams
    for _page in extract_pages(path, laparams=LAParams()):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5, help="reads of each report (default 5)")
    parser.add_argument("--compare", action="store_true", help="also time pdfminer.six alone on the corpus PDFs")
    args = parser.parse_args()
    corpus = sorted((ROOT / "tests" / "corpus").glob("*.pdf"))
    with tempfile.TemporaryDirectory(prefix="xxgk-bench-") as folder:
        subprocess.run([Path(sys.executable).parent / "xxgk", "build", ROOT / "params" / "2025" / "emin.yaml",
                        "--outputs", folder, "--to", "html,pdf,docx"], check=True, stdout=subprocess.DEVNULL)
        built = Path(folder) / "2025" / "emin"
        rows = [(f"corpus PDF {path.name}", path) for path in corpus]
        rows += [("corpus text emin-2025.txt", ROOT / "tests" / "corpus" / "emin-2025.txt")]
        rows += [(f"example {kind}", built / f"report.{kind}") for kind in ("html", "pdf", "docx")]
        read_report(rows[0][1])  # imports and caches warm, as in a batch
        print(f"{'report':<36} {'read s':>9} {'import s':>9}")
        for label, path in rows:
            read = seconds(lambda path=path: read_report(path), args.n)
            imported = seconds(lambda path=path: import_report(path), args.n)
            print(f"{label:<36} {read:>9.3f} {imported:>9.3f}")
        if args.compare:
            for path in corpus:
                took = seconds(lambda path=path: pdfminer_alone(path), args.n)
                print(f"{'pdfminer.six alone ' + path.name:<36} {took:>9.3f}")


if __name__ == "__main__":
    main()
