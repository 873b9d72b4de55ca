"""Every command, any option values, any config file: a success or one error line, never a traceback.

Hypothesis drives each command of :data:`COMMANDS` through click's runner with
arbitrary values for its options (taken from the option table: strings,
unicode, numbers, NaN, infinities, huge and negative ones, lists) and an
arbitrary ``--config`` file (TOML of arbitrary keys and values, or any text).
The result must be exit 0, or exit 1 or 2 with one ``Error:`` line on
stderr (click's usage lines may precede it) and no traceback.

Nothing renders: the scene commands run with ``--dump-config``, which
resolves and checks everything a render would before Manim starts; ``train``
runs for real with few epochs and points.  Generated text holds no ``/``,
so every path is relative to the runner's scratch folder.

To cover a new command, add a :class:`Command` to :data:`COMMANDS` (its
options come from the table by its name; ``fixed`` are arguments that keep
it cheap, ``arguments`` a strategy for its positional arguments).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnanim.cli import cli
from nnanim.contract import list_scenes
from nnanim.options import options_for

# text without path separators (every path stays inside the scratch folder) or NUL
TEXT = st.text(st.characters(blacklist_characters="/\\\x00", blacklist_categories=("Cs",)),
               max_size=12)
NUMBERS = st.one_of(st.integers(), st.integers(-3, 3), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0, -1, 1e308, 10**30, -(10**30), 2**63, float("nan")]))


def _as_cli(value) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return str(value)


def _value_for(option) -> st.SearchStrategy[str]:
    """Any value for ``option``: its own choices, numbers, lists of numbers, any text."""
    choices = option.choice_list()
    parts = [TEXT, NUMBERS.map(_as_cli),
             st.lists(st.integers(-5, 100), max_size=5).map(lambda xs: ",".join(map(str, xs)))]
    if choices:
        parts.append(st.sampled_from(choices))
    return st.one_of(*parts)


@dataclass(frozen=True)
class Command:
    """One command under test: its name, arguments that keep it cheap, its positional arguments."""

    name: str
    fixed: tuple[str, ...] = ()
    arguments: st.SearchStrategy[list[str]] = field(default_factory=lambda: st.just([]))
    #: options whose generated value is replaced by a cheap one (name -> strategy of a CLI string)
    cheap: tuple[tuple[str, st.SearchStrategy[str]], ...] = ()
    table: bool = True  # its options come from nnanim.options


SCENE_ARGUMENT = st.one_of(st.sampled_from(sorted(list_scenes())), TEXT).map(lambda s: [s])

COMMANDS = {
    "train": Command("train", cheap=(("epochs", st.integers(0, 15).map(str)),
                                     ("n_samples", st.integers(-2, 60).map(str)),
                                     ("hidden", st.sampled_from(["2", "3,2", "0", "", "x", "-1"])))),
    "render": Command("render", ("--dump-config",), SCENE_ARGUMENT),
    "storyboard": Command("storyboard", ("--dump-config",), SCENE_ARGUMENT),
    "slides": Command("slides", ("--dump-config",), SCENE_ARGUMENT),
    "info": Command("info", arguments=TEXT.map(lambda s: [s]), table=False),
    # a sweep file is drawn by sweep_files below; --dry-run lists the items, nothing renders
    "batch": Command("batch", ("--dry-run",), st.just(["given.toml"]), table=False),
    "cache": Command("cache", arguments=st.sampled_from([["info"], ["clear"], ["nope"], []]),
                     table=False),
    # a model file (any text: missing, a folder, a glob), and import's own options, any values
    "import": Command("import", arguments=st.tuples(TEXT, st.lists(st.tuples(
        st.sampled_from(["-d", "--activation", "--input-mean", "--input-scale", "--seed", "-n"]),
        st.one_of(TEXT, NUMBERS.map(_as_cli))), max_size=3)).map(
        lambda a: [a[0], "-o", "out.npz", *(x for pair in a[1] for x in pair)]), table=False),
    "export": Command("export", arguments=st.tuples(TEXT, st.one_of(TEXT, NUMBERS.map(_as_cli))).map(
        lambda a: [a[0], "-o", "m.safetensors", "--epoch", a[1]]), table=False),
}

TOML_VALUES = st.recursive(
    st.one_of(st.booleans(), st.integers(-(2**63), 2**63 - 1), TEXT,
              st.floats(allow_nan=True, allow_infinity=True)),
    lambda inner: st.lists(inner, max_size=3),
    max_leaves=6,
)


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) \
            else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}"
                             for c in value) + '"'
    return "[" + ", ".join(_toml_value(v) for v in value) + "]"


def _config_files(command: str) -> st.SearchStrategy[str | None]:
    names = [o.name for o in options_for(command)] + ["scene"]
    keys = st.one_of(st.sampled_from(names), st.from_regex(r"[a-z_]{1,10}", fullmatch=True))
    documents = st.dictionaries(keys, TOML_VALUES, max_size=5).map(
        lambda d: "".join(f"{k} = {_toml_value(v)}\n" for k, v in d.items()))
    return st.one_of(st.none(), documents, st.text(max_size=40))


@st.composite
def invocations(draw, command: Command) -> tuple[list[str], str | None]:
    """``(argv, config file text or None)`` for one call of ``command``."""
    argv = [command.name, *draw(command.arguments), *command.fixed]
    if not command.table:
        return argv, None
    table = {o.name: o for o in options_for(command.name)}
    cheap = dict(command.cheap)
    drawn = draw(st.lists(st.sampled_from(sorted(table)), unique=True, max_size=6))
    for name in [*drawn, *(n for n in cheap if n not in drawn)]:  # cheap ones always, kept cheap
        option = table[name]
        if option.flag:
            argv.append(option.long)
        else:
            argv += [option.long, draw(cheap[name] if name in cheap else _value_for(option))]
    config = draw(_config_files(command.name))
    if config is not None:
        argv += ["--config", "given.toml"]
    return argv, config


def _check(result, argv) -> None:
    err = result.stderr
    assert "Traceback" not in err and "Traceback" not in result.stdout, (argv, err)
    if result.exit_code == 0:
        return
    assert result.exit_code in (1, 2), (argv, result.exit_code, err, result.exception)
    assert isinstance(result.exception, SystemExit), (argv, repr(result.exception))
    lines = [line for line in err.split("\n") if line.strip()]  # a terminal's lines
    errors = [line for line in lines if line.startswith("Error: ")]
    usage = [line for line in lines if line.startswith(("Usage: ", "Try '"))]
    assert len(errors) == 1 and len(lines) == 1 + len(usage), (argv, err)


def _run(argv, config, tmp_path_factory) -> None:
    runner = CliRunner()
    with runner.isolated_filesystem(temp_dir=tmp_path_factory.getbasetemp()):
        if config is not None:
            with open("given.toml", "w", encoding="utf-8", errors="surrogatepass") as fh:
                fh.write(config)
        result = runner.invoke(cli, argv, env={"NNANIM_CACHE_DIR": "cache", "NNANIM_DEBUG": None})
    _check(result, argv)


def _property(command: Command, examples: int):
    @settings(max_examples=examples, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(call=invocations(command))
    def test(tmp_path_factory, call):
        _run(*call, tmp_path_factory)

    test.__name__ = f"test_{command.name}_answers_any_input_in_one_line"
    test.__doc__ = f"`nnanim {command.name}` with arbitrary options and config files."
    return test


test_train_answers_any_input_in_one_line = _property(COMMANDS["train"], 60)
test_render_answers_any_input_in_one_line = _property(COMMANDS["render"], 80)
test_storyboard_answers_any_input_in_one_line = _property(COMMANDS["storyboard"], 40)
test_slides_answers_any_input_in_one_line = _property(COMMANDS["slides"], 40)
test_info_answers_any_input_in_one_line = _property(COMMANDS["info"], 20)


SWEEP_KEYS = sorted({o.name for o in options_for("render")} | {"scene", "output"})


@st.composite
def sweep_files(draw) -> str:
    """A sweep file: fixed options, a ``[sweep]`` table of lists, often nonsense; or any text."""
    keys = st.one_of(st.sampled_from(SWEEP_KEYS), st.from_regex(r"[a-z_]{1,10}", fullmatch=True))
    fixed = draw(st.dictionaries(keys, TOML_VALUES, max_size=4))
    swept = draw(st.dictionaries(keys, st.one_of(st.lists(TOML_VALUES, max_size=3), TOML_VALUES),
                                 max_size=3))
    text = "".join(f"{k} = {_toml_value(v)}\n" for k, v in fixed.items())
    if swept or draw(st.booleans()):
        text += "[sweep]\n" + "".join(f"{k} = {_toml_value(v)}\n" for k, v in swept.items())
    return draw(st.one_of(st.just(text), st.text(max_size=40)))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sweep=sweep_files())
def test_batch_answers_any_sweep_file_in_one_line(tmp_path_factory, sweep):
    """`nnanim batch SWEEP.toml --dry-run` with arbitrary sweep files."""
    _run(["batch", "given.toml", "--dry-run"], sweep, tmp_path_factory)


test_cache_answers_any_input_in_one_line = _property(COMMANDS["cache"], 8)
test_import_answers_any_input_in_one_line = _property(COMMANDS["import"], 20)
test_export_answers_any_input_in_one_line = _property(COMMANDS["export"], 10)


def test_every_command_is_covered():
    assert set(COMMANDS) >= {c for c in cli.commands if c not in ("datasets", "scenes")}
