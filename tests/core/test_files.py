"""Output files: one writability check and one atomic write for every command (pure; no manim)."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from nnanim import files
from nnanim.cli import cli
from nnanim.core.record import Run, train
from nnanim.errors import NnanimError
from nnanim.files import atomic_write, check_writable

as_root = os.name == "posix" and os.geteuid() == 0
needs_permissions = pytest.mark.skipif(os.name != "posix" or as_root, reason="root can write anywhere")


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def locked(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    yield folder
    folder.chmod(0o700)


@pytest.fixture(scope="module")
def small_run() -> Run:
    return train(dataset="xor", n_samples=40, hidden=[3, 2], epochs=5, seed=1)


# --------------------------------------------------------------------------- check_writable


def test_a_missing_folder_is_created_and_nothing_is_left_in_it(tmp_path):
    target = tmp_path / "new" / "deeper" / "clip.mp4"
    assert check_writable(target) == target
    assert target.parent.is_dir()
    assert names(target.parent) == []  # the probe file is gone, the target not created


def test_the_path_comes_back_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert check_writable("out/../run.npz") == tmp_path / "run.npz"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert check_writable("~/run.npz") == tmp_path / "home" / "run.npz"


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(NnanimError, match=rf"^output {tmp_path} is a directory; give a file name$"):
        check_writable(tmp_path)


@pytest.mark.parametrize("below", ["x.npz", "sub/x.npz"])
def test_a_parent_that_is_a_file_is_refused(tmp_path, below):
    (tmp_path / "file").write_text("keep")
    folder = (tmp_path / "file" / below).parent
    what = "it" if below == "x.npz" else str(tmp_path / "file")
    with pytest.raises(NnanimError) as info:
        check_writable(tmp_path / "file" / below)
    assert str(info.value) == f"cannot write to {folder}: {what} is a file, not a directory"
    assert (tmp_path / "file").read_text() == "keep"


@needs_permissions
def test_an_unwritable_folder_is_refused(locked):
    with pytest.raises(NnanimError, match=r"cannot write to .*locked: Permission denied"):
        check_writable(locked / "x.npz")
    with pytest.raises(NnanimError, match=r"cannot write to .*locked.*Permission denied"):
        check_writable(locked / "sub" / "x.npz")  # nor can a folder be created there
    assert names(locked) == []


@needs_permissions
def test_a_folder_below_one_we_cannot_enter_is_one_line_too(locked):
    locked.chmod(0)
    with pytest.raises(NnanimError, match="Permission denied"):
        check_writable(locked / "sub" / "x.npz")


def test_a_refused_probe_is_one_line_even_for_root(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(files.tempfile, "TemporaryFile", refuse)
    with pytest.raises(NnanimError, match=r"^cannot write to .*: Permission denied$"):
        check_writable(tmp_path / "x.png")


# --------------------------------------------------------------------------- atomic_write


def test_the_file_appears_only_when_the_block_completes(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with atomic_write(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(f".out.partial-{os.getpid()}-")
        assert tmp.suffix == ".bin"  # writers that pick a format from the extension still can
        tmp.write_bytes(b"new bytes")
        assert target.read_bytes() == b"old"  # untouched until the end
    assert target.read_bytes() == b"new bytes"
    assert names(tmp_path) == ["out.bin"]


@pytest.mark.parametrize("stop", [KeyboardInterrupt, ValueError])
@pytest.mark.parametrize("existing", [False, True])
def test_an_interrupted_write_leaves_nothing(tmp_path, stop, existing):
    target = tmp_path / "run.npz"
    if existing:
        target.write_bytes(b"old")
    with pytest.raises(stop):
        with atomic_write(target) as tmp, open(tmp, "wb") as fh:
            fh.write(b"half a file")
            raise stop()
    assert names(tmp_path) == (["run.npz"] if existing else [])
    if existing:
        assert target.read_bytes() == b"old"


def test_ctrl_c_in_another_process_mid_write_leaves_nothing(tmp_path):
    (tmp_path / "clip.mp4").write_bytes(b"old")
    code = textwrap.dedent("""
        import signal, sys, time
        from nnanim.files import atomic_write
        # Python's Ctrl-C handler, even where the test runner was started with SIGINT ignored
        # (a background job of a non-interactive shell passes SIG_IGN on to its children)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        with atomic_write(sys.argv[1]) as tmp, open(tmp, "wb") as fh:
            fh.write(b"half")
            fh.flush()
            print("writing", flush=True)
            time.sleep(60)
    """)
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "clip.mp4")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing"
        assert len(names(tmp_path)) == 2  # the partial file exists while it writes
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=30)
    finally:
        child.kill()
    assert "KeyboardInterrupt" in err
    assert names(tmp_path) == ["clip.mp4"]
    assert (tmp_path / "clip.mp4").read_bytes() == b"old"


@pytest.mark.parametrize("where", ["writing", "moving"])
def test_disk_full_is_one_line_and_leaves_nothing(tmp_path, monkeypatch, where):
    full = OSError(errno.ENOSPC, "No space left on device")
    if where == "moving":
        def replace(*args, **kwargs):
            raise full

        monkeypatch.setattr(files.os, "replace", replace)
    target = tmp_path / "sheet.png"
    with pytest.raises(NnanimError, match=r"^cannot write .*sheet\.png: No space left on device$"):
        with atomic_write(target) as tmp:
            tmp.write_bytes(b"x")
            if where == "writing":
                raise full
    assert names(tmp_path) == []


def test_other_os_errors_are_not_disguised_as_bad_input(tmp_path):
    with pytest.raises(OSError) as info, atomic_write(tmp_path / "x.bin"):
        raise OSError(errno.EIO, "Input/output error")
    assert not isinstance(info.value, NnanimError)
    assert names(tmp_path) == []


def test_atomic_write_checks_the_destination_first(tmp_path):
    with atomic_write(tmp_path / "a" / "b" / "x.txt") as tmp:
        tmp.write_text("hi")
    assert (tmp_path / "a" / "b" / "x.txt").read_text() == "hi"
    with pytest.raises(NnanimError, match="is a directory"), atomic_write(tmp_path / "a"):
        pytest.fail("the block must not run")


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_the_file_gets_ordinary_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "x.npz") as tmp:
            tmp.write_bytes(b"x")
    finally:
        os.umask(old)
    assert (tmp_path / "x.npz").stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600


# --------------------------------------------------------------------------- callers


def test_run_save_creates_the_folder_and_is_atomic(tmp_path, small_run, monkeypatch):
    path = small_run.save(tmp_path / "runs" / "xor")
    assert path == tmp_path / "runs" / "xor.npz"
    before = path.read_bytes()
    np.testing.assert_array_equal(Run.load(path).loss, small_run.loss)

    def interrupted(fh, **arrays):
        fh.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        small_run.save(path)
    assert names(path.parent) == ["xor.npz"] and path.read_bytes() == before


def test_train_creates_a_missing_output_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli, ["train", "-d", "xor", "--epochs", "3", "--quiet", "-o", "newdir/run.npz"])
    assert res.exit_code == 0, res.output
    assert names(tmp_path / "newdir") == ["run.npz"]


def test_train_reports_a_full_disk_as_one_line(tmp_path, monkeypatch):
    def replace(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "replace", replace)
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(cli, ["train", "-d", "xor", "--epochs", "3", "--quiet", "-o", "run.npz"])
    assert res.exit_code == 2, res.output
    assert f"cannot write {tmp_path / 'run.npz'}: No space left on device" in res.output
    assert "Traceback" not in res.output and names(tmp_path) == []


@needs_permissions
def test_train_refuses_an_unwritable_folder_before_training(locked, monkeypatch):
    from nnanim.core import record

    monkeypatch.setattr(record, "train_on", lambda *a, **k: pytest.fail("trained anyway"))
    res = CliRunner().invoke(cli, ["train", "-d", "xor", "-o", str(locked / "run.npz")])
    assert res.exit_code == 2 and "cannot write to" in res.output and "Permission denied" in res.output


def test_a_full_disk_is_found_under_the_error_raised_from_it():
    """Manim's segment encoder raises a RuntimeError from PyAV's OSError: a full disk under it is
    still a full disk (it was an "internal error" once the texts no longer filled the disk first)."""
    import errno

    from nnanim.files import write_error

    def raised(outer, inner):
        try:
            try:
                raise inner
            except BaseException as error:
                raise outer from error
        except BaseException as error:
            return error

    full = OSError(errno.ENOSPC, "No space left on device")
    assert write_error(full) is full
    assert write_error(raised(RuntimeError("Failed to finish video segment"), full)) is full
    assert write_error(raised(RuntimeError("Failed to finish"), ValueError("a bug"))) is None
    assert write_error(OSError(errno.ENOENT, "gone")) is None
    assert write_error(RuntimeError("alone")) is None
