"""Chapters and subtitles from a scene's beats: pure text, no Manim.

A scene marks **beats** (:attr:`nnanim.draw.scene.FlowScene.beats`): stretches of
the video with one caption, each with a ``kind`` (intro, stage, caption,
outro), a ``title``, a ``detail`` line and ``[start, end)`` in the video's
own seconds (the renderer's clock: Manim writes whole frames per play, so the
sum of the run times would drift by up to a frame per play).  This module
turns them into what ``--chapters`` and ``--subtitles`` write:

* :func:`cues` takes the beats in order of their start.
* :func:`chapters` keeps the intro (at 0) and every *stage* beat;
  :func:`chapters_text` writes them the way video sites read them from a
  description (``00:00 input space``), :func:`container_chapters` as the
  dicts PyAV's ``OutputContainer.set_chapters`` takes.
* :func:`srt` and :func:`vtt` write every beat's caption as a subtitle cue:
  the title, and the explanation on a second line.

Everything is in seconds on input; text times are rounded once, here.
Standard library only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Protocol

__all__ = [
    "Chapter",
    "Cue",
    "chapters",
    "chapters_text",
    "container_chapters",
    "cues",
    "sidecar_paths",
    "srt",
    "srt_time",
    "timestamp",
    "vtt",
    "vtt_time",
    "youtube_problems",
]

#: a chapter whose title is missing (an intro beat the scene did not name)
INTRO_TITLE = "intro"
#: what YouTube asks of the chapters in a description
YOUTUBE_MIN_CHAPTERS = 3
YOUTUBE_MIN_SECONDS = 10.0
_EPS = 1e-6  # seconds: float sums of run times (2.9999999999) land on the frame they mean
_SNAP = 1e-9  # seconds: a time this close to a knot is the knot (sums in another order)


class BeatLike(Protocol):
    kind: str
    title: str
    detail: str
    start: float
    end: float


@dataclass(frozen=True)
class Cue:
    """One beat on the video's clock: ``[start, end)`` in video seconds."""

    kind: str
    title: str
    detail: str
    start: float
    end: float

    @property
    def lines(self) -> list[str]:
        """The caption as subtitle lines: the title, then the detail (empty ones left out)."""
        return [line for line in (_one_line(self.title), _one_line(self.detail)) if line]


@dataclass(frozen=True)
class Chapter:
    """One chapter: a title and ``[start, end)`` in video seconds."""

    title: str
    start: float
    end: float


# --------------------------------------------------------------------------- the video's clock


def cues(beats: Iterable[BeatLike]) -> list[Cue]:
    """The beats as :class:`Cue` s, in order of their start (beats are in the video's seconds).

    An end before its start (a beat that never played) is raised to the start.
    """
    out = [Cue(b.kind, b.title or "", b.detail or "", float(b.start), max(float(b.start), float(b.end)))
           for b in beats]
    return sorted(out, key=lambda c: c.start)  # stable: beats at one time keep their order


# --------------------------------------------------------------------------- chapters


def chapters(cues: Sequence[Cue], end: float | None = None, intro_title: str = INTRO_TITLE
             ) -> list[Chapter]:
    """The intro (from 0) and one chapter per *stage* cue, each until the next one starts.

    The intro is titled by the first intro cue that has a title (else
    ``intro_title``); it is left out only when a stage starts at 0.  Caption
    and outro cues belong to the chapter they fall in.  The last chapter ends
    at ``end`` (default: the last cue's end).  Every stage is kept, however
    short: a video site's rules are for :func:`youtube_problems` to report.
    """
    stages = [c for c in cues if c.kind == "stage"]
    starts: list[tuple[str, float]] = []
    if not stages or stages[0].start > _EPS:
        title = next((c.title for c in cues if c.kind == "intro" and _one_line(c.title)), "")
        starts.append((_one_line(title) or intro_title, 0.0))
    starts += [(_one_line(c.title) or c.kind, max(c.start, 0.0)) for c in stages]
    last = max([c.end for c in cues] + [s for _, s in starts]) if end is None else end
    out = []
    for i, (title, start) in enumerate(starts):
        stop = starts[i + 1][1] if i + 1 < len(starts) else max(last, start)
        out.append(Chapter(title, start, stop))
    return out


def timestamp(seconds: float) -> str:
    """``MM:SS``, or ``H:MM:SS`` from an hour on; floored to the second (a chapter never starts
    after what it names), with float noise forgiven (2.9999999 is 00:03)."""
    total = max(0, math.floor(seconds + _EPS))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def chapters_text(chapters: Iterable[Chapter]) -> str:
    """One ``TIME title`` line per chapter, as video sites read them from a description."""
    return "".join(f"{timestamp(c.start)} {c.title}\n" for c in chapters)


def container_chapters(chapters: Iterable[Chapter], time_base: Fraction = Fraction(1, 1000)
                       ) -> list[dict[str, Any]]:
    """The chapters as PyAV's ``OutputContainer.set_chapters`` takes them.

    ``id`` counts from 1 (Matroska needs a non-zero chapter UID), ``start`` and
    ``end`` are whole ``time_base`` units, ``metadata`` holds the ``title``.
    """
    out = []
    for i, c in enumerate(chapters, start=1):
        start = round(Fraction(c.start) / time_base)
        end = max(start, round(Fraction(c.end) / time_base))
        out.append({"id": i, "start": start, "end": end, "time_base": time_base,
                    "metadata": {"title": c.title}})
    return out


def youtube_problems(chapters: Sequence[Chapter]) -> list[str]:
    """Why YouTube would not show these chapters (empty: it would): it asks for the first at
    00:00, at least three, each at least ten seconds long."""
    problems = []
    if not chapters or timestamp(chapters[0].start) != "00:00":
        problems.append("the first chapter must start at 00:00")
    if len(chapters) < YOUTUBE_MIN_CHAPTERS:
        problems.append(f"{len(chapters)} chapters; at least {YOUTUBE_MIN_CHAPTERS} are needed")
    short = [c for c in chapters if c.end - c.start < YOUTUBE_MIN_SECONDS]
    if short:
        problems.append(f"{len(short)} of {len(chapters)} chapters are shorter than "
                        f"{YOUTUBE_MIN_SECONDS:g} s")
    return problems


# --------------------------------------------------------------------------- subtitles


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def _clock_text(ms: int, separator: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def srt_time(seconds: float) -> str:
    """``HH:MM:SS,mmm``, rounded to the millisecond."""
    return _clock_text(_ms(seconds), ",")


def vtt_time(seconds: float) -> str:
    """``HH:MM:SS.mmm``, rounded to the millisecond."""
    return _clock_text(_ms(seconds), ".")


def _shown(cues: Iterable[Cue]) -> list[Cue]:
    """The cues that show something: some text, and at least a millisecond on screen."""
    return [c for c in cues if c.lines and _ms(c.end) > _ms(c.start)]


def srt(cues: Iterable[Cue]) -> str:
    """SubRip text: numbered cues, ``start --> end``, the caption's lines, a blank line."""
    blocks = [f"{i}\n{srt_time(c.start)} --> {srt_time(c.end)}\n" + "\n".join(c.lines) + "\n"
              for i, c in enumerate(_shown(cues), start=1)]
    return "\n".join(blocks)


def vtt(cues: Iterable[Cue]) -> str:
    """WebVTT text: the ``WEBVTT`` line, then ``start --> end`` and the caption's lines per cue
    (``&``, ``<`` and ``>`` escaped, as cue text requires)."""
    blocks = [f"{vtt_time(c.start)} --> {vtt_time(c.end)}\n"
              + "\n".join(_escape(line) for line in c.lines) + "\n" for c in _shown(cues)]
    return "\n".join(["WEBVTT\n", *blocks])


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _one_line(text: str | None) -> str:
    """Whitespace (newlines too) collapsed: a caption line never breaks a cue or a chapter line."""
    return " ".join((text or "").split())


# --------------------------------------------------------------------------- files


def sidecar_paths(video: str | Path) -> dict[str, Path]:
    """The files written beside ``video``: ``NAME.chapters.txt``, ``NAME.srt``, ``NAME.vtt``."""
    video = Path(video)
    return {"chapters": video.with_name(f"{video.stem}.chapters.txt"),
            "srt": video.with_suffix(".srt"), "vtt": video.with_suffix(".vtt")}
