"""The kit's exceptions: one base, specific subclasses, messages written for a statistician.

Every exception pickles (batches will carry them across process boundaries) and carries the
agency, year, section and cell it concerns where those are known.
"""

from __future__ import annotations

from dataclasses import dataclass


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
