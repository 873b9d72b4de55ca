"""Texts kept on disk (issue 20): a later process reads a text's glyphs back instead of laying it
out with Pango, and gets the very same Text: every glyph's points, its style, the family's
order, the attributes Manim's Text carries.  A damaged or foreign file is a miss, never an error."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import av
import numpy as np
import pytest

from nnanim.draw import text as T

#: multi-line, subscripts and superscripts, non-ASCII, bold, a blank, a no-break space
BODIES = [
    ("layer 2 · squash 3 → 2\nthen tanh", "NORMAL", -1),
    ("W₁x + b₁ = z², σ(z) ∈ (0, 1)", "NORMAL", -1),
    ("Straße — naïve façade, ŷ ≈ y", "BOLD", -1),
    ("bold caption\nover two lines", "BOLD", 0.9),
    (" ", "NORMAL", -1),
    ("od280/od315\u00a0of diluted wines", "NORMAL", 0.9),
]


def _same(a, b, path="text", seen=None, ignore=()):
    """``a`` and ``b`` are the same graph of objects: the same types, attributes in the same order,
    equal values, arrays equal byte for byte with the same dtype and shape, and shared objects
    (a glyph in ``submobjects`` and in ``chars``) shared alike.  ``ignore``: attributes left out."""
    seen = {} if seen is None else seen
    assert type(a) is type(b), f"{path}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, f"{path}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}"
        assert a.tobytes() == b.tobytes(), f"{path}: the values differ"
        assert a.flags.c_contiguous == b.flags.c_contiguous and a.flags.writeable == b.flags.writeable
        return
    if isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{path}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]", seen, ignore)
        return
    if isinstance(a, dict):
        assert list(a) == list(b), f"{path}: keys {list(a)} vs {list(b)}"
        for k in a:
            _same(a[k], b[k], f"{path}[{k!r}]", seen, ignore)
        return
    if hasattr(a, "__dict__") and not isinstance(a, type):
        if id(a) in seen:
            assert seen[id(a)] is b, f"{path}: shared differently"
            return
        seen[id(a)] = b
        _same({k: v for k, v in vars(a).items() if k not in ignore},
              {k: v for k, v in vars(b).items() if k not in ignore}, path, seen, ignore)
        return
    if isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), path
        return
    assert a == b, f"{path}: {a!r} vs {b!r}"


@pytest.fixture
def text_cache(tmp_path, monkeypatch):
    """An empty nnanim cache and an empty in-process store of texts."""
    monkeypatch.setenv("NNANIM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NNANIM_CACHE_LIMIT", "2G")  # (the suite's caches keep nothing)
    monkeypatch.delenv(T.TEXT_CACHE_ENV, raising=False)
    monkeypatch.setattr(T, "_built", type(T._built)())
    return tmp_path / "cache" / "text"


def _without_pango(monkeypatch):
    """Make any layout with Pango fail: what follows must come from the disk."""
    def refuse(*args, **kwargs):
        raise AssertionError("laid out with Pango again")

    monkeypatch.setattr(T, "_GlyphsOnly", refuse)


ARGS = dict(font="Sans", font_size=30.0, color="#E8E8E8")


def test_a_text_read_back_is_the_text_built(text_cache, monkeypatch):
    built = [T._kept(body, ARGS["font"], ARGS["font_size"], ARGS["color"], weight, spacing)
             for body, weight, spacing in BODIES]
    assert len(list(text_cache.glob("*.npz"))) == len(BODIES)
    assert sum(len(t.submobjects) for t in built) > 80  # glyphs were compared, not empty texts
    monkeypatch.setattr(T, "_built", type(T._built)())  # as a new process: only the disk
    _without_pango(monkeypatch)
    for (body, weight, spacing), fresh in zip(BODIES, built):
        again = T._kept(body, ARGS["font"], ARGS["font_size"], ARGS["color"], weight, spacing)
        assert again is not fresh
        _same(fresh, again)
        assert again.chars.submobjects[0] is again.submobjects[0] if again.submobjects else True
        assert again.width == fresh.width and again.height == fresh.height
        if fresh.height:
            assert again.font_size == fresh.font_size
        # what the scenes are handed (a copy notes the id of the object it copied: Manim's
        # hashing leaves that out, and no two processes share it)
        _same(fresh.copy(), again.copy(), ignore=("original_id",))


def test_wrapped_text_from_disk_is_the_same(text_cache, monkeypatch):
    args = ("a caption long enough to be wrapped over lines: W·x + b → σ(z)", "Sans", 24, 3.0,
            "#FFFFFF")
    fresh = T.wrap_text(*args)
    monkeypatch.setattr(T, "_built", type(T._built)())
    _without_pango(monkeypatch)
    again = T.wrap_text(*args)
    assert "\n" in fresh.original_text
    _same(fresh, again, ignore=("original_id",))  # (copies, see above)


def _one_file(text_cache):
    files = list(text_cache.glob("*.npz"))
    assert len(files) == 1
    return files[0]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "foreign", "wrong dtype",
                                    "too big", "pickled"])
def test_a_damaged_or_foreign_file_is_built_again(text_cache, monkeypatch, damage):
    body = "damaged x₁"
    fresh = T._kept(body, "Sans", 30.0, "#FFFFFF", "NORMAL", -1)
    path = _one_file(text_cache)
    good = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(os.urandom(2000))
    elif damage == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "foreign":  # another text's file under this text's name
        monkeypatch.setattr(T, "_built", type(T._built)())
        T._kept("another", "Sans", 30.0, "#FFFFFF", "NORMAL", -1)
        other = next(p for p in text_cache.glob("*.npz") if p != path)
        path.write_bytes(other.read_bytes())
    elif damage == "wrong dtype":  # the same arrays, one of them float32
        with np.load(path, allow_pickle=False) as npz:
            files = {k: npz[k] for k in npz.files}
        files["flat<f8"] = files["flat<f8"].astype(np.float32)
        with open(path, "wb") as handle:
            np.savez(handle, **files)
    elif damage == "too big":
        path.write_bytes(good + b"\0" * (T._MAX_BYTES + 1))
    elif damage == "pickled":  # an object array: refused by allow_pickle=False
        with open(path, "wb") as handle:
            np.savez(handle, meta=np.array([{"format": 1}], dtype=object))
    monkeypatch.setattr(T, "_built", type(T._built)())
    again = T._kept(body, "Sans", 30.0, "#FFFFFF", "NORMAL", -1)  # no error: built again
    _same(fresh, again)
    # and written again, whole: the next process reads it
    monkeypatch.setattr(T, "_built", type(T._built)())
    _without_pango(monkeypatch)
    _same(fresh, T._kept(body, "Sans", 30.0, "#FFFFFF", "NORMAL", -1))


def test_nothing_is_kept_when_the_cache_keeps_nothing(text_cache, monkeypatch):
    monkeypatch.setenv("NNANIM_CACHE_LIMIT", "0")
    T._kept("not kept", "Sans", 30.0, "#FFFFFF", "NORMAL", -1)
    assert not text_cache.exists() or not any(text_cache.iterdir())


def test_the_least_recently_used_go_first(text_cache, monkeypatch):
    monkeypatch.setattr(T, "_MAX_FILES", 3)
    for k in range(5):
        T._kept(f"text {k}", "Sans", 30.0, "#FFFFFF", "NORMAL", -1)
        for path in text_cache.glob("*.npz"):  # a clock that ticks between the writes
            os.utime(path, (path.stat().st_mtime - 10,) * 2)
    assert len(list(text_cache.glob("*.npz"))) == 3
    monkeypatch.setattr(T, "_built", type(T._built)())
    _without_pango(monkeypatch)
    T._kept("text 4", "Sans", 30.0, "#FFFFFF", "NORMAL", -1)  # the newest is still there
    with pytest.raises(AssertionError, match="Pango"):
        T._kept("text 0", "Sans", 30.0, "#FFFFFF", "NORMAL", -1)  # the oldest is gone


@pytest.mark.parametrize(("variables", "limit"), [
    ({"NNANIM_CACHE_DIR": "~/somewhere"}, "2G"), ({"XDG_CACHE_HOME": "/tmp/xdg"}, ""),
    ({}, "500M"), ({"NNANIM_CACHE_DIR": "rel/dir"}, "0"), ({}, "0.0 GB"), ({}, "00"),
    ({}, "0.5k"), ({}, "10"), ({}, "1e3"), ({}, "0."),
])
def test_the_folder_is_the_one_of_nnanims_cache(monkeypatch, variables, limit):
    """The texts are kept in the `text` folder of the cache the media floor keeps runs in."""
    from nnanim.errors import NnanimError
    from nnanim.media import cache

    for name in ("NNANIM_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NNANIM_CACHE_LIMIT", limit)
    try:
        nothing = cache.limit() == 0
    except NnanimError:  # a malformed limit: the cache keeps entries under its default
        nothing = False
    assert T._cache_folder() == (None if nothing else cache.cache_dir() / "text")


def test_a_folder_of_its_own(text_cache, tmp_path, monkeypatch):
    monkeypatch.setenv("NNANIM_CACHE_LIMIT", "0")
    monkeypatch.setenv(T.TEXT_CACHE_ENV, str(tmp_path / "texts"))
    T._kept("kept apart", "Sans", 30.0, "#FFFFFF", "NORMAL", -1)
    assert len(list((tmp_path / "texts").glob("*.npz"))) == 1


def test_the_key_holds_what_decides_the_glyphs(text_cache, monkeypatch):
    key = ("x", "Sans", 30.0, "#FFFFFF", "NORMAL", -1)
    base = T._stored_path(key)
    for place, other in enumerate(("y", "Serif", 31.0, "#FFFFFE", "BOLD", 0.9)):
        changed = key[:place] + (other,) + key[place + 1:]
        assert T._stored_path(changed) != base, changed
    original = T.CANVAS
    try:
        T.CANVAS = (8192, 4096)
        assert T._stored_path(key) != base
    finally:
        T.CANVAS = original
    assert T._stored_path(key) == base
    import manimpango  # another set of fonts installed

    families = manimpango.list_fonts()
    monkeypatch.setattr(manimpango, "list_fonts", lambda: [*families, "Some New Sans"])
    T._versions.cache_clear()
    try:
        assert T._stored_path(key) != base
    finally:
        monkeypatch.undo()
        T._versions.cache_clear()


_RENDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from nnanim.contract import resolve
    from nnanim.media.render import RenderSettings, render
    if sys.argv[2] == "warm":  # every text from the disk: laying one out fails the render
        import nnanim.draw.text as T
        def refuse(*args, **kwargs):
            raise AssertionError("laid out with Pango again")
        T._GlyphsOnly = refuse
    job = resolve("layers", {"dataset": "moons", "epochs": 30, "n_samples": 60, "no_cache": True})
    render(job, RenderSettings(quality="l", fps=1, short_side=90, output=Path(sys.argv[1]), progress=False))
""")


def _frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


@pytest.mark.slow
def test_a_render_from_kept_texts_has_the_same_frames(tmp_path):
    """Two processes render the same tiny video: the first lays every text out (and keeps it), the
    second reads them all back.  Their decoded frames are the same, byte for byte."""
    env = dict(os.environ, NNANIM_CACHE_DIR=str(tmp_path / "cache"), NNANIM_CACHE_LIMIT="2G")
    env.pop("NNANIM_DEBUG", None)
    env.pop(T.TEXT_CACHE_ENV, None)
    outs = []
    for k in range(2):
        out = tmp_path / f"run{k}.mp4"
        result = subprocess.run([sys.executable, "-c", _RENDER, str(out), ("cold", "warm")[k]],
                                env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]
        outs.append(out)
        if k == 0:
            kept = list((tmp_path / "cache" / "text").glob("*.npz"))
            assert len(kept) > 10  # the titles, captions and labels of the video
    first, second = (_frames(p) for p in outs)
    assert len(first) > 5 and len(first) == len(second)
    differing = [i for i, (a, b) in enumerate(zip(first, second)) if not np.array_equal(a, b)]
    assert differing == [], f"frames {differing[:10]} differ"
