"""Of two ways to do the same work, the one measured faster lately, the other still tried now and then.

A query embedded while no other is may run on one thread or on two: two finish sooner on idle cores,
one sooner when other processes hold the cores (each parallel step of the two-thread run waits for a
thread that has to be scheduled first). Which holds depends on the machine's load at the time, so the
embedder keeps a running mean of each way's time, sends the work to the faster one and the other
every `explore_every`-th time, which keeps its mean current when the load changes.
"""
from __future__ import annotations

import threading


class FasterOf:
    """Chooses between way 0 and way 1 by their exponentially weighted mean times."""

    def __init__(self, explore_every: int = 8, weight: float = 0.2) -> None:
        if explore_every < 2:
            raise ValueError(f"explore_every must be at least 2, got {explore_every}")
        if not 0 < weight <= 1:
            raise ValueError(f"weight must be in (0, 1], got {weight}")
        self.explore_every = explore_every
        self.weight = weight
        self.means: list[float | None] = [None, None]
        self._picks = 0
        self._lock = threading.Lock()

    def pick(self) -> int:
        """The way to use next: one not timed yet, else the faster, else (every explore_every-th) the other."""
        with self._lock:
            for way, mean in enumerate(self.means):
                if mean is None:
                    return way
            self._picks += 1
            faster = 0 if self.means[0] <= self.means[1] else 1  # type: ignore[operator]
            return 1 - faster if self._picks % self.explore_every == 0 else faster

    def record(self, way: int, seconds: float) -> None:
        """How long a run of `way` took."""
        with self._lock:
            mean = self.means[way]
            self.means[way] = seconds if mean is None else mean + self.weight * (seconds - mean)
