"""The kit as an installed package: its wheel carries the notebooks, format data and templates,
and a project made by the installed ``xxgk init`` outside the repository builds the example's
report byte for byte as the repository does."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import site
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

from conftest import ROOT


def _wheel(into: Path) -> Path:
    """The wheel of the repository's package, built from a copy of what the wheel is made of (a
    build writes build/ and *.egg-info beside its sources). The build backend is the installed
    one when it is complete, else pip's own isolated set-up from its configured index."""
    source = into / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source)
    shutil.copytree(ROOT / "lib", source / "lib", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    complete = importlib.util.find_spec("wheel") is not None and int(metadata.version("setuptools").split(".")[0]) >= 69
    isolation = ["--no-build-isolation"] if complete else []
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", *isolation, "-w", str(into), str(source)],
                   check=True, capture_output=True)
    return next(into.glob("xxgk-*.whl"))


def _installed(wheel: Path, venv: Path) -> dict[str, str]:
    """A fresh venv with the wheel installed and no network: the kit's dependencies come from this
    environment's site-packages through a .pth file, which is read after the venv's own (and
    whose .pth files, among them this repository's editable install, are not read at all).
    Returns the environment to run its commands in."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--no-deps",
                    "--no-index", "-q", str(wheel)], check=True, capture_output=True)
    packages = next(venv.glob("lib/python3*/site-packages"))
    (packages / "shared.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # nbconvert's templates are data files of the shared environment's prefix, which a .pth does not make the venv's
    return {**environment, "PATH": f"{venv / 'bin'}{os.pathsep}{environment['PATH']}",
            "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}


def test_the_installed_kit_builds_the_example_as_the_repository_does(tmp_path):
    wheel = _wheel(tmp_path)
    shipped = set(zipfile.ZipFile(wheel).namelist())
    for resource in ("xxgk/notebooks/03_requests.ipynb", "xxgk/notebooks/rollup/rollup.ipynb",
                     "xxgk/format-2021.json", "xxgk/templates/xxgk-report/report.css"):
        assert resource in shipped

    venv = tmp_path / "venv"
    environment = _installed(wheel, venv)
    where = subprocess.run([venv / "bin" / "python", "-c", "import xxgk; print(xxgk.__file__)"], env=environment,
                           cwd=tmp_path, check=True, capture_output=True, text=True).stdout.strip()
    assert Path(where).is_relative_to(venv), where  # the wheel's kit, not the repository's

    project = tmp_path / "office"
    subprocess.run([venv / "bin" / "xxgk", "init", str(project), "--year", "2026"], env=environment, cwd=tmp_path,
                   check=True, capture_output=True)
    (project / "params" / "2025").mkdir()
    shutil.copy(ROOT / "params" / "2025" / "emin.yaml", project / "params" / "2025")
    # the two builds at once, one a core
    installed = subprocess.Popen([venv / "bin" / "xxgk", "build", "params/2025/emin.yaml", "--to", "html"],
                                 env=environment, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    repository = subprocess.run([sys.executable, "-m", "xxgk.cli", "build", str(ROOT / "params" / "2025" / "emin.yaml"),
                                 "--to", "html", "--outputs", str(tmp_path / "repository")],
                                capture_output=True, text=True)
    out, err = installed.communicate(timeout=600)
    assert installed.returncode == 0, err.decode()
    assert repository.returncode == 0, repository.stderr

    built = project / "outputs" / "2025" / "emin"
    reference = tmp_path / "repository" / "2025" / "emin"
    assert (built / "report.html").read_bytes() == (reference / "report.html").read_bytes()
    origins = json.loads((built / "manifest.json").read_text(encoding="utf-8"))["notebook_origins"]
    assert set(origins.values()) == {"project"}  # the project's copies ran
    assert set(json.loads((reference / "manifest.json").read_text(encoding="utf-8"))["notebook_origins"].values()) \
        == {"package"}
