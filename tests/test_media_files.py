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

import nnanim.slides as sl

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
