"""nnanim in other people's code: scenes from other packages, the Manim plugin, notebooks."""

from __future__ import annotations

import importlib
import os
import re
import sys
import textwrap
import types
import warnings
from importlib.metadata import EntryPoint
from pathlib import Path

import numpy as np
import pytest

from nnanim import contract
from nnanim.contract import get_scene, list_scenes, resolve
from nnanim.errors import NnanimError

ROOT = Path(__file__).parent.parent

# --------------------------------------------------------------------------- the registry


@pytest.fixture
def extra_scenes(tmp_path, monkeypatch):
    """A package of scenes on sys.path, registered through (faked) entry points: ``add(name, value)``."""
    package = tmp_path / "extra" / "extra_scenes"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "spin.py").write_text(textwrap.dedent('''
        from nnanim.contract import SceneContract


        class Spin(SceneContract):
            """A scene described by its class's docstring.

            Not this line.
            """

            defaults = {"dataset": "xor", "n_samples": 40, "hidden": [2], "epochs": 0}


        class Plain:
            pass
        '''))
    (package / "legacy.py").write_text(
        '"""A module with SCENE = its class."""\nfrom extra_scenes.spin import Spin\n\nSCENE = Spin\n')
    (package / "broken.py").write_text('"""Fails on import."""\nraise RuntimeError("half installed")\n')
    monkeypatch.syspath_prepend(str(tmp_path / "extra"))
    points: list[EntryPoint] = []
    monkeypatch.setattr(contract, "_entry_points", lambda: list(points))

    def add(name: str, value: str) -> None:
        points.append(EntryPoint(name, value, contract.SCENE_GROUP))

    yield add
    for name in [m for m in sys.modules if m.startswith("extra_scenes")]:
        del sys.modules[name]


def test_entry_points_add_scenes_to_the_package_s_own(extra_scenes):
    extra_scenes("spin", "extra_scenes.spin:Spin")
    extra_scenes("old_style", "extra_scenes.legacy")  # no class: the module's SCENE
    scenes = list_scenes()
    assert {"bottleneck", "layers", "training"} <= set(scenes)
    assert scenes["spin"] == "A scene described by its class's docstring."
    assert scenes["old-style"] == "A module with SCENE = its class."
    assert list(scenes) == sorted(scenes)
    assert not [m for m in sys.modules if m.startswith("extra_scenes.")]  # listing ran none of them

    spin = get_scene("spin")
    assert spin.__name__ == "Spin" and spin.scene_name == "spin"
    assert get_scene("old-style").__name__ == "Spin" and get_scene("old_style").scene_name == "old-style"
    job = resolve("spin", {"aspect": "1:1"})
    assert job.name == "spin" and job.options["aspect"] == "1:1" and len(job.data.X) == 40


def test_unknown_scene_lists_every_registered_name(extra_scenes):
    import pkgutil
    import re

    import nnanim.scenes

    extra_scenes("spin", "extra_scenes.spin:Spin")
    own = [m.name.replace("_", "-") for m in pkgutil.iter_modules(nnanim.scenes.__path__)
           if not m.name.startswith("_")]
    assert {"bottleneck", "layers", "training"} <= set(own)
    names = ", ".join(sorted([*own, "spin"]))
    with pytest.raises(NnanimError, match=re.escape(f"unknown scene 'spun'; choose from: {names}") + "$"):
        get_scene("spun")


def test_bad_entry_points_are_one_line_errors_and_do_not_break_the_listing(extra_scenes):
    extra_scenes("ghost", "not_installed_anywhere.scenes:Ghost")
    extra_scenes("missing", "extra_scenes.spin:Nope")
    extra_scenes("plain", "extra_scenes.spin:Plain")
    extra_scenes("broken", "extra_scenes.broken:Broken")
    scenes = list_scenes()
    assert scenes["ghost"].startswith("(cannot be found: ")
    assert scenes["broken"] == "Fails on import."  # read, not run
    with pytest.raises(NnanimError, match=r"^scene 'ghost' \(entry point ghost = not_installed_anywhere"
                                          r".scenes:Ghost\) cannot be imported: ModuleNotFoundError"):
        get_scene("ghost")
    with pytest.raises(NnanimError, match=r"cannot be imported: RuntimeError: half installed$"):
        get_scene("broken")
    with pytest.raises(NnanimError, match=r"extra_scenes.spin has no class Nope$"):
        get_scene("missing")
    with pytest.raises(NnanimError, match=r"Plain is not a SceneContract"):
        get_scene("plain")


def test_a_taken_name_is_warned_about_and_the_package_s_scene_kept(extra_scenes):
    extra_scenes("layers", "extra_scenes.spin:Spin")
    with pytest.warns(UserWarning, match=r"scene 'layers' \(entry point layers = extra_scenes.spin:Spin\) "
                                         r"is ignored: the name is taken by nnanim.scenes.layers"):
        assert get_scene("layers").__name__ == "LayersScene"


def test_the_package_s_own_entry_points_are_not_duplicates(extra_scenes):
    extra_scenes("layers", "nnanim.scenes.layers:LayersScene")  # as an installed nnanim declares it
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert get_scene("layers").__name__ == "LayersScene"


def test_pyproject_declares_the_package_s_scenes_by_their_classes():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = project["entry-points"]["nnanim.scenes"]
    assert declared
    for name, value in declared.items():
        point = EntryPoint(name, value, "nnanim.scenes")
        assert point.module == f"nnanim.scenes.{name.replace('-', '_')}", value
        assert point.load() is importlib.import_module(point.module).SCENE, value
        assert name in list_scenes()


# --------------------------------------------------------------------------- a package of scenes, installed

# A PEP 517 backend of its own, so that the package installs offline with no build tools at all
# (a venv's setuptools may be too old to build a wheel without the `wheel` package, or absent).
TINY_BACKEND = '''
import base64, hashlib, pathlib, zipfile

try:
    import tomllib
except ImportError:
    import tomli as tomllib


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    project = tomllib.loads(pathlib.Path("pyproject.toml").read_text())["project"]
    name, version = project["name"], project["version"]
    info = f"{name}-{version}.dist-info"
    files = {p.as_posix(): p.read_bytes() for p in sorted(pathlib.Path(name).rglob("*.py"))}
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n".encode()
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\\nGenerator: tiny\\nRoot-Is-Purelib: true\\n"
                              b"Tag: py3-none-any\\n")
    files[f"{info}/entry_points.txt"] = "".join(
        f"[{group}]\\n" + "".join(f"{key} = {value}\\n" for key, value in points.items()) + "\\n"
        for group, points in project["entry-points"].items()).encode()
    digest = lambda data: base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record = [f"{path},sha256={digest(data)},{len(data)}" for path, data in files.items()]
    files[f"{info}/RECORD"] = "\\n".join([*record, f"{info}/RECORD,,", ""]).encode()
    wheel = f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(pathlib.Path(wheel_directory) / wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel
'''

TINY_PYPROJECT = '''
[build-system]
requires = []
build-backend = "tiny_backend"
backend-path = ["."]

[project]
name = "tinyscenes"
version = "0.1"

[project.entry-points."nnanim.scenes"]
turning-square = "tinyscenes.square:TurningSquare"
'''

TINY_SCENE = '''
"""A red square turns an eighth of a turn (a scene from another package)."""

from nnanim.contract import SceneContract, require_classes


class TurningSquare(SceneContract):
    defaults = {"dataset": "xor", "n_samples": 40, "hidden": [2], "epochs": 0}

    @classmethod
    def check(cls, job):
        require_classes(job, "turning-square")

    def construct(self):
        from manim import PI, Rotate, Square

        centre, side = self.layout.picture_square
        square = Square(side_length=side / 2, color="#ff0000", fill_opacity=1).move_to(centre)
        self.open(square, title="a square", seconds=0.4)
        self.play(Rotate(square, PI / 4), run_time=1.0)
'''


def _run(*args, **kwargs):
    import subprocess

    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300, **kwargs)


@pytest.fixture(scope="module")
def scenes_venv(tmp_path_factory):
    """A fresh virtualenv that sees this one's packages (nnanim, Manim), with ``tinyscenes``
    pip-installed into it from its own pyproject.toml; returns its python."""
    import site

    root = tmp_path_factory.mktemp("plugin-venv")
    pkg = root / "pkg"
    (pkg / "tinyscenes").mkdir(parents=True)
    (pkg / "pyproject.toml").write_text(TINY_PYPROJECT)
    (pkg / "tiny_backend.py").write_text(TINY_BACKEND)
    (pkg / "tinyscenes" / "__init__.py").write_text("")
    (pkg / "tinyscenes" / "square.py").write_text(TINY_SCENE)

    venv = root / "venv"
    made = _run(sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv)
    assert made.returncode == 0, made.stderr
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    where = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    purelib = Path(where.stdout.strip())
    # --system-site-packages shows the base interpreter's packages; when the tests run in a
    # virtualenv themselves, nnanim and Manim (and pip) are in this one's: show those too
    ours = site.getsitepackages() if sys.prefix != sys.base_prefix else []
    (purelib / "_tests_parent_site.pth").write_text(
        "".join(f"import site; site.addsitedir({p!r})\n" for p in ours))
    installed = _run(python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index",
                     pkg, cwd=root)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return python


def test_an_installed_package_s_scene_is_listed_without_running_it_or_manim(scenes_venv):
    listed = _run(scenes_venv, "-m", "nnanim.cli", "scenes")
    assert listed.returncode == 0, listed.stderr
    rows = dict(line.split(None, 1) for line in listed.stdout.splitlines())
    assert rows["turning-square"] == "A red square turns an eighth of a turn (a scene from another package)."
    assert {"layers", "bottleneck", "training"} <= set(rows)
    pure = _run(scenes_venv, "-c", "import sys; from nnanim.contract import list_scenes; "
                "assert 'turning-square' in list_scenes(); "
                "print(sorted(m for m in sys.modules if m.startswith(('manim', 'tinyscenes.'))))")
    assert pure.returncode == 0, pure.stderr
    assert pure.stdout.strip() == "[]"


def test_an_installed_package_s_scene_is_checked_like_the_package_s_own(scenes_venv, tmp_path):
    refused = _run(scenes_venv, "-m", "nnanim.cli", "render", "turning-square", "-d", "sine", cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.startswith("Error: turning-square shows classes")
    assert refused.stderr.count("\n") == 1
    assert not list(tmp_path.iterdir())


def test_an_installed_package_s_scene_renders_with_the_same_options(scenes_venv, tmp_path, decode_frames):
    out = tmp_path / "turning.mp4"
    done = _run(scenes_venv, "-m", "nnanim.cli", "render", "turning-square", "-q", "l", "--fps", "5",
                "--aspect", "9:16", "--quiet", "-o", out,
                env={**os.environ, "NNANIM_CACHE_DIR": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    frames, fps = decode_frames(out)
    assert fps == 5 and frames.shape[1:3] == (854, 480)
    assert len(frames) == 7  # 0.4 s held + 1 s turning, at 5 fps
    red = (frames[..., 0] > 180) & (frames[..., 1] < 80) & (frames[..., 2] < 80)
    assert red.reshape(len(frames), -1).sum(axis=1).min() > 5000  # the square, in every frame
    assert (red[0] != red[-1]).sum() > 1000  # and it turned


# --------------------------------------------------------------------------- the Manim plugin


def test_manim_lists_the_plugin_and_its_import_loads_nothing_more():
    listed = _run(sys.executable, "-m", "manim", "plugins", "-l")
    assert listed.returncode == 0, listed.stderr
    assert re.search(r"^\s*•\s*nnanim\s*$", listed.stdout, re.M), listed.stdout
    loaded = _run(sys.executable, "-c", "import sys, manim; "
                  "print(sorted(m for m in sys.modules if m.startswith('nnanim')))")
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "['nnanim', 'nnanim._version', 'nnanim.manim_plugin']"


def test_the_plugin_module_gives_the_mobjects_flows_and_scene():
    from nnanim import theme
    from nnanim.core import flow
    from nnanim.draw import mobjects, scene

    plugin = importlib.import_module("nnanim.manim_plugin")
    namespace: dict = {}
    exec("from nnanim.manim_plugin import *", namespace)  # noqa: S102
    assert {"FlowScene", "FlowView", "StagePlay", "PointCloud", "FastCamera", "build_flow"} <= set(namespace)
    for name in plugin.__all__:
        home = next(m for m in (mobjects, scene, flow, theme) if hasattr(m, name))
        assert namespace[name] is getattr(home, name)
    with pytest.raises(AttributeError):
        plugin.Nothing  # noqa: B018


def readme_manim_code() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## In your own Manim code"):]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_readme_s_scene_file_renders_with_plain_manim(tmp_path, decode_frames):
    from nnanim.theme import hex_rgb, load_theme

    (tmp_path / "my_scenes.py").write_text(readme_manim_code())
    done = _run(sys.executable, "-m", "manim", "render", "-ql", "-r", "320,180", "--fps", "5",
                "--media_dir", tmp_path / "media", "my_scenes.py", "MoonsLayers", "PlainMoons",
                cwd=tmp_path, env={**os.environ, "NNANIM_CACHE_DIR": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    videos = tmp_path / "media" / "videos" / "my_scenes" / "180p5"
    background = {"MoonsLayers": np.round(np.array(hex_rgb(load_theme("dark").background)) * 255),
                  "PlainMoons": np.zeros(3)}  # the theme's, set by FlowScene; Manim's black
    stages = None
    for name in ("PlainMoons", "MoonsLayers"):
        frames, fps = decode_frames(videos / f"{name}.mp4")
        assert fps == 5 and frames.shape[1:3] == (180, 320)
        if stages is None:  # one second (5 frames) per stage
            stages, rest = divmod(len(frames), 5)
            assert stages >= 3 and rest == 0, len(frames)
        else:  # the same stages, each with its caption swap (0.3 s), after a 1.5 s hold, then 1 s
            seconds = 1.5 + stages * (1 + 0.3) + 1
            assert seconds * 5 - 1 <= len(frames) <= seconds * 5 + stages + 1, len(frames)
        assert np.abs(frames[0, 2, 2] - background[name]).max() <= 3, name
        for frame in (frames[0], frames[len(frames) // 2], frames[-1]):  # both classes' points
            r, b = frame[..., 0].astype(int), frame[..., 2].astype(int)
            assert ((r > 150) & (b < 110)).sum() > 60 and ((b > 150) & (r < 120)).sum() > 60, name
        assert np.abs(frames[0].astype(int) - frames[-1]).max() > 100  # the plane moved


# --------------------------------------------------------------------------- notebooks: nnanim.render


@pytest.fixture
def notebook(monkeypatch):
    """A minimal IPython in ``sys.modules``, running a kernel: ``.shown`` is what ``display`` got."""
    shown: list = []
    ipython = types.ModuleType("IPython")
    display = types.ModuleType("IPython.display")

    class Video:
        def __init__(self, data=None, embed=False, **kwargs):
            self.data, self.embed = data, embed

    class Image:
        def __init__(self, data=None, filename=None, **kwargs):
            self.filename = filename

    display.Video, display.Image, display.display = Video, Image, lambda *objs: shown.extend(objs)
    shell = types.SimpleNamespace(kernel=object())
    ipython.get_ipython, ipython.display = (lambda: shell), display
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    monkeypatch.setitem(sys.modules, "IPython.display", display)
    return types.SimpleNamespace(shown=shown, shell=shell)


@pytest.fixture
def fake_render(monkeypatch):
    """``nnanim.media.render.render`` replaced: records ``(scene, settings, options)``, returns ``output``."""
    calls: list = []

    def render(scene, settings, options=None):
        calls.append((scene, settings, options))
        return Path(settings.output or "scene.mp4").absolute()

    monkeypatch.setattr(importlib.import_module("nnanim.media.render"), "render", render)
    return calls


def test_nnanim_render_is_the_render_module_and_a_call():
    import nnanim
    import nnanim.media.render as module
    from nnanim.media.render import RenderSettings

    assert nnanim.render is module is sys.modules["nnanim.media.render"]
    assert callable(nnanim.render) and module.RenderSettings is RenderSettings
    assert "options" in (type(nnanim.render).__call__.__doc__ or "")
    import nnanim.render as old  # the flat name of before the floors: the same module

    assert old is module


def test_options_split_by_the_option_table_s_groups(fake_render):
    import nnanim
    from nnanim.options import options_for

    given = {"quality": "m", "fps": "12", "format": "webm", "transparent": True, "output": "clip.webm",
             "preview": True, "chapters": True, "subtitles": True, "no_cache": True, "jobs": 2}
    assert {o.name for o in options_for("render") if o.group == "Output"} == set(given)
    path = nnanim.render("layers", dataset="moons", aspect="9:16", epochs=5, short_side=90, verbose=True,
                         **given)
    (job, settings, options), = fake_render
    assert path == Path("clip.webm").absolute() and options is None
    assert (settings.quality, settings.fps, settings.format, settings.transparent, settings.preview) == \
        ("m", 12.0, "webm", True, True)
    assert settings.chapters and settings.subtitles
    assert str(settings.output) == "clip.webm"
    assert (settings.short_side, settings.verbose, settings.progress) == (90, True, True)
    assert job.name == "layers" and job.data.name.startswith("moons")
    assert (job.options["aspect"], job.options["epochs"], job.options["quality"]) == ("9:16", 5, "m")


def test_bad_options_are_one_line_errors(fake_render):
    import nnanim
    from nnanim.contract import resolve

    with pytest.raises(NnanimError, match=r"unknown option 'qualty'; valid: dataset, .*quality"):
        nnanim.render("layers", qualty="l")
    with pytest.raises(NnanimError, match=r"--quality: unknown value 'x'"):
        nnanim.render("layers", quality="x")
    job = resolve("layers", {"dataset": "moons"})
    nnanim.render(job, quality="l")
    assert fake_render[-1][0] is job and fake_render[-1][1].quality == "l"
    with pytest.raises(NnanimError, match=r"a resolved job takes no scene options \(got dataset\)"):
        nnanim.render(job, dataset="xor")
    assert not [c for c in fake_render if c[0] is not job]


def test_a_plain_manim_scene_gets_its_own_options(fake_render):
    import manim

    import nnanim

    class Plain(manim.Scene):
        pass

    nnanim.render(Plain, format="png", short_side=90, colour="red")
    (scene, settings, options), = fake_render
    assert scene is Plain and settings.format == "png" and options == {"colour": "red"}


def test_outside_a_notebook_nothing_is_shown_and_ipython_is_not_imported(fake_render, monkeypatch):
    import nnanim

    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    monkeypatch.delitem(sys.modules, "IPython.display", raising=False)
    assert nnanim.render("layers", epochs=5) == Path("scene.mp4").absolute()
    assert "IPython" not in sys.modules


def test_a_terminal_ipython_shows_nothing(fake_render, notebook):
    import nnanim

    del notebook.shell.kernel
    nnanim.render("layers", epochs=5)
    assert notebook.shown == []


def test_stills_are_shown_as_images_and_links_on_request(fake_render, notebook):
    import nnanim

    still = nnanim.render("layers", epochs=5, output="still.png")
    nnanim.render("layers", epochs=5, output="clip.mp4", embed=False)
    image, video = notebook.shown
    assert image.filename == str(still)
    assert (video.data, video.embed) == ("clip.mp4", False)  # relative to the notebook's folder


def test_in_a_notebook_the_video_is_rendered_and_shown_once(notebook, isolated_cache, decode_frames):
    import nnanim

    namespace: dict = {"__name__": "my_scenes"}
    exec(compile(readme_manim_code(), "README.md", "exec"), namespace)  # noqa: S102
    path = nnanim.render(namespace["MoonsLayers"], quality="l", short_side=90, fps=3, aspect="9:16",
                         dataset="circles", epochs=40, n_samples=80, output="moons.mp4")
    assert path == Path.cwd() / "moons.mp4" and path.is_file()
    frames, fps = decode_frames(path)
    assert round(fps, 3) == 3 and frames.shape[1:3] == (160, 90) and len(frames) > 10
    (video,) = notebook.shown
    assert (video.data, video.embed) == (str(path), True)
