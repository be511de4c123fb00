"""Every path the kit knows: where its notebooks and templates live, where a build writes."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from .errors import KitError


def package_file(*parts: str) -> Path:
    """A file or folder shipped inside the package (notebooks, templates, format data), wherever
    the package is installed: in a clone, an editable install or a wheel's site-packages."""
    found = resources.files(__package__).joinpath(*parts)
    if not isinstance(found, Path):  # a zipped install: papermill and nbconvert need real files
        raise KitError(f"xxgk 安装在压缩包中，无法读取其中的 {'/'.join(parts)}。请用 pip 正常安装（不压缩）。")
    return found


PACKAGE = package_file()
NOTEBOOKS = package_file("notebooks")  # the kit's own section notebooks; a project's own replace them
TEMPLATES = package_file("templates")
DEFAULT_OUTPUTS = Path("outputs")
PARAMS_FOLDER = "params"

PARAMS_COPY = "params.yaml"  # the parameter file as built, kept beside the executed notebooks
PREVIOUS_COPY = "previous.yaml"  # last year's parameter file, when the cross-year checks used one
# the workbook a kept parameter file takes its tables from (``tables: emin.xlsx``), kept beside it
# under the copy's name: this year's and last year's workbooks are often both called emin.xlsx
TABLES_COPIES = {PARAMS_COPY: "params.xlsx", PREVIOUS_COPY: "previous.xlsx"}
REPORT_HTML = "report.html"
REPORT_PDF = "report.pdf"
REPORT_DOCX = "report.docx"
AUDIT_HTML = "audit.html"
MANIFEST = "manifest.json"
# the roll-up of a year's agencies: outputs/<year>/_rollup/ (an agency's name never starts with "_")
ROLLUP_DIR = "_rollup"
ROLLUP_NOTEBOOK = "rollup.ipynb"
ROLLUP_HTML = "rollup.html"
ROLLUP_PDF = "rollup.pdf"
ROLLUP_INPUTS = "inputs.json"  # the roll-up's list of parameter files, beside its notebook
# the kit's seal on the manifest (an HMAC with a key of this user's), so that a rebuild reuses
# only what this kit wrote; not listed in the manifest, whose bytes must not depend on the key
SEAL = ".xxgk-seal"


def seal_key_file() -> Path:
    """This user's key for sealing manifests, in the user's cache folder (XDG), never in outputs."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "xxgk" / "seal.key"


def project_outputs(params: Path) -> Path:
    """Where a build writes when not told: ``outputs/`` beside the ``params/`` folder that holds
    the parameter file (or folder), wherever the command is run from; ``outputs/`` of the current
    folder for a file outside any ``params/``."""
    for folder in (params.absolute(), *params.absolute().parents):
        if folder.name == PARAMS_FOLDER:
            return folder.parent / DEFAULT_OUTPUTS
    return DEFAULT_OUTPUTS


def agency_dir(outputs: Path, year: int, agency: str) -> Path:
    """``outputs/<year>/<agency>/``: one agency's results for one year."""
    return outputs / str(year) / agency


def failed_dir(target: Path) -> Path:
    """Where a failed build's partial notebooks are kept for debugging, beside the good outputs."""
    return target.with_name(f"{target.name}.failed")
