"""Render named scenes to finished video or image files.

One call reads as five steps: **resolve** the job (options checked and
merged, data built, the scene's checks run: :func:`nnanim.contract.resolve`,
all before Manim is imported), **validate** the output settings, **train**
once if the job has no run, **bind** the scene class to Manim
(:class:`nnanim.draw.scene.FlowScene`) and **run** it with all of Manim's
intermediate files in a private work folder under the cache directory, then
**finish** the file atomically: the result is written to a hidden temporary
name next to the destination and renamed into place only when complete.

Cache
-----
A contract scene's finished file is kept in the cache folder
(:mod:`nnanim.media.cache`): a render whose options, run, theme, frame and code
are those of one before copies that file into place instead of rendering;
``options["no_cache"]`` renders afresh.

Frame shapes
------------
``options["aspect"]`` (``16:9``, ``9:16``, ``1:1``, ``4:3``) sets the frame's
shape and the quality letter its *short* side: ``-q h --aspect 9:16`` is
1080 × 1920, ``-q l --aspect 1:1`` is 480 × 480.  The frame's short side is 8
scene units in every shape (:mod:`nnanim.layout`).

Pace and progress
-----------------
A *plan* pass walks the storyboard without drawing (a fraction of a second)
when its length is needed: to scale the pace to ``--duration``, and for the
one progress bar shown while a render runs in a terminal.

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
    At most :data:`GIF_FPS` frames a second and :data:`GIF_SHORT` pixels on
    the short side unless ``fps``/``short_side`` are given; drawn through
    lossless H.264 RGB (exact frames, where Manim's GIF came from lossy H.264:
    the noise changed most pixels of every frame) and written with one
    palette, ordered dither and only the changed pixels (:func:`_gif`). No alpha.

MP4, WebM and MOV are BT.709 (matrix, limited range) and tagged so
(:mod:`nnanim.media.encoder`); the same options give the same bytes.
``png``
    The last frame of the scene as an image (RGBA when ``transparent``).

Chapters and subtitles
----------------------
``chapters`` writes chapter marks into an MP4, MOV or WebM (the intro and
every stage beat) and ``NAME.chapters.txt`` beside it; ``subtitles`` writes
``NAME.srt`` and ``NAME.vtt`` with every beat's caption.  Both come from the
beats of the scene that rendered, on the video's own clock (whole frames,
recorded after every play), and are written atomically with the video, only
when the render succeeded (:mod:`nnanim.media.beats` makes the text).

Output name and format
----------------------
``RenderSettings.format=None`` takes the format from the extension of
``output`` (``mp4`` when there is no output or it has no extension). An
explicit format must agree with the output's extension; an output without an
extension gets the format's extension appended. Missing parent folders of
``output`` are created.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from nnanim.contract import Job, SceneContract, get_scene, list_scenes, resolve
from nnanim.files import atomic_write, check_writable
from nnanim.layout import frame_units, pixel_size
from nnanim.media import cache
from nnanim.media.cache import cache_dir
from nnanim.media.play import Plan, RenderError, bind, plan_scene
from nnanim.media.play import pace as _pace
from nnanim.media.play import play_scene as _play_scene  # looked up here at each call

__all__ = [
    "FORMATS",
    "QUALITIES",
    "Quality",
    "RenderError",
    "RenderSettings",
    "bind",
    "cache_dir",
    "check_output",
    "work_folder",
    "play_job",
    "plan_scene",
    "get_scene",
    "list_scenes",
    "render",
]


@dataclass(frozen=True)
class Quality:
    """Short side (pixels) and frame rate of one quality letter (Manim's letters).

    ``x264`` holds the libx264 options used for MP4 at this size: the fastest
    sensible preset for previews, a slower preset and lower CRF for final output.
    """

    name: str
    short: int
    fps: float
    x264: tuple[tuple[str, str], ...]

    def size(self, aspect: str = "16:9") -> tuple[int, int]:
        """``(width, height)`` in pixels for a frame of ``aspect``."""
        return pixel_size(aspect, self.short)

    @property
    def width(self) -> int:
        return self.size()[0]

    @property
    def height(self) -> int:
        return self.size()[1]


# Measured on a 4 s grid-warp scene: at 480p "veryfast" encodes 2x faster than
# the default "medium" for a 5% larger file.  On 120 frames of `layers` at
# 1080p60: "fast" crf 20 took 4.7 s CPU for 0.55 MB at 43.5 dB PSNR, "veryfast"
# crf 20 2.3 s for 0.48 MB at 41.3 dB; crf 19 buys back some of the difference.
# Key frames (issue 16).  Manim encodes each play as a segment of its own, a fresh encoder whose
# first frame is a key frame.  With x264's macroblock tree a key frame that every later frame of
# its segment copies (a play that begins on a still picture) is quantised far finer than the
# frames before the cut, coded as the end of a moving segment: the same picture stepped by about
# 1.5 levels (mean, 480p crf 23) from one frame to the next, a one-frame jump to the eye and to the
# jump check.  The step comes from the tree, so it is off (mbtree 0): measured on the saved frames
# of linear-vs-hidden 16:9 and neurons 1:1, re-encoded segment by segment, no step is left.
# Without the tree key frames are coded coarser, and the small class-coloured points lose their
# colour first (4:2:0 chroma): regression 1:1's first frame kept 281 pixels of its upper colours
# (the check asks for 300).  Chroma 3 QP finer than luma (chromaoffset -3) gives them back (329,
# as with the tree) for little: files 14-26 % larger than with the tree (linear-vs-hidden,
# neurons, regression; feature-cross 44 %), where crf 18 with the tree (also no step) costs
# 33-52 %.  Measured but not taken: one encoder per beat instead of per play (a key frame only
# where a render in parts may cut) makes files 2-3x smaller, but a beat that begins on a still
# picture steps as before (neurons 1:1), and Manim's writer would have to join plays itself.
# Without the tree a still picture coded afresh still differs from its P-frame copy by the two
# codings' noise: linear-vs-hidden's play at 1.8 s (480p, 5 fps) stepped 1.62 levels (16:9) and
# 1.60 (4:3) at crf 23, over the jump check's floor of 1.5.  Its rendered frames re-encoded play
# by play: crf 22 1.49/1.49 (+7 % file), crf 21 1.36/1.33 (+14 %), crf 20 1.22/1.18 (+22 %);
# aq-mode 0 1.36/1.42 (+13 %: no smaller, and it moves bits across every picture, unmeasured);
# ipratio 1.0 1.83, 2.0 1.51; qcomp 0.8 1.78, 1.0 1.65; tune animation 1.49, stillimage 1.69;
# psy 0, aq-mode 2 or 3 and deblock -1:-1 change nothing.  Only a finer quantiser narrows the
# step, so previews use crf 21.  At 1080p the final crf 19 steps 0.62 at the same cut.
# (One encode for the whole video steps 0.24 there, files 40 % smaller: not taken yet, for the
# reasons above.)
_X264_DRAFT = (("preset", "veryfast"), ("crf", "21"), ("mbtree", "0"), ("chromaoffset", "-3"))
_X264_FINAL = (("preset", "veryfast"), ("crf", "19"), ("mbtree", "0"), ("chromaoffset", "-3"))

QUALITIES: dict[str, Quality] = {
    "l": Quality("low", 480, 15, _X264_DRAFT),
    "m": Quality("medium", 720, 30, _X264_DRAFT),
    "h": Quality("high", 1080, 60, _X264_FINAL),
    "p": Quality("production", 1440, 60, _X264_FINAL),
    "k": Quality("4k", 2160, 60, _X264_FINAL),
}

FORMATS = ("mp4", "gif", "webm", "mov", "png")
#: a GIF's frame rate and short side unless ``fps`` / ``short_side`` are given: at most these
#: (a GIF is for a README or a slide: 480p15 of ``training`` was 51 MB)
GIF_FPS = 10
GIF_SHORT = 360
# the GIF is drawn through lossless H.264 RGB (exact frames) and written by _gif
_GIF_SEGMENTS = ("libx264rgb", "rgb24", {"qp": "0", "preset": "ultrafast"})
_ALPHA_FORMATS = ("webm", "mov", "png")
_TIMED_FORMATS = ("mp4", "webm", "mov")  # what chapters and subtitles go with

# VP9 in constant-quality mode (b=0) at realtime speed: the default "good"
# deadline is 5-10x slower for files ~1.5x smaller.
_VP9 = {"crf": "32", "b": "0", "deadline": "realtime", "cpu-used": "8", "row-mt": "1"}
# ProRes profile, pixel format and the QuickTime tag editors use to detect it.
_PRORES_ALPHA = ("4444", "yuva444p10le", "ap4h")
_PRORES_OPAQUE = ("hq", "yuv422p10le", "apch")


@dataclass
class RenderSettings:
    """How to render: size, frame rate, format, destination, console output.

    Attributes
    ----------
    quality
        One of :data:`QUALITIES` (``l m h p k``): the frame's short side and frame rate.
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
        Show Manim's log; otherwise only errors.
    progress
        Show one progress bar while rendering (only when stderr is a terminal).
    background
        Background colour (any Manim colour, e.g. ``"#1e1e1e"``); ``None``
        keeps the scene's own (black unless the scene sets one).
    short_side
        Pixels on the frame's short side, overriding the quality's (tests and
        drafts render tiny frames, e.g. 90 for 160 × 90).
    chapters
        Chapter marks in the video (mp4, webm, mov) and ``NAME.chapters.txt`` beside it.
    subtitles
        ``NAME.srt`` and ``NAME.vtt`` beside the video: every beat's caption.
    jobs
        Processes to render a video in: its beats are cut into ``jobs`` parts,
        rendered side by side and joined without re-encoding
        (:mod:`nnanim.media.parallel`; mp4, webm and mov, the same frames as one process).
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
    short_side: int | None = None
    chapters: bool = False
    subtitles: bool = False
    jobs: int = 1


@dataclass(frozen=True)
class _Output:
    """Validated settings: everything the file writing needs, resolved."""

    quality: Quality
    size: tuple[int, int]
    fps: float
    format: str
    transparent: bool
    output: Path


# ---------------------------------------------------------------- render


def render(scene: str | type | Job, settings: RenderSettings | None = None,
           options: dict | None = None) -> Path:
    """Render a scene to a file and return the file's absolute path.

    Parameters
    ----------
    scene
        A scene name (see :func:`list_scenes`), a scene class, or a
        :class:`~nnanim.contract.Job` already resolved.
    settings
        Size, frame rate, format and destination (default: 1080p60 MP4).
    options
        Scene options by the names of :data:`nnanim.options.OPTIONS`
        (``{"dataset": "moons", "aspect": "9:16", "run": run}``).  A plain Manim
        ``Scene`` class gets them as its ``options`` attribute instead.

    Returns
    -------
    Path
        The finished file. Nothing is written there unless the render succeeds.

    Raises
    ------
    NnanimError
        Invalid settings or options, an unknown scene, a scene that refuses
        the data, or an unwritable destination (:class:`RenderError` is one).
    KeyboardInterrupt
        Re-raised after removing temporary files.
    """
    settings = settings or RenderSettings()
    job = _job(scene, options)
    aspect = job.opt("aspect", "16:9") if job is not None else (options or {}).get("aspect", "16:9")
    out = _validate(settings, job.name.replace("-", "_") if job is not None else scene.__name__,
                    aspect)
    if job is None and (settings.chapters or settings.subtitles):
        raise RenderError(f"chapters and subtitles are made from a scene's beats; {scene.__name__} "
                          "is a plain Manim scene (subclass nnanim.draw.scene.FlowScene)")
    entry = None
    if job is not None:
        job.ensure_run()
        entry = cache.RenderEntry.of(job, out, settings)  # the same render done before: its files
        if entry.fetch():
            if settings.preview:
                _open_with_viewer(out.output)
            return out.output
    with work_folder("render") as work:
        temp = _manim_config(out, settings, work)
        artifact, played = _run_scene(scene, job, options, temp, settings, out.format, work)
        marks, sidecars = _beat_files(played, out, settings)
        # every file complete before the first is renamed; the video is renamed last, so a
        # signal between two renames never leaves a video without its subtitles
        with contextlib.ExitStack() as files:
            video = files.enter_context(atomic_write(out.output))
            for path, text in sidecars.items():
                files.enter_context(atomic_write(path)).write_text(text, encoding="utf-8")
            _finish(artifact, video, out, marks)
    if entry is not None:
        entry.store()
    if settings.preview:
        _open_with_viewer(out.output)
    return out.output


def check_output(job: Job, settings: RenderSettings) -> Path:
    """The output path the render will write, checked (and its folder created) before any work."""
    return _validate(settings, job.name.replace("-", "_"), job.opt("aspect", "16:9")).output


def _job(scene: str | type | Job, options: dict | None, command: str = "render") -> Job | None:
    """The resolved job of a named or contract scene; ``None`` for a plain Manim Scene class."""
    if isinstance(scene, Job):
        return scene
    if isinstance(scene, str) or (isinstance(scene, type) and issubclass(scene, SceneContract)):
        return resolve(scene, options, command)
    if isinstance(scene, type):
        checked_plain_options(options, command)
        return None
    raise RenderError(f"scene must be a name or a scene class, not {scene!r}")


def checked_plain_options(options: dict | None, command: str = "render") -> dict:
    """A plain Manim scene's options: the ones named in the option table checked by it.

    Other keys are the scene's own and pass untouched.  Raises :class:`NnanimError`.
    """
    from nnanim.options import options_for, parse_options

    names = {o.name for o in options_for(command)}
    known = {k: v for k, v in (options or {}).items() if k in names and k != "run"}
    checked = parse_options(command, known)
    if "theme" in checked:
        from nnanim.contract import theme_of

        theme_of(checked["theme"])
    return {**(options or {}), **checked}


def _plain(cls: type, options: dict | None) -> type:
    """A plain Manim Scene class with ``options`` merged over its own ``options`` attribute."""
    if not options:
        return cls
    return type(cls.__name__, (cls,), {"options": {**getattr(cls, "options", {}), **options}})


def _validate(settings: RenderSettings, stem: str, aspect: str = "16:9") -> _Output:
    """Check and resolve the settings, or raise RenderError; creates only a missing folder."""
    quality = QUALITIES.get(settings.quality)
    if quality is None:
        raise RenderError(
            f"unknown quality {settings.quality!r}; choose from: "
            + ", ".join(f"{k} ({q.short}p{q.fps:g})" for k, q in QUALITIES.items())
        )
    fps = quality.fps if settings.fps is None else settings.fps
    if settings.fps is None and _format_of(settings) == "gif":
        fps = min(fps, GIF_FPS)
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
    if fmt not in _TIMED_FORMATS:
        for name, wanted in (("chapters", settings.chapters), ("subtitles", settings.subtitles)):
            if wanted:
                raise RenderError(f"--{name} needs a video players can seek: "
                                  f"{', '.join(_TIMED_FORMATS)}, not {fmt}")

    if output is None:
        output = Path(f"{stem}.{fmt}")
    elif not suffix:
        output = output.with_name(f"{output.name}.{fmt}")
    output = Path.cwd() / output if not output.is_absolute() else output
    output = Path(os.path.normpath(output))
    short = quality.short if settings.short_side is None else settings.short_side
    if settings.short_side is None and fmt == "gif":
        short = min(short, GIF_SHORT)
    if isinstance(short, bool) or not isinstance(short, int) or not 16 <= short <= 4320:
        raise RenderError(f"short side must be 16..4320 pixels, not {short!r}")
    jobs = settings.jobs
    if isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= 64:
        raise RenderError(f"jobs must be a whole number from 1 to 64, not {jobs!r}")
    output = check_writable(output)  # last: it creates a missing folder
    return _Output(quality, pixel_size(aspect, short), fps, fmt, settings.transparent, output)


def _format_of(settings: RenderSettings) -> str | None:
    """The format the settings ask for, before it is checked (for defaults that depend on it)."""
    if settings.format:
        return str(settings.format).lower().lstrip(".")
    suffix = Path(settings.output).suffix.lower().lstrip(".") if settings.output else ""
    return suffix or None


def _choices(names: Any) -> str:
    return ", ".join(names) or "(none)"


# -- configure and run


@contextlib.contextmanager
def work_folder(kind: str) -> Iterator[Path]:
    """A private folder under ``cache_dir()/renders`` for Manim's files, removed however the block ends.

    A full disk or a cache that cannot be written (Manim's segments, the
    joined video) is one line (:class:`RenderError`), not a traceback.
    """
    from nnanim.errors import NnanimError
    from nnanim.files import write_error

    renders = _ensure_dir(cache_dir() / "renders")
    work = lock = None
    try:
        work = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=renders))
        lock = cache.hold(work)  # a render killed outright leaves an unlocked folder: swept later
        yield work
    except NnanimError:  # already one line (an output that cannot be written says so itself)
        raise
    except Exception as error:  # a full disk, also under Manim's encoder's RuntimeError
        full = write_error(error)
        if full is None:
            raise
        raise RenderError(f"cannot write to the cache folder {renders}: {full.strerror or full} "
                          "(free some space, or set NNANIM_CACHE_DIR)") from error
    finally:
        if lock is not None:
            lock.close()
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


def _ensure_dir(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RenderError(f"cannot create cache folder {path}: {error.strerror}") from error
    return path


def _manim_config(job: _Output, settings: RenderSettings, work: Path) -> dict[str, Any]:
    """Every Manim setting the render depends on, so nothing leaks in or out.

    Paths are all set explicitly (a ``manim.cfg`` in the working directory
    could otherwise redirect them). Segment caching is off: each render has
    its own work folder, deleted afterwards, so a cache could never be reused.
    Text and TeX renderings go there too: Manim rewrites and deletes files in
    its text folder while it parses them, so two renders sharing one folder
    fail each other (and a disk cache of Pango's SVGs saves no measurable time:
    texts are laid out once per process by :mod:`nnanim.draw.text`).
    """
    from manim import BLACK

    from nnanim.media.memory import encoder_limits, lean_heap

    lean_heap(*job.size)
    inflight, queue = encoder_limits(*job.size)
    q = job.quality
    codec, pixel_format, options = "auto", "auto", {}
    if job.format == "mp4":
        codec, pixel_format, options = "libx264", "yuv420p", dict(q.x264)
    elif job.format == "gif":  # exact frames, made into a GIF by _finish
        codec, pixel_format, options = _GIF_SEGMENTS[0], _GIF_SEGMENTS[1], dict(_GIF_SEGMENTS[2])
    elif job.format == "webm":
        pixel_format = "yuva420p" if job.transparent else "yuv420p"
        codec, options = "libvpx-vp9", dict(_VP9)
    elif job.format == "mov":
        profile, pixel_format, _tag = _PRORES_ALPHA if job.transparent else _PRORES_OPAQUE
        codec, options = "prores_ks", {"profile": profile}
    return {
        "verbosity": "INFO" if settings.verbose else "ERROR",  # first: others may log
        "progress_bar": "none",  # one bar of our own (render._Progress)
        "renderer": "cairo",
        "pixel_width": job.size[0],
        "pixel_height": job.size[1],
        "frame_width": frame_units(job.size)[0],
        "frame_height": frame_units(job.size)[1],
        "frame_rate": job.fps,
        "format": "mp4" if job.format == "gif" else job.format,
        "video_codec": codec,
        "pixel_format": pixel_format,
        "video_encoder_options": options,
        "background_opacity": 0.0 if job.transparent else 1.0,
        "background_color": settings.background or BLACK,
        "disable_caching": True,
        # encode one animation while rendering the next, below 1080p; frames queued < 48 MB
        "max_inflight_encoders": inflight,
        "encoder_queue_size": queue,
        "media_dir": work,
        "video_dir": work / "videos",
        "images_dir": work / "images",
        "partial_movie_dir": work / "partial_movies",
        "sections_dir": work / "sections",
        "log_dir": work / "logs",
        "tex_dir": work / "tex",
        "text_dir": work / "text",
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


def _run_scene(scene: Any, job: Job | None, options: dict | None, temp: dict[str, Any],
               settings: RenderSettings, fmt: str = "mp4", work: Path | None = None
               ) -> tuple[Path, Any]:
    """Render under a temporary Manim config; return Manim's output file and the scene that played.

    A contract scene is bound to Manim with its job; when its length is needed
    (``duration``, or a progress bar) a plan pass walks it first without drawing.
    With ``settings.jobs > 1`` a video is rendered in parts and joined in ``work``.
    """
    from nnanim.media.parallel import CUTTABLE

    if job is None:
        cls = _plain(scene, options)
        played = _play_scene(cls, temp)
    elif settings.jobs > 1 and fmt in CUTTABLE and work is not None:
        from nnanim.media.parallel import join, render_parts

        plan = plan_scene(job, temp)
        parts, played = render_parts(job, temp, settings.jobs, work, _pace(job, plan), list(plan.beats))
        joined = work / f"joined{parts[0].suffix}"
        join(parts, joined)
        return joined, played
    else:
        played = play_job(job, temp, settings.progress)
    artifact = getattr(played.renderer.file_writer, "final_file_path", None)
    if artifact is None or not Path(artifact).is_file():
        raise RuntimeError(f"Manim produced no output file for {type(played).__name__}")
    return Path(artifact), played


def play_job(job: Job, temp: dict[str, Any], progress: bool = False, mixin: type | None = None) -> Any:
    """Bind the job's scene to Manim and play it under ``temp``; return the scene that played.

    When its length is needed — a ``duration`` to scale the pace to, or the
    progress bar (``progress``, and stderr a terminal) — a plan pass walks the
    storyboard first without drawing.  ``mixin`` goes in front of the bound
    class (to log plays, say).
    """
    duration = job.opt("duration")
    show = progress and _is_terminal()
    pace, plan = 1.0, None
    if duration is not None or show:
        plan = plan_scene(job, temp)
        pace = _pace(job, plan)
    with _Progress(show, plan, pace) as bar:
        cls = bind(job, pace=pace, on_progress=bar.update if show else None)
        if mixin is not None:
            cls = type(cls.__name__, (mixin, cls), {})
        return _play_scene(cls, temp)


def _is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class _Progress:
    """One progress bar for a whole render (rich, on stderr, gone when done): beats and time left."""

    def __init__(self, show: bool, plan: Plan | None, pace: float) -> None:
        self.show = show and plan is not None
        self.total = (plan.seconds * pace) if plan is not None else 0.0
        self.beats = len(plan.beats) if plan is not None else 0
        self._bar = None

    def __enter__(self) -> _Progress:
        if self.show:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("rendering"), BarColumn(),
                                 TextColumn("beat {task.fields[beat]}/{task.fields[beats]}"),
                                 TimeRemainingColumn(), transient=True,
                                 console=Console(stderr=True))
            self._bar.__enter__()
            self._task = self._bar.add_task("render", total=max(self.total, 1e-9), beat=0,
                                            beats=self.beats)
        return self

    def update(self, seconds: float, beats: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=min(seconds, self.total), beat=min(beats, self.beats))

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


# -- finish


def _beat_files(played: Any, out: _Output, settings: RenderSettings
                ) -> tuple[list[dict], dict[Path, str]]:
    """The container's chapters and the text files beside the video, from the beats that played."""
    if not (settings.chapters or settings.subtitles):
        return [], {}
    from nnanim.media import beats

    cues = beats.cues(played.beats)
    paths = beats.sidecar_paths(out.output)
    marks, files = [], {}
    if settings.chapters:
        chapters = beats.chapters(cues, end=played.clock)
        marks = beats.container_chapters(chapters)
        files[paths["chapters"]] = beats.chapters_text(chapters)
    if settings.subtitles:
        files[paths["srt"]] = beats.srt(cues)
        files[paths["vtt"]] = beats.vtt(cues)
    return marks, files


def _finish(artifact: Path, partial: Path, job: _Output, chapters: list[dict] | None = None) -> None:
    """Write the final bytes to ``partial``: remux MP4/MOV (and WebM with chapters), copy the rest."""
    if job.format == "mp4":
        _remux(artifact, partial, "mp4", chapters=chapters)
    elif job.format == "mov":
        tag = (_PRORES_ALPHA if job.transparent else _PRORES_OPAQUE)[2]
        _remux(artifact, partial, "mov", codec_tag=tag, chapters=chapters)
    elif job.format == "webm":  # a remux without the muxer's random UIDs: the same bytes every run
        _remux(artifact, partial, "webm", chapters=chapters)
    elif job.format == "gif":
        _gif(artifact, partial, job.fps)
    else:
        shutil.copyfile(artifact, partial)


#: ffmpeg's filters for a GIF: one palette from every pixel of the video, ordered dither
_PALETTEGEN = "stats_mode=full"
_PALETTEUSE = "dither=bayer:bayer_scale=5:diff_mode=rectangle"


def _gif(source: Path, target: Path, fps: float) -> None:
    """The exact frames of ``source`` (lossless RGB) as a GIF, in two passes over the video.

    The first finds one palette for the whole video (``palettegen``); the second maps each frame
    to it with an ordered (Bayer) dither, a fixed pattern per pixel position, so a still pixel
    keeps its colour index from frame to frame (``paletteuse``), and ffmpeg's GIF encoder then
    stores of each frame only the rectangle that changed, its unchanged pixels transparent.
    Frames are streamed, never all held.  Measured against nnanim's own writer (median-cut
    palette, Bayer 8 × 8, the same differencing) on ``training -q l``: the same size for a
    fifth of the colour error (``benchmarks/bench_gif.py``).
    """
    import av

    rate = Fraction(fps).limit_denominator(1001)

    def frames():
        with av.open(str(source)) as container:
            for k, frame in enumerate(container.decode(video=0)):
                frame = frame.reformat(format="rgb24")  # exact: lossless RGB in, RGB out
                frame.pts, frame.time_base = k, 1 / rate
                yield frame

    def pull(sink):
        while True:
            try:
                yield sink.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return

    with av.open(str(source)) as container:
        width, height = container.streams.video[0].width, container.streams.video[0].height
    graph = av.filter.Graph()  # pass 1: the palette
    video = graph.add_buffer(width=width, height=height, format="rgb24", time_base=1 / rate)
    palettegen, sink = graph.add("palettegen", _PALETTEGEN), graph.add("buffersink")
    video.link_to(palettegen)
    palettegen.link_to(sink)
    graph.configure()
    for frame in frames():
        video.push(frame)
    video.push(None)
    (palette,) = list(pull(sink))

    graph = av.filter.Graph()  # pass 2: every frame mapped to it
    video = graph.add_buffer(width=width, height=height, format="rgb24", time_base=1 / rate)
    colours = graph.add_buffer(width=palette.width, height=palette.height, format=palette.format.name,
                               time_base=1 / rate)
    paletteuse, sink = graph.add("paletteuse", _PALETTEUSE), graph.add("buffersink")
    video.link_to(paletteuse, 0, 0)
    colours.link_to(paletteuse, 0, 1)
    paletteuse.link_to(sink)
    graph.configure()
    palette.pts = 0
    colours.push(palette)
    colours.push(None)  # paletteuse keeps the last palette for every frame
    with av.open(str(target), "w", format="gif") as out:
        stream = out.add_stream("gif", rate=rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "pal8"
        count = 0

        def write() -> None:
            nonlocal count
            for mapped in pull(sink):
                mapped.pts, mapped.time_base = count, 1 / rate
                count += 1
                out.mux(stream.encode(mapped))

        for frame in frames():
            video.push(frame)
            write()
        video.push(None)
        write()
        out.mux(stream.encode())


def _remux(source: Path, target: Path, container: str, codec_tag: str | None = None,
           chapters: list[dict] | None = None) -> None:
    """Stream-copy ``source`` into ``target`` with the index moved to the front.

    Manim's segment concatenation writes the ``moov`` index last and, for
    ProRes, loses the profile's codec tag (4444 is then labelled as 422 HQ);
    ``codec_tag`` restores it.  ``chapters`` (PyAV's chapter dicts,
    :func:`nnanim.media.beats.container_chapters`) are set before the header is
    written; MP4/MOV keep them through ``+faststart``.  A WebM keeps its VP9
    alpha (``alpha_mode``, a stream tag the copy would drop) and is written
    bit-exact (no random UIDs), so the same render gives the same bytes.
    """
    import av

    # Matroska writes random segment and track UIDs unless told to be bit-exact
    options = {"movflags": "+faststart"} if container in ("mp4", "mov") else {"fflags": "+bitexact"}
    with av.open(str(source)) as src, av.open(str(target), "w", container, options=options) as dst:
        streams = {}
        for stream in src.streams:
            if stream.type in ("video", "audio"):
                streams[stream.index] = dst.add_stream_from_template(stream)
                if "alpha_mode" in stream.metadata:
                    streams[stream.index].metadata["alpha_mode"] = stream.metadata["alpha_mode"]
        video = src.streams.video[0]
        if codec_tag is not None:
            streams[video.index].codec_context.codec_tag = codec_tag
        if chapters:
            dst.set_chapters(chapters)
        for packet in src.demux(*(src.streams[i] for i in streams)):
            if packet.dts is None:  # flush packets
                continue
            packet.stream = streams[packet.stream.index]
            dst.mux(packet)


def _open_with_viewer(path: Path) -> None:
    """Open ``path`` with the system viewer (``click.launch``); print a note if there is none."""
    import click

    if sys.platform.startswith("linux") and shutil.which("xdg-open") is None:
        print(f"note: no system viewer found; the file is at {path}", file=sys.stderr)
        return
    try:
        click.launch(str(path))
    except OSError:
        print(f"note: could not open a viewer for {path}", file=sys.stderr)
