"""``xxgk lab``: JupyterLab on a project, for auditors reading the executed notebooks and
statisticians running a section.

The server listens on 127.0.0.1 only, on a free port, behind a random token (given through the
environment, not the command line, where ``ps`` shows it to every user). The kernel the notebooks
name, ``xxgk``, is declared in a private Jupyter data folder pointing at this Python, so that an
installed kit needs no ``ipykernel install``. Ctrl-C or SIGTERM stops the server, which shuts its
kernels down; any process of its tree still there after a grace period is killed, and a killed
``xxgk lab`` takes the server with it (``PR_SET_PDEATHSIG``), which then shuts down its kernels.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from ..errors import KitError, UsageError
from ..run.execute import KERNEL, KERNEL_DISPLAY_NAME
from ..run.project import MARKER
from ..run.project import find as find_project
from ..run.zygote import owned

READY_TIMEOUT = 120  # seconds for JupyterLab to answer (its first start builds its settings)
STOP_GRACE = 15  # seconds for the server to shut its kernels down before they are killed
PR_SET_PDEATHSIG = 1
FOLDER_PREFIX = "xxgk-lab-"  # the private Jupyter data folder, in the temporary folder


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def kernel_folder(data: Path) -> None:
    """The ``xxgk`` kernel in the Jupyter data folder ``data``: this Python, with the kit."""
    spec = data / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": KERNEL_DISPLAY_NAME, "language": "python"}), encoding="utf-8")


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):  # not Linux: stop() is all there is
        ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def descendants(pid: int) -> dict[int, int]:
    """Every process below ``pid``, from /proc (kernels run in sessions of their own, so a
    process group does not hold them), each with its start time: what ``_kill`` checks, since a
    pid found now may name another process by the time it is signalled."""
    found, queue = {}, [pid]
    while queue:
        parent = queue.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children", encoding="ascii") as handle:
                    children = [int(c) for c in handle.read().split()]
            except OSError:
                continue
            for child in children:
                # the child's own record names its parent: a pid reused since the listing does not
                if (stamp := _stat(child)) is not None and stamp[0] == parent:
                    found[child] = stamp[1]
                    queue.append(child)
    return found


def _stat(pid: int) -> tuple[int, int] | None:
    """The parent and the start time (clock ticks since boot) of ``pid``, from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()  # the name, in parentheses, may hold anything
        return int(fields[1]), int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def _kill(pid: int, started: int) -> None:
    """SIGKILL ``pid`` if it is still the process that started at ``started``. The pidfd holds
    that very process from before the check, so a pid reused between the check and the signal
    receives nothing (the signal to the ended process fails instead)."""
    try:
        handle = os.pidfd_open(pid)
    except OSError:  # ended and reaped
        return
    try:
        stamp = _stat(pid)
        if stamp is not None and stamp[1] == started:
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(handle, signal.SIGKILL)
    finally:
        os.close(handle)


def _ready(url: str, process: subprocess.Popen, token: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    request = urllib.request.Request(url + "api/status", headers={"Authorization": f"token {token}"})
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise KitError(f"JupyterLab 未能启动（退出状态 {process.returncode}）；请确认已安装 jupyterlab，"
                           "端口未被占用")
        try:
            with urllib.request.urlopen(request, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise KitError(f"JupyterLab 在 {READY_TIMEOUT} 秒内没有响应")


def stop(process: subprocess.Popen) -> None:
    """Stop the server and everything it started: it shuts its kernels down on SIGTERM; what is
    left after ``STOP_GRACE`` seconds is killed, if it is still the process that was found."""
    tree = descendants(process.pid)
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            tree |= descendants(process.pid)  # not reaped yet: its pid is still the server's
            process.kill()
            process.wait()
    for pid, started in tree.items():
        _kill(pid, started)


def lab(folder: Path, port: int, say: Callable[[str], None]) -> int:
    """Serve JupyterLab on the project holding ``folder`` until Ctrl-C or SIGTERM."""
    if not folder.is_dir():
        raise UsageError(f"{folder} 不是文件夹")
    project = find_project(folder)
    if project.root is None:
        raise UsageError(f"{folder.absolute()} 及其上级文件夹中没有 {MARKER}，不是 xxgk 项目。"
                         "新建项目：xxgk init 文件夹")
    port = port or free_port()
    token = secrets.token_hex(24)
    with owned(FOLDER_PREFIX) as data:  # a killed lab's is removed by the next one
        kernel_folder(data)
        environment = {**os.environ, "JUPYTER_TOKEN": token,
                       "JUPYTER_PATH": os.pathsep.join(filter(None, [str(data), os.environ.get("JUPYTER_PATH")]))}
        command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
                   f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
                   f"--ServerApp.root_dir={project.root}",
                   # no network at run time (no extension index, no news feed) and no shell in the page
                   "--LabApp.extension_manager=readonly", "--LabApp.news_url=None",
                   "--ServerApp.terminals_enabled=False",
                   *(["--allow-root"] if os.geteuid() == 0 else [])]
        log = data / "jupyterlab.log"
        with log.open("wb") as written:
            process = subprocess.Popen(command, env=environment, stdin=subprocess.DEVNULL, stdout=written,
                                       stderr=written, start_new_session=True, preexec_fn=_die_with_parent)
        try:
            url = f"http://127.0.0.1:{port}/"
            try:
                _ready(url, process, token)
            except KitError as error:
                stop(process)
                raise KitError(f"{error}\n{log.read_text(errors='replace')[-2000:]}") from None
            say(f"JupyterLab：{url}lab?token={token}\n项目：{project.root}\n按 Ctrl-C 结束。")
            process.wait()
        except KeyboardInterrupt:
            say("JupyterLab 已结束。")
        finally:
            stop(process)
    return 0
