"""nnanim: videos of what the hidden layers of a neural network do.

``nnanim.train(...) -> Run``, ``nnanim.Run.load(path)``, ``run.save(path)``;
the rest lives in the submodules (``nnanim.data``, ``nnanim.nn``,
``nnanim.record``, ``nnanim.flow``, ...).  Imported lazily, so that the
command line starts fast.
"""

from nnanim._version import __version__

__all__ = ["Run", "TrainConfig", "__version__", "make_dataset", "train"]

_LAZY = {"train": "nnanim.record", "Run": "nnanim.record", "TrainConfig": "nnanim.record",
         "make_dataset": "nnanim.data"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nnanim' has no attribute {name!r}")
