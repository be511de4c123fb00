"""What Chinese keyboards put into parameter files, and the hint that fixes each slip.

An input method left in Chinese mode types a full-width colon, comma or digits; numbers copied from
a report carry 件 or a thousands comma; an editor indents with a Tab. YAML's own messages for these
are English and often point at the next line. Syntax slips are looked for only when YAML has failed
(a full-width colon inside text is fine); number slips explain a value that did not validate.
"""

from __future__ import annotations

import re
import unicodedata

from .numerals import chinese_number

_KEY = r"(?:-\s+)?([A-Za-z_][A-Za-z0-9_]*)"  # checked against the model's keys: not a word of text
_SYNTAX: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^ *\t"), "用了 Tab 键缩进；YAML 只能用空格缩进，请把行首的 Tab 换成空格"),
    (re.compile(r"^ *\u3000"), "行首有全角空格；YAML 只能用半角空格缩进，请切换到英文输入法重新输入"),
    (re.compile(rf"^\s*{_KEY}\s*："),
     "键 {0} 后面是全角冒号“：”，应为半角冒号加一个空格，如“{0}: ”（请切换到英文输入法）"),
    (re.compile(rf"^\s*{_KEY}:(?=[^\s:/])"), "键 {0} 的冒号后面缺少空格，应写成“{0}: 值”"),
]

# ruamel's messages for syntax errors, as the statistician would say them
_YAML_PROBLEMS = {
    "could not find expected ':'": "找不到键后面的冒号“:”",
    "mapping values are not allowed here": "此处不能有“键: 值”（文字中的“: ”要整体加引号）",
    "found character '\\t' that cannot start any token": "有 Tab 字符；YAML 只能用空格缩进",
    "found unexpected end of stream": "文件在引号或括号内就结束了",
    "expected ',' or ']', but got": "方括号内的数字之间应以半角逗号分隔",
    "did not find expected key": "缩进不对齐，或一行里写了两个键",
    "found undefined alias": "用了未定义的别名（*…）",
    "found unknown escape character": "双引号内有无效的转义（\\…）；文字请改用单引号或不加引号",
}


def syntax_slips(text: str, keys: frozenset[str]) -> list[tuple[int, str]]:
    """(line, hint) for each line of ``text`` that holds a keyboard slip breaking YAML syntax;
    a slip after a key only when it is one of the parameter file's ``keys``."""
    found = []
    for number, line in enumerate(text.split("\n"), 1):
        for pattern, hint in _SYNTAX:
            match = pattern.search(line)
            if match and all(key in keys for key in match.groups()):
                found.append((number, hint.format(*match.groups())))
                break
    return found


def yaml_problem(problem: str) -> str:
    """ruamel's description of a syntax error in Chinese, or as it is when it is not a known one."""
    return next((chinese for english, chinese in _YAML_PROBLEMS.items() if problem.startswith(english)), problem)


_UNIT = re.compile(r"(\d+(?:\.\d+)?)\s*(件|条|个|次|项|份|篇|人次|万元|元)")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_FULL_WIDTH_LIST = re.compile(r"\d\s*[，、]\s*\d")


def number_hint(value: str) -> str | None:
    """The slip that made ``value`` text where a number was expected, and the number meant."""
    text = value.strip()
    if _FULL_WIDTH_LIST.search(text):
        return "数字之间用了全角逗号“，”或顿号“、”，应为半角逗号“,”，如 [0, 0, 0]（请切换到英文输入法）"
    half = unicodedata.normalize("NFKC", text)
    if half != text and _NUMBER.fullmatch(half):
        return f"用了全角数字“{text}”，应写作半角的 {half}（请切换到英文输入法）"
    if _THOUSANDS.fullmatch(half):
        return f"不要用逗号分隔千位，应写作 {half.replace(',', '')}"
    if unit := _UNIT.fullmatch(half):
        return f"只写数字，不写单位“{unit.group(2)}”，应写作 {unit.group(1)}"
    if _NUMBER.fullmatch(half):
        return f"数字加了引号就成了文字，请去掉引号，写作 {half}"
    if (number := chinese_number(text)) is not None:
        return f"应写阿拉伯数字，“{text}”写作 {number}"
    return None
