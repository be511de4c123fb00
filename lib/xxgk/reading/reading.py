"""Reading a published report from a file: the one entry point ``xxgk import`` and ``xxgk audit`` use.

The kind is chosen by the file's suffix (a .htm saved from a browser, a .docx from WPS); the
file is bounded in size before any parser sees it, and nothing is fetched from the network.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import ReadError, TooLarge, UnreadableDocument
from ..limits import MAX_REPORT_BYTES
from ..regularfile import Refused, read_bounded
from .document import Document
from .published import PublishedReport
from .read_docx import read_docx
from .read_html import read_html
from .read_pdf import read_pdf
from .read_text import read_text
from .recognise import recognise

READERS: dict[str, Callable[[bytes, str], Document]] = {
    ".pdf": read_pdf, ".html": read_html, ".htm": read_html, ".docx": read_docx, ".txt": read_text}


def read_document(path: str | Path) -> Document:
    """The paragraphs and grids of ``path`` as its reader sees them."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnreadableDocument(path.name, f"不能读取“{path.suffix or '无后缀'}”文件；可读取："
                                 + "、".join(sorted(READERS)))
    try:
        data = read_bounded(path, MAX_REPORT_BYTES, "年度报告文件",
                            f"文件超过 {MAX_REPORT_BYTES >> 20} MB，不像一份年度报告，未读取")
    except Refused as refused:
        raise (TooLarge if refused.too_large else ReadError)(path.name, refused.message) from None
    if not data.strip():
        raise UnreadableDocument(path.name, "文件是空的")
    return reader(data, path.name)


def read_report(path: str | Path) -> PublishedReport:
    """The report published in ``path``, as published, with its differences from the format."""
    return recognise(read_document(path))
