"""Validation, the first step of every build and all of ``xxgk check``: a parameter file read,
validated and checked with last year's, through the check cache. Its own module so that checking a
file does not import the build's machinery (nbconvert, papermill, pandas' HTML)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ParamsError
from ..report.findings import Finding
from ..report.format import load_format
from ..report.model import Report
from ..report.narrative import blanks_named, generated
from ..report.params import Source, located, parse_params, previous_year_file, read_source
from . import checkcache


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
    if previous_path is not None:
        return _checked(source, read_source(previous_path))
    # last year's file guessed from the folder's year, before reading the file: the cache of
    # checked files is keyed by both files (a roll-up then finds the files a build checked)
    folder = source.path.parent.name
    layout_year = int(folder) if folder.isdecimal() else None
    guess = previous_year_file(source.path, layout_year) if layout_year else None
    try:
        checked: Checked | None = _checked(source, read_source(guess) if guess else None)
    except ParamsError:
        checked = None  # the guess may not be this file's last year at all: its own year settles it
    if checked is not None and checked.report.year == layout_year:
        return checked
    year = checked.report.year if checked else parse_params(source).year  # not in params/<its year>/
    last = previous_year_file(source.path, year)
    return _checked(source, read_source(last) if last else None)


def _checked(source: Source, previous: Source | None) -> Checked:
    report, previous_report, findings = checkcache.checked(source, previous)
    return Checked(source, report, previous, previous_report, list(findings))


def check_sentences(checked: Checked, options: dict[str, dict[str, Any]]) -> None:
    """Refuse, before any kernel starts, the sentences a section's options have the kit write
    from the tables (``appeals.summary=auto``) where they name a blank cell: as a reference in the
    narrative to a blank is refused, a blank is never printed as a figure, and the sentence is the
    kit's, so its clause cannot be reworded by the statistician; the cell or the option can."""
    found = []
    for section, chosen in options.items():
        for setting, text in generated(checked.report, section, chosen):
            part = load_format().part(section).heading
            found += [(loc, f"这一格是空白，而选项 {section}.{setting} 在“{part}”开头写出由表格生成的概述，"
                            f"其中 {reference} 要印出这一格的数。请在这一格填上数字（没有的填 0），"
                            f"或不用 {section}.{setting}")
                      for loc, reference in blanks_named(text, checked.report)]
    if found:
        raise located(checked.source, found, checked.report.year)
