"""``xxgk verify``: rebuild an output folder from the inputs its manifest records, in a temporary
folder, and compare every file byte for byte."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .build import build
from .errors import UsageError
from .paths import MANIFEST, PARAMS_COPY, PREVIOUS_COPY
from .provenance import sha256, versions


@dataclass(frozen=True)
class Verdict:
    differing: tuple[str, ...]  # files whose bytes are not what the rebuild gives (or that are missing)
    environment: tuple[str, ...]  # packages whose version differs from the recorded build's

    @property
    def identical(self) -> bool:
        return not self.differing


def verify(folder: str | Path) -> Verdict:
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{folder} 不是 xxgk 生成的输出文件夹：缺少 {MANIFEST}") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"{folder / MANIFEST} 已损坏（第 {error.lineno} 行）") from None
    differing = [item["file"] for item in manifest["inputs"]
                 if _digest(folder / item["file"]) != item["sha256"]]
    settings = manifest["settings"]
    with tempfile.TemporaryDirectory(prefix="xxgk-verify-") as scratch_name:
        scratch = Path(scratch_name)
        inputs = {item["file"]: item for item in manifest["inputs"]}
        # the inputs under their original names: the audit HTML records those names
        params = scratch / "params" / inputs[PARAMS_COPY]["from"]
        params.parent.mkdir(parents=True)
        shutil.copyfile(folder / PARAMS_COPY, params)
        previous = None
        if PREVIOUS_COPY in inputs:
            previous = scratch / "previous" / inputs[PREVIOUS_COPY]["from"]
            previous.parent.mkdir()
            shutil.copyfile(folder / PREVIOUS_COPY, previous)
        rebuilt = build(params, outputs=scratch / "outputs", options=settings["options"],
                        previous_path=previous, allow_errors=settings["allow_errors"],
                        formats=tuple(settings["formats"]), archival=settings["archival"]).folder
        names = sorted(set(manifest["outputs"]) | {MANIFEST})
        differing += [name for name in names if _digest(folder / name) != _digest(rebuilt / name)]
    now = versions()
    changed = tuple(f"{name} {old} → {now.get(name)}" for name, old in manifest["versions"].items()
                    if now.get(name) != old)
    return Verdict(tuple(dict.fromkeys(differing)), changed)


def _digest(path: Path) -> str | None:
    return sha256(path.read_bytes()) if path.is_file() else None
