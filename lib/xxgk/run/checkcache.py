"""What validating and checking one parameter file gave, kept in this user's cache folder so that
an unchanged file is not validated and checked again (7 ms a file, most of a roll-up of 1,000).

An entry is found by the sha256 of the file's bytes, of last year's file's bytes, of the kit's code
and format data and of the package versions (``cache.kit_digest``, ``provenance.versions``): what
the validated reports and the findings depend on, and nothing else. It holds the two reports as
JSON data and the findings, and the kit's seal on them and their key (``cache.seal``, an HMAC
under this user's key): an entry edited by hand, or copied under another file's key, is not
trusted and the file is checked afresh. A report whose tables come from a workbook is never kept
(its workbook is another input the key does not cover). Where the cache folder cannot be written
or read, files are checked every time.

The folder is bounded as a browser's cache is: a hit marks its entry used (its modification time,
at most once a day), and at most once a day (``CHECKS_PRUNE_EVERY``) the first process that keeps
an entry removes those unused for ``CHECKS_UNUSED_DAYS`` and the least recently used beyond
``CHECKS_MAX_ENTRIES``, under a lock that a second pruner does not wait for. Removing is one
unlink: a reader has the whole entry or none (a miss, checked afresh), and a writer's draft is
never touched until a day old. Pruning that fails is left for the next day.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

from ..errors import ParamsError
from ..limits import CHECKS_MAX_ENTRIES, CHECKS_PRUNE_EVERY, CHECKS_UNUSED_DAYS
from ..paths import seal_key_file
from ..render.provenance import versions
from ..report import rules
from ..report.findings import Finding
from ..report.model import Report
from ..report.params import Source, parse_params, read_source
from . import cache

PRUNED = ".pruned"  # its modification time: when the folder was last pruned
PRUNING = ".pruning.lock"
DRAFT = ".entry-"
DAY = 24 * 3600
AHEAD_MAX_BYTES = 128 * 1024  # a report's parameters with last year's are about 30 KB


def folder() -> Path:
    """Where the entries are kept: beside the seal key, in this user's cache folder."""
    return seal_key_file().with_name("checks")


def key(data: bytes, previous: bytes | None) -> str:
    return hashlib.sha256(json.dumps({
        "file": hashlib.sha256(data).hexdigest(),
        "previous": hashlib.sha256(previous).hexdigest() if previous is not None else None,
        "kit": cache.kit_digest(), "versions": versions(),
    }, sort_keys=True).encode()).hexdigest()


def checked(source: Source, previous: Source | None) -> tuple[Report, Report | None, tuple[Finding, ...]]:
    """``source`` validated (raising ``ParamsError`` as ``parse_params`` does), last year's file
    validated, and the findings of the checks: from the cache when an entry of the same bytes
    carries the kit's seal, else computed and kept."""
    name = key(source.data, previous.data if previous else None)
    found = _load(name)
    if found is not None:
        return found
    report = parse_params(source)
    last = parse_params(previous) if previous else None
    findings = tuple(rules.check(report, last))
    if report.tables_file is None and (last is None or last.tables_file is None):
        _keep(name, report, last, findings)
    return report, last, findings


def check_ahead(files: Sequence[tuple[Path, Path | None]], until: Callable[[], bool]) -> int:
    """Validate and check ``files`` (each with last year's file or None) into the cache, in order,
    until ``until()`` says to stop, so that their reader finds them kept: what a roll-up's builder
    does on its own core while the kernel's template is still importing on the other. A file
    that cannot be read or validated, or is far larger than a report's parameters, is left to the
    reader, which reports it; where an entry could not be kept, nothing more is checked (the
    reader would check it again). Returns how many files were looked at."""
    if cache.seal({}) is None:  # nothing can be kept: the reader would check every file again
        return 0
    for done, (path, last) in enumerate(files):
        if until():
            return done
        try:
            source, previous = read_source(path), read_source(last) if last else None
        except ParamsError:
            continue
        if len(source.data) + len(previous.data if previous else b"") > AHEAD_MAX_BYTES:
            continue  # seconds of checking, not to be spent while the kernel could start
        entry = _entry(key(source.data, previous.data if previous else None))
        if os.path.isfile(entry):  # False, not an error, where the folder cannot be searched
            continue
        try:
            checked(source, previous)
        except ParamsError:
            continue
        if not os.path.isfile(entry):
            return done + 1
    return len(files)


def _entry(name: str) -> Path:
    return folder() / f"{name}.json"


def _load(name: str) -> tuple[Report, Report | None, tuple[Finding, ...]] | None:
    path = _entry(name)
    try:
        with path.open(encoding="utf-8") as handle:
            seal, text = handle.read().split("\n", 1)
            used = os.fstat(handle.fileno()).st_mtime
        if not cache.sealed(_sealed_part(name, text), seal):
            return None
        entry = json.loads(text)
        previous = entry["previous"]
        found = (_report(entry["report"]), _report(previous) if previous is not None else None,
                 tuple(Finding(**finding) for finding in entry["findings"]))
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None
    if time.time() - used > DAY:  # used: kept by the next pruning (one write a day, not one a hit)
        with contextlib.suppress(OSError):
            os.utime(path)
    return found


def _report(kept: dict) -> Report:
    """A report as kept: its data, with the totals the kit computed when it was first read (the
    data holds them filled in, so validating it again would not know which ones were left out)."""
    return Report.restored(kept["data"], kept["computed_totals"])


def _kept(report: Report) -> dict:
    return {"data": report.model_dump(mode="json"), "computed_totals": list(report.computed_totals)}


def _sealed_part(name: str, text: str) -> dict[str, str]:
    """What the seal covers: the entry's text and the key it is kept under."""
    return {"key": name, "entry": hashlib.sha256(text.encode()).hexdigest()}


def _keep(name: str, report: Report, previous: Report | None, findings: tuple[Finding, ...]) -> None:
    """Write the entry whole or not at all; nowhere to write it costs only the next check."""
    text = json.dumps({"report": _kept(report), "previous": _kept(previous) if previous else None,
                       "findings": [asdict(finding) for finding in findings]}, ensure_ascii=False)
    seal = cache.seal(_sealed_part(name, text))
    if seal is None:
        return
    try:
        folder().mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor, draft = tempfile.mkstemp(dir=folder(), prefix=DRAFT)
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(seal + "\n" + text)
            os.replace(draft, _entry(name))
        except BaseException:
            os.unlink(draft)
            raise
    except OSError:
        return
    global _pruning_due
    if _pruning_due:
        _pruning_due = False
        prune()


_pruning_due = True  # once a process (a roll-up's forked readers inherit it from the kernel)


def prune() -> None:
    """Remove the entries unused for ``CHECKS_UNUSED_DAYS`` and the least recently used beyond
    ``CHECKS_MAX_ENTRIES``, unless the folder was pruned within ``CHECKS_PRUNE_EVERY`` seconds
    or another process is pruning it now."""
    root = folder()
    with contextlib.suppress(OSError), (root / PRUNING).open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        now = time.time()
        with contextlib.suppress(FileNotFoundError):
            if now - (root / PRUNED).stat().st_mtime < CHECKS_PRUNE_EVERY:
                return
        (root / PRUNED).touch()
        entries, drafts = [], []
        for item in os.scandir(root):
            with contextlib.suppress(OSError):
                if item.name.startswith(DRAFT):
                    drafts.append((item.stat().st_mtime, item.path))
                elif item.name.endswith(".json") and item.is_file(follow_symlinks=False):
                    entries.append((item.stat().st_mtime, item.path))
        entries.sort(reverse=True)  # most recently used first
        unused = now - CHECKS_UNUSED_DAYS * DAY
        doomed = [path for index, (used, path) in enumerate(entries) if index >= CHECKS_MAX_ENTRIES or used < unused]
        doomed += [path for made, path in drafts if made < now - DAY]  # a killed writer's
        for path in doomed:
            with contextlib.suppress(OSError):
                os.unlink(path)
