"""What a bottleneck keeps: an autoencoder squeezes the data through a narrow code and back.

Storyboard, 2-D data (default: the ``arc`` through 2 → 16 → 1 → 16 → 2, tanh):
the poster is the finished story, the input plane with its grid and data,
every point coloured by its code, and the curve every point is rebuilt on.
Then one beat per step of each layer, in the order the maths does them (W·x,
+ b, the activation; a width change's lift, turn and squash are parts of its
W·x; a + b that moves nothing on screen, too small or followed by the view, is said so in
the next beat), the 16-unit layers
seen through u₁, u₂: the code (a 1-unit layer: the plane squashed onto a line,
each point one number), the decoder bending the line into a curve, and the
output layer into the reconstruction space, which is the input plane again:
the input grid, drawn where it started, lands on one curve, the decoder's
image of the code.  The data is shown faintly where it started, beside the
reconstruction error (MSE), recomputed.

3-D data (``-d swiss-roll``, ``-d s-curve``: 3 → 16 → 2 → 16 → 3): three
panels, stacked in a vertical frame — the roll in 3-D (slowly orbiting), its
2-unit code plane and the reconstruction in 3-D, all coloured by ``t``, the
roll's own parameter.  On screen, recomputed: how well the code keeps ``t``
(each point's ``t`` voted by its 10 nearest neighbours in the code plane,
R²: near 1 when the roll lies flattened without folds, far below when far
parts of the roll share codes) and the reconstruction error.

The hidden widths follow the input: 16, d − 1, 16 (a code one unit narrower
than the data).  Any 2-D or 3-D dataset works (labels are ignored, the target
is the input); ``--hidden`` sets the widths, the narrowest layer is the code.

Render with ``nnanim render autoencoder`` (options: ``nnanim render --help``).
"""

import numpy as np

from nnanim.core.notation import number
from nnanim.errors import NnanimError

from .bottleneck import BottleneckScene

#: seconds per stage kind (2-D story)
PACE = {"linear": 1.6, "rotate": 1.3, "bias": 0.9, "activation": 1.6, "lift": 0.6, "squash": 1.5}
#: seconds of a squash onto fewer units (onto the code; from the decoder's 16 units onto the
#: reconstruction's plane): slow enough to see the points collapse onto the code's line, or
#: spread from the wide layer's view onto x̂₁, x̂₂ (at 1.5 s the sheet was gone in 0.6 s)
SQUASH = 3.0
#: ... but the squash onto x̂₁, x̂₂ takes longer: within it the zoom turns from in (the wide
#: layer's view collapsing) to out (the output's map ahead) at a corner of the framing where the
#: grid's share of it meets the points' (rounded only over ZOOM_ROUNDING of the zoom's own clock,
#: which runs fast in this stage): at 3 s a wide frame's zoom turned back 0.11 in one frame
OUTPUT_SQUASH = 3.6
#: seconds a caption's word takes to read, the least a beat lasts, and the longest hold after
#: a beat's motion to finish reading (a still picture no longer than that)
READING, READING_MIN, HOLD = 0.25, 1.5, 1.5
#: a + b whose points and grid move less than this on screen (scene units: 3 pixels at 480p), or
#: that slides the code's line along itself (the view following it: the values under the line
#: change, a picture of nothing else; the review saw "only the ticks move"), is not shown as a
#: beat of its own; it is named in the next beat, with the first words if the shift itself is
#: that small, the second if the view follows it
UNSEEN = 0.05
UNSEEN_BIAS = "+ b too small to see; "
FOLLOWED_BIAS = "+ b: the view follows it; "
#: (a square frame's caption has two lines: its words after a merged + b are shorter)
FOLLOWED_SHORT = "+ b: view follows; "
#: seconds of the decoder's first activation, which bends the code's line into a curve
DECODER_BEND = 2.6
#: seconds of the input plane's landing on the learned curve (the whole network, x → x̂), and the
#: words while it moves (what it lands on is said at its end)
LANDING = 2.5
CARRIED = "the whole input plane, carried through the network: x → x̂(x)"
#: seconds of a still stage over which the camera settles onto the points (a shrink left it far
#: out: :meth:`nnanim.core.flow.Trace.settling`): only the view moves, calmly
SETTLE = 1.0
#: the axes' names and arrows, and the scale bar, keep this much (scene units) of clear room
#: around them from the landing plane's grid
GLYPH_PAD = 0.06
#: radians per second of orbit of the 3-D panels
ORBIT = 0.22
TILT, AZIM = np.radians(62), np.radians(-30)
#: the 3-D panels: seen nearly along the roll's axis (the data's second axis), swinging ±SWING
ROLL_TILT, SWING, SWING_SECONDS = np.radians(80), np.radians(20), 4.0
#: what the 3-D datasets are, in the captions
SHAPES = {"swiss-roll": "roll", "s-curve": "S"}
#: neighbours that vote for each point's t in the code plane
NEIGHBOURS = 10
#: from this neighbour R² on, the code is said to keep t (the roll flattened, not folded)
KEEPS_T = 0.9
INPUT, CODE, RECON = 0, 1, 2
#: the code's line: its density and ticks eased in (and the line lowered) over this share of the
#: stage after the squash onto it (the points on the line by then: shown from within the squash,
#: the density lay over the still-collapsing grid, two pictures at once; over 0.6 of a brief W·x
#: the line fell 50 pixels in a frame, review 7), gone this share into the first stage that takes
#: the points off it; it sits this share of the picture's height from its bottom
LINE_FADE = (1.0, 0.35)
#: what the density over the code's line is: its axis's name, over its top left corner (said in
#: the caption alone, the hills had no name on the picture, review 6)
HILLS = "points per value ↑"
#: seconds of a stage that slides the points along the code's line, the view following them (a
#: W·x or + b of the line: only the values under it change): played briefly, never slowed to the
#: words' pace (1.6 s of W·x and 1.8 s of + b after the landing were a still picture of 5 s with
#: the code's tanh, review 6; a + b said with the next step ran 1.4 s ahead of its motion)
BRIEF = 0.5
#: ... but never faster than the line's values may change on screen: a brief stage rescales the
#: values under the line (the view following the points, the ticks' spacing changes) and slides
#: the points, and at FRAME_RATE frames a second no frame changes the scale by more than
#: SCALE_STEP (in log) nor moves a point by more than MOVE_STEP scene units (review 7: in 0.5 s the
#: code's W·x doubled the ticks' spacing, 16 % in one frame, read as a jump from −0.5…0.5 to
#: −1…1)
FRAME_RATE, SCALE_STEP, MOVE_STEP = 15, 0.07, 0.12
#: the squash onto the code: this share of its clock follows how much of the points' spread across
#: the line (on screen) is gone, the rest its own time (the zoom following the points hid the
#: first second of it, and they landed in 1.2 s of its 3 s, review 6)
COLLAPSE_SHARE = 0.8
#: the points are on the line while they stray from it by at most this share of its length
LINE_TOLERANCE = 0.02
LINE_LOW = 0.3
#: the density over the code's line: its tallest column fills at most this share of the room
#: above the line, and is at most this share of the picture's width tall
DENSITY_SHARE, DENSITY_ASPECT = 0.8, 0.45

#: the code's range drawn as its axis: eased in over this share of its activation's stage, out
#: over this share of the decoder's first map
SPAN_FADE = (0.3, 0.35)


def code_range(act) -> tuple[float, float] | None:
    """``(lo, hi)``: the values a bounded activation takes (tanh: ``(−1, 1)``, sigmoid:
    ``(0, 1)``), its limits far out either side; ``None`` for one unbounded on a side."""
    far = np.array([-1e3, -1e4, 1e3, 1e4])
    v = np.asarray(act(far), dtype=float)
    if not np.all(np.isfinite(v)) or abs(v[0] - v[1]) > 1e-9 or abs(v[2] - v[3]) > 1e-9:
        return None
    return float(np.round(v[1], 9)), float(np.round(v[3], 9))


EXPLAIN = {
    "linear": "rotate and stretch: x → A(t)·x, from the identity to W",
    "rotate": "turn the space so the directions the next layer reads come first",
    "bias": "shift everything: x → x + t·b",
    "activation": "bend each point: x → (1−t)·x + t·{act}(x)",
    "lift": "the plane enters a wider space, shown through a projection",
    "squash": "flatten the directions the next layer ignores",
}


def reading_seconds(words: str) -> float:
    """Seconds to read a caption's words: READING a word, READING_MIN at least."""
    return max(READING_MIN, READING * len(words.split()))


def step_groups(stages) -> list[list]:
    """The stages in beats, one per step of the maths (W·x, + b, activation): a lift, a turn or
    a squash goes with the W·x that follows it (the parts of one width-changing map)."""
    groups, pending = [], []
    for stage in stages:
        pending.append(stage)
        if stage.kind not in ("lift", "rotate", "squash"):
            groups.append(pending)
            pending = []
    return groups + ([pending] if pending else [])


def still_stage(view, index: int, tol: float = 1e-9) -> bool:
    """Whether stage ``index`` moves nothing on screen: points and grid where they were (a
    lift's zero coordinates; a turn of a wide space, which the view's basis turns with)."""
    for trace in (view.points_trace, view.grid_trace):
        a = view.to_scene(trace.at(index, 0.0), index, 0.0)
        b = view.to_scene(trace.at(index, 1.0), index, 1.0)
        if len(a) and np.abs(a - b).max() > tol * max(1.0, float(np.abs(a).max())):
            return False
    return True


#: the density's name: its gap over the density's top (scene units)
NAME_GAP = 0.08


def density_name(scale, theme):
    """The name of the density's axis (:data:`HILLS`) over its top left corner, shown with it: a
    follower of the view after the :class:`~nnanim.draw.numberline.LineScale` it names, placed
    from the density as that has just drawn it (``.words``: the text)."""
    from manim import Group

    from nnanim.draw.mobjects import glyph_halos
    from nnanim.draw.text import text

    class DensityName(Group):
        def follow(self, view):
            a = float(scale.density.opacity)
            if a <= 0.0:
                self.words.set_opacity(0.0)
                return
            x0, _, x1, y1 = scale.box
            corners = np.asarray(scale.density.points, dtype=float)
            w, h = self.words.width, self.words.height
            left = min(max(float(corners[:, 0].min()), x0 + 0.05), x1 - 0.05 - w)
            y = min(float(corners[:, 1].max()) + NAME_GAP + h / 2, y1 - 0.05 - h / 2)
            self.words.move_to([left + w / 2, y, 0.0])
            self.words.set_opacity(scale.OPACITY * a)

    name = DensityName()
    name.words = text(HILLS, font=theme.font, font_size=scale.FONT, color=theme.foreground)
    glyph_halos(name.words, theme, 5.0)
    name.words.annotates = scale.box  # it names a part of its own picture, from inside it
    name.words.set_opacity(0.0)
    name.add(name.words)
    return name


class AutoencoderScene(BottleneckScene):
    """The panels, titles and labels are the bottleneck scene's; the story is its own."""

    # seed 1: the swiss roll's code keeps t for it (seed 0 folds it; the video then says so)
    defaults = {"dataset": "arc", "task": "autoencoder", "activation": "tanh", "seed": 1}
    tasks = ("autoencoder",)
    max_inputs = 3  # 2-D and 3-D data (its own check says so in its words)
    has_legend = True  # the 2-D story's colour bar: what a point's colour means (its code)

    @classmethod
    def check(cls, job):
        d = job.input_dim
        if d not in (2, 3):
            raise NnanimError(f"autoencoder draws 2-D or 3-D data; {job.dataset_name} has {d} "
                              f"input{'s' * (d != 1)}. Choose another dataset with -d, e.g. -d arc")
        code = min(job.hidden)
        if code > 3:
            where = " (in the run file; train it again)" if job.run is not None else ""
            raise NnanimError(f"autoencoder draws the code, its narrowest hidden layer, so it needs "
                              f"1 to 3 units; got {code}{where}. Change --hidden, e.g. "
                              f"--hidden 16,{d - 1},16")

    def construct(self):
        run, record = self.load_run()
        if run.widths[0] == 3:
            self.roll_story(run, record)
        else:
            self.plane_story(run, record)

    def plane_story(self, run, record):
        """2-D data: one picture, every stage, the plane ending on the learned curve."""
        from manim import Create, UpdateFromAlphaFunc, VGroup, smooth

        from nnanim.core.curves import decoded_curve
        from nnanim.core.flow import build_flow
        from nnanim.draw.mobjects import FlowView, OpacityFade, PointCloud, StagePlay, ViewTurn, with_halo

        flow = build_flow(run.network(record), reference=run.X)
        net = flow.network
        code = net.encode(run.X)
        k = code.shape[1]
        lo, hi = float(code[:, 0].min()), float(code[:, 0].max())
        view = self.view = FlowView(flow, run.X, run.y, self.theme,
                                    region=self.layout.picture_fit,
                                    clip_box=self.layout.picture_clip,
                                    colors=self.theme.target_rgb(code[:, 0], lo, hi))
        view.axes_letters = {len(net.widths) - 2: "x̂"}  # the output layer: the input's space again
        # a stage that shrinks the points faster than the zoom may follow leaves the view far out:
        # over the still stage after it (a lift, a turn, the output) the camera settles onto them,
        # and that stage is played (the others are jumped over: nothing moves in them)
        view.frame_trace = view.frame_trace.settling()
        self.settles = set(view.frame_trace.settled())
        # from the squash onto the code on, the whole grid lies on the code's line, then on the
        # decoder's curve, past the data's ends: axis names keep off it as off a boundary
        onto = next(s for s in flow.stages if s.layer == net.code_layer
                    and s.kind in ("squash", "linear"))
        view.kept_clear.append((view.grid_trace, onto.index + 1))
        if k == 1:  # the code is a line: its values marked, its points' spread above it
            self.code_scale = self.line_scale(view)
        unit = "its code" if k == 1 else "code unit 1"
        # the colour bar is the code's scale too: each point's colour is its code value
        legend = self.target_legend(lo, hi, name="code" if k == 1 else "code unit 1")
        header = VGroup(self.header(run, record), legend)
        # the poster is the finished story: the input (the points), its code (their colours, the
        # bar) and the reconstruction (the curve every point is rebuilt on, over the input plane:
        # the reconstruction space is the input's), the curve leaving as the first step moves
        title = "autoencoder: input space"
        poster_leaves = []
        if k == 1:
            detail = "each point squeezed to one number (colour), rebuilt on the white curve"
            poster = self.poster = self.learned_curve(view, decoded_curve(net, lo, hi), stage=0,
                                                      t=0.0)
            with_halo(poster, self.theme)  # over the points it runs through, readable
            poster_leaves = [poster]
        else:
            detail = f"squeezed through a {k}-unit code and back out; colour: {unit}, low to high"
        caption = self.caption(title, detail)
        self.open(view, *poster_leaves, still=(header, caption), title=title, detail=detail,
                  seconds=2.5)

        # one beat per step of the maths, in its order (W·x, + b, the activation): a width change's
        # stages (the lift into a wider space, the turn and the squash of a narrower one) are parts
        # of its layer's W·x, played in that beat; a stage that moves nothing on screen (a lift,
        # a turn of a wide space, which the view turns with) is passed at once, not held as a
        # still picture under words naming a motion. A + b that moves nothing visibly (a 1-unit
        # code's tiny bias: the framing follows the line, its values shift by less than a pixel)
        # is said so in the next step's beat, and played before it, under the words of the beat
        # before (a title naming the code's tanh over a + b, the points still past ±1, review 7).
        beats, carry, said = [], [], ""
        for group in step_groups(flow.stages[:-1]):
            index = group[-1].index
            if group[-1].kind == "bias" and (self.unseen(view, index) or self.along_line(index)):
                carry += group
                said = UNSEEN_BIAS if self.shift(view, index) < UNSEEN else FOLLOWED_BIAS
                continue
            beats.append((carry, carry + group, said if carry else ""))
            carry, said = [], ""
        for carried, group, shifted in beats:
            step = group[-1]
            detail = self.step_detail(group, net, k, shifted)
            # the caption changes in the first play that moves the picture (its first 0.3 s): a
            # beat starts with its motion, never a still picture under words naming the next step
            # (the carried + b is played first, under the words before)
            new = self.caption(step.caption, detail)
            own = group[len(carried)]
            # (a lift into 3-D tilts the view first: it stays, for its turn)
            moving = [st for st in group
                      if not (st.kind in ("lift", "rotate") and still_stage(view, st.index)
                              and not (st.kind == "lift" and st.dim == 3 and not view.elev))]
            # the beat lasts its words' reading time at least: its motion slowed up to twice, then
            # held (never a long still)
            # (a stage sliding the points along the code's line is brief: only the values under
            # the line change; its words are said with the next motion, or held)
            reading = reading_seconds(detail)
            brief = {st.index: self.brief_seconds(view, st.index) for st in moving
                     if self.slides_along(view, st)}
            paced = sum(self.step_seconds(st, net) for st in moving
                        if st.index not in brief and st not in carried)
            briefs = sum(b for i, b in brief.items() if i >= own.index)
            # (a brief stage counts BRIEF of the reading: its longer rescale is not a still)
            said = reading - BRIEF * sum(1 for i in brief if i >= own.index)
            slow = min(2.0, max(1.0, said / max(paced, 1e-9)))
            for stage in group:
                if stage is own:  # (fixed here: fixed earlier, it showed over the words before)
                    self.fix(new)
                    self.mark("stage", step.caption, detail)
                if stage not in moving:
                    self.pass_still(view, stage.index)
                    continue
                seconds = brief[stage.index] if stage.index in brief else \
                    (1.0 if stage in carried else slow) * self.step_seconds(stage, net)
                pace = self.collapse_rate(view, stage.index) if (
                    stage.kind == "squash" and stage.layer == net.code_layer and k == 1) else smooth
                spin = ORBIT * seconds if view.elev else 0.0
                swap = self.swap_text(caption, new, seconds=0.3, run_time=seconds) \
                    if caption is not new and stage not in carried else []
                if stage.kind == "lift" and stage.dim == 3 and not view.elev:
                    self.play(ViewTurn(view, elev=TILT, azim=AZIM),
                              *self.swap_text(caption, new, seconds=0.3, run_time=1.4),
                              run_time=1.4)
                    swap = []
                # the poster's curve leaves in the first 0.4 s of the first motion
                leave = min(1.0, 0.4 / seconds)
                self.play(StagePlay(view, stage.index, rate_func=pace, spin=spin), *swap,
                          *(OpacityFade(m, fade_in=False, rate_func=lambda a, w=leave: min(1.0, a / w))
                            for m in poster_leaves), run_time=seconds)
                poster_leaves = []
                if stage not in carried:
                    caption = new
                if stage.kind == "squash" and flow.stages[stage.index + 1].dim == 2 and view.elev:
                    self.play(ViewTurn(view, elev=0.0, azim=0.0), run_time=1.2)
            played = slow * paced + briefs
            if reading > played:
                self.wait(min(reading - played, HOLD))
            caption = new

        # the reconstruction space is the input plane: the data where it started, and the error
        last = flow.stages[-1]
        for index in range(view.stage if view.t >= 1.0 else view.stage - 1, last.index):
            self.pass_still(view, index + 1)
        mse = net.reconstruction_error(run.X)
        self.statements = {"mse": f"error (MSE) {mse:.4f} over {len(run.X)} points"}
        shape = "one curve: the decoder's image of the code" if k == 1 else \
            f"the decoder's image of the {k}-unit code"
        # the whole input plane, its grid drawn where it starts (the reconstruction space is the
        # input's own), carried by the whole network onto where it lands, x → x̂(x): the plane the
        # caption names is on screen, landing on the curve
        start = view.to_scene(view.grid_trace.at(0, 0.0))  # the input grid, as the poster drew it
        end = view.to_scene(view.grid_trace.at(last.index, 1.0))  # its reconstruction
        plane = self.plane = view.grid.copy()
        plane.set_stroke(opacity=min(1.0, 2.5 * self.theme.grid_opacity))
        plane.clip_box = self.layout.picture_clip
        plane.set_vertices(start)
        self.plane_ends = (start, end)
        # the axes (x̂₁, x̂₂ and their arrows) and the scale bar keep their corners clear of the
        # plane: it is drawn under backdrops of the background's colour over their boxes (the
        # landing grid crossed x̂)
        self.add(plane)
        self.glyph_backdrops = [self.backdrop(box) for box in self.glyph_boxes(view)]
        for back in self.glyph_backdrops:
            self.add(back)
            self.bring_to_back(back)
        self.bring_to_back(plane)
        # while it moves the words name the motion; that it lands on one curve is said with the
        # motion's end (said from its start, the grid still spread and folding, review 7)
        words = CARRIED
        new = self.caption(last.caption, words)
        self.fix(new)
        self.mark("stage", last.caption, words)
        self.play(OpacityFade(plane), *self.swap_text(caption, new), run_time=0.8)
        caption = new

        def land(mob, alpha):
            e = smooth(alpha)
            mob.set_vertices((1.0 - e) * start + e * end)

        self.play(UpdateFromAlphaFunc(plane, land), run_time=LANDING)
        caption = self.swap_caption(caption, last.caption, f"the whole input plane lands on {shape}")
        self.wait(0.5)
        clip = self.layout.picture_clip
        at = view.to_scene(run.X)
        inside = ((at[:, 0] > clip[0]) & (at[:, 0] < clip[2]) & (at[:, 1] > clip[1])
                  & (at[:, 1] < clip[3]))
        ghost = PointCloud(at[inside], self.theme.muted, radius=0.6 * view.cloud.radius,
                           rim_color=self.theme.background, opacity=0.55)
        self.add(ghost)
        self.bring_to_back(ghost)
        anims = [OpacityFade(ghost)]
        if k == 1:  # the learned curve over the data's codes, under the points
            curve = self.curve = self.learned_curve(view, decoded_curve(net, lo, hi))
            self.add(curve)
            self.bring_to_back(curve)
            anims.append(Create(curve))
        self.play(*anims, run_time=1.4)
        caption = self.swap_caption(caption, last.caption,
                                     f"{self.statements['mse']}; faint: the data where it started")
        self.wait(2.4)

    def glyph_boxes(self, view) -> list[tuple[float, float, float, float]]:
        """``[(x0, y0, x1, y1), ...]``: the boxes of the view's axes (their names and arrows) and
        of its scale bar (the bar and its length) as shown now, each padded by GLYPH_PAD."""
        axes = getattr(view, "axes", None)
        if axes is None:
            return []
        out = []
        for texts, lines in ((list(axes.names), axes.arrows), ([axes.bar_label], axes.bar)):
            P = [np.array([m.get_corner(np.array([-1.0, -1.0, 0.0])),
                           m.get_corner(np.array([1.0, 1.0, 0.0]))])
                 for m in texts if m is not None and m.get_fill_opacity() > 0]
            ends = np.asarray(lines.points, dtype=float)
            if lines.get_stroke_opacity() > 0:
                P.append(ends[np.abs(ends).sum(axis=1) > 0])
            P = [p for p in P if len(p)]
            if P:
                P = np.concatenate(P)[:, :2]
                out.append((*(P.min(axis=0) - GLYPH_PAD), *(P.max(axis=0) + GLYPH_PAD)))
        return out

    def backdrop(self, box):
        """A rectangle of the background's colour over ``box``, no outline."""
        from manim import Rectangle

        x0, y0, x1, y1 = box
        back = Rectangle(width=x1 - x0, height=y1 - y0, stroke_width=0,
                         fill_color=self.theme.background, fill_opacity=1.0)
        return back.move_to([(x0 + x1) / 2, (y0 + y1) / 2, 0.0])

    def learned_curve(self, view, curve, stage=None, t=None):
        """The decoder's curve (reconstruction-space points, which are input-space points) as
        ``view`` shows them at ``stage``, ``t`` (by default now)."""
        from nnanim.draw.mobjects import Polylines

        line = Polylines([view.to_scene(curve, stage, t)], stroke_color=self.theme.foreground,
                         stroke_width=3.5 if stage == 0 else 2, stroke_opacity=0.9 if stage == 0 else 0.8)
        line.clip_box = self.layout.picture_clip
        line.labels_keep_off = True  # no axis name on it (checked as a boundary is)
        return line

    def step_detail(self, group, net, k, shifted="") -> str:
        """The words of one step's beat (``group``: its stages, the step last; ``shifted``: the
        words of an unseen + b before it, said first: :data:`UNSEEN_BIAS` or
        :data:`FOLLOWED_BIAS`; ``True`` for the first)."""
        if shifted is True:
            shifted = UNSEEN_BIAS
        tight = bool(shifted) and getattr(self.layout, "shape", "") == "square"
        if tight and shifted == FOLLOWED_BIAS:
            shifted = FOLLOWED_SHORT
        words = self._step_words(group, net, k, bool(shifted), tight)
        return shifted + words if shifted else words

    def _step_words(self, group, net, k, shifted, tight=False) -> str:
        step = group[-1]
        wide = next((s for s in group if s.kind in ("lift", "squash")), None)
        widths = net.widths
        n, m = widths[step.layer], widths[step.layer + 1]
        acts = net.activations
        act = acts[step.layer].name if step.layer < len(acts) else ""
        code, output = net.code_layer, len(widths) - 2
        if step.kind == "linear" and wide is not None and m > n:
            if step.layer <= code:  # the plane enters the wide layer: what its picture is, once
                return (f"{n} → {m} units, seen through u₁, u₂: "
                        "the 2 directions the points spread most")
            if k == 1:  # the decoder's first map of a 1-unit code: a line, laid into m units
                return f"the decoder: {m} units, each a multiple of the code: still a line"
            return f"the decoder: x → W·x, {n} → {m} units (seen through u₁, u₂)"
        if step.kind == "linear" and wide is not None:
            into = "the code" if step.layer == code else (
                "x̂₁, x̂₂" if step.layer == output else f"{m} units")
            return (f"{n} → {m}: W reads {m} direction{'s' * (m > 1)} of the {n} units, "
                    f"flattening the rest into {into}")
        if step.kind == "bias" and k == 1 and code <= step.layer < output:
            return "shift the line: x → x + t·b (its values: the ticks)"
        if step.kind == "activation" and step.layer == code and shifted and k == 1:
            return "the code: a line, each point one number (its colour)"
        if step.kind == "activation" and step.layer == code:
            return (f"the code: {k} unit{'s' * (k > 1)}; "
                    + ("the plane is a line now, each point one number (its colour)"
                       if k == 1 else "all the decoder will ever see of a point"))
        if step.kind == "activation" and k == 1 and step.layer == code + 1:
            return (f"{act} bends the line into a curve " + ("" if tight else f"in the {m} units ")
                    + "(seen through u₁, u₂)")
        return EXPLAIN[step.kind].format(act=act)

    def unseen(self, view, index: int) -> bool:
        """Whether stage ``index`` moves nothing a viewer can see: no point or grid vertex moves
        UNSEEN scene units or more on screen (the values under the code's line may change: a
        shift the view follows is seen only there, no picture of a + b)."""
        P0, P1 = (np.concatenate([view.to_scene(tr.at(index, t), index, t)
                                  for tr in (view.points_trace, view.grid_trace)])
                  for t in (0.0, 1.0))
        return float(np.abs(P1 - P0)[:, :2].max(initial=0.0)) < UNSEEN

    def along_line(self, index: int) -> bool:
        """Whether the points lie on the code's line all through stage ``index`` (its values
        under it): a + b there slides the line along itself, the view following, and what a
        viewer sees of it is the values changing (the review: "only the ticks move")."""
        scale = getattr(self, "code_scale", None)
        return scale is not None and min(scale.presence(index, 0.0), scale.presence(index, 1.0)) >= 1.0

    def slides_along(self, view, stage) -> bool:
        """Whether ``stage`` (a W·x or a + b) only slides the points along the code's line: they
        lie on it at its start and at its end, the view following them."""
        if stage.kind not in ("linear", "bias") or getattr(self, "code_scale", None) is None:
            return False
        for t in (0.0, 1.0):
            P = view.points_trace.at(stage.index, t)
            if np.abs(P[:, 1:]).max() > LINE_TOLERANCE * max(float(np.ptp(P[:, 0])), 1e-12):
                return False
        return True

    def collapse_rate(self, view, index: int, samples: int = 121):
        """The squash onto a 1-unit code's rate function: its clock follows how much of the
        points' spread across the line is gone on screen (:data:`COLLAPSE_SHARE` of it; the rest
        its own time), eased in and out gently, so they land on the line over the whole stage (the
        zoom that follows them hid the first third of it, and they landed in the middle third)."""
        from manim import smooth

        ts = np.linspace(0.0, 1.0, samples)
        across = np.array([np.linalg.svd(P - P.mean(axis=0), compute_uv=False)[1]
                           for P in (view.to_scene(view.points_trace.at(index, t), index, t)[:, :2]
                                     for t in ts)])
        gone = np.maximum.accumulate(np.clip(1.0 - across / max(across[0], 1e-12), 0.0, 1.0))
        gone = gone / max(float(gone[-1]), 1e-12)
        at = COLLAPSE_SHARE * gone + (1.0 - COLLAPSE_SHARE) * ts

        def rate(alpha: float) -> float:  # eased in and out half as much as smooth
            return float(np.interp(0.5 * (alpha + smooth(alpha)), at, ts))

        return rate

    def brief_seconds(self, view, index: int, samples: int = 241) -> float:
        """How long a brief stage (one that slides the points along the code's line) plays:
        :data:`BRIEF`, or longer if at that pace (eased by ``smooth``) a frame at
        :data:`FRAME_RATE` would change the view's scale by more than :data:`SCALE_STEP` (in log)
        or move a point on screen by more than :data:`MOVE_STEP`."""
        from manim import smooth

        ts = np.array([smooth(a) for a in np.linspace(0.0, 1.0, samples)])
        logs = np.log([float(view.screen_map(index, t)[1]) for t in ts])
        at = np.array([view.to_scene(view.points_trace.at(index, t), index, t)[:, :2] for t in ts])
        # the largest change over one sample of the play's own clock, per unit of that clock
        scale = float(np.abs(np.diff(logs)).max(initial=0.0)) * (samples - 1)
        move = float(np.abs(np.diff(at, axis=0)).max(initial=0.0)) * (samples - 1)
        # a frame is 1 / (seconds · FRAME_RATE) of the clock
        return max(BRIEF, scale / (SCALE_STEP * FRAME_RATE), move / (MOVE_STEP * FRAME_RATE))

    def shift(self, view, index: int) -> float:
        """How far (scene units) stage ``index`` would move the points on screen if the view held
        still: their largest move in the flow's display, at the stage's starting zoom."""
        P0, P1 = (view.points_trace.at(index, t) for t in (0.0, 1.0))
        return float(np.abs(P1 - P0).max(initial=0.0)) * float(view.screen_map(index, 0.0)[1])

    def pass_still(self, view, index: int) -> None:
        """Stage ``index``, no beat of its own: jumped over if nothing moves on screen in it;
        played for :data:`SETTLE` seconds if only the camera settles onto the points over it
        (:attr:`settles`), at its pace if the view follows its motion (a + b too small to see
        after the last beat: its framing moves)."""
        from nnanim.draw.mobjects import StagePlay

        settles = index in getattr(self, "settles", ())
        if not settles and still_stage(view, index):
            view.set_stage(index, 1.0)
            return
        view.set_stage(index, 0.0)
        self.play(StagePlay(view, index),
                  run_time=SETTLE if settles else PACE.get(view.flow.stages[index].kind, SETTLE))

    def step_seconds(self, stage, net) -> float:
        """How long a stage plays: a squash onto the code or the output slowly, the decoder's bend
        too, a still stage over which the camera settles as long as that takes."""
        if stage.kind == "squash" and stage.layer == net.code_layer:
            return SQUASH
        if stage.kind == "squash" and stage.layer == len(net.weights) - 1:
            return OUTPUT_SQUASH
        if stage.kind == "activation" and stage.layer == net.code_layer + 1:
            return DECODER_BEND
        if stage.index in getattr(self, "settles", ()):
            return SETTLE
        return PACE[stage.kind]

    def line_scale(self, view):
        """While the points lie on the code's line (from the squash into the code until a stage
        of the decoder takes them off it): ticks with the values along it under it (the code's,
        then those of its image in the decoder), the points' density above it, and the line
        lowered in the picture to make room for that."""
        from nnanim.draw.numberline import Headroom, LineScale, Presence, Span, SpanFraming

        flow, code = view.flow, view.flow.network.code_layer
        onto = next((s for s in flow.stages if s.layer == code and s.kind == "squash"),
                    next(s for s in flow.stages if s.layer == code))

        def on_line(stage):  # the points still on the display's first axis at the stage's end
            P = view.points_trace.at(stage.index, 1.0)
            return np.abs(P[:, 1:]).max() <= LINE_TOLERANCE * max(float(np.ptp(P[:, 0])), 1e-12)

        # the decoder's first stages map the code's line affinely, so the points stay on it (a
        # thin line across an empty picture, without the scale): the scale leaves with the line
        off = next((s for s in flow.stages if s.index > onto.index and s.layer > code
                    and not on_line(s)), flow.stages[-1])
        presence = Presence(onto.index + 1.0, onto.index + 1.0 + LINE_FADE[0],
                            off.index, off.index + LINE_FADE[1])
        # the code's own range (a bounded activation's: tanh's (−1, 1)) drawn as the axis, from its
        # activation (the points squeezed into it) until the decoder's first map leaves the code
        span = None
        limits = code_range(flow.network.activations[code])
        act = next((s for s in flow.stages if s.layer == code and s.kind == "activation"), None)
        if limits is not None and act is not None:
            leave = next((s for s in flow.stages if s.index > act.index and s.kind != "lift"),
                         flow.stages[-1])
            span = Span(*limits, Presence(act.index, act.index + SPAN_FADE[0],
                                          leave.index, leave.index + SPAN_FADE[1]))
            view.frame_trace = SpanFraming(view.frame_trace, span)
        view.frame_trace = Headroom(view, presence, low=LINE_LOW)
        # the line carries the code's values itself: no plane's axis names, no second scale
        # (they leave in the squash's last quarter, before its end would name the line h1, h2)
        hidden = Presence(onto.index + 0.75, onto.index + 1.0, off.index, off.index + LINE_FADE[1])
        view.axes_shown = lambda s, t: 1.0 - hidden(s, t)
        # the density's tallest column: at most DENSITY_SHARE of the room above the line, and at
        # most DENSITY_ASPECT of the picture's width (a tall frame's density filled a third of
        # the video, its hills stretched up)
        room = (1.0 - view.frame_trace.low) * view.view_height
        share = min(DENSITY_SHARE, DENSITY_ASPECT * view.view_width / max(room, 1e-9))
        scale = LineScale(view, presence, span=span, share=share)
        view.add_follower(scale)
        self.density_name = density_name(scale, self.theme)
        view.add_follower(self.density_name)
        view.set_stage(view.stage, view.t)
        return scale

    def roll_story(self, run, record):
        """3-D data: the roll, its code plane and the reconstruction, side by side."""
        from manim import smooth

        from nnanim.core.flow import build_flow
        from nnanim.core.nn import neighbour_r_squared
        from nnanim.draw.mobjects import OpacityFade, ViewTurn

        flow = build_flow(run.network(record), reference=run.X)
        net = flow.network
        code = net.encode(run.X)
        k = code.shape[1]
        t = run.y
        shape = SHAPES.get(run.dataset_spec, "surface")
        kept = neighbour_r_squared(code, t, NEIGHBOURS)
        mse = net.reconstruction_error(run.X)
        texts = {
            INPUT: ("input · 3-D", f"colour: t, the position along the {shape}"),
            CODE: (f"code · {k} unit{'s' * (k > 1)}",
                   f"t from its {NEIGHBOURS} nearest codes: R² {number(kept)}"),
            RECON: ("reconstruction · 3-D", f"error (MSE) {mse:.4f}"),
        }
        verdict = (f"the {shape} flattened, not folded" if kept >= KEEPS_T
                   else f"the {shape} folded: far parts share codes")
        lines = [f"{run.dataset_spec} · {len(run.X)} points in 3-D",
                 f"the {k}-unit code: {verdict}",
                 f"decoded back into 3-D · MSE {mse:.4f}"]
        self.statements = {"code": texts[CODE][1], "recon": texts[RECON][1], "verdict": verdict}

        # the info line goes under the tallest title of the video, so no title ever covers it
        tallest = max((self.top_line(text) for text in lines), key=lambda m: m.height)
        info = self.info_line(run, record, below=tallest)
        space = self.layout.safe.y1 - info.get_bottom()[1]
        # a square frame puts the three panels in a row: narrow labels, so room for more lines
        lines_under = 4 if self.layout.shape == "square" else 2
        self.panels = self.layout.grid(3, label_lines=lines_under, top=space, gap=0.5)
        colours = self.theme.target_rgb(t, float(t.min()), float(t.max()))
        code_stage = next(s.index for s in flow.stages
                          if s.kind == "activation" and s.layer == net.code_layer)
        views = self.views = [
            self.still_view(flow, run, colours, side, stage)
            for side, stage in ((INPUT, 0), (CODE, code_stage), (RECON, len(flow.stages) - 1))]
        labels = [self.panel_label(*texts[side], side) for side in range(3)]
        frames = [self.panel_frame(side) for side in range(3)]
        shown = []  # the panels on screen; the 3-D ones swing together
        swing = [SWING]

        def hold(seconds, *more, turn=True):
            """A play of ``seconds``: the 3-D panels swing to the other side (eased, so the
            motion is continuous from one play to the next), plus ``more``."""
            turns = []
            if turn:
                swing[0] = -swing[0]
                turns = [ViewTurn(v, azim=swing[0], rate_func=smooth) for v in shown if v.elev]
            self.play(*turns, *more, run_time=seconds)

        title = self.top_line(lines[INPUT])
        self.open(frames[INPUT], views[INPUT], title, info, labels[INPUT], title=title.text,
                  seconds=1.2)
        shown.append(views[INPUT])
        hold(SWING_SECONDS)
        for side in (CODE, RECON):
            new = self.top_line(lines[side])
            self.mark("stage", new.text, texts[side][1])  # a chapter each: the words on screen
            parts = [frames[side], views[side], labels[side]]
            self.add(*parts, new)
            hold(1.0, *(OpacityFade(m) for m in parts), *self.swap_text(title, new), turn=False)
            title = new
            shown.append(views[side])
            hold(SWING_SECONDS)
        hold(SWING_SECONDS)
        hold(SWING_SECONDS)

    def still_view(self, flow, run, colours, side, stage):
        """The picture at the end of ``stage`` in panel ``side`` (3-D stages tilted)."""
        from nnanim.draw.mobjects import FlowView

        centre, size = self.region(side)
        view = FlowView(flow, run.X, run.y, self.theme, region=(centre, 0.92 * size),
                        colors=colours, point_radius=0.75 * self.theme.point_radius)
        view.set_stage(stage, 1.0 if stage else 0.0)
        if flow.stages[stage].dim == 3:
            view.set_view_angles(ROLL_TILT, -SWING)
        return view


SCENE = AutoencoderScene
