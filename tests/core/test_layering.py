"""The one-way layering of DESIGN.md: every pure module imports without Manim.

Checked in a fresh interpreter where importing Manim fails (``sys.modules["manim"]
= None``), so the test means the same with or without Manim installed: a pure
module that imports Manim, even lazily at import time, fails here.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap

#: the pure modules (layers 1-4 and the helpers beside them); each must import without Manim
PURE = ["data", "nn", "record", "flow", "projection", "timeline", "theme", "errors", "files",
        "regions", "cache", "sweep"]
#: pure modules on their way: checked as soon as their file exists
LANDING = ["curves", "options", "layout", "contract", "notation"]
#: Manim and the packages only it brings (Cairo and Pango bindings)
BLOCKED = ["manim", "manimpango", "cairo"]


def pure_modules() -> list[str]:
    return PURE + [name for name in LANDING if importlib.util.find_spec(f"nnanim.{name}") is not None]


def test_every_pure_module_imports_without_manim():
    modules = [f"nnanim.{name}" for name in pure_modules()]
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
            "try:\n    import nnanim.mobjects\nexcept ImportError:\n    print('refused')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "refused"
