"""The one-way layering of DESIGN.md, as the package's floors show it.

* ``nnanim/core`` (data, nn, record, flow and their geometry) imports without
  Manim, and imports nothing from ``nnanim.draw``, ``nnanim.media`` or
  ``nnanim.io``; nor do the pure modules beside the floors (options, theme,
  layout, files, errors, contract).
* ``nnanim/draw`` imports nothing from ``nnanim.media`` (drawing does not
  render videos).
* ``nnanim/io`` (models from other frameworks) imports neither drawing nor media.
* No two modules of nnanim import each other, directly or round a longer circle,
  at the top or inside a function: the import graph of the package is a DAG
  (what two modules both need lives in a third below them).

Checked twice: in a fresh interpreter where importing Manim fails
(``sys.modules["manim"] = None``), every pure module must import; and by
reading every module's import statements (top level and inside functions), no
module of a floor may name a floor above it.  The old flat names
(``nnanim.data``, ``nnanim.mobjects``, ...) must still import as the same
modules.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "nnanim"
#: modules beside the floors that must stay pure too
PURE_BESIDE = ["errors", "files", "options", "theme", "layout", "contract"]
#: Manim and the packages only it brings (Cairo and Pango bindings)
BLOCKED = ["manim", "manimpango", "cairo"]
#: what each floor may not import
FORBIDDEN = {"core": ("nnanim.draw", "nnanim.media", "nnanim.io", "nnanim.cli", "manim"),
             "io": ("nnanim.draw", "nnanim.media", "nnanim.cli", "manim"),
             "draw": ("nnanim.media", "nnanim.cli")}


def floor_modules(floor: str) -> list[str]:
    return sorted(f"nnanim.{floor}.{p.stem}" for p in (PACKAGE / floor).glob("*.py")
                  if p.stem != "__init__")


def pure_modules() -> list[str]:
    return floor_modules("core") + [f"nnanim.{name}" for name in PURE_BESIDE]


def imported_names(path: Path) -> set[str]:
    """Every module named by an import statement anywhere in ``path`` (absolute names)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def offending(floor: str) -> dict[str, list[str]]:
    out = {}
    for path in sorted((PACKAGE / floor).glob("*.py")):
        bad = sorted(n for n in imported_names(path)
                     if any(n == f or n.startswith(f + ".") for f in FORBIDDEN[floor]))
        if bad:
            out[path.name] = bad
    return out


def test_the_floors_exist_and_hold_the_modules():
    assert "nnanim.core.flow" in floor_modules("core")
    assert "nnanim.draw.mobjects" in floor_modules("draw")
    assert "nnanim.media.render" in floor_modules("media")


@pytest.mark.parametrize("floor", sorted(FORBIDDEN))
def test_no_floor_imports_a_floor_above_it(floor):
    assert offending(floor) == {}


def test_the_check_would_catch_a_core_module_that_imports_drawing(tmp_path, monkeypatch):
    fake = tmp_path / "nnanim"
    (fake / "core").mkdir(parents=True)
    (fake / "core" / "bad.py").write_text("def f():\n    from nnanim.draw.mobjects import PointCloud\n")
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", fake)
    assert offending("core") == {"bad.py": ["nnanim.draw.mobjects", "nnanim.draw.mobjects.PointCloud"]}


def module_files(package: Path) -> dict[str, Path]:
    """Every module of the package by its dotted name (a package by its own name)."""
    out = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def import_graph(package: Path) -> dict[str, set[str]]:
    """``module -> the nnanim modules it imports`` (anywhere in the file, lazy imports too).

    ``from nnanim.media import cache`` names the module ``nnanim.media.cache``; a name that is
    not a module (``from nnanim.errors import NnanimError``) counts as its module.
    """
    modules = module_files(package)

    def module_of(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in modules.items():
        found = {module_of(n) for n in imported_names(path) if n.split(".")[0] == package.name}
        graph[name] = {m for m in found if m is not None and m != name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The circles of ``graph``: each strongly connected set of two or more modules, sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(node: str) -> None:  # Tarjan; the graph is a few dozen modules deep at most
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(cycles)


def test_no_two_modules_import_each_other():
    graph = import_graph(PACKAGE)
    assert "nnanim.media.play" in graph["nnanim.media.parallel"]  # the graph sees lazy imports
    assert import_cycles(graph) == []


def test_the_check_would_catch_modules_that_import_each_other(tmp_path):
    fake = tmp_path / "nnanim"
    (fake / "media").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "media" / "__init__.py").write_text("")
    (fake / "media" / "render.py").write_text("from nnanim.media import parallel\n")
    (fake / "media" / "parallel.py").write_text("def f():\n    from nnanim.media.render import bind\n")
    (fake / "media" / "a.py").write_text("import nnanim.media.b\n")
    (fake / "media" / "b.py").write_text("from nnanim.media.c import x\n")
    (fake / "media" / "c.py").write_text("def g():\n    import nnanim.media.a\n")
    (fake / "media" / "d.py").write_text("from nnanim.media import render\n")
    assert import_cycles(import_graph(fake)) == [
        ["nnanim.media.a", "nnanim.media.b", "nnanim.media.c"],
        ["nnanim.media.parallel", "nnanim.media.render"],
    ]


def test_every_pure_module_imports_without_manim():
    modules = pure_modules()
    code = textwrap.dedent(f"""
        import importlib, json, sys
        for name in {BLOCKED!r}:
            sys.modules[name] = None  # "import manim" now raises ImportError
        failed = {{}}
        for module in {modules!r}:
            try:
                importlib.import_module(module)
            except Exception as error:
                failed[module] = f"{{type(error).__name__}}: {{error}}"
        loaded = sorted(m for m in sys.modules
                        if m.split(".")[0] in {BLOCKED!r} and sys.modules[m] is not None)
        print(json.dumps({{"failed": failed, "loaded": loaded}}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout)
    assert not result["failed"], f"pure modules that need Manim or fail to import: {result['failed']}"
    assert not result["loaded"], f"Manim modules loaded by the pure modules: {result['loaded']}"


def test_the_check_would_catch_a_module_that_imports_manim():
    code = ("import sys; sys.modules['manim'] = None\n"
            "try:\n    import nnanim.draw.mobjects\nexcept ImportError:\n    print('refused')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "refused"


def test_old_flat_names_are_the_same_modules():
    import nnanim

    code = textwrap.dedent("""
        import importlib, json
        import nnanim
        same = {old: importlib.import_module(old) is importlib.import_module(new)
                for old, new in nnanim.MOVED.items()
                if new.split(".")[1] == "core"}
        from nnanim.data import make_dataset
        from nnanim.core.data import make_dataset as again
        same["from"] = make_dataset is again
        print(json.dumps(same))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    same = json.loads(out.stdout)
    assert same and all(same.values()), same
    assert set(nnanim.MOVED) >= {"nnanim.data", "nnanim.flow", "nnanim.scene", "nnanim.mobjects",
                                 "nnanim.render"}
