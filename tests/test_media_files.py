"""Files real clients take as they are: decks (python-pptx, pypdf), videos' colour tags (PyAV)
and GIFs small enough for a README (Pillow and PyAV decode them).

The deck tests write small synthetic decks (a few frames of flat colour per slide, first and
last frames different) so that each picture can be traced to the slide it belongs to; the
real render's deck is checked the same way in ``test_slides.py``.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

import nnanim.media.slides as sl

pptx = pytest.importorskip("pptx")

#: (first, last) colour of each synthetic slide's video
COLOURS = [((200, 30, 30), (30, 200, 30)), ((30, 30, 200), (220, 220, 40)), ((240, 240, 240), (20, 20, 20))]


def _video(path: Path, first: tuple, last: tuple, size: tuple[int, int], frames: int = 6) -> Path:
    """A short H.264 MP4: ``frames - 1`` frames of ``first``, then one of ``last``."""
    width, height = size
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(15))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for k in range(frames):
            pixels = np.empty((height, width, 3), np.uint8)
            pixels[:] = last if k == frames - 1 else first
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _deck(tmp_path: Path, size: tuple[int, int] = (160, 90), created: datetime | None = None) -> sl.Deck:
    slides = tuple(sl.Slide(_video(tmp_path / f"s{k}.mp4", a, b, size), f"notes {k}")
                   for k, (a, b) in enumerate(COLOURS))
    created = created or datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    return sl.Deck("demo_scene", slides, size, "#000000", "black", created)


def _mean(image) -> np.ndarray:
    return np.asarray(image.convert("RGB"), float).reshape(-1, 3).mean(axis=0)


def _write(deck: sl.Deck, path: Path) -> Path:
    sl.write_deck(deck, sl.slide_target(path, deck.name))
    return path


def test_each_pptx_poster_is_its_own_slides_last_frame(tmp_path):
    from PIL import Image
    from pptx.shapes.picture import Movie

    path = _write(_deck(tmp_path), tmp_path / "deck.pptx")
    deck = pptx.Presentation(str(path))
    assert len(deck.slides) == len(COLOURS)
    for slide, (first, last) in zip(deck.slides, COLOURS):
        (movie,) = [s for s in slide.shapes if isinstance(s, Movie)]
        poster = _mean(Image.open(io.BytesIO(movie.poster_frame.blob)))
        assert np.abs(poster - last).max() < 6, (poster, last)  # its own end picture,
        assert np.abs(poster - first).max() > 60  # not its first frame (the previous beat's end)


@pytest.mark.parametrize(("size", "format_name"), [((160, 90), "On-screen Show (16:9)"),
                                                   ((120, 90), "On-screen Show (4:3)"),
                                                   ((90, 160), "Custom"), ((90, 90), "Custom")])
def test_the_pptx_says_what_it_is(tmp_path, size, format_name):
    from PIL import Image

    created = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    path = _write(_deck(tmp_path, size, created), tmp_path / "deck.pptx")
    deck = pptx.Presentation(str(path))
    core = deck.core_properties
    assert core.title == "demo_scene"
    assert core.author == core.last_modified_by == "nnanim"
    assert core.created == core.modified == created.replace(tzinfo=None)
    assert core.revision == 1
    with zipfile.ZipFile(path) as package:
        app = package.read("docProps/app.xml").decode()
        thumbnail = Image.open(io.BytesIO(package.read("docProps/thumbnail.jpeg")))
        presentation = package.read("ppt/presentation.xml").decode()
    assert f"<PresentationFormat>{format_name}</PresentationFormat>" in app
    assert f"<Slides>{len(COLOURS)}</Slides>" in app and "<Application>nnanim</Application>" in app
    assert "screen4x3" not in presentation  # the template's type, whatever the size
    assert deck.slide_width / deck.slide_height == pytest.approx(size[0] / size[1], rel=0.01)
    # the thumbnail: the first slide's poster, the slide's shape, at most 256 pixels wide or high
    assert max(thumbnail.size) == min(256, max(size))
    assert thumbnail.size[0] / thumbnail.size[1] == pytest.approx(size[0] / size[1], rel=0.03)
    assert np.abs(_mean(thumbnail) - COLOURS[0][1]).max() < 8


def test_the_pdf_has_the_scenes_title_and_each_slides_last_frame(tmp_path):
    from pypdf import PdfReader

    created = datetime(2026, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    reader = PdfReader(str(_write(_deck(tmp_path, created=created), tmp_path / "deck.pdf")))
    info = reader.metadata
    assert info.title == "demo_scene" and info.author == "nnanim"
    assert info.creation_date.replace(tzinfo=timezone.utc) == created
    assert len(reader.pages) == len(COLOURS)
    for page, (_first, last) in zip(reader.pages, COLOURS):
        assert np.abs(_mean(page.images[0].image) - last).max() < 6


def test_a_decks_date_is_the_render_time_or_source_date_epoch(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    before = datetime.now(timezone.utc).replace(microsecond=0)
    now = sl.render_time()
    assert before <= now <= datetime.now(timezone.utc) and now.tzinfo is not None
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert sl.render_time() == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)


# --------------------------------------------------------------------------- videos: BT.709, tagged

#: AVCOL_PRI_BT709, AVCOL_TRC_BT709, AVCOL_SPC_BT709, AVCOL_RANGE_MPEG (limited)
TAGS = {"color_primaries": 1, "color_trc": 1, "colorspace": 1, "color_range": 1}
TINY = {"dataset": "moons", "epochs": 60, "n_samples": 120, "duration": 1.5, "no_cache": True}


def _render(out: Path, fmt: str, transparent: bool = False, short: int = 90, fps: float = 5) -> Path:
    from nnanim.media.render import RenderSettings, render

    return render("layers", RenderSettings(quality="l", fps=fps, short_side=short, format=fmt,
                                           transparent=transparent, output=out, progress=False), TINY)


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    """One tiny ``layers`` render in every video format (and its last frame as a PNG)."""
    root = tmp_path_factory.mktemp("videos")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NNANIM_CACHE_DIR", str(root / "cache"))
        made = {name: _render(root / f"{name}.{fmt}", fmt, transparent)
                for name, fmt, transparent in [("mp4", "mp4", False), ("webm", "webm", False),
                                               ("mov", "mov", False), ("webm-alpha", "webm", True),
                                               ("mov-alpha", "mov", True), ("png", "png", False)]}
    return made


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mp4", "webm", "mov", "webm-alpha", "mov-alpha"])
def test_every_video_is_tagged_bt709_in_the_stream_and_in_its_frames(videos, name):
    with av.open(str(videos[name])) as container:
        context = container.streams.video[0].codec_context
        assert {k: int(getattr(context, k)) for k in TAGS} == TAGS  # what a demuxer reads
        frame = next(container.decode(video=0))
    assert int(frame.colorspace) == 1 and int(frame.color_range) == 1  # what a decoder reads
    assert int(frame.color_primaries) == 1 and int(frame.color_trc) == 1


def _bt709_to_rgb(planes: np.ndarray, width: int, height: int) -> np.ndarray:
    """Limited-range BT.709 Y'CbCr 4:2:0 (PyAV's stacked planes) to RGB, by the standard's formulas."""
    y = planes[:height].astype(float)
    chroma = planes[height:].reshape(2, height // 2, width // 2).astype(float)
    cb, cr = (np.repeat(np.repeat(c, 2, 0), 2, 1) for c in chroma)
    y, cb, cr = (y - 16) / 219, (cb - 128) / 224, (cr - 128) / 224
    kr, kb = 0.2126, 0.0722
    r = y + 2 * (1 - kr) * cr
    b = y + 2 * (1 - kb) * cb
    g = (y - kr * r - kb * b) / (1 - kr - kb)
    return np.clip(np.stack([r, g, b], -1) * 255, 0, 255)


def test_the_encoder_converts_with_bt709s_matrix(tmp_path):
    """Saturated patches through nnanim's segment encoder, read back as stored Y'CbCr and converted
    by BT.709's formulas, are the colours given (BT.601's matrix, swscale's default and what
    Manim's encoder used, puts pure red 20 levels off in green)."""
    from manim._config.video_encoder import VideoEncoderSpec

    from nnanim.media.encoder import _encoder_class

    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (230, 160, 40), (40, 120, 220), (128, 128, 128)]
    pixels = np.zeros((64, 96, 4), np.uint8)
    pixels[..., 3] = 255
    for k, colour in enumerate(colours):
        pixels[:, 16 * k:16 * (k + 1), :3] = colour
    spec = VideoEncoderSpec("mp4", "libx264", "yuv420p", 96, 64, Fraction(5),
                            (("crf", "0"), ("preset", "veryfast")))
    encoder = _encoder_class()(target=tmp_path / "a.mp4", spec=spec)
    encoder.write_frame(pixels, repeat=2)
    encoder.finish()
    with av.open(str(tmp_path / "a.mp4")) as container:
        rgb = _bt709_to_rgb(next(container.decode(video=0)).to_ndarray(), 96, 64)
    for k, colour in enumerate(colours):
        patch = rgb[8:56, 16 * k + 4:16 * (k + 1) - 4].reshape(-1, 3).mean(axis=0)
        assert np.abs(patch - colour).max() < 3, (colour, patch)


@pytest.mark.slow
def test_the_mp4s_pixels_are_bt709_as_tagged(videos):
    """The last frame of the MP4, converted by BT.709's own formulas, is the PNG of the same render."""
    from PIL import Image

    exact = np.asarray(Image.open(videos["png"]).convert("RGB"), float)
    with av.open(str(videos["mp4"])) as container:
        last = list(container.decode(video=0))[-1]
    planes = last.to_ndarray()  # yuv420p as stored, no conversion
    height, width = exact.shape[:2]
    rgb = _bt709_to_rgb(planes, width, height)
    error = np.abs(rgb - exact).mean(axis=-1)
    assert np.median(error) < 2 and error.mean() < 6, (np.median(error), error.mean())
    # the colours PyAV decodes (it reads the tags) are the same
    assert np.abs(last.to_ndarray(format="rgb24") - rgb).mean() < 1.5


# --------------------------------------------------------------------------- GIF


def _gif_frames(data: bytes) -> tuple[list[np.ndarray], list[int]]:
    from PIL import Image, ImageSequence

    image = Image.open(io.BytesIO(data))
    frames = [(np.asarray(f.convert("RGB")), f.info.get("duration", 0))
              for f in ImageSequence.Iterator(image)]
    return [f for f, _ in frames], [d for _, d in frames]


def _gif_rectangles(data: bytes) -> list[tuple[tuple[int, int, int, int], bool]]:
    """Each GIF frame's stored rectangle (left, top, width, height) and whether it has a transparent
    index, read from the file's own blocks."""
    import struct

    size = 1 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0
    at, transparent, out = 13 + 3 * size, False, []
    while data[at] != 0x3B:
        if data[at] == 0x21:
            if data[at + 1] == 0xF9:
                transparent = bool(data[at + 3] & 1)
            at += 2
            while data[at]:
                at += data[at] + 1
            at += 1
        elif data[at] == 0x2C:
            box = struct.unpack("<HHHH", data[at + 1:at + 9])
            packed = data[at + 9]
            at += 10 + (3 * (1 << ((packed & 7) + 1)) if packed & 0x80 else 0) + 1
            while data[at]:
                at += data[at] + 1
            at += 1
            out.append((box, transparent))
            transparent = False
        else:
            raise AssertionError(f"unexpected GIF block {data[at]:#x} at {at}")
    return out


def test_gif_defaults_are_smaller_than_the_quality(tmp_path):
    import nnanim.media.render as r

    out = r._validate(r.RenderSettings(quality="l", format="gif", output=tmp_path / "a.gif"), "x")
    assert (out.fps, out.size) == (r.GIF_FPS, (640, 360))
    out = r._validate(r.RenderSettings(quality="h", output=tmp_path / "a.gif"), "x")
    assert (out.fps, min(out.size)) == (r.GIF_FPS, r.GIF_SHORT)
    out = r._validate(r.RenderSettings(quality="l", format="gif", fps=15, short_side=480,
                                       output=tmp_path / "a.gif"), "x")
    assert (out.fps, out.size) == (15, (854, 480))  # given explicitly: kept
    out = r._validate(r.RenderSettings(quality="l", output=tmp_path / "a.mp4"), "x")
    assert (out.fps, out.size) == (15, (854, 480))


@pytest.mark.slow
def test_a_rendered_gif_matches_the_mp4_of_the_same_render(isolated_cache, tmp_path):
    """Every GIF frame is the MP4's frame at the same time, within a palette's error."""
    gif_path = _render(tmp_path / "a.gif", "gif", short=180, fps=6)
    mp4_path = _render(tmp_path / "a.mp4", "mp4", short=180, fps=6)
    data = gif_path.read_bytes()
    decoded, durations = _gif_frames(data)
    # frame differencing: after the first, frames store what changed, the rest transparent
    rectangles = _gif_rectangles(data)
    assert rectangles[0] == ((0, 0, 320, 180), False)
    assert all(transparent for _, transparent in rectangles[1:])
    areas = [w * h for (_, _, w, h), _ in rectangles[1:]]
    assert np.median(areas) < 0.8 * 320 * 180, areas
    with av.open(str(mp4_path)) as container:
        video = [f.to_ndarray(format="rgb24").astype(float) for f in container.decode(video=0)]
    shown = [frame for frame, ms in zip(decoded, durations) for _ in range(round(ms * 6 / 1000))]
    assert abs(len(shown) - len(video)) <= 1
    errors = [np.abs(a - b).mean() for a, b in zip(shown, video)]
    assert max(errors) < 6, max(errors)
    assert decoded[0].shape == (180, 320, 3)


@pytest.mark.slow
def test_the_training_gif_at_q_l_is_a_few_megabytes(isolated_cache):
    """The README's GIF: ``nnanim render training -q l --format gif`` (51 MB before)."""
    from click.testing import CliRunner

    from nnanim.cli import cli

    result = CliRunner().invoke(cli, ["render", "training", "-q", "l", "--format", "gif", "-o", "t.gif"])
    assert result.exit_code == 0, result.output
    path = Path("t.gif")
    assert path.stat().st_size < 10e6, path.stat().st_size
    decoded, durations = _gif_frames(path.read_bytes())
    assert decoded[0].shape == (360, 640, 3)
    assert 17 < sum(durations) / 1000 < 20  # the scene's 18 s
