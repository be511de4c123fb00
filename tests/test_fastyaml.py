"""The libyaml reader answers only where it gives exactly what the round-trip reader gives."""

from __future__ import annotations

import io
import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from conftest import EXAMPLE, ROOT
from xxgk.errors import ParamsError
from xxgk.limits import MAX_DEPTH, MAX_VALUES
from xxgk.report import fastyaml
from xxgk.report.params import Source, _yaml, parse_params
from xxgk.report.params import plain as _plain  # the kit's plain form of what either reader gives

sys.path.insert(0, str(ROOT / "bench"))
from synthetic import write_agencies  # noqa: E402


def full(text: str):
    """ruamel's reading, as ``params`` does it (its safe loader where the round-trip one cannot
    place a comment; both with the kit's constructor, which reads 1.50 as Decimal("1.50"))."""
    try:
        return _plain(_yaml("rt").load(text))
    except (NotImplementedError, AssertionError):
        return _plain(_yaml("safe").load(text))


def same(text: str) -> bool:
    """True when the fast reader answers with the reference's values and types; when it does
    not answer, the reference must be what reads the file (it may also refuse it)."""
    fast = fastyaml.load(text)
    if fast is None:
        return True
    return repr(_plain(fast)) == repr(full(text))


def agrees_or_falls_back(text: str) -> bool:
    """A file ruamel refuses gets no answer (only the full reader explains a problem); any
    other gets ruamel's values or none."""
    try:
        full(text)
    except Exception:
        return fastyaml.load(text) is None
    return same(text)


def test_the_example_and_synthetic_agencies_take_the_fast_path(tmp_path):
    files = [EXAMPLE, *write_agencies(tmp_path / "params" / "2025", 4, 11)]
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast = fastyaml.load(text)
        assert fast is not None, path
        assert repr(_plain(fast)) == repr(full(text)), path


TRICKY = ["12", "-3", "+3", "012", "0o17", "0x1F", "0b101", "1_000", "1.5", "1.50", "-0.25", ".5", "1.",
          "1e3", "1.5e3", ".inf", "-.inf", ".nan", "yes", "no", "on", "off", "y", "n", "true", "True",
          "TRUE", "tRuE", "false", "null", "Null", "~", "", "2026-01-15", "2026-1-5", "2026-02-30",
          "2026-01-15 10:00:00", "2026-01-15T10:00:00Z", "12:30", "1:20:30", "0901-3340090", "834600",
          "<<", "=", "额敏县", "第 711 号", "0.1 万元", "- x", "a: b", "#x", "'q'", "\"q\"", "1,2"]


@pytest.mark.parametrize("scalar", TRICKY)
def test_tricky_plain_scalars_agree_or_fall_back(scalar):
    for text in (f"key: {scalar}\n", f"key: [{scalar}]\n", f"{scalar}: 1\n", f"- {scalar}\n"):
        assert agrees_or_falls_back(text), text


@pytest.mark.parametrize("text", [
    "a: 1\na: 2\n",                      # duplicate key: ruamel reports it
    "a: !!str 12\n",                     # explicit tag
    "a: &x 1\nb: *x\n",                  # anchor and alias
    "%YAML 1.1\n---\na: yes\n",          # another YAML version
    "a: 1\n---\nb: 2\n",                 # two documents
    "a: [1, 2\n",                        # syntax error
    "<<: {a: 1}\n",                      # merge key
    "true: 1\n",                         # a key that is not a string
    "",                                  # empty file
    "key: \t\n",                         # a tab, white space to libyaml, an error to ruamel
    "a: |#\n  x\n",                      # a block header with an unspaced comment
    "a: |2\n    x\n",                    # an indentation indicator
    "a: |\n  \n     \n  x\n",              # lines of spaces inside a block scalar
    "- 1\n",                             # not a mapping
])
def test_what_it_does_not_vouch_for_goes_to_the_full_reader(text):
    assert fastyaml.load(text) is None


# every character libyaml and ruamel might read apart: the controls, NEL, the edges of what YAML
# prints, surrogates, LS and PS, the BOM, the non-characters, and characters beyond U+FFFF
CHARACTERS = [chr(c) for c in (*range(0x00, 0x21), *range(0x7e, 0xa2), 0xd7ff, 0xd800, 0xdfff, 0xe000, 0x2027,
                               0x2028, 0x2029, 0x202a, 0xfefe, 0xfeff, 0xff00, 0xfffd, 0xfffe, 0xffff, 0x10000,
                               0x1f600, 0x10ffff)]


@pytest.mark.parametrize("character", CHARACTERS, ids=lambda character: f"U+{ord(character):04X}")
def test_any_character_in_a_value_is_read_as_ruamel_reads_it_or_left_to_it(character):
    for text in (f"key: 'a{character}b'\n", f"key: a{character}b\n", f"key: |-\n  a{character}b\n",
                 f"a: 1{character}b: 2\n",  # a line break to YAML 1.1 only
                 f"a: 1\n{character}\n"):  # a BOM past the start
        assert agrees_or_falls_back(text), repr(text)


def test_beyond_the_kits_limits_it_gives_no_answer(tmp_path):
    """``params`` takes the fast reader's values as they are, so the limits on nesting and on
    values are the fast reader's too: beyond them it gives no answer, ruamel reads the file and
    ``params`` refuses it at its line (block nesting, which the count of brackets does not see)."""
    deep = "".join(f"{'  ' * level}k:\n" for level in range(MAX_DEPTH + 1)) + f"{'  ' * (MAX_DEPTH + 1)}k: 1\n"
    assert fastyaml.load("a:\n" + "- 0\n" * MAX_VALUES) is None
    assert fastyaml.load(deep) is None
    with pytest.raises(ParamsError, match=f"嵌套超过 {MAX_DEPTH} 层"):
        parse_params(Source(tmp_path / "emin.yaml", "emin", deep.encode()))


SCALAR_CHARACTERS = st.sampled_from(list("0123456789+-._:eExXoObB ~TtFfNnYy额") + ["inf", "nan", "null", "true"])


# derandomized: the same examples on every run, so CI does not fail by chance; the same tests ran
# with thousands of random examples while fastyaml was written
@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(SCALAR_CHARACTERS, min_size=1, max_size=8).map("".join))
def test_random_scalars_agree_or_fall_back(scalar):
    for text in (f"key: {scalar}\n", f"key: [{scalar}, 1]\n"):
        assert agrees_or_falls_back(text), text


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.recursive(
    st.one_of(st.integers(-10**6, 10**6), st.booleans(), st.none(), st.text(max_size=12),
              st.decimals(min_value=-10**4, max_value=10**4, places=2, allow_nan=False)),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.from_regex(r"[a-z_][a-z0-9_]{0,6}", fullmatch=True), children, max_size=3),
    max_leaves=12))
def test_documents_written_by_a_yaml_writer_agree(data):
    """Whatever a writer produces (quoted where needed, flow or block), both readers agree."""
    text = json.dumps({"root": data}, ensure_ascii=False, default=str)  # JSON is YAML 1.2
    assert same(text)
    buffer = io.StringIO()
    YAML(typ="safe", pure=True).dump({"root": json.loads(text)}, buffer)
    assert same(buffer.getvalue())


PIECES = st.sampled_from([*":-[]{}#\"'|>,? \n", "  ", "a", "0", "1.5", "true", "null", "2026-01-15", "额",
                          "\\n", "---", "...", "|-\n  ", ">\n  ", "\n- ", "\nb: ", "\n  c: ", " #c", "\n  x",
                          "\n    y", "\n\n", "   "])


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.sampled_from(["key: ", "a:\n  b: ", "t: |-\n  ", "s:\n  - ", "x: [", "n: >\n  "]),
       st.lists(PIECES, max_size=16).map("".join))
def test_random_mapping_documents_agree_or_fall_back(start, rest):
    assert agrees_or_falls_back(start + rest), start + rest
