"""Regression: the fit ŷ(x) built unit by unit over its target, then the hidden space where the target is a tilted plane.

Storyboard (a 1-D input, default ``sine`` with one hidden layer of 3 tanh
units): the poster is the target points ``(x, y)``, coloured by ``y``, with the
finished fit under them and a title that says the lesson (ŷ(x) is a sum of the
units' steps); the fit then collapses to the output bias ``b`` (a flat line)
and is built again; the plot has tick marks on both axes, the y ticks covering
every partial sum (those beyond the poster's box appear as the box grows).  Each unit
of the last hidden layer then gets its own small strip under the plot (named
beside it; the unit's own colour for its name, its curve and its part carried into the fit,
no two units alike), over the same x range, where its
contribution ``w_i·h_i(x)`` is drawn at the strip's own scale, its y ticks beside
it (so it always stays inside it and its values can be read; with one hidden
layer a ReLU unit is one joint, a tanh or
sigmoid unit one step centred at ``x = −b_i/a_i``); the strip's curve then
moves up into the plot (drawn only inside a window that travels from the
strip's box to the plot's) and is added to the fit, until the sum is the
network's ``ŷ(x)``, R² recomputed.  Meanwhile the text column writes the sum
itself, ``ŷ(x) = b`` and one ``+ w_i·h_i(x)`` per unit in its colour as its
part lands; in the hidden space, the same sum read as ``ŷ = b + w·h(x)``,
linear in ``h``.  The units are added in the order whose
running sums stray least from the fit, and the plot's box holds every running
sum, so no partial fit runs off the chart (the caption says why this order).  The plot
and its strips leave before the hidden layer comes (out, then in): every ``x`` is a point
``h(x)``, coming one by one in the order of ``x`` while that is read; the points
rise to their targets and lie about the tilted plane
``ŷ = w·h + b`` (residuals as sticks, drawn longer by a stated round factor when
they would be too short to see): in the hidden space the target is a linear
height field.  A 3-unit layer is seen along the output weights ``w`` (so the
plane stays a plane) and its widest other direction.  The 3-D view looks at the
plane obliquely — 28° above the floor, 40° round from its steepest direction —
so it reads as a tilted face, never a line, through the whole orbit; the height
axis stands at the box's leftmost corner and the axes' names sit beside their
arrows, clear of the points, the box and each other.

Defaults, and why they changed: with 2 tanh units (the old default) every seed
tried fits the sine as the difference of two large, nearly cancelling ramps
(each contribution ±3.3 for a target of ±1), so no unit ever looks like a step
and the fit is far off until the last one lands.  Three tanh units with a
little L2 (``1e-3``) fit it as three visible steps (a rising one at 0 and two
falling ones near ±0.95) for every seed from 0 to 4, with R² 0.994; the seed
is the project's default 0, not picked.

Needs a 1-D input (``sine``, a csv ``x,target``) and a last hidden layer of 2
or 3 units.  Render with ``nnanim render regression``.
"""

import numpy as np

from nnanim.contract import SceneContract, require_last_hidden
from nnanim.core.notation import NBSP, number, signed, symbol, word
from nnanim.errors import NnanimError

#: seconds of each beat
BEATS = {"intro": 2.0, "bias": 1.2, "room": 0.8, "strip": 0.5, "show": 1.2, "add": 1.6, "fit": 2.0,
         "leave": 0.8, "hidden": 1.0, "rise": 2.5, "plane": 1.5, "orbit": 4.0, "end": 1.5}
#: words a viewer reads per second: the hidden space's shot lasts as long as its caption takes
READ_RATE = 3.0
#: the longest still at the end of a shot whose caption is still being read (the rest: motion)
HOLD = 1.0
#: seconds of a caption swap inside the play that shows what the caption names
SWAP = 0.3
#: the 3-D view's tilt from the top view (90° − the elevation above the floor: 28°), and how far
#: round from the plane's steepest direction the view looks (between its normal and its level
#: lines: the plane is seen obliquely, as a tilted face, never edge-on)
TILT, OFF = np.radians(62), np.radians(40)
#: the orbit swings this far each way and comes back
SWING = np.radians(20)
#: the share of its region the 3-D box takes (the rest: room for the axes' names)
ROOM = 0.8
#: the error sticks' width, in grid widths
STICK = 1.8
#: the sticks' dark halo (the points' rim colour): its width, in sticks' widths
HALO_WIDTH = 2.2
#: the least length of a stick of the RMS error, as a share of the height axis (else drawn longer)
STICK_SHARE = 0.06
STEPS = {"relu": "joint", "leaky_relu": "joint", "tanh": "step", "sigmoid": "step"}
#: the share of the picture's height the strips of the unit contributions take
STRIPS = 0.45
#: the sum ŷ(x) = b + w·h(x) in the text column: its terms indented this much under its head, its
#: foot this far over the colour bar (scene units)
SUM_INDENT, SUM_GAP = 0.3, 0.45
#: each unit's own colour, one of the theme's class colours (kept apart from each other, the
#: background and the white fit for colour-blind eyes too; not the second, the error sticks'
#: orange): its curve in its strip, its name beside the strip, its part carried into the fit
UNIT_COLOURS = (0, 2, 5)


class RegressionScene(SceneContract):
    defaults = {"dataset": "sine", "hidden": [3], "activation": "tanh", "l2": 1e-3, "epochs": 2000}
    tasks = ("regression",)
    has_legend = True

    @classmethod
    def check(cls, job):
        d = job.input_dim
        if d != 1:
            raise NnanimError(f"regression draws ŷ(x) over a 1-D input x; {job.dataset_name} has "
                              f"{d}-D inputs. Choose -d sine or a csv with columns x,target "
                              "(or show it with: nnanim render layers)")
        require_last_hidden(job, "regression", (3, 2), "shows the last hidden layer as the plane "
                            "under the target's height field")

    def construct(self):
        from manim import Create, linear

        from nnanim.core.flow import unit_contributions, unit_joints, unit_order
        from nnanim.core.projection import keyframe_basis
        from nnanim.draw.mobjects import OpacityFade, Polylines
        from nnanim.draw.plots import CurvePlot, HeightField, Progress
        from nnanim.draw.scene import _window
        from nnanim.layout import Box

        run, record = self.load_run()
        net = run.network(record)
        theme, layout = self.theme, self.layout
        x, y = run.X[:, 0], run.y
        lo, hi = float(y.min()), float(y.max())
        colors = theme.target_rgb(y, lo, hi)
        r2 = net.r_squared(run.X, y)
        self.r_squared = r2
        xs = np.linspace(x.min(), x.max(), 400)
        C, b = unit_contributions(net, xs[:, None])
        k = C.shape[1]
        # the units are added in the order whose running sums stray least from the fit (the sum
        # is the same in any order), so every partial sum stays on the chart
        order = unit_order(C, b)
        partial = b + np.concatenate([np.zeros((len(xs), 1)), np.cumsum(C[:, order], axis=1)], axis=1)
        self.partial = partial
        box = self.plot_box(x, y, partial)

        # the picture: the plot on top, one strip per unit below it, all over the same x range;
        # until the first strip comes, the plot has the whole picture
        _, side = layout.picture_square
        margin = 0.03 * side if layout.shape == "landscape" else 0.0
        picture = layout.picture.inset(margin)
        size = layout.small_size

        def tick(t):
            return self.label(t, size=size, color=theme.muted)

        colours = {i: theme.classes[UNIT_COLOURS[i] % len(theme.classes)] for i in order}
        names = {i: self.label(f"{symbol('w', i + 1)}·{symbol('h', i + 1)}(x)", size=size,
                               color=colours[i]) for i in order}
        ticks, bottom = CurvePlot.tick_room(tick)
        # the left column: the plot's y tick labels; beside each strip its y tick labels (its own
        # scale) and, left of them, its name
        left = ticks + max(n.width for n in names.values()) + 0.12
        area = Box(picture.x0 + left, picture.y0, picture.x1, picture.y1)
        top, rest = area.split_top(area.height * (1 - STRIPS), gap=0.25)
        top = Box(top.x0, top.y0 + bottom, top.x1, top.y1)  # the x tick labels under the plot
        # (until the strips come, the plot needs only its own tick labels' room on the left)
        whole = Box(picture.x0 + ticks, area.y0 + bottom, area.x1, area.y1)
        # the poster shows the target and the finished fit, as large as they go; the box grows to
        # hold every partial sum while the plot makes room for the strips, and its y ticks cover
        # every curve drawn in it (those outside the poster's box fade in as the box grows)
        first = self.plot_box(x, y, partial[:, -1:])
        for _ in range(4):
            plot = CurvePlot(box, (top.centre, top.height, top.width), theme, clip_box=top.clip)
            plot.add_ticks(tick)  # as many as clear each other in the smaller plot
            wider = self.cover_ticks(box, plot.y_ticks(), partial, y)
            if wider == box:
                break
            box = wider
        plot.cloud = plot.scatter(x, y, colors)
        plot.set_region((whole.centre, whole.height, whole.width), whole.clip, box=first)
        self.box = box
        self.plot, self.strips = plot, [None] * k
        tall = (rest.height - 0.12 * (k - 1)) / k
        for i in order:  # the strips top to bottom in the order their units are added
            frame, rest = rest.split_top(tall, gap=0.12)
            strip = CurvePlot(self.strip_box(box, C[:, i]), (frame.centre, frame.height, frame.width),
                              theme, clip_box=frame.clip)
            strip.add_ticks(tick, x=False, most=3)  # its own scale: round values of w_i·h_i(x)
            self.strips[i] = strip
            strip.name = names[i]
        # the names' right edges in one column, left of the widest strip's tick labels
        widest = max(label.width for s in self.strips for label, _, _ in s.tick_labels)
        right = area.x0 - CurvePlot.TICK - CurvePlot.PAD - widest - 0.12
        for strip in self.strips:
            strip.name.move_to([right - strip.name.width / 2, strip.origin[1], 0])
        legend = self.legend = self.target_legend(lo, hi)
        still = (self.header(run, record), legend)
        # the sum itself in the text column over the colour bar (it stood empty between the words
        # and the bar while the fit was built, review 6), its terms in the units' colours, in the
        # order they are added: all of it on the poster, b alone from the start, each term
        # written as its part lands in the fit; it leaves with the plot
        self.sum_terms = []
        if layout.column is not None:
            from manim import DOWN, LEFT, VGroup

            self.sum_terms = [self.label(f"+ {symbol('w', i + 1)}·{symbol('h', i + 1)}(x)",
                                         size=layout.body_size, color=colours[i]) for i in order]
            head = self.label("ŷ(x) = b", size=layout.body_size)
            self.sum_block = VGroup(head, *self.sum_terms).arrange(DOWN, aligned_edge=LEFT, buff=0.14)
            for term in self.sum_terms:
                term.shift(SUM_INDENT * np.array([1.0, 0.0, 0.0]))
            self.sum_block.next_to([layout.column.x0, legend.get_top()[1] + SUM_GAP, 0.0],
                                   np.array([1.0, 1.0, 0.0]), buff=0)
            still = (*still, self.sum_block)
        act = net.activations[-1].name
        joints = unit_joints(net)
        # the poster: the lesson in its title, the finished fit over the data
        # in the poster the data lies over the finished fit (the points stay readable in a small
        # thumbnail); the fit comes to the front once it starts to change
        fit = plot.curve(xs, partial[:, -1], theme.boundary, theme.boundary_width * 0.8)
        plot.remove(fit)
        plot.submobjects.insert(plot.submobjects.index(plot.cloud), fit)
        pieces = f"{STEPS.get(act, 'bend')}s" if joints is not None else "units"
        title = f"ŷ(x): a sum of {k} {pieces}"
        detail = f"the fit (white) over the target y, built one {word(act)} unit at a time"
        caption = self.caption(title, detail)
        self.open(plot, still=(*still, caption), title=title, detail=detail, seconds=BEATS["intro"])

        # the fit, unit by unit: each contribution in its strip, then added to the fit
        plot.remove(fit)
        plot.add(fit)
        caption = self.stage(caption, "start: ŷ = b",
                             f"a flat line at b = {number(b)}; units added in the order that strays least",
                             Progress(plot, lambda a: plot.set_curve(fit, (1 - a) * partial[:, -1]
                                                                     + a * partial[:, 0])),
                             *(OpacityFade(m, fade_in=False) for m in self.sum_terms),
                             run_time=BEATS["bias"])
        w = net.weights[-1][0]
        start_region = np.array([*whole.centre[:2], whole.height, whole.width, *first])
        end_region = np.array([*top.centre[:2], top.height, top.width, *box])

        def make_room(a):  # the plot moves up and shrinks to leave the strips their room
            r = (1 - a) * start_region + a * end_region
            plot.set_region(((r[0], r[1], 0.0), r[2], r[3]), box=r[4:])

        for j, i in enumerate(order):
            strip = self.strips[i]
            if joints is not None:
                shape = STEPS.get(act, "bend")
                if shape == "step":
                    shape = f"{'rising' if C[-1, i] > C[0, i] else 'falling'} step"
                what = f"one {shape} at x = {number(joints[i])}"
            else:
                what = "a feature the layers before built"
            w_i, h_i = symbol("w", i + 1), symbol("h", i + 1)
            part = strip.curve(xs, C[:, i], colours[i], theme.boundary_width * 0.7)
            strip.remove(part)  # drawn by its own play, never shown whole before it
            if j == 0:  # the plot makes room for the strips before the first comes
                self.play(Progress(plot, make_room), run_time=BEATS["room"])
            # the strip's frame, scale and name come first, with the caption that names the unit
            # (quickly: never a ghost for long), then its curve
            self.add(strip, strip.name)
            scale = [strip.tick_marks, *(label for label, _, _ in strip.tick_labels)]
            caption = self.stage(caption, f"unit {i + 1}: {w_i}·{h_i}(x)",
                                 f"a {word(act)} unit adds {what}, times {w_i} = {number(w[i])}",
                                 *(OpacityFade(m) for m in (strip.frame, *scale, strip.name)),
                                 run_time=BEATS["strip"])
            strip.add(part)
            self.play(Create(part), run_time=BEATS["show"])
            flying = plot.curve(xs, partial[:, j + 1], colours[i], theme.boundary_width * 0.7)
            start = strip.to_scene(np.column_stack([xs, C[:, i]]))
            end = plot.to_scene(np.column_stack([xs, partial[:, j + 1]]))
            # it travels from the strip up into the plot, in a window that goes from the strip's
            # box to the plot's: never drawn outside the chart it is in
            clip0, clip1 = np.array(strip.clip_box), np.array(plot.clip_box)
            # the fit moves to the new sum as the part arrives, drawn over it: when the part lands
            # it lies under the fit, and leaves without a jump
            plot.remove(flying)
            plot.submobjects.insert(plot.submobjects.index(fit), flying)
            was, now = partial[:, j].copy(), partial[:, j + 1].copy()

            def travel(a, f=flying, s=start, e=end, c0=clip0, c1=clip1, was=was, now=now):
                f.clip_box = tuple((1 - a) * c0 + a * c1)
                f.set_vertices((1 - a) * s + a * e)
                plot.set_curve(fit, (1 - a) * was + a * now)

            travel(0.0)
            written = [OpacityFade(self.sum_terms[j])] if self.sum_terms else []
            if written:
                self.add(self.sum_terms[j])
            self.play(Progress(plot, travel), *written, run_time=BEATS["add"])
            plot.set_curve(fit, partial[:, j + 1])
            plot.remove(flying)
            strip.part = part
        caption = self.swap_caption(caption, "ŷ(x) beside the target",
                                    f"b plus the {k} strips: R² = {number(r2, 3)} on the {len(y)} points",
                                    kind="stage")
        self.wait(BEATS["fit"])

        # the hidden space: a linear height field
        H = net.forward(run.X).hidden[-1]
        if H.shape[1] == 2:
            axes, B = ("h₁", "h₂"), np.eye(2)
        else:  # one axis along w (the plane stays a plane), the other the widest direction across it
            axes, B = ("h along w", "h across w"), keyframe_basis(H, 2, np.eye(2, H.shape[1]), w[None])
        wB = B @ w
        self.field = field = HeightField(H @ B.T, y, wB, b, theme, layout.picture_square, colors,
                                         clip_box=layout.picture_clip)
        field.radius *= ROOM  # room around the box for the axes' names
        field.update_view()
        self.field_basis = B
        azim = self.view_azimuth(field, wB)
        self.view = (TILT, azim)
        # the errors y − ŷ as sticks from the plane, drawn longer by a round factor when they are
        # too short to see beside a point (the caption says how much); the points stay at y
        y_hat = net.predict(run.X).ravel()
        rms = float(np.sqrt(np.mean((y - y_hat) ** 2)))
        self.rms = rms
        self.stick_scale = grow = self.stick_factor(rms, 2 * field.half[2])
        foot = np.column_stack([H @ B.T, y_hat])
        tip = np.column_stack([H @ B.T, y_hat + grow * (y - y_hat)])
        field._sticks = np.stack([tip, foot], axis=1).reshape(-1, 3)
        # each stick over a dark halo: the orange alone was lost on the yellow points (the
        # targets' light end); the halo parts it from them, the orange from the dark points
        self.stick_halo = halo = Polylines(list(field._sticks.reshape(-1, 2, 3)), smooth=False,
                                           stroke_color=theme.point_rim,
                                           stroke_width=theme.grid_width * STICK * HALO_WIDTH)
        halo.clip_box = field.sticks.clip_box
        field.submobjects.insert(field.submobjects.index(field.sticks), halo)
        for part in (field.plane, halo, field.sticks):
            part.set_stroke(opacity=0.0)
        names = [self.label(t, size=size, color=theme.muted) for t in (*axes, "target y")]
        for t in names:  # each names an axis of the 3-D picture, from inside it
            t.annotates = layout.picture_clip
        field.names = names
        starts, ends = self.axis_ends(field, TILT, azim)
        arrows = Polylines([np.array([a, e]) for a, e in zip(starts, ends, strict=True)], smooth=False,
                           stroke_color=theme.muted, stroke_width=theme.grid_width * 2.0)

        def place(_=None):
            halo.set_vertices(field.to_scene(field._sticks))  # under the sticks, wherever the view turns
            scene_ends = field.to_scene(ends)
            arrows.set_vertices(field.to_scene(np.column_stack([starts, ends]).reshape(-1, 3)))
            # clear of every point (drawn yet or not) and of every arrow (the height's grows
            # across the floor's names as the view tilts)
            lines = [a + np.linspace(0.0, 1.0, 60)[:, None] * (e - a)
                     for a, e in zip(field.to_scene(starts)[:, :2], scene_ends[:, :2], strict=True)]
            points = np.concatenate([field.scene_points()[:, :2], *lines])
            centre = field.to_scene(field.mid[None])[0]
            for i, (t, e, d) in enumerate(zip(names, scene_ends, scene_ends - field.to_scene(starts),
                                              strict=True)):
                self.place_name(t, e, d, layout.picture_clip, points, centre if i < 2 else None)

        place()
        self.place_names, self.axis_arrows = place, arrows
        # out, then in: the plot and its strips leave before the hidden space comes
        leaving = [plot, *self.strips, *(s.name for s in self.strips),
                   *(self.sum_block.submobjects if self.sum_terms else [])]  # (each: added one by one)
        # the same sum, as the hidden space reads it, takes its place in the column: linear in h
        # (the column stood empty through the hidden space too)
        arriving = []
        self.plane_sum = None
        if self.sum_terms:
            from manim import DOWN, LEFT, VGroup

            self.plane_sum = VGroup(self.label("ŷ = b + w·h(x)", size=layout.body_size),
                                    self.label("the same sum: linear in h", color=theme.muted,
                                               width=layout.column.width)
                                    ).arrange(DOWN, aligned_edge=LEFT, buff=0.14)
            self.plane_sum.next_to(self.sum_block.get_corner(np.array([-1.0, 1.0, 0.0])),
                                   np.array([1.0, -1.0, 0.0]), buff=0)
            self.add(self.plane_sum)
            arriving = [OpacityFade(self.plane_sum, rate_func=lambda a: max(0.0, 2.0 * a - 1.0))]
        self.play(*(OpacityFade(m, fade_in=False) for m in leaving), *arriving,
                  run_time=BEATS["leave"])
        self.remove(*leaving)
        # each x is one point h(x): the points come one by one in the order of x (the input line
        # swept from left to right), for as long as the caption takes to read but a short still
        # a layer of more than 2 units is drawn on 2 axes: the caption says which (review 5: 3
        # units on 2 axes, unexplained)
        # (with it, no 'coloured by its target': the target's colour bar says that, and a third
        # line ran into the picture in a square frame)
        seen = ("" if H.shape[1] == 2 else  # '(2 of 3' never broken across lines
                f" (2{NBSP}of{NBSP}{H.shape[1]}{NBSP}directions shown)")
        title, detail = "the hidden space", \
            f"each x: a point h(x) of the {H.shape[1]}-unit layer{seen or ', coloured by its target'}"
        need = self.reading_seconds(title, detail)
        sweep = max(BEATS["hidden"], need - HOLD)
        self.sweep = along = np.argsort(x, kind="stable")
        field.reveal(along, 0.0)
        self.add(field)
        soon = _window(0.0, min(1.0, BEATS["hidden"] / sweep))  # the box and names: at once
        caption = self.stage(caption, title, detail,
                             Progress(field, lambda a: field.reveal(along, a), rate_func=linear),
                             *(OpacityFade(m, rate_func=soon) for m in (field.floor, *names[:2], arrows)),
                             run_time=sweep)
        if need > sweep:
            self.wait(need - sweep)
        self.add(names[2])
        caption = self.stage(caption, "height = target", "lift every point to its target y",
                             Progress(field, lambda a: (field.update_view(elev=a * TILT, azim=a * azim,
                                                                          rise=a), place())),
                             OpacityFade(names[2]), run_time=BEATS["rise"])
        if H.shape[1] == 2:
            plane = f"ŷ = {number(wB[0])}·h₁ {signed(wB[1])}·h₂ "
        else:  # the axis's name is one term of the equation: it never breaks across lines
            plane = f"ŷ = {number(wB[0])}·({NBSP.join(axes[0].split())}) "
        plane += signed(b)
        longer = f" (drawn {grow}× longer)" if grow > 1 else ""
        field.plane.set_stroke(opacity=0.55)
        field.sticks.set_stroke(color=theme.classes[1], width=theme.grid_width * STICK, opacity=1.0)
        halo.set_stroke(opacity=1.0)
        words = (f"{plane}; orange sticks: the errors y − ŷ{longer}, RMS {number(rms, 3)}, "
                 f"R² = {number(r2, 3)}")
        # the sum in the column leaves where these words would reach it (a 4:3 column): they
        # write the plane's own equation
        gone = []
        if self.plane_sum is not None and (self.caption("a tilted plane", words).get_bottom()[1]
                                           < self.plane_sum.get_top()[1] + 0.2):
            gone = [OpacityFade(self.plane_sum, fade_in=False, rate_func=_window(0.0, 0.2))]
        caption = self.stage(caption, "a tilted plane", words,
                             OpacityFade(field.plane), OpacityFade(halo), OpacityFade(field.sticks),
                             *gone, run_time=BEATS["plane"])
        self.play(Progress(field, lambda a: (field.update_view(azim=azim + SWING * np.sin(2 * np.pi * a)),
                                             place())), run_time=BEATS["orbit"])
        self.wait(BEATS["end"])

    @staticmethod
    def reading_seconds(title: str, detail: str = "") -> float:
        """Seconds to read a caption at ``READ_RATE`` words a second (a word: a run between
        spaces with a letter or digit in it; a lone ``=`` or ``·`` is not read)."""
        words = f"{title} {detail}".replace(NBSP, " ").split()
        return sum(1 for w in words if any(c.isalnum() for c in w)) / READ_RATE

    def stage(self, caption, title, detail, *anims, run_time):
        """A new caption that comes with the play showing what it names: its beat starts at this
        play, the old caption leaves and the new one comes in over the play's first ``SWAP`` s
        (never a caption swapped over a still picture, then the picture catching up)."""
        new = self.caption(title, detail)
        self.fix(new)
        self.mark("stage", title, detail)
        self.play(*anims, *self.swap_text(caption, new, SWAP, run_time), run_time=run_time)
        return new

    @staticmethod
    def view_azimuth(field, wB):
        """The orbit's middle azimuth: ``OFF`` round from the azimuth that looks straight down the
        plane's slope (the one of the two nearer the top view's), so the plane is seen as a face.

        In the box's scaled coordinates (each axis to [−1, 1]) the plane ``z = wB·h + b`` has the
        normal ``(−wB₀·s₀/s_z, −wB₁·s₁/s_z, 1)``; the view of ``turn_view`` looks along
        ``(−sin e sin a, −sin e cos a, cos e)``, nearest the normal at ``a = atan2(−n₀, −n₁)``.
        """
        n = np.array([-wB[0] * field.half[0], -wB[1] * field.half[1]]) / field.half[2]
        if np.hypot(*n) < 1e-9:  # a flat plane: any azimuth shows it
            return -OFF
        steepest = np.arctan2(-n[0], -n[1])
        wrap = [(a + np.pi) % (2 * np.pi) - np.pi for a in (steepest - OFF, steepest + OFF)]
        # of the two, the nearer the top view's: the floor's axes then run from the front corner,
        # the along-w axis to the right, clear of the plane above it
        return float(min(wrap, key=abs))

    @staticmethod
    def stick_factor(rms, height):
        """The round factor (1, 2, 3, 5, 10 or 20) that makes a stick of the RMS error at least
        ``STICK_SHARE`` of the picture's ``height`` of targets (the smallest that does)."""
        return next((k for k in (1, 2, 3, 5, 10) if k * rms >= STICK_SHARE * height), 20)

    @staticmethod
    def place_name(t, end, d, clip, points=None, centre=None):
        """Put an axis's name by its arrow's ``end`` (``d``: the arrow on screen), inside the picture
        and clear of the points (moved further out while it covers one).

        Past the end along the arrow; or, given the box's ``centre`` on screen (a floor axis),
        beside the arrow's last stretch on the side away from the box, ending where the arrow
        ends (a name past the end of a long floor axis would not fit beside the box) — past the
        end after all when the picture's edge would push it back over its arrow.
        """
        u = d[:2] / max(float(np.linalg.norm(d[:2])), 1e-9)
        along = abs(u[0]) * t.width / 2 + abs(u[1]) * t.height / 2  # its half extent along u
        if centre is None:
            base, out = end[:2] + u * (along + 0.1), u
        else:
            p = np.array([-u[1], u[0]])
            p = p if p @ (end[:2] - centre[:2]) >= 0 else -p
            across = abs(p[0]) * t.width / 2 + abs(p[1]) * t.height / 2
            base, out = end[:2] - u * along + p * (across + 0.1), p
        from nnanim.draw.mobjects import count_in

        x0, y0, x1, y1 = clip
        for step in range(12):
            c = base + out * 0.12 * step
            c = np.array([min(max(c[0], x0 + t.width / 2), x1 - t.width / 2),
                          min(max(c[1], y0 + t.height / 2), y1 - t.height / 2)])
            w, h = t.width / 2, t.height / 2
            if points is None or not count_in(points, (c[0] - w, c[1] - h, c[0] + w, c[1] + h), 0.05):
                break
        if centre is not None:  # pushed back onto its own arrow by the picture's edge: past its end
            arrow = end[:2] - np.linspace(0.0, 1.0, 60)[:, None] * d[:2]
            if count_in(arrow, (c[0] - w, c[1] - h, c[0] + w, c[1] + h), 0.03):
                RegressionScene.place_name(t, end, d, clip, points)
                return
        t.move_to([c[0], c[1], 0])

    @staticmethod
    def strip_box(box, c):
        """A strip's data box: the plot's x range and the contribution's own range, padded."""
        lo, hi = float(np.min(c)), float(np.max(c))
        span = max(hi - lo, 1e-6)
        return (box[0], box[1], lo - 0.12 * span, hi + 0.12 * span)

    @staticmethod
    def axis_ends(field, elev, azim):
        """The three axes' starts and ends (a little past the box), each pointing to larger values:
        the floor's two from its low corner, the height's up the floor corner seen leftmost in
        the view ``(elev, azim)`` (at a side of the box, clear of the points over its middle)."""
        from nnanim.draw.plots import turn_view

        m, h = field.mid, field.half
        corner = m - h
        floor = np.array([[sx, sy, -1.0] for sx in (-1, 1) for sy in (-1, 1)])
        side = floor[int(np.argmin(turn_view(floor, elev, azim)[:, 0]))]
        starts = np.array([corner, corner, m + side * h])
        return starts, starts + np.diag(2.15 * h)

    @staticmethod
    def cover_ticks(box, ticks, partial, y):
        """``box`` grown (in y) until its end ticks enclose every curve drawn in it and the target:
        the next round value past the extreme, a little inside the box's new edge; ``box`` itself
        when they already do (a curve the box clips is only covered up to the box)."""
        x0, x1, y0, y1 = box
        if len(ticks) < 2:
            return box
        step = float(np.min(np.diff(ticks)))
        lo = max(min(float(partial.min()), float(y.min())), y0)
        hi = min(max(float(partial.max()), float(y.max())), y1)
        pad = 0.04 * (y1 - y0)
        if lo < ticks.min() - 1e-9:
            y0 = min(y0, np.floor(lo / step + 1e-9) * step - pad)
        if hi > ticks.max() + 1e-9:
            y1 = max(y1, np.ceil(hi / step - 1e-9) * step + pad)
        return (x0, x1, float(y0), float(y1))

    @staticmethod
    def plot_box(x, y, partial):
        """The data box of the plot: the target and every partial sum (within three quarters of the
        target range beyond it, so the target keeps at least 40 % of the height; further out a partial
        sum is clipped at the box)."""
        span = 0.75 * max(float(np.ptp(y)), 1e-6)
        top = min(max(float(y.max()), float(partial.max())), float(y.max()) + span)
        bottom = max(min(float(y.min()), float(partial.min())), float(y.min()) - span)
        pad_x, pad_y = 0.05 * max(float(np.ptp(x)), 1e-6), 0.08 * (top - bottom)
        return (float(x.min()) - pad_x, float(x.max()) + pad_x, bottom - pad_y, top + pad_y)


SCENE = RegressionScene
