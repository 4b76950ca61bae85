"""The one small surface every chat channel has: start, stop, send.

Adapters translate; callers keep the records. An adapter turns every provider
failure into DeliveryError and never writes to the database itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


class DeliveryError(Exception):
    """A send that failed. `permanent`: retrying cannot help (blocked, unknown chat)."""

    def __init__(self, reason: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    data: str  # at most 64 bytes: Telegram's callback_data limit


@dataclass(frozen=True, slots=True)
class Attachment:
    kind: str  # photo | document
    file_name: str
    mime_type: str | None
    size: int | None
    fetch: Callable[[], Awaitable[bytes]] = field(compare=False, repr=False)
    # What the channel's `fetcher(source)` needs to fetch it again (a file id, a URL): an
    # update kept in the journal while the database was down is replayed later.
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Incoming:
    """One thing a person did in a chat, whatever the service."""

    channel: str
    chat_id: str
    user_id: str
    display_name: str
    date: datetime
    text: str = ""
    message_id: str | None = None
    reply_to_message_id: str | None = None
    callback_data: str | None = None
    callback_id: str | None = None
    attachment: Attachment | None = None
    # The channel and the provider's own ids, unique per update: a second delivery of the
    # same update is recognised by it. None where the provider gives no ids (the console).
    update_key: str | None = None


@dataclass(frozen=True, slots=True)
class Sent:
    message_id: str | None


# Returns once the update is applied or kept safely for later; raises when it is neither, and
# the channel then lets the platform deliver it again where it can (a webhook answers 503).
UpdateHandler = Callable[[Incoming], Awaitable[None]]


class Channel(Protocol):
    name: str
    max_text: int
    # Optional abilities are asked for, not assumed. Channels whose updates carry
    # attachments also have `fetcher(source)`, the fetch of `Attachment.source` again.
    supports_buttons: bool
    supports_files: bool

    async def start(self, on_update: UpdateHandler) -> None: ...

    async def stop(self) -> None: ...

    async def send_text(self, chat_id: str, text: str, *, buttons: list[list[Button]] | None = None,
                        reply_to: str | None = None) -> Sent: ...

    async def send_file(self, chat_id: str, content: bytes, file_name: str,
                        caption: str | None = None) -> Sent: ...

    async def send_photo(self, chat_id: str, content: bytes, caption: str | None = None, *,
                         file_name: str = "bieu-do.png") -> Sent: ...


def split_text(text: str, limit: int) -> list[str]:
    """Split on line boundaries so no part exceeds `limit`; a single long line is cut hard."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            current = line
        else:
            current = candidate
    if current or not parts:
        parts.append(current)
    return [p for p in parts if p.strip()] or [text[:limit]]
