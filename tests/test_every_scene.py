"""Every scene against every dataset and every frame shape.

Part 1 ("no render aborts"): every dataset through every scene, rendered tiny
(160 x 90 at one frame a second: every play gets a frame, one more for every
second it lasts), each with one of a few (seed, epochs) pairs: the pairs rotate
over the datasets, and the rotation starts at another pair in every scene, so
each scene meets every pair and each dataset meets every pair across the
scenes.  The renders run in a child process (one per test worker, started again
after a crash), so a crash of the renderer (a signal such as SIGABRT or SIGSEGV)
fails the test and names the combination instead of killing the test run.
Every combination must either render a file that decodes, or be refused in
one line; a dataset whose task the scene does not declare (``tasks``) must be
refused, and every dataset of a task it declares renders in ``layers`` (and every
autoencoder dataset in a scene that trains autoencoders by default).  A
handful of the refusals also go through the real command line: exit 2, one
line.

Part 2 ("every frame shape"): every scene in every aspect at ``-q l``, judged
from the decoded frames: the frame size asked for, a first frame that already
shows the data, a large picture, and (``layers``) a last frame whose two
classes a straight line separates.

Set ``NNANIM_SAVE_FRAMES=DIR`` to keep the first, middle and last frame of each
part-2 render as PNG files in DIR, to look at them.
"""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import shape_renders
from storyboards import best_linear_split, class_pixels, tanh_sigmoid_forward, target_pixels
from test_camera import sudden_frames

from nnanim.contract import get_scene, list_scenes, resolve
from nnanim.layout import Layout, frame_units, pixel_size
from nnanim.theme import load_theme

SCENES = sorted(list_scenes())
ASPECTS = ("16:9", "9:16", "1:1", "4:3")

# ----------------------------------------------------------------------------- part 1

TINY = (160, 90)  # width, height: short side 90
# One frame a second at the scene's own pace: every play gets a frame (Manim draws at least one,
# and one more for each second it lasts), some tens of frames a video.  No --duration: it would walk each
# storyboard twice (a plan pass measures it first), the drawn walk is the one that proves it.
FPS = 1
N_SAMPLES = 80
#: the longest a scene's combinations may take together before the child is given up
TIMEOUT = 900
# (seed, epochs): both seeds, every epoch count (0: the untrained network; 1: one record)
RUNS = ((0, 0), (1, 1), (1, 150))
#: scenes that must render every dataset of the tasks they declare (not refuse it)
MUST_RENDER = {"layers"}

#: label -> (spec or a key of the tmp files, task)
DATASETS = {
    "moons": ("moons", "classification"),
    "circles": ("circles", "classification"),
    "spirals": ("spirals", "classification"),
    "xor": ("xor", "classification"),
    "blobs": ("blobs", "classification"),
    "checkerboard": ("checkerboard", "classification"),
    "disk-ring": ("disk-ring", "classification"),
    "sine": ("sine", "regression"),
    "ripple": ("ripple", "regression"),
    "csv-sample-moons": ("csv:sample_moons.csv", "classification"),
    "csv-target": ("csv:{target_csv}", "regression"),
    "expr-product-sign": ("expr:x*y>0", "classification"),
    "expr-numeric": ("expr:sin(3*x)+y", "regression"),
    "arc": ("arc", "autoencoder"),
    "swiss-roll": ("swiss-roll", "autoencoder"),
    "s-curve": ("s-curve", "autoencoder"),
    # real data, wider than three inputs: drawn through fixed principal axes, or refused
    "iris": ("iris", "classification"),
    "wine": ("wine", "classification"),
    "breast-cancer": ("breast-cancer", "classification"),
    "digits": ("digits", "classification"),
}

# The child: reads one JSON list of combinations a line; for each, one line "start NAME" before it
# (so a crash names it) and one result line after it; "done" after the list.  One child serves every
# scene of a test worker: Manim is imported once, and the texts every scene shows (axis names,
# headers) are laid out once (nnanim.draw.text keeps them per process).
CHILD = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from nnanim.errors import NnanimError
    from nnanim.media.render import RenderSettings, render

    def one_line(text):
        return text if "\\n" not in text.strip() else "MULTILINE " + repr(text)

    for line in sys.stdin:
        for combo in json.loads(line):
            name = combo["name"]
            print("start " + name, flush=True)
            settings = RenderSettings(quality="l", short_side=combo["short_side"], fps=combo["fps"],
                                      output=Path(combo["output"]), progress=False)
            try:
                render(combo["scene"], settings, combo["options"])
            except NnanimError as exc:
                print("refused " + name + ": " + one_line(str(exc)), flush=True)
            except Exception as exc:
                print("error " + name + ": " + type(exc).__name__ + ": " + one_line(str(exc)), flush=True)
            else:
                print("ok " + name, flush=True)
        print("done", flush=True)
    """
)
RESULT = re.compile(r"^(start|ok|refused|error) (\S+)(?:: (.*))?$")


class Child:
    """The render child of this test worker: combinations in, result lines out."""

    def __init__(self, folder: Path) -> None:
        work = folder / "work"
        work.mkdir(parents=True)
        self.stderr = open(folder / "stderr.txt", "w+")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen([sys.executable, "-c", CHILD], cwd=work, env=_child_env(folder),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
                                     text=True, bufsize=1)
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)  # the child ended

    def run(self, combos: list[dict], timeout: float) -> tuple[list[str], int | None, str]:
        """Every line the child printed for ``combos``; its return code if it ended (else None)
        and the tail of its stderr."""
        try:
            self.proc.stdin.write(json.dumps(combos) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:  # it ended before reading them: the lines say why
            pass
        out, deadline = [], time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                self.proc.kill()
                return out + ["timeout"], self.proc.wait(), self._tail()
            if line is None:
                return out, self.proc.wait(), self._tail()
            if line == "done":
                return out, None, ""
            out.append(line)

    def _tail(self) -> str:
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read()[-800:]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()


@pytest.fixture(scope="session")
def render_child(tmp_path_factory):
    """``get()``: this worker's render child, started again when the last one ended."""
    children: list[Child] = []

    def get() -> Child:
        if not children or children[-1].proc.poll() is not None:
            children.append(Child(tmp_path_factory.mktemp("render-child")))
        return children[-1]

    yield get
    for child in children:
        child.close()


@pytest.fixture(scope="module")
def target_csv(tmp_path_factory) -> Path:
    """A csv whose last column is a numeric target (regression)."""
    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, size=(120, 2))
    target = np.sin(3 * X[:, 0]) * X[:, 1] + 0.001  # non-integer values
    path = tmp_path_factory.mktemp("csv") / "wave2d.csv"
    lines = ["x,y,target"] + [f"{a:.4f},{b:.4f},{t:.5f}" for (a, b), t in zip(X, target)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _spec(label: str, target_csv: Path) -> str:
    return DATASETS[label][0].format(target_csv=target_csv)


def _child_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ, NNANIM_CACHE_DIR=str(tmp_path / "cache"))
    env.pop("NNANIM_DEBUG", None)
    return env


def _frames_info(path: Path) -> tuple[int, tuple[int, int]]:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        n = sum(1 for _ in container.decode(stream))
        return n, (stream.codec_context.width, stream.codec_context.height)


@pytest.mark.slow
@pytest.mark.parametrize("scene", SCENES)
def test_every_dataset_renders_or_is_refused_in_one_line(scene, tmp_path, target_csv, render_child):
    combos = []
    offset = SCENES.index(scene)
    for i, label in enumerate(DATASETS):
        for seed, epochs in (RUNS[(i + offset) % len(RUNS)],):
            name = f"{scene}/{label}/seed{seed}/epochs{epochs}"
            combos.append({
                "name": name, "scene": scene, "label": label, "short_side": TINY[1], "fps": FPS,
                "output": str(tmp_path / (name.replace("/", "_") + ".mp4")),
                "options": {"dataset": _spec(label, target_csv), "seed": seed, "epochs": epochs,
                            "n_samples": N_SAMPLES},
            })
    lines, returncode, stderr = render_child().run(combos, TIMEOUT)

    results: dict[str, tuple[str, str | None]] = {}
    started = []
    for line in lines:
        m = RESULT.match(line)
        if m is None:
            continue
        status, name, message = m.groups()
        if status == "start":
            started.append(name)
        else:
            results[name] = (status, message)

    cls = get_scene(scene)
    tasks = set(cls.tasks)
    shows = {"classification": bool(tasks & {"binary", "multiclass"}),
             "regression": "regression" in tasks, "autoencoder": "autoencoder" in tasks}
    # a scene that trains autoencoders by default (task = autoencoder) shows any dataset as one:
    # it may render or refuse the others (by their input's width), but must render its own
    trains_autoencoders = cls.defaults.get("task") == "autoencoder"
    must_render = {"autoencoder"} if trains_autoencoders else set()
    if trains_autoencoders:
        shows = dict.fromkeys(shows, True)
    failures = []
    if returncode is not None:
        crashed = [n for n in started if n not in results]
        failures.append(f"the child process ended with return code {returncode} "
                        f"{'(timed out) ' if lines[-1:] == ['timeout'] else ''}"
                        f"while rendering {crashed[-1] if crashed else '(none started)'}; "
                        f"stderr tail: {stderr!r}")
    for combo in combos:
        name, label = combo["name"], combo["label"]
        task = DATASETS[label][1]
        if name not in results:
            if returncode is None:
                failures.append(f"{name}: no result line")
            continue
        status, message = results[name]
        if status == "error":
            failures.append(f"{name}: not a refusal but {message}")
            continue
        if status == "refused":
            if not message or message.startswith("MULTILINE"):
                failures.append(f"{name}: refusal is not one line: {message!r}")
            if shows[task] and (scene in MUST_RENDER or task in must_render):
                failures.append(f"{name}: {scene} refused a {task} dataset: {message}")
            continue
        # ok
        if not shows[task]:
            failures.append(f"{name}: a {task} dataset was rendered, not refused "
                            f"({scene} declares {sorted(tasks)})")
        path = Path(combo["output"])
        try:
            n, size = _frames_info(path)
        except Exception as exc:  # noqa: BLE001 - any decode failure is the finding
            failures.append(f"{name}: the output does not decode: {type(exc).__name__}: {exc}")
            continue
        if n < 1 or size != TINY:
            failures.append(f"{name}: {n} frames of {size}, expected >= 1 of {TINY}")
    assert not failures, f"{len(failures)} of {len(combos)} combinations failed:\n" + "\n".join(failures)


REFUSALS = [
    ("regression", "spirals"),  # a regression-only scene refuses classes
    ("regression", "ripple"),  # and a 2-D input (it draws ŷ(x) over a line)
]


@pytest.mark.slow
@pytest.mark.parametrize(("scene", "label"), REFUSALS, ids=[f"{s}-{d}" for s, d in REFUSALS])
def test_command_line_refuses_regression_in_one_line(scene, label, tmp_path, target_csv):
    work = tmp_path / "work"
    work.mkdir()
    spec = _spec(label, target_csv)
    proc = subprocess.run([sys.executable, "-m", "nnanim.cli", "render", scene, "-d", spec],
                          cwd=work, env=_child_env(tmp_path), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert "regression" in lines[0]
    assert not any(work.iterdir())  # refused before anything was written


# ----------------------------------------------------------------------------- part 2

# the render judged is the scene's shared one of that shape (tests/shape_renders.py: 400 epochs of
# 300 points, 480p, 5 fps), which the posters' time checks judge too

# Thresholds, measured at -q l on the default spirals (300 points, 400 epochs) and kept
# with a margin: the first frame holds 720-920 pixels of each class colour in every
# scene and shape; the middle frame's class-coloured box spans at least 0.27 of the
# short side (layers 1:1, mid-W·x) where the picture is not too small; layers' last
# frame splits at 0.988 or more.
MIN_FIRST_FRAME_PIXELS = 300  # class-coloured pixels of each class in the first frame
MIN_EXTENT = 0.22  # class-coloured bounding box, as a share of the short side, both directions
MIN_LAST_SPLIT = 0.95


def _picture_pixels(scene: str, pixels: tuple[int, int]) -> tuple[slice, slice]:
    """``(rows, columns)`` of the scene's picture region in a frame of ``pixels``: outside it
    are the texts, and the legend's colour bar is drawn in the target colours."""
    cls = get_scene(scene)

    def said(name, default):
        # a property depends on the job (layers: a colour bar for regression, two title lines
        # for an input wider than three); these renders are the scenes' defaults, where the
        # frame's defaults hold
        value = getattr(cls, name, default)
        return default if isinstance(value, property) else value

    width, height = frame_units(pixels)
    layout = Layout(width, height, aside=said("aside", 0.0), caption_lines=said("caption_lines", 3),
                    header=said("has_header", True), legend=said("has_legend", False),
                    title_lines=said("title_lines", None))
    box = layout.picture
    top = box.y1
    # a panel scene's title line at the top of the frame (``FlowScene.top_line``) lies where the
    # layout's picture box begins: text (wiped from one title to the next), not picture
    if cls.top_title:
        lines = 2 if cls.top_title is True else int(cls.top_title)
        top = min(top, layout.title_strip(lines=lines).y0)
    per_unit = pixels[1] / height
    x0, x1 = (int(round((v + width / 2) * per_unit)) for v in (box.x0, box.x1))
    y0, y1 = (int(round((height / 2 - v) * per_unit)) for v in (top, box.y0))
    return slice(max(y0, 0) + 2, max(y1, 0) - 2), slice(max(x0, 0) + 2, max(x1, 0) - 2)


def _calls(name: str, value) -> bool:
    """Whether ``value`` (a function, or a method, property or static method holding one) names
    ``name`` in its code (``self.name(...)``), nested functions included."""
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property):
        return any(_calls(name, f) for f in (value.fget, value.fset) if f is not None)
    code = getattr(value, "__code__", None)
    stack = [code] if code is not None else []
    while stack:
        code = stack.pop()
        if name in code.co_names:
            return True
        stack.extend(c for c in code.co_consts if hasattr(c, "co_names"))
    return False


def _draws_top_line(cls) -> bool:
    """Whether a method of the scene's own classes (not the drawing layer's, whose helpers call
    it), or a function they hold, draws with ``top_line``."""
    return any(_calls("top_line", value) for klass in cls.__mro__
               if not klass.__module__.startswith(("nnanim.contract", "nnanim.draw.", "manim"))
               for value in vars(klass).values())


def test_a_scene_that_draws_a_title_line_on_top_says_so():
    """Which scenes have a title line at the top (the part-2 checks take it out of the picture's
    pixels) is each scene's ``top_title``; it must agree with the scene's code, so a new panel
    scene cannot leave it out (autoencoder, which inherits bottleneck's, was left out of a list
    here)."""
    from nnanim.contract import SceneContract

    class Titled(SceneContract):
        def construct(self):
            def chapter(text):  # (in a nested function too)
                return self.top_line(text)
            chapter("a title")

    class Borrowed(SceneContract):  # another scene's top_line, held as its own
        top_line = Titled.construct

    class Captioned(SceneContract):
        def construct(self):
            self.caption("a caption")

    assert _draws_top_line(Titled) and _draws_top_line(Borrowed) and not _draws_top_line(Captioned)
    wrong = {s for s in SCENES if bool(get_scene(s).top_title) != _draws_top_line(get_scene(s))}
    assert not wrong, wrong
    titled = {s for s in SCENES if get_scene(s).top_title}
    assert {"linear-vs-hidden", "autoencoder"} <= titled and "layers" not in titled


def _bbox_extent(groups: list[np.ndarray], short: int) -> tuple[float, float]:
    pts = np.concatenate(groups)
    if len(pts) < 20:
        return 0.0, 0.0
    lo, hi = np.percentile(pts, 1, axis=0), np.percentile(pts, 99, axis=0)
    w, h = hi - lo
    return float(w / short), float(h / short)


def _save_frames(scene: str, aspect: str, frames: np.ndarray) -> None:
    target = os.environ.get("NNANIM_SAVE_FRAMES")
    if not target:
        return
    from PIL import Image

    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)
    tag = f"{scene}_{aspect.replace(':', 'x')}"
    for which, index in (("first", 0), ("middle", len(frames) // 2), ("last", len(frames) - 1)):
        Image.fromarray(frames[index]).save(out / f"{tag}_{which}.png")


@pytest.mark.slow
@pytest.mark.parametrize(("scene", "aspect"), [  # one worker takes a scene's shapes: one training
    pytest.param(s, a, marks=shape_renders.group(s), id=f"{s}-{a}")
    for s in SCENES for a in ASPECTS])
def test_every_scene_in_every_frame_shape(scene, aspect, isolated_cache, decode_frames, shape_render):
    job = resolve(scene, shape_renders.options(aspect))
    run, _ = job.ensure_run()
    if scene == "layers":  # the default story must still come true at this short training
        p = tanh_sigmoid_forward(run, run.X)
        assert np.mean((p > 0.5) == run.y) > 0.97
    frames, _ = decode_frames(shape_render(scene, aspect))
    _save_frames(scene, aspect, frames)

    width, height = pixel_size(aspect, 480)
    assert (width, height) == {"16:9": (854, 480), "9:16": (480, 854), "1:1": (480, 480),
                               "4:3": (640, 480)}[aspect]
    assert frames.shape[1:] == (height, width, 3)
    short = min(width, height)
    theme = load_theme("dark")
    if job.task == "regression":  # a regression scene's default data: judged by target colours
        rows, cols = _picture_pixels(scene, (width, height))

        def pixel_groups(frame):  # the low and the high end of the target colour map
            pts, t = target_pixels(frame[rows, cols], theme)
            pts = pts + [cols.start, rows.start]
            return [pts[t < 0.5], pts[t >= 0.5]]
    elif job.task == "autoencoder":  # points coloured by their code, on the colour map
        stops = theme.target_rgb(np.linspace(0, 1, 8), 0, 1) * 255

        def pixel_groups(frame):  # its low half and its high half
            return [np.unique(np.concatenate(class_pixels(frame, g)), axis=0)
                    for g in (stops[:4], stops[4:])]
    else:
        colours = np.array(theme.class_rgb(2)) * 255

        def pixel_groups(frame):
            return class_pixels(frame, colours)

    first = pixel_groups(frames[0])
    assert min(len(a) for a in first) > MIN_FIRST_FRAME_PIXELS, \
        f"first frame: {[len(a) for a in first]} class- (or target-) coloured pixels"

    # the picture is large: in the middle of the video, or (panel scenes dim their still panels
    # while a copy travels between them) in the finished picture at the end
    extents = {k: _bbox_extent(pixel_groups(frames[i]), short)
               for k, i in (("middle", len(frames) // 2), ("last", len(frames) - 1))}
    which, (w, h) = max(extents.items(), key=lambda kv: min(kv[1]))
    assert w > MIN_EXTENT and h > MIN_EXTENT, f"{which} frame: data spans {w:.2f} x {h:.2f} short sides"

    # no one-frame jump of the picture: no frame changes far more than both of its neighbours
    rows, cols = _picture_pixels(scene, (width, height))
    jumps = sudden_frames(frames[:, rows, cols])
    assert not jumps, f"frames {jumps} jump (at {shape_renders.SHAPE_FPS} fps)"

    if scene == "layers":
        a, b = class_pixels(frames[-1], colours)
        assert len(a) > 50 and len(b) > 50
        assert best_linear_split(a, b) > MIN_LAST_SPLIT
