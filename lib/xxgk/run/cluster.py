"""Sending agencies to a Dask distributed cluster. Workers must run the same kit and packages and
see the same file system (parameter files and outputs) as the machine that submits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ..errors import UsageError
from .batch import Outcome, build_one
from .settings import BuildSettings

LOCAL = "local"
CONNECT_TIMEOUT = "10s"


def build_on_dask(names: list[str], settings: BuildSettings, scheduler: str, jobs: int,
                  report: Callable[[Outcome], None]) -> list[Outcome]:
    from distributed import Client, LocalCluster, as_completed

    # absolute paths: a worker's working directory is not the submitter's
    names = [str(Path(name).resolve()) for name in names]
    settings = replace(settings, outputs=settings.outputs.resolve())
    if scheduler == LOCAL:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        if not scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
            raise UsageError(f"--scheduler {scheduler}：应为 tcp://主机:端口 或 local")
        try:
            cluster, client = None, Client(scheduler, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as error:
            raise UsageError(f"--scheduler {scheduler}：无法连接 Dask 调度器（{error}）。"
                             "请确认地址和端口，以及调度器已经启动") from None
    try:
        futures = client.map(build_one, names, settings=settings, pure=False)
        by_name = {}
        for future in as_completed(futures):
            outcome = future.result()
            report(outcome)
            by_name[outcome.params] = outcome
        return [by_name[name] for name in names]
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
