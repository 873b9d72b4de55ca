"""The library's one error type for bad input.

:class:`NnanimError` is a problem with the user's request (a bad option, a
file that cannot be read or written, a theme with a typo), never a bug; its
message is one line the command line prints as it is.  Every module's own
error (``DatasetError``, ``RunFileError``, ``TrainingDiverged``,
``RenderError``) derives from it, so a caller that wants "anything the user
can fix" catches this one class.  It is a ``ValueError``, so code that caught
``ValueError`` before keeps working.  Pure: no imports beyond the standard
library.
"""

from __future__ import annotations

__all__ = ["NnanimError"]


class NnanimError(ValueError):
    """A problem with the user's request; the message is one line for the user."""
