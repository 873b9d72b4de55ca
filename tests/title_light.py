"""How lit a scene's top title is at each frame: a dry run's mixin (no frame drawn)."""


class TitleLight:
    """After every play: how lit the top title is at each frame of the play (the most opaque
    top line on screen, from the fades' own rate functions; 1 where none is animated)."""

    FPS = 15

    def top_line(self, text):
        line = super().top_line(text)
        self.tops = getattr(self, "tops", []) + [line]
        return line

    def play(self, *animations, **kwargs):
        from nnanim.draw.mobjects import OpacityFade

        tops = getattr(self, "tops", [])
        present = set(self.get_mobject_family_members())
        fades = {id(a.mobject): a for a in animations
                 if isinstance(a, OpacityFade) and any(a.mobject is t for t in tops)}
        shown = [t for t in tops if t in present or id(t) in fades]  # a fade in adds its line
        run_time = kwargs.get("run_time") or max(a.run_time for a in animations)
        n = max(1, round(run_time * self.FPS))
        light = []
        for k in range(1, n + 1):
            alpha = k / n
            levels = [0.0]
            for t in shown:
                a = fades.get(id(t))
                if a is None:
                    levels.append(1.0)
                else:
                    r = a.rate_func(alpha)
                    levels.append(r if a.fade_in else 1.0 - r)
            light.append(max(levels))
        self.light = getattr(self, "light", []) + light
        super().play(*animations, **kwargs)

    def wait(self, *args, **kwargs):
        super().wait(*args, **kwargs)
        self.light = getattr(self, "light", []) + [1.0]


def longest_dim_run(light, below=0.5) -> int:
    """The most frames in a row with the top title under ``below`` of its light."""
    run = best = 0
    for v in light:
        run = run + 1 if v < below else 0
        best = max(best, run)
    return best
