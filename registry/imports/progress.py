"""Progress of an import, reported to a callback as (rows done, total rows)."""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[int, int], None]


class Progress:
    """Reports (rows done, total rows) about 50 times, never backwards. Validation fills the first
    half of the bar and planning plus writing the second, so one bar covers the whole import; a
    dry run only validates and plans, which fill it all."""

    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self.callback = callback
        self.total = total
        self.every = max(1, total // 50)
        self.done = 0

    def validated(self, rows: int) -> None:
        self._report(rows // 2)

    def applied(self, fraction: float) -> None:
        self._report(self.total // 2 + int(fraction * (self.total - self.total // 2)))

    def _report(self, done: int) -> None:
        if self.callback is None or done <= self.done:
            return
        if done < self.total and done - self.done < self.every:
            return
        self.done = done
        self.callback(done, self.total)
