"""The one place the bot reads the time; a simulated clock runs it faster for demonstrations."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta


@dataclass
class Clock:
    """Real time, or time starting at `start_at` and running `speed` times faster."""

    start_at: datetime | None = None
    speed: float = 1.0
    _origin: float = field(default_factory=time.monotonic)

    def now(self) -> datetime:
        if self.start_at is None:
            return datetime.now(UTC)
        elapsed = (time.monotonic() - self._origin) * self.speed
        return self.start_at.astimezone(UTC) + timedelta(seconds=elapsed)

    def travel(self, to: datetime) -> None:
        """Jump a simulated clock to `to`; it runs on from there at the same speed."""
        if self.start_at is None:
            raise ValueError("the real clock cannot be moved")
        self.start_at, self._origin = to, time.monotonic()

    def real_seconds(self, simulated_seconds: float) -> float:
        return simulated_seconds / self.speed
