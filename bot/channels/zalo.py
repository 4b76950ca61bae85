"""Zalo Bot Platform channel: a thin httpx adapter (see /work/shared/zalo-bot-api.md).

Every call is `POST {api_base_url}/bot{token}/{method}` with a JSON body, and every
answer is `{"ok": true, "result": ...}` or `{"ok": false, "error_code", "description"}`,
often with HTTP 200 even for errors, so the adapter looks at `ok`, not at the status.

Zalo has no buttons, no reply context and no file upload: buttons become a numbered
text list, `reply_to` is ignored and file sends fail permanently.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from bot.channels.base import (
    Attachment,
    Button,
    DeliveryError,
    Incoming,
    Sent,
    UpdateHandler,
    split_text,
)

log = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://bot-api.zaloplatforms.com"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
SEND_TIMEOUT = 15.0  # seconds for one send; long polls get their own, longer timeout
BACKOFF_START = 1.0
BACKOFF_MAX = 30.0
MAX_IMAGE_BYTES = 20 * 1024 * 1024  # a user photo larger than this is not a photo we want

EVENT_TEXT = "message.text.received"
EVENT_IMAGE = "message.image.received"

# How a failed send maps to DeliveryError (the platform documents bodies, not codes,
# so this follows the Telegram-style codes it answers with):
#
#   cause                                          permanent  retry_after
#   timeout, connection error (no answer at all)   False      None
#   error_code 5xx / HTTP 5xx without a JSON body  False      None
#   error_code 429 (too many requests)             False      parameters.retry_after
#   error_code 408 (request timeout)               False      None
#   error_code 400 (bad request: text too long,    True       None   <- our bug
#     malformed chat id, ...)
#   error_code 401/403/404 (bad token, user        True       None
#     blocked the bot / not a follower / unknown)
#   any other 4xx                                  True       None
#   any other code (undocumented)                  False      None   <- a bounded retry
#                                                                       beats losing it
_TEMPORARY_4XX = frozenset({408, 429})


class ZaloApiError(Exception):
    """The platform answered `ok: false` (or an HTTP error without a usable body)."""

    def __init__(self, error_code: int, description: str, retry_after: float | None = None):
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    @property
    def permanent(self) -> bool:
        if 400 <= self.error_code < 500:
            return self.error_code not in _TEMPORARY_4XX
        return False


class ZaloTransportError(Exception):
    """No answer from the platform: timeout, connection refused, broken response."""


def _retry_after(answer: Mapping[str, Any]) -> float | None:
    parameters = answer.get("parameters")
    if isinstance(parameters, Mapping):
        value = parameters.get("retry_after")
        if isinstance(value, int | float) and value > 0:
            return float(value)
    return None


def _render_buttons(buttons: list[list[Button]]) -> str:
    """One line per row, numbered across rows: `1. Xong  2. Đang làm  3. Gia hạn`."""
    lines: list[str] = []
    number = 0
    for row in buttons:
        items = []
        for button in row:
            number += 1
            items.append(f"{number}. {button.text}")
        if items:
            lines.append("  ".join(items))
    return "\n".join(lines)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    # Plain dicts are case-sensitive; HTTP header names are not.
    lowered = name.lower()
    for key, candidate in headers.items():
        if key.lower() == lowered:
            return candidate
    return None


class ZaloChannel:
    name = "zalo"
    max_text = 2000
    supports_buttons = False
    supports_files = False

    def __init__(
        self,
        token: str,
        api_base_url: str = DEFAULT_API_BASE_URL,
        *,
        poll_timeout: float = 30,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not token:
            raise ValueError("zalo: the bot token is empty")
        if poll_timeout <= 0:
            # An empty poll answers at once then, and the loop would spin.
            raise ValueError("zalo: poll_timeout must be positive")
        if webhook_url and not webhook_secret:
            # The platform refuses setWebhook without one, and without it anyone could
            # post events in a user's name.
            raise ValueError("zalo: webhook mode needs webhook_secret (8-256 characters)")
        self._token = token
        self._api_base_url = api_base_url.rstrip("/")
        self._poll_timeout = poll_timeout
        self._webhook_url = webhook_url
        self._webhook_secret = webhook_secret
        self._given_client = client
        self._client: httpx.AsyncClient | None = None
        self._sleep = sleep
        self._on_update: UpdateHandler | None = None
        self._poll_task: asyncio.Task[None] | None = None

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self, on_update: UpdateHandler) -> None:
        if self._client is not None:
            raise RuntimeError("zalo channel is already started")
        self._client = self._given_client or httpx.AsyncClient(timeout=SEND_TIMEOUT)
        try:
            me = await self._checked_call("getMe", {})
            if self._webhook_url:
                await self._checked_call(
                    "setWebhook", {"url": self._webhook_url, "secret_token": self._webhook_secret}
                )
            else:
                # getUpdates does not work while a webhook is set.
                await self._checked_call("deleteWebhook", {})
        except BaseException:
            await self._close_client()
            raise
        self._on_update = on_update
        account = me.get("account_name") if isinstance(me, Mapping) else None
        if self._webhook_url:
            log.info("zalo bot %s started (webhook)", account)
        else:
            self._poll_task = asyncio.create_task(self._poll_loop(), name="zalo-poll")
            log.info("zalo bot %s started (long polling)", account)

    async def stop(self) -> None:
        # A webhook stays set: events that arrive while we restart are retried by the
        # platform instead of being lost.
        task, self._poll_task = self._poll_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._on_update = None
        await self._close_client()

    async def _close_client(self) -> None:
        client, self._client = self._client, None
        # A client handed to us belongs to the caller, who closes it.
        if client is not None and client is not self._given_client:
            await client.aclose()

    async def _checked_call(self, method: str, payload: dict[str, Any]) -> Any:
        """A call made while starting: any failure is loud and names the method."""
        try:
            return await self._call(method, payload)
        except ZaloApiError as error:
            if error.error_code == 401:
                raise ZaloApiError(
                    401, f"zalo rejected the bot token ({method}: {error.description})"
                ) from None
            raise ZaloApiError(
                error.error_code, f"zalo {method} failed: {error.description}"
            ) from None
        except ZaloTransportError as error:
            raise ZaloTransportError(f"zalo {method} failed: {error}") from None

    # -- HTTP ----------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        """httpx errors carry the URL, and the URL carries the token."""
        for secret in {self._token, quote(self._token, safe="")}:
            text = text.replace(secret, "***")
        return text

    async def _call(
        self, method: str, payload: dict[str, Any], timeout: float | None = None
    ) -> Any:
        """POST one method; return `result` or raise ZaloApiError / ZaloTransportError."""
        if self._client is None:
            # Not yet (or no longer) connected: a send waits for the caller's next retry.
            raise ZaloTransportError("zalo channel is not started")
        url = f"{self._api_base_url}/bot{self._token}/{method}"
        try:
            response = await self._client.post(
                url, json=payload, timeout=timeout if timeout is not None else SEND_TIMEOUT
            )
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            # `from None`: the chained httpx error would print the URL with the token.
            detail = self._scrub(str(error)) or type(error).__name__
            raise ZaloTransportError(f"{type(error).__name__}: {detail}") from None
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, Mapping) or "ok" not in answer:
            if response.status_code >= 400:
                raise ZaloApiError(response.status_code, f"HTTP {response.status_code}")
            raise ZaloTransportError(
                f"unreadable answer to {method} (HTTP {response.status_code})"
            )
        if answer["ok"] is not True:
            code = answer.get("error_code")
            raise ZaloApiError(
                code if isinstance(code, int) else response.status_code,
                self._scrub(str(answer.get("description") or "no description")),
                _retry_after(answer),
            )
        return answer.get("result")

    # -- sending -------------------------------------------------------------------------

    async def send_text(
        self,
        chat_id: str,
        text: str,
        *,
        buttons: list[list[Button]] | None = None,
        reply_to: str | None = None,  # Zalo has no reply context
    ) -> Sent:
        if buttons:
            text = f"{text}\n\n{_render_buttons(buttons)}" if text else _render_buttons(buttons)
        if not text.strip():
            raise DeliveryError("zalo: empty text", permanent=True)
        sent = Sent(message_id=None)
        for part in split_text(text, self.max_text):
            sent = await self._send("sendMessage", chat_id, {"chat_id": chat_id, "text": part})
        return sent

    async def send_photo(self, chat_id: str, content: bytes, caption: str | None = None, *,
                         file_name: str = "bieu-do.png") -> Sent:
        raise DeliveryError("zalo cannot upload files", permanent=True)

    async def send_file(
        self, chat_id: str, content: bytes, file_name: str, caption: str | None = None
    ) -> Sent:
        raise DeliveryError("zalo cannot upload files", permanent=True)

    async def _send(self, method: str, chat_id: str, payload: dict[str, Any]) -> Sent:
        started = time.monotonic()
        try:
            result = await self._call(method, payload)
        except ZaloApiError as error:
            ms = (time.monotonic() - started) * 1000
            log.warning(
                "zalo %s chat=%s error=%s %s %.0f ms",
                method, chat_id, error.error_code, error.description, ms,
            )  # fmt: skip
            raise DeliveryError(
                f"zalo {method}: {error.error_code} {error.description}",
                permanent=error.permanent,
                retry_after=error.retry_after,
            ) from None
        except ZaloTransportError as error:
            ms = (time.monotonic() - started) * 1000
            log.warning("zalo %s chat=%s error=%s %.0f ms", method, chat_id, error, ms)
            raise DeliveryError(f"zalo {method}: {error}", permanent=False) from None
        message_id = result.get("message_id") if isinstance(result, Mapping) else None
        ms = (time.monotonic() - started) * 1000
        # DEBUG: the caller writes the one line per delivery or reply that operators read.
        log.debug("zalo %s chat=%s ok message_id=%s %.0f ms", method, chat_id, message_id, ms)
        return Sent(message_id=str(message_id) if message_id is not None else None)

    # -- receiving -----------------------------------------------------------------------

    async def _poll_loop(self) -> None:
        delay = BACKOFF_START
        while True:
            try:
                event = await self._call(
                    "getUpdates",
                    {"timeout": self._poll_timeout},
                    # The server holds the request up to poll_timeout; leave it room.
                    timeout=self._poll_timeout + 10,
                )
            except ZaloApiError as error:
                if error.error_code == 408:  # nothing new: ask again right away
                    delay = BACKOFF_START
                    continue
                reason = f"{error.error_code} {error.description}"
            except ZaloTransportError as error:
                reason = str(error)
            except Exception as error:  # the loop must outlive any surprise
                # No traceback: it could quote the URL, and the URL holds the token.
                reason = f"unexpected {type(error).__name__}: {self._scrub(str(error))}"
            else:
                delay = BACKOFF_START
                await self._dispatch(event)
                continue
            log.warning("zalo getUpdates failed: %s; retrying in %.0f s", reason, delay)
            await self._sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX)

    async def _dispatch(self, event: Any) -> bool:
        """Parse and hand over one event; False when the handler could not take it.

        A bad event is logged and counts as taken, so the platform does not retry it forever.
        """
        try:
            incoming = self._parse_event(event)
        except (KeyError, TypeError, ValueError, OverflowError, OSError) as error:
            log.warning("zalo: skipped an event we cannot read (%s): %.300r", error, event)
            return True
        on_update = self._on_update
        if on_update is None:
            log.warning("zalo: event for chat %s arrived while stopped; dropped", incoming.chat_id)
            return False
        try:
            await on_update(incoming)
        except Exception:
            log.exception("zalo: handling an event from chat %s failed", incoming.chat_id)
            return False
        return True

    async def handle_webhook(self, headers: Mapping[str, str], body: bytes) -> int:
        """Handle one POST from the platform; return the HTTP status to answer with."""
        expected = self._webhook_secret
        given = _header(headers, SECRET_HEADER)
        if not expected or given is None or not hmac.compare_digest(
            given.encode(), expected.encode()
        ):
            log.warning("zalo webhook: refused a request with a wrong or missing secret")
            return 403
        if self._on_update is None:
            # Not started (or stopping): let the platform deliver it again later.
            return 503
        try:
            event = json.loads(body)
        except ValueError:
            # Acknowledge what we cannot read, so the platform does not retry it forever.
            log.warning("zalo webhook: body is not JSON: %.300r", body)
            return 200
        if isinstance(event, Mapping) and "result" in event and "event_name" not in event:
            event = event["result"]  # the wrapped form {"ok": true, "result": event}
        # Neither applied nor kept for later: the platform delivers it again.
        return 200 if await self._dispatch(event) else 503

    def _parse_event(self, event: Any) -> Incoming:
        """Event -> Incoming; raises KeyError/TypeError/ValueError on a malformed event."""
        if not isinstance(event, Mapping):
            raise TypeError("event is not an object")
        message = event["message"]
        chat_id = str(message["chat"]["id"])
        sender = message.get("from") or {}
        message_id = message.get("message_id")
        message_id = str(message_id) if message_id is not None else None
        date_ms = message.get("date")
        date = (
            datetime.fromtimestamp(date_ms / 1000, UTC)
            if isinstance(date_ms, int | float)
            else datetime.now(UTC)
        )
        event_name = event.get("event_name")
        text = ""
        attachment = None
        if event_name == EVENT_TEXT:
            text = str(message.get("text") or "")
        elif event_name == EVENT_IMAGE:
            text = str(message.get("text") or message.get("caption") or "")
            photo_url = message["photo"]
            if not isinstance(photo_url, str) or not photo_url.startswith(("http://", "https://")):
                raise ValueError("image event without a photo URL")
            attachment = Attachment(
                kind="photo",
                file_name=f"zalo-{message_id}.jpg",
                mime_type="image/jpeg",
                size=None,
                fetch=self.fetcher(photo_url),
                source=photo_url,
            )
        # Stickers, voice and unsupported content arrive with text "": the caller
        # answers politely that only text (and photos) are understood.
        return Incoming(
            channel=self.name,
            chat_id=chat_id,
            user_id=str(sender.get("id") or chat_id),
            display_name=str(sender.get("display_name") or ""),
            date=date,
            text=text,
            message_id=message_id,
            attachment=attachment,
            # Zalo events carry no update id; a message id is the platform's own and unique.
            update_key=f"{self.name}:{chat_id}:{message_id}" if message_id else None,
        )

    def fetcher(self, url: str) -> Callable[[], Awaitable[bytes]]:
        async def fetch() -> bytes:
            # The caller may fetch after stop(), when our client is gone.
            if self._client is not None:
                return await _download(self._client, url)
            async with httpx.AsyncClient(timeout=SEND_TIMEOUT) as client:
                return await _download(client, url)

        return fetch


async def _download(client: httpx.AsyncClient, url: str) -> bytes:
    try:
        async with client.stream("GET", url, follow_redirects=True) as response:
            if response.status_code >= 400:
                raise DeliveryError(
                    f"zalo image download: HTTP {response.status_code}",
                    permanent=response.status_code < 500,
                )
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_IMAGE_BYTES:
                    raise DeliveryError("zalo image download: image too large", permanent=True)
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as error:
        raise DeliveryError(
            f"zalo image download: {type(error).__name__}", permanent=False
        ) from None
