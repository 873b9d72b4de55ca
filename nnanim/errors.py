"""The library's one error type: a problem with the user's request, said in one line."""

from __future__ import annotations

__all__ = ["NnanimError"]


class NnanimError(ValueError):
    """A problem with the user's request; the message is one line for the user."""
