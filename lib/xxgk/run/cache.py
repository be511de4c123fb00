"""Content-hash keys that decide what a rebuild may reuse, and the seal that says a manifest
was written by this kit.

A section's key hashes everything its executed notebook can depend on: the whole validated report
and last year's (as data, so comments and YAML layout do not count), its notebook source, its
options, the kit's code and format data, and the package versions. Keying on the whole report
costs a re-run of every section when any field changes; a hand-kept list of the fields each
section reads cost a stale published section whenever an entry was missing. The assembly key adds
what changes the assembled files: the parameter files themselves (their hashes are printed in the
audit HTML) and the output settings.

Reuse also needs trust in the outputs in place: every file's hash is checked against the manifest,
and the manifest against its seal, an HMAC under a key kept in this user's cache folder. A
notebook edited together with its hash in the manifest is therefore executed again, not copied
into the next report.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from ..paths import PACKAGE, seal_key_file
from ..render.provenance import versions
from ..report.model import Report
from ..report.sections import SECTIONS, Section


def _canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")


def _digest(value: Any) -> str:
    return hashlib.sha256(_canonical(value)).hexdigest()


@cache
def kit_digest(package: Path = PACKAGE) -> str:
    """The kit's own code, format data and templates: any change there invalidates everything."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def report_data(report: Report) -> dict[str, Any]:
    """Everything a notebook can learn from a validated report, as JSON data."""
    return {**report.model_dump(mode="json"), "computed_totals": list(report.computed_totals)}


def section_key(section: Section, notebook_source: bytes, report: dict[str, Any],
                previous: dict[str, Any] | None, options: dict[str, Any], environment: dict[str, str]) -> str:
    return _digest({
        "section": section.key,
        "notebook": hashlib.sha256(notebook_source).hexdigest(),
        "report": report,
        "previous": previous,
        "options": options,
        "kit": kit_digest(),
        "environment": environment,
    })


def section_keys(notebook_sources: dict[str, bytes], report: Report, previous: Report | None,
                 options: dict[str, dict[str, Any]]) -> dict[str, str]:
    environment = versions()
    data, last = report_data(report), report_data(previous) if previous else None
    return {s.key: section_key(s, notebook_sources[s.key], data, last, options.get(s.key, {}), environment)
            for s in SECTIONS}


def assembly_key(sections: dict[str, str], inputs: list[bytes], settings: dict[str, Any]) -> str:
    return _digest({"sections": sections, "inputs": [hashlib.sha256(d).hexdigest() for d in inputs],
                    "settings": settings})


def seal(manifest: dict[str, Any]) -> str | None:
    """The manifest's seal, or None where this user has no key (then nothing is ever reused)."""
    key = _seal_key()
    return hmac.new(key, _canonical(manifest), hashlib.sha256).hexdigest() if key else None


def sealed(manifest: dict[str, Any], seal_text: str) -> bool:
    expected = seal(manifest)
    return expected is not None and hmac.compare_digest(expected, seal_text.strip())


KEY_BYTES = 32


@cache
def _seal_key() -> bytes | None:
    """This user's sealing key, made on first use; None when the cache folder cannot hold it."""
    path = seal_key_file()
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            descriptor, draft = tempfile.mkstemp(dir=path.parent, prefix=".seal-")
            try:
                with os.fdopen(descriptor, "wb") as handle:
                    handle.write(secrets.token_bytes(KEY_BYTES))
                os.link(draft, path)  # the first of two builds starting at once wins; both read it
            except FileExistsError:
                pass
            finally:
                os.unlink(draft)
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == KEY_BYTES else None
