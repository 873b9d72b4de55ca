"""Chapters and subtitles: the pure text of nnanim.beats.

Times, rounding, ordering and the formats (read back by the ``srt`` package
when it is installed, and by FFmpeg's own SRT and WebVTT demuxers through PyAV).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from fractions import Fraction

import pytest

from nnanim import beats
from nnanim.beats import Chapter, Cue, VideoClock

# --------------------------------------------------------------------------- pure: times


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "00:00"), (0.999, "00:00"), (2.9999999999, "00:03"), (3.0, "00:03"), (59.999, "00:59"),
    (60, "01:00"), (605.5, "10:05"), (3599.99, "59:59"), (3600, "1:00:00"), (3725.2, "1:02:05"),
    (36000, "10:00:00"), (-0.2, "00:00"),
])
def test_timestamps_are_floored_to_the_second(seconds, text):
    assert beats.timestamp(seconds) == text


@pytest.mark.parametrize(("seconds", "srt", "vtt"), [
    (0, "00:00:00,000", "00:00:00.000"),
    (4.333333333, "00:00:04,333", "00:00:04.333"),
    (4.3336, "00:00:04,334", "00:00:04.334"),
    (59.9996, "00:01:00,000", "00:01:00.000"),  # rounding carries into the minute
    (3723.0046, "01:02:03,005", "01:02:03.005"),
])
def test_subtitle_times_are_rounded_to_the_millisecond(seconds, srt, vtt):
    assert beats.srt_time(seconds) == srt and beats.vtt_time(seconds) == vtt


def test_the_video_clock_is_exact_at_its_knots():
    clock = VideoClock([(2.0, 2.0), (2.3, 2.3333), (3.4, 3.8)])
    assert clock(0.0) == 0.0 and clock(2.3) == 2.3333 and clock(3.4) == 3.8
    assert clock(2.0 + 0.15) == pytest.approx(2.0 + 0.3333 / 2)  # linear between knots
    assert clock(4.4) == pytest.approx(4.8)  # past the last: its offset
    assert clock.end == 3.8
    assert VideoClock()(7.25) == 7.25


class B:  # a beat as the scene has it (any object with these attributes)
    def __init__(self, kind, title, detail, start, end):
        self.kind, self.title, self.detail, self.start, self.end = kind, title, detail, start, end


def story(*rows) -> list[B]:
    """Beats back to back from ``(kind, title, detail, seconds)`` rows."""
    out, t = [], 0.0
    for kind, title, detail, seconds in rows:
        out.append(B(kind, title, detail, t, t + seconds))
        t += seconds
    return out


LAYERS_LIKE = story(("intro", "input space", "the data", 2.0), ("stage", "layer 1 · W·x", "rotate", 2.3),
                    ("caption", "a note", "", 1.0), ("stage", "layer 1 · + b", "shift", 1.4),
                    ("outro", "done", "", 12.0))


def test_retime_maps_every_beat_and_keeps_their_order():
    knots = [(2.0, 2.0), (4.3, 4.3333), (5.3, 5.4), (6.7, 6.8667), (18.7, 18.8667)]
    cues = beats.retime(reversed(LAYERS_LIKE), knots)
    assert [c.title for c in cues] == [b.title for b in LAYERS_LIKE]
    assert [c.start for c in cues] == [0.0, 2.0, 4.3333, 5.4, 6.8667]
    assert [c.end for c in cues] == [2.0, 4.3333, 5.4, 6.8667, 18.8667]
    assert beats.retime([B("stage", "t", "", 3.0, 1.0)])[0].end == 3.0  # an end never before the start


# --------------------------------------------------------------------------- pure: chapters


def test_chapters_are_the_intro_and_every_stage():
    chapters = beats.chapters(beats.retime(LAYERS_LIKE))
    assert chapters == [Chapter("input space", 0.0, 2.0), Chapter("layer 1 · W·x", 2.0, 5.3),
                        Chapter("layer 1 · + b", 5.3, 18.7)]  # the caption beat stays in its stage
    assert beats.chapters(beats.retime(LAYERS_LIKE), end=20.0)[-1].end == 20.0
    assert beats.chapters_text(chapters) == "00:00 input space\n00:02 layer 1 · W·x\n00:05 layer 1 · + b\n"


def test_chapters_without_an_intro_title_or_an_intro():
    nameless = beats.retime(story(("intro", "", "", 1.0), ("stage", "one", "", 1.0)))
    assert [c.title for c in beats.chapters(nameless)] == ["intro", "one"]
    from_zero = beats.retime(story(("stage", "one", "", 1.0), ("stage", "two", "", 1.0)))
    assert beats.chapters(from_zero) == [Chapter("one", 0.0, 1.0), Chapter("two", 1.0, 2.0)]
    assert beats.chapters([]) == [Chapter("intro", 0.0, 0.0)]


def test_short_and_equal_chapters_are_kept_and_reported():
    cues = beats.retime(story(("intro", "a", "", 0.4), ("stage", "b", "", 0.3), ("stage", "c", "", 0.3)))
    chapters = beats.chapters(cues)
    assert beats.chapters_text(chapters) == "00:00 a\n00:00 b\n00:00 c\n"  # every stage, never dropped
    problems = beats.youtube_problems(chapters)
    assert problems == ["3 of 3 chapters are shorter than 10 s"]
    long = [Chapter("a", 0, 10), Chapter("b", 10, 20), Chapter("c", 20, 31)]
    assert beats.youtube_problems(long) == []
    assert len(beats.youtube_problems(long[1:])) == 2  # not at 00:00, fewer than three


def test_chapter_lines_past_an_hour():
    chapters = [Chapter("a", 0.0, 3599.5), Chapter("b", 3599.5, 3600.2), Chapter("c", 3600.2, 3700)]
    assert beats.chapters_text(chapters) == "00:00 a\n59:59 b\n1:00:00 c\n"


def test_container_chapters_are_what_pyav_takes():
    marks = beats.container_chapters([Chapter("a", 0.0, 2.0), Chapter("b", 2.0, 4.3333333)])
    assert marks == [
        {"id": 1, "start": 0, "end": 2000, "time_base": Fraction(1, 1000), "metadata": {"title": "a"}},
        {"id": 2, "start": 2000, "end": 4333, "time_base": Fraction(1, 1000), "metadata": {"title": "b"}},
    ]


# --------------------------------------------------------------------------- pure: subtitles

CUES = [Cue("intro", "input space", "the data as the network\nreceives it", 0.0, 2.0),
        Cue("intro", "", "", 2.0, 2.0), Cue("caption", "", "", 2.0, 2.1),  # nothing to show
        Cue("stage", "x < y & z", "", 2.0, 4.3333333), Cue("stage", "flash", "", 4.3333, 4.3334)]


def test_srt_text():
    assert beats.srt(CUES) == (
        "1\n00:00:00,000 --> 00:00:02,000\ninput space\nthe data as the network receives it\n\n"
        "2\n00:00:02,000 --> 00:00:04,333\nx < y & z\n")


def test_vtt_text():
    assert beats.vtt(CUES) == (
        "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\ninput space\nthe data as the network receives it\n\n"
        "00:00:02.000 --> 00:00:04.333\nx &lt; y &amp; z\n")
    assert beats.vtt([]) == "WEBVTT\n"


def test_subtitles_read_back_by_independent_parsers(tmp_path):
    cues = beats.retime(LAYERS_LIKE)
    expected = [(round(c.start * 1000), round(c.end * 1000), "\n".join(c.lines)) for c in cues]
    srt_file, vtt_file = tmp_path / "a.srt", tmp_path / "a.vtt"
    srt_file.write_text(beats.srt(cues), encoding="utf-8")
    vtt_file.write_text(beats.vtt(cues), encoding="utf-8")
    assert read_subtitles(srt_file) == read_subtitles(vtt_file) == expected
    srt = pytest.importorskip("srt")
    parsed = list(srt.parse(beats.srt(cues)))
    assert [(round(s.start.total_seconds() * 1000), round(s.end.total_seconds() * 1000), s.content)
            for s in parsed] == expected


def read_subtitles(path) -> list[tuple[int, int, str]]:
    """``(start ms, end ms, text)`` of every cue, as FFmpeg's demuxer reads the file."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams[0]
        assert stream.time_base == Fraction(1, 1000)
        return [(packet.pts, packet.pts + packet.duration, bytes(packet).decode().strip())
                for packet in container.demux(stream) if packet.size]


def test_sidecar_paths():
    paths = beats.sidecar_paths("out/clip.v2.mp4")
    assert {k: str(p) for k, p in paths.items()} == {
        "chapters": "out/clip.v2.chapters.txt", "srt": "out/clip.v2.srt", "vtt": "out/clip.v2.vtt"}


def test_beats_module_imports_without_manim():
    code = textwrap.dedent("""
        import json, sys
        sys.modules["manim"] = None
        import nnanim.beats
        print(json.dumps(sorted(m for m in sys.modules if m.startswith(("manim", "av")))))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ["manim"]  # only the blocked entry itself
