"""The build recipe: validate → check → execute sections → assemble → write, atomically.

Nothing is written until the parameter file is valid and passes the checks (or errors are
allowed); everything is written into a staging folder beside the target that takes the target's
place in one atomic exchange when every step succeeded. A build killed at any point leaves the
agency's folder as the complete old set or the complete new set; what it leaves beside it
(a staging folder) is removed by the next build of that agency.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from .. import pause
from ..errors import OutputsError, SectionError, UsageError, ValidationFailed, os_problem
from ..paths import (
    AUDIT_HTML,
    MANIFEST,
    PARAMS_COPY,
    PREVIOUS_COPY,
    REPORT_DOCX,
    REPORT_HTML,
    REPORT_PDF,
    SEAL,
    TABLES_COPIES,
    agency_dir,
    failed_dir,
)
from ..render import assemble, pdf, provenance, word
from ..report import rules
from ..report.findings import Finding, errors, to_text, warnings
from ..report.model import Report
from ..report.sections import SECTIONS, Section, get_section
from ..status import Status
from . import cache
from .execute import check_options, execute_section, notebook_path
from .project import FORMATS, Project
from .project import find as find_project
from .settings import BuildSettings
from .validate import check_sentences, validate
from .zygote import stop_kernels, warm_up


@dataclass(frozen=True)
class BuildResult:
    agency: str
    year: int
    folder: Path
    status: Status  # BUILT, or UNCHANGED when the outputs in place were already these inputs'
    executed: tuple[str, ...]  # the sections whose notebooks ran (the others were reused)
    findings: tuple[Finding, ...]


def check_settings(settings: BuildSettings) -> None:
    """Refuse unknown sections, options and formats, and a PDF without its fonts or HarfBuzz's
    subsetter, before any work."""
    for key, values in settings.options.items():
        check_options(get_section(key), values)
    unknown = [f for f in settings.formats if f not in FORMATS]
    if unknown or not settings.formats:
        raise UsageError(f"不认识的输出格式：{'、'.join(unknown) or '（空）'}。可选：{','.join(FORMATS)}")
    if "pdf" in settings.formats:
        pdf.check_fonts()
        pdf.check_subsetter()


def build(params_path: str | Path, settings: BuildSettings | None = None, *,
          previous_path: str | Path | None = None, project: Project | None = None) -> BuildResult:
    """Build one agency's report for one year into ``<settings.outputs>/<year>/<agency>/``: the
    publication in the settings' formats, the audit HTML and the executed notebooks. Sections whose
    inputs did not change since the outputs in place are reused, and an agency whose inputs did not
    change at all is left as it is, unless ``settings.force``. The notebooks are ``project``'s
    (default: the project holding the parameter file), else the kit's. No settings: the defaults."""
    settings = settings or BuildSettings()
    project = project or find_project(params_path)
    check_settings(settings)
    checked = validate(params_path, previous_path)
    check_sentences(checked, settings.options)
    source, report = checked.source, checked.report
    if errors(checked.findings) and not settings.allow_errors:
        raise ValidationFailed(
            f"{source.path} 未通过校验，未生成报告：\n{to_text(checked.findings)}\n"
            "请改正后重新生成。确需先出草稿时可加 --allow-errors，发布版每页会标注“未通过校验”。",
            checked.findings, agency=source.agency, year=report.year)
    target = agency_dir(_outputs_root(settings.outputs), report.year, source.agency)
    sources = {s.key: notebook_path(s, project).read_bytes() for s in SECTIONS}
    previous = checked.previous
    workbooks = _workbooks(report, checked.previous_report if previous else None)
    record = provenance.collect(source, previous, {s.notebook: sources[s.key] for s in SECTIONS}, workbooks)
    record["notebook_origins"] = {s.notebook: project.notebook(s)[1] for s in SECTIONS}
    recorded = {"agency": source.agency, "year": report.year, **settings.recorded()}
    keys = cache.section_keys(sources, report, checked.previous_report, settings.options)
    assembly = cache.assembly_key(keys, [source.data] + ([previous.data] if previous else [])
                                  + [data for _, _, data in workbooks],
                                  {**recorded, "kit_commit": record["kit_commit"]})
    with locked(target, settings.force) as existing:
        if existing and existing["cache"]["assembly"] == assembly:
            return BuildResult(source.agency, report.year, target, Status.UNCHANGED, (),
                               tuple(checked.findings))
        reused = existing["cache"]["sections"] if existing else {}
        reusable = {s.key for s in SECTIONS if reused.get(s.key) == keys[s.key]}
        inputs = {"params_path": PARAMS_COPY, "previous_path": PREVIOUS_COPY if previous else None}
        with staging(target) as stage:
            (stage / PARAMS_COPY).write_bytes(source.data)
            if previous:
                (stage / PREVIOUS_COPY).write_bytes(previous.data)
            for copy, _, data in workbooks:
                (stage / copy).write_bytes(data)
            pause.at("sections")

            def run(section: Section) -> tuple[Section, NotebookNode]:
                if section.key in reusable:
                    shutil.copy2(target / section.notebook, stage / section.notebook)  # keeps its time
                    return section, nbformat.read(stage / section.notebook, as_version=4)
                return section, execute_section(section, inputs, stage / section.notebook,
                                                settings.options.get(section.key, {}), agency=source.agency,
                                                year=report.year, timeout=settings.timeout, project=project)

            executed = execute_all(run, settings.section_jobs)
            environment = _publish(stage, assemble.combine(executed), report, checked.findings, record, settings,
                                   source.data)
            manifest = provenance.manifest(record, recorded, stage,
                                           cache={"sections": keys, "assembly": assembly}, environment=environment)
            manifest.update(rules.acceptances(checked.findings))
            # what the batch index shows of an agency that a later batch did not build
            manifest["summary"] = {"name": report.agency.name, "errors": len(errors(checked.findings)),
                                   "warnings": len(warnings(checked.findings))}
            write_manifest(stage, manifest)
    ran = tuple(s.key for s in SECTIONS if s.key not in reusable)
    return BuildResult(source.agency, report.year, target, Status.BUILT, ran, tuple(checked.findings))


def _workbooks(report: Report, previous: Report | None) -> list[tuple[str, str, bytes]]:
    """(kept name, original name, bytes) of each workbook the parameter files take tables from:
    inputs like the files themselves, kept beside them for the notebooks and for ``verify``."""
    found = []
    for copy, which in ((PARAMS_COPY, report), (PREVIOUS_COPY, previous)):
        if which is not None and which.tables_file is not None:
            name, data = which.tables_file
            found.append((TABLES_COPIES[copy], name, data))
    return found


def _outputs_root(outputs: Path) -> Path:
    if outputs.exists() and not outputs.is_dir():
        raise UsageError(f"--outputs {outputs}：这是一个文件，不是文件夹。请指定输出文件夹，如 outputs")
    return outputs


def execute_all(run: Callable[[Section], tuple[Section, NotebookNode]], jobs: int,
                sections: tuple[Section, ...] = SECTIONS) -> list[tuple[Section, NotebookNode]]:
    """Every one of ``sections``, ``jobs`` at a time. Each runs in its own kernel process, so threads are
    enough to use the cores. The first to fail, or an interruption (Ctrl-C, SIGTERM), ends the
    other kernels at once rather than leaving them to finish (or never finish) their cells."""
    warm_up()  # from this thread: the zygote dies with the thread that started it
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = [pool.submit(run, section) for section in sections]
        for future in as_completed(futures):
            future.result()
        return [future.result() for future in futures]
    except BaseException:
        stop_kernels()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _publish(stage: Path, combined: NotebookNode, report: Report, findings: list[Finding],
             record: dict, settings: BuildSettings, params: bytes) -> dict[str, Any]:
    """The publication in the settings' formats and the audit HTML, all from the combined notebooks; the
    audit HTML shows the parameter file ``params`` too. Returns what the PDF was made with
    (``{}`` without one)."""
    environment: dict[str, Any] = {}
    pause.at("assembly")
    publication = assemble.publication_html(combined, report, findings)
    formats = settings.formats
    if "html" in formats:
        _write_text(stage / REPORT_HTML, publication)
    if "pdf" in formats:
        pause.at("pdf")
        rendered = pdf.render_pdf(publication, report, archival=settings.archival)
        (stage / REPORT_PDF).write_bytes(rendered.data)
        environment = rendered.environment
    if "docx" in formats:
        pause.at("docx")
        (stage / REPORT_DOCX).write_bytes(word.render_docx(publication, report))
    _write_text(stage / AUDIT_HTML, assemble.audit_html(combined, report, record, findings, params))
    return environment


def write_manifest(stage: Path, manifest: dict) -> None:
    """``manifest.json`` and the kit's seal on it, which lets the next build trust the folder."""
    _write_text(stage / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    _write_text(stage / SEAL, cache.seal(manifest) or "")


def _trusted_manifest(target: Path) -> dict | None:
    """The manifest of the outputs in ``target`` if every file it lists is there unaltered and
    the manifest itself carries this kit's seal: a notebook edited together with its hash in the
    manifest is never reused."""
    try:
        text = (target / MANIFEST).read_text(encoding="utf-8")
        manifest = json.loads(text)
        listed = {**manifest["outputs"], **{i["file"]: i["sha256"] for i in manifest["inputs"]}}
        manifest["cache"]["assembly"]  # written by an older kit without a cache: rebuild
        seal = (target / SEAL).read_text(encoding="ascii")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not cache.sealed(manifest, seal):
        return None
    for name, digest in listed.items():
        path = target / name
        if path.is_symlink() or not path.is_file() or provenance.sha256(path.read_bytes()) != digest:
            return None
    return manifest


@contextmanager
def locked(target: Path, force: bool = False) -> Iterator[dict | None]:
    """Hold ``target``'s lock, with what killed builds left beside it tidied away, and give the
    trusted manifest of the outputs in place (None when there is none, or with ``force``)."""
    with _writing(target), _agency_lock(target):
        _tidy(target)
        yield None if force else _trusted_manifest(target)


@contextmanager
def _writing(target: Path) -> Iterator[None]:
    """The environment's refusals while writing (disk full, read-only folder) as a message that
    names the place, not as a failure of the kit."""
    try:
        yield
    except OSError as error:
        raise OutputsError(f"无法写入输出文件夹 {target}：{os_problem(error)}。原有输出未改动。") from None


@contextmanager
def _agency_lock(target: Path) -> Iterator[None]:
    """One build of an agency at a time: a second one waits, then finds the first one's outputs.
    The lock file is opened without following a link planted in its place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = target.parent / f".{target.name}.lock"
    try:
        descriptor = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except PermissionError:  # a read-only outputs folder can still say that nothing changed
        descriptor = os.open(lock, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _staging_prefix(target: Path) -> str:
    return f".{target.name}.staging-"


def _tidy(target: Path) -> None:
    """Under the agency's lock, before anything else: put back the old outputs a build killed
    half-way through the fallback swap had moved aside, and remove what killed builds left."""
    aside = _aside(target)
    if not os.path.lexists(target) and aside.is_dir() and not aside.is_symlink():
        os.replace(aside, target)
    for leftover in target.parent.glob(_staging_prefix(target) + "*"):
        _remove(leftover)
    _remove(aside)


def _aside(target: Path) -> Path:
    """Where the fallback swap keeps the old outputs for the instant between its two renames."""
    return target.with_name(f".{target.name}.old")


@contextmanager
def staging(target: Path) -> Iterator[Path]:
    """A fresh folder that becomes ``target`` if the block succeeds; on failure the old ``target``
    stays untouched and a failed section's partial results go to ``<agency>.failed``."""
    stage = Path(tempfile.mkdtemp(prefix=_staging_prefix(target), dir=target.parent))
    stage.chmod(0o755)  # mkdtemp's 0700 would hide the published report from a web server
    try:
        yield stage
    except SectionError as error:
        kept = failed_dir(target)
        _remove(kept)
        os.replace(stage, kept)
        error.kept = str(kept)
        what = "执行到出错处的 notebook" if any(kept.glob("*.ipynb")) else "本次的输入文件"
        error.message += f"\n  {what}保存在 {kept}/；原有输出 {target}/ 未改动。"
        raise
    except BaseException:
        _remove(stage)
        raise
    _swap_in(stage, target)


def _swap_in(new: Path, target: Path) -> None:
    """Put ``new`` in ``target``'s place in one atomic step: readers and a kill at any instant see
    the complete old set or the complete new set. The old set, now at ``new``'s path, is removed
    afterwards; where the file system cannot exchange two folders, two renames with the old set
    kept aside (``_tidy`` puts it back if a kill falls between them)."""
    pause.at("swap")
    if target.is_dir() and not target.is_symlink():
        if _exchange(new, target):
            pause.at("swapped")
            _remove(new)
        else:
            aside = _aside(target)
            _remove(aside)
            os.replace(target, aside)
            pause.at("swapped")
            os.replace(new, target)
            _remove(aside)
    else:
        _remove(target)  # nothing, or a file or link planted in the folder's place
        os.replace(new, target)
    _remove(failed_dir(target))


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2`` with ``RENAME_EXCHANGE``); False where the
    C library or the file system cannot."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _remove(path: Path) -> None:
    """Remove whatever is at ``path``: a folder with its contents, or a file or link itself
    (never what a link points to)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()
