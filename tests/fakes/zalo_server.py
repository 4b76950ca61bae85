"""A fake Zalo Bot Platform API server for tests.

    async with FakeZalo(token="1234:secret") as zl:
        # zl.base_url == "http://127.0.0.1:PORT"; the adapter calls
        # f"{zl.base_url}/bot{token}/{method}" (the real base is
        # "https://bot-api.zaloplatforms.com").
        zl.user_says(chat_id="u1", text="xong")
        ...
        [reply] = await zl.wait_for_messages("u1")

Conventions of this fake (the platform documents the bodies, not the HTTP statuses):
- Every method is POST (GET is accepted too) with a JSON body; a body that is not a JSON
  object is refused with error_code 400.
- Every answer under /bot... has HTTP status 200 and a JSON body, either
  `{"ok": true, "result": ...}` or `{"ok": false, "error_code": N, "description": ...}`;
  an adapter must look at `ok`, not at the status.
- `getUpdates` returns ONE event as `result` (no array, no update id, no offset) and
  an event is delivered once. An empty poll answers
  `{"ok": false, "error_code": 408, "description": "Request timeout"}`.
- `getUpdates` while a webhook is set answers error_code 409 ("Conflict: ...").
- `sendChatAction` answers `{"ok": true}` without `result`, as documented.
- Wrong token: error_code 401 "Unauthorized"; unknown method: error_code 404 "Not Found".
- Ids (chat, user, message) are strings; dates are milliseconds since the epoch.
- `chat_id` must be a JSON string (the documented type), else error_code 400.
"""

from __future__ import annotations

import base64
import itertools
import json
import time
from collections import defaultdict
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes import LocalHttpServer

TEXT_LIMIT = 2000  # characters, for sendMessage text and sendPhoto caption
SECRET_TOKEN_LENGTH = range(8, 257)
CHAT_ACTIONS = frozenset({"typing", "upload_photo"})
DEFAULT_POLL_TIMEOUT = 30.0

EVENT_TEXT = "message.text.received"
EVENT_IMAGE = "message.image.received"
EVENT_STICKER = "message.sticker.received"
EVENT_VOICE = "message.voice.received"
EVENT_UNSUPPORTED = "message.unsupported.received"

# Methods that put a message into a chat; `sent` and `wait_for_messages` cover these.
DELIVERING_METHODS = frozenset({"sendMessage", "sendPhoto", "sendSticker"})

# A valid 2x2 JPEG, so that image events point at something a client can decode.
SAMPLE_JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxO"
    "QERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2Nj"
    "Y2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAACAAIDASIAAhEBAxEB/8QAHwAAAQUBAQEB"
    "AQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKB"
    "kaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1"
    "dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl"
    "5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcF"
    "BAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5"
    "OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0"
    "tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDHooorhPqD"
    "/9k="
)

_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    408: "Request timeout",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


class ApiError(Exception):
    """An error answered the Zalo way (HTTP 200, `ok: false`)."""

    def __init__(self, error_code: int, description: str) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description

    def body(self) -> dict[str, Any]:
        return {"ok": False, "error_code": self.error_code, "description": self.description}


def _bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _chat_id(body: dict[str, Any]) -> str:
    value = body.get("chat_id")
    if not isinstance(value, str) or not value:
        raise _bad_request("chat_id is required and must be a string")
    return value


def _text(body: dict[str, Any], field: str, required: bool) -> str | None:
    value = body.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= TEXT_LIMIT:
        raise _bad_request(f"{field} must be a string of 1 to {TEXT_LIMIT} characters")
    return value


async def _read_body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise _bad_request("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _bad_request("request body must be a JSON object")
    return body


class FakeZalo(LocalHttpServer):
    """A Zalo Bot Platform API server on 127.0.0.1 (see the module docstring)."""

    def __init__(self, token: str = "1234:secret", *, account_name: str = "bot.nhacviec") -> None:
        super().__init__()
        self.token = token
        self.bot_info: dict[str, Any] = {
            "id": token.split(":", 1)[0],
            "account_name": account_name,
            "account_type": "BASIC",
            "can_join_groups": False,
        }
        self.sent: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.webhook: dict[str, Any] | None = None
        self.images: dict[str, bytes] = {"sample": SAMPLE_JPEG}
        self._events: list[dict[str, Any]] = []
        self._failures: dict[str, list[ApiError]] = defaultdict(list)
        self._message_counter = itertools.count(1)

    # -- URLs ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`; the adapter appends `/bot{token}/{method}`."""
        return self.origin

    @property
    def bot_url(self) -> str:
        """`http://127.0.0.1:PORT/bot{token}`, for calling methods directly."""
        return f"{self.origin}/bot{self.token}"

    def image_url(self, name: str = "sample", content: bytes | None = None) -> str:
        """URL of an image served by this fake (`GET /img/{name}.jpg`).

        Pass `content` to serve your own bytes under that name.
        """
        if content is not None:
            self.images[name] = content
        elif name not in self.images:
            self.images[name] = SAMPLE_JPEG
        return f"{self.origin}/img/{name}.jpg"

    # -- the user's side -------------------------------------------------------------------

    def event(
        self, event_name: str, chat_id: str, display_name: str = "Lan", **fields: Any
    ) -> dict[str, Any]:
        """Build (without queueing) an event as the platform sends it."""
        message: dict[str, Any] = {
            "chat": {"id": chat_id, "chat_type": "PRIVATE"},
            "from": {"id": chat_id, "display_name": display_name, "is_bot": False},
            "message_id": self._next_message_id(),
            "date": _now_ms(),
        }
        message.update({key: value for key, value in fields.items() if value is not None})
        return {"event_name": event_name, "message": message}

    def text_event(self, chat_id: str, text: str, display_name: str = "Lan") -> dict[str, Any]:
        return self.event(EVENT_TEXT, chat_id, display_name, text=text)

    def image_event(
        self,
        chat_id: str,
        photo_url: str | None = None,
        caption: str | None = None,
        display_name: str = "Lan",
    ) -> dict[str, Any]:
        """An image event; without `photo_url` it points at this fake's sample image."""
        photo = photo_url or self.image_url()
        return self.event(EVENT_IMAGE, chat_id, display_name, photo=photo, caption=caption)

    def queue_event(self, event: dict[str, Any]) -> dict[str, Any]:
        """Queue any event for getUpdates (wakes a pending long poll)."""
        self._events.append(event)
        self._changed.notify()
        return event

    def user_says(self, chat_id: str, text: str, display_name: str = "Lan") -> dict[str, Any]:
        """Queue a text message from the user; return the event."""
        return self.queue_event(self.text_event(chat_id, text, display_name))

    def user_sends_image(
        self,
        chat_id: str,
        photo_url: str | None = None,
        caption: str | None = None,
        display_name: str = "Lan",
    ) -> dict[str, Any]:
        """Queue an image message from the user; return the event."""
        return self.queue_event(self.image_event(chat_id, photo_url, caption, display_name))

    def user_sends_sticker(
        self, chat_id: str, sticker: str = "0e078a2fb66a5f34067b", display_name: str = "Lan"
    ) -> dict[str, Any]:
        return self.queue_event(self.event(EVENT_STICKER, chat_id, display_name, sticker=sticker))

    @property
    def pending_events(self) -> list[dict[str, Any]]:
        return list(self._events)

    async def push_to_webhook(self, event: dict[str, Any], wrapped: bool = False) -> int:
        """POST an event to the webhook set by the bot; return the HTTP status.

        `wrapped=True` sends `{"ok": true, "result": event}` instead of the bare event,
        since sources disagree on the envelope the platform uses.
        """
        if self.webhook is None:
            raise RuntimeError("no webhook is set; the bot must call setWebhook first")
        payload = {"ok": True, "result": event} if wrapped else event
        headers = {"X-Bot-Api-Secret-Token": self.webhook["secret_token"]}
        async with aiohttp.ClientSession() as session:
            async with session.post(self.webhook["url"], json=payload, headers=headers) as resp:
                await resp.read()
                return resp.status

    # -- observing the bot -----------------------------------------------------------------

    def messages_to(self, chat_id: str) -> list[dict[str, Any]]:
        return [item for item in self.sent if item["chat_id"] == chat_id]

    async def wait_for_messages(
        self, chat_id: str, count: int = 1, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Wait until the bot sent at least `count` messages to the chat.

        Returns all of them so far (not only the newest), in order; raises TimeoutError.
        """
        if not await self.wait_until(lambda: len(self.messages_to(chat_id)) >= count, timeout):
            got = [item.get("text") or item.get("photo") for item in self.messages_to(chat_id)]
            raise TimeoutError(
                f"expected {count} message(s) to chat {chat_id!r} within {timeout}s, "
                f"got {len(got)}: {got!r}; calls so far: {self.calls}"
            )
        return self.messages_to(chat_id)

    def fail_next(
        self, method: str, error_code: int = 500, description: str | None = None
    ) -> None:
        """Make the next call of `method` fail (failures stack up, one per call)."""
        text = description or _DEFAULT_DESCRIPTIONS.get(error_code, "Error")
        self._failures[method].append(ApiError(error_code, text))

    def stop_failing(self) -> None:
        """Forget the failures still queued by `fail_next`: the service is back."""
        self._failures.clear()

    # -- HTTP plumbing ---------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/img/{name}.jpg", self._handle_image)
        return app

    async def _handle_image(self, request: web.Request) -> web.Response:
        content = self.images.get(request.match_info["name"])
        if content is None:
            raise web.HTTPNotFound()
        return web.Response(body=content, content_type="image/jpeg")

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls.append(method)
        self._changed.notify()  # tests may wait for a call to arrive
        try:
            body = await _read_body(request)
            self.requests.append((method, body))
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if self._failures.get(method):
                raise self._failures[method].pop(0)
            handler = self._handlers().get(method)
            if handler is None:
                raise ApiError(404, "Not Found")
            answer = await handler(request, body)
        except ApiError as error:
            answer = error.body()
        finally:
            self._changed.notify()
        return web.json_response(answer)

    def _handlers(self) -> dict[str, Any]:
        return {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendSticker": self._send_sticker,
            "sendChatAction": self._send_chat_action,
        }

    def _next_message_id(self) -> str:
        # Zalo ids are opaque hex strings; a counter keeps tests deterministic.
        return f"{next(self._message_counter):020x}"

    def _deliver(self, method: str, chat_id: str, body: dict[str, Any], **fields: Any) -> dict:
        result = {"message_id": self._next_message_id(), "date": _now_ms()}
        record = {"method": method, "chat_id": chat_id, **fields, **result, "params": body}
        self.sent.append(record)
        return {"ok": True, "result": result}

    # -- methods ---------------------------------------------------------------------------

    async def _get_me(self, request: web.Request, body: dict) -> dict[str, Any]:
        return {"ok": True, "result": dict(self.bot_info)}

    async def _get_updates(self, request: web.Request, body: dict) -> dict[str, Any]:
        if self.webhook is not None:
            raise ApiError(
                409, "Conflict: getUpdates is not available while a webhook is set"
            )
        try:
            timeout = max(float(body.get("timeout", DEFAULT_POLL_TIMEOUT)), 0.0)
        except (TypeError, ValueError):
            raise _bad_request("timeout must be a number of seconds") from None
        await self.wait_until(lambda: bool(self._events), timeout)
        transport = request.transport
        if not self._events or transport is None or transport.is_closing():
            # Nothing to deliver, or the client already hung up: keep the event queued
            # rather than "deliver" it into a closed connection.
            raise ApiError(408, "Request timeout")
        return {"ok": True, "result": self._events.pop(0)}

    async def _set_webhook(self, request: web.Request, body: dict) -> dict[str, Any]:
        url = body.get("url")
        secret = body.get("secret_token")
        if not isinstance(url, str) or not url:
            raise _bad_request("url is required")
        if not isinstance(secret, str) or len(secret) not in SECRET_TOKEN_LENGTH:
            raise _bad_request("secret_token must be 8 to 256 characters")
        self.webhook = {"url": url, "secret_token": secret, "updated_at": _now_ms()}
        return {"ok": True, "result": {"url": url, "updated_at": self.webhook["updated_at"]}}

    async def _delete_webhook(self, request: web.Request, body: dict) -> dict[str, Any]:
        self.webhook = None
        return {"ok": True, "result": {"url": "", "updated_at": _now_ms()}}

    async def _get_webhook_info(self, request: web.Request, body: dict) -> dict[str, Any]:
        if self.webhook is None:
            return {"ok": True, "result": {"url": "", "updated_at": 0}}
        info = {"url": self.webhook["url"], "updated_at": self.webhook["updated_at"]}
        return {"ok": True, "result": info}

    async def _send_message(self, request: web.Request, body: dict) -> dict[str, Any]:
        chat_id = _chat_id(body)
        text = _text(body, "text", required=True)
        return self._deliver("sendMessage", chat_id, body, text=text)

    async def _send_photo(self, request: web.Request, body: dict) -> dict[str, Any]:
        chat_id = _chat_id(body)
        photo = body.get("photo")
        if not isinstance(photo, str) or not photo.startswith(("http://", "https://")):
            raise _bad_request("photo must be an image URL")
        caption = _text(body, "caption", required=False)
        return self._deliver("sendPhoto", chat_id, body, photo=photo, caption=caption)

    async def _send_sticker(self, request: web.Request, body: dict) -> dict[str, Any]:
        chat_id = _chat_id(body)
        sticker = body.get("sticker")
        if not isinstance(sticker, str) or not sticker:
            raise _bad_request("sticker is required")
        return self._deliver("sendSticker", chat_id, body, sticker=sticker)

    async def _send_chat_action(self, request: web.Request, body: dict) -> dict[str, Any]:
        _chat_id(body)
        if body.get("action") not in CHAT_ACTIONS:
            raise _bad_request(f"action must be one of {sorted(CHAT_ACTIONS)}")
        return {"ok": True}
