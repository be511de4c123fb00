"""Building many agencies at once: worker processes (or a Dask cluster), a progress line, and a
result per agency instead of stopping at the first failure."""

from __future__ import annotations

import glob
import os
import signal
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path

from ..errors import ParamsError, SectionError, UsageError, ValidationFailed, XxgkError, os_problem
from ..report.findings import errors, warnings
from ..status import Status
from .settings import BuildSettings
from .zygote import die_with_parent, warm_up

BUILT, UNCHANGED, FAILED = Status.BUILT, Status.UNCHANGED, Status.FAILED
# sections of one agency executing at once inside a worker: while one kernel waits on a message
# round trip another computes, which keeps the cores busy without more worker processes
SECTION_JOBS = 2


@dataclass(frozen=True)
class Outcome:
    params: str
    status: Status  # built / unchanged / failed
    agency: str | None = None
    year: int | None = None
    reason: str = ""  # why it failed, first line of the error
    section: str | None = None
    cell: int | None = None
    seconds: float = 0.0
    errors: int | None = None  # the checks' errors and warnings, where the report got that far
    warnings: int | None = None


def expand(patterns: Iterable[str], suffixes: Iterable[str] = (".yaml",), kind: str = "参数文件") -> list[Path]:
    """Parameter files (or files of other ``suffixes``) named by files, folders (searched
    recursively) or globs, in order, once each."""
    found: list[Path] = []
    for pattern in patterns:
        path = Path(pattern)
        if path.is_dir():  # hidden files and folders (editor backups, .git) are not reports
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() in suffixes and p.is_file()
                            and not any(part.startswith(".") for part in p.relative_to(path).parts))
        elif glob.has_magic(pattern):
            matches = sorted(Path(p) for p in glob.glob(pattern, recursive=True))
            if not matches:
                raise UsageError(f"没有与 {pattern} 匹配的{kind}")
            found += matches
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def build_one(params: str, settings: BuildSettings) -> Outcome:
    """One agency's build as an outcome (runs in a worker: everything it returns pickles)."""
    from .build import build

    start = time.perf_counter()
    try:
        result = build(params, replace(settings, section_jobs=SECTION_JOBS))
    except XxgkError as error:
        found, noted = _counts(error.findings) if isinstance(error, ValidationFailed) else (None, None)
        return Outcome(params, FAILED, error.agency, error.year, _reason(error), error.section,
                       error.cell, time.perf_counter() - start, found, noted)
    except OSError as error:  # the machine refused something: said as such, not as a bug
        return Outcome(params, FAILED, reason=os_problem(error), seconds=time.perf_counter() - start)
    except Exception as error:  # a bug must not stop the other agencies
        return Outcome(params, FAILED, reason=f"xxgk 内部错误：{type(error).__name__}: {error}",
                       seconds=time.perf_counter() - start)
    found, noted = _counts(list(result.findings))
    return Outcome(params, result.status, result.agency, result.year, seconds=time.perf_counter() - start,
                   errors=found, warnings=noted)


def _counts(findings: list) -> tuple[int | None, int | None]:
    return len(errors(findings)), len(warnings(findings))


def _reason(error: XxgkError) -> str:
    """One line saying why an agency failed; the section and cell are reported beside it."""
    if isinstance(error, SectionError):
        return f"{error.ename}: {error.evalue}"
    if isinstance(error, ParamsError):
        more = f"（共 {len(error.problems)} 处问题）" if len(error.problems) > 1 else ""
        return f"参数文件有问题：{error.problems[0]}{more}"
    if isinstance(error, ValidationFailed):
        return f"未通过校验：{len(errors(error.findings))} 个错误（xxgk check 查看详情）"
    return str(error).splitlines()[0]


def build_many(paths: list[Path], settings: BuildSettings, jobs: int,
               report: Callable[[Outcome], None] = lambda o: None) -> list[Outcome]:
    """Build every parameter file in ``jobs`` local worker processes (``cluster.build_on_dask``
    does the same on a Dask cluster); ``report`` is called as each finishes. Never raises for one
    agency's failure: its outcome says what went wrong."""
    names = [str(p) for p in paths]
    outcomes = []
    # spawned workers: the parent holds no kernel or ZeroMQ state worth inheriting through fork
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"),
                               initializer=_start_worker, initargs=(os.getpid(),))
    try:
        futures = [pool.submit(build_one, name, settings) for name in names]
        for future in as_completed(futures):
            outcome = future.result()
            report(outcome)
            outcomes.append(outcome)
    except BaseException:
        # Ctrl-C or SIGTERM: the agencies under way stop now (their kernels die with them, their
        # outputs in place stay as they were) and no other one starts
        for process in list(pool._processes.values()):
            process.terminate()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    order = {name: index for index, name in enumerate(names)}
    return sorted(outcomes, key=lambda o: order[o.params])


def _start_worker(parent: int) -> None:
    """A worker dies with the batch that started it, leaves Ctrl-C to it (the batch stops its
    workers itself), and starts its kernel template process at once."""
    die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm_up()


class Progress:
    """``[#####.....] 12/100 · 已生成 10 · 未变 1 · 失败 1 · 剩余约 1分20秒`` on one line of a
    terminal; one line per agency when stderr is a file (CI logs)."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.stream = total, stream
        self.counts = {BUILT: 0, UNCHANGED: 0, FAILED: 0}
        self.start = time.perf_counter()
        self.live = stream.isatty()

    def __call__(self, outcome: Outcome) -> None:
        self.counts[outcome.status] += 1
        done = sum(self.counts.values())
        elapsed = time.perf_counter() - self.start
        eta = elapsed / done * (self.total - done)
        bar = "#" * round(20 * done / self.total)
        line = (f"[{bar:<20}] {done}/{self.total} · 已生成 {self.counts[BUILT]} · 未变 {self.counts[UNCHANGED]}"
                f" · 失败 {self.counts[FAILED]} · 剩余约 {_duration(eta)}")
        if self.live:
            self.stream.write("\r" + line + ("\n" if done == self.total else ""))
        else:
            self.stream.write(f"{line} · {outcome.params} {STATUS_LABELS[outcome.status]}\n")
        self.stream.flush()


STATUS_LABELS = {BUILT: "已生成", UNCHANGED: "未变", FAILED: "失败"}


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}分{seconds}秒" if minutes else f"{seconds}秒"


def summary(outcomes: list[Outcome], elapsed: float) -> str:
    """The closing table: counts, then every failure with its reason, section and cell."""
    counts = {status: sum(o.status == status for o in outcomes) for status in STATUS_LABELS}
    lines = [f"共 {len(outcomes)} 个：已生成 {counts[BUILT]}，未变 {counts[UNCHANGED]}，失败 {counts[FAILED]}；"
             f"用时 {elapsed:.1f} 秒（每个 {elapsed / max(len(outcomes), 1):.2f} 秒）"]
    failed = [o for o in outcomes if o.status == FAILED]
    if failed:
        lines.append("失败的机关（原有输出未改动）：")
        for o in failed:
            where = f" · 部分 {o.section}" if o.section else ""
            where += f" · 第 {o.cell + 1} 个单元格" if o.cell is not None else ""
            lines.append(f"  {o.params}{where}：{o.reason}")
    return "\n".join(lines)


def default_jobs() -> int:
    return len(os.sched_getaffinity(0))
