"""nnanim as a Manim plugin: what a scene file rendered by plain ``manim`` imports.

The ``manim.plugins`` entry point names this module, so ``manim plugins -l``
lists ``nnanim`` (and ``plugins = nnanim`` in a ``manim.cfg`` makes Manim warn
when it is missing).  Manim 0.22 *loads* every entry point of that group at
the end of ``import manim`` — while Manim itself is still being imported —
and does nothing else with it: the plugin's names are not copied into
``manim``'s namespace.  So this module imports nothing when it loads (every
``import manim`` pays for it, nnanim's own renders included); its names are
resolved on first use::

    from nnanim.manim_plugin import *        # FlowScene, FlowView, StagePlay, build_flow, ...

which is the same as importing them from where they live
(``nnanim.draw.mobjects``, ``nnanim.draw.scene``, ``nnanim.core.flow``, ``nnanim.theme``).
"""

from __future__ import annotations

import importlib

_HOMES = {
    "nnanim.draw.mobjects": ("FastCamera", "FastThreeDCamera", "FlowView", "OpacityFade", "PointCloud",
                        "Polylines", "RasterImage", "StagePlay", "ViewTurn"),
    "nnanim.draw.scene": ("FlowScene",),
    "nnanim.core.flow": ("build_flow",),
    "nnanim.theme": ("load_theme",),
}
_HOME = {name: module for module, names in _HOMES.items() for name in names}

__all__ = sorted(_HOME)


def __getattr__(name: str):
    if name in _HOME:
        value = getattr(importlib.import_module(_HOME[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
