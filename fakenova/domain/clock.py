"""Time for state transitions (BUILD -> ACTIVE, attaching -> in-use, ...).

Transitions are scheduled with a due time and applied when state is next read, so no
background thread ever touches state. The modes:

- ``immediate``: every transition is due at once, so it is done before the answer;
- ``timed``: a transition takes ``step`` real seconds;
- ``manual``: time stands still until ``advance()`` moves it.
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from collections.abc import Callable
from typing import Literal

ClockMode = Literal["immediate", "timed", "manual"]
CLOCK_MODES: tuple[ClockMode, ...] = ("immediate", "timed", "manual")


class Clock:
    def __init__(self, mode: ClockMode = "immediate", step: float = 1.0) -> None:
        if mode not in CLOCK_MODES:
            raise ValueError(f"unknown clock mode {mode!r}; choose one of {CLOCK_MODES}")
        self.mode: ClockMode = mode
        self.step = step
        self._start = time.monotonic()
        self._manual_time = 0.0
        self._pending: list[tuple[float, int, Callable[[], None]]] = []
        self._sequence = itertools.count()
        # While a due transition runs, the time it was due: what it schedules counts from there.
        self._running_since: float | None = None
        # Runs each due transition in its stead (serve -v logs what it changed); None: call it.
        self.observer: Callable[[Callable[[], None]], None] | None = None

    def now(self) -> float:
        if self.mode == "manual":
            return self._manual_time
        return time.monotonic() - self._start

    def advance(self, seconds: float) -> float:
        if self.mode != "manual":
            raise ValueError(f"the clock is {self.mode}; only a manual clock can be advanced")
        if not math.isfinite(seconds):
            raise ValueError("the clock advances by a finite number of seconds")
        if seconds < 0:
            raise ValueError("the clock cannot go backwards")
        self._manual_time += seconds
        return self._manual_time

    def schedule(self, action: Callable[[], None], steps: float = 1) -> None:
        """Run ``action`` once ``steps`` transition times have passed."""
        delay = 0.0 if self.mode == "immediate" else self.step * steps
        start = self.now() if self._running_since is None else self._running_since
        heapq.heappush(self._pending, (start + delay, next(self._sequence), action))

    def run_due(self) -> None:
        """Apply every transition that is due, in order; one may schedule the next."""
        while self._pending and self._pending[0][0] <= self.now():
            due, _, action = heapq.heappop(self._pending)
            self._running_since = due
            try:
                if self.observer is None:
                    action()
                else:
                    self.observer(action)
            finally:
                self._running_since = None

    def clear(self) -> None:
        self._pending.clear()

    @property
    def pending(self) -> int:
        return len(self._pending)
