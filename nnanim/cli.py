"""The ``nnanim`` command line: thin click commands that parse, call the library, report.

The options of ``train``, ``render`` and ``storyboard`` are generated from the
one option table (:data:`nnanim.options.OPTIONS`); ``--config FILE.toml``
supplies any of them from a file (the command line wins) and
``--dump-config`` prints what they all resolve to.  Every bad value exits
with status 2 and one line naming what is valid; no traceback reaches the
user (set ``NNANIM_DEBUG=1`` to see one for a bug).  Manim is imported only
once every check has passed, by the commands that render.
"""

from __future__ import annotations

from nnanim import signals as _signals  # standard library only: Ctrl-C is quiet from here on

_STARTING = _signals.quiet_start()

import os  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import click  # noqa: E402

from nnanim._version import __version__  # noqa: E402
from nnanim.errors import NnanimError  # noqa: E402
from nnanim.options import dump_config, load_config, options_for  # noqa: E402

__all__ = ["main", "cli"]


# --------------------------------------------------------------------------- options from the table


def _parser(option):
    def callback(ctx, param, value):
        if value is None or option.flag:
            return value
        try:
            return option.parse(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return callback


def table_options(command: str, skip: tuple[str, ...] = ()):
    """Click options for every row of the table that ``command`` takes, plus --config/--dump-config."""

    def decorate(f):
        rows = [o for o in options_for(command) if o.name not in skip]
        extra = [
            click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
                         default=None, metavar="FILE.toml",
                         help="Read options from a TOML file (the command line wins)."),
            click.option("--dump-config", is_flag=True,
                         help="Print every option as it resolves, as TOML, and exit."),
            click.option("--quiet", is_flag=True, help="Print only the result and errors."),
        ]
        if command != "train":
            extra.append(click.option("-v", "--verbose", is_flag=True, help="Show Manim's log."))
        for decorator in reversed(extra):
            f = decorator(f)
        for o in reversed(rows):
            shown = o.shown_default(command)
            text = o.help + (f"  [range: {o.range_text}]" if o.range_text else "") + \
                (f"  [default: {shown}]" if shown else "")
            if o.flag:
                f = click.option(*o.flags, o.name, is_flag=True, default=False, help=text)(f)
            else:
                f = click.option(*o.flags, o.name, default=None, metavar=o.metavar or _metavar(o),
                                 callback=_parser(o), help=text)(f)
        return f

    return decorate


def _metavar(option) -> str:
    choices = option.choice_list()
    if choices:
        return "[" + "|".join(choices) + "]"
    return option.name.upper()


def _given(command: str, kwargs: dict, skip: tuple[str, ...] = ()) -> dict:
    """The options set on the command line (parsed), then those of ``--config`` under them."""
    ctx = click.get_current_context()
    given = {}
    for o in options_for(command):
        if o.name in skip or o.name not in kwargs:
            continue
        if ctx.get_parameter_source(o.name) == click.core.ParameterSource.COMMANDLINE:
            given[o.name] = kwargs[o.name]
    config_file = kwargs.get("config_file")
    if config_file is not None:
        return {**load_config(config_file, command), **given}
    return given


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


# --------------------------------------------------------------------------- training, with a bar


def _train_with_progress(job, quiet: bool):
    """Train the job's run (once), with a rich progress bar on a terminal unless ``quiet``."""
    cfg, data = job.config, job.data
    if job.run is None and not job.opt("no_cache", False):  # trained before: no bar, no wait
        from nnanim.media import cache

        job.run = cache.load_run(cache.run_key(data, cfg))
    show = not quiet and _stderr_is_terminal() and job.run is None
    if show:
        click.echo(_describe_config(cfg, data), err=True)
    if not show or cfg.epochs == 0:
        return job.ensure_run()
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("training"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("loss {task.fields[loss]}"), TimeElapsedColumn(),
                  transient=True, console=Console(stderr=True)) as bar:
        task = bar.add_task("train", total=cfg.epochs, loss="…")

        def progress(epoch, total, loss):
            bar.update(task, completed=epoch, loss=f"{loss:.4f}")

        return job.ensure_run(progress)


def _describe_config(cfg, data) -> str:
    params = ", ".join(f"{k}={v}" for k, v in data.params.items() if k in ("n_samples", "noise", "classes"))
    acts = cfg.activation if len(set(cfg.activation)) > 1 else [cfg.activation[0]]
    batch = "full batch" if cfg.batch_size == 0 else f"batch {cfg.batch_size}"
    task = " · autoencoder" if data.task == "autoencoder" else ""
    return (f"{data.name} ({params}){task} · hidden {','.join(map(str, cfg.hidden))} {','.join(acts)} · "
            f"{cfg.optimizer} lr={cfg.lr:g} · {cfg.epochs} epochs, {batch} · seed {cfg.seed}")


def _metric(run) -> str:
    """The final record's quality beside its loss: accuracy, or an autoencoder's recomputed MSE."""
    if run.task == "autoencoder":
        return f" · reconstruction error (MSE) {run.reconstruction_error(-1):.4g}"
    return "" if run.task == "regression" else f" · accuracy {run.accuracy[-1]:.1%}"


def _summary(run) -> str:
    acc_text = _metric(run)
    took = " (from the cache)" if getattr(run, "cached", False) else f" in {run.elapsed:.2f} s"
    return f"final loss {run.loss[-1]:.4f}{acc_text} · {run.epochs[-1]} epochs{took}"


# --------------------------------------------------------------------------- commands


def one_line(message: str) -> str:
    """``message`` on one line: control characters a user typed (a newline in a file name) escaped,
    and anything quoted cut to its first 80 characters (a megabyte of text is not echoed back)."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
    return _LONG_QUOTE.sub(lambda m: m.group(0)[:78] + "..." + m.group(0)[-1], text)


# a quoted value: its opening quote follows no letter, its closing one precedes none (so the text
# between two quoted values is never taken for one)
_LONG_QUOTE = re.compile(r"(?<![\w'\"])'[^'\n]{80,}'(?!\w)|(?<![\w'\"])\"[^\"\n]{80,}\"(?!\w)")


class _Refused(click.ClickException):
    """A :class:`NnanimError` on its way out of a command: ``Error: ...``, one line, exit 2."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(one_line(message))
        self.exit_code = exit_code


class _Group(click.Group):
    """Turns the library's one-line errors into click's, so every caller of :data:`cli`
    (the ``nnanim`` script, ``CliRunner``, a host program) sees exit 2 and one line."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except NnanimError as exc:
            from nnanim.core.record import TrainingDiverged

            corrupt = isinstance(exc, TrainingDiverged) or getattr(exc, "corrupt", False)
            raise _Refused(str(exc), 1 if corrupt else 2) from None


@click.group(cls=_Group,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="nnanim")
@click.option("--no-limits", is_flag=True,
              help="Lift nnanim's size and cost limits (input file sizes, training memory and "
                   "time, render size, sweep items), as NNANIM_NO_LIMITS=1 does.")
def cli(no_limits):
    """Videos of what the hidden layers of a neural network do.

    Train a small network on a 2-D dataset, record every epoch, and render the
    input plane as it moves through each layer's W·x, + b and activation.

    \b
    Examples:
      nnanim datasets
      nnanim train --dataset moons -o moons.npz
      nnanim render layers -q m
      nnanim render layers --aspect 9:16 -o vertical.mp4
      nnanim render layers --run moons.npz --epoch 200 -o moons.mp4
      nnanim render neurons --model my_net.onnx -d moons
      nnanim render layers --dump-config > clip.toml; nnanim render --config clip.toml
      nnanim storyboard layers -d moons -o sheet.png
      nnanim batch clips.toml -j 2
    """
    if no_limits:
        from nnanim.files import NO_LIMITS_ENV

        before = os.environ.get(NO_LIMITS_ENV)
        os.environ[NO_LIMITS_ENV] = "1"  # the library, and the batch's worker processes, see it

        def put_back():
            if before is None:
                os.environ.pop(NO_LIMITS_ENV, None)
            else:
                os.environ[NO_LIMITS_ENV] = before

        click.get_current_context().call_on_close(put_back)


@cli.command()
@table_options("train")
def train(config_file, dump_config, quiet, **kwargs):
    """Train a network and record every epoch to a run file (-o RUN.npz)."""
    from nnanim.contract import resolve_training

    values = _given("train", {**kwargs, "config_file": config_file})
    job = resolve_training(values)
    if dump_config:
        click.echo(_dump(job, "train"), nl=False)
        return
    output = job.options.get("output")
    if output is not None:
        from nnanim.files import check_writable

        output = Path(output).expanduser()
        _not_special(output)
        if output.suffix != ".npz":  # as Run.save names it
            output = output.with_name(output.name + ".npz")
        output = check_writable(output, _inputs(job, config_file))
    run, _ = _train_with_progress(job, quiet)
    if output is not None:
        output = run.save(output)
    if not quiet:
        click.echo(_summary(run) + (f" → {output}" if output is not None else ""))


def _inputs(job, config_file=None) -> list:
    """The files a job reads (a CSV, a run file, a theme file, the config file): never an output."""
    found = [config_file, job.options.get("run")]
    if job.data is not None and "path" in job.data.params:
        found.append(job.data.params["path"])
    theme = job.options.get("theme")
    if isinstance(theme, str) and theme.lower().endswith(".json"):
        found.append(theme)
    return [f for f in found if f is not None]


def _not_special(output) -> None:
    """Refuse ``-o`` naming a device, a FIFO or another special file (``/dev/null``), before a
    suffix is added to it: never a file written beside it in /dev."""
    from nnanim.files import check_writable

    if output is not None and os.path.exists(output) and not os.path.isdir(output) \
            and not os.path.isfile(output):
        check_writable(output)  # the one-line refusal


def _not_an_input(output, job, config_file=None) -> None:
    from nnanim.files import check_writable

    check_writable(output, _inputs(job, config_file))


def _dump(job, command: str) -> str:
    scene = None if command == "train" else job.name
    return dump_config(job.resolved_options(), command, scene=scene)


@cli.command()
@click.argument("run_file", type=click.Path(path_type=Path))
def info(run_file):
    """Show what a run file holds: architecture, data, epochs, final loss and accuracy."""
    from nnanim.core.record import Run

    run = Run.load(run_file)
    opts = run.options
    ds = run.meta.get("dataset", {})
    params = ", ".join(f"{k}={v}" for k, v in ds.get("params", {}).items()
                       if k in ("n_samples", "noise", "classes"))
    lines = [
        f"run file      {run_file}  (format {run.meta['format_version']}, "
        f"nnanim {run.meta.get('nnanim_version', '?')})",
        f"dataset       {run.dataset_spec} ({params}) · {len(run.X)} points of {run.widths[0]} "
        f"dimensions · {run.task}"
        + (f", {run.n_classes} classes" if run.task in ("binary", "multiclass") else "")
        + (" (target = input, MSE over samples and outputs)" if run.task == "autoencoder" else ""),
        f"architecture  {run.architecture()} · activations {', '.join(run.activations)}"
        + (f" · code width {run.code_width}" if run.task == "autoencoder" else ""),
        f"training      {opts['optimizer']} lr={opts['lr']:g} · batch "
        f"{opts['batch_size'] or 'full'} · l2={opts['l2']:g} · seed {opts['seed']}"
        if "source" not in run.meta else _imported(run),
        f"records       {len(run)} (epochs {run.epochs[0]}..{run.epochs[-1]}, every {opts['record_every']})",
        f"final         loss {run.loss[-1]:.4f}" + _metric(run),
    ]
    click.echo("\n".join(lines))


def _imported(run) -> str:
    """``info``'s training line for a network read by ``nnanim import`` (nnanim did not train it)."""
    src = run.meta["source"]
    files = src.get("files", [])
    shown = files[0] + (f" (+{len(files) - 1} checkpoints)" if len(files) > 1 else "")
    scaler = " · input scaler folded into layer 0" if "scaler" in src else ""
    return f"imported      {src.get('format', '?')} {shown} · output {src.get('output', '?')}{scaler}"


@cli.command("import")
@click.argument("model", metavar="MODEL")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              metavar="RUN.npz", help="The run file to write.")
@click.option("-d", "--dataset", default=None, metavar="NAME",
              help="The data it was trained on (default: the dataset its metadata names).")
@click.option("-n", "--samples", "n_samples", default=None, metavar="N", help="Number of points.")
@click.option("--noise", default=None, metavar="X", help="The dataset's noise.")
@click.option("--seed", default=None, metavar="N", help="The dataset's seed.")
@click.option("--classes", default=None, metavar="K", help="Classes of spirals/blobs.")
@click.option("--activation", default=None, metavar="NAME[,NAME...]",
              help="Hidden activations, for a state_dict or safetensors file without them.")
@click.option("--input-mean", default=None, metavar="M1,M2,...",
              help="The scaler the model was trained behind: x' = (x - mean) / scale.")
@click.option("--input-scale", default=None, metavar="S1,S2,...", help="See --input-mean.")
def import_(model, output, input_mean, input_scale, **kwargs):
    """Turn a trained MLP (safetensors, ONNX, PyTorch state_dict, Keras .keras, or a folder or
    glob of checkpoints) into a run file; its format is told by its bytes, not its name."""
    from nnanim.files import check_writable
    from nnanim.io.models import load_model, parse_scaler
    from nnanim.options import parse_options

    given = parse_options("train", {k: v for k, v in kwargs.items() if v is not None})
    output = check_writable(output)
    data = given.pop("dataset", None)
    activation = given.pop("activation", None)
    run = load_model(model, data, activation, scaler=parse_scaler(input_mean, input_scale), **given)
    path = run.save(output)
    click.echo(f"{run.describe()} · {_metric(run).lstrip(' ·') or f'loss {run.loss[-1]:.4f}'} "
               f"→ {path}")


@cli.command("export")
@click.argument("run_file", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              metavar="MODEL.safetensors", help="The safetensors file to write.")
@click.option("--epoch", type=int, default=None, help="Which recorded epoch (default: the last).")
def export(run_file, output, epoch):
    """Write a run's network as safetensors (nn.Sequential's keys, metadata for `nnanim import`)."""
    from nnanim.core.record import Run
    from nnanim.files import check_writable
    from nnanim.io.models import export_safetensors

    run = Run.load(run_file)
    try:
        record = run.record_index(epoch)
    except ValueError as exc:
        raise NnanimError(f"--epoch: {exc}") from None
    path = export_safetensors(run, check_writable(output), record)
    click.echo(f"{run.architecture()} · {'/'.join(run.activations)} · epoch {run.epochs[record]} → {path}")


@cli.command()
def datasets():
    """List the datasets, one line each."""
    from nnanim.core.data import list_datasets

    rows = list_datasets()
    width = max(len(name) for name, _ in rows)
    for name, summary in rows:
        click.echo(f"{name:<{width}}  {summary}")


@cli.command()
def scenes():
    """List the scenes that `nnanim render` knows."""
    from nnanim.contract import list_scenes

    rows = list_scenes()
    width = max(len(name) for name in rows)
    for name, summary in rows.items():
        click.echo(f"{name:<{width}}  {summary}")


def _scene_job(command: str, scene: str | None, kwargs: dict):
    """The resolved job: scene from the argument or the config file; every check done."""
    from nnanim.contract import resolve

    values = _given(command, kwargs)
    name = scene or values.pop("scene", None)
    values.pop("scene", None)
    if name is None:
        raise click.UsageError("give a SCENE (see `nnanim scenes`), or a --config file with scene = ...")
    return resolve(name, values, command)


@cli.command()
@click.argument("scene", required=False)
@table_options("render")
def render(scene, config_file, dump_config, quiet, verbose, **kwargs):
    """Render SCENE (see `nnanim scenes`) to a video and print its path.

    The network is trained first with the data and model options, or replayed
    from --run RUN.npz.  Every option can come from --config FILE.toml.
    """
    from nnanim.media.render import RenderSettings, check_output
    from nnanim.media.render import render as do_render

    job = _scene_job("render", scene, {**kwargs, "config_file": config_file})
    if dump_config:
        click.echo(_dump(job, "render"), nl=False)
        return
    o = job.options
    settings = RenderSettings(quality=o["quality"], fps=o["fps"], format=o["format"],
                              transparent=o["transparent"], output=o["output"], preview=o["preview"],
                              chapters=o["chapters"], subtitles=o["subtitles"], jobs=o["jobs"],
                              verbose=verbose, progress=not quiet)
    _not_special(o["output"])
    _not_an_input(check_output(job, settings), job, config_file)  # before training: at once
    if job.run is None:
        _train_with_progress(job, quiet)
    click.echo(str(do_render(job, settings)))


@cli.command()
@click.argument("scene", required=False)
@table_options("storyboard")
def storyboard(scene, config_file, dump_config, quiet, verbose, **kwargs):
    """Write a contact sheet of SCENE's key frames (PNG) and print its path.

    A draft render, small and at a few frames per second, takes a few seconds;
    each tile is the end of one animation, labelled with its time in the
    video. Use it to choose options before a long render: the data, model
    and run options are those of `nnanim render`.
    """
    from nnanim.media.storyboard import storyboard as do_storyboard
    from nnanim.media.storyboard import storyboard_output

    job = _scene_job("storyboard", scene, {**kwargs, "config_file": config_file})
    if dump_config:
        click.echo(_dump(job, "storyboard"), nl=False)
        return
    o = job.options
    _not_special(o["output"])
    output = storyboard_output(o["output"], job.name.replace("-", "_"))
    _not_an_input(output, job, config_file)
    if job.run is None:
        _train_with_progress(job, quiet)
    path = do_storyboard(job, output=output, frames=o["frames"], columns=o["columns"],
                         verbose=verbose)
    click.echo(str(path))


@cli.command()
@click.argument("scene", required=False)
@table_options("slides")
def slides(scene, config_file, dump_config, quiet, verbose, **kwargs):
    """Write SCENE as a slide deck, one slide per beat, and print its path.

    \b
    -o DECK.html   reveal.js, offline (videos and reveal.js in DECK_assets/)
    -o DECK.pptx   PowerPoint, one movie per slide
    -o DECK.pdf    one page per slide, the beat's last frame
    -o DIR/        the manim-slides presentation (DIR/SCENE.json and videos)

    Each slide's video plays one beat (a stage, a caption) and stops on its
    last frame; the beat's caption and explanation are the speaker notes.
    The data, model and scene options are those of `nnanim render`.
    """
    from nnanim.media.render import RenderError
    from nnanim.media.slides import require_extra, slide_target
    from nnanim.media.slides import slides as do_slides

    job = _scene_job("slides", scene, {**kwargs, "config_file": config_file})
    if dump_config:
        click.echo(_dump(job, "slides"), nl=False)
        return
    o = job.options
    if o["output"] is None:
        raise RenderError("give the deck with -o: DECK.html, DECK.pptx, DECK.pdf or a folder DIR/")
    _not_special(o["output"])
    created = _missing_folders(o["output"])
    try:  # a stopped or failed deck leaves no folder it created behind
        target = slide_target(o["output"], job.name.replace("-", "_"))  # before training
        if target.kind != "folder":
            _not_an_input(target.path, job, config_file)
        require_extra(target.kind)
        if job.run is None:
            _train_with_progress(job, quiet)
        path = do_slides(job, target.path, quality=o["quality"], fps=o["fps"], verbose=verbose,
                         progress=not quiet)
    except BaseException:
        _remove_empty(created)
        raise
    click.echo(str(path))


def _missing_folders(output) -> list[Path]:
    """The folders an output would create (``DIR/`` itself, and missing parents), deepest first."""
    text = os.fspath(output)
    path = Path(os.path.normpath(Path.cwd() / Path(text).expanduser()))
    folder = path if text.endswith(("/", os.sep)) else path.parent
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:  # deepest first; a folder something else wrote into stays
        try:
            folder.rmdir()
        except OSError:
            pass


@cli.command()
@click.argument("sweep_file", metavar="SWEEP.toml", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-j", "--workers", type=click.IntRange(1, 512), default=None, metavar="N",
              help="Worker processes of the local Dask cluster.  [default: the number of cores]")
@click.option("--scheduler", metavar="tcp://HOST:PORT", default=None,
              help="Run on this Dask scheduler's workers instead of a local cluster.")
@click.option("--no-cache", is_flag=True, help="Train and render afresh: reuse no cached run or render.")
@click.option("--dry-run", is_flag=True, help="List the items (and which are done) and exit.")
@click.option("--quiet", is_flag=True, help="Print only failures and the last line.")
def batch(sweep_file, workers, scheduler, no_cache, dry_run, quiet):
    """Render every item of a sweep file (a product of option lists) on Dask.

    \b
    output = "clips/{scene}-{dataset}-{aspect}.{format}"
    quality = "m"                 # fixed options: config keys of `nnanim render`
    [sweep]                       # lists: every combination is one render
    scene = ["layers", "training"]
    dataset = ["moons", "xor"]
    aspect = ["16:9", "9:16"]

    Outputs that exist and decode are skipped, so a rerun goes on where the
    last one stopped; items sharing their training train once.  A failing
    item is reported and the others go on; exit status 1 if any failed.
    """
    from nnanim.media.batch import complete, parse_scheduler, require_dask, run_batch
    from nnanim.media.sweep import load_sweep

    if scheduler is not None:
        scheduler = parse_scheduler(scheduler)  # a typo is refused at once, not after a timeout
    items = load_sweep(sweep_file).items()
    if dry_run:
        for item in items:
            state = "done" if complete(item) else "to do"
            click.echo(f"{item.index:>3}  {state:<5}  {item.describe()}  →  {item.output}")
        return
    require_dask()
    started = time.perf_counter()
    bar = _BatchProgress(len(items), quiet)
    try:
        with bar:
            results = run_batch(items, workers=workers, scheduler=scheduler, use_cache=not no_cache,
                                on_result=bar.update)
    except KeyboardInterrupt as exc:
        from nnanim.signals import Terminated, exit_status

        what = f"stopped by {exc}" if isinstance(exc, Terminated) else "interrupted"
        done = sum(item.output.is_file() for item in items)  # written atomically: whole or absent
        click.echo(f"\nnnanim batch: {what} with {done} of {len(items)} outputs written; every "
                   "output written is complete, and a rerun goes on from there", err=True)
        sys.exit(exit_status(exc))
    _batch_summary(results, time.perf_counter() - started, quiet)
    if any(r.status == "failed" for r in results):
        raise click.exceptions.Exit(1)


class _BatchProgress:
    """One bar over every item of a batch (rich, on stderr, gone when done); failures printed above it."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.total, self.quiet, self.failed, self.done = total, quiet, 0, 0
        self._bar = None

    def __enter__(self):
        if not self.quiet and _stderr_is_terminal():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self._bar = Progress(TextColumn("batch"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[failed]}"), TimeElapsedColumn(),
                                 transient=True, console=Console(stderr=True))
            self._bar.__enter__()
            self._task = self._bar.add_task("batch", total=self.total, failed="")
        return self

    def update(self, result) -> None:
        self.done += 1
        if result.status == "failed":
            self.failed += 1
            line = f"failed: item {result.item.index} ({result.item.describe()}): {result.error}"
            if self._bar is not None:
                self._bar.console.print(line, markup=False, highlight=False)
            else:
                click.echo(line, err=True)
        if self._bar is not None:
            self._bar.update(self._task, advance=1,
                             failed=f"{self.failed} failed" if self.failed else "")

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)


def _shown_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it, else absolute."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _batch_summary(results, seconds: float, quiet: bool) -> None:
    counts = {s: sum(r.status == s for r in results) for s in ("done", "skipped", "failed")}
    rendered = counts["done"]
    rate = f" ({rendered / seconds * 60:.1f} renders/min)" if rendered and seconds > 0 else ""
    last = (f"{len(results)} items: {counts['done']} rendered, {counts['skipped']} skipped "
            f"(done before), {counts['failed']} failed, in {seconds:.1f} s{rate}")
    if not quiet:
        from rich.console import Console
        from rich.table import Table

        table = Table(box=None, header_style="bold", pad_edge=False)
        for name, justify in (("#", "right"), ("item", "left"), ("status", "left"),
                              ("seconds", "right"), ("output or error", "left")):
            table.add_column(name, justify=justify, overflow="fold")
        for r in results:
            table.add_row(str(r.item.index), r.item.label, r.status,
                          f"{r.seconds:.1f}" if r.status != "skipped" else "",
                          r.error if r.status == "failed" else _shown_path(r.item.output))
        console = Console(width=None if sys.stdout.isatty() else 200, soft_wrap=False)
        console.print(table, markup=False, highlight=False)
    click.echo(last)


@cli.group("cache", invoke_without_command=True)
@click.pass_context
def cache_group(ctx):
    """The cache of finished renders and training runs (`nnanim cache` alone: its info).

    A render with the same options, run, theme and nnanim as one before
    copies the file it made; a training with the same options and data loads
    the run.  The folder is $NNANIM_CACHE_DIR (else ~/.cache/nnanim); its
    size limit $NNANIM_CACHE_LIMIT (e.g. 500M, 2G; default 2G), the least
    recently used entries removed first.  --no-cache renders afresh.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(cache_info)


def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


@cache_group.command("info")
def cache_info():
    """Where the cache is, what it holds and its size limit."""
    from nnanim.media import cache

    u = cache.usage()
    click.echo(f"folder   {u.folder}\n"
               f"entries  {u.renders} renders, {u.runs} training runs\n"
               f"size     {_size(u.bytes)} of {_size(u.limit)} (${cache.LIMIT_ENV})")


@cache_group.command("clear")
def cache_clear():
    """Remove every cached render and training run."""
    from nnanim.media import cache

    u = cache.clear()
    click.echo(f"removed {u.renders} renders and {u.runs} training runs ({_size(u.bytes)}) "
               f"from {u.folder}")


# --------------------------------------------------------------------------- entry point


def main(argv=None) -> None:
    """Console entry point: bad input exits 2 in one line; nothing else prints a traceback."""
    from nnanim.signals import interruptible

    try:
        _signals.restore(_STARTING)  # from here on a stop signal is caught below
        with interruptible():  # SIGTERM cleans up like Ctrl-C
            code = cli.main(args=argv, prog_name="nnanim", standalone_mode=False)
        if isinstance(code, int) and code:  # a command's click.exceptions.Exit(code)
            sys.exit(code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except NnanimError as exc:  # a diverged training or a corrupt file: 1; any other refusal: 2
        click.echo(f"Error: {one_line(str(exc))}", err=True)
        failed = isinstance(exc, RuntimeError) or getattr(exc, "corrupt", False)
        sys.exit(1 if failed else 2)
    except click.Abort as exc:  # click turns Ctrl-C (and our SIGTERM) into Abort, after a newline
        _stopped(exc.__cause__ if isinstance(exc.__cause__, KeyboardInterrupt) else None, "")
    except KeyboardInterrupt as exc:
        _stopped(exc, "\n")
    except BrokenPipeError:
        sys.exit(1)
    except Exception as exc:  # a bug, not bad input
        if os.environ.get("NNANIM_DEBUG"):
            raise
        click.echo(f"nnanim: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("Run again with NNANIM_DEBUG=1 for details, and please report it.", err=True)
        sys.exit(1)


def _stopped(error: KeyboardInterrupt | None, start: str) -> None:
    """Exit after Ctrl-C or a stop signal: one line, status 128 + the signal."""
    from nnanim.signals import Terminated, exit_status

    if error is None:
        click.echo(f"{start}nnanim: aborted", err=True)
        sys.exit(130)
    what = f"stopped by {error}" if isinstance(error, Terminated) else "interrupted"
    click.echo(f"{start}nnanim: {what}; no output was written", err=True)
    sys.exit(exit_status(error))


if __name__ != "__main__":
    _signals.restore(_STARTING)  # imported by a host program: its handlers as they were

if __name__ == "__main__":
    main()
