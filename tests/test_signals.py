"""Ctrl-C and SIGTERM at any moment of a command leave no partial file anywhere.

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

    import nnanim.record, nnanim.render, nnanim.parallel, nnanim.scene, nnanim.storyboard
    if moment == "training":
        wrap(nnanim.record, "train_on", "training")
    elif moment == "drawing":
        wrap(nnanim.scene.FlowScene, "play", "drawing",
             lambda self, *a, **k: not self.planning and self.plays == 3)
    elif moment == "joining":
        wrap(nnanim.parallel, "join", "joining")
    elif moment == "moving":
        wrap(nnanim.render, "_finish", "moving")
    elif moment == "sheet":
        wrap(nnanim.storyboard, "_contact_sheet", "moving")
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
