"""The reply shape the conversation used before the reply language, over `read_reply`.

Intents the conversation does not handle yet fall back to the nearest one it does: a
promise is progress (nothing closes), and snooze, undo and help are "unknown", so the bot
asks instead of storing the words as a note on an item.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from bot.replies.language import read_reply

__all__ = ["LEGACY_INTENTS", "Reply", "understand"]

LEGACY_INTENTS = ("done", "progress", "not_yet", "extend", "note", "choice", "unknown")
_FALLBACK = {"promise": "progress", "snooze": "unknown", "undo": "unknown", "help": "unknown",
             "approve": "unknown", "reject": "unknown"}


@dataclass(frozen=True, slots=True)
class Reply:
    intent: str
    codes: tuple[str, ...] = ()
    percent: int | None = None
    new_due: date | None = None
    reason: str | None = None
    choice: int | None = None
    text: str = ""


def understand(text: str, today: date, plan_year: int | None = None, *,
               known_codes: Iterable[str] = ()) -> Reply:
    """What an official's reply means, in the older shape; never raises on any text."""
    read = read_reply(text, today, year=plan_year, known_codes=known_codes)
    intent = _FALLBACK.get(read.intent, read.intent)
    return Reply(intent, read.codes, read.percent,
                 new_due=read.date if intent == "extend" else None,
                 reason=read.reason if intent in ("done", "progress", "not_yet", "extend") else None,
                 choice=read.choice, text=read.text)
