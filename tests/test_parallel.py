"""``--jobs N``: a video rendered in parts and joined without re-encoding is the serial video.

Judged on the files: the decoded frames are equal, the H.264 packets are the
same bytes with the same timestamps and keyframes (each part starts at a
play, so with a keyframe), and the chapters and subtitles written from the
parts' beats are those of the serial render.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from nnanim.media.parallel import Part, cut_points

OPTIONS = {"epochs": 200, "n_samples": 200, "duration": 5.0}


def beat(play, start, end):
    return SimpleNamespace(play=play, start=start, end=end)


# --------------------------------------------------------------------------- cutting at beats


def test_cuts_fall_on_the_beats_nearest_to_even_shares():
    beats = [beat(0, 0, 1), beat(2, 1, 4), beat(3, 4, 5), beat(5, 5, 8), beat(9, 8, 10)]
    assert cut_points(beats, 1) == [Part(0, 0, -1)]
    assert cut_points(beats, 2) == [Part(0, 0, 4), Part(1, 5, -1)]  # half of 10 s: the beat at 5 s
    parts = cut_points(beats, 3)  # thirds: the beats at 4 s and 8 s
    assert [p.first for p in parts] == [0, 3, 9]
    assert [p.last for p in parts] == [2, 8, -1]


def test_no_more_parts_than_beats_and_beats_sharing_a_play_cut_once():
    beats = [beat(0, 0, 0), beat(0, 0, 2), beat(4, 2, 3)]  # an empty intro, then two beats
    assert cut_points(beats, 8) == [Part(0, 0, 3), Part(1, 4, -1)]
    assert cut_points([beat(0, 0, 3)], 4) == [Part(0, 0, -1)]


def test_every_play_is_in_exactly_one_part():
    beats = [beat(i * 2, float(i), float(i + 1)) for i in range(12)]
    for n in range(1, 14):
        parts = cut_points(beats, n)
        plays = []
        for p in parts:
            plays += list(range(p.first, (p.last if p.last >= 0 else 23) + 1))
        assert plays == list(range(24))
        assert len(parts) == min(n, 12)


# --------------------------------------------------------------------------- a render in parts


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    """The same tiny video rendered in one process and in three, with chapters and subtitles."""
    from nnanim.contract import resolve
    from nnanim.media.render import RenderSettings, render

    folder = tmp_path_factory.mktemp("parallel")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NNANIM_CACHE_DIR", str(folder / "cache"))
        job = resolve("layers", OPTIONS, "render")
        job.ensure_run()
        paths = {}
        for jobs in (1, 3):
            settings = RenderSettings(quality="l", short_side=90, fps=10, progress=False, jobs=jobs,
                                      chapters=True, subtitles=True, output=folder / f"jobs{jobs}.mp4")
            paths[jobs] = render(job, settings)
        yield SimpleNamespace(paths=paths, cache=folder / "cache")


def _packets(path):
    import av

    with av.open(str(path)) as container:
        return [(p.pts, p.dts, p.is_keyframe, bytes(p))
                for p in container.demux(video=0) if p.dts is not None]


def _chapters(path):
    import av

    with av.open(str(path)) as container:
        return [(c["start"], c["end"], c["metadata"].get("title")) for c in container.chapters()]


@pytest.mark.parametrize("jobs", [3])
def test_the_frames_are_the_serial_renders(renders, decode_frames, jobs):
    serial, _ = decode_frames(renders.paths[1])
    parts, fps = decode_frames(renders.paths[jobs])
    assert fps == 10 and len(serial) > 40
    assert parts.shape == serial.shape
    assert np.array_equal(parts, serial)


@pytest.mark.parametrize("jobs", [3])
def test_the_stream_is_the_serial_one_packet_for_packet(renders, jobs):
    serial = _packets(renders.paths[1])
    assert _packets(renders.paths[jobs]) == serial
    keys = [i for i, p in enumerate(serial) if p[2]]
    assert len(keys) > jobs  # one per play: every cut starts on a keyframe


@pytest.mark.parametrize("jobs", [3])
def test_chapters_and_subtitles_are_the_serial_renders(renders, jobs):
    serial, parts = renders.paths[1], renders.paths[jobs]
    assert len(_chapters(serial)) > 5
    assert _chapters(parts) == _chapters(serial)
    for suffix in (".srt", ".vtt", ".chapters.txt"):
        one = serial.with_name(serial.stem + suffix).read_text()
        assert parts.with_name(parts.stem + suffix).read_text() == one


def test_nothing_is_left_in_the_cache(renders):
    assert list((renders.cache / "renders").iterdir()) == []


def test_jobs_is_checked(tmp_path):
    from nnanim.media.render import RenderError, RenderSettings, _validate

    for bad in (0, 65, 1.5, True, "2"):
        with pytest.raises(RenderError, match="jobs must be a whole number from 1 to 64"):
            _validate(RenderSettings(jobs=bad, output=tmp_path / "x.mp4"), "x")
