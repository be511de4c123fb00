"""``xxgk verify``: rebuild an output folder from the inputs its manifest records, in a temporary
folder, and compare every file byte for byte; name first what differs in the environment the
manifest records (font files, the font subsetter, system libraries, packages), the causes of
differing files.

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

from ..errors import UsageError
from ..limits import MAX_MANIFEST_BYTES
from ..paths import MANIFEST, PARAMS_COPY, PREVIOUS_COPY, SEAL, TABLES_COPIES
from ..regularfile import Refused, read_bounded
from ..render.provenance import sha256
from ..report.sections import SECTIONS
from .build import build
from .project import Project
from .project import find as find_project
from .settings import BuildSettings

INPUT_FILES = (PARAMS_COPY, PREVIOUS_COPY, *TABLES_COPIES.values())


@dataclass(frozen=True)
class Verdict:
    differing: tuple[str, ...]  # files whose bytes are not what the rebuild gives (or that are missing)
    environment: tuple[str, ...]  # what differs from the recorded build's environment, in words

    @property
    def identical(self) -> bool:
        return not self.differing


def verify(folder: str | Path) -> Verdict:
    folder = Path(folder)
    manifest = read_manifest(folder)
    inputs = {item["file"]: item for item in manifest["inputs"]}
    missing = [name for name in inputs if not (folder / name).is_file()]
    if missing:
        raise UsageError(f"{folder} 中缺少 manifest.json 记录的输入 {'、'.join(missing)}，无法据此重新生成")
    settings = manifest["settings"]
    differing = [name for name, item in inputs.items() if _digest(folder / name) != item["sha256"]]
    listed = set(manifest["outputs"]) | set(inputs) | {MANIFEST}
    unlisted = sorted(p.name for p in folder.iterdir() if p.name not in listed and p.name != SEAL)
    project = _build_project(folder, manifest)
    with tempfile.TemporaryDirectory(prefix="xxgk-verify-") as scratch_name:
        scratch = Path(scratch_name)
        # the inputs under their original names: the audit HTML records those names, and a
        # parameter file finds its workbook (``tables:``) beside it by its name
        for copy, name in ((PARAMS_COPY, "params"), (PREVIOUS_COPY, "previous")):
            if TABLES_COPIES[copy] in inputs:
                _copy_input(folder, scratch / name, inputs[TABLES_COPIES[copy]])
        params = _copy_input(folder, scratch / "params", inputs[PARAMS_COPY])
        previous = _copy_input(folder, scratch / "previous", inputs[PREVIOUS_COPY]) \
            if PREVIOUS_COPY in inputs else None
        rebuilt = build(params, BuildSettings.from_manifest(settings, scratch / "outputs"),
                        previous_path=previous, project=project).folder
        names = sorted(set(manifest["outputs"]) | {MANIFEST})
        differing += [name for name in names if _digest(folder / name) != _digest(rebuilt / name)]
        now = json.loads((rebuilt / MANIFEST).read_text(encoding="utf-8"))
    differing += [f"{name}（manifest.json 未记录的文件）" for name in unlisted]
    return Verdict(tuple(dict.fromkeys(differing)), environment_changes(manifest, now))


def _build_project(folder: Path, manifest: dict[str, Any]) -> Project:
    """The project whose notebooks the build ran: the one holding the output folder, found as a
    build finds it (refusing another user's), provided its notebooks are those the manifest records.
    Outputs written outside their project (``--outputs``) cannot name it, so they are refused
    rather than rebuilt with other notebooks and reported as differing."""
    project = find_project(folder)
    origins = {s.notebook: project.notebook(s) for s in SECTIONS}
    if manifest.get("notebook_origins", {}) != {name: origin for name, (_, origin) in origins.items()} or \
            manifest.get("notebooks") != {name: sha256(path.read_bytes()) for name, (path, _) in origins.items()}:
        where = f"项目 {project.root}" if project.root else "xxgk 自带的"
        raise UsageError(f"{folder} 生成时运行的 notebook 与{where} notebook 不同"
                         "（manifest.json 记录的来源或 SHA-256 不符）："
                         "可能 notebook 改过，或者输出不在生成它的项目中。verify 只能核对项目内、notebook 未改动的输出")
    return project


def environment_changes(recorded: dict[str, Any], now: dict[str, Any]) -> tuple[str, ...]:
    """What differs between the environment the manifest ``recorded`` and the rebuild's manifest
    ``now``, in words, the likeliest causes first: font files, the font subsetter, system
    libraries, then Python packages."""
    changes: list[str] = []
    if "environment" in recorded:
        old, new = recorded["environment"], now["environment"]
        changes += _font_changes(old.get("fonts", []), new.get("fonts", []))
        if old.get("subsetter") != new.get("subsetter"):
            changes.append(f"字体子集化程序 {_shown(old.get('subsetter'))} → {_shown(new.get('subsetter'))}")
        changes += _version_changes(old.get("libraries", {}), new.get("libraries", {}))
    elif "pdf" in recorded["settings"]["formats"]:
        changes.append("manifest.json 没有记录生成 PDF 时的字体文件和系统库（由较早版本的 xxgk 写下），"
                       "PDF 不同时无法说明原因")
    return tuple(changes + _version_changes(recorded["versions"], now["versions"]))


def _version_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [f"{_shown(name)} {_shown(old.get(name, '未记录'))} → {_shown(new.get(name, '未记录'))}"
            for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name)]


def _font_changes(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[str]:
    """Face by face (``Noto Serif CJK SC Bold``), the font files that differ; faces that differ
    in the same way (two faces of one file) share a line."""
    before = {face: item for item in old for face in item["faces"]}
    after = {face: item for item in new for face in item["faces"]}
    grouped: dict[tuple[str, ...], list[str]] = {}
    for face in sorted(set(before) | set(after)):
        was, now = before.get(face), after.get(face)
        if was is None:
            change: tuple[str, ...] = ("new", _where(now))
        elif now is None:
            change = ("gone", _where(was))
        elif (was["file"], was["index"]) == (now["file"], now["index"]):
            if was["sha256"] == now["sha256"]:
                continue
            change = ("content", _where(was), _shown(was["sha256"])[:12], now["sha256"][:12])
        elif was["sha256"] == now["sha256"]:
            change = ("moved", _where(was), _where(now))
        else:
            change = ("other", _where(was), _where(now))
        grouped.setdefault(change, []).append(_shown(face))
    return [_font_change(change, "、".join(faces)) for change, faces in grouped.items()]


def _font_change(change: tuple[str, ...], faces: str) -> str:
    kind, *where = change
    if kind == "new":
        return f"这次用到了生成时没有用到的字体 {faces}（{where[0]}）"
    if kind == "gone":
        return f"生成时用到的字体 {faces}（{where[0]}）这次没有用到"
    if kind == "content":
        return f"字体文件 {faces} 不同：{where[0]} 的 sha256 {where[1]}… → {where[2]}…"
    if kind == "moved":
        return f"字体文件 {faces} 的位置不同（内容相同）：{where[0]} → {where[1]}"
    return f"字体 {faces} 取自另一个文件：{where[0]} → {where[1]}"


def _where(item: Any) -> str:
    where = _shown(item["file"]) or "（不是文件的字体）"
    return where + (f" 中的第 {item['index'] + 1} 个字体" if item["index"] else "")


def _shown(value: Any) -> str:
    """A value from the manifest as printable text: no control characters reach the terminal."""
    text = "无" if value is None else str(value)
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _copy_input(folder: Path, into: Path, item: dict[str, str]) -> Path:
    into.mkdir(exist_ok=True)
    path = into / item["from"]
    shutil.copyfile(folder / item["file"], path)
    return path


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest, refused with the reason unless it has the shape a build writes and only
    plain file names."""
    path = folder / MANIFEST
    if not path.exists():
        raise UsageError(f"{folder} 不是 xxgk 生成的输出文件夹：缺少 {MANIFEST}")
    try:  # a manifest that is a FIFO or a device is refused, not waited on
        data = read_bounded(path, MAX_MANIFEST_BYTES, "manifest",
                            f"超过 {MAX_MANIFEST_BYTES // 1024} KB，不是 xxgk 写下的 manifest")
        manifest = json.loads(data.decode("utf-8"))
    except Refused as refused:
        raise UsageError(f"{path}：{refused.message}") from None
    except RecursionError:
        raise UsageError(f"{path} 已损坏（嵌套过深）") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} 已损坏（不是 UTF-8 文本）") from None
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
        return f"inputs 应记录 {PARAMS_COPY}（及 {PREVIOUS_COPY} 和它们的工作簿），各一次"
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
    return _environment_problem(manifest.get("environment", {}))


def _environment_problem(environment: Any) -> str | None:
    """The ``environment`` section: absent or ``{}`` (no PDF), or the fonts, libraries and subsetter."""
    if not isinstance(environment, dict) or environment and set(environment) != {"fonts", "libraries", "subsetter"}:
        return "environment 应为含 fonts、libraries、subsetter 的对象"
    if not environment:
        return None
    fonts, libraries = environment["fonts"], environment["libraries"]
    if not (isinstance(fonts, list) and all(
            isinstance(item, dict) and isinstance(item.get("file"), str) and type(item.get("index")) is int
            and isinstance(item.get("sha256"), str) and isinstance(item.get("faces"), list)
            and all(isinstance(face, str) for face in item["faces"]) for item in fonts)):
        return "environment.fonts 应为字体文件的列表（file、index、sha256、faces）"
    if not (isinstance(libraries, dict) and all(isinstance(v, str) for v in libraries.values())
            and isinstance(environment["subsetter"], str)):
        return "environment 的 libraries、subsetter 类型不对"
    return None


def _plain_name(name: Any) -> bool:
    """A file name that stays in its folder: no separator, not ``.`` or ``..``, nothing hidden."""
    return (isinstance(name, str) and 0 < len(name) <= 255 and "/" not in name and "\\" not in name
            and "\0" not in name and not name.startswith("."))


def _digest(path: Path) -> str | None:
    return sha256(path.read_bytes()) if path.is_file() and not path.is_symlink() else None
