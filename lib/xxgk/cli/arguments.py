"""argparse speaking Chinese: usage, help and every error it writes for the command line.

argparse's own texts are English and fixed in its code; the people who run the kit read Chinese.
The parser below titles its groups, its usage line and its ``-h`` in Chinese and translates the
errors argparse raises (a missing argument, an unknown option, a value of the wrong type).
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

from ..errors import printable

_TYPES = {"int": "整数", "float": "数字", "Path": "路径"}
# argparse's error messages (Python 3.11–3.13), as a statistician would read them
_ERRORS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"the following arguments are required: (.*)"), "缺少 {0}"),
    (re.compile(r"unrecognized arguments: (.*)"), "不认识的参数 {0}（用 --help 查看可用的参数）"),
    (re.compile(r"argument (.*?): invalid choice: '(.*?)' \(choose from (.*)\)"), "没有“{1}”，可用的有：{2}"),
    (re.compile(r"argument (.*?): invalid (?P<type>\w+) value: '(.*)'"), "{0} 的值“{2}”不对：应为{type}"),
    (re.compile(r"argument (.*?): expected one argument"), "{0} 后面应写一个值"),
    (re.compile(r"argument (.*?): expected at least one argument"), "{0} 后面应至少写一个值"),
    (re.compile(r"argument (.*?): not allowed with argument (.*)"), "{0} 不能与 {1} 同时使用"),
    (re.compile(r"argument (.*?): ignored explicit argument '(.*)'"), "{0} 不接受值“{1}”"),
    (re.compile(r"ambiguous option: (.*?) could match (.*)"), "{0} 不明确，可能是：{1}"),
]


def translate(message: str) -> str:
    """argparse's ``message`` in Chinese; one it has never written before stays as it is."""
    for pattern, chinese in _ERRORS:
        if match := pattern.fullmatch(message):
            groups = [group.replace("'", "") for group in match.groups()]
            kind = match.groupdict().get("type", "")
            return chinese.format(*groups, type=_TYPES.get(kind, kind))
    return message


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        # argparse asks with prefix "" for the name of a sub-command's program
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class ChineseParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose help and errors are Chinese; sub-commands inherit it."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, printable(f"{self.prog}：错误：{translate(message)}\n"))
