"""Content-hash keys that decide what a rebuild may reuse.

A section's key hashes everything that can change its executed notebook and nothing else: the
report fields it reads (as validated data, so comments and YAML layout do not count), last year's
report where it reads it, its notebook source, its options, the kit's code and format data, and
the package versions. The assembly key adds what changes the assembled files: the parameter files
themselves (their hashes are printed in the audit HTML) and the output settings.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from .model import Report
from .paths import PACKAGE
from .provenance import versions
from .sections import SECTIONS, Section

PREVIOUS = "previous"


def _digest(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@cache
def kit_digest(package: Path = PACKAGE) -> str:
    """The kit's own code, format data and templates: any change there invalidates everything."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def section_key(section: Section, notebook_source: bytes, report: Report, previous: Report | None,
                options: dict[str, Any], environment: dict[str, str]) -> str:
    data = report.model_dump(mode="json")
    return _digest({
        "section": section.key,
        "notebook": hashlib.sha256(notebook_source).hexdigest(),
        "reads": {field: data[field] for field in section.reads if field != PREVIOUS},
        # every notebook is told whether there is a previous file; some also read it
        "has_previous": previous is not None,
        PREVIOUS: previous.model_dump(mode="json") if previous and PREVIOUS in section.reads else None,
        "options": options,
        "kit": kit_digest(),
        "environment": environment,
    })


def section_keys(notebook_sources: dict[str, bytes], report: Report, previous: Report | None,
                 options: dict[str, dict[str, Any]]) -> dict[str, str]:
    environment = versions()
    return {s.key: section_key(s, notebook_sources[s.key], report, previous, options.get(s.key, {}),
                               environment) for s in SECTIONS}


def assembly_key(sections: dict[str, str], inputs: list[bytes], settings: dict[str, Any]) -> str:
    return _digest({"sections": sections, "inputs": [hashlib.sha256(d).hexdigest() for d in inputs],
                    "settings": settings})
