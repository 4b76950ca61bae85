"""The Zalo adapter against the fake Zalo Bot Platform server, over real HTTP."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web

from bot.channels.base import Button, DeliveryError, Incoming
from bot.channels.zalo import ZaloApiError, ZaloChannel, ZaloTransportError
from tests.fakes import FakeZalo

TOKEN = "1234:secret"
SECRET = "webhook-secret-42"
POLL = 0.05  # seconds the fake holds an empty long poll


class Inbox:
    """The caller's side: collects what the channel hands over."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Incoming] = asyncio.Queue()

    async def __call__(self, incoming: Incoming) -> None:
        await self.queue.put(incoming)

    async def next(self, timeout: float = 3.0) -> Incoming:
        return await asyncio.wait_for(self.queue.get(), timeout)


class Sleeps:
    """An injected `sleep` that records back-off delays instead of waiting them out."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
async def zl() -> AsyncIterator[FakeZalo]:
    async with FakeZalo(token=TOKEN) as server:
        yield server


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


@pytest.fixture
async def channel(zl: FakeZalo, inbox: Inbox, sleeps: Sleeps) -> AsyncIterator[ZaloChannel]:
    """A started channel in long-polling mode."""
    ch = ZaloChannel(TOKEN, zl.base_url, poll_timeout=POLL, sleep=sleeps)
    await ch.start(inbox)
    yield ch
    await ch.stop()


def poll_tasks() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if t.get_name() == "zalo-poll" and not t.done()]


def our_log_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    # httpx logs request URLs (with the token) itself; it is quieted to WARNING in
    # production, so only our own loggers are held to "no token in logs".
    return [r.getMessage() for r in caplog.records if r.name.startswith("bot.channels")]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebhookEndpoint:
    """A tiny aiohttp server that forwards every POST to `channel.handle_webhook`."""

    def __init__(self, handler: Callable[[dict[str, str], bytes], Awaitable[int]]) -> None:
        self.handler = handler
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/zalo"
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        status = await self.handler(dict(request.headers), await request.read())
        return web.Response(status=status)

    async def __aenter__(self) -> WebhookEndpoint:
        app = web.Application()
        app.router.add_post("/zalo", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


class AnswerServer:
    """A server that answers every call with one fixed JSON body (for shapes FakeZalo lacks)."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._runner: web.AppRunner | None = None

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "getUpdates":
            await asyncio.sleep(POLL)
            return web.json_response({"ok": False, "error_code": 408})
        if method == "sendMessage":
            return web.json_response(self.answer)
        return web.json_response({"ok": True, "result": {}})

    async def __aenter__(self) -> AnswerServer:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


# -- lifecycle ----------------------------------------------------------------------------


async def test_start_checks_the_token_clears_the_webhook_and_polls(
    zl: FakeZalo, inbox: Inbox
) -> None:
    ch = ZaloChannel(TOKEN, zl.base_url, poll_timeout=POLL)
    await ch.start(inbox)
    await zl.wait_until(lambda: "getUpdates" in zl.calls, timeout=3)
    assert len(poll_tasks()) == 1

    await ch.stop()

    assert zl.calls[:2] == ["getMe", "deleteWebhook"]
    assert poll_tasks() == []
    # After stop nobody consumes events any more.
    zl.user_says("u1", "còn ai không")
    await asyncio.sleep(2 * POLL)
    assert len(zl.pending_events) == 1


async def test_a_stopped_channel_can_be_started_again(zl: FakeZalo, inbox: Inbox) -> None:
    ch = ZaloChannel(TOKEN, zl.base_url, poll_timeout=POLL)
    await ch.start(inbox)
    await ch.stop()
    await ch.start(inbox)
    zl.user_says("u1", "lần hai")

    assert (await inbox.next()).text == "lần hai"
    await ch.stop()
    assert poll_tasks() == []


async def test_a_wrong_token_fails_start_with_a_clear_error(zl: FakeZalo, inbox: Inbox) -> None:
    ch = ZaloChannel("1234:wrong-token", zl.base_url, poll_timeout=POLL)

    with pytest.raises(ZaloApiError, match="rejected the bot token") as raised:
        await ch.start(inbox)

    assert "wrong-token" not in str(raised.value)
    assert zl.calls == ["getMe"]
    assert poll_tasks() == []


async def test_an_unreachable_server_fails_start_without_leaking_the_token(
    inbox: Inbox,
) -> None:
    ch = ZaloChannel(TOKEN, f"http://127.0.0.1:{free_port()}", poll_timeout=POLL)

    with pytest.raises(ZaloTransportError, match="getMe") as raised:
        await ch.start(inbox)

    assert TOKEN not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


# -- receiving by long polling ----------------------------------------------------------


async def test_a_text_from_the_user_arrives_as_incoming(
    zl: FakeZalo, channel: ZaloChannel, inbox: Inbox
) -> None:
    event = zl.user_says("u1", "xong việc A", display_name="Chị Lan")

    incoming = await inbox.next()

    message = event["message"]
    assert incoming == Incoming(
        channel="zalo",
        chat_id="u1",
        user_id="u1",
        display_name="Chị Lan",
        date=datetime.fromtimestamp(message["date"] / 1000, UTC),
        text="xong việc A",
        message_id=message["message_id"],
        update_key=f"zalo:u1:{message['message_id']}",
    )
    assert abs((incoming.date - datetime.now(UTC)).total_seconds()) < 5


async def test_empty_polls_are_quiet(
    zl: FakeZalo, channel: ZaloChannel, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.channels")

    assert await zl.wait_until(lambda: zl.calls.count("getUpdates") >= 4, timeout=3)

    assert our_log_lines(caplog) == []
    assert sleeps.delays == []  # a 408 is "nothing new", not a failure


async def test_poll_failures_back_off_doubling_up_to_30_seconds(
    zl: FakeZalo, inbox: Inbox, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    for _ in range(7):
        zl.fail_next("getUpdates", error_code=500)
    ch = ZaloChannel(TOKEN, zl.base_url, poll_timeout=POLL, sleep=sleeps)
    await ch.start(inbox)
    zl.user_says("u1", "vẫn nghe chứ")

    incoming = await inbox.next()
    await ch.stop()

    assert incoming.text == "vẫn nghe chứ"
    assert sleeps.delays == [1, 2, 4, 8, 16, 30, 30]
    warnings = [r for r in caplog.records if r.name == "bot.channels.zalo"]
    assert len(warnings) == 7 and all("getUpdates failed" in r.getMessage() for r in warnings)


async def test_back_off_starts_again_after_a_good_poll(
    zl: FakeZalo, inbox: Inbox, sleeps: Sleeps
) -> None:
    zl.fail_next("getUpdates", error_code=500)
    zl.fail_next("getUpdates", error_code=500)
    ch = ZaloChannel(TOKEN, zl.base_url, poll_timeout=POLL, sleep=sleeps)
    await ch.start(inbox)
    zl.user_says("u1", "một")
    await inbox.next()
    zl.fail_next("getUpdates", error_code=502)
    zl.user_says("u1", "hai")
    await inbox.next()
    await ch.stop()

    assert sleeps.delays == [1, 2, 1]


async def test_network_errors_while_polling_back_off_and_keep_the_token_out_of_logs(
    inbox: Inbox, sleeps: Sleeps, caplog: pytest.LogCaptureFixture
) -> None:
    async with FakeZalo(token=TOKEN) as server:
        ch = ZaloChannel(TOKEN, server.base_url, poll_timeout=POLL, sleep=sleeps)
        await ch.start(inbox)
    # The server is gone: every poll now fails to connect.
    deadline = time.monotonic() + 3
    while len(sleeps.delays) < 3 and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    await ch.stop()

    assert sleeps.delays[:3] == [1, 2, 4]
    lines = our_log_lines(caplog)
    assert lines and all(TOKEN not in line and "secret" not in line for line in lines)


async def test_a_malformed_event_is_skipped_and_polling_goes_on(
    zl: FakeZalo, channel: ZaloChannel, inbox: Inbox, caplog: pytest.LogCaptureFixture
) -> None:
    zl.queue_event({"event_name": "message.text.received"})  # no message at all
    zl.queue_event({"event_name": "message.text.received", "message": {"chat": {}}})
    zl.user_says("u1", "sau sự cố")

    incoming = await inbox.next()

    assert incoming.text == "sau sự cố"
    assert sum("cannot read" in line for line in our_log_lines(caplog)) == 2


async def test_a_failing_handler_does_not_stop_the_loop(
    zl: FakeZalo, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    async def fragile(incoming: Incoming) -> None:
        seen.append(incoming.text)
        if incoming.text == "nổ":
            raise RuntimeError("database is down")

    ch = ZaloChannel(TOKEN, zl.base_url, poll_timeout=POLL)
    await ch.start(fragile)
    zl.user_says("u1", "nổ")
    zl.user_says("u1", "bình thường")
    await zl.wait_until(lambda: not zl.pending_events, timeout=3)
    await zl.wait_until(lambda: zl.calls.count("getUpdates") >= 3, timeout=3)
    await ch.stop()

    assert seen == ["nổ", "bình thường"]
    assert any("handling an event" in line for line in our_log_lines(caplog))


async def test_an_image_arrives_as_a_photo_attachment_that_can_be_fetched(
    zl: FakeZalo, channel: ZaloChannel, inbox: Inbox
) -> None:
    url = zl.image_url("hien-truong", content=b"\xff\xd8 site photo")
    event = zl.user_sends_image("u1", photo_url=url, caption="ảnh hiện trường")

    incoming = await inbox.next()

    attachment = incoming.attachment
    assert incoming.text == "ảnh hiện trường"
    assert attachment is not None
    message_id = event["message"]["message_id"]
    assert (attachment.kind, attachment.file_name, attachment.mime_type, attachment.size) == (
        "photo",
        f"zalo-{message_id}.jpg",
        "image/jpeg",
        None,
    )
    assert await attachment.fetch() == b"\xff\xd8 site photo"
    assert await channel.fetcher(attachment.source)() == b"\xff\xd8 site photo"


async def test_a_photo_can_still_be_fetched_after_stop(
    zl: FakeZalo, inbox: Inbox
) -> None:
    ch = ZaloChannel(TOKEN, zl.base_url, poll_timeout=POLL)
    await ch.start(inbox)
    zl.user_sends_image("u1")
    incoming = await inbox.next()
    await ch.stop()

    assert incoming.attachment is not None
    assert (await incoming.attachment.fetch()).startswith(b"\xff\xd8")


async def test_a_photo_that_is_gone_fails_fetch_as_a_delivery_error(
    zl: FakeZalo, channel: ZaloChannel, inbox: Inbox
) -> None:
    zl.user_sends_image("u1", photo_url=f"{zl.origin}/img/missing.jpg")

    incoming = await inbox.next()

    assert incoming.attachment is not None
    with pytest.raises(DeliveryError) as raised:
        await incoming.attachment.fetch()
    assert raised.value.permanent


async def test_stickers_arrive_with_empty_text(
    zl: FakeZalo, channel: ZaloChannel, inbox: Inbox
) -> None:
    zl.user_sends_sticker("u1")
    zl.queue_event(zl.event("message.unsupported.received", "u1", text="?"))

    sticker, unsupported = await inbox.next(), await inbox.next()

    assert (sticker.text, sticker.attachment, sticker.chat_id) == ("", None, "u1")
    assert unsupported.text == ""


# -- receiving by webhook ---------------------------------------------------------------


async def test_webhook_mode_sets_the_webhook_and_receives_pushed_events(
    zl: FakeZalo, inbox: Inbox
) -> None:
    ch: ZaloChannel | None = None

    async def forward(headers: dict[str, str], body: bytes) -> int:
        assert ch is not None
        return await ch.handle_webhook(headers, body)

    async with WebhookEndpoint(forward) as endpoint:
        ch = ZaloChannel(TOKEN, zl.base_url, webhook_url=endpoint.url, webhook_secret=SECRET)
        await ch.start(inbox)
        bare = await zl.push_to_webhook(zl.text_event("u1", "trần"))
        wrapped = await zl.push_to_webhook(zl.text_event("u2", "bọc"), wrapped=True)
        first, second = await inbox.next(), await inbox.next()
        await ch.stop()

    assert zl.webhook is not None
    assert (zl.webhook["url"], zl.webhook["secret_token"]) == (endpoint.url, SECRET)
    assert "getUpdates" not in zl.calls and "deleteWebhook" not in zl.calls
    assert (bare, wrapped) == (200, 200)
    assert [(first.chat_id, first.text), (second.chat_id, second.text)] == [
        ("u1", "trần"),
        ("u2", "bọc"),
    ]
    assert poll_tasks() == []


@pytest.fixture
async def hooked(zl: FakeZalo, inbox: Inbox) -> AsyncIterator[ZaloChannel]:
    ch = ZaloChannel(
        TOKEN, zl.base_url, webhook_url="https://bot.example/zalo", webhook_secret=SECRET
    )
    await ch.start(inbox)
    yield ch
    await ch.stop()


def body(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Bot-Api-Secret-Token": "not-the-secret"},
        {"X-Bot-Api-Secret-Token": SECRET[:-1]},
        {"X-Bot-Api-Secret-Token": ""},
        {},
    ],
)
async def test_a_webhook_call_without_the_secret_is_refused(
    zl: FakeZalo, hooked: ZaloChannel, inbox: Inbox, headers: dict[str, str]
) -> None:
    status = await hooked.handle_webhook(headers, body(zl.text_event("u1", "giả mạo")))

    assert status == 403
    assert inbox.queue.empty()


async def test_webhook_headers_match_whatever_their_case(
    zl: FakeZalo, hooked: ZaloChannel, inbox: Inbox
) -> None:
    status = await hooked.handle_webhook(
        {"x-bot-api-secret-token": SECRET}, body({"ok": True, "result": zl.text_event("u1", "a")})
    )

    assert status == 200
    assert (await inbox.next()).text == "a"


@pytest.mark.parametrize(
    "raw",
    [b"", b"not json", b"[1, 2]", b'{"event_name": "message.text.received"}', b'{"ok": true}'],
)
async def test_a_malformed_webhook_body_is_acknowledged_and_ignored(
    hooked: ZaloChannel, inbox: Inbox, raw: bytes
) -> None:
    status = await hooked.handle_webhook({"X-Bot-Api-Secret-Token": SECRET}, raw)

    assert status == 200
    assert inbox.queue.empty()


async def test_an_event_the_handler_could_not_take_gets_503_so_the_platform_retries(
    zl: FakeZalo
) -> None:
    async def cannot(incoming: Incoming) -> None:
        raise OSError("disk full")

    ch = ZaloChannel(
        TOKEN, zl.base_url, webhook_url="https://bot.example/zalo", webhook_secret=SECRET
    )
    await ch.start(cannot)
    status = await ch.handle_webhook(
        {"X-Bot-Api-Secret-Token": SECRET}, body(zl.text_event("u1", "xong"))
    )
    await ch.stop()

    assert status == 503


def test_webhook_mode_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="webhook_secret"):
        ZaloChannel(TOKEN, webhook_url="https://bot.example/zalo")


# -- sending ------------------------------------------------------------------------------


async def test_a_short_text_is_one_message(zl: FakeZalo, channel: ZaloChannel) -> None:
    sent = await channel.send_text("u1", "Chào chị Lan")

    [message] = zl.messages_to("u1")
    assert message["text"] == "Chào chị Lan"
    assert message["params"] == {"chat_id": "u1", "text": "Chào chị Lan"}
    assert sent.message_id == message["message_id"]


async def test_a_long_text_is_split_at_a_line_boundary(
    zl: FakeZalo, channel: ZaloChannel
) -> None:
    lines = [f"{n:03d}. việc cần làm trong tháng này ....." for n in range(63)]
    text = "\n".join(lines)
    assert 2400 <= len(text) <= 2600

    sent = await channel.send_text("u1", text)

    first, second = zl.messages_to("u1")
    assert len(first["text"]) <= 2000 and len(second["text"]) <= 2000
    assert f"{first['text']}\n{second['text']}" == text  # cut between lines, nothing lost
    assert sent.message_id == second["message_id"]


async def test_buttons_become_a_numbered_list(zl: FakeZalo, channel: ZaloChannel) -> None:
    buttons = [
        [Button("Xong", "done:7"), Button("Đang làm", "doing:7"), Button("Gia hạn", "ext:7")]
    ]

    await channel.send_text("u1", "Việc A đến hạn hôm nay.", buttons=buttons)

    [message] = zl.messages_to("u1")
    assert message["text"] == "Việc A đến hạn hôm nay.\n\n1. Xong  2. Đang làm  3. Gia hạn"


async def test_rows_of_buttons_are_numbered_across_rows(
    zl: FakeZalo, channel: ZaloChannel
) -> None:
    buttons = [[Button("Xong", "a"), Button("Gia hạn", "b")], [Button("Xem tất cả", "c")]]

    await channel.send_text("u1", "Chọn:", buttons=buttons, reply_to="ignored")

    [message] = zl.messages_to("u1")
    assert message["text"] == "Chọn:\n\n1. Xong  2. Gia hạn\n3. Xem tất cả"


async def test_each_send_is_logged_once_with_chat_outcome_and_duration(
    zl: FakeZalo, channel: ZaloChannel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.channels.zalo")
    await channel.send_text("u1", "một")
    zl.fail_next("sendMessage", error_code=403)
    with pytest.raises(DeliveryError):
        await channel.send_text("u1", "hai")

    ok, failed = our_log_lines(caplog)
    assert "chat=u1" in ok and " ok " in ok and ok.endswith(" ms")
    assert "chat=u1" in failed and "error=403" in failed and failed.endswith(" ms")


async def test_files_and_photos_cannot_be_uploaded(zl: FakeZalo, channel: ZaloChannel) -> None:
    with pytest.raises(DeliveryError, match="cannot upload") as photo:
        await channel.send_photo("u1", b"\xff\xd8", caption="biểu đồ")
    with pytest.raises(DeliveryError, match="cannot upload") as document:
        await channel.send_file("u1", b"PK", "bao-cao.xlsx")

    assert photo.value.permanent and document.value.permanent
    assert zl.sent == []
    assert not channel.supports_files and not channel.supports_buttons


@pytest.mark.parametrize(
    ("error_code", "description", "permanent"),
    [
        (403, "Forbidden: user blocked the bot", True),
        (404, "User not found", True),
        (401, "Unauthorized", True),
        (400, "Bad Request: text must be a string of 1 to 2000 characters", True),
        (429, "Too Many Requests", False),
        (500, "Internal Server Error", False),
        (503, "Service Unavailable", False),
    ],
)
async def test_send_errors_map_to_delivery_errors(
    zl: FakeZalo, channel: ZaloChannel, error_code: int, description: str, permanent: bool
) -> None:
    zl.fail_next("sendMessage", error_code=error_code, description=description)

    with pytest.raises(DeliveryError) as raised:
        await channel.send_text("u1", "nhắc việc")

    assert raised.value.permanent is permanent
    assert raised.value.retry_after is None
    assert str(error_code) in raised.value.reason and description in raised.value.reason
    assert TOKEN not in raised.value.reason


async def test_a_rate_limit_answer_carries_retry_after(inbox: Inbox) -> None:
    answer = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests",
        "parameters": {"retry_after": 5},
    }
    async with AnswerServer(answer) as server:
        ch = ZaloChannel(TOKEN, server.base_url, poll_timeout=POLL)
        await ch.start(inbox)
        with pytest.raises(DeliveryError) as raised:
            await ch.send_text("u1", "nhắc việc")
        await ch.stop()

    assert raised.value.permanent is False
    assert raised.value.retry_after == 5


async def test_an_unreachable_server_is_a_temporary_failure_without_the_token(
    zl: FakeZalo, inbox: Inbox, caplog: pytest.LogCaptureFixture
) -> None:
    ch = ZaloChannel(TOKEN, zl.base_url, poll_timeout=POLL)
    await ch.start(inbox)
    await zl.close()

    with pytest.raises(DeliveryError) as raised:
        await ch.send_text("u1", "nhắc việc")
    await ch.stop()

    assert raised.value.permanent is False
    assert TOKEN not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert all(TOKEN not in line for line in our_log_lines(caplog))


async def test_a_failed_part_stops_the_rest(zl: FakeZalo, channel: ZaloChannel) -> None:
    text = "\n".join(["a" * 1500, "b" * 1500, "c" * 1500])
    zl.fail_next("sendMessage", error_code=500)

    with pytest.raises(DeliveryError):
        await channel.send_text("u1", text)

    assert zl.calls.count("sendMessage") == 1
    assert zl.sent == []
