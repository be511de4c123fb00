"""Reading a file a user named: only a regular file, and only up to a bound.

A FIFO named like a report would block for ever, ``/dev/zero`` would never end and a folder has
no bytes; each is refused by what it is, before any parser sees it. Every reader of a named file
(parameter files, workbooks, published reports) opens it here, so they refuse alike.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import os_problem


class Refused(Exception):
    """Why the file was not read, in Chinese; the caller names the file in its own error."""

    def __init__(self, message: str, too_large: bool = False):
        super().__init__(message)
        self.message, self.too_large = message, too_large


def read_bounded(path: Path, limit: int, what: str, too_large: str) -> bytes:
    """The bytes of ``path`` (``what`` it should be, e.g. 参数文件), at most ``limit`` of them;
    ``Refused`` with ``too_large`` as its message when there are more."""
    try:
        # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise Refused(f"找不到{what}，请检查路径和文件名") from None
    except IsADirectoryError:
        raise Refused(f"这是一个文件夹，不是{what}") from None
    except OSError as error:
        raise Refused(f"无法读取{what}：{os_problem(error)}") from None
    except ValueError:  # a NUL in the name, which no file can have
        raise Refused("文件名中含有控制字符，不能打开") from None
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise Refused(f"这是一个文件夹，不是{what}")
        if not stat.S_ISREG(mode):
            raise Refused(f"这不是普通文件（可能是管道或设备），{what}应是一个普通文件")
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as error:  # a disk error, or a file that vanished from a network share
        raise Refused(f"无法读取{what}：{os_problem(error)}") from None
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise Refused(too_large, too_large=True)
    return data
