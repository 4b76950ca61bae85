"""An in-memory channel for engine tests: records what would be sent, fails when told to."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.channels.base import Button, DeliveryError, Sent, UpdateHandler


@dataclass
class RecordingChannel:
    name: str = "recording"
    max_text: int = 4096
    supports_buttons: bool = False
    supports_files: bool = False
    sent: list[tuple[str, str]] = field(default_factory=list)
    # Raised by the next sends, in order; an Exception that is not a DeliveryError
    # stands for the process dying after the service accepted the message.
    failures: list[BaseException] = field(default_factory=list)
    crash_after_accept: bool = False

    async def start(self, on_update: UpdateHandler) -> None:
        self.on_update = on_update

    async def stop(self) -> None:
        pass

    async def send_text(self, chat_id: str, text: str, *, buttons: list[list[Button]] | None = None,
                        reply_to: str | None = None) -> Sent:
        if self.failures:
            failure = self.failures.pop(0)
            if isinstance(failure, DeliveryError):
                raise failure
            self.sent.append((chat_id, text))
            raise failure
        self.sent.append((chat_id, text))
        return Sent(message_id=str(len(self.sent)))

    async def send_file(self, chat_id: str, content: bytes, file_name: str,
                        caption: str | None = None) -> Sent:
        raise DeliveryError("files not supported", permanent=True)

    async def send_photo(self, chat_id: str, content: bytes, caption: str | None = None) -> Sent:
        raise DeliveryError("photos not supported", permanent=True)

    def to(self, chat_id: str) -> list[str]:
        return [text for chat, text in self.sent if chat == chat_id]
