"""A token bucket per integration key: generous by default, a 429 with Retry-After past it."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class RateLimiter:
    def __init__(self, per_second: float, burst: float | None = None, *,
                 seconds: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_second
        self._seconds = seconds  # the app's clock, so tests move time rather than race it
        self.burst = burst if burst is not None else per_second * 2
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> int:
        """0 if the request may proceed, else the whole seconds to wait."""
        if self.rate <= 0:
            return 0
        now = self._seconds() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / self.rate))
