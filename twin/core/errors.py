"""Errors that reach users as one clear line."""

from __future__ import annotations

__all__ = ["InputError"]


class InputError(Exception):
    """Bad user input: a file, a field in it, and what is allowed.

    Parameters
    ----------
    source
        The file (or upload) the input came from, or ``None`` for a command-line argument.
    field
        The dotted path of the offending field, e.g. ``stations[2].buffer_capacity``.
    message
        What is wrong and what is allowed.
    """

    def __init__(self, source: str | None, field: str | None, message: str) -> None:
        self.source = source
        self.field = field
        self.message = message
        super().__init__(self.line())

    def line(self) -> str:
        """Return the error as a single line: ``file: field: message``."""
        parts = [p for p in (self.source, self.field) if p]
        return ": ".join([*parts, self.message])
