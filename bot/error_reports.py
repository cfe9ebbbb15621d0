"""Which errors are reported to the admin chat: one report per kind of fault (its exception
type and the line that raised it) per window, the rest counted and mentioned in the next
report of that kind, and no more than a few reports per window in all, so a user repeating
a failing command, or a fault hitting every update, cannot flood the admins."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

WINDOW_S = 600.0
MAX_REPORTS_PER_WINDOW = 5


def fault_key(error: BaseException) -> str:
    """The exception type and the innermost frame that raised it: the same bug reached by
    different users, updates or arguments has one key."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "-"
    return f"{type(error).__name__}@{where}"


@dataclass
class _Kind:
    reported_at: float
    suppressed: int = 0


@dataclass
class ReportLimiter:
    clock: Callable[[], float]
    window_s: float = WINDOW_S
    max_reports: int = MAX_REPORTS_PER_WINDOW
    _kinds: dict[str, _Kind] = field(default_factory=dict)
    _sent: list[float] = field(default_factory=list)

    def admit(self, key: str) -> int | None:
        """None: do not report (counted); else report, mentioning this many occurrences of
        the same kind that were not reported since its last report."""
        now = self.clock()
        self._sent = [t for t in self._sent if now - t < self.window_s]
        kind = self._kinds.get(key)
        recent = kind is not None and now - kind.reported_at < self.window_s
        if recent or len(self._sent) >= self.max_reports:
            if kind is None:
                kind = self._kinds[key] = _Kind(reported_at=float("-inf"))
            kind.suppressed += 1
            return None
        earlier = kind.suppressed if kind else 0
        self._kinds[key] = _Kind(reported_at=now)
        self._sent.append(now)
        return earlier
