"""A jupyter_client kernel provisioner that gets its kernels from the zygote (``xxgk.run.zygote``)
instead of starting a new Python process, and the kernel manager that uses it.

Registered as ``xxgk-fork`` under the ``jupyter_client.kernel_provisioners`` entry point. The
kernel is not a child of this process but of the zygote, so it is watched by pid.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pathlib
import signal
import sys
import time
import uuid
from queue import Empty
from typing import Any

import zmq
import zmq.asyncio
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import DottedObjectName, Type, Unicode, default

from .zygote import zygote

PROVISIONER = "xxgk-fork"
RECONNECT_MS = 5


class ForkProvisioner(LocalProvisioner):
    """Kernels forked from the pre-imported zygote; connection files as LocalProvisioner writes them."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        connection_file = cmd[cmd.index("-f") + 1]
        arguments = cmd[cmd.index("-f") + 2:]
        cwd = str(kwargs.get("cwd") or pathlib.Path.cwd())
        env = {key: str(value) for key, value in (kwargs.get("env") or os.environ).items()}
        self.pid = zygote().fork(connection_file, cwd, env, arguments)
        self.pgid = self.pid  # the kernel leads its own session
        self.cwd = cwd
        return self.connection_info

    @property
    def has_process(self) -> bool:
        return self.pid is not None

    async def poll(self) -> int | None:
        if self.pid is None:
            return 0
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return 0  # exited and reaped by the zygote; its status is not ours to read
        return None

    async def wait(self) -> int | None:
        while await self.poll() is None:
            await asyncio.sleep(0.02)
        self.pid = None
        return 0

    async def send_signal(self, signum: int) -> None:
        if self.pid is None or self.pgid is None:  # launch_kernel sets both
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, signum)

    async def kill(self, restart: bool = False) -> None:
        await self.send_signal(signal.SIGKILL)

    async def terminate(self, restart: bool = False) -> None:
        await self.send_signal(signal.SIGTERM)


class ReadyClient(AsyncKernelClient):
    """A kernel client that does not idle after the kernel is ready. jupyter_client waits for
    0.2 s of silence on IOPub after the kernel_info reply, about half of a forked kernel's
    start; nbclient ignores IOPub messages that do not answer its own requests anyway."""

    @default("context")
    def _own_context(self) -> zmq.asyncio.Context:
        self._created_context = True
        context = zmq.asyncio.Context()
        # the client connects before the forked kernel has bound its sockets; ZeroMQ retries
        # after 100 ms by default, which was most of a kernel's start
        context.setsockopt(zmq.RECONNECT_IVL, RECONNECT_MS)
        return context

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        deadline = time.monotonic() + (timeout if timeout is not None else float("inf"))
        while True:
            self.kernel_info()
            try:
                reply = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                pass
            else:
                if reply["msg_type"] == "kernel_info_reply":
                    try:  # IOPub is connected once the kernel's status messages arrive
                        await self.iopub_channel.get_msg(timeout=0.2)
                    except Empty:
                        continue
                    self._handle_kernel_info_reply(reply)
                    return
            if not await self._async_is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
            if time.monotonic() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")


class ForkKernelManager(AsyncKernelManager):
    """A Python kernel manager whose kernels come from the zygote, whatever kernel name a
    notebook records (the executed notebooks name ``xxgk``, the kit's registered kernel)."""

    client_class = DottedObjectName("xxgk.run.provisioner.ReadyClient")
    client_factory = Type(ReadyClient)
    # Unix sockets, not TCP: kernels starting at once in several workers race for free TCP ports
    transport = Unicode("ipc")

    @default("ip")
    def _socket_prefix(self) -> str:
        # absolute: the kernel runs in the notebook's folder, the client in the builder's
        return str(zygote().folder / f"kernel-{uuid.uuid4().hex[:12]}")

    async def _async_wait(self, pollinterval: float = 0.01) -> None:
        # a killed forked kernel is gone within milliseconds; jupyter_client polls every 0.1 s
        await super()._async_wait(pollinterval)

    @property
    def kernel_spec(self) -> KernelSpec:
        if self._kernel_spec is None:
            self._kernel_spec = KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name="Python 3 (xxgk)", language="python", interrupt_mode="signal",
                metadata={"kernel_provisioner": {"provisioner_name": PROVISIONER}})
        return self._kernel_spec
