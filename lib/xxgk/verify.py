"""``xxgk verify``: rebuild an output folder from the inputs its manifest records, in a temporary
folder, and compare every file byte for byte.

The manifest is read as untrusted input: it may have been edited by anyone who could write the
folder. Every name in it must be a plain file name, so that nothing it says can make the
rebuild read or write outside the folder and the temporary one.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .build import build
from .errors import UsageError, os_problem
from .limits import MAX_MANIFEST_BYTES
from .paths import MANIFEST, PARAMS_COPY, PREVIOUS_COPY, SEAL
from .provenance import sha256, versions

INPUT_FILES = (PARAMS_COPY, PREVIOUS_COPY)


@dataclass(frozen=True)
class Verdict:
    differing: tuple[str, ...]  # files whose bytes are not what the rebuild gives (or that are missing)
    environment: tuple[str, ...]  # packages whose version differs from the recorded build's

    @property
    def identical(self) -> bool:
        return not self.differing


def verify(folder: str | Path) -> Verdict:
    folder = Path(folder)
    manifest = _read_manifest(folder)
    inputs = {item["file"]: item for item in manifest["inputs"]}
    missing = [name for name in inputs if not (folder / name).is_file()]
    if missing:
        raise UsageError(f"{folder} 中缺少 manifest.json 记录的输入 {'、'.join(missing)}，无法据此重新生成")
    settings = manifest["settings"]
    differing = [name for name, item in inputs.items() if _digest(folder / name) != item["sha256"]]
    listed = set(manifest["outputs"]) | set(inputs) | {MANIFEST}
    unlisted = sorted(p.name for p in folder.iterdir() if p.name not in listed and p.name != SEAL)
    with tempfile.TemporaryDirectory(prefix="xxgk-verify-") as scratch_name:
        scratch = Path(scratch_name)
        # the inputs under their original names: the audit HTML records those names
        params = _copy_input(folder, scratch / "params", inputs[PARAMS_COPY])
        previous = _copy_input(folder, scratch / "previous", inputs[PREVIOUS_COPY]) \
            if PREVIOUS_COPY in inputs else None
        rebuilt = build(params, outputs=scratch / "outputs", options=settings["options"],
                        previous_path=previous, allow_errors=settings["allow_errors"],
                        formats=tuple(settings["formats"]), archival=settings["archival"]).folder
        names = sorted(set(manifest["outputs"]) | {MANIFEST})
        differing += [name for name in names if _digest(folder / name) != _digest(rebuilt / name)]
    differing += [f"{name}（manifest.json 未记录的文件）" for name in unlisted]
    now = versions()
    changed = tuple(f"{name} {old} → {now.get(name)}" for name, old in manifest["versions"].items()
                    if now.get(name) != old)
    return Verdict(tuple(dict.fromkeys(differing)), changed)


def _copy_input(folder: Path, into: Path, item: dict[str, str]) -> Path:
    into.mkdir()
    path = into / item["from"]
    shutil.copyfile(folder / item["file"], path)
    return path


def _read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest, refused with the reason unless it has the shape a build writes and only
    plain file names."""
    path = folder / MANIFEST
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise UsageError(f"{path} 超过 {MAX_MANIFEST_BYTES // 1024} KB，不是 xxgk 写下的 manifest")
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise UsageError(f"{path} 已损坏（嵌套过深）") from None
    except FileNotFoundError:
        raise UsageError(f"{folder} 不是 xxgk 生成的输出文件夹：缺少 {MANIFEST}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} 已损坏（不是 UTF-8 文本）") from None
    except OSError as error:
        raise UsageError(f"无法读取 {path}：{os_problem(error)}") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"{path} 已损坏（第 {error.lineno} 行）") from None
    except ValueError:  # a number of thousands of digits, which json refuses to convert
        raise UsageError(f"{path} 已损坏（含有过长的数字）") from None
    problem = _shape_problem(manifest)
    if problem:
        raise UsageError(f"{path} 的内容不是 xxgk 写下的样子（{problem}），无法据此核对。"
                         "它可能被改动过：请从原始输出重新获取")
    return manifest


def _shape_problem(manifest: Any) -> str | None:
    if not isinstance(manifest, dict):
        return "应为一个 JSON 对象"
    inputs, outputs, settings = manifest.get("inputs"), manifest.get("outputs"), manifest.get("settings")
    if not isinstance(inputs, list) or not all(isinstance(i, dict) for i in inputs):
        return "inputs 应为列表"
    files = [i.get("file") for i in inputs]
    if not all(isinstance(f, str) for f in files) or PARAMS_COPY not in files \
            or len(set(files)) != len(files) or not set(files) <= set(INPUT_FILES):
        return f"inputs 应记录 {PARAMS_COPY}（及 {PREVIOUS_COPY}），各一次"
    for item in inputs:
        if not (_plain_name(item.get("from")) and isinstance(item.get("sha256"), str)):
            return f"inputs 中 {item.get('file')} 的来源应为不含路径的文件名"
    if not isinstance(outputs, dict) or not all(_plain_name(n) and isinstance(d, str) for n, d in outputs.items()):
        return "outputs 应为 文件名 → sha256"
    if not isinstance(settings, dict):
        return "settings 应为对象"
    if not (isinstance(settings.get("formats"), list) and all(isinstance(f, str) for f in settings["formats"])
            and isinstance(settings.get("options"), dict)
            and all(isinstance(v, dict) for v in settings["options"].values())
            and isinstance(settings.get("allow_errors"), bool) and isinstance(settings.get("archival"), bool)):
        return "settings 的 formats、options、allow_errors、archival 类型不对"
    if not isinstance(manifest.get("versions"), dict):
        return "versions 应为对象"
    return None


def _plain_name(name: Any) -> bool:
    """A file name that stays in its folder: no separator, not ``.`` or ``..``, nothing hidden."""
    return (isinstance(name, str) and 0 < len(name) <= 255 and "/" not in name and "\\" not in name
            and "\0" not in name and not name.startswith("."))


def _digest(path: Path) -> str | None:
    return sha256(path.read_bytes()) if path.is_file() and not path.is_symlink() else None
