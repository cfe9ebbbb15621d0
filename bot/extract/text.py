"""Scanning helpers the extractors share."""

from __future__ import annotations

import re


class StretchStart:
    """Where the stretch of text that ends at an offset and holds none of a character class
    starts: right after the last such character before the offset (the clause or the run
    around it). `.*` jumps to the offset at once and backtracks over that stretch only,
    where a loop or a `[^…]*$` search would test every character before it."""

    def __init__(self, char_class: str) -> None:
        self._pattern = re.compile(f"(?s:.*{char_class})?")

    def __call__(self, text: str, offset: int, lo: int = 0) -> int:
        """The start of the stretch ending at `offset`, looking no further back than `lo`."""
        found = self._pattern.match(text, lo, offset)
        return found.end() if found else lo
