"""Many small independent jobs (a roll-up's files) on every core, in processes forked from this
one: they start at once with every module already imported, and die with the process that
forked them (a fork does not inherit its parent's parent-death signal)."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

from .zygote import die_with_parent

Item = TypeVar("Item")
Result = TypeVar("Result")
PER_WORKER = 50  # items below which a second process costs more than it saves (a file: 5-10 ms)
# items are handed out in chunks, a worker taking the next when done: the smaller they are, the
# sooner both workers finish together. A roll-up's first files are kept checked already (the
# builder checked them ahead) and are read 10x faster: in 8 chunks of 125, the odd slow chunk
# left one worker reading alone for a second
CHUNKS_PER_WORKER = 16


def forked_map(function: Callable[[Item], Result], items: Sequence[Item]) -> list[Result]:
    """``function`` of each item, in order: in this process for a few items, else on every core."""
    workers = min(os.cpu_count() or 1, len(items) // PER_WORKER)
    if workers < 2 or multiprocessing.get_start_method(allow_none=True) not in (None, "fork"):
        return [function(item) for item in items]
    # the objects this process holds are left out of the workers' garbage collections: walking them
    # would write to every inherited page (copy on write) and cost the workers a sixth of their
    # time. Unfrozen afterwards only where nothing was frozen before: gc.unfreeze cannot tell this
    # call's objects from the rest, and a kernel, which starts with the zygote's frozen, keeps its
    # own frozen too until it exits
    unfreeze_after = gc.get_freeze_count() == 0
    gc.freeze()
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
            return list(pool.map(function, items, chunksize=-(-len(items) // (CHUNKS_PER_WORKER * workers))))
    finally:
        if unfreeze_after:
            gc.unfreeze()
