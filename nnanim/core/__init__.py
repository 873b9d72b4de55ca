"""The pure core (layers 1-4 of DESIGN.md): datasets, the network, training records, the staged
flow and its geometry. NumPy and SciPy only: nothing here imports Manim, drawing or media.
"""
