"""``xxgk import``: a file another office sent turned into a parameter file, by the file's kind.

Each kind has a reader that gives the report; today the kit reads the fill-in workbook. The new
file is written atomically and never replaces an existing one unless asked to.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from . import paramsfile
from .errors import UsageError
from .model import Report
from .params import agency_name
from .paths import PARAMS_FOLDER
from .workbookread import report_from_workbook

# a file's suffix -> (how its kind is named to the user, its reader): the one registry, keyed
# like ``reading.READERS``, where a reader of published reports plugs in by its suffixes
READERS: dict[str, tuple[str, Callable[[Path], Report]]] = {
    ".xlsx": ("Excel 工作簿（.xlsx，由 xxgk workbook 生成）", report_from_workbook),
}


def reader_of(path: Path) -> Callable[[Path], Report]:
    """The reader of ``path`` by its suffix; a ``UsageError`` listing the kinds it can import."""
    found = READERS.get(path.suffix.lower())
    if found is None:
        readable = "；".join(dict.fromkeys(name for name, _ in READERS.values()))
        raise UsageError(f"{path}：目前只能导入以下类型的文件：{readable}")
    return found[1]


def default_folder(source: Path) -> Path:
    """The ``params/`` folder holding ``source``, or ``params/`` of the current folder."""
    for folder in source.absolute().parents:
        if folder.name == PARAMS_FOLDER:
            return folder
    return Path(PARAMS_FOLDER)


def import_file(source: Path, folder: Path | None = None, force: bool = False) -> Path:
    """Write ``<folder>/<year>/<name>.yaml`` from ``source`` (named by its file name); return it."""
    name = agency_name(source)
    report = reader_of(source)(source)
    text = paramsfile.render(report, source.name)
    target = (folder or default_folder(source)) / str(report.year) / f"{name}.yaml"
    write_new(target, text.encode("utf-8"), force)
    return target


def write_new(target: Path, data: bytes, force: bool) -> None:
    """``data`` into ``target`` atomically: complete or not there; an existing file is replaced
    only with ``force`` (linking the finished file in fails rather than overwrite)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        if force:
            os.replace(temporary, target)
        else:
            try:
                os.link(temporary, target)
            except FileExistsError:
                raise UsageError(f"{target} 已存在，未覆盖；确要覆盖请加 --force") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
