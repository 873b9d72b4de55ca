"""Slide decks: one slide per beat, in reveal.js (played in headless Chromium), PPTX, PDF and
the manim-slides presentation itself.

One render of ``layers`` at ``-q l`` with small options is written in every format (the
module's fixture); one more run of the command line checks the lecturers' deck (light,
4:3).  The HTML deck is loaded from its file in a headless Chromium driven over the
DevTools protocol on a pipe (standard library only): the page must start reveal.js from
the files beside it, show one slide per beat, and play every slide's video to its end.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import av
import numpy as np
import pytest
from click.testing import CliRunner

import nnanim.media.render as r
import nnanim.media.slides as sl
from nnanim.cli import cli
from nnanim.contract import SceneContract, resolve
from nnanim.errors import NnanimError

SMALL = {"epochs": 300, "n_samples": 200}
FPS = r.QUALITIES["l"].fps


def _needs(available: bool, what: str) -> None:
    """Skip without ``what`` on a developer's machine; in CI (make test installs it) fail."""
    if not available:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is missing; make test installs it")
        pytest.skip(f"{what} is not installed")


def _needs_extra() -> None:
    _needs(sl._has_module("manim_slides") and sl._has_module("sphinx_revealjs"),
           "the slides extra (pip install -e '.[dev,slides]')")


def _beats(job) -> list:
    """The scene's beats, from a plan pass (no frame drawn), independently of the slides code."""
    out = r._Output(r.QUALITIES["l"], (854, 480), FPS, "mp4", False, Path("unused.mp4"))
    return list(r.plan_scene(job, r._manim_config(out, r.RenderSettings(quality="l"), Path.cwd())).beats)


def _notes(beat) -> str:
    return "\n\n".join(p for p in (beat.title, beat.detail) if p)


def _frames(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


DECKS = {"html": "deck.html", "pptx": "deck.pptx", "pdf": "deck.pdf", "folder": "presentation"}


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    """``layers`` rendered once (``-q l``, small options) and written as every kind of deck.

    Test workers share the one render: the first to take the lock makes it, the others wait
    for it and read it."""
    _needs_extra()
    base = tmp_path_factory.getbasetemp()
    root = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "slides-decks"
    root.mkdir(exist_ok=True)
    with open(root / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / "beats.json").is_file():
            _make_decks(root)
    beats = [SimpleNamespace(**b) for b in json.loads((root / "beats.json").read_text())]
    return {"root": root, "beats": beats, **{kind: root / name for kind, name in DECKS.items()}}


def _make_decks(root: Path) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NNANIM_CACHE_DIR", str(root / "cache"))
        mp.chdir(root)
        job = resolve("layers", SMALL, "slides")
        job.ensure_run()
        beats = _beats(job)
        work = root / "work"
        work.mkdir()
        started = time.perf_counter()
        deck = sl._render_deck(job, "layers", work, "l", None, False, False)
        print(f"render {time.perf_counter() - started:.1f} s, {len(deck.slides)} slides")
        for kind, name in DECKS.items():
            sl.write_deck(deck, sl.slide_target(f"{root}/{name}" + ("/" if kind == "folder" else ""),
                                                "layers"))
    (root / "beats.json").write_text(json.dumps([dataclasses.asdict(b) for b in beats]))


# --------------------------------------------------------------------------- HTML in Chromium


class Chromium:
    """Headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``:
    it reads commands on fd 3 and answers on fd 4, each message JSON ended by a NUL byte)."""

    FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             "--autoplay-policy=no-user-gesture-required", "--window-size=1280,720")

    def __init__(self, binary: str, profile: Path) -> None:
        to_us, from_them = os.pipe()
        to_them, from_us = os.pipe()

        def child() -> None:  # their ends on fds 3 and 4, whatever numbers the pipes got
            read = fcntl.fcntl(to_them, fcntl.F_DUPFD, 10)
            write = fcntl.fcntl(from_them, fcntl.F_DUPFD, 10)
            os.dup2(read, 3)
            os.dup2(write, 4)

        self.proc = subprocess.Popen(
            [binary, *self.FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
             "about:blank"],
            pass_fds=(3, 4), preexec_fn=child, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_them)
        os.close(from_them)
        self.read, self.write = to_us, from_us
        self.buffer, self.count, self.session = b"", 0, None

    def send(self, method: str, params: dict | None = None, timeout: float = 60.0) -> dict:
        self.count += 1
        message = {"id": self.count, "method": method, "params": params or {}}
        if self.session is not None and not method.startswith(("Target.", "Browser.")):
            message["sessionId"] = self.session
        os.write(self.write, json.dumps(message).encode() + b"\0")
        end = time.monotonic() + timeout
        while True:
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self.count:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply["result"]
            left = end - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"Chromium did not answer {method} in {timeout} s")
            if select.select([self.read], [], [], left)[0]:
                chunk = os.read(self.read, 1 << 16)
                if not chunk:
                    raise RuntimeError("Chromium closed the pipe")
                self.buffer += chunk

    def open(self, url: str) -> None:
        """Attach to the page and load ``url`` until the document is complete."""
        page = next(t for t in self.send("Target.getTargets")["targetInfos"] if t["type"] == "page")
        self.session = self.send("Target.attachToTarget",
                                 {"targetId": page["targetId"], "flatten": True})["sessionId"]
        self.send("Page.navigate", {"url": url})
        for _ in range(400):
            try:
                if self.evaluate("document.readyState + ' ' + location.href") == f"complete {url}":
                    return
            except RuntimeError:  # the context is replaced while the page loads
                pass
            time.sleep(0.05)
        raise TimeoutError(f"{url} did not load")

    def evaluate(self, expression: str, timeout: float = 60.0):
        result = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True,
                                                "returnByValue": True}, timeout)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.read)
        os.close(self.write)


#: walk the deck: every slide, its background video played (fast) to the end, its notes
WALK = r"""
(async () => {
  const wait = ms => new Promise(done => setTimeout(done, ms));
  for (let i = 0; i < 200 && !(window.Reveal && Reveal.isReady && Reveal.isReady()); i++) await wait(50);
  if (!(window.Reveal && Reveal.isReady())) return {error: 'reveal.js did not start'};
  const sections = [...document.querySelectorAll('.reveal .slides > section')];
  const slides = [];
  for (let i = 0; i < sections.length; i++) {
    Reveal.slide(i);
    let video = null;
    for (let k = 0; k < 200; k++) {
      const background = Reveal.getSlideBackground(i);
      video = background ? background.querySelector('video') : null;
      if (video && video.readyState >= 2) break;
      await wait(25);
    }
    const notes = sections[i].querySelector('aside.notes');
    const s = {src: sections[i].getAttribute('data-background-video'),
               notes: notes ? notes.innerText : null, notesHtml: notes ? notes.innerHTML : null,
               ready: video ? video.readyState : -1};
    if (video) {
      Object.assign(s, {width: video.videoWidth, height: video.videoHeight,
                        duration: video.duration, loop: video.loop});
      video.playbackRate = 16;
      try { await video.play(); } catch (e) { s.playError = String(e); }
      for (let k = 0; k < 400 && !video.ended; k++) await wait(25);
      Object.assign(s, {ended: video.ended, paused: video.paused, time: video.currentTime,
                        error: video.error ? video.error.code : null});
    }
    slides.push(s);
  }
  return {total: Reveal.getTotalSlides(), slides,
          loaded: [...document.querySelectorAll('script[src], link[href]')].map(e => e.src || e.href),
          themed: getComputedStyle(document.documentElement).getPropertyValue('--r-background-color'),
          plugins: [typeof RevealNotes, typeof RevealMarkdown]};
})()
"""


@pytest.mark.slow
def test_the_html_deck_plays_one_slide_per_beat_offline_in_chromium(decks, tmp_path):
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    _needs(binary is not None, "Chromium (Debian's chromium package)")
    html, beats = decks["html"], decks["beats"]
    text = html.read_text(encoding="utf-8")
    links = re.findall(r'(?:src|href|data-background-video)="([^"]+)"', text)
    assert links and not [link for link in links if re.match(r"[a-z]+:", link)], links  # all beside

    browser = Chromium(binary, tmp_path / "profile")
    try:
        browser.open(html.as_uri())
        started = time.perf_counter()
        walk = browser.evaluate(WALK, timeout=180)
        print(f"Chromium walked {len(walk['slides'])} slides in {time.perf_counter() - started:.1f} s")
    finally:
        browser.close()

    assert "error" not in walk, walk
    assert walk["total"] == len(walk["slides"]) == len(beats) > 5
    # reveal.js, its theme and its plugins came from the files beside the deck
    assert len(walk["loaded"]) >= 5 and all(u.startswith("file:") for u in walk["loaded"]), walk
    assert walk["themed"].strip() and walk["plugins"] == ["function", "function"], walk
    for k, (slide, beat) in enumerate(zip(walk["slides"], beats)):
        where = f"slide {k + 1} ({beat.title!r})"
        assert slide["ready"] >= 2 and slide["error"] is None and "playError" not in slide, where
        assert (slide["width"], slide["height"]) == (854, 480), where
        # Manim rounds each play to whole frames
        assert slide["duration"] == pytest.approx(beat.end - beat.start, abs=0.25), where
        # played to the end, it stops there on its last frame
        assert slide["ended"] and slide["paused"] and not slide["loop"], where
        assert slide["time"] == pytest.approx(slide["duration"], abs=1e-3), where
        # the notes are the caption and its explanation, as plain text (Markdown escaped)
        assert " ".join(slide["notes"].split()) == " ".join(_notes(beat).split()), where
        assert "<em>" not in slide["notesHtml"] and "<li>" not in slide["notesHtml"], where
        video = html.parent / slide["src"]
        assert video.is_file(), where
        assert _frames(video) == round(slide["duration"] * FPS), where


# --------------------------------------------------------------------------- PPTX, PDF, the folder


@pytest.mark.slow
def test_the_pptx_has_one_movie_per_slide_and_the_notes(decks):
    import zipfile

    from pptx import Presentation
    from pptx.shapes.picture import Movie

    beats = decks["beats"]
    deck = Presentation(str(decks["pptx"]))
    assert len(deck.slides) == len(beats)
    # 7.5 inches high, as PowerPoint's own 16:9 slides (96-dpi pixels of 9525 EMU)
    assert (deck.slide_width, deck.slide_height) == (round(854 * 720 / 480) * 9525, 720 * 9525)
    for slide, beat in zip(deck.slides, beats):
        movies = [shape for shape in slide.shapes if isinstance(shape, Movie)]
        assert len(movies) == 1, beat.title
        assert slide.notes_slide.notes_text_frame.text == _notes(beat)
    with zipfile.ZipFile(decks["pptx"]) as package:
        media = sorted(n for n in package.namelist() if n.startswith("ppt/media/") and n.endswith(".mp4"))
        assert len(media) == len(beats)
        extracted = decks["root"] / "first.mp4"
        extracted.write_bytes(package.read(media[0]))
    assert _frames(extracted) > 0


@pytest.mark.slow
def test_each_pptx_poster_is_its_own_beats_end_picture_and_the_pdf_page(decks):
    """Thumbnails and a PDF export show a slide's poster: its own beat's last frame (the last
    slide shows the final line), the same picture as the PDF deck's page."""
    import io

    from PIL import Image
    from pptx import Presentation
    from pptx.shapes.picture import Movie
    from pypdf import PdfReader

    deck = Presentation(str(decks["pptx"]))
    pages = PdfReader(str(decks["pdf"])).pages
    assert deck.core_properties.title == "layers" and deck.core_properties.author == "nnanim"
    assert deck.core_properties.created.year >= 2026
    previous = None
    for k, (slide, page) in enumerate(zip(deck.slides, pages)):
        (movie,) = [s for s in slide.shapes if isinstance(s, Movie)]
        poster = np.asarray(Image.open(io.BytesIO(movie.poster_frame.blob)).convert("RGB"), float)
        video = next(rel.target_part.blob for rel in slide.part.rels.values()
                     if rel.target_part.partname.endswith(".mp4"))
        with av.open(io.BytesIO(video)) as container:
            frames = [f.to_ndarray(format="rgb24").astype(float) for f in container.decode(video=0)]
        assert np.abs(poster - frames[-1]).max() == 0, k  # the movie's own last frame
        if k and np.abs(frames[0] - frames[-1]).mean() > 1:  # a beat that changes the picture
            assert np.abs(poster - frames[0]).mean() > 1, k
        printed = np.asarray(page.images[0].image.convert("RGB"), float)
        own = np.abs(printed - poster).mean()
        assert own < 4, (k, own)  # the PDF page (JPEG) is the same picture,
        if previous is not None and np.abs(previous - poster).mean() > 2 * own:
            assert own < np.abs(printed - previous).mean(), k  # not the slide before's
        previous = poster


@pytest.mark.slow
def test_the_pdf_has_one_page_per_slide(decks):
    from pypdf import PdfReader

    pages = PdfReader(str(decks["pdf"])).pages
    assert len(pages) == len(decks["beats"])
    box = pages[0].mediabox
    assert float(box.height) == pytest.approx(7.5 * 72, rel=1e-3)  # PowerPoint's 7.5 inches
    assert float(box.width) / float(box.height) == pytest.approx(854 / 480, rel=2e-3)


@pytest.mark.slow
def test_the_folder_is_a_manim_slides_presentation(decks, monkeypatch):
    from manim_slides.config import PresentationConfig
    from manim_slides.convert import convert
    from pypdf import PdfReader

    folder, beats = decks["folder"], decks["beats"]
    data = json.loads((folder / "layers.json").read_text(encoding="utf-8"))
    assert data["resolution"] == [854, 480]
    assert [s["notes"] for s in data["slides"]] == [_notes(b) for b in beats]
    assert all(s["file"] == s["rev_file"] and s["file"].startswith("presentation/files/layers/")
               for s in data["slides"])  # relative to the folder's parent, as manim-slides writes
    config = PresentationConfig.from_file(folder / "layers.json")
    assert len(config.slides) == len(beats)
    assert all(s.file.is_file() for s in config.slides)

    # manim-slides' own command line converts it (from the folder's parent, as it expects)
    monkeypatch.chdir(folder.parent)
    result = CliRunner().invoke(convert, ["layers", "again.pdf", "--folder", "presentation"])
    assert result.exit_code == 0, result.output
    assert len(PdfReader(str(folder.parent / "again.pdf")).pages) == len(beats)


@pytest.mark.slow
def test_the_lecturers_deck_light_4_3_from_the_command_line(isolated_cache):
    """The README's command for lecturers, end to end (at -q l, small options)."""
    from pypdf import PdfReader

    _needs_extra()
    args = ["slides", "layers", "--theme", "light", "--aspect", "4:3", "-q", "l", "--epochs", "300",
            "-n", "200", "-o", "lecture/layers.pdf"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    path = Path(result.output.strip())
    assert path == Path.cwd() / "lecture" / "layers.pdf"
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no partial left
    pages = PdfReader(str(path)).pages
    job = resolve("layers", {**SMALL, "theme": "light", "aspect": "4:3"}, "slides")
    assert len(pages) == len(_beats(job))
    assert float(pages[0].mediabox.width) / float(pages[0].mediabox.height) == pytest.approx(4 / 3)
    picture = np.asarray(pages[0].images[0].image.convert("RGB"))
    assert picture.shape[:2] == (480, 640)
    assert np.median(picture) > 200  # the light theme's background


# --------------------------------------------------------------------------- beats and movies


class BackToBack(SceneContract):
    """Two beats marked back to back (the first has no play of its own), then one more."""

    defaults = {"epochs": 1, "n_samples": 20}

    def construct(self):
        self.open(title="first", detail="a pause", seconds=0.4)
        self.mark("caption", "no play")
        self.mark("stage", "second")
        self.wait(0.3)


@pytest.mark.slow
def test_a_beat_without_a_play_gives_its_notes_to_the_next_slide(isolated_cache, tmp_path):
    _needs_extra()
    out = sl.slides(BackToBack, f"{tmp_path}/deck/", quality="l", progress=False)
    assert out == tmp_path / "deck"
    data = json.loads((out / "BackToBack.json").read_text(encoding="utf-8"))
    assert [s["notes"] for s in data["slides"]] == ["first\n\na pause", "no play\n\nsecond"]
    # 0.4 s and 0.3 s at 15 fps: 6 frames, and 4.5 rounded by Manim
    first, second = (_frames(out.parent / s["file"]) for s in data["slides"])
    assert first == 6 and second in (4, 5)


def _movie(path: Path, frames: int, level: int) -> None:
    """A tiny H.264 movie encoded like Manim's partial movies (one encode, starting on a key frame)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=FPS, options={"preset": "ultrafast"})
        stream.width = stream.height = 32
        stream.pix_fmt = "yuv420p"
        for k in range(frames):
            image = np.full((32, 32, 3), level + 4 * k, np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(stream.encode(None))


def _packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(video=0) if p.dts is not None]


def test_join_movies_copies_the_packets_without_encoding_again(tmp_path):
    parts = [tmp_path / "a.mp4", tmp_path / "b'quote.mp4"]
    _movie(parts[0], 5, 40)
    _movie(parts[1], 7, 160)
    joined = tmp_path / "joined.mp4"
    sl.join_movies(parts, joined)
    assert _packets(joined) == _packets(parts[0]) + _packets(parts[1])
    with av.open(str(joined)) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(stream))
        assert stream.average_rate == Fraction(FPS).limit_denominator()
    assert len(frames) == 12
    times = [f.time for f in frames]
    assert times == sorted(times) and times[5] == pytest.approx(5 / FPS)
    assert frames[5].to_ndarray(format="rgb24").mean() > 120  # the second part after the first
    assert not list(tmp_path.glob("*.txt"))  # the concat list is gone


# --------------------------------------------------------------------------- refusals, one line each


def test_without_the_extra_slides_say_how_to_get_it(isolated_cache, monkeypatch):
    monkeypatch.setitem(sys.modules, "manim_slides", None)  # as if not installed
    result = CliRunner().invoke(cli, ["slides", "layers", "--epochs", "5", "-o", "deck.html"])
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: {sl.EXTRA_HINT}"
    assert "pip install 'nnanim[slides]'" in sl.EXTRA_HINT


@pytest.mark.parametrize(
    ("output", "message"),
    [(None, "give the deck with -o"), ("deck.key", "a deck is DECK.html, DECK.pptx, DECK.pdf"),
     ("deck.mp4", "a deck is DECK.html"), ("plain.txt/", "is a file, not a folder")],
)
def test_a_bad_deck_name_is_refused_in_one_line_before_training(isolated_cache, output, message):
    Path("plain.txt").write_text("not a folder")
    args = ["slides", "layers", "--epochs", "100000"] + ([] if output is None else ["-o", output])
    started = time.perf_counter()
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1
    assert time.perf_counter() - started < 10  # refused before 100000 epochs of training


def test_slides_take_the_render_options_and_dump_them(isolated_cache):
    result = CliRunner().invoke(cli, ["slides", "layers", "-q", "l", "--aspect", "4:3", "--theme", "light",
                                      "-o", "deck.html", "--dump-config"])
    assert result.exit_code == 0, result.output
    assert 'scene = "layers"' in result.output and 'quality = "l"' in result.output
    assert 'aspect = "4:3"' in result.output and 'output = "deck.html"' in result.output
    assert "transparent" not in result.output and "format" not in result.output
    help_text = CliRunner().invoke(cli, ["slides", "--help"]).output
    for flag in ("--dataset", "--hidden", "--theme", "--aspect", "--duration", "--quality", "--output"):
        assert flag in help_text


def test_a_plain_manim_scene_has_no_beats_to_make_slides_of(isolated_cache):
    from manim import Scene

    with pytest.raises(NnanimError, match="beats"):
        sl.slides(Scene, "deck.html")


def test_html_notes_are_escaped_for_the_page_and_for_markdown():
    text = sl._html_notes("output · w_i·h + b_i = w_j·h\n\n<b>1. & 2</b>")
    assert "<" not in text and not re.search(r"[^\\]_", text) and "\\_i" in text
    assert "\\&amp;" in text and "\\+" in text  # a backslash escape, then the entity


def test_the_reveal_theme_follows_the_background():
    assert sl._reveal_theme("#0e1117") == "black" and sl._reveal_theme("#fafafa") == "white"


def test_slide_targets(tmp_path):
    assert sl.slide_target(tmp_path / "a.HTML").kind == "html"
    assert sl.slide_target(str(tmp_path / "d") + "/").kind == "folder"
    assert (tmp_path / "d").is_dir()
    assert sl.slide_target(tmp_path / "d").kind == "folder"  # an existing folder, without the slash
    with pytest.raises(NnanimError, match="a deck is"):
        sl.slide_target(tmp_path / "deck")
