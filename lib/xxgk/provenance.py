"""What an auditor needs to reproduce a build: hashes of every input and the exact environment."""

from __future__ import annotations

import hashlib
import platform
import subprocess
from functools import cache
from importlib import metadata
from pathlib import Path

from .format import FORMAT_FILE
from .params import Source
from .paths import KIT_ROOT, MANIFEST, PACKAGE, PARAMS_COPY, PREVIOUS_COPY

PACKAGES = ("xxgk", "papermill", "nbclient", "nbconvert", "nbformat", "ipykernel", "jupyter_client",
            "great_tables", "pandas", "pydantic", "ruamel.yaml", "pyyaml", "beautifulsoup4", "weasyprint",
            "pydyf", "python-docx")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@cache  # per process: asked once per report, and neither can change while a batch runs
def kit_commit() -> str:
    """The kit's git commit, marked ``-dirty`` when its files differ from it; ``unknown`` outside git."""
    try:
        commit = subprocess.run(["git", "-C", str(KIT_ROOT), "rev-parse", "HEAD"], check=True,
                                capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(KIT_ROOT), "status", "--porcelain", "--",
                                "lib", "notebooks"], check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("-dirty" if dirty.strip() else "")


@cache
def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def collect(source: Source, previous: Source | None, notebooks: dict[str, bytes]) -> dict:
    """The provenance record of one build (no wall-clock time: two builds must compare equal)."""
    inputs = [(PARAMS_COPY, source)] + ([(PREVIOUS_COPY, previous)] if previous else [])
    return {
        "inputs": [{"file": name, "from": item.path.name, "sha256": sha256(item.data)}
                   for name, item in inputs],
        "notebooks": {name: sha256(data) for name, data in notebooks.items()},
        "format": {"file": FORMAT_FILE, "sha256": sha256((PACKAGE / FORMAT_FILE).read_bytes())},
        "kit_commit": kit_commit(),
        "versions": dict(versions()),
    }


def manifest(record: dict, settings: dict, folder: Path, cache: dict) -> dict:
    """``manifest.json`` of a finished build: the provenance record, the settings it was built
    with, sha256 of every file it wrote (``xxgk verify`` rebuilds from this) and the cache keys
    the next build compares with."""
    inputs = {item["file"] for item in record["inputs"]}
    outputs = {path.name: sha256(path.read_bytes()) for path in sorted(folder.iterdir())
               if path.is_file() and path.name not in inputs and path.name != MANIFEST}
    return {**record, "settings": settings, "outputs": outputs, "cache": cache}
