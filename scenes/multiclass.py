"""K classes through a softmax: the input plane's K regions, every layer, then straight lines that bound the regions.

Storyboard: the input plane shaded by the class the network picks at each
point (the curves are where two classes tie); then, as in ``layers``, every
hidden layer's stages (width-3 layers tilt into 3-D and orbit); finally the
last hidden space, where the regions are convex and bounded by straight
lines: of the K(K−1)/2 pairwise lines ``w_i·h + b_i = w_j·h + b_j`` only
the parts where classes i and j lead all others are drawn bold (the rest of
each line faint).  A 3-unit last layer stays in 3-D: the bounding parts of
the pairwise planes, orbiting.  The counts and the accuracy are recomputed.

Render with ``nnanim render multiclass`` (``--classes K``, 3 to 8;
options: ``nnanim render --help``).
"""

import numpy as np
from nnanim.scenes.layers import ORBIT, PACE, LayersScene

from nnanim.contract import require_last_hidden
from nnanim.errors import NnanimError
from nnanim.theme import SAFE_CLASSES

#: seconds: the first picture, the input shading fading out (slowly: a whole picture fading in a
#: few frames reads as a jump), the final lines, the end
BEATS = {"intro": 2.0, "unshade": 1.0, "lines": 1.4, "end": 3.0}
#: tilts (degrees from the top view) the lift into 3-D may take: enough to show depth
TILTS = (40, 50, 60, 70)
#: added to a squash from 3-D onto the plane: its tie curves are the true ones, folded
FOLD_WORDS = "; where the sheet folds over itself, the true tie curves fold with it"
#: the cube the boundary faces of a 3-D last layer are cut to, relative to the picture's cube
FACE_CUBE = 0.85


class MulticlassScene(LayersScene):
    # three arms, two tanh layers of width 3 (in 3-D, no projection), a plane at the end:
    # 99 % on the default spirals in 1,500 epochs
    defaults = {"dataset": "spirals", "classes": 3, "hidden": [3, 3, 2], "activation": "tanh",
                "lr": 0.02, "epochs": 1500}
    tasks = ("multiclass",)
    max_inputs = 2  # it draws the input plane's pairwise boundaries itself
    #: seconds a 3-D last hidden space orbits at the end
    final_orbit = BEATS["lines"] + BEATS["end"]

    @classmethod
    def check(cls, job):
        k = job.run.n_classes if job.run is not None else job.data.n_classes
        if k > SAFE_CLASSES:
            raise NnanimError(
                f"multiclass shows at most {SAFE_CLASSES} classes (colours that colour-blind eyes "
                f"tell apart too); {job.dataset_name} has {k}. Use --classes 3 to {SAFE_CLASSES}")
        require_last_hidden(job, "multiclass", (2, 3), "draws the regions of the last hidden space")

    def construct(self):
        from manim import Create, rush_from

        from nnanim.core.flow import build_flow
        from nnanim.draw.mobjects import FlowView, OpacityFade, StagePlay
        from nnanim.draw.posters import poster_shading

        run, record = self.load_run()
        flow = build_flow(run.network(record), reference=run.X)
        view = FlowView(flow, run.X, run.y, self.theme, region=self.layout.picture_fit,
                        clip_box=self.layout.picture_clip)
        K = run.n_classes

        header = self.header(run, record)
        title = f"{K} classes"
        detail = ("the input space, shaded by the class the network picks there; the curves are "
                  "where two classes tie")
        caption = self.caption(title, detail)
        # the shading is of the flat input plane: it fades out over the end of the hold, the first
        # caption swap and the start of the tilt (over a few plays, so that no play starts from a
        # still picture: each play's first frame is a new key frame, a visible step in a still)
        poster_shading(self, view, hold=(BEATS["intro"] - 0.3) * self.pace,
                       fade=BEATS["unshade"] * self.pace)
        self.open(view, still=(header, caption), title=title, detail=detail, seconds=BEATS["intro"])

        caption = self.play_stages(view, caption)

        # the last hidden space: the bounding parts of the pairwise lines (planes in 3-D)
        out = flow.stages[-1]
        view.set_stage(out.index, 1.0)
        self.accuracy = flow.accuracy(run.X, run.y)
        correct = round(self.accuracy * len(run.y))
        self.bounds = self.bounding_parts(view)
        kind = "lines" if out.dim == 2 else "planes"
        drawn = "bold" if out.dim == 2 else "drawn"
        caption = self.swap_caption(
            caption, out.caption,
            f"{len(self.bounds)} of the {K * (K - 1) // 2} pairwise {kind} bound a region ({drawn}): "
            f"{self.accuracy:.1%} correct, {correct} of {len(run.y)} points",
            kind="stage")
        if out.dim == 2:
            extras = self.add_output_shading(view)
            extras += [Create(m) for m in self.line_strokes(view) if m is not None]
            # quick to start (a reveal that creeps in from a still frame reads as a jump), then easing
            self.play(*extras, run_time=BEATS["lines"], rate_func=rush_from)
            self.wait(BEATS["end"])
        else:
            faces = self.face_strokes(view)
            self.add(faces)
            self.bring_to_back(faces)  # behind the points
            self.play(OpacityFade(faces), StagePlay(view, out.index, spin=ORBIT * BEATS["lines"]),
                      run_time=BEATS["lines"])
            self.play(StagePlay(view, out.index, spin=ORBIT * BEATS["end"], run_time=BEATS["end"]))

    # -- pieces
    def stage_explain(self, flow, stage):
        """A squash from 3-D to the plane flattens the lifted sheet, which may fold over itself:
        the tie curves carried on it (the input's true ties, point for point) then fold with it,
        in cusps and loops over other classes' points. The words say so."""
        from nnanim.scenes.layers import stage_words

        words = stage_words(flow, stage)
        after = flow.stages[stage.index + 1] if stage.index + 1 < len(flow.stages) else None
        if (words is not None and stage.kind == "squash" and after is not None and after.dim == 2
                and stage.dim == 3):
            words += FOLD_WORDS
        return words

    @staticmethod
    def sample_seconds(view, stage, pace: float) -> float:
        """How long play_stages plays ``stage`` (seconds)."""
        return PACE[stage.kind] * pace

    @classmethod
    def tilted_samples(cls, view, pace: float = 1.0) -> tuple[list, list, float, bool]:
        """``(clouds, turns, spin, tilted)``: the points and the view's turn at three moments of
        every stage played tilted (from the lift into 3-D to a squash back to 2-D), as
        play_stages plays them (:meth:`sample_seconds` each); the turn at the end and whether
        the view is still tilted."""
        flow, trace = view.flow, view.points_trace
        clouds, turns, spin, tilted = [], [], 0.0, False
        for stage in flow.stages[:-1]:
            seconds = cls.sample_seconds(view, stage, pace)
            if stage.kind == "lift" and stage.dim == 3 and not tilted:
                tilted, spin = True, 0.0
            if tilted:
                for t in (0.0, 0.5, 1.0):
                    clouds.append(trace.at(stage.index, t))
                    turns.append(spin + ORBIT * seconds * t)
                spin += ORBIT * seconds
                if stage.kind == "squash" and flow.stages[stage.index + 1].dim == 2:
                    tilted = False
        return clouds, turns, spin, tilted

    def tilt_angles(self, view, pace: float = 1.0) -> tuple[float, float]:
        """The tilt at the lift into 3-D: the angles from which the data is least edge-on, over the
        orbit of every 3-D stage after it (and the final orbit of a 3-D last hidden space)."""
        from nnanim.core.camera import face_on_angles

        flow, trace = view.flow, view.points_trace
        clouds, turns, spin, tilted = self.tilted_samples(view, pace)
        orbit = self.final_orbit
        if tilted and orbit:  # the last hidden space, orbiting
            for t in np.linspace(0.0, 1.0, 4):
                clouds.append(trace.at(flow.stages[-1].index, 1.0))
                turns.append(spin + ORBIT * orbit * t)
        if not clouds:
            return super().tilt_angles(view, pace)
        return face_on_angles(clouds, turns, np.radians(TILTS), np.radians(np.arange(-90, 91, 15)))

    def picture_box(self, view):
        """``(xmin, xmax, ymin, ymax)``: the display space the picture region shows (top view)."""
        p = self.layout.picture
        lo, hi = view.to_display(np.array([[p.x0, p.y0, 0.0], [p.x1, p.y1, 0.0]]))
        return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])

    def bounding_parts(self, view):
        """``(i, j, ends or corners)`` of the pairwise boundaries that bound a region, in view."""
        from nnanim.core.curves import region_faces, region_segments

        flow, out = view.flow, view.flow.stages[-1]
        if out.dim == 2:
            return region_segments(flow.output_boundaries(), self.picture_box(view))
        centre, half = flow.framing(view.points_trace, out.index, 1.0)
        # the framing cube less its margin: the faces end near the data, not at the frame's edge
        return region_faces(flow.output_boundaries(), centre, half * FACE_CUBE)

    def line_strokes(self, view):
        """Every pairwise line faint across the picture, and its bounding part bold on top."""
        from nnanim.core.curves import clip_line
        from nnanim.draw.mobjects import Polylines

        box = self.picture_box(view)
        whole = [clip_line(np.asarray(w)[:2], c, box) for _, _, w, c in view.flow.output_boundaries()]
        whole = [view.to_scene(e) for e in whole if e is not None]
        bold = [view.to_scene(e) for _, _, e in self.bounds]
        strokes = []
        for lines, width, opacity in ((whole, 0.4, 0.45), (bold, 1.0, 1.0)):
            mob = None
            if lines:
                mob = Polylines(lines, smooth=False, stroke_color=self.theme.boundary,
                                stroke_width=self.theme.boundary_width * width, stroke_opacity=opacity)
                mob.clip_box = self.layout.picture_clip
            strokes.append(mob)
        return strokes

    def face_strokes(self, view):
        from nnanim.draw.panels import DisplayFaces

        return DisplayFaces(view, [p for _, _, p in self.bounds], clip_box=self.layout.picture_clip,
                            stroke_color=self.theme.boundary, stroke_width=self.theme.boundary_width * 0.5,
                            fill_color=self.theme.boundary, fill_opacity=0.06)


SCENE = MulticlassScene
