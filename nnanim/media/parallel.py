"""``--jobs N``: one video rendered in N processes, cut at beats, joined without re-encoding.

Manim encodes every play (animation or wait) into a segment of its own — a
fresh encoder, so each segment starts with a keyframe — and joins the
segments with FFmpeg's concat demuxer, copying packets.  A render in parts
does the same thing in N places:

1. **Plan.** The plan pass (:func:`nnanim.media.play.plan_scene`) lists the
   beats with the index of each beat's first play; :func:`cut_points` picks
   N − 1 beats so that the parts' nominal seconds are as even as it can.
2. **Render.** Each part is a forked process rendering the whole storyboard
   with Manim's own ``from_animation_number``/``upto_animation_number``:
   plays outside the part are skipped (neither drawn nor encoded), the
   part's plays are encoded as in a serial render.  A skipped play still
   steps through the times of its frames, as a drawn one does
   (:class:`_PartScene`), so each part starts from the serial render's state.
3. **Join.** :func:`join` stream-copies the parts' files one after another
   with the same concat demuxer Manim uses for its segments.  Every part
   begins at a play, so with a keyframe, with the same encoder settings; the
   joined stream holds the very segments a serial render joins, and decodes
   to the same frames (``tests/test_parallel.py`` compares them).

Beats come back from each part on the part's own clock (whole frames) and are
shifted by the length of the parts before it, so chapters and subtitles are
those of a serial render.  GIF and PNG are not cut: they render in one
process.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import traceback
from dataclasses import dataclass, replace
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from nnanim.errors import NnanimError

__all__ = ["Joined", "Part", "cut_points", "join", "render_parts"]

#: formats a render can cut: Manim joins their segments by stream copy
CUTTABLE = ("mp4", "webm", "mov")
#: seconds a part gets to clean up after SIGTERM before it is killed
_GRACE = 10.0


@dataclass(frozen=True)
class Part:
    """Plays ``first`` to ``last`` (inclusive; ``-1``: to the end) of one render in parts."""

    index: int
    first: int
    last: int


@dataclass
class Joined:
    """What a render in parts played, as :func:`nnanim.media.render.render` reads a played scene."""

    beats: list
    clock: float


def cut_points(beats: list, parts: int) -> list[Part]:
    """Split a plan's ``beats`` into at most ``parts`` runs of whole beats, even in seconds.

    Each cut is the start of the beat nearest to ``k / parts`` of the total
    length (beats that start at the same play count once); fewer beats than
    ``parts`` give one part per beat.
    """
    starts: dict[int, float] = {}
    for beat in beats:
        starts.setdefault(beat.play, beat.start)
    total = max((b.end for b in beats), default=0.0)
    candidates = sorted((play, start) for play, start in starts.items() if play > 0)
    cuts: list[int] = []
    for k in range(1, parts):
        target = total * k / parts
        free = [(abs(start - target), play) for play, start in candidates
                if not cuts or play > cuts[-1]]
        if not free:
            break
        cuts.append(min(free)[1])
    bounds = [0, *cuts]
    return [Part(i, first, (bounds[i + 1] - 1) if i + 1 < len(bounds) else -1)
            for i, first in enumerate(bounds)]


def render_parts(job: Any, temp: dict[str, Any], parts: int, work: Path, pace: float,
                 beats: list) -> tuple[list[Path], Joined]:
    """Render the job's plays in ``parts`` processes; return the parts' files and the beats.

    ``temp`` is the Manim config of a serial render, ``pace`` and ``beats`` come
    from its plan pass.  On any failure or interruption the other parts are
    stopped (SIGTERM, then SIGKILL after a grace period) before the error
    propagates; their files are all inside ``work``.
    """
    plan = cut_points(beats, parts)
    context = multiprocessing.get_context("fork")  # the job (and its run) are inherited, not pickled
    running: dict[Any, tuple[Part, Any]] = {}
    results: dict[int, tuple[Path, list, float]] = {}
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        for part in plan:
            folder = work / f"part-{part.index}"
            reader, writer = context.Pipe(duplex=False)
            process = context.Process(target=_part_main, name=f"nnanim-part-{part.index}",
                                      args=(writer, job, _part_config(temp, folder, part), pace, part))
            process.start()
            writer.close()
            running[reader] = (part, process)
        while running:
            for reader in wait(list(running)):
                part, process = running.pop(reader)
                try:
                    status, *payload = reader.recv()
                except EOFError:
                    status, payload = "error", [f"part {part.index} ended without a result"]
                process.join()
                if status == "ok":
                    results[part.index] = payload
                elif status == "refused":
                    raise NnanimError(payload[0])
                elif status == "stopped":
                    raise KeyboardInterrupt
                else:
                    raise RuntimeError(f"part {part.index + 1} of {len(plan)}: {payload[0]}")
    finally:
        _stop([process for _, process in running.values()])
    files, played, offset = [], [], 0.0
    for index in range(len(plan)):
        path, part_beats, seconds = results[index]
        files.append(path)
        played += [replace(b, start=b.start + offset, end=b.end + offset) for b in part_beats]
        offset += seconds
    return files, Joined(played, offset)


def _part_config(temp: dict[str, Any], folder: Path, part: Part) -> dict[str, Any]:
    """A serial render's Manim config for one part: its own folders, its range of plays."""
    dirs = {key: folder / Path(value).name for key, value in temp.items()
            if key.endswith("_dir") and key not in ("media_dir",)}
    return {**temp, **dirs, "media_dir": folder,
            "from_animation_number": part.first, "upto_animation_number": part.last}


class _PartScene:
    """Mixin for a part's scene: skipped plays step through their frames undrawn; the clock where
    the part's first play starts.

    Manim brings a skipped play to its end in one step (``dt`` = its run time) where a drawn
    play steps through its frames (``t`` = 0, 1/fps, ..., the last frame before its run time,
    then an update with ``dt`` = 0).  Anything that depends on the steps (an updater adding up
    ``dt``, a state carried from frame to frame, whether a wait is still) would start the part
    elsewhere than the serial render is at that play; stepped through the same times, undrawn
    and unencoded, a skipped play leaves the scene exactly as a drawn one does.
    """

    part_start: float | None = None
    first_play = 0

    def play(self, *args, **kwargs) -> None:
        if self.plays == self.first_play and self.part_start is None:
            self.part_start = float(self.renderer.time)
        super().play(*args, **kwargs)

    def get_time_progression(self, run_time, description, n_iterations=None,
                             override_skip_animations=False):
        # a drawn play's frame times, skipped or not (Manim gives a skipped play [run_time])
        return super().get_time_progression(run_time, description, n_iterations,
                                            override_skip_animations=True)

    def play_internal(self, skip_rendering: bool = False) -> None:
        skipping = self.renderer.skip_animations
        super().play_internal(skip_rendering=skip_rendering or skipping)
        if skipping:  # a drawn play ends with this update; Manim leaves it out of a skipped one
            self.update_mobjects(0)


def _part_main(conn, job: Any, temp: dict[str, Any], pace: float, part: Part) -> None:
    """A part's process: render, send ``(status, ...)`` through ``conn``, exit without cleanup."""
    from nnanim.signals import interruptible

    code = 0
    try:
        with interruptible():
            from nnanim.media.play import bind, play_scene

            cls = bind(job, pace=pace)
            cls = type(cls.__name__, (_PartScene, cls), {"first_play": part.first})
            scene = play_scene(cls, temp)
            path = Path(scene.renderer.file_writer.final_file_path)
            start = scene.part_start or 0.0
            end = float(scene.renderer.time)
            last = part.last if part.last >= 0 else scene.plays
            beats = [replace(b, start=b.start - start, end=b.end - start)
                     for b in scene.beats if part.first <= b.play <= last]
            conn.send(("ok", path, beats, end - start))
    except NnanimError as error:
        conn.send(("refused", str(error)))
        code = 2
    except KeyboardInterrupt:
        conn.send(("stopped",))
        code = 130
    except BaseException as error:  # noqa: BLE001 - reported by the parent
        from nnanim.files import write_error

        full = write_error(error)  # a full cache disk (also under Manim's encoder's RuntimeError)
        if full is not None:
            conn.send(("refused", f"cannot write to {temp['media_dir']}: {full.strerror or full}"))
            code = 2
        else:
            if os.environ.get("NNANIM_DEBUG"):
                traceback.print_exc()
            conn.send(("error", f"{type(error).__name__}: {error}"))
            code = 1
    finally:
        conn.close()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # the parent's atexit handlers and buffers are not this process's


def _stop(processes: list) -> None:
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(_GRACE)
        if process.is_alive():
            process.kill()
            process.join()


def join(parts: list[Path], target: Path) -> None:
    """Stream-copy ``parts`` (one format, one encoder's settings) into ``target``, one after another.

    FFmpeg's concat demuxer reads the parts as one stream, shifting each by
    the length of those before it; decoding timestamps are left to the muxer,
    as Manim does when it joins its segments.
    """
    import av

    manifest = target.with_suffix(".txt")
    manifest.write_text("".join(f"file 'file:{_quoted(p)}'\n" for p in parts), encoding="utf-8")
    with av.open(str(manifest), format="concat", options={"safe": "0"}) as src, \
            av.open(str(target), "w") as dst:
        video = src.streams.video[0]
        out = dst.add_stream_from_template(video)
        with av.open(str(parts[0])) as first:  # the demuxer's stream has no tags
            alpha = first.streams.video[0].metadata.get("alpha_mode")
        if alpha is not None:
            out.metadata["alpha_mode"] = alpha
        for packet in src.demux(video):
            if packet.dts is None:  # flush packets
                continue
            packet.dts = None
            packet.stream = out
            dst.mux(packet)


def _quoted(path: Path) -> str:
    """A path for a concat manifest line in single quotes."""
    return Path(path).as_posix().replace("'", "'\\''")
