"""An office's project: the folder marked by ``xxgk.toml`` that holds its parameter files, its
outputs and, if it adapts any, its own section notebooks.

The command line finds the project by walking up from the parameter file (or the current folder)
to the marker. A notebook in the project's ``notebooks/`` is used instead of the kit's own
(``paths.NOTEBOOKS``, shipped in the package); without a marker, the kit's defaults apply and
``outputs/`` goes beside the ``params/`` folder as before. ``xxgk.toml`` is read as untrusted
input: its one path, the outputs folder, must stay inside the project (and not be the project
itself); a marker or folder that another user owns or could write is never used (see ``find``).
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .. import paths
from ..errors import UsageError
from ..limits import MAX_JOBS
from ..regularfile import Refused, read_bounded
from ..report.sections import Section

MARKER = "xxgk.toml"
NOTEBOOKS = "notebooks"  # a project's own notebooks, beside its marker
FORMATS = ("html", "pdf", "docx")
PROJECT, PACKAGE = "project", "package"  # where a section's notebook came from (the manifest says)
MAX_SETTINGS_BYTES = 64 << 10


@dataclass(frozen=True)
class Settings:
    """A project's build settings: what ``xxgk build`` does when the command line does not say."""

    outputs: str = "outputs"  # relative to the project, inside it
    formats: tuple[str, ...] = FORMATS
    jobs: int | None = None  # agencies built at once; None: one per core


@dataclass(frozen=True)
class Project:
    root: Path | None  # None: no xxgk.toml above the starting point
    settings: Settings = Settings()

    @property
    def notebooks(self) -> Path | None:
        return self.root / NOTEBOOKS if self.root else None

    @property
    def outputs(self) -> Path | None:
        return self.root / self.settings.outputs if self.root else None

    def notebook(self, section: Section) -> tuple[Path, str]:
        """The notebook that runs ``section`` and its origin: the project's own, else the kit's."""
        if self.notebooks is not None and (own := self.notebooks / section.notebook).is_file():
            return own, PROJECT
        return paths.NOTEBOOKS / section.notebook, PACKAGE


def find(start: str | Path) -> Project:
    """The project holding ``start`` (a file or folder): the nearest folder upwards with ``xxgk.toml``.

    A project's notebooks run as code and its settings place the outputs, so, as git does with a
    repository owned by someone else, the walk stops at a folder that another user owns or could
    write into (``/tmp``, a shared group folder): such a folder gives no project, and a marker
    there (or one that is itself another's) is refused."""
    start = Path(start).absolute()
    for folder in (start, *start.parents):
        if not folder.is_dir():
            continue  # the file itself, or a folder not made yet
        marker = folder / MARKER
        if marker.is_file():
            if not (_own(folder) and _own(marker)):
                raise UsageError(f"{marker}：不使用这个项目设置文件：它或它所在的文件夹不属于当前用户，"
                                 "或其他人可以写入，其中的 notebook 和设置可能被他人改动。"
                                 "请把项目放在只有自己能写的文件夹中")
            return Project(folder, read_settings(marker))
        if not _own(folder):
            break
    return Project(None)


def one_project(files: Iterable[Path]) -> Project:
    """The one project that every file of a batch belongs to. A batch has one outputs folder,
    formats and jobs, so files of two projects are refused rather than one office's reports built
    with the other's settings into the other's outputs folder (each still ran its own notebooks)."""
    found: dict[Path | None, tuple[Path, Project]] = {}
    for folder, file in {f.absolute().parent: f for f in files}.items():
        project = find(folder)
        found.setdefault(project.root, (file, project))
    if len(found) > 1:
        (first, one), (second, other) = list(found.values())[:2]
        raise UsageError(f"这些参数文件属于不同的项目：{first} 属于{_named(one)}，{second} 属于{_named(other)}。"
                         "一次生成只用一个项目的设置（输出文件夹、格式、并行数）和 notebook，"
                         "请对每个项目分别运行 xxgk build")
    return next(iter(found.values()))[1] if found else Project(None)


def _named(project: Project) -> str:
    return f"项目 {project.root}（{project.root / MARKER}）" if project.root else f"任何项目之外（没有 {MARKER}）"


def _own(path: Path) -> bool:
    """Owned by the current user and writable by no one else."""
    info = path.stat()
    return info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def read_settings(marker: Path) -> Settings:
    try:
        text = read_bounded(marker, MAX_SETTINGS_BYTES, "项目设置文件", "项目设置文件过大（应小于 64 KB）")
        data = tomllib.loads(text.decode("utf-8"))
    except Refused as error:
        raise UsageError(f"{marker}：{error}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UsageError(f"{marker} 不是有效的 TOML 文件：{error}") from None
    build = data.get("build", {})
    if not isinstance(build, dict):
        raise UsageError(f"{marker}：build 应为一个表（以 [build] 开头的一节），实际是 {build!r}")
    unknown = sorted(set(data) - {"build"}) + sorted(f"build.{key}" for key in set(build) - _FIELDS)
    if unknown:
        known = "、".join(f"build.{key}" for key in sorted(_FIELDS))
        raise UsageError(f"{marker}：不认识的设置 {'、'.join(unknown)}。可用：{known}")
    return Settings(outputs=_inside(marker, build.get("outputs", Settings.outputs)),
                    formats=_formats(marker, build.get("formats", list(FORMATS))),
                    jobs=_jobs(marker, build.get("jobs")))


_FIELDS = {"outputs", "formats", "jobs"}


def _inside(marker: Path, value: Any) -> str:
    """A folder named in ``xxgk.toml``: relative, with no ``..`` and no link that leads out of the project."""
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{marker}：build.outputs 应为项目内的文件夹名，如 \"outputs\"")
    relative = PurePosixPath(value)
    root = marker.parent.resolve()
    if relative.is_absolute() or ".." in relative.parts or \
            not (root / relative).resolve().is_relative_to(root):
        raise UsageError(f"{marker}：build.outputs = {value!r} 指向项目之外；应为项目内的文件夹，如 \"outputs\"")
    if os.path.normpath(value) == os.curdir or (root / relative).resolve() == root:
        raise UsageError(f"{marker}：build.outputs = {value!r} 是项目文件夹本身；"
                         "应为项目内的一个文件夹，如 \"outputs\"")
    return os.path.normpath(value)


def _formats(marker: Path, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or any(f not in FORMATS for f in value):
        raise UsageError(f"{marker}：build.formats 应为 {list(FORMATS)} 中的一项或几项")
    return tuple(value)


def _jobs(marker: Path, value: Any) -> int | None:
    if value is not None and (type(value) is not int or not 1 <= value <= MAX_JOBS):
        raise UsageError(f"{marker}：build.jobs = {value!r}：应为 1 到 {MAX_JOBS} 的整数（同时生成的机关数）")
    return value


def marker_text(settings: Settings = Settings()) -> str:
    """``xxgk.toml`` of a new project, with its settings explained."""
    formats = ", ".join(f'"{f}"' for f in settings.formats)
    return ("# xxgk 项目：本文件所在的文件夹是一个项目。xxgk 从参数文件（或当前文件夹）向上找到本文件，\n"
            "# 使用本项目 notebooks/ 中的 notebook（没有的部分用 xxgk 自带的）。\n"
            "[build]\n"
            f'outputs = "{settings.outputs}"   # 输出文件夹（须在项目内）\n'
            f"formats = [{formats}]   # 发布版的格式：html、pdf、docx\n"
            "# jobs = 2   # 同时生成的机关数（默认：CPU 核数）\n")
