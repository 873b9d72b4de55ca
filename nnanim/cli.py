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

import os
import sys
from pathlib import Path

import click

from nnanim._version import __version__
from nnanim.errors import NnanimError
from nnanim.options import dump_config, load_config, options_for

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
            text = o.help + (f"  [default: {shown}]" if shown else "")
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
    show = not quiet and _stderr_is_terminal()
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
    return (f"{data.name} ({params}) · hidden {','.join(map(str, cfg.hidden))} {','.join(acts)} · "
            f"{cfg.optimizer} lr={cfg.lr:g} · {cfg.epochs} epochs, {batch} · seed {cfg.seed}")


def _summary(run) -> str:
    acc = run.accuracy[-1]
    acc_text = "" if run.task == "regression" else f" · accuracy {acc:.1%}"
    return f"final loss {run.loss[-1]:.4f}{acc_text} · {run.epochs[-1]} epochs in {run.elapsed:.2f} s"


# --------------------------------------------------------------------------- commands


def one_line(message: str) -> str:
    """``message`` on one line: control characters a user typed (a newline in a file name) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)


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
            from nnanim.record import TrainingDiverged

            raise _Refused(str(exc), 1 if isinstance(exc, TrainingDiverged) else 2) from None


@click.group(cls=_Group,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
      nnanim render layers --aspect 9:16 -o vertical.mp4
      nnanim render layers --run moons.npz --epoch 200 -o moons.mp4
      nnanim render layers --dump-config > clip.toml; nnanim render --config clip.toml
      nnanim storyboard layers -d moons -o sheet.png
    """


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

        output = check_writable(Path(output))
    run, _ = _train_with_progress(job, quiet)
    if output is not None:
        output = run.save(output)
    if not quiet:
        click.echo(_summary(run) + (f" → {output}" if output is not None else ""))


def _dump(job, command: str) -> str:
    scene = None if command == "train" else job.name
    return dump_config(job.resolved_options(), command, scene=scene)


@cli.command()
@click.argument("run_file", type=click.Path(path_type=Path))
def info(run_file):
    """Show what a run file holds: architecture, data, epochs, final loss and accuracy."""
    from nnanim.record import Run

    run = Run.load(run_file)
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
    from nnanim.render import RenderSettings, check_output
    from nnanim.render import render as do_render

    job = _scene_job("render", scene, {**kwargs, "config_file": config_file})
    if dump_config:
        click.echo(_dump(job, "render"), nl=False)
        return
    o = job.options
    settings = RenderSettings(quality=o["quality"], fps=o["fps"], format=o["format"],
                              transparent=o["transparent"], output=o["output"], preview=o["preview"],
                              chapters=o["chapters"], subtitles=o["subtitles"], jobs=o["jobs"],
                              verbose=verbose, progress=not quiet)
    check_output(job, settings)  # before training: an unwritable -o fails at once
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
    from nnanim.storyboard import storyboard as do_storyboard
    from nnanim.storyboard import storyboard_output

    job = _scene_job("storyboard", scene, {**kwargs, "config_file": config_file})
    if dump_config:
        click.echo(_dump(job, "storyboard"), nl=False)
        return
    o = job.options
    output = storyboard_output(o["output"], job.name.replace("-", "_"))
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
    from nnanim.render import RenderError
    from nnanim.slides import require_extra, slide_target
    from nnanim.slides import slides as do_slides

    job = _scene_job("slides", scene, {**kwargs, "config_file": config_file})
    if dump_config:
        click.echo(_dump(job, "slides"), nl=False)
        return
    o = job.options
    if o["output"] is None:
        raise RenderError("give the deck with -o: DECK.html, DECK.pptx, DECK.pdf or a folder DIR/")
    target = slide_target(o["output"], job.name.replace("-", "_"))  # before training
    require_extra(target.kind)
    if job.run is None:
        _train_with_progress(job, quiet)
    path = do_slides(job, target.path, quality=o["quality"], fps=o["fps"], verbose=verbose,
                     progress=not quiet)
    click.echo(str(path))


# --------------------------------------------------------------------------- entry point


def main(argv=None) -> None:
    """Console entry point: bad input exits 2 in one line; nothing else prints a traceback."""
    from nnanim.record import TrainingDiverged
    from nnanim.signals import interruptible

    try:
        with interruptible():  # SIGTERM cleans up like Ctrl-C
            cli.main(args=argv, prog_name="nnanim", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except TrainingDiverged as exc:
        click.echo(f"Error: {one_line(str(exc))}", err=True)
        sys.exit(1)
    except NnanimError as exc:
        click.echo(f"Error: {one_line(str(exc))}", err=True)
        sys.exit(2)
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


if __name__ == "__main__":
    main()
