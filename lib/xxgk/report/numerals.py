"""Counts written in Chinese numerals, as reports write them: 五, 两, 十二, 二十一, 一百零三, 一万二千."""

from __future__ import annotations

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_GROUPS = {"万": 10_000, "亿": 100_000_000}


def chinese_number(text: str) -> int | None:
    """The whole number ``text`` writes in Chinese numerals; None when it is not one."""
    if not text or any(c not in _DIGITS and c not in _UNITS and c not in _GROUPS for c in text):
        return None
    if all(c in _DIGITS for c in text):  # 五, 二〇二五: digits only, read by position
        return int("".join(str(_DIGITS[c]) for c in text))
    total = group = 0
    digit: int | None = None
    for char in text:
        if char in _DIGITS:
            if digit:  # 一二百: two digits before a unit
                return None
            digit = _DIGITS[char]
        elif char in _UNITS:
            group += (1 if digit is None else digit) * _UNITS[char]  # 十二: a leading 十 is 一十
            digit = None
        else:
            if group == 0 and digit in (None, 0) and total == 0:
                return None
            total += (group + (digit or 0)) * _GROUPS[char]
            group, digit = 0, None
    return total + group + (digit or 0)

