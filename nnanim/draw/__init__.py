"""Drawing (layer 5): Manim objects fed by the core, text, layout-bound scenes.
"""
