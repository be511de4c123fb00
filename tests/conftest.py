"""Shared fixtures. The end-to-end builds of the example run once per test run (not once per xdist
worker), for real (papermill kernels, nbconvert), through the ``xxgk`` command exactly as a
statistician runs it."""

from __future__ import annotations

import fcntl
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def pytest_configure(config):
    """Ctrl-C as at a terminal for the commands the tests start: a shell without job control starts
    a background command (``make test &`` in a script) with SIGINT ignored, every process below
    inherits that, and the tests that stop a build or a preview with Ctrl-C would wait for it in
    vain. Caught again in this process, it reaches the commands at the system's default."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parent / "corpus"
EXAMPLE = ROOT / "params" / "2025" / "emin.yaml"


def run_xxgk(*args: str, cwd: Path | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xxgk.cli", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def example():
    from xxgk import load_params
    return load_params(EXAMPLE)


def once_per_run(name: str, make: Callable[[Path], None], tmp_path_factory, worker_id: str) -> Path:
    """The folder ``make`` fills, made once for the whole run: under xdist every worker is a process of
    its own, so the first to ask makes it in the run's shared temporary folder under a file lock and
    the others wait and read it (pytest-xdist's "session fixture executed only once" recipe).
    What it gives is shared by every test of the run: tests read it, or copy it to change it."""
    base = tmp_path_factory.getbasetemp()
    root = base if worker_id == "master" else base.parent  # the run's folder, above the workers' own
    folder, done = root / name, root / f"{name}.done"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a worker that failed to make it left
            folder.mkdir()
            make(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session", autouse=True)
def user_cache(tmp_path_factory, worker_id) -> Iterator[Path]:
    """The run's own user cache folder (XDG_CACHE_HOME: the check cache, the seal key, the font
    digests), shared by its workers and the commands they start: a run neither reads what an earlier
    run or the developer's own builds left in ``~/.cache/xxgk`` nor fills it."""
    base = tmp_path_factory.getbasetemp()
    folder = (base if worker_id == "master" else base.parent) / "user-cache"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


def build_example(outputs: Path, *options: str) -> None:
    result = run_xxgk("build", EXAMPLE, "--outputs", outputs, *options)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "a successful build prints nothing to stderr"


@pytest.fixture(scope="session")
def built(tmp_path_factory, worker_id) -> Path:
    """``outputs/2025/emin`` of one real build of the example (HTML, PDF, Word), shared by the run
    (``once_per_run``): read it, or ``shutil.copytree`` it to change it."""
    return once_per_run("built", build_example, tmp_path_factory, worker_id) / "2025" / "emin"


@pytest.fixture(scope="session")
def built_html(tmp_path_factory, worker_id) -> Path:
    """``outputs/2025/emin`` of one HTML-only build of the example (no PDF or Word to wait for),
    shared by the run as ``built`` is."""
    def make(outputs: Path) -> None:
        build_example(outputs, "--to", "html")

    return once_per_run("built-html", make, tmp_path_factory, worker_id) / "2025" / "emin"


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
    from xxgk import paths
    from xxgk.run import zygote

    monkeypatch.setattr(paths, "NOTEBOOKS", failing_notebooks(tmp_path))
    yield
    zygote.warm_up()
