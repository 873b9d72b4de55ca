"""Pango text for the scenes: laid out once, kept on disk, wrapped to a width, never shrunk.

Building a Manim :class:`~manim.Text` costs about 0.15 s (Pango lays it out to
an SVG, which is parsed into glyph paths), and a storyboard builds the same
texts twice when a plan pass walks it before the render.  :func:`text` keeps
each distinct text it built and hands out copies (a caption's copy costs a few milliseconds).

Every process (each render, each test worker) would lay the same texts out again, so a
built text is also kept on disk, in the ``text`` folder of nnanim's cache
(see :func:`_cache_folder`; ``nnanim cache clear`` empties it): a later
process reads the same glyphs back without Pango (see :func:`_load`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import math
import os
import re
import textwrap
import zipfile
from collections import OrderedDict
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import svgelements as se
from manim import Text, logger

from nnanim.core.notation import NBSP, join, loosen

try:
    import fcntl
except ImportError:  # pragma: no cover - not a POSIX system
    fcntl = None

__all__ = ["text", "wrap_text"]

#: distinct texts kept per process (a video uses a few dozen)
_KEEP = 512
_built: OrderedDict[tuple, Text] = OrderedDict()


def text(body: str, *, font: str, font_size: float, color: Any, weight: str = "NORMAL",
         line_spacing: float = -1) -> Text:
    """``Text(body, ...)``, built once per distinct set of arguments and copied after that."""
    return _kept(body, font, font_size, color, weight, line_spacing).copy()


def _kept(body: str, font: str, font_size: float, color: Any, weight: str, line_spacing: float) -> Text:
    """The kept (never shown) ``Text`` of these arguments: built on the first call.

    Its glyphs drop the SVG path objects they were parsed from (``path_obj``,
    read only while the glyph's points are made): a copy deep-copied them,
    eight times the cost of the rest (a caption's copy took 38 ms, now 5).
    """
    key = (body, font, float(font_size), str(color), weight, line_spacing)
    built = _built.get(key)
    if built is None:
        stored = _stored_path(key)
        built = _load(stored, key) if stored is not None else None
        if built is None:
            with _one_process_at_a_time(), _wide_canvas():
                built = _GlyphsOnly(body, font=font, font_size=font_size, color=color, weight=weight,
                                    line_spacing=line_spacing, name="Text")
            built.__class__ = Text  # a Text as Manim builds it: the same glyphs (no index of groups)
            for part in built.get_family():
                if getattr(part, "path_obj", None) is not None:
                    part.path_obj = None
            if stored is not None:
                _store(stored, key, built)
        _built[key] = built
        if len(_built) > _KEEP:
            _built.popitem(last=False)
    else:
        _built.move_to_end(key)
    return built


# --------------------------------------------------------------------------- texts kept on disk
#
# A built text is written as one ``.npz`` file (read with ``allow_pickle=False``): its arrays
# (every glyph's points, colours, ...) and, as a ``meta`` array of UTF-8 bytes, a JSON
# description of the objects that hold them: the Text, its glyphs, the group ``chars``
# (the same glyphs), their colours and styles, each object's attributes in Manim's order.
# Only the classes of :func:`_classes` are written or read back (anything else: the text is
# not kept, and is built again by the next process); a file that is too big, damaged, of
# another format or of another key is ignored and written again.

#: a folder of its own for the texts kept on disk, used whatever nnanim's cache limit (so that
#: processes whose caches keep nothing, such as the test suite's, can still share their texts)
TEXT_CACHE_ENV = "NNANIM_TEXT_CACHE_DIR"
#: the format of the files; a change makes every older file a miss
_FORMAT = 1
#: the largest file read back (a long caption is about 100 kB)
_MAX_BYTES = 16 * 1024**2
#: the most files kept (a text takes about 70 kB); the least recently used go first
_MAX_FILES = 2000


class _NotKept(Exception):
    """A text holds something the disk format does not describe: it is not kept."""


def _classes() -> dict[str, type]:
    """The classes a kept text is made of, by name (read back only as exactly these)."""
    from manim import ManimColor, VGroup
    from manim.constants import CapStyleType, LineJointType
    from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

    return {c.__name__: c for c in (Text, VMobjectFromSVGPath, VGroup, ManimColor, CapStyleType,
                                    LineJointType)}


def _cache_folder() -> Path | None:
    """The ``text`` folder of nnanim's cache, ``None`` when the cache keeps nothing (a limit of
    0; a malformed limit is the render's to refuse, and keeps entries meanwhile)."""
    from nnanim.errors import NnanimError
    from nnanim.files import cache_dir, limit

    try:
        if limit() == 0:
            return None
    except NnanimError:
        pass
    return cache_dir() / "text"


@functools.lru_cache(maxsize=1)
def _versions() -> tuple[str, ...]:
    """The versions of Manim and of its Pango binding (which brings its own Pango), and the font
    families installed (a family added or removed may change what a font name resolves to)."""
    from importlib.metadata import PackageNotFoundError, version

    import manimpango

    found = []
    for name in ("manim", "manimpango"):
        try:
            found.append(version(name))
        except PackageNotFoundError:
            found.append("-")
    families = "\0".join(sorted(manimpango.list_fonts()))
    return (*found, hashlib.blake2b(families.encode(), digest_size=16).hexdigest())


def _stored_path(key: tuple) -> Path | None:
    """The file that keeps the text of ``key``: named by a hash of everything that decides its
    glyphs, in ``$NNANIM_TEXT_CACHE_DIR`` if set, else in the ``text`` folder of nnanim's
    cache; ``None`` there when that cache keeps nothing (``NNANIM_CACHE_LIMIT=0``)."""
    from manim import config

    if os.environ.get(TEXT_CACHE_ENV):
        folder = Path(os.environ[TEXT_CACHE_ENV]).expanduser().absolute()
    else:
        folder = _cache_folder()
        if folder is None:
            return None
    parts = [_FORMAT, list(key), list(CANVAS), _versions(), str(config.renderer)]
    digest = hashlib.blake2b(json.dumps(parts, default=str).encode(), digest_size=20).hexdigest()
    return folder / f"{digest}.npz"


def _encode(built: Text) -> tuple[dict, dict[str, np.ndarray]]:
    """The JSON description of ``built`` and its arrays by name."""
    from manim import config

    classes = {c: name for name, c in _classes().items()}
    text_dir = Path(config.get_dir("text_dir"))
    arrays: dict[str, np.ndarray] = {}
    array_names: dict[int, str] = {}
    objects: list = []
    indices: dict[int, int] = {}
    alive: list = []  # the encoded values stay alive, so that no id is reused meanwhile

    def value(v: Any) -> Any:
        t = type(v)
        if v is None or t in (bool, int, float, str):
            return v
        if t in (list, tuple):
            items = [value(item) for item in v]
            return items if t is list else {"t": items}
        if t is dict:
            return {"d": [[value(k), value(item)] for k, item in v.items()]}
        if t is np.ndarray or isinstance(v, np.generic) and t.__module__ == "numpy":
            if v.dtype.kind not in "biuf":
                raise _NotKept(f"an array of {v.dtype}")
            name = array_names.get(id(v))
            if name is None:
                name = array_names[id(v)] = f"a{len(arrays)}"
                arrays[name] = np.asarray(v)
                alive.append(v)
            return {"a" if t is np.ndarray else "s": name}
        if isinstance(v, Path):
            if t is not type(text_dir) or v != _in_text_dir(text_dir, v.name):
                raise _NotKept(f"a path outside Manim's text folder: {v}")
            return {"p": v.name}
        if t not in classes:
            raise _NotKept(f"a {t.__module__}.{t.__qualname__}")
        if isinstance(v, Enum):
            return {"e": [classes[t], v.name]}
        index = indices.get(id(v))
        if index is None:
            index = indices[id(v)] = len(objects)
            objects.append(None)
            alive.append(v)
            objects[index] = [classes[t], [[k, value(item)] for k, item in vars(v).items()]]
        return {"o": index}

    root = value(built)
    meta = {"format": _FORMAT, "root": root, "objects": objects,
            "arrays": {name: [a.dtype.str, list(a.shape)] for name, a in arrays.items()}}
    return meta, arrays


def _in_text_dir(text_dir: Path, name: str) -> Path:
    """The SVG file ``name`` in Manim's text folder, as Manim's Text names it (``file_name``)."""
    return Path(str((text_dir / name).resolve()))


def _decode(meta: dict, arrays: dict[str, np.ndarray]) -> Text:
    """The Text that ``meta`` describes (:func:`_encode`); any fault raises."""
    from manim import config

    classes = _classes()
    text_dir = Path(config.get_dir("text_dir"))
    made = []
    for name, _ in meta["objects"]:
        cls = classes[name]
        if issubclass(cls, Enum):
            raise ValueError("an enum as an object")
        made.append(cls.__new__(cls))

    def value(v: Any) -> Any:
        if v is None or type(v) in (bool, int, float, str):
            return v
        if type(v) is list:
            return [value(item) for item in v]
        (tag, body), = v.items()
        if tag == "t":
            return tuple(value(item) for item in body)
        if tag == "d":
            return {value(k): value(item) for k, item in body}
        if tag == "a":
            return arrays[body]
        if tag == "s":
            return arrays[body][()]
        if tag == "p":
            if type(body) is not str or "/" in body or body in ("", ".", ".."):
                raise ValueError("a path with folders")
            return _in_text_dir(text_dir, body)
        if tag == "e":
            cls = classes[body[0]]
            if not issubclass(cls, Enum):
                raise ValueError("not an enum")
            return cls[body[1]]
        if tag == "o":
            return made[body]
        raise ValueError(f"unknown tag {tag!r}")

    for obj, (_, attributes) in zip(made, meta["objects"], strict=True):
        obj.__dict__.update((str(k), value(item)) for k, item in attributes)
    root = value(meta["root"])
    if type(root) is not Text:
        raise ValueError("not a Text")
    return root


def _load(path: Path, key: tuple) -> Text | None:
    """The text kept in ``path``, or ``None`` (no file, or one that is too big, damaged or foreign)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(_MAX_BYTES + 1)
    except OSError:
        return None
    if len(data) > _MAX_BYTES:
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:  # bounded before anything is unpacked
            if sum(info.file_size for info in archive.infolist()) > 4 * _MAX_BYTES:
                return None
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            files = {name: npz[name] for name in npz.files}
        raw = files.pop("meta")
        if raw.dtype != np.uint8 or raw.ndim != 1:
            return None
        meta = json.loads(raw.tobytes().decode("utf-8"))
        if meta.get("format") != _FORMAT or meta.get("key") != json.loads(json.dumps(list(key))):
            return None
        arrays = _unpacked(meta["arrays"], files)
        if arrays is None:
            return None
        built = _decode(meta, arrays)
    except Exception:  # noqa: BLE001 - a damaged or foreign file is a miss, never an error
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept longest
    return built


def _packed(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The arrays of each dtype, flattened one after another (in the order of ``arrays``) into one
    array named after the dtype: a text has about ten small arrays a glyph, and each member of an
    ``.npz`` file costs a header to read."""
    flat: dict[str, list[np.ndarray]] = {}
    for array in arrays.values():
        flat.setdefault(array.dtype.str, []).append(array.ravel())
    return {f"flat{dtype}": np.concatenate(parts) for dtype, parts in flat.items()}


def _unpacked(described: dict, files: dict[str, np.ndarray]) -> dict[str, np.ndarray] | None:
    """The arrays ``described`` (``name: [dtype, shape]``) cut from :func:`_packed`'s ``files``
    (each an array of its own, as built); ``None`` when they do not add up exactly."""
    used = dict.fromkeys(files, 0)
    arrays = {}
    for name, (dtype, shape) in described.items():
        flat = files.get(f"flat{dtype}")
        if flat is None or flat.ndim != 1 or flat.dtype.str != dtype or flat.dtype.kind not in "biuf":
            return None
        if type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape):
            return None
        start = used[f"flat{dtype}"]
        count = math.prod(shape)
        if start + count > flat.size:
            return None
        arrays[name] = flat[start:start + count].reshape(shape).copy()
        used[f"flat{dtype}"] = start + count
    if any(files[name].size != count for name, count in used.items()):
        return None  # every value of every file is used, once
    return arrays


def _store(path: Path, key: tuple, built: Text) -> None:
    """Keep ``built`` in ``path`` (written whole under a temporary name, then moved into place);
    a text the format cannot describe, or a cache folder that cannot be written, is skipped."""
    from nnanim.errors import NnanimError
    from nnanim.files import atomic_write

    try:
        meta, arrays = _encode(built)
    except _NotKept as reason:
        logger.debug(f"text not kept on disk: {reason}")
        return
    meta["key"] = list(key)
    buffer = io.BytesIO()
    raw = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    np.savez(buffer, meta=raw, **_packed(arrays))
    try:
        with atomic_write(path) as partial:
            partial.write_bytes(buffer.getvalue())
    except (NnanimError, OSError):
        return
    _prune(path.parent)


def _prune(folder: Path) -> None:
    """Remove the least recently used files beyond :data:`_MAX_FILES` (and old partial files)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    if len(names) <= _MAX_FILES:
        return
    dated = []
    for name in names:
        with contextlib.suppress(OSError):
            dated.append((os.stat(folder / name).st_mtime, name))
    dated.sort()
    for _, name in dated[:len(dated) - _MAX_FILES]:
        with contextlib.suppress(OSError):
            os.unlink(folder / name)


#: the SVG elements Manim makes a mobject of (the rest only group them)
_SHAPES = (se.Path, se.SimpleLine, se.Rect, se.Circle, se.Ellipse, se.Polygon, se.Polyline, se.Text)


class _GlyphsOnly(Text):
    """Manim's :class:`~manim.Text`, without the index of the SVG's groups that it builds.

    Manim's SVG import makes an empty ``VGroup`` for every element of the SVG (Pango's has
    three or four per glyph: its symbol, its use, their groups) and adds each glyph to the
    groups above it, to look groups up by id (``id_to_vgroup_dict``; a ``Text`` never
    does).  Those groups took a fifth of the time a text took to build, and every copy of
    the text deep-copied them again.  The glyphs are the same mobjects, made in the same
    order (a depth-first walk of the SVG, as Manim's).
    """

    def get_mobjects_from(self, svg: se.SVG) -> tuple[list, dict]:
        result, stack = [], [svg]
        while stack:
            element = stack.pop()
            if isinstance(element, (se.Group, se.Use)):
                stack.extend(element[::-1])
            if not isinstance(element, _SHAPES):
                continue
            try:
                mob = self.get_mob_from_shape_element(element)
            except Exception as e:  # noqa: BLE001 - as Manim: logged, the element left out
                logger.error(f"Exception occurred in 'get_mobjects_from'. Details: {e}")
                continue
            if mob is not None:
                result.append(mob)
        return result, {}


#: the width and height (Pango units, about pixels of its 10 px title font) of the canvas a
#: text is laid out on: wide enough that Pango never breaks a line (nnanim wraps its texts itself)
CANVAS = (16384, 4096)


@contextlib.contextmanager
def _wide_canvas():
    """Lay a text out on a fixed canvas of :data:`CANVAS`, whatever the frame's pixel size.

    Manim hands Pango the frame's pixel width as the layout's width, and Pango breaks any
    line wider than that: at 160 × 90 a title of twenty characters broke in two.  The text
    kept for these arguments (and the SVG Manim keeps on disk by a hash that leaves the width
    out) then carried that break into every later frame size of the process: a caption one line
    taller, over the picture, in a square plan pass that came after a tiny render in the same
    test worker.  A fixed canvas makes a text the same in every frame, as its size in scene
    units already is (the canvas only bounds the layout; the glyphs' scale does not depend on it).
    """
    from manim import config

    saved = config.pixel_width, config.pixel_height
    config.pixel_width, config.pixel_height = CANVAS
    try:
        yield
    finally:
        config.pixel_width, config.pixel_height = saved


@contextlib.contextmanager
def _one_process_at_a_time():
    """Hold an exclusive lock on Manim's text folder while a text is built.

    Manim writes each text's SVG into the folder, then a copy ``NAME_.svg``
    beside it that it parses and deletes: two processes building the same
    text at once (the workers of ``nnanim batch``, parallel renders sharing
    the cache folder) delete each other's copy, or read a half-written SVG.
    """
    from manim import config

    if fcntl is None:
        yield
        return
    folder = config.get_dir("text_dir")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = open(folder / ".lock", "w")  # noqa: SIM115 - closed below
    except OSError:  # an unwritable folder fails in Manim itself, with its own message
        yield
        return
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
    finally:
        lock.close()


def wrap_text(body: str, font: str, size: float, width: float, color: Any, weight: str = "NORMAL",
              line_spacing: float = 0.9) -> Text:
    """``body`` wrapped into lines no wider than ``width`` scene units, at ``size`` (never scaled down).

    Equations are joined first (:func:`nnanim.core.notation.join`): lines break
    between words, and an equation moves whole to the next line (only one
    wider than the whole line is broken, beside its signs).  The lines are
    balanced: the narrowest wrap with as few lines, so no word is left alone
    on a last line.
    """
    joined = _separated(join(body))
    chars = max(8, int(width / (size / 48 * 0.33)))  # a first guess, then narrower until it fits
    while True:  # measured on the kept texts; only the one chosen is copied
        lines = _wrap(joined, chars)
        chosen = "\n".join(lines) or " "
        mob = _kept(chosen, font, size, color, weight, line_spacing)
        if mob.width <= width or chars <= 8:
            break
        narrower = max(8, int(chars * min(0.95, width / mob.width)))
        longest = max(len(chunk) for chunk in joined.split(" "))
        first, loosened = _separated(join(body)), _separated(loosen(body))
        if narrower < longest and joined == first != loosened:  # an equation wider than the line
            joined = loosened
        elif narrower < longest and joined in (first, loosened):
            # a bound name wider than the line ("od280/od315 of diluted wines"): it breaks
            # between its words, rather than every other word going alone on a line
            unbound = _WORD_BOUND.sub(" ", joined)
            if unbound != joined:
                joined = unbound
                chars = max(chars, int(width / (size / 48 * 0.33)))  # (the first guess again)
                continue
        chars = narrower
    if len(lines) > 1:  # balance: the narrowest wrap with as few lines
        least = chars
        while least > 8 and len(_wrap(joined, least - 1)) == len(lines):
            least -= 1
        if least < chars:
            body = "\n".join(_wrap(joined, least))
            if _kept(body, font, size, color, weight, line_spacing).width <= width:
                chosen = body
    mob = text(chosen, font=font, font_size=size, color=color, weight=weight, line_spacing=line_spacing)
    # the words as read: a no-break space is drawn as a space (only the line breaks differ)
    mob.original_text = mob.original_text.replace(NBSP, " ")
    mob.text = mob.text.replace(NBSP, "")  # Manim's spaceless form of the words
    return mob


def _wrap(body: str, chars: int) -> list[str]:
    """Lines of at most ``chars`` characters, broken at ordinary spaces only (never inside a word
    or at a no-break space); a separator ``·`` where a line breaks is left out."""
    lines = textwrap.wrap(body, chars, break_long_words=False, break_on_hyphens=False)
    return [line[:-len(_SEPARATOR)] if line.endswith(_SEPARATOR) and line != _SEPARATOR else line
            for line in lines]


#: a spaced middle dot separates the parts of a title ("layer 2 · squash 3 → 2"; a product is
#: written without spaces, W·x): bound to the part before it, a line may break after it, and
#: the dot is then left out (a line never starts with it, as in "· squash 3 → 2")
_SEPARATOR = NBSP + "·"
_SPACED_DOT = re.compile(f"[ {NBSP}]+·[ {NBSP}]+")
#: a no-break space between two words (a feature's name bound whole), not beside a sign
_WORD_BOUND = re.compile(rf"(?<=\w){NBSP}(?=\w)")


def _separated(joined: str) -> str:
    """``joined`` (see :func:`~nnanim.core.notation.join`) with a break allowed after each
    separator ``·``."""
    return _SPACED_DOT.sub(_SEPARATOR + " ", joined)
