"""What a build makes and how, as one typed object: decided once (the command line, else the
project's ``xxgk.toml``, else the kit's defaults) and passed whole to ``build.build``, to every batch
worker and to every Dask task, which is why it holds only plain, picklable values."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..limits import CELL_TIMEOUT
from ..paths import DEFAULT_OUTPUTS
from .project import FORMATS


@dataclass(frozen=True)
class BuildSettings:
    outputs: Path = DEFAULT_OUTPUTS  # the reports go to outputs/<year>/<agency>/
    formats: tuple[str, ...] = FORMATS  # the publication's forms; the audit HTML is always written
    archival: bool = False  # the PDF as PDF/A-2b
    options: dict[str, dict[str, Any]] = field(default_factory=dict)  # section key -> its notebook's options
    allow_errors: bool = False  # build a draft from a file that fails its checks
    force: bool = False  # execute everything again, even what the outputs in place could give
    timeout: float = CELL_TIMEOUT  # seconds a cell may run before its section fails
    section_jobs: int = 1  # sections executed at once (a batch keeps the cores busy with whole agencies)

    def recorded(self) -> dict[str, Any]:
        """The settings that decide the outputs' bytes, as the manifest records them (``xxgk verify``
        rebuilds with these); where and how fast a build runs is not among them."""
        return {"formats": list(self.formats), "archival": self.archival, "allow_errors": self.allow_errors,
                "options": self.options}

    @classmethod
    def from_manifest(cls, recorded: dict[str, Any], outputs: Path) -> BuildSettings:
        return cls(outputs=outputs, formats=tuple(recorded["formats"]), archival=recorded["archival"],
                   options=recorded["options"], allow_errors=recorded["allow_errors"])
