"""The registry of section notebooks: adding a section is one entry here and one notebook."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import UsageError
from .format import load_format


@dataclass(frozen=True)
class Section:
    key: str  # also the key of the part in the format data
    notebook: str  # file name in notebooks/
    # the report fields its outputs depend on (what it shows and what its checks read); "previous"
    # is last year's report. The cache re-executes a section only when one of these changed.
    reads: tuple[str, ...]

    @property
    def heading(self) -> str:
        return load_format().part(self.key).heading


NARRATIVE_CHECKS = ("table3", "table4")  # X3 compares every narrative with these tables
SECTIONS: tuple[Section, ...] = (
    Section("overview", "01_overview.ipynb",
            ("year", "agency", "title", "introduction", "part1", *NARRATIVE_CHECKS)),
    Section("proactive", "02_proactive.ipynb", ("year", "table2", "label_variants", "previous")),
    Section("requests", "03_requests.ipynb", ("year", "table3", "label_variants", "previous")),
    Section("appeals", "04_appeals.ipynb", ("table4",)),
    Section("problems", "05_problems.ipynb", ("part5", *NARRATIVE_CHECKS)),
    Section("other", "06_other.ipynb",
            ("year", "agency", "published", "part6", *NARRATIVE_CHECKS)),
)


def get_section(key: str) -> Section:
    for section in SECTIONS:
        if section.key == key:
            return section
    known = ", ".join(s.key for s in SECTIONS)
    raise UsageError(f"没有名为 {key!r} 的部分。可用的部分：{known}")
