"""A pre-imported template process that forks a fresh kernel for every notebook.

Starting a Python kernel and importing pandas, great-tables and xxgk costs about a second per
notebook. The zygote pays it once: it imports everything a section notebook needs, then waits on
a Unix socket; for each notebook the provisioner asks it to fork a child that becomes a brand-new
IPython kernel. The child inherits imported modules and nothing else (the zygote never runs
notebook code), so every notebook still executes in its own clean interpreter.

Run as ``python -m xxgk.zygote SOCKET``; ``Zygote`` below starts and talks to it.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# what a section notebook imports, loaded once in the zygote and shared by every forked kernel
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger", "IPython.core.interactiveshell",
           # imported while a kernel initialises (its shell's inspector, debugger, completer, extensions)
           "IPython.core.oinspect", "IPython.core.debugger", "IPython.core.completerlib",
           "IPython.extensions.storemagic", "IPython.core.logger", "tornado.platform.asyncio",
           "encodings.utf_8_sig", "pandas.io.formats.html", "pandas.io.formats.string",
           "pandas", "great_tables", "bs4", "pydantic", "ruamel.yaml",
           "xxgk.blocks", "xxgk.frames", "xxgk.rules", "xxgk.tables", "xxgk.params")
# no thread pools in the zygote: forking a process that has threads can deadlock the child
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
# debugpy, preloaded with ipykernel.debugger, warns about frozen modules on import otherwise
QUIET = {"PYDEVD_DISABLE_FILE_VALIDATION": "1"}
READY_TIMEOUT = 120


def serve(path: str) -> None:
    import importlib

    for module in PRELOAD:
        importlib.import_module(module)
    _fill_lazy_tables()
    # children are reaped by the kernel as they exit: no zombies, no SIGCHLD handler to run
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path + ".tmp")
    os.rename(path + ".tmp", path)  # the socket appears only once it is ready
    server.listen(16)
    server.settimeout(1.0)
    parent = os.getppid()
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
                _become_kernel(request)
            connection.sendall(json.dumps({"pid": pid}).encode() + b"\n")


def _fill_lazy_tables() -> None:
    """Build once, here, the tables libraries build on first use, so that every kernel does not
    build them again: bs4's HTML entity table with its regular expressions (about 15 ms, on
    the first ``&nbsp;`` a table has), the YAML resolver's patterns, the format data. None
    depends on a report: kernels still start with no report data in them."""
    from bs4 import BeautifulSoup

    from xxgk import fastyaml
    from xxgk.format import load_format

    BeautifulSoup("<p>&nbsp;</p>", "html.parser")
    fastyaml.load("year: 2025\nlist: [1, 2.5, true, null, 2026-01-15, text]\n")
    load_format()


def _become_kernel(request: dict) -> None:
    """In the forked child: turn into an IPython kernel on the given connection file."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the notebook's own subprocesses need it
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

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="xxgk-zygote-"))
        self.path = self.folder / "zygote.sock"
        environment = {**os.environ, **SINGLE_THREADED, **QUIET}
        self.process = subprocess.Popen([sys.executable, "-m", "xxgk.zygote", str(self.path)],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        env=environment)

    def fork(self, connection_file: str, cwd: str, env: dict[str, str], arguments: list[str]) -> int:
        """A new kernel process on ``connection_file``; its pid."""
        deadline = time.monotonic() + READY_TIMEOUT
        while not self.path.exists():
            if self.process.poll() is not None:
                raise RuntimeError(f"the kernel template process exited ({self.process.returncode})")
            if time.monotonic() > deadline:
                raise RuntimeError("the kernel template process did not start in time")
            time.sleep(0.01)
        request = {"connection_file": connection_file, "cwd": cwd, "env": env, "arguments": arguments}
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(str(self.path))
            client.sendall(json.dumps(request).encode() + b"\n")
            return json.loads(client.makefile("r", encoding="utf-8").readline())["pid"]

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        if self.alive:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


_current: Zygote | None = None
_starting = threading.Lock()  # sections of one build ask for kernels from several threads


def zygote() -> Zygote:
    """This process's zygote, started on first use (``warm_up`` starts it early)."""
    global _current
    with _starting:
        if _current is None or not _current.alive:
            _current = Zygote()
            atexit.register(_current.close)
        return _current


warm_up = zygote


if __name__ == "__main__":
    serve(sys.argv[1])
