"""Chapters and subtitles: the pure text of nnanim.media.beats, and real renders judged by their frames.

The pure half checks times, rounding, ordering and the formats (read back by
the ``srt`` package when it is installed, and by FFmpeg's own SRT and WebVTT
demuxers through PyAV).  The render half renders ``layers`` with
``--chapters --subtitles``, reads the chapters back with PyAV, and decodes the
video: the caption region of the layout changes only in the first frames of
each cue, and in each of them — a check that is shown to fail for cues
shifted by a second either way.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
from fractions import Fraction

import numpy as np
import pytest
from click.testing import CliRunner

from nnanim.cli import cli
from nnanim.media import beats
from nnanim.media.beats import Chapter, Cue

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


def test_cues_keep_every_beat_in_order_of_start():
    cues = beats.cues(reversed(LAYERS_LIKE))
    assert [c.title for c in cues] == [b.title for b in LAYERS_LIKE]
    assert [c.start for c in cues] == [b.start for b in LAYERS_LIKE]
    assert [c.end for c in cues] == [b.end for b in LAYERS_LIKE]
    assert beats.cues([B("stage", "t", "", 3.0, 1.0)])[0].end == 3.0  # an end never before the start


# --------------------------------------------------------------------------- pure: chapters


def test_chapters_are_the_intro_and_every_stage():
    chapters = beats.chapters(beats.cues(LAYERS_LIKE))
    assert chapters == [Chapter("input space", 0.0, 2.0), Chapter("layer 1 · W·x", 2.0, 5.3),
                        Chapter("layer 1 · + b", 5.3, 18.7)]  # the caption beat stays in its stage
    assert beats.chapters(beats.cues(LAYERS_LIKE), end=20.0)[-1].end == 20.0
    assert beats.chapters_text(chapters) == "00:00 input space\n00:02 layer 1 · W·x\n00:05 layer 1 · + b\n"


def test_chapters_without_an_intro_title_or_an_intro():
    nameless = beats.cues(story(("intro", "", "", 1.0), ("stage", "one", "", 1.0)))
    assert [c.title for c in beats.chapters(nameless)] == ["intro", "one"]
    from_zero = beats.cues(story(("stage", "one", "", 1.0), ("stage", "two", "", 1.0)))
    assert beats.chapters(from_zero) == [Chapter("one", 0.0, 1.0), Chapter("two", 1.0, 2.0)]
    assert beats.chapters([]) == [Chapter("intro", 0.0, 0.0)]


def test_short_and_equal_chapters_are_kept_and_reported():
    cues = beats.cues(story(("intro", "a", "", 0.4), ("stage", "b", "", 0.3), ("stage", "c", "", 0.3)))
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
    cues = beats.cues(LAYERS_LIKE)
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
        import nnanim.media.beats
        print(json.dumps(sorted(m for m in sys.modules if m.startswith(("manim", "av")))))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ["manim"]  # only the blocked entry itself


# --------------------------------------------------------------------------- refusals, before any work


@pytest.mark.parametrize(("args", "needle"), [
    (["--chapters", "--format", "gif"], "--chapters needs a video players can seek: mp4, webm, mov, not gif"),
    (["--subtitles", "-o", "still.png"], "--subtitles needs a video players can seek"),
])
def test_chapters_and_subtitles_need_a_video(args, needle, isolated_cache):
    res = CliRunner().invoke(cli, ["render", "layers", "--epochs", "5000000", "--record-every", "1000",
                                   *args])
    assert res.exit_code == 2 and needle in res.output  # at once: 5·10^6 epochs were never trained
    assert len(res.output.strip().splitlines()) == 1


def test_the_flags_are_config_keys(tmp_path, isolated_cache):
    def dumped(*args) -> list[str]:
        res = CliRunner().invoke(cli, ["render", "layers", *args, "--dump-config"])
        assert res.exit_code == 0, res.output
        return [line for line in res.stdout.splitlines() if line.startswith(("chapters", "subtitles"))]

    assert dumped() == ["chapters = false", "subtitles = false"]
    assert dumped("--chapters") == ["chapters = true", "subtitles = false"]
    config = tmp_path / "clip.toml"
    config.write_text("subtitles = true\n", encoding="utf-8")
    assert dumped("--config", config) == ["chapters = false", "subtitles = true"]


# --------------------------------------------------------------------------- renders

SMALL = {"epochs": 300, "n_samples": 200}
#: a caption swap's fade (FlowScene.swap_caption), in seconds
FADE = 0.3
#: a caption-region pixel has changed when a channel moved by more than this; a frame has
#: changed when more than CHANGED of the region's pixels did (H.264 noise stays under 0.03 %)
PIXEL_STEP = 24
CHANGED = 0.003


@pytest.fixture
def rendered(monkeypatch, isolated_cache):
    """``render(options, **settings) -> (video path, the scene that rendered)``."""
    from nnanim.media import render as render_module

    played = []
    play = render_module._play_scene

    def keep(*args, **kwargs):
        played.append(play(*args, **kwargs))
        return played[-1]

    monkeypatch.setattr(render_module, "_play_scene", keep)

    def run(options=None, **settings):
        from nnanim.media.render import RenderSettings, render

        path = render("layers", RenderSettings(progress=False, chapters=True, subtitles=True,
                                               **settings), {**SMALL, **(options or {})})
        return path, played[-1]

    return run


def caption_region(frames: np.ndarray, aspect: str) -> np.ndarray:
    """The layout's caption box of ``layers`` in this frame, cut out of every frame."""
    from nnanim.contract import get_scene
    from nnanim.draw.scene import FlowScene
    from nnanim.layout import Layout

    height, width = frames.shape[1:3]
    short = min(width, height)
    fw, fh = 8.0 * width / short, 8.0 * height / short
    scene = get_scene("layers")
    layout = Layout(fw, fh, aside=getattr(scene, "aside", FlowScene.aside),
                    caption_lines=getattr(scene, "caption_lines", FlowScene.caption_lines),
                    header=getattr(scene, "has_header", FlowScene.has_header))
    assert layout.shape == {"16:9": "landscape", "9:16": "portrait"}[aspect]
    box = layout.caption
    c0, c1 = math.floor((box.x0 + fw / 2) / fw * width), math.ceil((box.x1 + fw / 2) / fw * width)
    r0, r1 = math.floor((fh / 2 - box.y1) / fh * height), math.ceil((fh / 2 - box.y0) / fh * height)
    return frames[:, max(r0, 0):r1, max(c0, 0):c1].astype(np.int16)


def changed_frames(region: np.ndarray) -> set[int]:
    """The frames ``k`` whose caption region differs from frame ``k - 1``'s."""
    moved = np.zeros(len(region), dtype=float)
    for k in range(1, len(region)):
        moved[k] = (np.abs(region[k] - region[k - 1]).max(axis=2) > PIXEL_STEP).mean()
    return {int(k) for k in np.flatnonzero(moved > CHANGED)}


def mismatches(changed: set[int], fps: float, starts: list[float]) -> list[str]:
    """Where the caption region's ``changed`` frames disagree with cues starting at ``starts``.

    The region must change in the first frames of every cue but the first
    (the fade: from the cue's frame to ``FADE`` s and a frame later) and
    nowhere else; the first cue starts on the first frame.  Empty: they agree.
    """
    fade = math.ceil(FADE * fps) + 1
    windows = [(round(s * fps), round(s * fps) + fade) for s in starts[1:]]
    problems = [f"frame {k} ({k / fps:.2f} s) changes within no cue's start"
                for k in sorted(changed) if not any(a <= k <= b for a, b in windows)]
    problems += [f"no change at the cue at {a / fps:.2f} s" for a, b in windows
                 if not changed & set(range(a, b + 1))]
    if starts and starts[0] != 0:
        problems.append(f"the first cue starts at {starts[0]} s, not on the first frame")
    return problems


def read_chapters(path) -> list[tuple[str, int, int]]:
    """``(title, start ms, end ms)`` of the container's chapters, read with PyAV."""
    import av

    with av.open(str(path)) as container:
        marks = container.chapters()
    return [(m["metadata"]["title"], round(m["start"] * m["time_base"] * 1000),
             round(m["end"] * m["time_base"] * 1000)) for m in marks]


def check_outputs(path, scene, decode_frames, aspect: str):
    """Everything ``--chapters --subtitles`` promises, against the scene's beats and the frames."""
    frames, fps = decode_frames(path)
    fps = round(fps)
    video_ms = round(len(frames) / fps * 1000)
    texts = [b for b in scene.beats if (b.title or b.detail)]
    stages = [b for b in scene.beats if b.kind == "stage"]
    intro = scene.beats[0]
    assert intro.kind == "intro" and intro.title and len(stages) >= 3

    # subtitles: one cue per beat, in order, back to back, on frames, to the video's end
    sidecars = beats.sidecar_paths(path)
    cues = read_subtitles(sidecars["srt"])
    assert cues == read_subtitles(sidecars["vtt"])
    assert [text for _, _, text in cues] == ["\n".join(filter(None, (b.title, b.detail))) for b in texts]
    assert cues[0][0] == 0 and cues[-1][1] == video_ms
    assert all(a[1] == b[0] for a, b in zip(cues, cues[1:]))
    starts = [start / 1000 for start, _, _ in cues]
    assert all(abs(s * fps - round(s * fps)) < 0.02 for s in starts)  # each on a frame

    # ... and the frames agree: the caption changes at every cue's start, and only there
    region = caption_region(frames, aspect)
    assert (np.abs(region[0] - region[0, 0, 0]).max(axis=2) > PIXEL_STEP).mean() > 0.01  # text at once
    changed = changed_frames(region)
    assert mismatches(changed, fps, starts) == []
    for shift in (-1.0, 1.0):  # the check would catch cues a second off
        assert mismatches(changed, fps, [0.0] + [s + shift for s in starts[1:]])

    # chapters in the container: the intro and every stage beat, at their cues' starts
    chapters = read_chapters(path)
    stage_cues = [cue for cue, beat in zip(cues, texts) if beat.kind == "stage"]
    assert [title for title, _, _ in chapters] == [intro.title] + [b.title for b in stages]
    assert [start for _, start, _ in chapters] == [0] + [start for start, _, _ in stage_cues]
    assert [end for _, _, end in chapters] == [start for _, start, _ in chapters[1:]] + [video_ms]

    # and beside it, the description's lines
    lines = sidecars["chapters"].read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"00:00 {intro.title}"
    assert lines == [f"{beats.timestamp(start / 1000)} {title}" for title, start, _ in chapters]
    return frames, fps, cues


@pytest.mark.slow
def test_layers_with_chapters_and_subtitles(rendered, decode_frames, tmp_path):
    path, scene = rendered(quality="l", output=tmp_path / "out" / "layers.mp4")
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "layers.chapters.txt", "layers.mp4", "layers.srt", "layers.vtt"]
    with open(path, "rb") as fh:  # still faststart: the index before the data
        head = fh.read(64 * 1024)
    assert 0 <= head.find(b"moov") < head.find(b"mdat")
    frames, fps, cues = check_outputs(path, scene, decode_frames, "16:9")
    assert (frames.shape[1:3], fps) == ((480, 854), 15)
    # the beats are on the frames' clock (whole frames per play), to the millisecond of the video
    assert abs(scene.beats[-1].end * 1000 - cues[-1][1]) <= 1
    assert abs(scene.beats[-1].end - len(frames) / fps) < 1e-6


@pytest.mark.slow
@pytest.mark.parametrize(("fmt", "aspect", "transparent"),
                         [("webm", "16:9", True), ("mov", "16:9", False), ("mp4", "9:16", False)])
def test_other_containers_and_shapes(rendered, decode_frames, tmp_path, fmt, aspect, transparent):
    path, scene = rendered({"aspect": aspect}, quality="l", short_side=90, transparent=transparent,
                           output=tmp_path / "out" / f"clip.{fmt}")
    frames, _, _ = check_outputs(path, scene, decode_frames, aspect)
    assert frames.shape[1:3] == {"16:9": (90, 160), "9:16": (160, 90)}[aspect]
    if transparent:  # the remux that adds the chapters keeps the alpha channel and its flag:
        with open(path, "rb") as fh:  # Matroska's AlphaMode element (0x53C0) = 1, which players read
            assert b"\x53\xc0\x81\x01" in fh.read(4096)
        alpha, _ = decode_frames(path, "rgba")
        assert alpha[..., 3].min() == 0 and alpha[..., 3].max() == 255


@pytest.mark.slow
def test_a_plain_manim_scene_has_no_beats(isolated_cache, tmp_path):
    from manim import Scene

    from nnanim.media.render import RenderError, RenderSettings, render

    with pytest.raises(RenderError, match="made from a scene's beats"):
        render(Scene, RenderSettings(subtitles=True, output=tmp_path / "out" / "x.mp4"))
    assert not list((tmp_path / "out").iterdir())
