"""How lit every text on screen is at each frame of a plan: a dry run's mixin (no frame drawn)."""

import numpy as np


def _opacity(text) -> float:
    parts = text.family_members_with_points()
    return max((float(np.max(p.fill_rgbas[:, 3], initial=0.0)) for p in parts), default=0.0)


class LabelLight:
    """Before every play: each text's opacity (the most opaque of its copies; 0 where none is on
    screen) at every frame of the play, played here frame by frame on the plan as a render plays
    it, then put back for the plan's own play. ``self.lights``: ``[(time, {text: opacity})]``.

    A render draws what a plan pass does at once: the views' axes rename, glide and grow over
    the frames that follow a change (their updaters), and the animations move frame by frame.
    Here the axes are left to run as in a render (not finished at once between plays) and
    advanced one frame at a time with the animations."""

    FPS = 15

    def _texts(self, extra=()):
        from manim import Text

        seen, out = set(), {}
        for mob in [*self.mobjects, *extra]:
            for m in mob.get_family():
                if isinstance(m, Text) and id(m) not in seen:
                    seen.add(id(m))
                    text = " ".join(m.original_text.split())
                    out[text] = max(out.get(text, 0.0), _opacity(m))
        return out

    def _axes(self, mobjects):
        from nnanim.draw.scene import _axes_in

        return _axes_in(mobjects)

    def play(self, *animations, **kwargs):
        from nnanim.draw.mobjects import GlyphWipe, OpacityFade

        lights = self.__dict__.setdefault("lights", [])
        start = self.clock
        run_time = kwargs.get("run_time") or max((a.run_time for a in animations), default=1.0)
        present = {id(m) for m in self.mobjects}
        extra = [a.mobject for a in animations if id(a.mobject) not in present]
        axes = self._axes([*self.mobjects, *extra])
        for a in animations:  # (the plan's pace is 1: no duration asked)
            a.run_time = run_time if "run_time" in kwargs else a.run_time
            a.begin()
        n = max(1, round(run_time * self.FPS))
        for k in range(n):
            for a in animations:
                a.interpolate(min(1.0, (k + 1) / n * run_time / max(a.run_time, 1e-9)))
            for ax in axes:  # their glides and renames, one frame on
                ax.update(1.0 / self.FPS)
            lights.append((start + (k + 1) / self.FPS, self._texts(extra)))
        for a in animations:  # undone: the plan's own play begins from the same state
            if isinstance(a, GlyphWipe):
                for (glyph, _), points in zip(a._glyphs, a._points):
                    glyph.points = points
                for saved in a._each:
                    _scale(saved, 1.0)
            elif isinstance(a, OpacityFade):
                _scale(a._saved, 1.0)
            else:
                a.interpolate(0.0)
        super().play(*animations, **kwargs)
        for ax in self._axes(self.mobjects):  # what the storyboard does between plays runs on
            ax.instant = False  # the frames that follow, as in a render


def _scale(saved, k):
    from nnanim.draw.mobjects import scale_opacities

    scale_opacities(saved, k)


def flickers(lights, within: float = 0.5, high: float = 0.5, low: float = 0.2):
    """Texts whose opacity goes up, down and up again within ``within`` seconds: shown (over
    ``high``), nearly gone (under ``low``), shown again. ``[(text, t_shown, t_gone, t_again)]``."""
    texts = {t for _, levels in lights for t in levels}
    out = []
    for text in sorted(texts):
        series = [(t, levels.get(text, 0.0)) for t, levels in lights]
        for i, (t1, v1) in enumerate(series):
            if v1 < high:
                continue
            gone = None
            for t2, v2 in series[i + 1:]:
                if t2 - t1 > within + 1e-9:
                    break
                if gone is None and v2 < low:
                    gone = t2
                elif gone is not None and v2 >= high:
                    out.append((text, t1, gone, t2))
                    break
    return out
