"""The build recipe: validate → check → execute sections → assemble → write, atomically.

Nothing is written until the parameter file is valid and passes the checks (or errors are
allowed); everything is written into a staging folder beside the target that replaces the
agency's outputs only when every step succeeded.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from . import assemble, cache, pdf, provenance, rules, word
from .errors import SectionError, UsageError, ValidationFailed
from .execute import check_options, execute_section, notebook_path
from .findings import Finding, errors, to_text
from .model import Report
from .params import Source, parse_params, previous_year_file, read_source
from .paths import (
    AUDIT_HTML,
    DEFAULT_OUTPUTS,
    MANIFEST,
    PARAMS_COPY,
    PREVIOUS_COPY,
    REPORT_DOCX,
    REPORT_HTML,
    REPORT_PDF,
    agency_dir,
    failed_dir,
)
from .sections import SECTIONS, Section, get_section


@dataclass(frozen=True)
class BuildResult:
    agency: str
    year: int
    folder: Path
    status: str  # "built", or "unchanged" when the outputs in place were already these inputs'
    executed: tuple[str, ...]  # the sections whose notebooks ran (the others were reused)
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Checked:
    """A report that passed validation, with last year's report and the findings of the checks."""

    source: Source
    report: Report
    previous: Source | None
    previous_report: Report | None
    findings: list[Finding]


def validate(params_path: str | Path, previous_path: str | Path | None = None) -> Checked:
    """Read, validate and check one parameter file (and last year's, found by the folder layout
    unless given). Raises ``ParamsError`` for an unusable file; findings are returned, not raised."""
    source = read_source(params_path)
    report = parse_params(source)
    if previous_path is None:
        previous_path = previous_year_file(source.path, report.year)
    previous = read_source(previous_path) if previous_path else None
    previous_report = parse_params(previous) if previous else None
    return Checked(source, report, previous, previous_report, rules.check(report, previous_report))


FORMATS = ("html", "pdf", "docx")  # the publication's forms; the audit HTML is always written


def check_settings(options: dict[str, dict[str, Any]], formats: tuple[str, ...]) -> None:
    """Refuse unknown sections, options and formats, and a PDF without its fonts, before any work."""
    for key, values in options.items():
        check_options(get_section(key), values)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise UsageError(f"不认识的输出格式：{'、'.join(unknown) or '（空）'}。可选：{','.join(FORMATS)}")
    if "pdf" in formats:
        pdf.check_fonts()


def build(params_path: str | Path, outputs: str | Path = DEFAULT_OUTPUTS,
          options: dict[str, dict[str, Any]] | None = None, *,
          previous_path: str | Path | None = None, allow_errors: bool = False,
          formats: tuple[str, ...] = FORMATS, archival: bool = False,
          force: bool = False, section_jobs: int = 1) -> BuildResult:
    """Build one agency's report for one year into ``outputs/<year>/<agency>/``: the publication
    in ``formats`` (``archival``: the PDF as PDF/A-2b), the audit HTML and the executed notebooks.
    Sections whose inputs did not change since the outputs in place are reused, and an agency
    whose inputs did not change at all is left as it is, unless ``force``. ``section_jobs``
    sections execute at once (a batch already keeps the cores busy with whole agencies)."""
    options = options or {}
    check_settings(options, formats)
    checked = validate(params_path, previous_path)
    source, report = checked.source, checked.report
    if errors(checked.findings) and not allow_errors:
        raise ValidationFailed(
            f"{source.path} 未通过校验，未生成报告：\n{to_text(checked.findings)}\n"
            "请改正后重新生成。确需先出草稿时可加 --allow-errors，发布版每页会标注“未通过校验”。",
            checked.findings, agency=source.agency, year=report.year)
    target = agency_dir(Path(outputs), report.year, source.agency)
    sources = {s.key: notebook_path(s).read_bytes() for s in SECTIONS}
    previous = checked.previous
    record = provenance.collect(source, previous, {s.notebook: sources[s.key] for s in SECTIONS})
    settings = {"agency": source.agency, "year": report.year, "formats": list(formats),
                "archival": archival, "allow_errors": allow_errors, "options": options}
    keys = cache.section_keys(sources, report, checked.previous_report, options)
    assembly = cache.assembly_key(keys, [source.data] + ([previous.data] if previous else []),
                                  {**settings, "kit_commit": record["kit_commit"]})
    with _agency_lock(target):
        existing = None if force else _intact_manifest(target)
        if existing and existing["cache"]["assembly"] == assembly:
            return BuildResult(source.agency, report.year, target, "unchanged", (),
                               tuple(checked.findings))
        reused = existing["cache"]["sections"] if existing else {}
        reusable = {s.key for s in SECTIONS if reused.get(s.key) == keys[s.key]}
        inputs = {"params_path": PARAMS_COPY, "previous_path": PREVIOUS_COPY if previous else None}
        with _staging(target) as stage:
            (stage / PARAMS_COPY).write_bytes(source.data)
            if previous:
                (stage / PREVIOUS_COPY).write_bytes(previous.data)

            def run(section: Section) -> tuple[Section, NotebookNode]:
                if section.key in reusable:
                    shutil.copy2(target / section.notebook, stage / section.notebook)  # keeps its time
                    return section, nbformat.read(stage / section.notebook, as_version=4)
                return section, execute_section(section, inputs, stage / section.notebook,
                                                options.get(section.key, {}), agency=source.agency,
                                                year=report.year)

            # each section runs in its own kernel process, so threads here are enough to use the cores
            with ThreadPoolExecutor(max_workers=section_jobs) as pool:
                executed = list(pool.map(run, SECTIONS))
            _publish(stage, assemble.combine(executed), report, checked.findings, record, formats, archival)
            manifest = provenance.manifest(record, settings, stage,
                                           cache={"sections": keys, "assembly": assembly})
            _write_text(stage / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    ran = tuple(s.key for s in SECTIONS if s.key not in reusable)
    return BuildResult(source.agency, report.year, target, "built", ran, tuple(checked.findings))


def _publish(stage: Path, combined: NotebookNode, report: Report, findings: list[Finding],
             record: dict, formats: tuple[str, ...], archival: bool) -> None:
    """The publication in ``formats`` and the audit HTML, all from the combined notebooks."""
    publication = assemble.publication_html(combined, report, findings)
    if "html" in formats:
        _write_text(stage / REPORT_HTML, publication)
    if "pdf" in formats:
        (stage / REPORT_PDF).write_bytes(pdf.render_pdf(publication, report, archival=archival))
    if "docx" in formats:
        (stage / REPORT_DOCX).write_bytes(word.render_docx(publication, report))
    _write_text(stage / AUDIT_HTML, assemble.audit_html(combined, report, record, findings))


def _intact_manifest(target: Path) -> dict | None:
    """The manifest of the outputs in ``target`` if every file it lists is there unaltered."""
    try:
        manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
        listed = {**manifest["outputs"], **{i["file"]: i["sha256"] for i in manifest["inputs"]}}
        manifest["cache"]["assembly"]  # written by an older kit without a cache: rebuild
    except (OSError, ValueError, KeyError, TypeError):
        return None
    for name, digest in listed.items():
        path = target / name
        if not path.is_file() or provenance.sha256(path.read_bytes()) != digest:
            return None
    return manifest


@contextmanager
def _agency_lock(target: Path) -> Iterator[None]:
    """One build of an agency at a time: a second one waits, then finds the first one's outputs."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


@contextmanager
def _staging(target: Path) -> Iterator[Path]:
    """A fresh folder that becomes ``target`` if the block succeeds; on failure the old ``target``
    stays untouched and a failed section's partial results go to ``<agency>.failed``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    stage.chmod(0o755)  # mkdtemp's 0700 would hide the published report from a web server
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
