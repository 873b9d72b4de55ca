"""Render named scenes to finished video or image files.

One call reads as four steps: **validate** the settings (before any work),
**configure** Manim inside :func:`manim.tempconfig`, **run** the scene with
all of Manim's intermediate files in a private work folder under the cache
directory, and **finish** the file atomically: the result is written to a
hidden temporary name next to the destination and renamed into place only when
it is complete.

Output formats
--------------
``mp4``
    H.264, ``yuv420p``, index at the front (``+faststart``) so browsers and
    slide software can play it while it loads. No alpha.
``webm``
    VP9; ``yuva420p`` with an alpha channel when ``transparent``.
``mov``
    ProRes: 4444 with alpha (``yuva444p10le``, tag ``ap4h``) when
    ``transparent``, else 422 HQ (``yuv422p10le``, tag ``apch``). Large files
    meant for video editors; use ``mp4`` for small files.
``gif``
    Manim's palette GIF. No alpha.
``png``
    The last frame of the scene as an image (RGBA when ``transparent``).

Output name and format
----------------------
``RenderSettings.format=None`` takes the format from the extension of
``output`` (``mp4`` when there is no output or it has no extension). An
explicit format must agree with the output's extension; an output without an
extension gets the format's extension appended. Missing parent folders of
``output`` are created.

Storyboards
-----------
:func:`storyboard` renders a scene small and at a few frames per second and
writes a PNG contact sheet of its key frames (the ends of its animations),
each labelled with its time: a quick look before a long render.
"""

from __future__ import annotations

import ast
import errno
import importlib
import importlib.util
import math
import os
import pkgutil
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnanim.errors import NnanimError

__all__ = [
    "FORMATS",
    "QUALITIES",
    "Quality",
    "RenderError",
    "RenderSettings",
    "SheetGeometry",
    "cache_dir",
    "get_scene",
    "list_scenes",
    "render",
    "sheet_geometry",
    "storyboard",
]

SCENES_PACKAGE = "nnanim.scenes"


class RenderError(NnanimError):
    """A problem with the user's request; the message is one line for the user."""


@dataclass(frozen=True)
class Quality:
    """Pixel size and frame rate of one quality letter (Manim's letters).

    ``x264`` holds the libx264 options used for MP4 at this size: the fastest
    sensible preset for previews, a slower preset and lower CRF for final output.
    """

    name: str
    width: int
    height: int
    fps: int
    x264: tuple[tuple[str, str], ...]


# Measured on a 4 s grid-warp scene: at 480p "veryfast" encodes 2x faster than
# the default "medium" for a 5% larger file.  On 120 frames of `layers` at
# 1080p60: "fast" crf 20 took 4.7 s CPU for 0.55 MB at 43.5 dB PSNR, "veryfast"
# crf 20 2.3 s for 0.48 MB at 41.3 dB; crf 19 buys back some of the difference.
_X264_DRAFT = (("preset", "veryfast"), ("crf", "23"))
_X264_FINAL = (("preset", "veryfast"), ("crf", "19"))

QUALITIES: dict[str, Quality] = {
    "l": Quality("low", 854, 480, 15, _X264_DRAFT),
    "m": Quality("medium", 1280, 720, 30, _X264_DRAFT),
    "h": Quality("high", 1920, 1080, 60, _X264_FINAL),
    "p": Quality("production", 2560, 1440, 60, _X264_FINAL),
    "k": Quality("4k", 3840, 2160, 60, _X264_FINAL),
}

FORMATS = ("mp4", "gif", "webm", "mov", "png")
_ALPHA_FORMATS = ("webm", "mov", "png")

# VP9 in constant-quality mode (b=0) at realtime speed: the default "good"
# deadline is 5-10x slower for files ~1.5x smaller.
_VP9 = {"crf": "32", "b": "0", "deadline": "realtime", "cpu-used": "8", "row-mt": "1"}
# ProRes profile, pixel format and the QuickTime tag editors use to detect it.
_PRORES_ALPHA = ("4444", "yuva444p10le", "ap4h")
_PRORES_OPAQUE = ("hq", "yuv422p10le", "apch")
_WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS}


@dataclass
class RenderSettings:
    """How to render: size, frame rate, format, destination, console output.

    Attributes
    ----------
    quality
        One of :data:`QUALITIES` (``l m h p k``).
    fps
        Frame rate; overrides the quality's rate when given.
    format
        One of :data:`FORMATS`, or ``None`` to take it from ``output``'s
        extension (``mp4`` by default).
    transparent
        Transparent background; only ``webm``, ``mov`` and ``png`` carry alpha.
    output
        Destination file; default ``./<scene>.<ext>`` in the current directory.
    preview
        Open the result with the system viewer, if there is one.
    verbose
        Show Manim's log; otherwise only errors and the progress bar.
    progress
        Show Manim's progress bar.
    background
        Background colour (any Manim colour, e.g. ``"#1e1e1e"``); ``None``
        keeps the scene's own (black unless the scene sets one).
    """

    quality: str = "h"
    fps: float | None = None
    format: str | None = None
    transparent: bool = False
    output: Path | None = None
    preview: bool = False
    verbose: bool = False
    progress: bool = True
    background: str | None = None


@dataclass(frozen=True)
class _Job:
    """Validated settings: everything the render needs, resolved."""

    quality: Quality
    fps: float
    format: str
    transparent: bool
    output: Path


# ---------------------------------------------------------------- scenes


def list_scenes() -> dict[str, str]:
    """Return the named scenes and their one-line descriptions.

    A scene is a module of the package ``nnanim.scenes``; its name is the
    module name and its description the first line of the module docstring.
    Modules whose names start with ``_`` are helpers, not scenes.

    Returns
    -------
    dict of str to str
        Scene name -> description, sorted by name.
    """
    package = importlib.import_module(SCENES_PACKAGE)
    scenes = {}
    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("_"):
            scenes[module.name] = _description(f"{SCENES_PACKAGE}.{module.name}")
    return dict(sorted(scenes.items()))


def _description(module_name: str) -> str:
    """Read the first docstring line without importing the module (no manim)."""
    spec = importlib.util.find_spec(module_name)
    source = None
    if spec is not None and spec.loader is not None and hasattr(spec.loader, "get_source"):
        source = spec.loader.get_source(module_name)
    if source is not None:
        doc = ast.get_docstring(ast.parse(source))
    else:  # compiled-only install: import it
        doc = importlib.import_module(module_name).__doc__
    return (doc or "").strip().partition("\n")[0].strip()


def get_scene(name: str) -> type:
    """Return the Scene class of the named scene.

    Parameters
    ----------
    name
        A name from :func:`list_scenes` (``-`` and ``_`` are interchangeable).

    Raises
    ------
    RenderError
        If there is no such scene; the message lists the scenes.
    """
    from manim import Scene

    scenes = list_scenes()
    key = name.replace("-", "_")
    if key not in scenes:
        raise RenderError(f"unknown scene {name!r}; choose from: {_choices(scenes)}")
    module = importlib.import_module(f"{SCENES_PACKAGE}.{key}")
    cls = getattr(module, "SCENE", None)
    if not (isinstance(cls, type) and issubclass(cls, Scene)):
        raise RenderError(f"scene module {key!r} does not define SCENE = <a Scene subclass>")
    return cls


# ---------------------------------------------------------------- render


def render(scene: str | type, settings: RenderSettings, options: dict | None = None) -> Path:
    """Render a scene to a file and return the file's absolute path.

    Parameters
    ----------
    scene
        A scene name (see :func:`list_scenes`) or a Scene subclass.
    settings
        Size, frame rate, format and destination.
    options
        Scene options, merged over the class's ``options`` attribute; the
        scene reads them as ``self.options``.

    Returns
    -------
    Path
        The finished file. Nothing is written there unless the render succeeds.

    Raises
    ------
    RenderError
        Invalid settings, an unknown scene, or an unwritable destination.
    KeyboardInterrupt
        Re-raised after removing temporary files.
    """
    job = _validate(settings, scene.replace("-", "_") if isinstance(scene, str) else scene.__name__)
    _check_options(options or {})
    cls = get_scene(scene) if isinstance(scene, str) else scene
    if options:
        cls = type(cls.__name__, (cls,), {"options": {**getattr(cls, "options", {}), **options}})

    work = Path(tempfile.mkdtemp(prefix="render-", dir=_ensure_dir(cache_dir() / "renders")))
    partial = job.output.with_name(f".{job.output.stem}.partial-{os.getpid()}{job.output.suffix}")
    try:
        artifact = _run_scene(cls, job, settings, work)
        try:
            _finish(artifact, partial, job)
            os.replace(partial, job.output)
        except OSError as error:
            if error.errno in _WRITE_ERRORS:  # disk full, permissions changed, ...
                raise RenderError(f"cannot write {job.output}: {error.strerror}") from error
            raise
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    if settings.preview:
        _open_with_viewer(job.output)
    return job.output


# -- validate


def _validate(settings: RenderSettings, stem: str) -> _Job:
    """Check and resolve the settings, or raise RenderError; touches no files."""
    quality = QUALITIES.get(settings.quality)
    if quality is None:
        raise RenderError(
            f"unknown quality {settings.quality!r}; choose from: "
            + ", ".join(f"{k} ({q.width}x{q.height} @{q.fps})" for k, q in QUALITIES.items())
        )
    fps = quality.fps if settings.fps is None else settings.fps
    if isinstance(fps, bool) or not isinstance(fps, int | float) or not (0 < fps <= 1000):
        raise RenderError(f"frame rate must be a number between 0 and 1000, not {fps!r}")
    if not math.isfinite(fps):
        raise RenderError(f"frame rate must be finite, not {fps!r}")

    fmt = settings.format.lower().lstrip(".") if settings.format else None
    if fmt is not None and fmt not in FORMATS:
        raise RenderError(f"unknown format {settings.format!r}; choose from: {_choices(FORMATS)}")
    output = Path(settings.output).expanduser() if settings.output else None
    if output is not None and output.is_dir():
        raise RenderError(f"output {output} is a directory; give a file name")
    suffix = output.suffix.lower().lstrip(".") if output else ""
    if suffix and suffix not in FORMATS:
        raise RenderError(
            f"output {str(output)!r} has an unknown extension; use one of: "
            + ", ".join(f".{f}" for f in FORMATS)
        )
    if fmt and suffix and fmt != suffix:
        raise RenderError(f"format {fmt!r} does not match the output's extension .{suffix}")
    fmt = fmt or suffix or "mp4"
    if settings.transparent and fmt not in _ALPHA_FORMATS:
        raise RenderError(
            f"{fmt} cannot carry transparency; use webm (VP9 with alpha), mov (ProRes 4444) or png"
        )

    if output is None:
        output = Path(f"{stem}.{fmt}")
    elif not suffix:
        output = output.with_name(f"{output.name}.{fmt}")
    output = Path.cwd() / output if not output.is_absolute() else output
    output = Path(os.path.normpath(output))
    _check_writable(output)
    return _Job(quality, fps, fmt, settings.transparent, output)


def _check_writable(output: Path) -> None:
    """Raise RenderError unless a file can be created next to ``output``.

    Missing parent folders are created (``-o out/clip.mp4`` works in a fresh
    checkout); the check itself creates and removes an anonymous file.
    """
    if output.is_dir():  # e.g. "clip" given and "clip.mp4" is a directory
        raise RenderError(f"output {output} is a directory; give a file name")
    folder = output.parent
    if folder.exists() and not folder.is_dir():
        raise RenderError(f"cannot write to {folder}: it is a file, not a directory")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=f".{output.stem}.probe-"):
            pass
    except OSError as error:
        raise RenderError(f"cannot write to {folder}: {error.strerror}") from error


def _check_options(options: dict) -> None:
    """Refuse scene options every scene shares the meaning of: ``theme`` and ``duration``."""
    theme = options.get("theme")
    if theme is not None:
        from nnanim.theme import list_themes

        themes = list_themes()
        if theme not in themes:
            raise RenderError(f"unknown theme {theme!r}; choose from: {_choices(themes)}")
    duration = options.get("duration")
    if duration is not None and (
        isinstance(duration, bool)
        or not isinstance(duration, int | float)
        or not (0 < duration < math.inf)
    ):
        raise RenderError(f"duration must be a positive number of seconds, not {duration!r}")


def _choices(names: Any) -> str:
    return ", ".join(names) or "(none)"


# -- configure and run


def cache_dir() -> Path:
    """Return the cache folder for Manim's intermediate files.

    ``$NNANIM_CACHE_DIR``, else ``$XDG_CACHE_HOME/nnanim``, else
    ``~/.cache/nnanim``.
    """
    if os.environ.get("NNANIM_CACHE_DIR"):
        return Path(os.environ["NNANIM_CACHE_DIR"]).expanduser().absolute()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser().absolute() / "nnanim"


def _ensure_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RenderError(f"cannot create cache folder {path}: {error.strerror}") from error
    return path


def _manim_config(job: _Job, settings: RenderSettings, work: Path) -> dict[str, Any]:
    """Every Manim setting the render depends on, so nothing leaks in or out.

    Paths are all set explicitly (a ``manim.cfg`` in the working directory
    could otherwise redirect them). Segment caching is off: each render has
    its own work folder, deleted afterwards, so a cache could never be reused.
    TeX and text renderings are content-addressed and shared across renders.
    """
    from manim import BLACK

    q = job.quality
    codec, pixel_format, options = "auto", "auto", {}
    if job.format in ("mp4", "gif"):  # a GIF is assembled from H.264 segments
        codec, pixel_format, options = "libx264", "yuv420p", dict(q.x264)
    elif job.format == "webm":
        pixel_format = "yuva420p" if job.transparent else "yuv420p"
        codec, options = "libvpx-vp9", dict(_VP9)
    elif job.format == "mov":
        profile, pixel_format, _tag = _PRORES_ALPHA if job.transparent else _PRORES_OPAQUE
        codec, options = "prores_ks", {"profile": profile}
    shared = _ensure_dir(cache_dir())
    return {
        "verbosity": "INFO" if settings.verbose else "ERROR",  # first: others may log
        "progress_bar": "display" if settings.progress else "none",
        "renderer": "cairo",
        "pixel_width": q.width,
        "pixel_height": q.height,
        "frame_height": 8.0,
        "frame_width": 8.0 * q.width / q.height,
        "frame_rate": job.fps,
        "format": job.format,
        "video_codec": codec,
        "pixel_format": pixel_format,
        "video_encoder_options": options,
        "background_opacity": 0.0 if job.transparent else 1.0,
        "background_color": settings.background or BLACK,
        "disable_caching": True,
        "max_inflight_encoders": 2,  # encode one animation while rendering the next
        "media_dir": work,
        "video_dir": work / "videos",
        "images_dir": work / "images",
        "partial_movie_dir": work / "partial_movies",
        "sections_dir": work / "sections",
        "log_dir": work / "logs",
        "tex_dir": shared / "tex",
        "text_dir": shared / "text",
        "input_file": "",
        "output_file": "",
        "log_to_file": False,
        "save_sections": False,
        "preview": False,
        "live_preview": False,
        "show_in_file_browser": False,
        "enable_gui": False,
        "dry_run": False,
        "from_animation_number": 0,
        "upto_animation_number": -1,
    }


def _run_scene(cls: type, job: _Job, settings: RenderSettings, work: Path) -> Path:
    """Render ``cls`` under a temporary Manim config; return Manim's output file."""
    scene = _play_scene(cls, _manim_config(job, settings, work))
    artifact = getattr(scene.renderer.file_writer, "final_file_path", None)
    if artifact is None or not Path(artifact).is_file():
        raise RuntimeError(f"Manim produced no output file for {cls.__name__}")
    return Path(artifact)


def _play_scene(cls: type, temp: dict[str, Any]) -> Any:
    """Construct and render ``cls`` inside ``tempconfig(temp)``; return the finished scene."""
    import manim

    unknown = [key for key in temp if key not in manim.config]
    if unknown:  # tempconfig would drop them silently
        raise RuntimeError(f"Manim has no config keys {unknown}")
    log_level = manim.logger.level  # tempconfig restores values, not the logger
    try:
        with manim.tempconfig(temp):
            scene = cls()
            try:
                scene.render()
            except RuntimeError as error:
                if "has no play calls" in str(error):
                    raise RenderError(
                        f"{cls.__name__} has no animations; render it with format png"
                    ) from error
                raise
    finally:
        manim.logger.setLevel(log_level)
    return scene


# -- finish


def _finish(artifact: Path, partial: Path, job: _Job) -> None:
    """Write the final bytes to ``partial``: remux MP4/MOV, copy the rest."""
    if job.format == "mp4":
        _remux(artifact, partial, "mp4")
    elif job.format == "mov":
        tag = (_PRORES_ALPHA if job.transparent else _PRORES_OPAQUE)[2]
        _remux(artifact, partial, "mov", codec_tag=tag)
    else:
        shutil.copyfile(artifact, partial)


def _remux(source: Path, target: Path, container: str, codec_tag: str | None = None) -> None:
    """Stream-copy ``source`` into ``target`` with the index moved to the front.

    Manim's segment concatenation writes the ``moov`` index last and, for
    ProRes, loses the profile's codec tag (4444 is then labelled as 422 HQ);
    ``codec_tag`` restores it.
    """
    import av

    options = {"movflags": "+faststart"}
    with av.open(str(source)) as src, av.open(str(target), "w", container, options=options) as dst:
        streams = {}
        for stream in src.streams:
            if stream.type in ("video", "audio"):
                streams[stream.index] = dst.add_stream_from_template(stream)
        video = src.streams.video[0]
        if codec_tag is not None:
            streams[video.index].codec_context.codec_tag = codec_tag
        for packet in src.demux(*(src.streams[i] for i in streams)):
            if packet.dts is None:  # flush packets
                continue
            packet.stream = streams[packet.stream.index]
            dst.mux(packet)


def _open_with_viewer(path: Path) -> None:
    """Open ``path`` with the system viewer; print a note if there is none."""
    if sys.platform == "win32":
        try:
            os.startfile(path)  # type: ignore[attr-defined]
        except OSError:
            print(f"note: could not open a viewer for {path}", file=sys.stderr)
        return
    opener = shutil.which("open" if sys.platform == "darwin" else "xdg-open")
    if opener is None:
        print(f"note: no system viewer found; the file is at {path}", file=sys.stderr)
        return
    try:
        subprocess.Popen(
            [opener, str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        print(f"note: could not open a viewer for {path}", file=sys.stderr)


# ---------------------------------------------------------------- storyboard

#: pixel size and frame rate of the draft render behind a storyboard (one tile per frame)
STORYBOARD_SIZE = (480, 270)
STORYBOARD_FPS = 2
#: how many key frames a sheet may hold
STORYBOARD_FRAMES = range(6, 13)
#: plays shorter than this (caption swaps, quick fades) are transitions, not key moments
_TRANSITION = 0.5
#: two frames show the same picture when fewer than this share of their pixels differ by
#: more than the level step below (which is above the draft encoder's noise)
_SAME_PICTURE = (0.001, 24)
# near-lossless, fastest x264: the segments only live until they are decoded
_X264_STORYBOARD = (("preset", "ultrafast"), ("crf", "12"))


@dataclass(frozen=True)
class SheetGeometry:
    """Where the tiles and their labels sit on a contact sheet (pixels, ``(x, y, w, h)``).

    Attributes
    ----------
    size
        ``(width, height)`` of the whole sheet.
    tiles, labels
        One box per key frame, in time order, filled row by row.
    gap
        Space around and between the tiles.
    """

    size: tuple[int, int]
    tiles: tuple[tuple[int, int, int, int], ...]
    labels: tuple[tuple[int, int, int, int], ...]
    gap: int


def sheet_geometry(
    frames: int, columns: int, tile: tuple[int, int] = STORYBOARD_SIZE
) -> SheetGeometry:
    """Lay out ``frames`` tiles of size ``tile`` in rows of ``columns``, each over a label strip."""
    width, height = tile
    gap = max(4, round(width / 60))
    label = max(14, round(height * 0.085))
    columns = min(columns, frames)
    rows = -(-frames // columns)
    tiles, labels = [], []
    for i in range(frames):
        row, col = divmod(i, columns)
        x, y = gap + col * (width + gap), gap + row * (height + label + gap)
        tiles.append((x, y, width, height))
        labels.append((x, y + height, width, label))
    size = (columns * width + (columns + 1) * gap, rows * (height + label) + (rows + 1) * gap)
    return SheetGeometry(size, tuple(tiles), tuple(labels), gap)


def storyboard(
    scene: str | type,
    options: dict | None = None,
    output: str | Path | None = None,
    frames: int = 9,
    columns: int = 3,
    *,
    size: tuple[int, int] = STORYBOARD_SIZE,
    fps: float = STORYBOARD_FPS,
    verbose: bool = False,
    progress: bool = False,
) -> Path:
    """Render a scene as a draft and write a contact sheet of its key frames (PNG).

    The scene is rendered small and at a low frame rate into the cache work
    folder; its segments (Manim writes one per ``play``) are decoded with PyAV.
    Key moments are the ends of the animations: the first frame of the next
    segment shows exactly where an animation left the picture. Transitions
    shorter than half a second (caption swaps) and pictures equal to the
    previous key frame (waits) are skipped; if more moments remain than
    ``frames``, an evenly spaced choice is kept (always the first and the last);
    if fewer, frames inside the longest stretches without a key frame are added.
    A scene with fewer frames than ``frames`` gives a sheet of all of them.

    Parameters
    ----------
    scene
        A scene name (see :func:`list_scenes`) or a Scene subclass.
    options
        Scene options, as for :func:`render`; ``options["theme"]`` also colours the sheet.
    output
        Destination ``.png``; default ``./<scene>-storyboard.png``.
    frames
        Number of key frames, 6 to 12.
    columns
        Tiles per row.
    size, fps
        Pixel size and frame rate of the draft render (one tile is ``size``).
    verbose, progress
        Manim's log and progress bar.

    Returns
    -------
    Path
        The sheet, written atomically (temporary name, then renamed).

    Raises
    ------
    RenderError
        Bad frames/columns/options, an unknown scene, a wrong extension or an
        unwritable destination, all before any work.
    """
    if isinstance(frames, bool) or not isinstance(frames, int) or frames not in STORYBOARD_FRAMES:
        low, high = STORYBOARD_FRAMES[0], STORYBOARD_FRAMES[-1]
        raise RenderError(f"frames must be {low}..{high}, not {frames!r}")
    if isinstance(columns, bool) or not isinstance(columns, int) or columns < 1:
        raise RenderError(f"columns must be a positive whole number, not {columns!r}")
    width, height = size
    if min(width, height) < 16 or not (0 < fps <= 60):
        raise RenderError(f"draft size {size!r} or frame rate {fps!r} out of range")
    options = dict(options or {})
    _check_options(options)
    cls = get_scene(scene) if isinstance(scene, str) else scene
    stem = scene.replace("-", "_") if isinstance(scene, str) else scene.__name__
    output = _storyboard_output(output, stem)
    merged = {**getattr(cls, "options", {}), **options}
    cls = type(cls.__name__, (_PlayLog, cls), {"options": merged})

    quality = Quality("storyboard", width, height, fps, _X264_STORYBOARD)
    job = _Job(quality, fps, "mp4", False, output)
    settings = RenderSettings(verbose=verbose, progress=progress)
    work = Path(tempfile.mkdtemp(prefix="storyboard-", dir=_ensure_dir(cache_dir() / "renders")))
    partial = output.with_name(f".{output.stem}.partial-{os.getpid()}.png")
    try:
        # full-resolution colour for sharp tiles; keep every segment until it is decoded
        temp = {**_manim_config(job, settings, work), "pixel_format": "yuv444p",
                "max_files_cached": -1}
        try:
            played = _play_scene(cls, temp)
        except RenderError as error:
            if "no animations" not in str(error):
                raise
            raise RenderError(f"{cls.__name__} has no animations: nothing to storyboard") from error
        times, images, plays = _timeline(played, fps)
        chosen = _key_frames(times, images, plays, frames)
        theme = getattr(played, "theme", None)
        sheet = _contact_sheet([images[i] for i in chosen], [times[i] for i in chosen], columns,
                               _sheet_colours(theme, options.get("theme")))
        try:
            sheet.save(partial, format="PNG")
            os.replace(partial, output)
        except OSError as error:
            if error.errno in _WRITE_ERRORS:
                raise RenderError(f"cannot write {output}: {error.strerror}") from error
            raise
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(work, ignore_errors=True)
    return output


def _storyboard_output(output: str | Path | None, stem: str) -> Path:
    """The sheet's absolute path: a ``.png`` in a folder we can write to."""
    path = Path(output).expanduser() if output else Path(f"{stem}-storyboard.png")
    if path.is_dir():
        raise RenderError(f"output {path} is a directory; give a file name")
    if not path.suffix:
        path = path.with_name(f"{path.name}.png")
    elif path.suffix.lower() != ".png":
        raise RenderError(
            f"a storyboard is a PNG image; give a name ending in .png, not {str(path)!r}"
        )
    path = Path(os.path.normpath(Path.cwd() / path))
    _check_writable(path)
    return path


class _PlayLog:
    """Mixed into the scene class: notes each play's Manim index and run time, and the end.

    The run time is the one asked for: at a draft frame rate Manim stretches
    plays shorter than one frame, which would shift every later time label.
    The last segment stops one frame short of the end; the finished picture
    is drawn once more after ``construct``, as Manim does for a PNG.
    """

    def construct(self) -> None:
        super().construct()
        if self.renderer.num_plays:
            self.renderer.static_image = None
            self.renderer.update_frame(self)
            self.__dict__["last_picture"] = self.renderer.get_frame()[..., :3].copy()

    def play(self, *args: Any, **kwargs: Any) -> None:
        log = self.__dict__.setdefault("play_log", [])
        index = self.renderer.num_plays
        super().play(*args, **kwargs)
        if self.renderer.num_plays > index:
            asked = [a.run_time for a in self.animations or ()]
            log.append((index, float(min(self.duration, max(asked, default=self.duration)))))


@dataclass(frozen=True)
class _Play:
    start: float
    duration: float
    first: int  # index of its first frame in the timeline
    count: int  # frames it wrote


def _timeline(scene: Any, fps: float) -> tuple[list[float], list[Any], list[_Play]]:
    """Decode every segment: frame times (scene seconds), RGB frames, and the plays."""
    import av

    files = scene.renderer.file_writer.partial_movie_files
    times, images, plays, clock = [], [], [], 0.0
    for index, duration in getattr(scene, "play_log", []):
        path = files[index] if index < len(files) else None
        decoded = []
        if path is not None and Path(path).is_file():
            with av.open(str(path)) as container:
                decoded = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
        plays.append(_Play(clock, duration, len(images), len(decoded)))
        times.extend(clock + i / fps for i in range(len(decoded)))
        images.extend(decoded)
        clock += duration
    last = getattr(scene, "last_picture", None)
    if last is not None:
        times.append(clock)
        images.append(last)
    if not images:
        raise RuntimeError(f"Manim wrote no frames for {type(scene).__name__}")
    return times, images, plays


def _key_frames(times: list[float], images: list[Any], plays: list[_Play], n: int) -> list[int]:
    """Indices of ``n`` key frames (fewer if the timeline is shorter), in time order."""
    import numpy as np

    share, step = _SAME_PICTURE

    def same(i: int, j: int) -> bool:
        changed = np.abs(images[i].astype(np.int16) - images[j]).max(axis=-1) > step
        return float(changed.mean()) < share

    # the picture at the end of each animation: the next segment's first frame
    long = [p for p in plays if p.duration >= _TRANSITION] or plays
    ends = []
    for p in long:
        end = p.start + p.duration - 1e-6
        after = [i for i in range(p.first + p.count, len(times)) if times[i] >= end]
        ends.append(after[0] if after else len(times) - 1)
    moments: list[int] = []
    for i in sorted(set(ends)):
        if not moments or not same(i, moments[-1]):
            moments.append(i)
    if len(moments) > n:
        picks = np.round(np.linspace(0, len(moments) - 1, n)).astype(int)
        return [moments[k] for k in picks]

    # too few: add the frame farthest (in time) from every key frame, again and again,
    # skipping repeated pictures; frames of the animations first, then any frame
    chosen = list(moments)
    inside = [i for p in long for i in range(p.first, p.first + p.count) if times[i] > 0]
    for pool in (inside, range(len(times))):
        pool = [i for i in pool if i not in chosen]
        while len(chosen) < n and pool:
            far = max(pool, key=lambda i: (min(abs(times[i] - times[c]) for c in chosen), -i))
            pool.remove(far)
            if not any(same(far, c) for c in chosen):
                chosen.append(far)
    return sorted(chosen)


def _sheet_colours(theme: Any, name: str | None) -> dict[str, str]:
    """Background, label and tile-edge colours: the scene's theme, else the named one."""
    from nnanim.theme import Theme, load_theme

    if not isinstance(theme, Theme):
        theme = load_theme(name or "dark")
    return {"background": theme.background, "label": theme.foreground, "index": theme.muted,
            "edge": _mix(theme.background, theme.muted, 0.35)}


def _mix(a: str, b: str, t: float) -> str:
    ca = [int(a.lstrip("#")[k : k + 2], 16) for k in (0, 2, 4)]
    cb = [int(b.lstrip("#")[k : k + 2], 16) for k in (0, 2, 4)]
    return "#" + "".join(f"{round((1 - t) * x + t * y):02x}" for x, y in zip(ca, cb, strict=True))


def _format_time(seconds: float) -> str:
    minutes, rest = divmod(round(seconds, 1), 60)
    return f"{int(minutes)}:{rest:04.1f}" if minutes else f"{rest:.1f} s"


def _label_font(size: int) -> Any:
    """DejaVu Sans if installed (it is what the scenes use), else PIL's own font."""
    from PIL import ImageFont

    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:
        return ImageFont.load_default(size)


def _contact_sheet(
    images: list[Any], times: list[float], columns: int, colours: dict[str, str]
) -> Any:
    """Tile the frames row by row, each over a strip with its number and time."""
    from PIL import Image, ImageDraw

    height, width = images[0].shape[:2]
    geometry = sheet_geometry(len(images), columns, (width, height))
    sheet = Image.new("RGB", geometry.size, colours["background"])
    draw = ImageDraw.Draw(sheet)
    font = _label_font(round(geometry.labels[0][3] * 0.62))
    boxes = zip(images, times, geometry.tiles, geometry.labels, strict=True)
    for k, (image, time, tile, label) in enumerate(boxes):
        x, y, w, h = tile
        sheet.paste(Image.fromarray(image), (x, y))
        draw.rectangle((x - 1, y - 1, x + w, y + h), outline=colours["edge"])
        lx, ly, _lw, lh = label
        middle = ly + lh / 2 + 1
        draw.text((lx + 2, middle), f"{k + 1}", fill=colours["index"], font=font, anchor="lm")
        draw.text((lx + w - 2, middle), _format_time(time), fill=colours["label"], font=font,
                  anchor="rm")
    return sheet
