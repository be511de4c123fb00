"""Shared fixtures. The end-to-end build runs once per session, for real (papermill kernels,
nbconvert), through the ``xxgk`` command exactly as a statistician runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parent / "corpus"
EXAMPLE = ROOT / "params" / "2025" / "emin.yaml"


def run_xxgk(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xxgk.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def example():
    from xxgk import load_params
    return load_params(EXAMPLE)


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """``outputs/2025/emin`` of one real build of the example."""
    outputs = tmp_path_factory.mktemp("outputs")
    result = run_xxgk("build", EXAMPLE, "--outputs", outputs)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "a successful build prints nothing to stderr"
    return outputs / "2025" / "emin"


@pytest.fixture
def temp():
    """The runs' temporary folder (TMPDIR), where their template processes keep their sockets:
    short, as a real one is, since a socket's path must fit in 107 bytes."""
    folder = Path(tempfile.mkdtemp(prefix="xxgk-test-", dir="/tmp"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def failing_section(tmp_path, monkeypatch):
    """The section notebooks of this process replaced by copies whose part 一 fails in its kernel
    (``helpers.failing_notebooks``); afterwards the kernels that the failure stopped may start
    again, as the next build of a real run would allow."""
    from helpers import failing_notebooks
    from xxgk import paths, zygote

    monkeypatch.setattr(paths, "NOTEBOOKS", failing_notebooks(tmp_path))
    yield
    zygote.warm_up()
