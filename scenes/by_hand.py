"""One point through a small ReLU network, computed by hand: every matrix, product and sum written out.

Storyboard: beside the input plane (above it in a vertical frame), one point
``x`` and, step by step, the numbers that carry it through the network —
``W·x`` built up row by row (the point's values over the matrix's columns),
``+ b``, the ReLU striking every negative ``z`` to 0, the same for the next
layer, the output's sigmoid (softmax for several classes), and finally the
parameter count (weights + biases per layer, the total).  Meanwhile the
picture plays the same stages (W·x, + b, ReLU per layer) with the point
marked, so the numbers and the picture tell one story.

Every number is the run's, written with two decimals and carried from step
to step as a student would (:func:`nnanim.core.worked.worked_pass` with
``decimals=2``): every sum on screen is the sum of the numbers shown beside
it, and the next layer starts from the ``h`` written down (the picture plays
the network in full precision; the two differ by a few hundredths); the point is ``--point X,Y``, else a data point chosen by a rule
(:func:`nnanim.core.worked.default_point`).  (Where a hidden layer's ``W`` is
square with a negative determinant, the picture shows two of its units
swapped — the same function, see :func:`nnanim.core.flow.permute_for_positive_det`;
the numbers are the run's own order.)  Render with ``nnanim render by-hand``.
"""

import numpy as np

from nnanim.contract import SceneContract
from nnanim.core.notation import sub
from nnanim.errors import NnanimError

#: seconds of each part of a step
PACE = {"linear": 1.8, "rotate": 1.3, "bias": 1.2, "activation": 1.8, "lift": 0.6, "squash": 1.3,
        "output": 0.1}
SHOW, ROW, HOLD, LOOK, TURN, INTRO, OUTRO, SWAP, SHADE = 0.5, 0.4, 0.4, 0.5, 1.0, 2.0, 3.0, 0.3, 1.0
#: (text, title) sizes in a square frame, where numbers and picture share 8 × 8 units (a screen,
#: not a phone: 1080 × 1080 still draws the digits 25 px tall)
SQUARE_SIZES = (18, 28)
#: how far the 3-D view leans past facing the plane a 2 → 3 layer maps the input to (radians)
LEAN = np.radians(30)
GAP = 0.3


class ByHandScene(SceneContract):
    defaults = {"dataset": "moons", "hidden": [3, 2], "activation": "relu", "seed": 2,
                "epochs": 1500}
    has_header = False

    @classmethod
    def check(cls, job):
        from nnanim.core.worked import MAX_CLASSES, MAX_HIDDEN_LAYERS, MAX_UNITS, point_limits

        hidden = job.hidden
        where = " (in the run file; train it again)" if job.run is not None else ""
        if len(hidden) > MAX_HIDDEN_LAYERS or max(hidden, default=0) > MAX_UNITS or not hidden:
            raise NnanimError(
                f"by-hand writes every matrix out, so it takes 1 to {MAX_HIDDEN_LAYERS} hidden layers "
                f"of at most {MAX_UNITS} units; got {','.join(map(str, hidden)) or 'none'}{where}. "
                "Change --hidden, e.g. --hidden 3,2")
        X = job.run.X if job.run is not None else job.data.X
        if X.ndim != 2 or X.shape[1] != 2:
            raise NnanimError(f"by-hand shows the input plane, so the data must have 2 inputs; "
                              f"{job.dataset_name} has {X.shape[1] if X.ndim == 2 else 1}")
        classes = job.run.n_classes if job.run is not None else int(np.max(job.data.y)) + 1
        if classes > MAX_CLASSES:
            raise NnanimError(f"by-hand writes one output row per class, at most {MAX_CLASSES}; "
                              f"{job.dataset_name} has {classes}{where}. Choose fewer with --classes")
        point = job.opt("point")
        if point is not None:
            lo, hi = point_limits(X)
            if np.any(np.asarray(point) < lo) or np.any(np.asarray(point) > hi):
                raise NnanimError(
                    f"--point {point[0]:g},{point[1]:g} lies too far from the data to be drawn with "
                    f"it: x from {lo[0]:.2f} to {hi[0]:.2f}, y from {lo[1]:.2f} to {hi[1]:.2f}")

    # ------------------------------------------------------------------ the story, as data

    def construct(self):
        from manim import Create

        from nnanim.core.flow import build_flow
        from nnanim.core.worked import default_point, facing_angles, worked_pass
        from nnanim.draw.mobjects import StagePlay, ViewTurn
        from nnanim.draw.posters import poster_shading
        from nnanim.draw.worksheet import MarkedView

        run, record = self.load_run()
        net = run.network(record)
        given = self.opt("point")
        if given is not None:
            point, label, chosen = np.array(given, dtype=float), None, False
        else:
            (point, label), chosen = default_point(net, run.X, run.y), True
        work = self.work = worked_pass(net, point, decimals=2)
        if label is None:
            label = work.predicted
        self.point, self.point_class, self.chosen = point, label, chosen
        flow = build_flow(net, reference=run.X)
        if self.layout.shape == "square":  # the numbers share a square with the picture: smaller print
            self.layout.small_size, self.layout.title_size = SQUARE_SIZES
        steps = self.steps = self.script(run, work, flow)
        groups = [self.numbers(step) for step in steps]
        self.regions = self.place(run, record, steps, groups)

        box = self.regions["picture"]
        view = self.view = MarkedView(flow, run.X, run.y, self.theme, point, label,
                                      region=(np.array(box.centre), box.height), clip_box=box.clip)
        caption = self.caption(steps[0]["title"], steps[0]["detail"])
        poster_shading(self, view, hold=INTRO)  # the poster: the network's answer on both sides
        self.open(view, *steps[0]["enter"], still=(self.info, caption), title=steps[0]["title"],
                  detail=steps[0]["detail"], seconds=INTRO)
        visible = list(steps[0]["enter"])
        for i, step in enumerate(steps[1:], start=1):
            caption = self.swap_caption(caption, step["title"], step["detail"], run_time=SWAP,
                                        kind=step["kind"])
            # the numbers: a new table replaces the old one; a step of the same table adds to it
            leave = [] if step.get("same") else visible
            self.play(*self.swap_text(leave, list(step["enter"]), wipe=False), run_time=SHOW)
            visible = [m for m in visible if m not in leave] + list(step["enter"])
            for reveal in step["rows"]:
                gone = reveal.get("leave", [])
                self.play(*self.swap_text(list(gone), list(reveal["enter"]), wipe=False), run_time=ROW)
                visible = [m for m in visible if m not in gone] + list(reveal["enter"])
                if reveal.get("strike") is not None:
                    self.play(Create(reveal["strike"]), run_time=ROW)
                    visible.append(reveal["strike"])
                self.wait(HOLD)
            # the picture: the same step
            for stage in (flow.stages[s] for s in step["stages"]):
                if stage.kind == "lift" and stage.dim == 3 and not view.elev:
                    W = flow.network.weights[stage.layer]
                    elev, azim = facing_angles(W, LEAN) if W.shape == (3, 2) else (LEAN, 0.0)
                    self.play(ViewTurn(view, elev=elev, azim=azim), run_time=TURN)
                if stage.kind == "output":
                    view.set_stage(stage.index, 1.0)
                    continue
                after = flow.stages[stage.index + 1]
                flattens = (stage.kind == "squash" and after.dim == 2 or stage.kind == "rotate"
                            and after.kind == "squash" and flow.stages[after.index + 1].dim == 2)
                if flattens and view.elev:
                    # the view turns to the top while the space turns the directions the next
                    # layer reads into the picture's plane (and flattens onto it): turned and
                    # flattened under the leaning view, the sheet was seen edge-on, a sliver at
                    # the picture's edge
                    seconds = max(PACE[stage.kind], TURN)
                    self.play(StagePlay(view, stage.index), ViewTurn(view, elev=0.0, azim=0.0),
                              run_time=seconds)
                    continue
                self.play(StagePlay(view, stage.index, run_time=PACE[stage.kind]))
            if step.get("shade"):
                self.shade_output(view, flow)
            self.wait(LOOK if i < len(steps) - 1 else OUTRO)
        self.visible_numbers = visible

    def shade_output(self, view, flow):
        """The output's probability behind the last hidden space (2-D, where it is exact)."""
        from nnanim.draw.mobjects import OpacityFade
        from nnanim.draw.panels import boundary_overlay

        if flow.stages[-1].dim != 2 or not flow.boundaries_exact or view.elev:
            return
        overlay = boundary_overlay(view, flow.output_boundaries(), flow.output_probabilities,
                                   self.theme, view.n_classes)
        if overlay.shading is not None:
            overlay.shading.clip_box = self.regions["picture"].clip
            self.add(overlay.shading)
            self.bring_to_back(overlay.shading)
            self.play(OpacityFade(overlay.shading), run_time=SHADE)
        self.shading = overlay.shading

    def script(self, run, work, flow):
        """The steps, as data: title, detail, beat kind, the table's texts, the flow stages they go with."""
        from nnanim.core.worked import parameter_counts

        stages = self.stage_groups(flow)
        x = "(" + ", ".join(self.num(v) for v in self.point) + ")"
        rounded = "two decimals, carried step to step as by hand"
        if self.chosen:
            intro = f"x = {x}, a data point of class {self.point_class}; {rounded}"
        else:
            intro = f"x = {x} (--point); {rounded}"
        steps = [{"kind": "intro", "title": "one point, by hand", "detail": intro,
                  "heading": "the input x", "reveal": "all", "stages": [],
                  "table": {"header": [["x₁", "x₂"]], "rows": [[self.num(v) for v in self.point]]}}]
        for layer in work.layers:
            k, out = layer.index + 1, not layer.hidden
            vec = "x" if layer.index == 0 else f"h{sub(layer.index)}"
            names = ([f"x{sub(j + 1)}" for j in range(len(layer.inputs))] if layer.index == 0
                     else [vec] + [""] * (len(layer.inputs) - 1))
            W, b = f"W{sub(k)}", f"b{sub(k)}"
            z = "z" if out else f"z{sub(k)}"
            prod = f"{W}·{vec}"
            where = "output" if out else f"layer {k}"
            # (a) W·x, row by row: the vector's values over the matrix's columns
            steps.append({
                "kind": "stage", "title": f"{where} · {prod}", "reveal": "product",
                "detail": f"each row of {W} times {vec}, term by term, added up",
                "heading": f"{W} ({len(layer.pre)} × {len(layer.inputs)}) times {vec}",
                "table": {"header": [[*names, prod], [*(self.num(v) for v in layer.inputs), ""]],
                          "rows": [[*(self.num(w) for w in row), self.num(p)]
                                   for row, p in zip(layer.W, layer.products, strict=True)],
                          "bracket": (0, len(layer.inputs) - 1), "strong": (1,)},
                "notes": [self.written_out(row, layer.inputs, p)
                          for row, p in zip(layer.W, layer.products, strict=True)],
                "stages": stages[layer.index]["linear"]})
            # (b) + b, then (c) the activation (the output: sigmoid or softmax) in the same table
            if not out:
                last, fn = layer.post, "ReLU" if layer.function == "relu" else layer.function
                head = f"→ h{sub(k)}"
            elif layer.function == "sigmoid":
                last, fn, head = layer.post[1:], "sigmoid", "→ p"
            else:
                last, fn, head = layer.post, layer.function, "→ p"
            # the output's logits and probabilities in the colour of the class each predicts
            # (binary: the one z and p(class 1) predict class 1 or class 0; softmax: row k is class k)
            classes = ([work.predicted] if layer.function == "sigmoid" else list(range(len(last)))
                       ) if out else []
            table = {"header": [[prod, f"+ {b}", f"= {z}", head]],
                     "colors": {(r, c): self.theme.classes[k % len(self.theme.classes)]
                                for r, k in enumerate(classes) for c in (2, 3)},
                     "rows": [[self.num(p), self.num(c), self.num(q), self.num(h)]
                              for p, c, q, h in zip(layer.products, layer.b, layer.pre, last,
                                                    strict=True)]}
            heading = f"{z} = {prod} + {b}, then {fn}"
            steps.append({"kind": "stage", "title": f"{where} · + {b}", "reveal": "bias",
                          "detail": f"add the bias: {z} = {prod} + {b}", "heading": heading,
                          "table": table, "stages": stages[layer.index]["bias"]})
            if out:
                probs = work.probabilities
                if layer.function == "sigmoid":
                    detail = (f"p(class 1) = σ({self.num(layer.pre[0])}) = {self.num(probs[1])}: "
                              f"class {work.predicted}")
                    # at the picture's scale a sure answer may sit close to the line z = 0: its
                    # distance said, and why it is sure (a steep w)
                    steep = float(np.linalg.norm(layer.W[0]))
                    far = (f"; {self.num(abs(layer.pre[0]) / steep)} from z = 0, "
                           f"|w| = {self.num(steep)}") if steep > 0 else ""
                else:
                    detail = f"p = softmax(z): class {work.predicted}, p = {self.num(probs[work.predicted])}"
                if self.chosen:
                    detail += ", correct" if work.predicted == self.point_class else ", wrong"
                if layer.function == "sigmoid":
                    detail += far
            elif layer.function == "relu":
                n = int(layer.struck.sum())
                detail = (f"every negative z is struck to 0: {n} of {len(layer.pre)} units"
                          if n else "no z is negative here: ReLU keeps them all")
            else:
                detail = f"each z through {fn}: h{sub(k)} = {fn}(z{sub(k)})"
            steps.append({"kind": "stage", "title": f"{where} · {fn}", "reveal": "activation",
                          "detail": detail, "heading": heading, "table": table, "same": True,
                          "struck": [int(i) for i in np.flatnonzero(layer.struck)], "shade": out,
                          "stages": stages[layer.index]["activation" if not out else "output"]})
        rows, total = parameter_counts(run.widths)
        names = [str(i + 1) for i in range(len(rows) - 1)] + ["output"]
        table = {"header": [["layer", "weights", "biases", "sum"]],
                 "rows": [[name, f"{o} × {n} = {w}", str(c), str(w + c)]
                          for name, (n, o, w, c) in zip(names, rows, strict=True)]
                 + [["total", str(sum(r[2] for r in rows)), str(sum(r[3] for r in rows)), str(total)]]}
        steps.append({"kind": "outro", "title": "parameters", "reveal": "all", "stages": [],
                      "detail": f"weights + biases of every layer: {total} numbers, all learned",
                      "heading": f"{run.architecture()}: weights and biases", "table": table,
                      "left": (0,)})
        return steps

    @staticmethod
    def stage_groups(flow):
        """Flow stage indices of each layer, by the step they go with (W·x, + b, σ, output)."""
        groups = [{"linear": [], "bias": [], "activation": [], "output": []}
                  for _ in range(len(flow.network.weights))]
        for stage in flow.stages:
            key = stage.kind if stage.kind in ("bias", "activation", "output") else "linear"
            groups[stage.layer][key].append(stage.index)
        return groups

    # ------------------------------------------------------------------ numbers on screen

    @staticmethod
    def num(x) -> str:
        from nnanim.core.worked import number

        return number(x)

    def written_out(self, row, inputs, total) -> str:
        """One row of a product as written by hand: ``4.17·0.28 − 3.19·(−0.29) = 2.09``."""
        out = []
        for j, (w, v) in enumerate(zip(row, inputs, strict=True)):
            wt, vt = self.num(w), self.num(v)
            vt = f"({vt})" if vt.startswith("−") else vt
            if j == 0:
                out.append(f"{wt}·{vt}")
            else:
                out.append(f" − {wt[1:]}·{vt}" if wt.startswith("−") else f" + {wt}·{vt}")
        return "".join(out) + f" = {self.num(total)}"

    @staticmethod
    def unbroken(note: str) -> str:
        """A written-out row that wraps only before an operator: ``+ 4.01·0.65`` and ``= 2.61`` stay whole.

        (No-break spaces after the operators: Python's wrapping breaks at ASCII spaces only.)
        """
        for op in ("+", "−", "="):
            note = note.replace(f" {op} ", f" {op}\u00a0")
        return note

    def numbers(self, step):
        """The step's numbers as mobjects: a heading, a table and a note (built, not placed)."""
        from manim import DOWN, LEFT, VGroup

        from nnanim.draw.worksheet import NumberTable

        size = self.layout.small_size
        spec = step["table"]
        table = NumberTable(spec["rows"], self.theme, size, header=spec.get("header"),
                            bracket=spec.get("bracket"), strong=spec.get("strong", ()),
                            left=step.get("left", ()), colors=spec.get("colors"))
        heading = self.label(step["heading"], weight="BOLD")
        group = VGroup(heading, table).arrange(DOWN, aligned_edge=LEFT, buff=0.22)
        group.heading, group.table, group.spec = heading, table, spec
        group.notes = []
        step["group"] = group
        return group

    def place(self, run, record, steps, groups):
        """Regions from the frame's shape, and the text in them.

        Landscape: a column (caption, numbers, what is shown) beside the
        picture; portrait: caption, picture, numbers, what is shown, stacked;
        square: the caption beside the picture in the top band, the numbers
        across the frame below it.
        """
        from manim import DOWN, LEFT, RIGHT

        from nnanim.layout import Box

        L = self.layout
        inner = L.safe
        # share consecutive groups: (b) and (c) of a layer show one table
        for i, step in enumerate(steps):
            if step.get("same"):
                groups[i] = groups[i - 1]
                step["group"] = groups[i]
        width = max(g.width for g in groups)
        mode = {"landscape": "beside", "portrait": "stacked"}.get(L.shape, "corner")
        col_w = max(width, inner.width - inner.height - GAP) if mode == "beside" else inner.width
        # notes (a row written out) wrap to the text width
        for step in steps:
            if step.get("notes"):
                step["note_mobs"] = [self.label(self.unbroken(n), width=col_w) for n in step["notes"]]
        def info_at(w):
            return self.label(run.describe(record), color=self.theme.muted, width=w)

        info = info_at(col_w)
        note_h = max((m.height for s in steps for m in s.get("note_mobs", [])), default=0.0)
        num_h = max(g.height for g in groups) + (note_h + 0.2 if note_h else 0.0)

        def caption_height(w):
            return max(self.caption_at(s["title"], s["detail"], w).height for s in steps)

        column = inner
        if mode == "beside":
            column, right = inner.split_left(col_w, gap=GAP)
            caption, rest = column.split_top(caption_height(col_w), gap=GAP)
            if rest.height >= num_h + GAP + info.height:  # what is shown: at the column's foot
                foot, rest = rest.split_bottom(info.height, gap=GAP)
            else:  # no room left in the column: under the picture
                info = info_at(right.width)
                foot, right = right.split_bottom(info.height, gap=GAP)
            side = min(right.width, right.height)
            picture = Box(right.x1 - side, right.centre[1] - side / 2, right.x1, right.centre[1] + side / 2)
            if foot.x0 > column.x1:
                foot = Box(picture.x0, foot.y0, picture.x1, foot.y1)
            numbers = Box(rest.x0, rest.y1 - num_h, rest.x1, rest.y1)
        elif mode == "stacked":
            caption, rest = inner.split_top(caption_height(inner.width), gap=GAP)
            foot, rest = rest.split_bottom(info.height, gap=2 * GAP)  # the numbers clear of the footer
            numbers, rest = rest.split_bottom(num_h, gap=GAP)
            side = min(rest.width, rest.height)
            c = rest.centre
            picture = Box(c[0] - side / 2, c[1] - side / 2, c[0] + side / 2, c[1] + side / 2)
        else:
            foot, rest = inner.split_bottom(info.height, gap=GAP)
            numbers, band = rest.split_bottom(num_h, gap=GAP)
            side = min(band.height, band.width / 2)
            for _ in range(4):  # the captions beside the picture must fit the band's height
                if caption_height(band.width - side - GAP) <= band.height:
                    break
                side -= 0.3
            picture, caption = band.split_right(side, gap=GAP)
            picture = Box(picture.x0, band.y1 - side, picture.x1, band.y1)
        self.info = info.move_to([foot.x0 + info.width / 2, foot.y0 + info.height / 2, 0])
        for step, group in zip(steps, groups):
            if step.get("same"):
                continue
            x0 = numbers.x0 if mode == "beside" else numbers.centre[0] - group.width / 2
            group.move_to([x0 + group.width / 2, numbers.y1 - group.height / 2, 0])
        for step, group in zip(steps, groups):
            for m in step.get("note_mobs", []):
                m.next_to(group, DOWN, buff=0.2, aligned_edge=LEFT)
                if m.get_right()[0] > numbers.x1:  # wider than its table: from the region's left
                    m.shift(RIGHT * (numbers.x0 - m.get_left()[0]))
        self._plan_reveals(steps)
        return {"caption": caption, "numbers": numbers, "picture": picture, "info": foot,
                "column": column, "mode": mode}

    def _plan_reveals(self, steps):
        """Which cells appear when: whole tables, or a column row by row, or strikes."""
        from nnanim.draw.worksheet import strike

        for step in steps:
            group, reveal = step["group"], step.get("reveal", "all")
            table = group.table
            step["rows"] = []
            if reveal == "product":
                last = len(table.cells[0]) - 1
                step["enter"] = [group.heading, *(m for r in table.header_cells for m in r if m.shown),
                                 *(m for r in table.cells for m in r[:last] if m.shown)]
                if table.rule is not None:
                    step["enter"].append(table.rule)
                step["enter"].append(table.brackets)
                previous = None
                for r, note in enumerate(step["note_mobs"]):
                    entry = {"enter": [table.cells[r][last], note]}
                    if previous is not None:
                        entry["leave"] = [previous]
                    step["rows"].append(entry)
                    previous = note
                step["trail"] = previous
                group.add(*step["note_mobs"])
                for m in step["note_mobs"]:
                    m.set_opacity(1.0)
            elif reveal == "bias":
                step["enter"] = [group.heading, table.rule, *table.column(0), *table.column(1),
                                 table.column(2)[0]]
                step["rows"] = [{"enter": [table.cells[r][2] for r in range(len(table.cells))]}]
            elif reveal == "activation":
                step["enter"] = [table.column(3)[0]]
                for r in range(len(table.cells)):
                    line = strike(table.cells[r][2], self.theme) if r in step.get("struck", []) else None
                    if line is not None:
                        group.add(line)
                    step["rows"].append({"enter": [table.cells[r][3]], "strike": line})
            else:
                step["enter"] = [group]

    def caption_at(self, title, detail, width):
        from nnanim.draw.scene import Caption

        return Caption(title, detail, self.theme, self.layout, width)

    def caption(self, title, detail=""):
        box = self.regions["caption"]
        cap = self.caption_at(title, detail, box.width)
        return cap.move_to([box.x0 + cap.width / 2, box.y1 - cap.height / 2, 0])


SCENE = ByHandScene
