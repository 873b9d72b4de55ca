"""Ctrl-C and SIGTERM at any moment of a command leave no partial file anywhere.

Every command, from the first instruction: while the command line's modules
import (no traceback), while training, drawing, joining and moving the file
into place, for ``slides -o DIR/`` (no empty folder left) and for ``batch -j
2`` (its cluster stopped without tracebacks or leaked-semaphore warnings).
The status is the same everywhere: 130 for Ctrl-C, 143 for SIGTERM.

Each case runs a real ``nnanim`` command in a subprocess.  The child marks the
moment (training, drawing, joining the parts, moving the file into place) by
printing a word on stdout and pausing there, inside the real call; the test
then sends the signal.  Afterwards: a nonzero status (128 + the signal), at
most one line on stderr and no traceback, nothing at the output path, nothing
beside it, nothing left in the cache's ``renders`` folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from nnanim.signals import Scratch, Terminated, exit_status, interruptible

# Patches that announce a moment on stdout and pause in it (the signal arrives during the pause).
_CHILD = textwrap.dedent("""
    import signal, sys, time
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even where the runner ignores it
    moment = sys.argv[1]

    def announce(word):
        print(word, flush=True)
        time.sleep(30)

    def wrap(module, name, word, when=lambda *a, **k: True):
        real = getattr(module, name)
        def patched(*args, **kwargs):
            if when(*args, **kwargs):
                print(word, flush=True)
                if word != "training":  # training goes on for real (the run is long)
                    time.sleep(30)
            return real(*args, **kwargs)
        setattr(module, name, patched)

    import nnanim.core.record, nnanim.draw.scene, nnanim.media.parallel  # noqa: E401
    import nnanim.media.render, nnanim.media.storyboard  # noqa: E401
    if moment == "training":
        wrap(nnanim.core.record, "train_on", "training")
    elif moment == "drawing":
        wrap(nnanim.draw.scene.FlowScene, "play", "drawing",
             lambda self, *a, **k: not self.planning and self.plays == 3)
    elif moment == "joining":
        wrap(nnanim.media.parallel, "join", "joining")
    elif moment == "moving":
        wrap(nnanim.media.render, "_finish", "moving")
    elif moment == "sheet":
        wrap(nnanim.media.storyboard, "_contact_sheet", "moving")
    from nnanim.cli import main
    main(sys.argv[2:])
""")

SMALL = ["-n", "100", "--epochs", "60", "--hidden", "2,2", "--quiet"]
CASES = {  # id: (moment, signal, command line, output name)
    "train-training-int": ("training", signal.SIGINT,
                           ["train", "-n", "100", "--epochs", "200000", "-o", "run.npz"], "run.npz"),
    "render-training-term": ("training", signal.SIGTERM,
                             ["render", "layers", "-q", "l", "-n", "100", "--epochs", "200000",
                              "-o", "clip.mp4"], "clip.mp4"),
    "render-drawing-int": ("drawing", signal.SIGINT,
                           ["render", "layers", "-q", "l", "--duration", "3", *SMALL, "-o", "clip.mp4"],
                           "clip.mp4"),
    "render-moving-term": ("moving", signal.SIGTERM,
                           ["render", "layers", "-q", "l", "--duration", "2", "--subtitles", *SMALL,
                            "-o", "clip.mp4"], "clip.mp4"),
    "jobs-drawing-term": ("drawing", signal.SIGTERM,
                          ["render", "layers", "-q", "l", "--duration", "3", "--jobs", "2", *SMALL,
                           "-o", "clip.mp4"], "clip.mp4"),
    "jobs-joining-int": ("joining", signal.SIGINT,
                         ["render", "layers", "-q", "l", "--duration", "2", "--jobs", "2", *SMALL,
                          "-o", "clip.mp4"], "clip.mp4"),
    "storyboard-drawing-term": ("drawing", signal.SIGTERM,
                                ["storyboard", "layers", *SMALL, "-o", "sheet.png"], "sheet.png"),
    "storyboard-moving-int": ("sheet", signal.SIGINT,
                              ["storyboard", "layers", *SMALL, "-o", "sheet.png"], "sheet.png"),
    "train-training-term": ("training", signal.SIGTERM,
                            ["train", "-n", "100", "--epochs", "200000", "-o", "run.npz"], "run.npz"),
    # a deck folder (and a missing parent) created for the deck is removed again
    "slides-folder-training-term": ("training", signal.SIGTERM,
                                    ["slides", "layers", "-q", "l", "-n", "100", "--epochs", "200000",
                                     "-o", "decks/deck/"], "decks"),
    "slides-folder-drawing-int": ("drawing", signal.SIGINT,
                                  ["slides", "layers", "-q", "l", "--duration", "3", *SMALL,
                                   "-o", "deck/"], "deck"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_signal_leaves_no_partial_file(tmp_path, case):
    moment, signum, argv, name = CASES[case]
    out, cache = tmp_path / "out", tmp_path / "cache"
    out.mkdir()
    env = {**os.environ, "NNANIM_CACHE_DIR": str(cache)}
    env.pop("NNANIM_DEBUG", None)
    child = subprocess.Popen([sys.executable, "-c", _CHILD, moment, *argv], cwd=out, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        word = child.stdout.readline().strip()
        assert word == ("moving" if moment == "sheet" else moment), child.communicate(timeout=60)
        child.send_signal(signum)
        _, err = child.communicate(timeout=60)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == 128 + signum
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) <= 1 and "Traceback" not in err, err
    assert "no output was written" in err
    assert sorted(os.listdir(out)) == [], f"left beside the output: {os.listdir(out)}"
    renders = cache / "renders"
    assert not renders.exists() or os.listdir(renders) == []


# --------------------------------------------------------------------------- the import phase

_SLOW_IMPORT = textwrap.dedent("""
    import signal, sys, time
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even where the runner ignores it

    class Slow:  # the command line's imports take long (a cold disk): the signal lands in them
        def find_spec(self, name, path, target=None):
            if name == "click":
                print("importing", flush=True)
                time.sleep(30)
            return None

    sys.meta_path.insert(0, Slow())
    from nnanim.cli import main
    main(sys.argv[1:])
""")


EVERY_COMMAND = [["train", "-o", "run.npz"], ["render", "layers"], ["storyboard", "layers"],
                 ["slides", "layers", "-o", "deck/"], ["batch", "sweep.toml"], ["info", "run.npz"],
                 ["datasets"], ["scenes"], ["cache", "clear"]]


@pytest.mark.parametrize("argv", EVERY_COMMAND, ids=lambda argv: argv[0])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["int", "term"])
def test_a_signal_while_the_modules_import_is_one_line(tmp_path, signum, argv):
    env = {**os.environ, "NNANIM_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("NNANIM_DEBUG", None)
    child = subprocess.Popen([sys.executable, "-c", _SLOW_IMPORT, *argv],
                             cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout.readline().strip() == "importing", child.communicate(timeout=60)
        child.send_signal(signum)
        _, err = child.communicate(timeout=60)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == 128 + signum, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err and "no output was written" in err, err
    assert os.listdir(tmp_path) == []


# --------------------------------------------------------------------------- batch -j 2

_SWEEP = """\
output = "clips/{dataset}.mp4"
scene = "layers"
quality = "l"
duration = 3
epochs = 30
n_samples = 100
hidden = [2, 2]
[sweep]
dataset = ["moons", "circles", "xor", "blobs", "spirals", "checkerboard"]
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["int", "term"])
def test_batch_on_two_workers_stops_cleanly(tmp_path, signum):
    """Ctrl-C reaches every process of the terminal's group (the workers too); SIGTERM only the
    batch.  Either way: one line, 128 + the signal, no worker's traceback, no leaked-semaphore
    warning, no partial file, no process left."""
    pytest.importorskip("distributed")
    import time

    (tmp_path / "sweep.toml").write_text(_SWEEP)
    env = {**os.environ, "NNANIM_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("NNANIM_DEBUG", None)
    child = subprocess.Popen(
        [sys.executable, "-c", "from nnanim.cli import main; main()", "batch", "sweep.toml", "-j", "2",
         "--no-cache", "--quiet"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,  # its own process group, as a terminal gives a job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    clips = tmp_path / "clips"
    try:
        deadline = time.monotonic() + 300
        while not (clips.is_dir() and any(p.suffix == ".mp4" and not p.name.startswith(".")
                                          for p in clips.iterdir())):  # one done, others drawing
            assert child.poll() is None and time.monotonic() < deadline, child.communicate()
            time.sleep(0.2)
        if signum == signal.SIGINT:
            os.killpg(child.pid, signum)
        else:
            child.send_signal(signum)
        _, err = child.communicate(timeout=120)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == 128 + signum, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err and "leaked" not in err, err
    assert "a rerun goes on from there" in lines[0]
    assert all(not p.name.startswith(".") for p in clips.iterdir()), os.listdir(clips)
    deadline, left = time.monotonic() + 15, "?"
    while left and time.monotonic() < deadline:  # the workers' semaphore tracker ends last
        left = subprocess.run(["pgrep", "-a", "-s", str(child.pid)], capture_output=True,
                              text=True).stdout.strip()
        time.sleep(0.2)
    assert left == "", f"processes left in the batch's session: {left}"


# --------------------------------------------------------------------------- the machinery


def test_sigterm_raises_terminated_and_removes_the_scratch(tmp_path):
    folder = tmp_path / "scratch"
    with pytest.raises(Terminated) as info, interruptible() as scratch:
        scratch.add(folder).mkdir()
        (folder / "half.mp4").write_bytes(b"x")
        scratch.add(tmp_path / "loose.tmp").write_bytes(b"y")
        os.kill(os.getpid(), signal.SIGTERM)
    assert isinstance(info.value, KeyboardInterrupt)  # every `except KeyboardInterrupt` cleanup runs
    assert exit_status(info.value) == 128 + signal.SIGTERM
    assert os.listdir(tmp_path) == []


def test_the_previous_handler_comes_back_and_an_ignored_signal_stays_ignored():
    before = signal.getsignal(signal.SIGTERM)
    with interruptible():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before
    old = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        with interruptible():
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGHUP, old)


def test_ctrl_c_exit_status():
    assert exit_status(KeyboardInterrupt()) == 130
    Scratch().remove()  # nothing to remove is fine
