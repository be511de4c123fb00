"""Matching a published label to the format's official one, tolerating how reports really print them.

Reports renumber (``1、`` for ``1.``), write full-width characters, break a label over lines
(``自然 人``), rename (规范性文件 for 行政规范性文件) and mistype (2.其他法律行政止公开). A label is
compared after ``normalise`` and, failing equality, by similarity: the best candidate wins when it
is similar enough and clearly ahead of the next one, so a typo is recognised but a guess between two
near labels is refused.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

SIMILAR = 0.72  # below this a label is not taken for an official one
# a table's head: few, short labels in a row holding no number, where one character renamed
# (合计 for 总计, 组织 for 机构) costs half the ratio, yet the best is still far ahead of the rest
HEAD_SIMILAR = 0.5
AHEAD = 0.06  # the best candidate must beat the second by this much
SAYS_SOMETHING = 4  # characters a label needs to be taken for a longer one it is part of

_NUMBERING = re.compile(r"^([0-9]+)\s*[、.．,，]\s*")
_SPACE = re.compile(r"\s+")
_PUNCTUATION = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "：": ":", "；": ";"})


def normalise(text: str) -> str:
    """The label with the differences that never matter removed: width (NFKC), white space,
    numbering punctuation (1、 → 1.), quotes, and a trailing colon or full stop."""
    text = unicodedata.normalize("NFKC", text).translate(_PUNCTUATION)
    text = _SPACE.sub("", text)
    text = _NUMBERING.sub(lambda m: f"{m.group(1)}.", text)
    return text.rstrip(":。.")


@dataclass(frozen=True)
class Match:
    key: str
    official: str
    exact: bool  # equal once normalised: not worth a finding


def best(text: str, candidates: dict[str, str], similar: float = SIMILAR) -> Match | None:
    """The candidate (key → official label) that ``text`` names, or None when none does clearly:
    none scores ``similar`` or the best is not clearly ahead of the next."""
    wanted = normalise(text)
    if not wanted:
        return None
    plain = {key: normalise(official) for key, official in candidates.items()}
    for key, official in plain.items():
        if official == wanted:
            return Match(key, candidates[key], True)
    scored = [(_similarity(wanted, official), key) for key, official in plain.items()]
    scored.sort(reverse=True)
    if not scored or scored[0][0] < similar:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < AHEAD:
        return None
    key = scored[0][1]
    return Match(key, candidates[key], False)


def _similarity(a: str, b: str) -> float:
    """difflib's ratio, except that a label contained whole in the other (规范性文件 in
    行政规范性文件) scores by the shorter's share of the longer, generously — when the shorter says
    something: one character ("六" a page number, "人") is inside many labels and names none."""
    short, long = sorted((a, b), key=len)
    if short in long and (len(short) >= SAYS_SOMETHING or 2 * len(short) >= len(long)):
        return max(0.8, len(short) / len(long))
    return SequenceMatcher(None, a, b, autojunk=False).ratio()
