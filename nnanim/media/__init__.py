"""Media (layer 6): rendering, parts, slides, storyboards, the cache and batches.
"""
