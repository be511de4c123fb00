"""A fast reader for the common case of a parameter file: plain data, read with libyaml.

ruamel.yaml's round-trip loader, which the kit needs to point at the line of a problem, is pure
Python and takes about 18 ms for a report's parameters; every section notebook reads them again.
libyaml reads them in about 1 ms. The two must never disagree, so this reader answers only when
it can vouch for its values being exactly ruamel's (as plain Python types): plain scalars are
typed by ruamel's own YAML 1.2 resolver, and only in forms whose values cannot differ (``12``,
``-3``, ``709.48``, ``2026-01-15``, ``true``, ``null``). Anything else (tags, anchors, duplicate
keys, directives, ``0o17``, ``1_000``, ``.inf``, tabs, unusual block scalars, a syntax error) gives
``None``, and the caller reads the file with ruamel.yaml, which also explains any problem. A number with a
decimal point is a ``Decimal`` of its text, as the kit's ruamel constructor gives it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from typing import Any

import yaml
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver

from ..limits import MAX_DEPTH, MAX_VALUES

_RESOLVER = VersionedResolver()
_PLAIN = (True, False)  # ruamel's "implicit" flags of a plain scalar
# the forms of each YAML 1.2 type whose value is the same whichever reader converts them
_CANONICAL: dict[str, tuple[re.Pattern[str], Callable[[str], Any]]] = {
    "tag:yaml.org,2002:int": (re.compile(r"-?(?:0|[1-9][0-9]*)"), int),
    "tag:yaml.org,2002:float": (re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]+"), Decimal),  # as written, never a float
    "tag:yaml.org,2002:timestamp": (re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"), dt.date.fromisoformat),
    "tag:yaml.org,2002:bool": (re.compile(r"true|True|TRUE|false|False|FALSE"),
                               lambda text: text.lower() == "true"),
    "tag:yaml.org,2002:null": (re.compile(r"|~|null|Null|NULL"), lambda text: None),
}
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BLOCK_HEADER = re.compile(r"[|>][-+]?(?: +#.*| *)")
# characters on which YAML 1.1 (libyaml) and 1.2 (ruamel) part ways: tabs, which libyaml takes as
# white space where ruamel refuses them; NEL, LS and PS, line breaks in 1.1 only; control
# characters, surrogates, a BOM past the start and the non-characters U+FFFE and U+FFFF. All below
# U+10000, so that the class is a table lookup a character (written as the complement of what both
# take alike, it took four times as long over a report's text)
_ODD_CHARACTER = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")


class _Unsure(Exception):
    """The document uses something this reader does not vouch for."""


def load(text: str) -> dict | None:
    """The document's data as ruamel.yaml reads it, or ``None`` when only ruamel should read it."""
    if _ODD_CHARACTER.search(text):
        return None
    try:
        events = list(yaml.parse(text, Loader=yaml.CSafeLoader))
    except AttributeError:  # PyYAML built without libyaml: no speed to gain
        return None
    except yaml.YAMLError:
        return None  # ruamel explains the error
    try:
        return _document(events, text)
    except (_Unsure, ValueError):
        return None


def _document(events: list[Any], text: str) -> dict:  # of every kind, told apart by exact type
    """The data of one document's events, built in one loop over them (a recursive reader
    spent more time calling itself than libyaml spent parsing). Beyond the kit's limits on
    nesting and values, it gives no answer, so that ruamel's reading reports them."""
    if (len(events) < 5 or type(events[0]) is not yaml.StreamStartEvent
            or type(events[1]) is not yaml.DocumentStartEvent or events[1].version or events[1].tags
            or type(events[2]) is not yaml.MappingStartEvent  # a parameter file is a mapping
            or type(events[-2]) is not yaml.DocumentEndEvent or type(events[-1]) is not yaml.StreamEndEvent):
        raise _Unsure
    data: dict = {}
    outer: list[Any] = []  # the containers open around ``into``, innermost last
    into: Any = None  # the container the next value goes in: None before the root and after it
    key: str | None = None  # in a mapping, the key whose value comes next
    for count, event in enumerate(events[2:-2]):
        kind = type(event)
        if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            into, key = outer.pop(), None
            continue
        if type(into) is dict and key is None:
            key = _key(event)
            if key in into:
                raise _Unsure  # ruamel reports duplicate keys
            continue
        if kind not in _OPENING or event.anchor is not None or event.tag is not None:
            raise _Unsure  # an alias, an anchor or a tag
        if count >= MAX_VALUES or len(outer) >= MAX_DEPTH:
            raise _Unsure
        if kind is yaml.ScalarEvent:
            if event.style in ("|", ">"):
                _check_block(text, event)
            value = _scalar(event)
        else:
            value = {} if kind is yaml.MappingStartEvent else []
        if type(into) is dict:
            into[key], key = value, None
        elif type(into) is list:
            into.append(value)
        elif not outer and into is None and not count:
            data = value
        else:
            raise _Unsure  # anything after the root: a second document
        if kind is not yaml.ScalarEvent:
            outer.append(into)
            into = value
    if outer or into is not None:
        raise _Unsure
    return data


_OPENING = (yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)


def _scalar(event: yaml.ScalarEvent) -> Any:
    if event.style:  # quoted or block: always a string (libyaml gives a plain scalar the style "")
        return event.value
    return _plain(event.value)


@lru_cache(maxsize=4096)
def _plain(value: str) -> Any:
    """The value ruamel gives a plain scalar, typed by its YAML 1.2 resolver: a function of its
    text alone (an immutable value), and the same few texts (0, 1, 12, true) make up most of a
    file, so each is read once a process."""
    tag = str(_RESOLVER.resolve(ScalarNode, value, _PLAIN))
    if tag == "tag:yaml.org,2002:str":
        return value
    if tag in _CANONICAL:
        pattern, convert = _CANONICAL[tag]
        if pattern.fullmatch(value):
            return convert(value)
    raise _Unsure


def _check_block(text: str, event: yaml.ScalarEvent) -> None:
    """A block scalar (``|-`` and the like, as narratives are written) in the plain form both
    readers take alike: a header with no indentation indicator and a spaced comment if any, and
    no line of spaces alone inside (YAML 1.2 and 1.1 count their indentation differently)."""
    assert event.start_mark and event.end_mark  # libyaml marks every event it parses
    header, _, body = text[event.start_mark.index:event.end_mark.index].partition("\n")
    if not _BLOCK_HEADER.fullmatch(header):
        raise _Unsure
    if any(line.strip(" ") == "" and line != "" for line in body.split("\n")):
        raise _Unsure


def _key(event: yaml.Event) -> str:
    """A mapping key: a quoted string, or a plain one that ruamel also reads as a string."""
    if not isinstance(event, yaml.ScalarEvent) or event.anchor is not None or event.tag is not None:
        raise _Unsure
    if not event.style and not (_KEY.fullmatch(event.value) and _scalar(event) == event.value):
        raise _Unsure
    return event.value
