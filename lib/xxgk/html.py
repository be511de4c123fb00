"""A piece of HTML that notebooks display and the assembler copies into the report."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Html:
    """Rich output for a notebook: ``html`` for pages, ``text`` for terminals and plain readers."""

    html: str
    text: str

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text
