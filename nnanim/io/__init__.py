"""Reading data and models from outside nnanim (DESIGN.md's "io" floor).

Pure: no Manim import.  :mod:`nnanim.io.models` turns a trained MLP from
safetensors, ONNX, a PyTorch ``state_dict``, a Keras ``.keras`` file or an
in-memory PyTorch / scikit-learn model into the same :class:`~nnanim.core.record.Run`
the trainer produces.
"""

from nnanim.io.models import (
    ModelFileError,
    export_safetensors,
    from_sklearn,
    from_torch,
    load_model,
    read_model,
    sniff,
)

__all__ = ["ModelFileError", "export_safetensors", "from_sklearn", "from_torch", "load_model",
           "read_model", "sniff"]
