"""What the operator-loaded data files (holiday notices, contribution figures) share: a refusal that
names the line of the file it is about, so the operator can fix it."""

from __future__ import annotations


class InvalidDataFile(ValueError):
    def __init__(self, reason: str, line: int | None = None):
        super().__init__(f"line {line}: {reason}" if line else reason)
        self.reason = reason
        self.line = line


def line_of(text: str, needle: str) -> int | None:
    """The first line (1-based) of `text` that contains `needle`; None when none does."""
    for number, row in enumerate(text.splitlines(), start=1):
        if needle in row:
            return number
    return None
