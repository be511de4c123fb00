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
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from ..paths import seal_key_file
from ..render.provenance import versions
from ..report import rules
from ..report.findings import Finding
from ..report.model import Report
from ..report.params import Source, parse_params
from . import cache


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


def _load(name: str) -> tuple[Report, Report | None, tuple[Finding, ...]] | None:
    try:
        seal, text = (folder() / f"{name}.json").read_text(encoding="utf-8").split("\n", 1)
        if not cache.sealed(_sealed_part(name, text), seal):
            return None
        entry = json.loads(text)
        previous = entry["previous"]
        return (_report(entry["report"]), _report(previous) if previous is not None else None,
                tuple(Finding(**finding) for finding in entry["findings"]))
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None


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
        descriptor, draft = tempfile.mkstemp(dir=folder(), prefix=".entry-")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(seal + "\n" + text)
            os.replace(draft, folder() / f"{name}.json")
        except BaseException:
            os.unlink(draft)
            raise
    except OSError:
        pass
