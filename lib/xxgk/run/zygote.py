"""A pre-imported template process that forks a fresh kernel for every notebook.

Starting a Python kernel and importing pandas, great-tables and xxgk costs about a second per
notebook. The zygote pays it once: it imports everything a section notebook needs, then waits on
a Unix socket; for each notebook the provisioner asks it to fork a child that becomes a brand-new
IPython kernel. The child inherits imported modules and nothing else (the zygote never runs
notebook code), so every notebook still executes in its own clean interpreter.

Run as ``python -m xxgk.run.zygote SOCKET``; ``Zygote`` below starts and talks to it.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import fcntl
import gc
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

# what a section notebook imports, loaded once in the zygote and shared by every forked kernel
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger", "IPython.core.interactiveshell",
           # imported while a kernel initialises (its shell's inspector, debugger, completer, extensions)
           "IPython.core.oinspect", "IPython.core.debugger", "IPython.core.completerlib",
           "IPython.extensions.storemagic", "IPython.core.logger", "tornado.platform.asyncio",
           "encodings.utf_8_sig", "pandas.io.formats.html", "pandas.io.formats.string",
           "pandas", "great_tables", "bs4", "pydantic", "ruamel.yaml",
           "xxgk.render.blocks", "xxgk.report.frames", "xxgk.report.rules", "xxgk.render.tables", "xxgk.report.params")
# no thread pools in the zygote: forking a process that has threads can deadlock the child
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# debugpy, preloaded with ipykernel.debugger, warns about frozen modules on import otherwise
QUIET = {"PYDEVD_DISABLE_FILE_VALIDATION": "1"}
READY_TIMEOUT = 120
FOLDER_PREFIX = "xxgk-zygote-"
OWNER_LOCK = "owner.lock"  # held by the builder while its zygote lives; free means the folder is stale
STALE_AFTER = 60  # seconds: a folder without its lock file older than this belongs to nobody
PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Have Linux kill this process the moment the thread that started it ends, and end now
    if that happened already (between the fork and this call). Without it a killed builder left
    its zygote and every kernel running forever."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the zygote's own check of its parent remains
        pass
    if os.getppid() != parent:
        os._exit(0)


def serve(path: str, parent: int, extra: list[str]) -> None:
    import importlib

    die_with_parent(parent)
    # Ctrl-C reaches the whole process group; the builder ends the zygote itself, in order
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for module in (*PRELOAD, *extra):
        importlib.import_module(module)
    _fill_lazy_tables()
    # what the imports made lives as long as each kernel: out of the kernels' garbage collections,
    # whose full passes walked these 180,000 objects (0.1-0.2 s each, several a roll-up) and wrote
    # to every page they are on, which fork had shared (copy on write). No collection first: it
    # would hold every kernel back by one such pass, to free what the imports left, a few objects
    gc.freeze()
    # children are reaped by the kernel as they exit: no zombies, no SIGCHLD handler to run
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path + ".tmp")
    server.listen(16)
    os.rename(path + ".tmp", path)  # the socket appears only once it accepts connections
    server.settimeout(1.0)
    zygote_pid = os.getpid()
    while os.getppid() == parent:  # a builder that died (killed worker, Dask) takes its zygote along
        try:
            connection, _ = server.accept()
        except TimeoutError:
            continue
        connection.settimeout(None)
        with connection:
            request = json.loads(connection.makefile("r", encoding="utf-8").readline())
            pid = os.fork()
            if pid == 0:
                server.close()
                die_with_parent(zygote_pid)
                _become_kernel(request)
            connection.sendall(json.dumps({"pid": pid}).encode() + b"\n")


def _fill_lazy_tables() -> None:
    """Build once, here, the tables libraries build on first use, so that every kernel does not
    build them again: bs4's HTML entity table with its regular expressions (about 15 ms, on
    the first ``&nbsp;`` a table has), the YAML resolver's patterns, the format data. None
    depends on a report: kernels still start with no report data in them."""
    from bs4 import BeautifulSoup

    from xxgk.report import fastyaml
    from xxgk.report.format import load_format

    BeautifulSoup("<p>&nbsp;</p>", "html.parser")
    fastyaml.load("year: 2025\nlist: [1, 2.5, true, null, 2026-01-15, text]\n")
    load_format()


def _become_kernel(request: dict) -> None:
    """In the forked child: turn into an IPython kernel on the given connection file."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the notebook's own subprocesses need it
        signal.signal(signal.SIGINT, signal.default_int_handler)  # interrupting a cell needs it
        os.setsid()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.initialize(["-f", request["connection_file"], *request["arguments"]])
        app.start()
    finally:
        os._exit(0)


class Zygote:
    """The builder's handle on one zygote process: started ahead of need, asked to fork kernels."""

    def __init__(self, preload: tuple[str, ...] = ()) -> None:
        self.folder, self._owner = owned_folder(FOLDER_PREFIX)
        self.path = self.folder / "zygote.sock"
        environment = {**os.environ, **SINGLE_THREADED, **QUIET}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "xxgk.run.zygote", str(self.path), str(os.getpid()), *preload],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=environment)

    def fork(self, connection_file: str, cwd: str, env: dict[str, str], arguments: list[str]) -> int:
        """A new kernel process on ``connection_file``; its pid."""
        deadline = time.monotonic() + READY_TIMEOUT
        while not self.ready:
            if time.monotonic() > deadline:
                raise RuntimeError("the kernel template process did not start in time")
            time.sleep(0.01)
        if not self.alive:
            raise RuntimeError(f"the kernel template process exited ({self.process.returncode})")
        request = {"connection_file": connection_file, "cwd": cwd, "env": env, "arguments": arguments}
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(str(self.path))
            client.sendall(json.dumps(request).encode() + b"\n")
            return json.loads(client.makefile("r", encoding="utf-8").readline())["pid"]

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    @property
    def ready(self) -> bool:
        """Whether it has imported everything and forks a kernel at once (or has died)."""
        return self.path.exists() or not self.alive

    def close(self) -> None:
        """End the zygote, and with it every kernel it forked (they die with their parent)."""
        if self.alive:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
        self._owner.close()


# A Unix socket's path holds at most 107 bytes; a kernel's sockets are named
# <root>/xxgk-zygote-XXXXXXXX/kernel-<12 hex>-<port>, about 45 bytes below the root.
SOCKET_ROOT_MAX = 60


def socket_root() -> str:
    """The temporary folder, or /tmp where its path leaves too little room for socket names."""
    root = tempfile.gettempdir()
    return root if len(os.fsencode(root)) <= SOCKET_ROOT_MAX else "/tmp"


def owned_folder(prefix: str) -> tuple[Path, IO[str]]:
    """A new folder in the temporary folder and its owner lock, held until the file returned is
    closed; first, the folders of the same ``prefix`` whose owner is gone (killed before it could
    remove them) are removed."""
    remove_stale_folders(prefix)
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=socket_root()))
    owner = open(folder / OWNER_LOCK, "w")  # noqa: SIM115 (held while the folder is in use)
    fcntl.flock(owner, fcntl.LOCK_EX)
    return folder, owner


@contextlib.contextmanager
def owned(prefix: str) -> Iterator[Path]:
    """``owned_folder`` for the length of a ``with``: removed at its end, or by the next command
    of the same ``prefix`` if this process is killed first."""
    folder, owner = owned_folder(prefix)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        owner.close()


def remove_stale_folders(prefix: str = FOLDER_PREFIX) -> None:
    """Remove the folders (a zygote's sockets, a preview's files) whose owner is gone."""
    for folder in Path(socket_root()).glob(prefix + "*"):
        try:
            info = folder.lstat()
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and not _in_use(folder, info):
            shutil.rmtree(folder, ignore_errors=True)


def _in_use(folder: Path, info: os.stat_result) -> bool:
    try:
        with open(folder / OWNER_LOCK) as owner:
            try:
                fcntl.flock(owner, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True  # its builder holds the lock: alive
            return False
    except FileNotFoundError:
        return time.time() - info.st_mtime < STALE_AFTER  # just made, about to be locked
    except OSError:
        return True


_current: Zygote | None = None
_starting = threading.Lock()  # sections of one build ask for kernels from several threads
_stopped = False  # set by stop_kernels: no kernel starts until the next build's warm_up


class KernelsStopped(RuntimeError):
    """A section asked for a kernel after its build was stopped; the build reports why it stopped."""


def zygote(preload: tuple[str, ...] = ()) -> Zygote:
    """This process's zygote, started on first use. It dies with the thread that started it, so
    a build starts it from its own thread (``warm_up``) before handing sections to a pool."""
    global _current
    with _starting:
        if _stopped:
            raise KernelsStopped("the build was stopped")
        if _current is None or not _current.alive:
            _current = Zygote(preload)
            atexit.register(_current.close)
        return _current


def warm_up(preload: tuple[str, ...] = ()) -> Zygote:
    """Start the zygote ahead of need, with ``preload``: modules beyond PRELOAD that the coming
    notebooks import (a zygote already running is kept as it is), and allow kernels again after a
    stopped build."""
    global _stopped
    _stopped = False
    return zygote(preload)


def stop_kernels() -> None:
    """End the zygote and every kernel it forked, at once (an interrupted or failed build), and
    start none until the next ``warm_up``: a section that a worker thread was just picking up
    would otherwise start a new zygote behind the build's back."""
    global _current, _stopped
    with _starting:
        _stopped = True
        if _current is not None:
            _current.close()
            _current = None


if __name__ == "__main__":
    serve(sys.argv[1], int(sys.argv[2]), sys.argv[3:])
