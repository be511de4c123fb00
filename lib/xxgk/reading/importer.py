"""``xxgk import``: a file turned into a parameter file, by the file's kind.

Each kind has a reader: the fill-in workbook gives a validated report; a published report (PDF,
web page, Word, copied text) gives a ``Transcript``, whose missing required fields are named
(``Incomplete``) or, with ``partial``, listed as comments at the top of the file written anyway.
The new file is written atomically and never replaces an existing one unless asked to.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..errors import Incomplete, UsageError
from ..paths import PARAMS_FOLDER
from ..report import paramsfile
from ..report.model import Report
from ..report.params import agency_name
from ..workbook.read import report_from_workbook
from . import reading
from .transcribe import Transcript, report_of, transcribe


def _published(path: Path) -> Transcript:
    return transcribe(reading.read_report(path))


_PUBLISHED = "已发布的年度报告（{}）"

# a file's suffix -> (how its kind is named to the user, its reader): the one registry
READERS: dict[str, tuple[str, Callable[[Path], Report | Transcript]]] = {
    ".xlsx": ("Excel 工作簿（.xlsx，由 xxgk workbook 生成）", report_from_workbook),
    **{suffix: (_PUBLISHED.format(".pdf、.html、.htm、.docx、.txt"), _published) for suffix in reading.READERS},
}


def reader_of(path: Path) -> Callable[[Path], Report | Transcript]:
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


def import_file(source: Path, folder: Path | None = None, force: bool = False, partial: bool = False) -> Path:
    """Write ``<folder>/<year>/<name>.yaml`` from ``source`` (named by its file name, never by
    anything the document says); return it."""
    name = agency_name(source)
    found = reader_of(source)(source)
    if isinstance(found, Transcript):
        text, year = transcript_file(found, source.name, partial)
    else:
        text, year = paramsfile.render(found, source.name), found.year
    target = (folder or default_folder(source)) / (str(year) if year else UNKNOWN_YEAR) / f"{name}.yaml"
    write_new(target, text.encode("utf-8"), force)
    return target


UNKNOWN_YEAR = "未知年度"  # where --partial puts a report whose year was not found


def transcript_file(found: Transcript, origin: str, partial: bool) -> tuple[str, int | None]:
    """The parameter file of a published report and its year: validated and read back when
    complete; with ``partial``, what was found under comments naming what was not."""
    if found.missing and not partial:
        raise Incomplete(origin, found.missing)
    if found.missing:
        return paramsfile.render_partial(found.data, origin, found.missing), found.data.get("year")
    report = report_of(found.data, origin)
    return paramsfile.render(report, origin), report.year


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
