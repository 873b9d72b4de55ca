"""nnanim: videos of what the hidden layers of a neural network do."""

from nnanim._version import __version__

__all__ = ["__version__"]
