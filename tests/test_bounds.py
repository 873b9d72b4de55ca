"""Hostile inputs: every file nnanim reads, every option value, refused in one line, fast and small.

A property test draws a file of every kind nnanim reads (a CSV, a TOML config,
a theme, a sweep file, a run file) made hostile in every way we know of: a
FIFO, a device, a directory, a file past the size limit (sparse: it costs no
disk), nesting 100,000 deep, a compressed bomb, an array header that claims
2⁴⁰ elements or an object dtype, random bytes, a truncated run.  For each:
exit 1 or 2, one ``Error:`` line, no traceback, done within a few seconds and
a few hundred MB (tracemalloc's peak), and nothing written.  Then hostile
option values (ranges, cost limits, options that do not apply, outputs that
are inputs or devices), and the cost estimate against measured peaks.

Nothing renders: every case is refused before Manim starts.
"""

from __future__ import annotations

import io
import json
import os
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nnanim.cli import cli
from nnanim.contract import TRAIN_MEMORY_LIMIT, training_cost
from nnanim.files import LIMITS

SECONDS = 5.0  # a refusal takes well under a second; the margin is for a loaded machine
PEAK = 300 * 2**20

# the commands that read each kind of file: (file suffix, argv with {f} for the file)
READERS = {
    "csv": (".csv", ["train", "-d", "csv:{f}", "-o", "out.npz"]),
    "config": (".toml", ["train", "--config", "{f}", "-o", "out.npz"]),
    "render-config": (".toml", ["render", "--config", "{f}", "-o", "out.mp4"]),
    "theme": (".json", ["render", "layers", "--theme", "{f}", "-o", "out.mp4", "--dump-config"]),
    "sweep": (".toml", ["batch", "{f}", "--dry-run"]),
    "info": (".npz", ["info", "{f}"]),
    "run": (".npz", ["render", "layers", "--run", "{f}", "-o", "out.mp4", "--dump-config"]),
}
LIMIT_OF = {"csv": "CSV file", "config": "config file", "render-config": "config file",
            "theme": "theme file", "sweep": "sweep file", "info": "run file", "run": "run file"}
HOSTILE = ("fifo", "device", "directory", "oversize", "nested", "bomb", "absurd", "garbage",
           "truncated")


# --------------------------------------------------------------------------- hostile files


def _npz(path: Path, members: dict[str, bytes], compress: bool = False) -> None:
    mode = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", mode) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _npy_header(descr: str, shape: tuple) -> bytes:
    text = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {shape!r}, }}"
    text += " " * (63 - (len(text) + 10) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text.encode("latin-1")


#: the run-file limit while these tests run, so that a bomb past it is quick to make (the check is
#: the same at the real 1 GiB: a 4 MB file of 4 GiB zeros is refused as fast)
RUN_LIMIT = 2**27


@pytest.fixture(autouse=True)
def _small_run_limit(monkeypatch):
    monkeypatch.setitem(LIMITS, "run file", RUN_LIMIT)


@pytest.fixture(scope="session")
def bomb(tmp_path_factory) -> Path:
    """A zip of a few hundred kB holding a member that unpacks to 1.5 × the run-file limit of zeros."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.npz"
    size = 3 * RUN_LIMIT // 2
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("X.npy", "w", force_zip64=True) as member:
            member.write(_npy_header("<f8", (size // 8,)))
            zeros = bytes(2**24)
            for _ in range(size // len(zeros)):
                member.write(zeros)
    return path


@pytest.fixture(scope="session")
def good_run(tmp_path_factory) -> bytes:
    from nnanim.core.record import train

    path = train(dataset="moons", n_samples=40, hidden=[3, 2], epochs=5).save(
        tmp_path_factory.mktemp("run") / "good.npz")
    return path.read_bytes()


def _empty_toml(raw: bytes) -> bool:
    import tomllib

    try:
        return tomllib.loads(raw.decode("utf-8")) == {}
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False


def _make(kind: str, hostile: str, draw, folder: Path, bomb: Path, good_run: bytes) -> Path:
    suffix = READERS[kind][0]
    path = folder / f"hostile{suffix}"
    if hostile == "fifo":
        os.mkfifo(path)
    elif hostile == "device":
        path.symlink_to(draw(st.sampled_from(["/dev/zero", "/dev/urandom", "/dev/null", "/dev/full"])))
    elif hostile == "directory":
        path.mkdir()
    elif hostile == "oversize":  # sparse: past the limit without a byte on disk
        with open(path, "wb") as fh:
            fh.truncate(LIMITS[LIMIT_OF[kind]] + draw(st.integers(1, 2**20)))
    elif hostile == "nested":
        depth = draw(st.sampled_from([33, 1000, 100_000]))
        if suffix == ".toml":
            text = "a = " + "[" * depth + "]" * depth + "\n"
        elif suffix == ".json":
            text = draw(st.sampled_from(["[", '{"a": '])) * depth
        elif suffix == ".csv":
            text = "x,y,label\n" + '"' * depth + "\n"
        else:
            meta = np.array("[" * depth + "]" * depth)
            buffer = io.BytesIO()
            np.save(buffer, meta)
            _npz(path, {"meta.npy": buffer.getvalue()})
            return path
        path.write_text(text, encoding="utf-8")
    elif hostile == "bomb":
        if suffix == ".npz":
            path.symlink_to(bomb)
        else:  # text files are not compressed: a bomb is a line that never ends, past the limit
            with open(path, "wb") as fh:
                fh.truncate(LIMITS[LIMIT_OF[kind]] + 1)
    elif hostile == "absurd":
        if suffix == ".npz":
            descr = draw(st.sampled_from(["<f8", "|O", "<U1000000000", "V8", "<i8"]))
            shape = draw(st.sampled_from([(2**40,), (2**31, 2**31), (10**30,), (-1,), ()]))
            _npz(path, {"X.npy": _npy_header(descr, shape) + bytes(64)})
        elif suffix == ".csv":
            path.write_text("x,y,label\n" + "1e400,0,0\n" * 5)
        elif suffix == ".json":
            path.write_text(json.dumps({"point_radius": 1e300, "boundary_width": 1e6}))
        else:
            key = draw(st.sampled_from(["epochs", "n_samples", "hidden", "l2", "duration"]))
            value = draw(st.sampled_from(["1e300", "10000000000", "[4096, 4096, 4096]", "1e308"]))
            head = "output = \"o/{seed}.mp4\"\nscene = \"layers\"\n" if kind == "sweep" else ""
            path.write_text(f"{head}{key} = {value}\n")
    elif hostile == "garbage":
        garbage = draw(st.binary(min_size=0, max_size=4096))
        if suffix == ".toml":  # an empty TOML document (b"", blank lines, comments) is no garbage: it
            assume(kind == "sweep" or not _empty_toml(garbage))  # asks for every default
        path.write_bytes(garbage)
    elif hostile == "truncated":
        cut = draw(st.integers(0, len(good_run) - 1))
        path.write_bytes(good_run[:cut])
    return path


def _check(result, argv, seconds: float, peak: int) -> None:
    err = result.stderr
    assert "Traceback" not in err + result.stdout, (argv, err)
    assert result.exit_code in (1, 2), (argv, result.exit_code, err, result.exception)
    lines = [line for line in err.split("\n") if line.strip()]
    errors = [line for line in lines if line.startswith("Error: ")]
    usage = [line for line in lines if line.startswith(("Usage: ", "Try '"))]
    assert len(errors) == 1 and len(lines) == 1 + len(usage), (argv, err)
    assert len(errors[0]) < 600, errors[0]  # what it refuses is quoted by its start, not whole
    assert seconds < SECONDS, (argv, seconds)
    assert peak < PEAK, (argv, peak)


def _invoke(argv, env=None):
    runner = CliRunner()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        result = runner.invoke(cli, argv, env={"NNANIM_DEBUG": None, "NNANIM_NO_LIMITS": None,
                                               **(env or {})})
    finally:
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return result, seconds, peak


@settings(max_examples=70, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(READERS)), hostile=st.sampled_from(HOSTILE), data=st.data())
def test_a_hostile_file_of_any_kind_is_one_line_fast_small_and_writes_nothing(
        tmp_path_factory, bomb, good_run, kind, hostile, data):
    folder = tmp_path_factory.mktemp("hostile")
    path = _make(kind, hostile, data.draw, folder, bomb, good_run)
    argv = [a.replace("{f}", path.name) for a in READERS[kind][1]]
    before = sorted(os.listdir(folder))
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        result, seconds, peak = _invoke(argv, {"NNANIM_CACHE_DIR": str(folder / "cache")})
    finally:
        os.chdir(cwd)
    _check(result, argv, seconds, peak)
    assert sorted(os.listdir(folder)) == before, (argv, result.stderr)  # nothing written


def test_the_bomb_is_refused_by_its_header(bomb):
    from nnanim.core.record import Run, RunFileError

    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(RunFileError, match="once unpacked"):
        Run.load(bomb)
    assert time.perf_counter() - started < SECONDS  # a hang, not a speed
    assert tracemalloc.get_traced_memory()[1] < 10 * 2**20
    tracemalloc.stop()


def test_a_run_file_read_back_through_the_bounded_reader_is_the_same(tmp_path, good_run):
    from nnanim.core.record import Run

    path = tmp_path / "run.npz"
    path.write_bytes(good_run)
    mine = Run.load(path)
    with np.load(path, allow_pickle=False) as theirs:
        for key, array in mine.arrays().items():
            np.testing.assert_array_equal(array, theirs[key])
            assert array.dtype == theirs[key].dtype and array.shape == theirs[key].shape


# --------------------------------------------------------------------------- hostile options


def _sheet(folder: Path) -> None:
    (folder / "data.png").write_text("x,y,label\n0,0,0\n1,1,1\n0,1,0\n1,0,1\n0.5,0.2,1\n")


REFUSED = [  # argv, a piece of the one line
    (["train", "--l2", "1e300"], "from 0 to 100"),
    (["train", "--l2", "1e308"], "--l2"),
    (["train", "--epochs", "10000000000"], "from 0 to 10000000"),
    (["train", "--epochs", "10000000"], "lower --epochs"),
    (["train", "--hidden", "4096,4096"], "narrow --hidden"),
    (["train", "--hidden", ",".join(["8"] * 1000)], "at most 64 layers"),
    (["train", "--hidden", "8," * 10**5 + "8"], "at most 64 layers"),
    (["train", "--samples", "100000", "--hidden", "64,64", "--epochs", "1000000",
      "--record-every", "1000000"], "lower --epochs or --samples"),
    (["train", "--seed", "1" * 5000], "must be a whole number"),
    (["train", "--seed", "1" * 4000], "not a number of more than 80 digits"),
    (["train", "-d", "x" * 10**5], "..."),
    (["render", "layers", "--duration", "3600", "--fps", "240", "-q", "k"], "lower --duration"),
    (["render", "layers", "--point", "1,2"], "--point is a by-hand option"),
    (["render", "by-hand", "--cross", "x*y"], "--cross is a feature-cross option"),
    (["render", "layers", "-o", "/dev/null", "-n", "50", "--epochs", "5"], "character device"),
    (["train", "-n", "50", "--epochs", "5", "-o", "/dev/full"], "character device"),
    (["render", "layers", "-d", "csv:data.png", "-o", "data.png", "--format", "png",
      "--epochs", "5", "--hidden", "2,2"], "also an input"),
    (["train", "-d", "csv:data.png", "--epochs", "5", "-o", "data.png.npz", "--config",
      "data.png.npz"], ""),
    (["batch", "sweep.toml", "--scheduler", "not an address"], "not a scheduler address"),
    (["batch", "sweep.toml", "--scheduler", "tcp://host:70000"], "not a scheduler address"),
    (["batch", "huge.toml", "--dry-run"], "items (10 × 10 × 10 × 10 × 10 × 10 × 10 × 10 × 10 × 10 "
                                          "× 10 × 10)"),
]


@pytest.mark.parametrize("argv, needle", REFUSED, ids=lambda v: " ".join(v)[:60] if isinstance(v, list)
                         else None)
def test_a_hostile_option_value_is_one_line_and_costs_nothing(tmp_path, monkeypatch, argv, needle):
    monkeypatch.chdir(tmp_path)
    _sheet(tmp_path)
    (tmp_path / "sweep.toml").write_text('output = "o/{dataset}.mp4"\nscene = "layers"\n'
                                         '[sweep]\ndataset = ["moons"]\n')
    (tmp_path / "huge.toml").write_text('output = "o/x.mp4"\nscene = "layers"\n[sweep]\n' + "".join(
        f"{key} = [{', '.join(str(v) for v in range(1, 11))}]\n"
        for key in ("seed", "epochs", "n_samples", "record_every", "fps", "duration", "columns",
                    "jobs", "epoch", "classes", "frames", "batch_size")))
    before = sorted(os.listdir(tmp_path))
    result, seconds, peak = _invoke(argv, {"NNANIM_CACHE_DIR": str(tmp_path / "cache")})
    _check(result, argv, seconds, peak)
    assert needle in result.stderr, result.stderr
    assert sorted(os.listdir(tmp_path)) == before


HUGE = st.one_of(
    st.sampled_from(["1e300", "1e308", "-1e308", "10000000000", str(2**63), "9" * 4000, "inf", "nan",
                     "4096,4096,4096", ",".join(["4096"] * 64), "1," * 5000 + "1", "x" * 100_000]),
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
NUMERIC = sorted(o.long for o in __import__("nnanim.options", fromlist=["OPTIONS"]).OPTIONS
                 if o.range_text and "render" in o.commands and not o.flag)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(values=st.lists(st.tuples(st.sampled_from(NUMERIC), HUGE), min_size=1, max_size=3),
       config=st.booleans())
def test_hostile_option_values_are_answered_in_one_line_fast_and_small(tmp_path_factory, values,
                                                                       config):
    """Any value for the options with a range, on the command line or in a config file: a resolved
    job or one line, within seconds and a few hundred MB (the job is priced, not built)."""
    from nnanim.options import OPTIONS

    folder = tmp_path_factory.mktemp("values")
    argv = ["render", "layers", "--dump-config"]
    if config:
        names = {o.long: o.name for o in OPTIONS}
        text = "".join(f'{names[flag]} = "{value[:200_000]}"\n' for flag, value in dict(values).items())
        (folder / "given.toml").write_text(text)
        argv += ["--config", "given.toml"]
    else:
        for flag, value in values:
            argv += [flag, value]
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        result, seconds, peak = _invoke(argv, {"NNANIM_CACHE_DIR": str(folder / "cache")})
    finally:
        os.chdir(cwd)
    if result.exit_code == 0:
        assert seconds < SECONDS and peak < PEAK, (argv[:8], seconds, peak)
    else:
        _check(result, [a[:80] for a in argv], seconds, peak)


def test_a_training_option_with_run_is_refused_unless_it_is_the_runs_own(tmp_path, monkeypatch,
                                                                        good_run):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "moons.npz").write_bytes(good_run)
    result, _, _ = _invoke(["render", "layers", "--run", "moons.npz", "-d", "circles", "--dump-config"])
    assert result.exit_code == 2 and "-d/--dataset does not apply with --run" in result.stderr
    assert "dataset = moons" in result.stderr  # what the run file was trained with
    same, _, _ = _invoke(["render", "layers", "--run", "moons.npz", "-d", "moons", "--dump-config"])
    assert same.exit_code == 0, same.stderr


def test_theme_sizes_have_ranges(tmp_path):
    from nnanim.errors import NnanimError
    from nnanim.theme import load_theme

    theme = json.loads((Path(__file__).parents[1] / "assets/themes/dark.json").read_text())
    for key, value, needle in (("point_radius", 100, "at most 0.5"),
                               ("boundary_width", 1e6, "from 0 to 50"),
                               ("grid_width", 51, "from 0 to 50")):
        path = tmp_path / f"{key}.json"
        path.write_text(json.dumps({**theme, key: value}))
        with pytest.raises(NnanimError, match=needle):
            load_theme(path)


def test_no_limits_lifts_the_limits_and_only_for_its_call(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = ["train", "--epochs", "10000000", "--dump-config"]
    assert _invoke(argv)[0].exit_code == 2
    assert _invoke(["--no-limits", *argv])[0].exit_code == 0
    assert _invoke(argv, {"NNANIM_NO_LIMITS": "1"})[0].exit_code == 0
    assert "NNANIM_NO_LIMITS" not in os.environ
    assert _invoke(argv)[0].exit_code == 2


# --------------------------------------------------------------------------- the cost estimate


@pytest.mark.parametrize("hidden, epochs, n, every", [
    ([64, 64, 2], 600, 200, 1),
    ([128, 128], 300, 300, 1),
    ([32, 32, 32, 2], 600, 300, 2),
    ([256, 2], 100, 1000, 1),
])
def test_the_training_memory_estimate_is_within_a_factor_2_of_the_measured_peak(hidden, epochs, n,
                                                                                every):
    from nnanim.core.data import make_dataset
    from nnanim.core.record import TrainConfig, train_on

    data = make_dataset("moons", n_samples=n, seed=0)
    config = TrainConfig(dataset="moons", n_samples=n, hidden=hidden, epochs=epochs,
                         record_every=every)
    cost = training_cost([2, *hidden, 1], n, epochs, every)
    tracemalloc.start()
    try:
        train_on(data, config)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 0.5 <= cost.memory / peak <= 2.0, (cost.memory, peak)


def test_the_memory_limit_refuses_before_allocating():
    cost = training_cost([2, 4096, 4096, 1], 600, 1500, 1)
    assert cost.memory > 50 * TRAIN_MEMORY_LIMIT
    assert cost.records == 1501 and cost.parameters == 2 * 4096 + 4096 + 4096 * 4096 + 4096 + 4097


# --------------------------------------------------------------------------- sweeps


def test_the_scene_registry_is_read_once_per_sweep(tmp_path, monkeypatch):
    from nnanim import contract
    from nnanim.media import batch
    from nnanim.media.sweep import load_sweep

    monkeypatch.chdir(tmp_path)
    reads = []
    real = contract._registry
    monkeypatch.setattr(contract, "_registry", lambda: reads.append(1) or real())
    path = tmp_path / "sweep.toml"
    path.write_text('output = "o/{scene}-{seed}.mp4"\nquality = "l"\nepochs = 3\nn_samples = 40\n'
                    '[sweep]\nscene = ["layers", "training", "layers_vs"]\n'
                    f"seed = [{', '.join(map(str, range(20)))}]\n")
    from nnanim.errors import NnanimError

    with pytest.raises(NnanimError, match="unknown scene 'layers_vs'"):
        load_sweep(path)
    assert len(reads) == 1
    path.write_text(path.read_text().replace(', "layers_vs"', ""))
    items = load_sweep(path).items()
    assert len(items) == 40 and len(reads) == 2
    classes: dict = {}
    for item in items:
        assert batch._prepare(item, classes)[1] == ""
    assert len(reads) == 2 + 2  # once per scene of the batch, not once per item


def test_a_sweep_is_counted_before_it_is_expanded(tmp_path, monkeypatch):
    from nnanim.errors import NnanimError
    from nnanim.media import sweep

    monkeypatch.setattr(sweep, "expand", lambda *a, **k: pytest.fail("expanded"))
    path = tmp_path / "sweep.toml"
    lists = "".join(f"{key} = [{', '.join(map(str, range(1, 1001)))}]\n"
                    for key in ("seed", "epochs", "n_samples", "record_every"))
    path.write_text(f'output = "o/x.mp4"\nscene = "layers"\n[sweep]\n{lists}')
    started = time.perf_counter()
    with pytest.raises(NnanimError, match=r"10\^12|1,000,000,000,000 items"):
        sweep.load_sweep(path)
    assert time.perf_counter() - started < SECONDS  # a hang, not a speed


def test_an_empty_config_asks_for_the_defaults(tmp_path, monkeypatch):
    """An empty TOML document (or one of comments) is not garbage: it trains the defaults."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.toml").write_text("# nothing set: every default\n\n")
    result, _, _ = _invoke(["train", "--config", "empty.toml", "--epochs", "3", "-o", "out.npz"])
    assert result.exit_code == 0, result.output
    from nnanim.core.record import Run

    assert Run.load(tmp_path / "out.npz").weights[-1][0].shape[1] >= 1
