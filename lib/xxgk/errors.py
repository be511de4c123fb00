"""The kit's exceptions: one base, specific subclasses, messages written for a statistician.

Every exception pickles (batches will carry them across process boundaries) and carries the
agency, year, section and cell it concerns where those are known.
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass

# what a terminal would act on rather than show: C0 and C1 controls (ESC starts ANSI sequences,
# U+009B is a one-character CSI) other than tab and newline, and the bidirectional overrides
# that make text read in another order than it is stored
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069"
                          "\u2028\u2029\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` safe to print: every character a terminal would interpret shown as ``\\x1b``."""
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii"), text)


class Terminated(KeyboardInterrupt):
    """The build was told to stop (SIGTERM): unwinds like Ctrl-C, so every clean-up runs."""


class XxgkError(Exception):
    """Base of every error the kit reports to its user. ``exit_code`` is what the CLI returns."""

    exit_code = 1

    def __init__(self, message: str, *, agency: str | None = None, year: int | None = None,
                 section: str | None = None, cell: int | None = None):
        super().__init__(message)
        self.message = message
        self.agency = agency
        self.year = year
        self.section = section
        self.cell = cell

    def __reduce__(self):
        return (_rebuild, (type(self), self.__dict__))

    def __str__(self) -> str:
        return self.message


def _rebuild(cls, state):
    error = cls.__new__(cls)
    Exception.__init__(error, state["message"])
    error.__dict__.update(state)
    return error


_OS_PROBLEMS = {
    errno.ENOSPC: "磁盘空间不足，请清理磁盘后重试",
    errno.EDQUOT: "超出磁盘配额，请清理后重试",
    errno.EACCES: "没有写入权限，请检查文件夹的权限或换一个输出文件夹",
    errno.EPERM: "没有权限，请检查文件夹的权限或换一个输出文件夹",
    errno.EROFS: "所在的文件系统是只读的，请换一个输出文件夹",
    errno.ENOTDIR: "路径中有一段是文件而不是文件夹",
    errno.EEXIST: "已有同名的文件",
    errno.ENAMETOOLONG: "路径太长",
    errno.EIO: "磁盘读写错误",
    errno.ENOENT: "文件或文件夹不存在",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.EADDRINUSE: "端口已被占用",
}


def os_problem(error: OSError) -> str:
    """What the operating system refused, in Chinese, with the file it concerned."""
    what = _OS_PROBLEMS.get(error.errno or 0, error.strerror or type(error).__name__)
    where = f"（{printable(str(error.filename))}）" if error.filename else ""
    return what + where


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a parameter file, located for the person who has to fix it."""

    file: str
    line: int | None  # 1-based; None when the place is not in the file (a missing key of an empty file)
    key: str  # dotted path such as ``table3.r3_2[4]``
    label: str  # the field's Chinese label, e.g. ``表三 · 2.其他法律行政法规禁止公开 · 法律服务机构``
    message: str  # what is wrong and what was expected, in Chinese

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f"{self.key}（{self.label}）" if self.label else self.key
        return f"{where}: {field}: {self.message}" if field else f"{where}: {self.message}"


class ParamsError(XxgkError):
    """The parameter file cannot be used: missing, not YAML, or not a valid report. Nothing is built."""

    exit_code = 2

    def __init__(self, file: str, problems: list[Problem], *, agency: str | None = None,
                 year: int | None = None):
        self.file = file
        self.problems = list(problems)
        count = len(self.problems)
        lines = [f"参数文件有 {count} 处问题，未生成任何内容：" if count > 1 else "参数文件有问题，未生成任何内容："]
        lines += [f"  {problem}" for problem in self.problems]
        super().__init__("\n".join(lines), agency=agency, year=year)


class UsageError(XxgkError):
    """The command line asks for something that does not exist (an unknown section or option)."""

    exit_code = 2


class ValidationFailed(XxgkError):
    """The report has errors the checks found; it is not built unless errors are allowed."""

    def __init__(self, message: str, findings: list, *, agency: str, year: int):
        self.findings = list(findings)
        super().__init__(message, agency=agency, year=year)


class OutputsError(XxgkError):
    """The outputs cannot be written: the disk is full, the folder is read-only or not a folder.
    Nothing already built was changed."""


class KitError(XxgkError):
    """The kit itself is incomplete (a notebook or template missing): reinstall or update the kit."""


class SectionError(XxgkError):
    """A section notebook failed while executing; the previous outputs were left as they were."""

    def __init__(self, message: str, *, agency: str, year: int, section: str, cell: int | None,
                 notebook: str, ename: str = "", evalue: str = "", kept: str | None = None):
        self.notebook = notebook
        self.ename = ename
        self.evalue = evalue
        self.kept = kept
        super().__init__(message, agency=agency, year=year, section=section, cell=cell)


class WorkbookError(XxgkError):
    """A fill-in workbook cannot be used: not a workbook, its layout changed, or a cell holds what
    it may not. Each problem names its sheet and cell (``表三!E12：…``). Nothing is written."""

    exit_code = 2

    def __init__(self, file: str, problems: list[str]):
        self.file = file
        self.problems = list(problems)
        count = len(self.problems)
        many = f" {count} 处" if count > 1 else ""
        head = f"工作簿 {file} 有{many}问题，未生成任何内容："
        super().__init__("\n".join([head, *(f"  {problem}" for problem in self.problems)]))


class ReadError(XxgkError):
    """A published report cannot be read (xxgk import, xxgk audit): the file is not a document the
    kit reads, is damaged, too large, or not a report of the 2021 format. Nothing is written."""

    exit_code = 2

    def __init__(self, file: str, message: str):
        self.file = file
        super().__init__(f"{printable(file)}：{message}")


class UnreadableDocument(ReadError):
    """Empty, truncated or damaged: not a PDF, web page, Word or text file the kit can open."""


class NoTextLayer(ReadError):
    """A scanned PDF: pages without characters, only images. The kit does not recognise text in images."""


class TooLarge(ReadError):
    """More bytes, pages or cells than any annual report has (limits.py); reading was not attempted."""


class NotAReport(ReadError):
    """Readable, but without the headings and tables of an annual report (a random web page)."""


class OtherFormat(ReadError):
    """A report of another format than 2021's (the 2019 trial format): named, not read as a broken 2021 one."""


class Incomplete(ReadError):
    """Read, but without fields a parameter file needs (the year, part 五, 表三 …): named, nothing
    written unless ``--partial`` asks for what was found."""

    def __init__(self, file: str, missing: tuple[str, ...] | list[str]):
        self.missing = tuple(missing)
        super().__init__(file, "报告中找不到以下必填内容：" + "、".join(self.missing)
                         + "；未写入。加 --partial 可写出已找到的内容，缺少的各项列在文件开头，补齐后再用")


class Unfaithful(ReadError):
    """What was read does not make a valid report (a value the model cannot hold): each problem named."""
