"""Generated untrusted inputs, held to what the README promises of each: parameter files (random
YAML documents and mutations of the example), ``--set`` values and whatever could reach a
notebook's parameters, and the manifest ``xxgk verify`` rebuilds from. Whatever the input, the
command answers in Chinese, naming the file (and the line) where that means something, exits
0, 1 or 2, never with a traceback or an internal error, prints no character a terminal would act
on, and writes nothing when it refuses.

The commands run in this process through ``xxgk.cli.main``: a subprocess per example would cost
a second each. Derandomized, so CI sees the same examples on every run (test_fastyaml's reasons);
each example works in a temporary folder of its own, since pytest's function-scoped fixtures are
not reset between the examples of one test.
"""

from __future__ import annotations

import ast
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import EXAMPLE
from xxgk.cli import main
from xxgk.errors import UsageError
from xxgk.report.sections import SECTIONS, get_section
from xxgk.run.execute import ReadablePythonTranslator, check_options, option_value

EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")
EXAMPLE_LINES = EXAMPLE_TEXT.split("\n")


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


# --- running the command and judging what it printed ---------------------------------------------

@dataclass(frozen=True)
class Answer:
    code: int
    out: str
    err: str  # with the Python warnings the run gave, as a terminal would show them below its output
    warned: tuple[str, ...]

    @property
    def output(self) -> str:
        return self.out + self.err


# the warnings a command line run does not show (Python's default filters)
HIDDEN = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)


def xxgk(capsys: pytest.CaptureFixture[str], *args: str | Path) -> Answer:
    """``xxgk ARGS`` in this process: its exit code, what it printed and the warnings it gave."""
    capsys.readouterr()  # what an earlier example printed
    handler = signal.getsignal(signal.SIGTERM)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            code = main([str(arg) for arg in args])
        except SystemExit as stopped:  # argparse's own refusals
            code = stopped.code if isinstance(stopped.code, int) else 2
        finally:
            signal.signal(signal.SIGTERM, handler)  # main installs its own, for a build to stop cleanly
    out, err = capsys.readouterr()
    shown = tuple(warnings.formatwarning(w.message, w.category, w.filename, w.lineno)
                  for w in caught if not issubclass(w.category, HIDDEN))
    return Answer(code, out, err + "".join(shown), shown)


CJK = re.compile(r"[\u4e00-\u9fff]")
# what ``say`` promises a terminal never sees: C0 and C1 controls but tab and newline (ESC, NUL
# and the one-character CSI U+009B among them), line and paragraph separators, bidi overrides and
# lone surrogates
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


# the operating system's and the codecs' own English, which a message must have put in Chinese
UNTRANSLATED = [os.strerror(code) for code in sorted(errno.errorcode)] + ["codec can't"]


def assert_no_crash(answer: Answer) -> None:
    """No traceback, no internal error, no Python warning on the terminal (English, and the
    file's text unescaped), no untranslated error text, an exit code the README lists, no
    character a terminal acts on."""
    assert "Traceback" not in answer.output and "内部错误" not in answer.output, answer.output
    assert not answer.warned, answer.output
    assert not [text for text in UNTRANSLATED if text in answer.output], answer.output
    assert answer.code in (0, 1, 2), (answer.code, answer.output)
    assert not RAW.search(answer.output), ascii(answer.output)


# problems of the file as a whole, where no line is to blame
WHOLE_FILE = ("嵌套层数过多", "YAML 内容无法读取", "超过 1024 KB")


def assert_answered(answer: Answer, path: Path) -> None:
    """No crash; a refusal is in Chinese, names the file, and puts every problem at its line
    unless the problem is the whole file's."""
    assert_no_crash(answer)
    if answer.code != 2:
        return
    err = answer.err
    assert str(path) in err and CJK.search(err), err
    problems = [line.strip() for line in err.splitlines() if line.startswith(f"  {path}")]
    assert problems, err
    for problem in problems:
        assert re.match(rf"{re.escape(str(path))}:\d+: ", problem) or any(w in problem for w in WHOLE_FILE), err


def tree(root: Path) -> dict[str, str]:
    """Every folder, file and link under ``root`` with what it holds: a write anywhere shows."""
    found = {}
    for folder, folders, files in os.walk(root):
        for name in folders + files:
            path = Path(folder) / name
            key = str(path.relative_to(root))
            if path.is_symlink():
                found[key] = "link to " + os.readlink(path)
            elif path.is_dir():
                found[key] = "folder"
            else:
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def params_file(root: Path, data: bytes) -> Path:
    """``data`` as ``params/2025/emin.yaml`` under ``root``: a valid agency name in the usual
    layout, so that the contents are what gets judged."""
    path = root / "params" / "2025" / "emin.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def encoded(text: str) -> bytes:
    # a lone surrogate becomes bytes that are not UTF-8, as an editor's damage would
    return text.encode("utf-8", "surrogatepass")


# --- scalars: the odd values YAML can spell ------------------------------------------------------

NUMBERS = ["1" + "0" * 30, "-0", "-0.0", "1e400", "-1e400", "1e30", ".inf", "-.inf", ".nan", ".NaN", "0o17",
           "017", "1_000", "0x1F", "0b101", "+12", "12.", ".5", "-3", "999999999", "1000000000", "709.485",
           "0.0000001", "1" * 5000]
DATES = ["2026-01-15", "2026-02-30", "2026-13-01", "2026-00-10", "0000-01-01", "9999-12-31", "2026-1-5",
         "2026-01-15 25:00:00", "2026-01-15T24:61:00Z", "2026-01-15T10:00:00+25:00", "2026-01-15 10:00:00.5",
         "2026-02-29", "2024-02-29"]
TAGGED = ["!!binary aGk=", "!!binary", "!!set {a, b}", "!!python/name:os.system x",
          "!!python/object/apply:os.system ['true']", "!foo bar", "!foo", "!!str 12", "!!str", "!!int 12",
          "!!int x", "!!float 1.5", "!!float .nan", "!!timestamp 2026-01-15", "!!timestamp 2026-02-30",
          "!!null x", "!!bool yes", "!<tag:yaml.org,2002:str> x", "!!omap [a: 1]", "!!map {a: 1}", "!!seq [1]"]
QUOTED = ['"\\x00"', '"a\\eb"', '"\\v"', '"\\N"', '"\\L"', '"\\P"', '"\\_"', '"\\ue000"', '"\\ud800"',
          '"\\udfff"', '"\\x9b2J"', '"\\u202e"', '"\\U0010FFFF"', '"\\uFFFF"', '"\\uFEFF"', "'single ''quote'''",
          '"unterminated', "'", '""', "''", '"   "', '"\\q"']
RAW_CHARACTERS = ["a\x1b[31mb", "a\x00b", "a\x0bb", "a\x85b", "a\u2028b", "a\u2029b", "a\ue000b", "a\x9bb",
                  "a\ufeffb", "a\u202eb", "a\x7fb", "a\tb", "a\rb", "\ufffe", "a\x0cb"]
OTHER = ["", "~", "null", "true", "yes", "no", "on", "[]", "{}", "[1, 2", "{a: 1}", "&a 5", "*a", "*undefined",
         "&a [1, 2]", "<<", "- x", "? x", "a: b", "#c", "|", ">", "额敏县", "第 711 号", "government", "department",
         "[0, 0, 0, 0, 0, 0, 0]", "[0, 0, 0, 0, 0]", "[-1, 0, 0, 0, 0, 0, 0]", "[1, 1, 1, 1, 1, 1, 6]",
         "[0, 0, 0, 0, 0, 0, 0, 0]", "\"834600\"", "834600", "83460", "2021", "\"2021\""]
# block scalars: their lines go below the key, indented (``indent`` puts them there)
BLOCKS = ["|-\nline one\n\nline two", ">\nfolded\ntext", "|+\nkept\n", "|2\n  indented", "|-\n\x1b[2Jcleared",
          "|-\n本年新收申请 5 件，予以公开 3 件，占 60%。", "|-\n\u2028", "|-\n  \n   \nx", "|#\nx"]
SCALARS = st.one_of(
    st.sampled_from(NUMBERS + DATES + TAGGED + QUOTED + RAW_CHARACTERS + OTHER + BLOCKS),
    st.integers(-10**12, 10**12).map(str),
    st.decimals(-10**10, 10**10, places=3, allow_nan=False).map(str),
    st.text(max_size=12),
)


def indent(scalar: str, spaces: str) -> str:
    """``scalar`` with its continuation lines indented below a key at ``spaces``."""
    return scalar.replace("\n", "\n" + spaces + "  ")


# --- 1a. random YAML documents -------------------------------------------------------------------

KEYS = st.one_of(
    st.sampled_from(["format", "year", "agency", "name", "subject", "kind", "published", "contact", "table2",
                     "table3", "table4", "r3_2", "fees", "part1", "subsections", "title", "text", "label_variants",
                     "<<", "? x", "\"quoted key\"", "'k'", "[a]", "{a: 1}", "!!str year", "&k year", "*k", "1",
                     "true", "null", "2026-01-15", "\"\\x1b\"", "额敏"]),
    st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True),
)


@st.composite
def nodes(draw: st.DrawFn, spaces: str, depth: int) -> str:
    """A value written after ``key:`` or ``- `` at ``spaces``: a scalar, a block mapping or
    sequence on the next lines, or a flow collection, possibly anchored."""
    kind = draw(st.sampled_from(["scalar", "scalar", "map", "seq", "flow"] if depth else ["scalar"]))
    anchor = draw(st.sampled_from(["", "", "", "&a ", "&b ", "!!map ", "!foo "]))
    if kind == "scalar":
        return " " + indent(draw(SCALARS), spaces)
    if kind == "flow":
        items = draw(st.lists(SCALARS.filter(lambda s: "\n" not in s), max_size=4))
        return f" {anchor}[{', '.join(items)}]"
    inner = spaces + draw(st.sampled_from(["  ", "  ", "    ", " ", "\t"]))
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        lead = f"{draw(KEYS)}:" if kind == "map" else "-"
        lines.append(inner + lead + draw(nodes(inner, depth - 1)))
    return f" {anchor}".rstrip() + "\n" + "\n".join(lines)


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines = [f"{draw(KEYS)}:{draw(nodes('', draw(st.integers(0, 4))))}" for _ in range(draw(st.integers(1, 6)))]
    aliases = draw(st.lists(st.sampled_from(["x: *a", "y: *b", "<<: *a", "z: [*a, *b]"]), max_size=2))
    header = draw(st.sampled_from(["", "", "%YAML 1.1\n---\n", "---\n", "--- !foo\n", "\ufeff", "- list first\n"]))
    return header + "\n".join(lines + aliases) + draw(st.sampled_from(["\n", "", "\n...\n", "\n---\nb: 2\n"]))


@st.composite
def alias_bombs(draw: st.DrawFn) -> str:
    """Each level anchors ``width`` aliases of the one before, as a list (width**depth values once
    expanded) or as merge keys (``<<``, which the YAML reader itself flattens)."""
    width, depth = draw(st.integers(2, 10)), draw(st.integers(2, 6))
    if draw(st.booleans()):
        lines = [f"l0: &l0 [{', '.join(['x'] * width)}]"]
        lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]" for i in range(1, depth + 1)]
    else:
        lines = [f"l0: &l0 {{{', '.join(f'k{i}: 1' for i in range(width))}}}"]
        lines += [f"l{i}: &l{i}\n  <<: [{', '.join([f'*l{i - 1}'] * width)}]\n  m{i}: 1" for i in range(1, depth + 1)]
    return "\n".join(lines) + "\n"


@st.composite
def deep_nesting(draw: st.DrawFn) -> str:
    # past 32 levels (refused by the kit's bound) and past 400 (the YAML reader's own recursion);
    # no deeper, as each flow level costs time (test_bug_deep_flow_nesting_costs_seconds)
    levels = draw(st.integers(20, 500))
    if draw(st.booleans()):
        return "a: " + "[" * levels + "]" * levels + "\n"
    return "".join(" " * i + f"k{i}:\n" for i in range(min(levels, 400))) + " " * 400 + "x: 1\n"


# files with nothing of a report in them, and one past the size bound
EMPTY_OR_HUGE = st.sampled_from(["", "\ufeff", "# 只有注释\n", "~\n", "[]\n", "- a\n", "x\n", "---\n...\n", "\n\n\n",
                                 EXAMPLE_TEXT + "# " + "x" * (1 << 20) + "\n"])


@fuzz(300)
@given(st.one_of(documents(), documents(), documents(), alias_bombs(), deep_nesting(), EMPTY_OR_HUGE))
def test_any_yaml_document_is_answered_in_chinese(capsys, text):
    """Random YAML (nested mappings and sequences, block and flow, tags, anchors and aliases, alias
    and merge-key bombs, deep nesting, control characters, odd numbers and impossible dates,
    empty and oversized files): ``xxgk check`` exits 0, 1 or 2 without a traceback, a Python
    warning or raw control characters, and refuses in Chinese at the file and line."""
    with tempfile.TemporaryDirectory() as root:
        path = params_file(Path(root), encoded(text))
        assert_answered(xxgk(capsys, "check", path), path)


# --- 1b. mutations of the example ----------------------------------------------------------------

VALUE_LINE = re.compile(r"^(?P<lead>\s*(?:- )?[\w]+:)(?P<gap>[ ]+)(?P<value>\S.*)$")
FLOW_ITEM = re.compile(r"(?<=[\[,])\s*[^,\]]+")
NARRATIVE_LINES = [i for i, line in enumerate(EXAMPLE_LINES) if line.startswith("  ") and CJK.search(line)
                   and ":" not in line]
VALUE_LINES = [i for i, line in enumerate(EXAMPLE_LINES) if VALUE_LINE.match(line)]
FLOW_LINES = [i for i, line in enumerate(EXAMPLE_LINES) if "[" in line and not line.lstrip().startswith("#")]
CHARACTERS = st.one_of(
    st.sampled_from(list("\x00\x1b\x0b\x85\u2028\u2029\ue000\ud800\udfff\t\r\ufeff\x9b\u202e:#'\"[]{}&*!|>-, \n0")),
    st.integers(0, 0x10FFFF).map(chr),  # any code point, lone surrogates included
)
# sentences the narrative checks read (件数 against table 三 and 四, shares, carry-over)
SENTENCES = st.builds(
    lambda template, count: template.format(n=count),
    st.sampled_from(["本年新收政府信息公开申请 {n} 件。", "共办结 {n} 件，予以公开 {n} 件，占 {n}%。",
                     "结转下年度 {n} 件。", "上年结转 {n} 件。", "被申请行政复议 {n} 件，行政诉讼 {n} 起。",
                     "未收到政府信息公开申请。", "未产生行政复议。", "收费 {n}.5 万元。", "部分公开 {n} 件，"]),
    st.one_of(st.integers(0, 30), st.sampled_from([10**30, -1, "一", "1e3", "\u202e5"])))
COUNTS = st.one_of(st.integers(0, 20).map(str), st.integers(0, 10**9).map(str), SCALARS)
INSERTED = st.one_of(
    st.builds(lambda key, value: f"{key}: {value}", KEYS, SCALARS.filter(lambda s: "\n" not in s)),
    st.builds(lambda value: f"- {value}", SCALARS.filter(lambda s: "\n" not in s)),
    st.sampled_from(["---", "...", "%YAML 1.1", "<<: *a", "&a x: 1", "? x", "# 注释", "x:", "- ", "\t- 1",
                     "kindd: department", "year: 2024", "fax:", "r3_9: [0, 0, 0, 0, 0, 0, 0]", "[", "}", "'", '"']),
    st.text(max_size=20),
)


@st.composite
def mutations(draw: st.DrawFn) -> str:
    """The example with one to three edits: a value replaced by an odd scalar, a count in a table
    row replaced, a sentence with numbers added to the narrative, a line inserted or deleted, a
    character replaced."""
    lines = list(EXAMPLE_LINES)
    for _ in range(draw(st.integers(1, 3))):
        edit = draw(st.sampled_from(["value", "value", "item", "item", "sentence", "insert", "delete", "character"]))
        if edit == "value":
            number = draw(st.sampled_from([i for i in VALUE_LINES if i < len(lines)] or [0]))
            match = VALUE_LINE.match(lines[number])
            if match:
                spaces = re.match(r"\s*", lines[number]).group()
                lines[number] = match["lead"] + match["gap"] + indent(draw(SCALARS), spaces)
        elif edit == "item":
            number = draw(st.sampled_from([i for i in FLOW_LINES if i < len(lines)] or [0]))
            items = list(FLOW_ITEM.finditer(lines[number]))
            if items:
                item = items[draw(st.integers(0, len(items) - 1))]
                new = " " + draw(COUNTS.filter(lambda s: "\n" not in s))
                lines[number] = lines[number][:item.start()] + new + lines[number][item.end():]
        elif edit == "sentence":
            number = draw(st.sampled_from([i for i in NARRATIVE_LINES if i < len(lines)] or [0]))
            lines[number] += draw(SENTENCES)
        elif edit == "insert":
            spaces = draw(st.sampled_from(["", "  ", "    ", "      ", " "]))
            lines.insert(draw(st.integers(0, len(lines))), spaces + draw(INSERTED))
        elif edit == "delete" and len(lines) > 1:
            del lines[draw(st.integers(0, len(lines) - 1))]
        else:
            text = "\n".join(lines)
            at = draw(st.integers(0, len(text) - 1))
            lines = (text[:at] + draw(CHARACTERS) + text[at + 1:]).split("\n")
    return "\n".join(lines)


@fuzz(600)
@given(mutations())
def test_a_damaged_example_is_answered_in_chinese_at_its_line(capsys, text):
    """The example with values replaced by odd scalars (tags, control characters, huge numbers,
    impossible dates, aliases), table cells replaced, sentences with numbers added, lines
    inserted or deleted, characters replaced: these get past the YAML reader into validation and
    the checks. ``xxgk check`` exits 0, 1 or 2 without a traceback, a Python warning or raw
    control characters; a refusal is in Chinese and names the file and, for each problem inside
    it, the line."""
    with tempfile.TemporaryDirectory() as root:
        path = params_file(Path(root), encoded(text))
        assert_answered(xxgk(capsys, "check", path), path)


@fuzz(150)
@given(st.one_of(mutations(), documents()))
def test_check_json_is_json_whatever_the_file(capsys, text):
    """``xxgk check --json`` of a damaged example or random YAML prints one JSON object keyed by
    the file, with its findings or why it is unusable (in Chinese), and the exit code of the
    text form; escaping control characters for the terminal never breaks the JSON."""
    with tempfile.TemporaryDirectory() as root:
        path = params_file(Path(root), encoded(text))
        answer = xxgk(capsys, "check", "--json", path)
        assert_no_crash(answer)
        result = json.loads(answer.out)[str(path)]
        assert answer.code in ({2} if "unusable" in result else {0, 1}), answer.output
        assert "unusable" not in result or CJK.search(result["unusable"]), answer.output


# --- 2. a refused file builds nothing ------------------------------------------------------------

@fuzz(25)
@given(mutations())
def test_a_refused_file_builds_nothing_anywhere(capsys, text):
    """A damaged example that ``xxgk check`` refuses (exit 2) is refused by ``xxgk build`` too,
    with exit 2 and no traceback, and the build leaves the folder holding the parameter file and
    the outputs folder exactly as it was: no outputs, no lock file, no staging folder."""
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        path = params_file(root, encoded(text))
        assume(xxgk(capsys, "check", path).code == 2)  # a valid file would take seconds to build
        outputs = root / "outputs"
        (outputs / "2025" / "emin").mkdir(parents=True)
        (outputs / "2025" / "emin" / "report.html").write_text("<p>上次的报告</p>", encoding="utf-8")
        before = tree(root)
        answer = xxgk(capsys, "build", path, "--outputs", outputs, "--to", "html")
        assert_answered(answer, path)
        assert answer.code == 2, answer.output
        assert tree(root) == before


# --- 3. --set values and notebook parameters -----------------------------------------------------

SET_VALUES = st.one_of(
    st.text(),
    st.sampled_from(["!!binary aGk=", "!!set {a}", "!!python/object/apply:os.system ['touch X']",
                     "!!python/name:os.system", "'", '"', "\"; import os; os.system('x'); \"", "\n", "\\", "{a: 1}",
                     "[1]", "1", "true", "null", "~", "", " heading ", "heading\nimport os", "\u2028", "\x00",
                     "'''", '"""', "\\x27", "额敏"]),
)


@fuzz(200)
@given(SET_VALUES)
def test_a_set_value_is_text_and_stays_text(raw):
    """``--set overview.subsection_style=VALUE`` (a text option with a set of values): whatever
    VALUE is, tags and quotes included, it is read as exactly that text, never as YAML; one of the
    section's values passes, any other is refused; and text is written into a notebook as a
    literal of exactly that text."""
    section = get_section("overview")
    if raw in section.allowed("subsection_style"):
        value = option_value(section, "subsection_style", raw)
        assert type(value) is str and value == raw
        check_options(section, {"subsection_style": value})
    else:  # refused as text, before any notebook; never read as anything else
        with pytest.raises(UsageError, match="应为以下之一"):
            option_value(section, "subsection_style", raw)
    assert_literal(raw)  # and any text that does reach a notebook is written as exactly that text


class Sneaky(str):
    """Text that writes itself as code."""

    def __repr__(self) -> str:
        return "__import__('os').system('touch pwned')"

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __str__(self) -> str:
        return repr(self)


class Count(int):
    def __repr__(self) -> str:
        return "__import__('os').getpid()"

    __str__ = __repr__


class Amount(float):
    def __repr__(self) -> str:
        return "exit()"

    __str__ = __repr__


@dataclass(frozen=True)
class Disguised:
    """An instance of ``kind`` made from ``value`` only inside the test (``realised``): hypothesis
    replays a failing example from the plain values it drew, and trips over a subclass of str."""

    kind: type
    value: Any


def realised(value: Any) -> Any:
    if isinstance(value, Disguised):
        return value.kind(value.value)
    if isinstance(value, (list, tuple)):
        return type(value)(realised(item) for item in value)
    if isinstance(value, dict):
        return {key: realised(item) for key, item in value.items()}
    return value


SIMPLE_VALUES = st.one_of(
    st.text(), st.integers(), st.booleans(), st.none(), st.floats(), st.binary(), st.decimals(), st.fractions(),
    st.complex_numbers(), st.dates(), st.sampled_from([Ellipsis, print, os.system, str]),
    st.text().map(lambda text: Disguised(Sneaky, text)), st.integers().map(lambda n: Disguised(Count, n)),
    st.floats().map(lambda x: Disguised(Amount, x)),
)
# mostly single values (a collection is refused at once), and collections of any of them
VALUES = st.one_of(SIMPLE_VALUES, SIMPLE_VALUES, SIMPLE_VALUES, st.recursive(
    SIMPLE_VALUES,
    lambda children: st.one_of(st.lists(children, max_size=3), st.sets(st.integers(), max_size=3),
                               st.frozensets(st.text(max_size=3), max_size=3), st.tuples(children),
                               st.dictionaries(st.text(max_size=3), children, max_size=3)),
    max_leaves=6,
))


def assert_literal(value: Any) -> None:
    """The parameters cell papermill writes for ``value``: one assignment of a literal that is
    ``value`` itself, of exactly its type."""
    cell = ReadablePythonTranslator.codify({"option": value})
    statements = ast.parse(cell).body
    assert len(statements) == 1 and isinstance(statements[0], ast.Assign), cell
    written = ast.literal_eval(statements[0].value)
    assert type(written) is type(value), cell
    assert written == value and repr(written) == repr(value), cell  # repr tells -0.0 from 0.0


@fuzz(500)
@given(VALUES)
def test_no_value_becomes_code_in_a_notebook(value):
    """Any Python value offered as a notebook parameter (text, numbers, inf and nan, None, bytes,
    sets, lists, dicts, subclasses of str, int and float that write themselves as code) is
    either refused with a UsageError or written as a literal that reads back as exactly that
    value, of exactly its type: no value ever becomes code."""
    value = realised(value)
    try:
        ReadablePythonTranslator.translate(value)
    except UsageError:
        return
    assert_literal(value)


@fuzz(200)
@given(VALUES.filter(lambda value: type(value) is not str))
def test_an_option_of_another_type_than_its_default_is_refused(value):
    """``check_options`` (what a build and ``xxgk verify``'s manifest go through) refuses any value
    of ``overview.subsection_style`` that is not exactly a str, subclasses included."""
    with pytest.raises(UsageError):
        check_options(get_section("overview"), {"subsection_style": realised(value)})


# --- 4. manifests for xxgk verify ----------------------------------------------------------------

# the names of the system's temporary folder that others make while this runs: pytest, other
# builds' scratch and template-process folders, tempfile's own names, the tools of this machine
OTHERS = re.compile(r"(xxgk-verify-|xxgk-zygote-|xxgk-test-|pytest-of-|tmp|bash_)")


def shared_temp() -> set[str]:
    return {name for name in os.listdir(tempfile.gettempdir()) if not OTHERS.match(name)}


@contextmanager
def own_temp(folder: Path) -> Iterator[None]:
    """``tempfile`` makes its folders in ``folder``: where verify's scratch folder goes, and
    where a manifest's ``../`` from it would lead, inside what the test snapshots."""
    saved = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = saved


JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.text(),
              st.sampled_from(["params.yaml", "previous.yaml", "emin.yaml", "../x.yaml", "html", "exe"])),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(["inputs", "outputs", "settings", "versions", "file", "from",
                                                   "sha256", "formats", "options", "allow_errors", "archival",
                                                   "overview", "subsection_style"]), st.text(max_size=8)),
                        children, max_size=5)),
    max_leaves=20,
)
# ROOT stands for the example's own temporary folder: a name that leads there would be written
# where the test looks (a folder that exists, unlike /tmp/evil)
ROOT = "{root}"
TRAVERSALS = ["../../x.yaml", "/tmp/evil/authorized_keys", f"{ROOT}/planted.yaml", f"{ROOT}/tmp/planted.yaml",
              "..", ".", "", "a/b.yaml", "\x00", "\\x00", "a\x00.yaml", "a\\b.yaml", ".hidden.yaml", "x" * 256,
              "x" * 300 + ".yaml", "evil name.yaml", "_x.yaml", "a.b.yaml", "..yaml", "emin.failed.yaml", None, 1, [],
              {}, ["emin.yaml"]]
FILES = ["manifest.json", "../params.yaml", "/etc/passwd", "report.html", "", None, 1, [], {}, ["params.yaml"],
         {"params.yaml": 1}]
OPTIONS = [[], "x", None, {"overview": []}, {"overview": "run_in"}, {"overview": {"subsection_style": 1}},
           {"overview": {"subsection_style": None}}, {"overview": {"subsection_style": ["heading"]}},
           {"overview": {"subsection_style": {"a": 1}}}, {"overview": {"subsection_style": 1e308}},
           {"overview": {"subsection_style": True}}, {"overview": {"nope": "x"}}, {"nosuch": {}}, {"../x": {}},
           {"overview": {"subsection_style": "heading", "__import__('os')": 1}}, {"": {}}]
SECTION_KEYS = {section.key for section in SECTIONS}


def builds(options: Any) -> bool:
    """True for options a build would accept (they would make verify rebuild, for seconds)."""
    return isinstance(options, dict) and all(
        key in SECTION_KEYS and isinstance(values, dict)
        and all(name == "subsection_style" and type(v) is str for name, v in values.items())
        for key, values in options.items())


def _set(path: tuple, value: Any) -> Any:
    def edit(manifest: dict) -> None:
        where = manifest
        for step in path[:-1]:
            where = where[step]
        where[path[-1]] = value
    return edit


def _add_input(item: dict) -> Any:
    return lambda manifest: manifest["inputs"].append(item)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


def _forged_fields() -> dict[str, Any]:
    """Every one-field change of the real manifest that ``xxgk verify`` must refuse before it
    rebuilds anything, by a name for the test's id."""
    edits: dict[str, Any] = {}
    for name in TRAVERSALS:
        edits[f"inputs[0].from={_shown(name)}"] = _set(("inputs", 0, "from"), name)
        # a previous.yaml the folder does not have, recorded as coming from ``name``
        edits[f"previous from={_shown(name)}"] = _add_input({"file": "previous.yaml", "from": name, "sha256": "0"})
    for name in FILES:
        edits[f"inputs[0].file={_shown(name)}"] = _set(("inputs", 0, "file"), name)
        edits[f"another input file={_shown(name)}"] = _add_input({"file": name, "from": "x.yaml", "sha256": "0"})
    for value in ([], {}, "params.yaml", [1], [None], [{}]):
        edits[f"inputs={_shown(value)}"] = _set(("inputs",), value)
    edits["params.yaml twice"] = lambda manifest: manifest["inputs"].append(dict(manifest["inputs"][0]))
    for value in (None, 1, [], {"a": "b"}):
        edits[f"inputs[0].sha256={_shown(value)}"] = _set(("inputs", 0, "sha256"), value)
    for name in ("../x", "/etc/passwd", "", ".xxgk-seal", "a/b", "\x00", "..", ".", "x" * 256):
        edits[f"outputs[{_shown(name)}]"] = _set(("outputs", name), "0")
    edits["outputs[report.html]=1"] = _set(("outputs", "report.html"), 1)
    edits["outputs=[]"] = _set(("outputs",), [])
    for options in OPTIONS:
        edits[f"options={_shown(options)}"] = _set(("settings", "options"), options)
    for formats in (["exe"], [], "html", [1], ["html", "exe"], ["pdf "], [None], {"html": 1}, None):
        edits[f"formats={_shown(formats)}"] = _set(("settings", "formats"), formats)
    for flag in ("allow_errors", "archival"):
        for value in ("yes", 1, 0, None, [], "false"):
            edits[f"{flag}={_shown(value)}"] = _set(("settings", flag), value)
    for value in ([], ["pandas", "2"], "x", None, 1):
        edits[f"versions={_shown(value)}"] = _set(("versions",), value)
    for value in ([], None, "x", 1):
        edits[f"settings={_shown(value)}"] = _set(("settings",), value)
    return edits


FORGED_FIELDS = _forged_fields()
# options of any shape, but none a build would take: those would rebuild the report, for seconds
RANDOM_OPTIONS = st.dictionaries(
    st.one_of(st.sampled_from(sorted(SECTION_KEYS)), st.text(max_size=5)),
    st.one_of(JSON, st.dictionaries(st.sampled_from(["subsection_style", "x"]), JSON)),
).filter(lambda options: not builds(options))
# source names that can never be a plain file name
RANDOM_SOURCES = st.text().map(lambda text: text + "/" + text)


TEXT_EDITS = [
    lambda text: text[: len(text) // 2],  # cut off
    lambda text: "\ufeff" + text,
    lambda text: text.replace('"archival": false', '"archival": NaN'),
    lambda text: "[" * 100_000 + "]" * 100_000,  # nesting deeper than the JSON reader's recursion
    lambda text: text.replace('"archival": false', '"archival": ' + "1" * 5000),  # past int's 4300 digits
    lambda text: text.replace("{", "{\n", 1) + "\x00",
    lambda text: "",
    lambda text: "null",
]


def manifest_bytes(forged: tuple[str, Any], original: str, root: Path) -> bytes:
    """The manifest.json a forger leaves: ``("json", value)`` random JSON, ``("field", edit)`` the
    real one with ``edit`` applied, ``("text", edit)`` the real text edited, ``("bytes", data)``;
    ROOT in a name becomes ``root``."""
    kind, what = forged
    if kind == "json":
        text = json.dumps(what, ensure_ascii=False)
    elif kind == "field":
        manifest = json.loads(original)
        what(manifest)
        text = json.dumps(manifest, ensure_ascii=False, indent=2)
    elif kind == "text":
        text = what(original)
    else:
        return what
    return text.replace(ROOT, str(root)).encode("utf-8", "surrogatepass")


FORGED = st.one_of(
    JSON.map(lambda value: ("json", value)),
    st.sampled_from(sorted(FORGED_FIELDS)).map(lambda name: ("field", FORGED_FIELDS[name])),
    RANDOM_OPTIONS.map(lambda options: ("field", _set(("settings", "options"), options))),
    RANDOM_SOURCES.map(lambda name: ("field", _set(("inputs", 0, "from"), name))),
    st.sampled_from(TEXT_EDITS).map(lambda edit: ("text", edit)),
    st.binary(max_size=40).map(lambda data: ("bytes", data)),
)


def verify_forged(capsys: pytest.CaptureFixture[str], built: Path, forged: tuple[str, Any]) -> None:
    """``xxgk verify`` of a copy of ``built`` whose manifest is ``forged``: refused (exit 2, or 1
    for a difference it found) in Chinese, without a crash, and nothing changed anywhere: not
    in the folder, not beside it, not in the temporary folder where its scratch folder goes (nor
    in the system's, for an absolute path)."""
    original = (built / "manifest.json").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        folder = root / "emin"
        shutil.copytree(built, folder)
        forged_bytes = manifest_bytes(forged, original, root)
        (folder / "manifest.json").write_bytes(forged_bytes)
        (root / "tmp").mkdir()
        before, others = tree(root), shared_temp()
        with own_temp(root / "tmp"):
            answer = xxgk(capsys, "verify", folder)
        assert_no_crash(answer)
        assert answer.code in (1, 2), answer.output
        assert CJK.search(answer.output), answer.output
        assert tree(root) == before
        # the system's temporary folder is shared with other tests running at once: what matters is
        # that nothing the forged manifest names appeared there
        said = forged_bytes.decode("utf-8", "replace")
        assert [name for name in shared_temp() - others if name in said] == []


@fuzz(200)
@given(FORGED)
def test_a_forged_manifest_is_refused_and_touches_nothing(capsys, built_html, forged):
    """``xxgk verify`` of an output folder whose manifest.json is random JSON, not JSON at all
    (cut off, nested 100000 deep, a 5000-digit number, random bytes), or the real one with a
    field forged (random options, random source names with a path, any of FORGED_FIELDS) is
    refused in Chinese and changes nothing anywhere (``verify_forged``)."""
    verify_forged(capsys, built_html, forged)


@pytest.mark.parametrize("field", sorted(FORGED_FIELDS))
def test_every_forged_field_is_refused_and_touches_nothing(capsys, built_html, field):
    """Each one-field forgery of the real manifest, every one rather than those a derandomized
    draw happens to pick: inputs[].from a path out of the folder (or a name no agency has),
    inputs[].file changed, a previous.yaml the folder lacks, outputs named ``../x``, options,
    formats, flags, versions and settings of the wrong shape. Refused in Chinese before
    anything is rebuilt, and nothing changed anywhere (``verify_forged``)."""
    verify_forged(capsys, built_html, ("field", FORGED_FIELDS[field]))


# --- what the fuzzing found ----------------------------------------------------------------------
# BUG, found by the tests above and left to the owner of lib/ (reported, not fixed here): each
# test below is the smallest reproduction of one defect and fails until it is fixed. The tests
# above stop at the first defect they meet; these keep every one of them in sight.

@pytest.mark.parametrize("text", ["a: &x 1\nb: &x 2\n", "a: &x 1\nb: &x \u202e2\n", "%YAML 1.1\n---\nyear: 1e400\n"],
                         ids=["duplicate anchor", "duplicate anchor, bidi override", "YAML 1.1 float"])
def test_bug_a_yaml_warning_reaches_the_terminal(capsys, tmp_path, text):
    """Was a bug: ruamel.yaml's warnings (ReusedAnchorWarning, MantissaNoDotYAML1_1Warning) are printed
    to stderr by Python itself: English, a path inside site-packages, and the file's own lines
    unescaped (a U+202E from the file reaches the terminal raw), above the kit's message."""
    path = params_file(tmp_path, encoded(text))
    assert_answered(xxgk(capsys, "check", path), path)


def test_bug_a_tag_on_the_whole_document_is_not_put_at_its_line(capsys, tmp_path):
    """Was a bug: ``--- !foo`` tags the document itself; the refusal says ``emin.yaml: 参数文件不使用 YAML
    标签 !foo`` with no line, where every other tag is put at its line."""
    path = params_file(tmp_path, b"--- !foo\nyear: 2025\n")
    assert_answered(xxgk(capsys, "check", path), path)


def test_bug_deep_flow_nesting_is_refused_before_yaml_reads_it(capsys, tmp_path):
    """Was a bug: a 3 KB file, one line of 1500 ``[``, took about 6 s to be refused: ruamel's
    scanner is quadratic in flow nesting (``stale_possible_simple_keys`` walks every open level at
    every token), and the kit bounded nesting only after ruamel had read the whole file. At the
    size bound it was minutes: a 1,039,743-byte file of 200-deep lines took 159 s to refuse. The
    nesting is now counted first and refused at its line."""
    path = params_file(tmp_path, ("a: " + "[" * 1500 + "]" * 1500 + "\n").encode("ascii"))
    answer = xxgk(capsys, "check", path)
    assert_answered(answer, path)
    assert "嵌套超过" in answer.err and "emin.yaml:1:" in answer.err


def _forge_inputs(manifest: dict, item: dict) -> bytes:
    manifest["inputs"].append(item)
    return json.dumps(manifest).encode("utf-8")


FORGERIES = {
    # json.loads raises RecursionError, which read_manifest does not catch: "xxgk 内部错误"
    "nested 100000 deep": lambda text, manifest: ("[" * 100_000 + "]" * 100_000).encode("ascii"),
    # json.loads raises ValueError (int's 4300-digit limit), not JSONDecodeError: "xxgk 内部错误"
    "5000-digit number": lambda text, manifest: text.replace('"archival": false', '"archival": ' + "1" * 5000).encode(),
    # _shape_problem puts every inputs[].file in a set: "xxgk 内部错误：TypeError: unhashable type: 'list'"
    "inputs[].file a list": lambda text, manifest: _forge_inputs(
        manifest, {"file": [], "from": "x.yaml", "sha256": ""}),
    # previous.yaml listed but absent: exit 1 with
    # "错误：No such file or directory（…/previous.yaml）。原有输出未改动。"
    "previous.yaml missing": lambda text, manifest: _forge_inputs(
        manifest, {"file": "previous.yaml", "from": "emin.yaml", "sha256": ""}),
    # "无法读取 …/manifest.json：'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"
    "not UTF-8": lambda text, manifest: b"\xff" + text.encode(),
}


@pytest.mark.parametrize("forgery", FORGERIES)
def test_bug_verify_of_a_forged_manifest(capsys, built_html, tmp_path, forgery):
    """Was a bug: manifests ``xxgk verify`` answers with an internal error or with English."""
    folder = tmp_path / "emin"
    shutil.copytree(built_html, folder)
    text = (folder / "manifest.json").read_text(encoding="utf-8")
    (folder / "manifest.json").write_bytes(FORGERIES[forgery](text, json.loads(text)))
    answer = xxgk(capsys, "verify", folder)
    assert_no_crash(answer)
    assert answer.code in (1, 2) and CJK.search(answer.output), answer.output


def test_bug_an_integer_too_long_to_write_is_not_refused():
    """Was a bug (latent: no option takes an int yet, and ``option_value`` refuses such text): the
    translator raises ValueError (int's 4300-digit limit) for an int of 5000 digits, where any
    value it cannot write must be a UsageError."""
    with pytest.raises(UsageError):
        ReadablePythonTranslator.translate(10**5000)
