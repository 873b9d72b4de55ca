"""Storyboards: a contact sheet of a scene's key frames, from a small, fast draft render.

:func:`storyboard` renders a scene small and at a few frames per second and
writes a PNG contact sheet of its key frames (the ends of its animations),
each labelled with its time: a quick look before a long render.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnanim.contract import theme_of
from nnanim.files import atomic_write, check_writable
from nnanim.layout import pixel_size
from nnanim.media.render import (
    Quality,
    RenderError,
    RenderSettings,
    _job,
    _manim_config,
    _Output,
    _plain,
    _play_scene,
    play_job,
    work_folder,
)

__all__ = ["STORYBOARD_FRAMES", "STORYBOARD_SIZE", "SheetGeometry", "sheet_geometry", "storyboard"]

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
    size: tuple[int, int] | None = None,
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
        Pixel size and frame rate of the draft render (one tile is ``size``);
        by default 270 pixels on the short side, in the scene's aspect.
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
    from nnanim.options import get_option

    checked = {}
    for name, value in (("frames", frames), ("columns", columns)):
        try:
            checked[name] = get_option(name).parse(value)
        except ValueError as exc:
            raise RenderError(f"storyboard {name}: {exc}") from None
    frames, columns = checked["frames"], checked["columns"]
    job = _job(scene, options, "storyboard")
    aspect = job.opt("aspect", "16:9") if job is not None else (options or {}).get("aspect", "16:9")
    width, height = size if size is not None else pixel_size(aspect, STORYBOARD_SIZE[1])
    if min(width, height) < 16 or not (0 < fps <= 60):
        raise RenderError(f"draft size {(width, height)!r} or frame rate {fps!r} out of range")
    stem = job.name.replace("-", "_") if job is not None else scene.__name__
    output = storyboard_output(output, stem)
    if job is not None:
        theme = job.theme
        job.ensure_run()
    else:
        theme = theme_of((options or {}).get("theme") or "dark")  # checked by _job

    quality = Quality("storyboard", min(width, height), fps, _X264_STORYBOARD)
    out = _Output(quality, (width, height), fps, "mp4", False, output)
    settings = RenderSettings(verbose=verbose, progress=progress)
    with work_folder("storyboard") as work:
        # full-resolution colour for sharp tiles; keep every segment until it is decoded
        temp = {**_manim_config(out, settings, work), "pixel_format": "yuv444p",
                "max_files_cached": -1}
        name = job.scene.__name__ if job is not None else scene.__name__
        try:  # the scene's own pace (a --duration): a plan pass first, as a render does
            played = (play_job(job, temp, mixin=_PlayLog) if job is not None
                      else _play_scene(type(name, (_PlayLog, _plain(scene, options)), {}), temp))
        except RenderError as error:
            if "no animations" not in str(error):
                raise
            raise RenderError(f"{name} has no animations: nothing to storyboard") from error
        times, images, plays = _timeline(played, fps)
        chosen = _key_frames(times, images, plays, frames)
        sheet = _contact_sheet([images[i] for i in chosen], [times[i] for i in chosen], columns,
                               _sheet_colours(theme))
        with atomic_write(output) as partial:
            sheet.save(partial, format="PNG")
    return output


def storyboard_output(output: str | Path | None, stem: str) -> Path:
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
    return check_writable(path)


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


def _sheet_colours(theme: Any) -> dict[str, str]:
    """Background, label and tile-edge colours of the sheet: the scene's theme's."""
    from nnanim.theme import mix

    return {"background": theme.background, "label": theme.foreground, "index": theme.muted,
            "edge": mix(theme.background, theme.muted, 0.35)}


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
