"""The ``nnanim`` command line: thin click commands that parse, call the library, report.

Every bad option value exits with status 2 and one line naming what is valid;
no traceback reaches the user (set ``NNANIM_DEBUG=1`` to see one for a bug).
Manim is imported only by the commands that render.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from nnanim._version import __version__

__all__ = ["main", "cli"]

DATA_OPTIONS_HELP = "Data and model"


# --------------------------------------------------------------------------- shared options


def _hidden(ctx, param, value):
    if value is None:
        return None
    from nnanim.record import parse_hidden

    try:
        return parse_hidden(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _choice_help(names) -> str:
    return ", ".join(names)


def training_options(defaults: dict | None = None):
    """The options of ``nnanim train``, shared by the commands that train before they render."""
    from nnanim.nn import ACTIVATIONS, OPTIMIZERS

    d = {"dataset": "spirals", "hidden": "16,16,16,2", "activation": "tanh", "epochs": "1500",
         "lr": "0.02 for adam, 0.1 momentum, 0.5 sgd"}
    d.update(defaults or {})

    opts = [
        click.option("-d", "--dataset", default=d["dataset"], show_default=True,
                     help="Built-in name (see `nnanim datasets`), csv:PATH or expr:EXPRESSION."),
        click.option("-n", "--samples", "n_samples", type=click.IntRange(min=1), default=None,
                     help="Number of points  [default: per dataset]"),
        click.option("--noise", type=click.FloatRange(min=0), default=None,
                     help="Noise level  [default: per dataset]"),
        click.option("--classes", type=click.IntRange(min=2), default=None,
                     help="Number of classes for spirals and blobs  [default: per dataset]"),
        click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
                     help="Seed for data, initial weights and batch order."),
        click.option("--hidden", callback=_hidden, default=None, metavar="W1,W2,...",
                     help=f"Hidden layer widths  [default: {d['hidden']}]"),
        click.option("--activation", default=None, metavar="NAME[,NAME...]",
                     help=f"One for all hidden layers or one per layer: {_choice_help(ACTIVATIONS)}"
                     f"  [default: {d['activation']}]"),
        click.option("--optimizer", type=click.Choice(list(OPTIMIZERS), case_sensitive=False),
                     default="adam", show_default=True),
        click.option("--lr", type=float, default=None, help=f"Learning rate  [default: {d['lr']}]"),
        click.option("--epochs", type=click.IntRange(min=0), default=None,
                     help=f"Epochs to train  [default: {d['epochs']}]"),
        click.option("--batch-size", type=click.IntRange(min=0), default=0, show_default=True,
                     help="Mini-batch size; 0 = full batch."),
        click.option("--l2", type=click.FloatRange(min=0), default=0.0, show_default=True,
                     help="Weight decay λ: adds λ/2·Σ‖W‖² to the loss (weights, not biases)."),
        click.option("--record-every", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Record the weights every N epochs (epoch 0 and the last always)."),
    ]

    def decorate(f):
        for opt in reversed(opts):
            f = opt(f)
        return f

    return decorate


def _config_from(kwargs: dict):
    from nnanim.record import TrainConfig

    keys = ("dataset", "n_samples", "noise", "classes", "seed", "hidden", "activation",
            "optimizer", "lr", "epochs", "batch_size", "l2", "record_every")
    cfg = TrainConfig(**{k: kwargs.pop(k) for k in keys if k in kwargs})
    try:
        return cfg.resolved()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def _check_writable(path: Path, what: str = "output") -> Path:
    path = Path(path).expanduser()
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise click.BadParameter(f"{path} is a directory; give a file name", param_hint="'-o'")
    if not parent.is_dir():
        raise click.BadParameter(f"folder {parent} does not exist", param_hint="'-o'")
    if not os.access(parent, os.W_OK):
        raise click.BadParameter(f"cannot write to folder {parent}", param_hint="'-o'")
    return path


def _train_with_progress(cfg, quiet: bool):
    """Make the dataset and train, with a rich progress bar unless ``quiet``."""
    from nnanim.data import DatasetError, make_dataset
    from nnanim.record import TrainingDiverged, train_on

    try:
        data = make_dataset(cfg.dataset, n_samples=cfg.n_samples, noise=cfg.noise, seed=cfg.seed,
                            classes=cfg.classes)
    except DatasetError as exc:
        raise click.BadParameter(str(exc), param_hint="'--dataset'") from None
    if not quiet:
        click.echo(_describe_config(cfg, data), err=True)
    try:
        if quiet or cfg.epochs == 0:
            return train_on(data, cfg)
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(TextColumn("training"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("loss {task.fields[loss]}"), TimeElapsedColumn(),
                      transient=True, console=_stderr_console()) as bar:
            task = bar.add_task("train", total=cfg.epochs, loss="…")

            def progress(epoch, total, loss):
                bar.update(task, completed=epoch, loss=f"{loss:.4f}")

            return train_on(data, cfg, progress)
    except TrainingDiverged as exc:
        raise click.ClickException(str(exc)) from None


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def _describe_config(cfg, data) -> str:
    params = ", ".join(f"{k}={v}" for k, v in data.params.items() if k in ("n_samples", "noise", "classes"))
    acts = cfg.activation if len(set(cfg.activation)) > 1 else [cfg.activation[0]]
    batch = "full batch" if cfg.batch_size == 0 else f"batch {cfg.batch_size}"
    return (f"{data.name} ({params}) · hidden {','.join(map(str, cfg.hidden))} {','.join(acts)} · "
            f"{cfg.optimizer} lr={cfg.lr:g} · {cfg.epochs} epochs, {batch} · seed {cfg.seed}")


def _summary(run) -> str:
    acc = run.accuracy[-1]
    acc_text = "" if run.task == "regression" else f" · accuracy {acc:.1%}"
    return f"final loss {run.loss[-1]:.4f}{acc_text} · {run.epochs[-1]} epochs in {run.elapsed:.2f} s"


# --------------------------------------------------------------------------- commands


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "-V", "--version", prog_name="nnanim")
def cli():
    """Videos of what the hidden layers of a neural network do.

    Train a small network on a 2-D dataset, record every epoch, and render the
    input plane as it moves through each layer's W·x, + b and activation.

    \b
    Examples:
      nnanim datasets
      nnanim train --dataset moons -o moons.npz
      nnanim render layers -q m
      nnanim render layers --run moons.npz --epoch 200 -o moons.mp4
      nnanim storyboard layers -d moons -o sheet.png
    """


@cli.command()
@training_options()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the run file here (.npz). Without it, train and report only.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary.")
def train(output, quiet, **kwargs):
    """Train a network and record every epoch to a run file."""
    cfg = _config_from(kwargs)
    if output is not None:
        output = _check_writable(output)
    run = _train_with_progress(cfg, quiet)
    if output is not None:
        path = run.save(output)
    if not quiet:
        click.echo(_summary(run) + (f" → {path}" if output is not None else ""))


@cli.command()
@click.argument("run_file", type=click.Path(path_type=Path))
def info(run_file):
    """Show what a run file holds: architecture, data, epochs, final loss and accuracy."""
    from nnanim.record import Run, RunFileError

    try:
        run = Run.load(run_file)
    except RunFileError as exc:
        raise click.BadParameter(str(exc), param_hint="RUN_FILE") from None
    opts = run.options
    ds = run.meta.get("dataset", {})
    params = ", ".join(f"{k}={v}" for k, v in ds.get("params", {}).items()
                       if k in ("n_samples", "noise", "classes"))
    lines = [
        f"run file      {run_file}  (format {run.meta['format_version']}, "
        f"nnanim {run.meta.get('nnanim_version', '?')})",
        f"dataset       {run.dataset_spec} ({params}) · {len(run.X)} points · {run.task}"
        + (f", {run.n_classes} classes" if run.task != "regression" else ""),
        f"architecture  {run.architecture()} · activations {', '.join(run.activations)}",
        f"training      {opts['optimizer']} lr={opts['lr']:g} · batch "
        f"{opts['batch_size'] or 'full'} · l2={opts['l2']:g} · seed {opts['seed']}",
        f"records       {len(run)} (epochs {run.epochs[0]}..{run.epochs[-1]}, every {opts['record_every']})",
        f"final         loss {run.loss[-1]:.4f}"
        + ("" if run.task == "regression" else f" · accuracy {run.accuracy[-1]:.1%}"),
    ]
    click.echo("\n".join(lines))


@cli.command()
def datasets():
    """List the datasets, one line each."""
    from nnanim.data import list_datasets

    rows = list_datasets()
    width = max(len(name) for name, _ in rows)
    for name, summary in rows:
        click.echo(f"{name:<{width}}  {summary}")


@cli.command()
def scenes():
    """List the scenes that `nnanim render` knows."""
    from nnanim.render import list_scenes

    rows = list_scenes()
    width = max(len(name) for name in rows)
    for name, summary in rows.items():
        click.echo(f"{name:<{width}}  {summary}")


def _theme(ctx, param, value):
    if value is None:
        return None
    from nnanim.theme import list_themes

    themes = list_themes()
    if value not in themes:
        raise click.BadParameter(f"unknown theme {value!r}; choose from: {_choice_help(themes)}")
    return value


def _duration(ctx, param, value):
    if value is not None and not (0 < value < float("inf")):
        raise click.BadParameter(f"must be a positive number of seconds, not {value:g}")
    return value


def scene_options(f):
    """What the scene shows and how: the run to replay, the epoch, the theme, the length."""
    from nnanim.theme import list_themes

    opts = [
        click.option("--run", "run_file", type=click.Path(path_type=Path), default=None,
                     help="Replay a saved run file instead of training."),
        click.option("--epoch", type=click.IntRange(min=0), default=None,
                     help="Which recorded epoch to show  [default: the last]"),
        click.option("--theme", callback=_theme, default=None, metavar="NAME",
                     help=f"Colours and fonts: {_choice_help(list_themes())}  [default: dark]"),
        click.option("--duration", type=float, callback=_duration, default=None, metavar="SECONDS",
                     help="Video length for scenes that replay training; other scenes ignore it."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _scene_options(kwargs: dict, run_file: Path | None, epoch: int | None) -> dict:
    """The options dict a scene reads: explicit training options, the run, the epoch, ..."""
    options = {k: v for k, v in kwargs.items() if v is not None}
    for k in ("seed", "optimizer", "batch_size", "l2", "record_every"):
        # only explicit changes of these travel to the scene, so its own defaults hold
        if click.get_current_context().get_parameter_source(k).name == "DEFAULT":
            options.pop(k, None)
    if run_file is not None:
        from nnanim.record import Run, RunFileError

        try:
            run = Run.load(run_file)
            if epoch is not None:
                run.record_index(epoch)
        except (RunFileError, ValueError) as exc:
            raise click.BadParameter(str(exc), param_hint="'--run'") from None
        options["run"] = run
    if epoch is not None:
        options["epoch"] = epoch
    return options


def _check_training(scene_cls, options: dict) -> None:
    """Fail fast on bad data/model options, before Manim starts (a replayed run needs none)."""
    if "run" in options:
        return
    from nnanim.data import DatasetError, make_dataset
    from nnanim.record import config_from_options

    try:
        cfg = config_from_options(getattr(scene_cls, "defaults", {}), options).resolved()
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        make_dataset(cfg.dataset, n_samples=cfg.n_samples, noise=cfg.noise, seed=cfg.seed,
                     classes=cfg.classes)
    except DatasetError as exc:
        raise click.BadParameter(str(exc), param_hint="'--dataset'") from None


def _checked_options(scene: str, kwargs: dict, run_file, epoch) -> dict:
    """The scene's options, every value checked (unknown scene, bad run file or training options)."""
    from nnanim.render import RenderError, get_scene

    try:
        scene_cls = get_scene(scene)
    except RenderError as exc:
        raise click.BadParameter(str(exc), param_hint="SCENE") from None
    options = _scene_options(kwargs, run_file, epoch)
    _check_training(scene_cls, options)
    return options


def render_options(f):
    from nnanim.render import FORMATS, QUALITIES

    qualities = ", ".join(f"{k}={q.height}p{q.fps:g}" for k, q in QUALITIES.items())
    opts = [
        click.option("-q", "--quality", type=click.Choice(list(QUALITIES)), default="h",
                     show_default=True, help=f"Quality: {qualities}."),
        click.option("--fps", type=click.FloatRange(min=1, max=240), default=None,
                     help="Frame rate  [default: per quality]"),
        click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default=None,
                     help="Output format  [default: from -o's extension, else mp4]"),
        click.option("-t", "--transparent", is_flag=True,
                     help="Transparent background (webm, mov, png)."),
        click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Output file  [default: ./SCENE.FORMAT]"),
        click.option("--preview", is_flag=True, help="Open the result when done."),
        click.option("-v", "--verbose", is_flag=True, help="Show Manim's log."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return scene_options(f)  # --run, --epoch, --theme, --duration first


@cli.command()
@click.argument("scene")
@render_options
@training_options({"hidden": "per scene", "activation": "per scene", "epochs": "per scene"})
def render(scene, run_file, epoch, quality, fps, fmt, transparent, output, preview, verbose, **kwargs):
    """Render SCENE (see `nnanim scenes`) to a video and print its path.

    The network is trained first with the data and model options, or replayed
    from --run RUN.npz.
    """
    from nnanim.render import RenderError, RenderSettings
    from nnanim.render import render as do_render

    options = _checked_options(scene, kwargs, run_file, epoch)
    settings = RenderSettings(quality=quality, fps=fps, format=fmt, transparent=transparent,
                              output=output, preview=preview, verbose=verbose)
    try:
        path = do_render(scene, settings, options)
    except RenderError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(str(path))


def _frames(ctx, param, value):
    from nnanim.render import STORYBOARD_FRAMES

    low, high = STORYBOARD_FRAMES[0], STORYBOARD_FRAMES[-1]
    if value not in STORYBOARD_FRAMES:
        raise click.BadParameter(f"choose {low}..{high} key frames, not {value}")
    return value


@cli.command()
@click.argument("scene")
@scene_options
@click.option("--frames", type=int, callback=_frames, default=9, show_default=True,
              help="Key frames on the sheet, 6..12.")
@click.option("--columns", type=click.IntRange(min=1), default=3, show_default=True,
              help="Tiles per row.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output PNG  [default: ./SCENE-storyboard.png]")
@click.option("-v", "--verbose", is_flag=True, help="Show Manim's log.")
@training_options({"hidden": "per scene", "activation": "per scene", "epochs": "per scene"})
def storyboard(scene, run_file, epoch, frames, columns, output, verbose, **kwargs):
    """Write a contact sheet of SCENE's key frames (PNG) and print its path.

    A draft render, small and at a few frames per second, takes a few seconds;
    each tile is the end of one animation, labelled with its time in the
    video. Use it to choose options before a long render: the data, model
    and run options are those of `nnanim render`.
    """
    from nnanim.render import RenderError
    from nnanim.render import storyboard as do_storyboard

    options = _checked_options(scene, kwargs, run_file, epoch)
    try:
        path = do_storyboard(scene, options, output, frames=frames, columns=columns,
                             verbose=verbose)
    except RenderError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(str(path))


# --------------------------------------------------------------------------- entry point


def main(argv=None) -> None:
    """Console entry point: click's own errors exit 2; nothing else prints a traceback."""
    try:
        cli.main(args=argv, prog_name="nnanim", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("nnanim: aborted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("\nnnanim: interrupted; no output was written", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
    except Exception as exc:  # a bug, not bad input
        if os.environ.get("NNANIM_DEBUG"):
            raise
        click.echo(f"nnanim: internal error: {type(exc).__name__}: {exc}", err=True)
        click.echo("Run again with NNANIM_DEBUG=1 for details, and please report it.", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
