"""The registry of section notebooks: adding a section is one entry here and one notebook."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import UsageError
from .format import load_format

# how part 一 sets its sub-headings: run in (（一）主动公开方面。正文……) or on lines of their own
SUBSECTION_STYLES = ("run_in", "heading")
# whether parts 三 and 四 open with the standard sentences written from their tables
SUMMARIES = ("none", "auto")


@dataclass(frozen=True)
class Section:
    key: str  # also the key of the part in the format data
    notebook: str  # file name in notebooks/
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (option, its allowed values) where they are a set

    def allowed(self, option: str) -> tuple[str, ...] | None:
        return dict(self.choices).get(option)

    @property
    def heading(self) -> str:
        return load_format().part(self.key).heading


SECTIONS: tuple[Section, ...] = (
    Section("overview", "01_overview.ipynb", choices=(("subsection_style", SUBSECTION_STYLES),)),
    Section("proactive", "02_proactive.ipynb"),
    Section("requests", "03_requests.ipynb", choices=(("summary", SUMMARIES),)),
    Section("appeals", "04_appeals.ipynb", choices=(("summary", SUMMARIES),)),
    Section("problems", "05_problems.ipynb"),
    Section("other", "06_other.ipynb"),
)


def get_section(name: str) -> Section:
    """A section by its key (``requests``) or its notebook's name, with or without ``.ipynb``."""
    for section in SECTIONS:
        if name in (section.key, section.notebook, section.notebook.removesuffix(".ipynb")):
            return section
    known = "、".join(f"{s.key}（{s.notebook.removesuffix('.ipynb')}）" for s in SECTIONS)
    raise UsageError(f"没有名为 {name!r} 的部分。可用的部分：{known}")
