"""Named scenes, one storyboard per file (installed as ``nnanim.scenes``)."""
