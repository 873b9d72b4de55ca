"""nnanim: videos of what the hidden layers of a neural network do.

``nnanim.train(...) -> Run``, ``nnanim.Run.load(path)``, ``run.save(path)``,
``nnanim.render(scene, **options) -> Path`` (shown inline in a notebook);
your own trained network as a run: ``nnanim.from_torch(model, data="blobs")``,
``nnanim.from_sklearn(estimator, data=...)``, ``nnanim.load_model("model.onnx")``;
the rest lives in the floors of DESIGN.md's layering:

* ``nnanim.core`` — pure NumPy: ``data``, ``nn``, ``record``, ``flow``,
  ``projection``, ``regions``, ``curves``, ``timeline``, ``worked``,
  ``notation`` (symbols and numbers on screen), ``camera`` (framing);
* ``nnanim.draw`` — Manim objects and scenes: ``mobjects``, ``scene``, ``text``,
  ``panels``, ``replay``, ``posters``, ...;
* ``nnanim.media`` — ``render``, ``play``, ``parallel``, ``slides``, ``storyboard``,
  ``cache``, ``batch``, ``sweep``, ``encoder``, ``gif``, ...;
* ``nnanim.io`` — trained models from other frameworks;

and, beside them, ``cli``, ``contract``, ``options``, ``theme``, ``layout``,
``files`` and ``errors``.  The modules' old flat names (``nnanim.data``,
``nnanim.mobjects``, ``nnanim.scene``, ...) still import: each is the same
module as its new home.  Imported lazily, so that the command line starts fast.
"""

import importlib
import importlib.abc
import importlib.util
import os
import sys
import types

from nnanim._version import __version__

__all__ = ["Run", "TrainConfig", "__version__", "from_sklearn", "from_torch", "load_model", "make_dataset",
           "render", "train"]

_LAZY = {"train": "nnanim.core.record", "Run": "nnanim.core.record", "TrainConfig": "nnanim.core.record",
         "make_dataset": "nnanim.core.data", "from_torch": "nnanim.io.models",
         "from_sklearn": "nnanim.io.models", "load_model": "nnanim.io.models"}


#: the flat module names of nnanim before its floors (plugins and users' scenes import them)
MOVED = {'nnanim.data': 'nnanim.core.data',
         'nnanim.nn': 'nnanim.core.nn',
         'nnanim.record': 'nnanim.core.record',
         'nnanim.flow': 'nnanim.core.flow',
         'nnanim.projection': 'nnanim.core.projection',
         'nnanim.regions': 'nnanim.core.regions',
         'nnanim.curves': 'nnanim.core.curves',
         'nnanim.timeline': 'nnanim.core.timeline',
         'nnanim.worked': 'nnanim.core.worked',
         'nnanim.notation': 'nnanim.core.notation',
         'nnanim.camera': 'nnanim.core.camera',
         'nnanim.mobjects': 'nnanim.draw.mobjects',
         'nnanim.panels': 'nnanim.draw.panels',
         'nnanim.charts': 'nnanim.draw.charts',
         'nnanim.diagram': 'nnanim.draw.diagram',
         'nnanim.plots': 'nnanim.draw.plots',
         'nnanim.replay': 'nnanim.draw.replay',
         'nnanim.landmarks': 'nnanim.draw.landmarks',
         'nnanim.text': 'nnanim.draw.text',
         'nnanim.scene': 'nnanim.draw.scene',
         'nnanim.worksheet': 'nnanim.draw.worksheet',
         'nnanim.posters': 'nnanim.draw.posters',
         'nnanim.render': 'nnanim.media.render',
         'nnanim.parallel': 'nnanim.media.parallel',
         'nnanim.slides': 'nnanim.media.slides',
         'nnanim.storyboard': 'nnanim.media.storyboard',
         'nnanim.cache': 'nnanim.media.cache',
         'nnanim.batch': 'nnanim.media.batch',
         'nnanim.sweep': 'nnanim.media.sweep',
         'nnanim.beats': 'nnanim.media.beats',
         'nnanim.memory': 'nnanim.media.memory',
         'nnanim.encoder': 'nnanim.media.encoder'}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``import nnanim.data`` gives ``nnanim.core.data`` itself (one module, two names)."""

    def find_spec(self, name, path=None, target=None):
        return importlib.util.spec_from_loader(name, self) if name in MOVED else None

    def create_module(self, spec):
        return importlib.import_module(MOVED[spec.name])

    def exec_module(self, module):
        pass  # already executed under its own name


if not any(isinstance(finder, _MovedModules) for finder in sys.meta_path):
    sys.meta_path.append(_MovedModules())


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nnanim' has no attribute {name!r}")


def _render(scene, *, embed: bool = True, **options):
    """Render ``scene`` and return the finished file's path; in a notebook, show it too.

    ``nnanim.render("layers", quality="l", dataset="moons", aspect="9:16")``.

    Parameters
    ----------
    scene
        A scene name (``nnanim scenes``), a scene class, or a resolved
        :class:`~nnanim.contract.Job`.
    embed
        In a notebook, embed the video in the notebook (``True``) or link to
        the file by its path relative to the working directory.
    **options
        By the option table's names (the config keys of ``nnanim render``):
        the rows of its "Output" group (``quality``, ``fps``, ``format``,
        ``transparent``, ``output``, ``preview``) are the render settings,
        the other rows are scene options, checked as the command line checks
        them.  The other fields of :class:`~nnanim.media.render.RenderSettings`
        (``short_side``, ``background``, ``verbose``, ``progress``) may be
        given too.

    Under IPython with a kernel (Jupyter, VS Code, Colab) the file is shown
    with ``IPython.display`` (``Video``, or ``Image`` for png and gif).
    IPython is never imported here unless it already is.
    """
    from dataclasses import fields

    from nnanim.contract import Job, SceneContract, resolve
    from nnanim.errors import NnanimError
    from nnanim.options import options_for, parse_options

    rendering = importlib.import_module("nnanim.media.render")
    rows = {o.name: o for o in options_for("render")}
    settable = {f.name for f in fields(rendering.RenderSettings)}
    output = {name for name, o in rows.items() if o.group == "Output"} & settable
    direct = {k: options.pop(k) for k in list(options) if k in settable and k not in rows}
    given = {k: options.pop(k) for k in list(options) if k in output}
    scene_options = None
    if isinstance(scene, Job):
        if options:
            raise NnanimError(f"a resolved job takes no scene options (got {', '.join(options)}); "
                              "give them to resolve()")
        values = {**scene.options, **parse_options("render", given)}
        target = scene
    elif isinstance(scene, str) or (isinstance(scene, type) and issubclass(scene, SceneContract)):
        target = resolve(scene, {**options, **given})
        values = target.options
    else:  # a plain Manim scene class: the table's options are checked, the rest are its own
        values, target, scene_options = parse_options("render", given), scene, options
    settings = rendering.RenderSettings(
        **{k: values[k] for k in output if values.get(k) is not None}, **direct)
    path = rendering.render(target, settings, scene_options)
    _show_inline(path, embed)
    return path


def _show_inline(path, embed: bool) -> bool:
    """Display ``path`` in the notebook when running under an IPython kernel; ``True`` if shown."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    shell = get_ipython() if callable(get_ipython) else None
    if shell is None or getattr(shell, "kernel", None) is None:  # no notebook (a terminal IPython)
        return False
    from IPython.display import Image, Video, display

    if path.suffix.lower() in (".png", ".gif"):
        display(Image(filename=str(path)))
    else:
        display(Video(str(path) if embed else os.path.relpath(path), embed=embed))
    return True


# ``nnanim.render`` is both the module nnanim/media/render.py (``from nnanim.media.render import
# RenderSettings``, and by its old name ``from nnanim.render import RenderSettings``) and the call
# ``nnanim.render(scene, **options)``: importing ``nnanim.render`` sets the module as the package's
# attribute, so a plain function of that name would be replaced by the module on first use.
# Instead the module itself becomes callable: the package's ``render`` attribute is a property
# that imports the module lazily, and gives it this call whenever it is imported (the import
# system assigns it here).


class _CallableRender(types.ModuleType):
    def __call__(self, scene, **options):
        return _render(scene, **options)


_CallableRender.__call__.__doc__ = _render.__doc__


class _Package(types.ModuleType):
    @property
    def render(self):
        module = sys.modules.get("nnanim.media.render") or importlib.import_module("nnanim.media.render")
        module.__class__ = _CallableRender
        return module

    @render.setter
    def render(self, module):
        if isinstance(module, types.ModuleType):
            module.__class__ = _CallableRender
        self.__dict__["_render_module"] = module


sys.modules[__name__].__class__ = _Package
