"""The package's layout is its architecture: parts in layers (docs/architecture.md, "Layers"), a lower
part never importing a higher one at module level, no module-level import loop, no module using another's
private name. Imports are read with ``ast``, so a lazy import inside a function (which breaks a loop or
defers a heavy library) is allowed and one under ``if TYPE_CHECKING:`` too."""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "lib" / "xxgk"
# part -> layer; a module at the package's root is a foundation (layer 0). The package itself sits with
# report: it gives the notebooks xxgk.load_params.
LAYERS = {"": 0, "report": 1, "workbook": 2, "render": 3, "run": 4,
          "reading": 5, "rollup": 5, "project": 5, "cli": 6}
SELF = "xxgk"
SELF_LAYER = LAYERS["report"]


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, dotted
    target: str  # the imported module, dotted
    names: tuple[str, ...]  # the names taken from it (empty for ``import x``)
    line: int


def modules(package: Path) -> dict[str, Path]:
    """Every module of ``package`` by dotted name (``xxgk.run.build``; a package by its own name)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if "notebooks" in parts or "__pycache__" in parts:
            continue
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _type_checking(node: ast.If) -> bool:
    return (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING") or \
        (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING")


def _top_level(body: list[ast.stmt]):
    """The statements run when the module is imported: not in functions, not for type checkers."""
    for node in body:
        if isinstance(node, ast.If):
            if not _type_checking(node):
                yield from _top_level(node.body)
            yield from _top_level(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, *(h.body for h in node.handlers), node.orelse, node.finalbody):
                yield from _top_level(block)
        elif isinstance(node, ast.With):
            yield from _top_level(node.body)
        elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node


def imports(package: Path, *, lazy: bool = False) -> list[Import]:
    """The package's imports of its own modules: module-level ones, or with ``lazy`` every one."""
    known = modules(package)
    root = package.name
    found = []
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in (ast.walk(tree) if lazy else _top_level(tree.body)):
            if isinstance(node, ast.Import):
                found += [Import(name, a.name, (), node.lineno) for a in node.names
                          if a.name.split(".")[0] == root]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here.split(".")[:len(here.split(".")) - node.level + 1]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module or ""
                if module.split(".")[0] != root:
                    continue
                submodules = [a.name for a in node.names if f"{module}.{a.name}" in known]
                found += [Import(name, f"{module}.{sub}", (), node.lineno) for sub in submodules]
                others = tuple(a.name for a in node.names if a.name not in submodules)
                if others:
                    found.append(Import(name, module, others, node.lineno))
    return found


def layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return SELF_LAYER
    return LAYERS[parts[1]] if len(parts) > 2 or parts[1] in LAYERS else LAYERS[""]


def upward(found: list[Import]) -> list[str]:
    return [f"{i.source}:{i.line} imports {i.target} ({layer(i.source)} < {layer(i.target)})"
            for i in found if layer(i.target) > layer(i.source)]


def loops(found: list[Import]) -> list[list[str]]:
    """The import loops among module-level imports (strongly connected modules, Tarjan's)."""
    graph: dict[str, set[str]] = {}
    for i in found:
        # importing xxgk.run.build runs xxgk/__init__ first, which never imports back: not an edge
        graph.setdefault(i.source, set()).add(i.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    result = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                result.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return result


def private_uses(package: Path) -> list[str]:
    """Another module's ``_name`` taken by a module: ``from .x import _name`` or ``x._name``."""
    known = modules(package)
    found = [f"{i.source}:{i.line} takes {name} from {i.target}"
             for i in imports(package, lazy=True) for name in i.names
             if name.startswith("_") and not name.startswith("__")]
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bound = {alias.asname or alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                 for alias in node.names if _is_module(node, alias.name, name, path, known)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in bound and node.attr.startswith("_") and not node.attr.startswith("__")):
                found.append(f"{name}:{node.lineno} uses {node.value.id}.{node.attr}")
    return found


def _is_module(node: ast.ImportFrom, alias: str, name: str, path: Path, known: dict[str, Path]) -> bool:
    here = name if path.name == "__init__.py" else name.rpartition(".")[0]
    if node.level:
        base = here.split(".")[:len(here.split(".")) - node.level + 1]
        module = ".".join(base + ([node.module] if node.module else []))
    else:
        module = node.module or ""
    return f"{module}.{alias}" in known


def test_no_part_imports_a_higher_one_at_module_level():
    found = imports(PACKAGE)
    assert len(found) > 100  # the reading works: the package's modules do import each other
    assert upward(found) == []


def test_no_module_level_import_loop():
    assert loops(imports(PACKAGE)) == []


def test_no_module_uses_another_ones_private_name():
    assert private_uses(PACKAGE) == []


def test_every_part_says_what_it_is():
    for part in LAYERS:
        if part:
            init = PACKAGE / part / "__init__.py"
            assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), init
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()} == set(LAYERS) - {""}


def test_the_checks_see_a_loop_an_upward_import_and_a_private_name(tmp_path):
    """The three checks on a small package built to break each rule."""
    package = tmp_path / "xxgk"
    for folder in (package, package / "report", package / "run"):
        folder.mkdir()
        (folder / "__init__.py").write_text('"""A part."""\n')
    (package / "report" / "rules.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from . import model\n"
        "if TYPE_CHECKING:\n    from ..run import build\n"
        "def later():\n    from ..run.build import go\n")
    (package / "report" / "model.py").write_text("from .rules import later\n_hidden = 1\n")
    (package / "run" / "build.py").write_text(
        "from ..report import model\nfrom ..report.model import _hidden\ngo = model._hidden\n")
    found = imports(package)
    assert loops(found) == [["xxgk.report.model", "xxgk.report.rules"]]
    assert upward(found) == []  # neither the lazy nor the type checker's import counts
    (package / "report" / "rules.py").write_text("from ..run.build import go\n")
    assert upward(imports(package)) == ["xxgk.report.rules:1 imports xxgk.run.build (1 < 4)"]
    assert private_uses(package) == ["xxgk.run.build:2 takes _hidden from xxgk.report.model",
                                     "xxgk.run.build:3 uses model._hidden"]


def test_check_does_not_load_the_build_machinery():
    """``xxgk check`` reads and checks a file: it does not pay for importing nbconvert and papermill."""
    probe = ("import sys, runpy; sys.argv = ['xxgk', 'check', 'params/2025/emin.yaml']\n"
             "try:\n    runpy.run_module('xxgk.cli', run_name='__main__')\n"
             "except SystemExit as end:\n    code = end.code\n"
             "print(code, sorted({m.split('.')[0] for m in sys.modules} & {'nbconvert', 'papermill', 'nbclient'}))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "0 []"


def test_a_first_rollup_starts_its_kernel_template_before_loading_the_report_model(tmp_path):
    """The template's imports are the longest step before a roll-up's kernel can start: the
    command starts it before it loads the report model (pydantic, 0.3-0.5 s) and the rest."""
    folder = tmp_path / "params" / "2025"
    folder.mkdir(parents=True)
    (folder / "emin.yaml").write_bytes((ROOT / "params" / "2025" / "emin.yaml").read_bytes())
    probe = ("import sys, runpy\nfrom xxgk.run import zygote\n"
             "def started(preload=()):\n"
             "    print(sorted(m for m in ('xxgk.report.model', 'pydantic', 'nbconvert') if m in sys.modules))\n"
             "    raise SystemExit(0)\n"
             "zygote.warm_up = started\n"
             f"sys.argv = ['xxgk', 'rollup', {str(folder)!r}, '--title', '塔城地区']\n"
             "runpy.run_module('xxgk.cli', run_name='__main__')\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.splitlines()[-1] == "[]", result.stdout + result.stderr


def test_a_rollups_builder_does_not_load_pandas(tmp_path):
    """pandas (0.4 s to import) is the roll-up notebook's, in its kernel: the command that runs it and
    makes its page and PDF does without, its other core then busy reading files."""
    folder = tmp_path / "params" / "2025"
    folder.mkdir(parents=True)
    (folder / "emin.yaml").write_bytes((ROOT / "params" / "2025" / "emin.yaml").read_bytes())
    probe = ("import sys, runpy\n"
             f"sys.argv = ['xxgk', 'rollup', {str(folder)!r}, '--title', '塔城地区']\n"
             "try:\n    runpy.run_module('xxgk.cli', run_name='__main__')\n"
             "except SystemExit as end:\n    code = end.code\n"
             "print(code, sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'numpy', 'weasyprint'}))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    # WeasyPrint loaded: the command did run through to the PDF
    assert result.stdout.splitlines()[-1] == "0 ['weasyprint']", result.stdout + result.stderr
