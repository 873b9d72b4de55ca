"""Slide decks: one slide per beat, its video stopping on the beat's last frame.

:func:`slides` renders a scene once and turns each of its beats
(:attr:`nnanim.draw.scene.FlowScene.beats`: every caption swap and stage starts
one) into a slide whose video plays that beat and stops on its last frame;
the beat's caption and explanation become the slide's speaker notes.  The
deck is a `manim-slides <https://github.com/jeertmans/manim-slides>`_
presentation, written by manim-slides' own converters:

``DECK.html``
    reveal.js, for any browser, offline: the videos and reveal.js itself
    (from the ``sphinx-revealjs`` package) sit in ``DECK_assets/`` beside it.
    Arrow keys step, space pauses, ``S`` opens the speaker view with the notes.
``DECK.pptx``
    PowerPoint (or LibreOffice Impress): one movie per slide, starting by
    itself, the notes in the slide's notes.  Each movie's poster picture (what
    thumbnails, printouts and a PDF export show) is its own beat's last frame,
    and the file says what it is: title (the scene), author ``nnanim``, the
    render's date, the slide size's presentation format and a thumbnail of the
    first slide (manim-slides' converter would leave python-pptx's template
    metadata and the previous beat's last frame as every poster).
``DECK.pdf``
    One page per slide: the beat's last frame (a printout, or a fallback),
    with the same title, author and dates.

The date of a deck is the time of its render, or ``SOURCE_DATE_EPOCH`` when
that is set (reproducible builds).
``DIR/``
    The presentation itself: ``DIR/NAME.json`` and ``DIR/files/NAME/*.mp4``,
    as manim-slides writes it, for ``manim-slides present NAME --folder DIR``
    and ``manim-slides convert NAME OUT --folder DIR`` (run from DIR's parent).

Per-beat videos
---------------
Manim writes one partial movie per ``play``, each an H.264 file that starts
with a key frame; a beat covers consecutive plays.  The plays are logged
with the beat they belong to while the scene renders (once), and each
beat's movies are joined by stream copy (PyAV's concat demuxer, as Manim
joins them into the whole video): the packets are copied byte for byte, no
frame is decoded or encoded again, and the cut points are exact whatever
Manim rounded each play to in frames.  Cutting the finished video at the
beats' times instead would need those frame counts back to find the cuts
and one more pass over the whole file, for the same result.  A beat's video
ends where its last movie ends, one frame before the beat's end picture
(which is the next beat's first frame); after the scenes' eased animations
the two look the same.  Reversed videos are not made (``rev_file`` is the
video itself): reversing costs memory and time (manim-slides #434), no
converter uses them, and ``manim-slides present`` then replays forwards.

Needs the optional extra: ``pip install 'nnanim[slides]'``.
"""

from __future__ import annotations

import collections
import contextlib
import html
import importlib.util
import io
import json
import logging
import os
import re
import secrets
import shutil
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from nnanim.files import atomic_write, check_writable
from nnanim.layout import pixel_size
from nnanim.media.render import (
    QUALITIES,
    RenderError,
    RenderSettings,
    _job,
    _manim_config,
    _Output,
    play_job,
    work_folder,
)

__all__ = ["DECK_FORMATS", "EXTRA_HINT", "Deck", "Slide", "SlideTarget", "join_movies", "require_extra",
           "slide_target", "slides", "write_deck"]

#: what ``-o`` may end in (besides a folder, ``DIR/``)
DECK_FORMATS = ("html", "pptx", "pdf")
#: the one line a missing extra prints
EXTRA_HINT = "slides need the optional extra: pip install 'nnanim[slides]'"
#: PowerPoint and PDF pages get this many inches on the short side (7.5: PowerPoint's own 16:9
#: and 4:3 sizes, 13.33 × 7.5 and 10 × 7.5 inches)
_PAGE_SHORT_INCHES = 7.5


@dataclass(frozen=True)
class SlideTarget:
    """Where a deck goes: ``kind`` is one of :data:`DECK_FORMATS` or ``"folder"``."""

    kind: str
    path: Path


@dataclass(frozen=True)
class Slide:
    """One slide: its video (a beat's plays joined) and its speaker notes."""

    video: Path
    notes: str


@dataclass(frozen=True)
class Deck:
    """A rendered scene cut into slides, ready to be written in any format."""

    name: str
    slides: tuple[Slide, ...]
    size: tuple[int, int]
    background: str
    reveal_theme: str
    #: when it was rendered (UTC, whole seconds): the PPTX's and PDF's dates
    created: datetime = field(default_factory=lambda: render_time())


def render_time() -> datetime:
    """Now (UTC, whole seconds), or ``SOURCE_DATE_EPOCH`` when that is set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), timezone.utc)
    return datetime.now(timezone.utc).replace(microsecond=0)


# --------------------------------------------------------------------------- checks before the work


def require_extra(kind: str = "html") -> None:
    """Raise :class:`RenderError` (one line: how to install it) if the ``slides`` extra is missing."""
    needed = ["manim_slides"] + (["sphinx_revealjs"] if kind == "html" else [])
    if not all(_has_module(name) for name in needed):
        raise RenderError(EXTRA_HINT)


def _has_module(name: str) -> bool:
    if name in sys.modules:  # manim_slides replaces its module with one that has no __spec__
        return sys.modules[name] is not None
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def slide_target(output: str | os.PathLike, stem: str = "deck") -> SlideTarget:
    """The checked destination: ``DECK.html``/``.pptx``/``.pdf``, or a folder (``DIR/``, or one
    that exists).  Missing parent folders are created; raises :class:`RenderError` (one line)."""
    text = os.fspath(output)
    path = Path(os.path.normpath(Path.cwd() / Path(text).expanduser()))
    if text.endswith(("/", os.sep)) or path.is_dir():
        if path.exists() and not path.is_dir():
            raise RenderError(f"output {path} is a file, not a folder")
        check_writable(path / f"{stem}.json")  # creates the folder
        return SlideTarget("folder", path)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in DECK_FORMATS:
        raise RenderError(f"a deck is DECK.html, DECK.pptx, DECK.pdf or a folder DIR/ "
                          f"(manim-slides' own files), not {text!r}")
    return SlideTarget(suffix, check_writable(path))


# --------------------------------------------------------------------------- the render


def slides(
    scene: str | type | Any,
    output: str | os.PathLike,
    options: dict | None = None,
    *,
    quality: str = "h",
    fps: float | None = None,
    verbose: bool = False,
    progress: bool = True,
) -> Path:
    """Render a scene once and write it as a slide deck, one slide per beat; return the deck's path.

    Parameters
    ----------
    scene
        A scene name, a scene class (a :class:`~nnanim.contract.SceneContract`) or a resolved
        :class:`~nnanim.contract.Job`.
    output
        ``DECK.html``, ``DECK.pptx``, ``DECK.pdf``, or a folder ``DIR/`` for the
        manim-slides presentation itself (``DIR/NAME.json`` and its videos).
    options
        Scene options by the option table's names (``{"theme": "light", "aspect": "4:3"}``).
    quality, fps
        As for :func:`nnanim.media.render.render` (``l m h p k``; the frame's short side).
    verbose, progress
        Manim's log; one progress bar while rendering (on a terminal).

    Returns
    -------
    Path
        The deck (the folder for ``DIR/``).  Nothing is left at the destination unless it succeeds.

    Raises
    ------
    NnanimError
        Bad options, a plain Manim scene (it has no beats), a wrong extension, an unwritable
        destination or the missing ``slides`` extra: all before any work.
    """
    job = _job(scene, options, "slides")
    if job is None:
        raise RenderError("slides are made from a scene's beats; give a scene name "
                          "(`nnanim scenes`) or a SceneContract class, not a plain Manim scene")
    stem = job.name.replace("-", "_")
    target = slide_target(output, stem)
    require_extra(target.kind)
    if quality not in QUALITIES:
        raise RenderError(f"unknown quality {quality!r}; choose from: {', '.join(QUALITIES)}")
    job.ensure_run()
    with work_folder("slides") as work:
        deck = _render_deck(job, stem, work, quality, fps, verbose, progress)
        write_deck(deck, target)
    return target.path


class _BeatLog:
    """Mixed into the scene class: notes each play's Manim index and the beat it belongs to."""

    def play(self, *args: Any, **kwargs: Any) -> None:
        index = self.renderer.num_plays
        super().play(*args, **kwargs)
        if self.renderer.num_plays > index:
            self.__dict__.setdefault("beat_plays", []).append((index, len(self.beats) - 1))


def _render_deck(job: Any, stem: str, work: Path, quality: str, fps: float | None,
                 verbose: bool, progress: bool) -> Deck:
    """Render the job once in ``work`` and join each beat's partial movies into one video."""
    q = QUALITIES[quality]
    size = pixel_size(job.opt("aspect", "16:9"), q.short)
    rate = q.fps if fps is None else fps
    out = _Output(q, size, rate, "mp4", False, work / f"{stem}.mp4")
    settings = RenderSettings(quality=quality, fps=rate, verbose=verbose, progress=progress)
    temp = {**_manim_config(out, settings, work), "max_files_cached": -1}  # keep every movie
    created = render_time()
    played = play_job(job, temp, progress, mixin=_BeatLog)

    movies = played.renderer.file_writer.partial_movie_files
    groups: dict[int, list[Path]] = {}
    for index, beat in getattr(played, "beat_plays", []):
        if index < len(movies) and movies[index] and Path(movies[index]).is_file():
            groups.setdefault(beat, []).append(Path(movies[index]))
    folder = work / "deck"
    folder.mkdir()
    digits = max(2, len(str(len(groups))))
    slides, waiting = [], []  # notes of beats without a play go to the next slide
    for k, beat in enumerate(played.beats):
        notes = _notes(beat)
        if k not in groups:
            waiting.append(notes)
            continue
        video = folder / f"{stem}-{len(slides) + 1:0{digits}d}.mp4"
        join_movies(groups[k], video)
        slides.append(Slide(video, "\n\n".join(n for n in (*waiting, notes) if n)))
        waiting = []
    if not slides:
        raise RenderError(f"{job.name} played no animation: there is nothing to put on a slide")
    if waiting:
        last = slides[-1]
        slides[-1] = Slide(last.video, "\n\n".join(n for n in (last.notes, *waiting) if n))
    theme = job.theme
    return Deck(stem, tuple(slides), size, theme.background, _reveal_theme(theme.background), created)


def _notes(beat: Any) -> str:
    """A beat's speaker notes: its caption, a blank line, its explanation."""
    return "\n\n".join(part.strip() for part in (beat.title, beat.detail) if part and part.strip())


def _reveal_theme(background: str) -> str:
    """reveal.js's ``black`` theme on a dark background, ``white`` on a light one."""
    from nnanim.theme import hex_rgb

    r, g, b = hex_rgb(background)
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5 else "white"


def join_movies(parts: list[Path], target: Path) -> None:
    """Join H.264 movies of the same encoding into ``target`` (MP4, index at the front) by stream
    copy: PyAV's concat demuxer offsets each part's timestamps; the packets are copied byte for
    byte, no frame is decoded or encoded again."""
    import av

    listing = target.with_suffix(".txt")
    listing.write_text("".join("file '" + str(p.resolve()).replace("'", "'\\''") + "'\n"
                               for p in parts), encoding="utf-8")
    try:
        # auto_convert off: the packets stay as they are (every part has the same extradata)
        with av.open(str(listing), format="concat", options={"safe": "0", "auto_convert": "0"}) as src, \
                av.open(str(target), "w", "mp4", options={"movflags": "+faststart"}) as dst:
            video = src.streams.video[0]
            stream = dst.add_stream_from_template(video)
            for packet in src.demux(video):
                if packet.dts is None:  # flush packets
                    continue
                packet.stream = stream
                dst.mux(packet)
    finally:
        listing.unlink(missing_ok=True)


# --------------------------------------------------------------------------- writing a deck


def write_deck(deck: Deck, target: SlideTarget) -> Path:
    """Write ``deck`` to ``target`` with manim-slides' converters; nothing is left there on failure."""
    from manim_slides.logger import logger

    level = logger.level
    logger.setLevel(logging.ERROR)  # its progress is ours to show
    try:
        with contextlib.redirect_stderr(io.StringIO()):  # the converters' tqdm bars
            if target.kind == "folder":
                _write_folder(deck, target.path)
            elif target.kind == "html":
                _write_html(deck, target.path)
            else:
                with atomic_write(target.path) as partial:
                    _PAGE_WRITERS[target.kind](deck, partial)
    finally:
        logger.setLevel(level)
    return target.path


def _presentation(deck: Deck, notes: Any = None) -> Any:
    """The deck as a manim-slides ``PresentationConfig`` (``notes`` maps each slide's notes)."""
    from manim_slides.config import PresentationConfig, SlideConfig

    notes = notes or (lambda text: text)
    return PresentationConfig(
        slides=[SlideConfig(file=s.video, rev_file=s.video, notes=notes(s.notes), dedent_notes=False)
                for s in deck.slides],
        resolution=deck.size,
        background_color=deck.background,
    )


def _page_size(deck: Deck) -> tuple[int, int]:
    """Slide size in 96-dpi pixels (PowerPoint's unit): 7.5 inches on the short side."""
    width, height = deck.size
    short = min(width, height)
    return round(width * 96 * _PAGE_SHORT_INCHES / short), round(height * 96 * _PAGE_SHORT_INCHES / short)


def last_frame(video: Path) -> Any:
    """The last frame of ``video`` as an RGB PIL image (a slide's own end picture)."""
    import av

    with av.open(str(video)) as container:
        frame = next(iter(collections.deque(container.decode(video=0), maxlen=1)), None)
    if frame is None:
        raise RuntimeError(f"{video.name} has no frame")
    return frame.to_image().convert("RGB")


#: ``PresentationFormat`` (docProps/app.xml) by the slide's width : height, as PowerPoint names
#: them; any other shape (9:16, 1:1) is "Custom"
_PPTX_FORMATS = {(16, 9): "On-screen Show (16:9)", (4, 3): "On-screen Show (4:3)",
                 (16, 10): "On-screen Show (16:10)"}
_APP_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<TotalTime>0</TotalTime><Words>0</Words><Application>nnanim</Application>"
    "<PresentationFormat>{format}</PresentationFormat><Paragraphs>0</Paragraphs>"
    "<Slides>{slides}</Slides><Notes>{notes}</Notes><HiddenSlides>0</HiddenSlides>"
    "<MMClips>{slides}</MMClips><ScaleCrop>false</ScaleCrop>"
    '<HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>Theme</vt:lpstr>'
    "</vt:variant><vt:variant><vt:i4>1</vt:i4></vt:variant></vt:vector></HeadingPairs>"
    '<TitlesOfParts><vt:vector size="1" baseType="lpstr"><vt:lpstr>Office Theme</vt:lpstr>'
    "</vt:vector></TitlesOfParts><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
    "<HyperlinksChanged>false</HyperlinksChanged><AppVersion>16.0000</AppVersion></Properties>")
#: the long side of the PPTX's thumbnail (docProps/thumbnail.jpeg), in pixels
_THUMBNAIL = 256


def _write_pptx(deck: Deck, dest: Path) -> None:
    """One movie per slide, starting by itself, its poster its own beat's last frame; the notes;
    the package's metadata (title, author, dates, presentation format, thumbnail) the deck's own.

    python-pptx's template carries its author's name, 2013 dates, "On-screen Show (4:3)" and a
    blank thumbnail; manim-slides' converter takes each movie's *first* frame as its poster,
    which is the previous beat's end picture.  Both are replaced here.
    """
    import mimetypes
    import tempfile

    import pptx
    from manim_slides.convert import _auto_play_pptx_media
    from pptx.util import Emu

    width, height = _page_size(deck)
    prs = pptx.Presentation()
    prs.slide_width, prs.slide_height = Emu(width * 9525), Emu(height * 9525)
    layout = prs.slide_layouts[6]  # blank
    with tempfile.TemporaryDirectory() as folder:
        posters = []
        for k, entry in enumerate(deck.slides):
            poster = Path(folder) / f"{k}.png"
            image = last_frame(entry.video)
            image.save(poster)
            posters.append(image)
            slide = prs.slides.add_slide(layout)
            movie = slide.shapes.add_movie(str(entry.video), 0, 0, prs.slide_width, prs.slide_height,
                                           poster_frame_image=str(poster),
                                           mime_type=mimetypes.guess_type(entry.video.name)[0])
            _auto_play_pptx_media(movie)
            if entry.notes:
                slide.notes_slide.notes_text_frame.text = entry.notes
        _pptx_metadata(prs, deck, posters[0])
        prs.save(str(dest))


def _pptx_metadata(prs: Any, deck: Deck, first: Any) -> None:
    """Core properties, docProps/app.xml, the slide size's type and the thumbnail, for ``deck``."""
    core = prs.core_properties
    core.title = deck.name
    core.author = core.last_modified_by = "nnanim"
    core.subject = core.keywords = core.category = core.comments = ""
    core.created = core.modified = deck.created.replace(tzinfo=None)  # written as UTC ("Z")
    core.revision = 1
    ratio = prs.slide_width / prs.slide_height
    name = next((n for (w, h), n in _PPTX_FORMATS.items() if abs(ratio / (w / h) - 1) < 0.01), "Custom")
    # the template's sldSz says type="screen4x3" whatever the size; without a type the size is custom
    prs.part._element.sldSz.attrib.pop("type", None)
    notes = sum(1 for s in deck.slides if s.notes)
    for part in prs.part.package.iter_parts():
        if part.partname == "/docProps/app.xml":
            part._blob = _APP_XML.format(format=name, slides=len(deck.slides), notes=notes).encode()
        elif part.partname == "/docProps/thumbnail.jpeg":
            thumb = first.copy()
            thumb.thumbnail((_THUMBNAIL, _THUMBNAIL))
            data = io.BytesIO()
            thumb.save(data, "JPEG", quality=85)
            part._blob = data.getvalue()


def _write_pdf(deck: Deck, dest: Path) -> None:
    """One page per slide, the beat's last frame, 7.5 inches on the short side; the deck's title,
    author and dates (Pillow would put the temporary file's name as the title)."""
    images = [last_frame(s.video) for s in deck.slides]
    date = deck.created.utctimetuple()
    images[0].save(dest, "PDF", resolution=min(deck.size) / _PAGE_SHORT_INCHES, save_all=True,
                   append_images=images[1:], title=deck.name, author="nnanim", creator="nnanim",
                   producer="nnanim", creationDate=date, modDate=date)


_PAGE_WRITERS = {"pptx": _write_pptx, "pdf": _write_pdf}


def _write_folder(deck: Deck, folder: Path) -> None:
    """``folder/NAME.json`` and ``folder/files/NAME/``, laid out and named as manim-slides does:
    its paths are relative to the folder's parent and start with the folder's name."""
    files = folder / "files"
    files.mkdir(parents=True, exist_ok=True)
    staged = _staging(files, deck.name)
    try:
        for slide in deck.slides:
            shutil.copyfile(slide.video, staged / slide.video.name)
        data = json.loads(_presentation(deck).model_dump_json())
        for entry, slide in zip(data["slides"], deck.slides):
            relative = f"{folder.name}/files/{deck.name}/{slide.video.name}"
            entry["file"] = entry["rev_file"] = relative
        _swap_in(staged, files / deck.name)
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    with atomic_write(folder / f"{deck.name}.json") as partial:
        partial.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _write_html(deck: Deck, dest: Path) -> None:
    """reveal.js deck: ``dest`` and ``DEST_assets/`` (the videos and reveal.js) beside it."""
    from manim_slides.convert import RevealJS

    assets = re.sub(r"[^A-Za-z0-9._-]", "_", dest.stem) + "_assets"
    staged = _staging(dest.parent, dest.stem)
    try:
        copy_revealjs(staged / assets / "revealjs", deck.reveal_theme)
        RevealJS(
            presentation_configs=[_presentation(deck, _html_notes)],
            assets_dir=assets,
            cdn_url=f"{assets}/revealjs",  # reveal.js from beside the deck, never from the network
            reveal_theme=deck.reveal_theme,
            background_color=deck.background,
            title=f"{deck.name} · nnanim",
        ).convert_to(staged / dest.name)
        _swap_in(staged / assets, dest.parent / assets)
        os.replace(staged / dest.name, dest)
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def _html_notes(text: str) -> str:
    """Notes as the reveal.js template needs them: it pastes them unescaped into the page, and
    its markdown plugin reads them as Markdown (``w_i·h + b_i`` must not turn italic)."""
    return html.escape(re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text), quote=False)


def _staging(parent: Path, stem: str) -> Path:
    """A fresh hidden folder beside the destination (same file system, so moves are renames)."""
    path = parent / f".{stem[:100]}.partial-{os.getpid()}-{secrets.token_hex(3)}"
    path.mkdir()
    return path


def _swap_in(new: Path, dest: Path) -> None:
    """Put the folder ``new`` at ``dest``, replacing what was there."""
    old = None
    if dest.exists():
        old = dest.with_name(f".{dest.name[:100]}.old-{os.getpid()}-{secrets.token_hex(3)}")
        os.replace(dest, old)
    os.replace(new, dest)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------- reveal.js, offline

#: the files manim-slides' reveal.js template loads, each with where reveal.js 5 keeps it
#: (reveal.js 6 moved the plugins into dist/)
_REVEAL_FILES = {
    "dist/reveal.css": ("dist/reveal.css",),
    "dist/reveal.js": ("dist/reveal.js",),
    "dist/plugin/notes.js": ("dist/plugin/notes.js", "plugin/notes/notes.js"),
    "dist/plugin/markdown.js": ("dist/plugin/markdown.js", "plugin/markdown/markdown.js"),
    "dist/plugin/highlight/zenburn.css": ("dist/plugin/highlight/zenburn.css",
                                          "plugin/highlight/zenburn.css"),
    "LICENSE": ("LICENSE",),
}


def revealjs_source() -> Path:
    """reveal.js as the ``sphinx-revealjs`` package ships it (its ``dist/`` and ``plugin/``)."""
    spec = importlib.util.find_spec("sphinx_revealjs")
    if spec is None or not spec.submodule_search_locations:
        raise RenderError(EXTRA_HINT)
    return Path(next(iter(spec.submodule_search_locations))) / "_static" / "revealjs"


def copy_revealjs(dest: Path, theme: str) -> None:
    """Copy the reveal.js files the deck loads (and the fonts its theme imports) into ``dest``,
    in the layout manim-slides' template expects."""
    source = revealjs_source()
    wanted = {**_REVEAL_FILES, f"dist/theme/{theme}.css": (f"dist/theme/{theme}.css",)}
    for name, candidates in wanted.items():
        found = next((source / c for c in candidates if (source / c).is_file()), None)
        if found is None:
            raise RuntimeError(f"reveal.js from sphinx-revealjs has no {candidates[0]}")
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(found, dest / name)
    css = (dest / f"dist/theme/{theme}.css").read_text(encoding="utf-8")
    for imported in re.findall(r"@import url\(\./([^)]+)/[^/)]+\.css\)", css):
        shutil.copytree(source / "dist/theme" / imported, dest / "dist/theme" / imported,
                        dirs_exist_ok=True)
