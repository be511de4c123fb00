"""The build recipe: validate → execute sections → assemble → write, atomically.

Nothing is written until the parameter file is valid; everything is written into a staging folder
beside the target that replaces the agency's outputs only when every step succeeded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import nbformat

from . import assemble, provenance
from .errors import SectionError
from .execute import check_options, execute_section, notebook_path
from .params import Source, parse_params, read_source
from .paths import (AUDIT_HTML, DEFAULT_OUTPUTS, PARAMS_COPY, REPORT_HTML, agency_dir, failed_dir)
from .sections import SECTIONS, get_section


@dataclass(frozen=True)
class BuildResult:
    agency: str
    year: int
    folder: Path
    files: tuple[str, ...]


def build(params_path: str | Path, outputs: str | Path = DEFAULT_OUTPUTS,
          options: dict[str, dict[str, Any]] | None = None) -> BuildResult:
    """Build one agency's report for one year into ``outputs/<year>/<agency>/``."""
    options = options or {}
    for key, values in options.items():
        check_options(get_section(key), values)
    source = read_source(params_path)
    report = parse_params(source)
    target = agency_dir(Path(outputs), report.year, source.agency)
    with _staging(target, source) as stage:
        (stage / PARAMS_COPY).write_bytes(source.data)
        executed = []
        for section in SECTIONS:
            path = stage / section.notebook
            execute_section(section, PARAMS_COPY, path, options.get(section.key, {}),
                            agency=source.agency, year=report.year)
            executed.append((section, nbformat.read(path, as_version=4)))
        combined = assemble.combine(executed)
        record = provenance.collect(PARAMS_COPY, source.data,
                                    [(s, notebook_path(s)) for s in SECTIONS])
        _write_text(stage / REPORT_HTML, assemble.publication_html(combined, report))
        _write_text(stage / AUDIT_HTML, assemble.audit_html(combined, report, record))
    files = tuple(sorted(p.name for p in target.iterdir()))
    return BuildResult(source.agency, report.year, target, files)


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


@contextmanager
def _staging(target: Path, source: Source) -> Iterator[Path]:
    """A fresh folder that becomes ``target`` if the block succeeds; on failure the old ``target``
    stays untouched and the partial results go to ``<agency>.failed`` for debugging."""
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    try:
        yield stage
    except SectionError as error:
        kept = failed_dir(target)
        shutil.rmtree(kept, ignore_errors=True)
        os.replace(stage, kept)
        error.kept = str(kept)
        error.message += f"\n  执行到出错处的 notebook 保存在 {kept}/；原有输出 {target}/ 未改动。"
        raise
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    _replace_dir(stage, target)


def _replace_dir(new: Path, target: Path) -> None:
    """Swap ``new`` in for ``target``; the old folder is removed only once the new one is in place."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old / target.name)
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(failed_dir(target), ignore_errors=True)
