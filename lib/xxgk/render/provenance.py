"""What an auditor needs to reproduce a build: hashes of every input and the exact environment."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from ..paths import MANIFEST, PACKAGE, PARAMS_COPY, PREVIOUS_COPY, package_file, seal_key_file
from ..report.format import FORMAT_FILE
from ..report.params import Source

# the packages whose version can change an output: the kit's, the notebooks' and the exporters', and
# what WeasyPrint (HTML and CSS parsing, fonts) and python-docx (XML) build on
PACKAGES = ("xxgk", "papermill", "nbclient", "nbconvert", "nbformat", "ipykernel", "jupyter_client",
            "great_tables", "pandas", "pydantic", "ruamel.yaml", "pyyaml", "beautifulsoup4", "weasyprint",
            "pydyf", "fonttools", "tinycss2", "tinyhtml5", "cssselect2", "pyphen", "python-docx", "lxml")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@cache  # per process: asked once per report, and neither can change while a batch runs
def kit_commit() -> str:
    """The kit's git commit, marked ``-dirty`` when its package (code, notebooks, format data,
    templates) differs from it; ``unknown`` for an installed package, even one whose environment
    happens to sit inside some other git work tree (its files are not tracked there)."""
    def git(*arguments: str) -> str:
        return subprocess.run(["git", "-C", str(PACKAGE), *arguments], check=True,
                              capture_output=True, text=True).stdout

    try:
        git("ls-files", "--error-unmatch", "__init__.py")
        commit = git("rev-parse", "HEAD").strip()
        dirty = git("status", "--porcelain", "--", ".")
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


def collect(source: Source, previous: Source | None, notebooks: dict[str, bytes],
            workbooks: Sequence[tuple[str, str, bytes]] = ()) -> dict:
    """The provenance record of one build (no wall-clock time: two builds must compare equal);
    ``workbooks``: (kept name, original name, bytes) of the workbooks the tables came from."""
    inputs = [(PARAMS_COPY, source.path.name, source.data)]
    inputs += [(PREVIOUS_COPY, previous.path.name, previous.data)] if previous else []
    return {"inputs": [{"file": name, "from": original, "sha256": sha256(data)}
                       for name, original, data in [*inputs, *workbooks]], **kit_record(notebooks)}


def kit_record(notebooks: dict[str, bytes]) -> dict:
    """What a build ran besides its inputs: the notebooks, the format data, the kit, the packages."""
    return {
        "notebooks": {name: sha256(data) for name, data in notebooks.items()},
        "format": {"file": FORMAT_FILE, "sha256": sha256(package_file(FORMAT_FILE).read_bytes())},
        "kit_commit": kit_commit(),
        "versions": dict(versions()),
    }


def manifest(record: dict, settings: dict, folder: Path, cache: dict, environment: dict[str, Any]) -> dict:
    """``manifest.json`` of a finished build: the provenance record, the settings it was built
    with, sha256 of every file it wrote (``xxgk verify`` rebuilds from this) and the cache keys
    the next build compares with, and the fonts and system libraries the PDF was made with."""
    inputs = {item["file"] for item in record["inputs"]}
    outputs = {path.name: sha256(path.read_bytes()) for path in sorted(folder.iterdir())
               if path.is_file() and path.name not in inputs and path.name != MANIFEST}
    return {**record, "settings": settings, "outputs": outputs, "cache": cache,
            "environment": environment}


# --- the environment a PDF was made in ----------------------------------------------------------
# The PDF's bytes depend on more than the packages: the font files pango took its glyphs from, the
# versions of pango, HarfBuzz and fontconfig, and which program subset the embedded fonts. pdf.py
# returns them with each PDF it renders; the manifest of the build that wrote that PDF lists them
# (``{}`` without a PDF, whose absence leaves the outputs independent of fonts and libraries).

@dataclass(frozen=True)
class FontUse:
    face: str  # "Noto Serif CJK SC Bold"
    file: Path | None  # the font file pango read it from
    index: int  # the face's index in that file (a .ttc holds several)
    data: bytes | None  # the file's content as pango read it, where the file cannot be trusted to be it


def environment(fonts: list[FontUse], libraries: dict[str, str], subsetter: str) -> dict[str, Any]:
    """What a PDF was made with: the font files of ``fonts``, the system ``libraries``, the subsetter."""
    return {"fonts": font_files(fonts), "libraries": dict(libraries), "subsetter": subsetter}


def font_files(fonts: list[FontUse]) -> list[dict[str, Any]]:
    """The font files ``fonts`` came from, each with its sha256 and the faces taken from it."""
    digests = file_digests([use.file for use in fonts if use.file is not None and use.data is None])
    faces: dict[tuple[str, int, str], set[str]] = {}
    for use in fonts:
        digest = sha256(use.data) if use.data is not None else digests[use.file] if use.file is not None else ""
        faces.setdefault((str(use.file or ""), use.index, digest), set()).add(use.face)
    return [{"file": file, "index": index, "sha256": digest, "faces": sorted(names)}
            for (file, index, digest), names in sorted(faces.items())]


def font_digests_file() -> Path:
    """Where this user's kit keeps the sha256 of the font files it has read (beside the seal key)."""
    return seal_key_file().with_name("font-digests.json")


_digests_lock = threading.Lock()
SHA256 = re.compile(r"[0-9a-f]{64}")


def file_digests(paths: list[Path]) -> dict[Path, str]:
    """sha256 of each of ``paths``, files that rarely change (fonts: 7 to 27 MB, 0.1 s each to
    hash, 0.35 s for a report's faces). A digest is kept in this user's cache folder under the file's
    identity on disk, as git keeps its index: device, inode, size, modification and change time
    (the last is set by the system on any change and cannot be set back), and hashed again when any
    of these differs."""
    with _digests_lock:
        known = _known_digests()
        found: dict[Path, str] = {}
        learnt = False
        for path in dict.fromkeys(paths):
            identity = _identity(path)
            entry = known.get(str(path))
            if entry and entry[0] == identity:
                found[path] = entry[1]
                continue
            with path.open("rb") as handle:
                found[path] = hashlib.file_digest(handle, "sha256").hexdigest()
            if _identity(path) == identity:  # not changed while it was read
                known[str(path)] = (identity, found[path])
                learnt = True
        if learnt:
            _keep_digests(known)
    return found


def _identity(path: Path) -> list[int]:
    status = path.stat()
    return [status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns]


_known: dict[str, tuple[list[int], str]] | None = None


def _known_digests() -> dict[str, tuple[list[int], str]]:
    """The kept digests, read once a process; a file that is not what this kit writes counts as empty."""
    global _known
    if _known is None:
        _known = {}
        try:
            kept = json.loads(font_digests_file().read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            kept = {}
        for name, entry in kept.items() if isinstance(kept, dict) else ():
            if (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], list) and len(entry[0]) == 5
                    and all(type(n) is int for n in entry[0])
                    and isinstance(entry[1], str) and SHA256.fullmatch(entry[1])):
                _known[name] = (entry[0], entry[1])
    return _known


def _keep_digests(known: dict[str, tuple[list[int], str]]) -> None:
    """Write the digests, whole or not at all; nowhere to write them costs only the hashing."""
    path = font_digests_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor, draft = tempfile.mkstemp(dir=path.parent, prefix=".font-digests-")
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump({name: [identity, digest] for name, (identity, digest) in sorted(known.items())}, handle)
            os.replace(draft, path)
        except BaseException:
            os.unlink(draft)
            raise
    except OSError:
        pass
