"""A fake Telegram Bot API server for tests.

    async with FakeTelegram(token="123:ABC") as tg:
        app = (ApplicationBuilder().token(tg.token)
               .base_url(tg.base_url).base_file_url(tg.base_file_url).build())
        tg.user_says(chat_id=42, text="/start")
        ...
        [reply] = await tg.wait_for_messages(42)

How python-telegram-bot 22.8 sends parameters (and hence what this server parses):
every call is a POST to `{base_url}{token}/{method}`. Without files the body is
`application/x-www-form-urlencoded`; with an upload it is `multipart/form-data` with the
file in a part named after the parameter (`document`, `photo`, ...). In both cases every
value is a string: strings as they are, everything else JSON-encoded (`chat_id=42`,
`reply_markup={"inline_keyboard": ...}`, `disable_notification=false`). PTB relies on
the HTTP status (not `error_code`) to choose the exception, so errors are answered with
status == error_code. JSON bodies and GET query strings are accepted too, as Telegram does.

Deliberate simplifications: every chat is a private chat whose id is the user's id; any
chat id is accepted (the real API would refuse users who never wrote to the bot);
`setWebhook` accepts plain http URLs on any port; `allowed_updates` is stored but not
applied; only HTML `parse_mode` is validated (MarkdownV2 passes through unchecked).
"""

from __future__ import annotations

import html
import itertools
import json
import mimetypes
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes import LocalHttpServer

TEXT_LIMIT = 4096  # characters (UTF-16 code units) after entity parsing
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes
UPLOAD_LIMIT = 50 * 1024 * 1024  # the Bot API's upload limit for bots

# Methods whose successful calls deliver something to a user; these go to `sent`.
DELIVERING_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "editMessageText",
        "editMessageReplyMarkup",
        "answerCallbackQuery",
    }
)
# The subset that puts a new message into a chat; `wait_for_messages` waits for these.
NEW_MESSAGE_METHODS = frozenset({"sendMessage", "sendDocument", "sendPhoto"})

# Tags Telegram's HTML parse mode understands.
_HTML_TAGS = frozenset(
    {
        "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
        "tg-spoiler", "a", "code", "pre", "blockquote", "tg-emoji",
    }
)  # fmt: skip
_HTML_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>")
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?")
_BOT_COMMAND_NAME_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply "
    "markup are exactly the same as a current content and reply markup of the message"
)
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class ApiError(Exception):
    """An error answered the Telegram way: `{"ok": false, "error_code", "description"}`."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def to_response(self) -> web.Response:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        # PTB maps the HTTP status, not error_code, to its exception classes.
        return web.json_response(body, status=self.error_code)


def _bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


@dataclass
class Upload:
    filename: str
    content: bytes
    mime_type: str


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    filename: str
    content: bytes
    mime_type: str


# -- parameter decoding --------------------------------------------------------------


async def read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Collect parameters from the query string and a JSON, form or multipart body."""
    params: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if request.content_type == "application/json":
        raw = await request.read()
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                raise _bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise _bad_request("JSON request body must be an object")
            params.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                uploads[key] = Upload(
                    filename=value.filename,
                    content=value.file.read(),
                    mime_type=value.content_type,
                )
            else:
                params[key] = value
    return params, uploads


def _as_json(value: Any) -> Any:
    """Form fields carry JSON-encoded objects as strings; JSON bodies carry them as is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            raise _bad_request(f"can't parse JSON object {value[:50]!r}") from None
    return value


def _as_int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad_request(f"invalid {name} specified") from None


def _as_float(value: Any, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _bad_request(f"invalid {name} specified") from None


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


def _chat_id(params: dict[str, Any]) -> int:
    if params.get("chat_id") in (None, ""):
        raise _bad_request("chat_id is empty")
    value = params["chat_id"]
    if isinstance(value, str) and not value.lstrip("-").isdigit():
        raise _bad_request("chat not found")  # @channel usernames: no channels here
    return int(value)


def _utf16_len(text: str) -> int:
    # Telegram counts text length in UTF-16 code units (an emoji may count as 2).
    return len(text.encode("utf-16-le")) // 2


def html_to_plain(text: str) -> str:
    """Validate Telegram-style HTML and return the plain text the user would see."""
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while (lt := text.find("<", pos)) != -1:
        out.append(text[pos:lt])
        offset = len(text[:lt].encode())
        match = _HTML_TAG_RE.match(text, lt)
        if match is None:
            raise _bad_request(
                f"can't parse entities: Unexpected character at byte offset {offset}"
            )
        closing, name = match.group(1) == "/", match.group(2).lower()
        if name not in _HTML_TAGS:
            kind = "end" if closing else "start"
            raise _bad_request(
                f'can\'t parse entities: Unsupported {kind} tag "{name}" at byte offset {offset}'
            )
        if not closing:
            stack.append(name)
        elif not stack or stack[-1] != name:
            expected = f'"</{stack[-1]}>"' if stack else "nothing"
            raise _bad_request(
                f"can't parse entities: Unmatched end tag at byte offset {offset}, "
                f'expected {expected}, found "</{name}>"'
            )
        else:
            stack.pop()
        pos = match.end()
    if stack:
        raise _bad_request(
            f'can\'t parse entities: Can\'t find end tag corresponding to start tag "{stack[-1]}"'
        )
    out.append(text[pos:])
    return html.unescape("".join(out))


def _visible_text(text: str, parse_mode: str | None) -> str:
    if parse_mode is not None and parse_mode.lower() == "html":
        return html_to_plain(text)
    return text


def _inline_markup(reply_markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """Only inline keyboards are echoed back inside Message objects."""
    if reply_markup and "inline_keyboard" in reply_markup:
        return reply_markup
    return None


def _validate_markup(reply_markup: Any) -> None:
    if reply_markup is None:
        return
    if not isinstance(reply_markup, dict):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    for row in reply_markup.get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise _bad_request("BUTTON_TEXT_EMPTY")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
                raise _bad_request("BUTTON_DATA_INVALID")


def _callback_data_in(message: dict[str, Any]) -> set[str]:
    markup = message.get("reply_markup") or {}
    return {
        button["callback_data"]
        for row in markup.get("inline_keyboard", [])
        for button in row
        if "callback_data" in button
    }


def _command_entities(text: str) -> list[dict[str, Any]]:
    """A leading /command gets a bot_command entity; PTB's CommandHandler needs it."""
    match = _COMMAND_RE.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": _utf16_len(match.group())}]


# -- the server ------------------------------------------------------------------------


class FakeTelegram(LocalHttpServer):
    """A Telegram Bot API server on 127.0.0.1 (see the module docstring)."""

    def __init__(
        self,
        token: str = "123:ABC",
        *,
        bot_username: str = "nhacviec_test_bot",
        bot_first_name: str = "Nhắc việc",
    ) -> None:
        super().__init__()
        self.token = token
        bot_id = token.split(":", 1)[0]
        self.bot_user: dict[str, Any] = {
            "id": int(bot_id) if bot_id.isdigit() else 1,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.sent: list[dict[str, Any]] = []
        self.calls: list[str] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.webhook: dict[str, Any] | None = None
        self._failures: dict[str, list[ApiError]] = defaultdict(list)
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = defaultdict(
            lambda: itertools.count(1)
        )
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self._names: dict[int, str] = {}
        self._callbacks: dict[str, dict[str, Any]] = {}
        self._callback_ids = itertools.count(4_000_000_001)
        self._files: dict[str, StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._poll_generation = 0

    # -- URLs ----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT/bot`; PTB appends the token and `/method`."""
        return f"{self.origin}/bot"

    @property
    def base_file_url(self) -> str:
        """`http://127.0.0.1:PORT/file/bot`; PTB appends the token and `/file_path`."""
        return f"{self.origin}/file/bot"

    # -- the user's side -------------------------------------------------------------------

    def user_says(
        self,
        chat_id: int,
        text: str,
        first_name: str = "Lan",
        reply_to_message_id: int | None = None,
    ) -> int:
        """Queue a text message from the user for getUpdates; return its message_id."""
        update = self.text_update(chat_id, text, first_name, reply_to_message_id)
        return self.queue_update(update)["message"]["message_id"]

    def user_sends_document(
        self,
        chat_id: int,
        file_name: str,
        content: bytes,
        caption: str | None = None,
        mime_type: str | None = None,
        first_name: str | None = None,
    ) -> int:
        """Queue a document from the user; the bot can fetch it via getFile."""
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        stored = self._store_file(content, file_name, mime, folder="documents")
        message = self._user_message(chat_id, first_name, caption=caption)
        message["document"] = self._document_json(stored)
        return self.queue_update(self._wrap_update("message", message))["message"]["message_id"]

    def user_sends_photo(
        self,
        chat_id: int,
        content: bytes,
        caption: str | None = None,
        first_name: str | None = None,
    ) -> int:
        """Queue a photo from the user; the bot can fetch it via getFile."""
        stored = self._store_file(content, "photo.jpg", "image/jpeg", folder="photos")
        message = self._user_message(chat_id, first_name, caption=caption)
        message["photo"] = [self._photo_size_json(stored)]
        return self.queue_update(self._wrap_update("message", message))["message"]["message_id"]

    def user_presses(self, chat_id: int, message_id: int, data: str) -> str:
        """Press an inline button of a bot message; return the callback query id.

        Raises ValueError if that message has no button with this callback_data: a
        real user cannot press a button that is not (or no longer) shown.
        """
        message = self._messages.get((chat_id, message_id))
        if message is None or not message["from"]["is_bot"]:
            raise ValueError(f"no bot message {message_id} in chat {chat_id}")
        if data not in _callback_data_in(message):
            raise ValueError(
                f"message {message_id} in chat {chat_id} has no button with "
                f"callback_data {data!r}; it has {sorted(_callback_data_in(message))}"
            )
        callback_id = str(next(self._callback_ids))
        self._callbacks[callback_id] = {"chat_id": chat_id, "message_id": message_id}
        query = {
            "id": callback_id,
            "from": self._user(chat_id),
            "message": dict(message),
            "chat_instance": f"-{chat_id}{self.bot_user['id']}",
            "data": data,
        }
        self.queue_update(self._wrap_update("callback_query", query))
        return callback_id

    def text_update(
        self,
        chat_id: int,
        text: str,
        first_name: str = "Lan",
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        """Build (without queueing) a message Update, e.g. for `post_update_to_webhook`."""
        message = self._user_message(chat_id, first_name, text=text)
        if entities := _command_entities(text):
            message["entities"] = entities
        if reply_to_message_id is not None:
            message["reply_to_message"] = self._replied(chat_id, reply_to_message_id)
        return self._wrap_update("message", message)

    def queue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue any Update dict for getUpdates (wakes pending long polls)."""
        self._updates.append(update)
        self._changed.notify()
        return update

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates not yet confirmed by a getUpdates offset."""
        return list(self._updates)

    # -- observing the bot -----------------------------------------------------------------

    def messages_to(self, chat_id: int) -> list[dict[str, Any]]:
        """New messages (sendMessage/sendDocument/sendPhoto) the bot sent to a chat."""
        return [
            item
            for item in self.sent
            if item["method"] in NEW_MESSAGE_METHODS and item["chat_id"] == int(chat_id)
        ]

    async def wait_for_messages(
        self, chat_id: int, count: int = 1, timeout: float = 5.0
    ) -> list[dict[str, Any]]:
        """Wait until the bot sent at least `count` new messages to the chat.

        Returns all of them so far (not only the newest), in order; raises TimeoutError.
        """
        if not await self.wait_until(lambda: len(self.messages_to(chat_id)) >= count, timeout):
            got = [item.get("text") or item.get("caption") for item in self.messages_to(chat_id)]
            raise TimeoutError(
                f"expected {count} message(s) to chat {chat_id} within {timeout}s, "
                f"got {len(got)}: {got!r}; calls so far: {self.calls}"
            )
        return self.messages_to(chat_id)

    def message(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """The current state of a stored message (e.g. after the bot edited it)."""
        return dict(self._messages[(int(chat_id), int(message_id))])

    def commands_for(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        return list(self._commands.get(self._commands_key(scope, language_code), []))

    @property
    def commands(self) -> list[dict[str, Any]]:
        """Commands set for the default scope and no language."""
        return self.commands_for()

    def fail_next(
        self,
        method: str,
        error_code: int = 403,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Make the next call of `method` fail (failures stack up, one per call).

        The description defaults to Telegram's wording for the code, e.g. 403 "Forbidden:
        bot was blocked by the user"; a 429 without `retry_after` gets retry_after=1.
        """
        if error_code == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            template = _DEFAULT_DESCRIPTIONS.get(error_code, "Error")
            description = template.format(retry_after=retry_after)
        self._failures[method.lower()].append(ApiError(error_code, description, retry_after))

    def stop_failing(self) -> None:
        """Forget the failures still queued by `fail_next`: the service is back."""
        self._failures.clear()

    async def post_update_to_webhook(
        self, url: str, update: dict[str, Any], secret_token: str | None = None
    ) -> int:
        """POST an Update the way Telegram does (with the secret header); return the status."""
        headers = {}
        if secret_token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=update, headers=headers) as response:
                await response.read()
                return response.status

    # -- building objects ------------------------------------------------------------------

    def _user(self, chat_id: int) -> dict[str, Any]:
        return {
            "id": chat_id,
            "is_bot": False,
            "first_name": self._names.get(chat_id, f"User {chat_id}"),
            "language_code": "vi",
        }

    def _chat(self, chat_id: int) -> dict[str, Any]:
        return {
            "id": chat_id,
            "type": "private",
            "first_name": self._names.get(chat_id, f"User {chat_id}"),
        }

    def _new_message(self, chat_id: int, sender: dict[str, Any], **content: Any) -> dict:
        # In a private chat both sides share one message-id sequence, as in Telegram.
        message = {
            "message_id": next(self._message_ids[chat_id]),
            "from": sender,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **{key: value for key, value in content.items() if value is not None},
        }
        self._messages[(chat_id, message["message_id"])] = message
        return message

    def _user_message(self, chat_id: int, first_name: str | None, **content: Any) -> dict:
        if first_name is not None:
            self._names[chat_id] = first_name
        return self._new_message(chat_id, self._user(chat_id), **content)

    def _wrap_update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), kind: payload}

    def _replied(self, chat_id: int, message_id: int) -> dict[str, Any]:
        replied = self._messages.get((chat_id, message_id))
        if replied is None:
            raise ValueError(f"no message {message_id} in chat {chat_id} to reply to")
        # Telegram does not nest replies inside reply_to_message.
        return {key: value for key, value in replied.items() if key != "reply_to_message"}

    def _store_file(self, content: bytes, filename: str, mime: str, folder: str) -> StoredFile:
        number = next(self._file_counter)
        suffix = mimetypes.guess_extension(mime) or ""
        if "." in filename:
            suffix = "." + filename.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=f"BQACAgUAAxkBAAI{number:06d}",
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"{folder}/file_{number}{suffix}",
            filename=filename,
            content=content,
            mime_type=mime,
        )
        self._files[stored.file_id] = stored
        return stored

    @staticmethod
    def _document_json(stored: StoredFile) -> dict[str, Any]:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": stored.filename,
            "mime_type": stored.mime_type,
            "file_size": len(stored.content),
        }

    @staticmethod
    def _photo_size_json(stored: StoredFile) -> dict[str, Any]:
        # Real Telegram returns several sizes; one is enough for clients.
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "width": 800,
            "height": 600,
            "file_size": len(stored.content),
        }

    @staticmethod
    def _commands_key(scope: dict[str, Any] | None, language_code: str | None) -> tuple:
        scope = scope or {"type": "default"}
        return json.dumps(scope, sort_keys=True), language_code or ""

    # -- HTTP plumbing ---------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=UPLOAD_LIMIT + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._handle_not_found)
        return app

    async def _handle_not_found(self, request: web.Request) -> web.Response:
        return ApiError(404, "Not Found").to_response()

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return ApiError(404, "Not Found").to_response()
        path = request.match_info["file_path"]
        for stored in self._files.values():
            if stored.file_path == path:
                return web.Response(body=stored.content, content_type=stored.mime_type)
        return ApiError(404, "Not Found").to_response()

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls.append(method)
        self._changed.notify()  # tests may wait for a call to arrive
        try:
            params, uploads = await read_params(request)
            self.requests.append((method, params))
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if self._failures.get(method.lower()):
                raise self._failures[method.lower()].pop(0)
            handler = self._handlers().get(method.lower())
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(params, uploads)
        except ApiError as error:
            return error.to_response()
        finally:
            self._changed.notify()
        return web.json_response({"ok": True, "result": result})

    def _handlers(self) -> dict[str, Any]:
        # Method names are case-insensitive in the Bot API.
        return {
            "getme": self._get_me,
            "logout": self._harmless,
            "close": self._harmless,
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "senddocument": self._send_document,
            "sendphoto": self._send_photo,
            "sendchataction": self._harmless,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "getfile": self._get_file,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
        }

    def _record(self, method: str, chat_id: int, params: dict[str, Any], **fields: Any) -> None:
        self.sent.append({"method": method, "chat_id": chat_id, **fields, "params": params})

    # -- methods: bot & updates ------------------------------------------------------------

    async def _get_me(self, params: dict, uploads: dict) -> dict[str, Any]:
        return dict(self.bot_user)

    async def _harmless(self, params: dict, uploads: dict) -> bool:
        return True

    async def _get_updates(self, params: dict, uploads: dict) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._confirm_updates(_as_int(params.get("offset", 0), "offset"))
        limit = min(max(_as_int(params.get("limit", 100), "limit"), 1), 100)
        timeout = max(_as_float(params.get("timeout", 0), "timeout"), 0.0)
        # A newer getUpdates ends an older pending one, as on the real server; this
        # surfaces two pollers running against the same token.
        self._poll_generation += 1
        generation = self._poll_generation
        self._changed.notify()
        await self.wait_until(
            lambda: bool(self._updates) or generation != self._poll_generation, timeout
        )
        if generation != self._poll_generation and not self._closing:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; "
                "make sure that only one bot instance is running",
            )
        return self._updates[:limit]

    def _confirm_updates(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            # A negative offset keeps the last -offset updates and forgets the rest.
            self._updates = self._updates[offset:]

    async def _set_webhook(self, params: dict, uploads: dict) -> bool:
        url = params.get("url") or ""
        if not url:
            return await self._delete_webhook(params, uploads)
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(secret):
            raise _bad_request("secret token contains unallowed characters")
        if _as_bool(params.get("drop_pending_updates", False)):
            self._updates.clear()
        self.webhook = {
            "url": url,
            "secret_token": secret,
            "max_connections": _as_int(params.get("max_connections", 40), "max_connections"),
            "allowed_updates": _as_json(params["allowed_updates"])
            if "allowed_updates" in params
            else None,
            "ip_address": params.get("ip_address"),
            "drop_pending_updates": _as_bool(params.get("drop_pending_updates", False)),
            "has_custom_certificate": "certificate" in uploads,
        }
        return True

    async def _delete_webhook(self, params: dict, uploads: dict) -> bool:
        if _as_bool(params.get("drop_pending_updates", False)):
            self._updates.clear()
        self.webhook = None
        return True

    async def _get_webhook_info(self, params: dict, uploads: dict) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook is not None:
            info["url"] = self.webhook["url"]
            info["has_custom_certificate"] = self.webhook["has_custom_certificate"]
            info["max_connections"] = self.webhook["max_connections"]
            for key in ("ip_address", "allowed_updates"):
                if self.webhook[key] is not None:
                    info[key] = self.webhook[key]
        return info

    # -- methods: sending ------------------------------------------------------------------

    def _reply_to(self, chat_id: int, params: dict[str, Any]) -> dict[str, Any] | None:
        reply = _as_json(params["reply_parameters"]) if "reply_parameters" in params else None
        message_id = (reply or {}).get("message_id", params.get("reply_to_message_id"))
        if message_id is None:
            return None
        replied = self._messages.get((chat_id, _as_int(message_id, "reply_to_message_id")))
        if replied is None:
            allow = (reply or {}).get("allow_sending_without_reply") or params.get(
                "allow_sending_without_reply"
            )
            if _as_bool(allow or False):
                return None
            raise _bad_request("message to be replied not found")
        return self._replied(chat_id, replied["message_id"])

    def _markup(self, params: dict[str, Any]) -> dict[str, Any] | None:
        markup = _as_json(params["reply_markup"]) if "reply_markup" in params else None
        _validate_markup(markup)
        return markup

    def _caption(self, params: dict[str, Any]) -> str | None:
        caption = params.get("caption")
        if caption in (None, ""):
            return None
        visible = _visible_text(caption, params.get("parse_mode"))
        if _utf16_len(visible) > CAPTION_LIMIT:
            raise _bad_request("message caption is too long")
        return visible

    async def _send_message(self, params: dict, uploads: dict) -> dict[str, Any]:
        chat_id = _chat_id(params)
        text = params.get("text") or ""
        visible = _visible_text(text, params.get("parse_mode"))
        if not visible.strip():
            raise _bad_request("message text is empty")
        if _utf16_len(visible) > TEXT_LIMIT:
            raise _bad_request("message is too long")
        markup = self._markup(params)
        message = self._new_message(
            chat_id,
            self.bot_user,
            text=visible,
            reply_to_message=self._reply_to(chat_id, params),
            reply_markup=_inline_markup(markup),
        )
        self._record(
            "sendMessage",
            chat_id,
            params,
            message_id=message["message_id"],
            text=text,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
        )
        return message

    def _incoming_file(
        self, field: str, params: dict[str, Any], uploads: dict[str, Upload], folder: str
    ) -> tuple[StoredFile | None, str | None]:
        """The uploaded file, or a stored one by file_id, or (None, url) for a URL."""
        if field in uploads:
            upload = uploads[field]
            if len(upload.content) > UPLOAD_LIMIT:
                raise ApiError(413, "Request Entity Too Large")
            stored = self._store_file(upload.content, upload.filename, upload.mime_type, folder)
            return stored, None
        reference = params.get(field)
        if isinstance(reference, str) and reference.startswith("attach://"):
            attached = uploads.get(reference.removeprefix("attach://"))
            if attached is None:
                raise _bad_request(f"there is no {field} in the request")
            stored = self._store_file(
                attached.content, attached.filename, attached.mime_type, folder
            )
            return stored, None
        if not isinstance(reference, str) or not reference:
            raise _bad_request(f"there is no {field} in the request")
        if reference in self._files:
            return self._files[reference], None
        if reference.startswith(("http://", "https://")):
            return None, reference
        raise _bad_request("wrong file identifier/HTTP URL specified")

    async def _send_document(self, params: dict, uploads: dict) -> dict[str, Any]:
        chat_id = _chat_id(params)
        stored, url = self._incoming_file("document", params, uploads, "documents")
        markup = self._markup(params)
        caption = self._caption(params)
        document = (
            self._document_json(stored)
            if stored
            else {"file_id": f"URL{len(self.sent)}", "file_unique_id": f"URL{len(self.sent)}"}
        )
        message = self._new_message(
            chat_id,
            self.bot_user,
            document=document,
            caption=caption,
            reply_to_message=self._reply_to(chat_id, params),
            reply_markup=_inline_markup(markup),
        )
        self._record(
            "sendDocument",
            chat_id,
            params,
            message_id=message["message_id"],
            caption=params.get("caption"),
            filename=stored.filename if stored else None,
            content=stored.content if stored else None,
            mime_type=stored.mime_type if stored else None,
            url=url,
            reply_markup=markup,
        )
        return message

    async def _send_photo(self, params: dict, uploads: dict) -> dict[str, Any]:
        chat_id = _chat_id(params)
        stored, url = self._incoming_file("photo", params, uploads, "photos")
        markup = self._markup(params)
        caption = self._caption(params)
        photo = (
            self._photo_size_json(stored)
            if stored
            else {
                "file_id": f"URL{len(self.sent)}",
                "file_unique_id": f"URL{len(self.sent)}",
                "width": 800,
                "height": 600,
            }
        )
        message = self._new_message(
            chat_id,
            self.bot_user,
            photo=[photo],
            caption=caption,
            reply_to_message=self._reply_to(chat_id, params),
            reply_markup=_inline_markup(markup),
        )
        self._record(
            "sendPhoto",
            chat_id,
            params,
            message_id=message["message_id"],
            caption=params.get("caption"),
            filename=stored.filename if stored else None,
            content=stored.content if stored else None,
            url=url,
            reply_markup=markup,
        )
        return message

    # -- methods: editing ------------------------------------------------------------------

    def _editable(self, params: dict[str, Any], action: str = "edit") -> dict[str, Any]:
        if "inline_message_id" in params:
            raise _bad_request("MESSAGE_ID_INVALID")  # inline mode is not faked
        chat_id = _chat_id(params)
        message_id = _as_int(params.get("message_id"), "message_id")
        message = self._messages.get((chat_id, message_id))
        if message is None:
            raise _bad_request(f"message to {action} not found")
        if action == "edit" and not message["from"]["is_bot"]:
            raise _bad_request("message can't be edited")
        return message

    async def _edit_message_text(self, params: dict, uploads: dict) -> dict[str, Any]:
        message = self._editable(params)
        if "text" not in message:
            raise _bad_request("there is no text in the message to edit")
        text = params.get("text") or ""
        visible = _visible_text(text, params.get("parse_mode"))
        if not visible.strip():
            raise _bad_request("message text is empty")
        if _utf16_len(visible) > TEXT_LIMIT:
            raise _bad_request("message is too long")
        markup = self._markup(params)
        # Editing the text without a reply_markup removes the inline keyboard.
        new_markup = _inline_markup(markup)
        if visible == message["text"] and new_markup == message.get("reply_markup"):
            raise _bad_request(_NOT_MODIFIED.removeprefix("Bad Request: "))
        message["text"] = visible
        self._apply_markup(message, new_markup)
        self._record(
            "editMessageText",
            message["chat"]["id"],
            params,
            message_id=message["message_id"],
            text=text,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
        )
        return dict(message)

    async def _edit_message_reply_markup(self, params: dict, uploads: dict) -> dict[str, Any]:
        message = self._editable(params)
        markup = self._markup(params)
        new_markup = _inline_markup(markup)
        if new_markup == message.get("reply_markup"):
            raise _bad_request(_NOT_MODIFIED.removeprefix("Bad Request: "))
        self._apply_markup(message, new_markup)
        self._record(
            "editMessageReplyMarkup",
            message["chat"]["id"],
            params,
            message_id=message["message_id"],
            reply_markup=markup,
        )
        return dict(message)

    @staticmethod
    def _apply_markup(message: dict[str, Any], markup: dict[str, Any] | None) -> None:
        message["edit_date"] = int(time.time())
        if markup is None:
            message.pop("reply_markup", None)
        else:
            message["reply_markup"] = markup

    async def _delete_message(self, params: dict, uploads: dict) -> bool:
        message = self._editable(params, action="delete")
        del self._messages[(message["chat"]["id"], message["message_id"])]
        return True

    async def _answer_callback_query(self, params: dict, uploads: dict) -> bool:
        callback_id = str(params.get("callback_query_id") or "")
        query = self._callbacks.get(callback_id)
        if query is None:
            raise _bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        self._record(
            "answerCallbackQuery",
            query["chat_id"],
            params,
            message_id=query["message_id"],
            callback_query_id=callback_id,
            text=params.get("text"),
            show_alert=_as_bool(params.get("show_alert", False)),
        )
        return True

    async def _get_file(self, params: dict, uploads: dict) -> dict[str, Any]:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    # -- methods: commands -----------------------------------------------------------------

    def _commands_key_from(self, params: dict[str, Any]) -> tuple:
        scope = _as_json(params["scope"]) if "scope" in params else None
        return self._commands_key(scope, params.get("language_code"))

    async def _set_my_commands(self, params: dict, uploads: dict) -> bool:
        commands = _as_json(params.get("commands", "[]"))
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad_request("commands must be a list of at most 100 BotCommand")
        for command in commands:
            if not _BOT_COMMAND_NAME_RE.fullmatch(str(command.get("command", ""))):
                raise _bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise _bad_request("command description must be 1-256 characters")
        self._commands[self._commands_key_from(params)] = commands
        return True

    async def _get_my_commands(self, params: dict, uploads: dict) -> list[dict[str, Any]]:
        return list(self._commands.get(self._commands_key_from(params), []))

    async def _delete_my_commands(self, params: dict, uploads: dict) -> bool:
        self._commands.pop(self._commands_key_from(params), None)
        return True
