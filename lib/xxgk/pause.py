"""Pause points: named steps where a build can be made to stop, so that a test kills it at that
exact step rather than by timing luck.

With ``XXGK_PAUSE_AT=<step>`` in its environment the process reaching that step writes its pid
to the file ``XXGK_PAUSE_FILE`` and sleeps until it is killed. Without it a pause point costs
one dictionary look-up.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

STEPS = ("sections", "section", "assembly", "pdf", "docx", "swap", "swapped")


def at(step: str) -> None:
    if os.environ.get("XXGK_PAUSE_AT") != step:
        return
    Path(os.environ["XXGK_PAUSE_FILE"]).write_text(str(os.getpid()), encoding="utf-8")
    while True:
        time.sleep(3600)
