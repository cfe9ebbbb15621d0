"""File names as casebot shows and stores them: always valid Unicode without control
characters, whatever bytes the file system holds, so they can be written to SQLite, JSON, a
terminal or a chat (a name with ESC sequences would otherwise recolour or rewrite the
terminal it is printed to)."""

from __future__ import annotations

import os
import re
from pathlib import Path

# C0 and C1 controls, DEL, and the bidirectional overrides that reorder what follows them.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe_text(text: str) -> str:
    """`text` with each control character written as a visible escape (ESC → \\x1b)."""
    return _UNSAFE.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


def path_text(path: Path | str) -> str:
    """A path as text: its bytes decoded as UTF-8, else as GB18030 (names from Chinese
    Windows, e.g. inside zip files), else with the undecodable bytes escaped; controls
    escaped."""
    raw = os.fsencode(path)
    for codec in ("utf-8", "gb18030"):
        try:
            return safe_text(raw.decode(codec))
        except UnicodeDecodeError:
            continue
    return safe_text(raw.decode("utf-8", errors="backslashreplace"))


def has_undecodable(text: str) -> bool:
    """Whether text came from bytes that were not UTF-8 (Python keeps them as surrogates)."""
    return any("\udc80" <= c <= "\udcff" for c in text)
