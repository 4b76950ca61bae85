"""The Telegram adapter (python-telegram-bot 22) against the fake Bot API, over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.channels.base import Button, DeliveryError, Incoming
from bot.channels.telegram import TelegramChannel
from bot.web import Webhook, start_web
from tests.fakes import FakeTelegram

TOKEN = "123:ABC"
SECRET = "s3cr3t-hook"
CHAT = 42


class Inbox:
    """The caller's side: collects what the channel hands over."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Incoming] = asyncio.Queue()

    async def __call__(self, incoming: Incoming) -> None:
        await self.queue.put(incoming)

    async def next(self, timeout: float = 3.0) -> Incoming:
        return await asyncio.wait_for(self.queue.get(), timeout)


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as server:
        yield server


@pytest.fixture
def inbox() -> Inbox:
    return Inbox()


def make_channel(tg: FakeTelegram, **options: object) -> TelegramChannel:
    return TelegramChannel(TOKEN, tg.base_url, poll_timeout=1, **options)  # type: ignore[arg-type]


@pytest.fixture
async def channel(tg: FakeTelegram, inbox: Inbox) -> AsyncIterator[TelegramChannel]:
    """A started channel in long-polling mode (the file URL is derived from base_url)."""
    ch = make_channel(tg)
    await ch.start(inbox)
    yield ch
    await ch.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def webhook_server(ch: TelegramChannel, hook: str, port: int) -> AsyncIterator[None]:
    """The bot's own webhook endpoint (bot/web.py) for this channel alone."""
    runners = await start_web(None, {}, None, [Webhook(("127.0.0.1", port), hook, ch)])  # type: ignore[arg-type]
    try:
        yield
    finally:
        for runner in runners:
            await runner.cleanup()


def our_log_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("bot.channels")]


def client_tasks() -> set[asyncio.Task[object]]:
    """Running tasks, leaving out the fake server's own connection handlers."""
    return {
        task
        for task in asyncio.all_tasks()
        if task is not asyncio.current_task()
        and not task.done()
        and "aiohttp" not in task.get_coro().cr_code.co_filename  # type: ignore[union-attr]
    }


# -- lifecycle ----------------------------------------------------------------------------


async def test_start_and_stop_leave_no_tasks_behind(tg: FakeTelegram, inbox: Inbox) -> None:
    before = client_tasks()
    ch = make_channel(tg)

    await ch.start(inbox)
    await tg.wait_until(lambda: "getUpdates" in tg.calls, timeout=3)
    assert client_tasks() - before  # PTB's polling and update fetcher run meanwhile
    await ch.stop()
    await asyncio.sleep(0)

    assert tg.calls[0] == "getMe"
    assert "deleteWebhook" in tg.calls  # polling clears any webhook first
    assert client_tasks() - before == set()


async def test_a_wrong_token_fails_start_without_showing_the_token(
    tg: FakeTelegram, inbox: Inbox
) -> None:
    ch = TelegramChannel("123:WRONG", tg.base_url, poll_timeout=1)

    with pytest.raises(RuntimeError, match="rejected the bot token") as raised:
        await ch.start(inbox)

    assert "WRONG" not in str(raised.value)
    assert tg.calls == ["getMe"]


async def test_sending_before_start_is_a_temporary_failure(tg: FakeTelegram) -> None:
    # The channel may still be retrying its start: the delivery waits for its next attempt.
    with pytest.raises(DeliveryError, match="not started") as raised:
        await make_channel(tg).send_text("42", "chào")

    assert raised.value.permanent is False


# -- receiving ----------------------------------------------------------------------------


async def test_a_text_arrives_as_incoming(
    tg: FakeTelegram, channel: TelegramChannel, inbox: Inbox
) -> None:
    message_id = tg.user_says(CHAT, "xong việc A", first_name="Lan")

    incoming = await inbox.next()

    assert incoming.channel == "telegram"
    assert (incoming.chat_id, incoming.user_id, incoming.display_name) == ("42", "42", "Lan")
    assert (incoming.text, incoming.message_id) == ("xong việc A", str(message_id))
    assert incoming.reply_to_message_id is None and incoming.attachment is None
    assert incoming.callback_data is None and incoming.callback_id is None
    assert incoming.update_key == f"telegram:42:{message_id}"
    assert incoming.date.tzinfo is not None
    assert abs((incoming.date - datetime.now(UTC)).total_seconds()) < 5


async def test_a_start_command_arrives_verbatim(
    tg: FakeTelegram, channel: TelegramChannel, inbox: Inbox
) -> None:
    tg.user_says(CHAT, "/start ABC123")

    assert (await inbox.next()).text == "/start ABC123"


async def test_a_reply_carries_the_replied_message_id(
    tg: FakeTelegram, channel: TelegramChannel, inbox: Inbox
) -> None:
    asked = await channel.send_text("42", "Lý do chậm?")
    tg.user_says(CHAT, "thiếu kinh phí", reply_to_message_id=int(asked.message_id or 0))

    incoming = await inbox.next()

    assert incoming.reply_to_message_id == asked.message_id


async def test_a_document_arrives_as_an_attachment_that_can_be_fetched(
    tg: FakeTelegram, channel: TelegramChannel, inbox: Inbox
) -> None:
    content = b"PK\x03\x04 ke hoach"
    tg.user_sends_document(CHAT, "ke-hoach.xlsx", content, caption="kế hoạch năm")

    incoming = await inbox.next()

    attachment = incoming.attachment
    assert incoming.text == "kế hoạch năm"
    assert attachment is not None
    assert (attachment.kind, attachment.file_name, attachment.size) == (
        "document",
        "ke-hoach.xlsx",
        len(content),
    )
    assert attachment.mime_type == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert await attachment.fetch() == content
    # What an update kept in the journal needs to fetch the file again later.
    assert await channel.fetcher(attachment.source)() == content


async def test_a_photo_arrives_as_an_attachment_that_can_be_fetched(
    tg: FakeTelegram, channel: TelegramChannel, inbox: Inbox
) -> None:
    tg.user_sends_photo(CHAT, b"\xff\xd8jpeg-bytes", caption="ảnh hiện trường")

    incoming = await inbox.next()

    attachment = incoming.attachment
    assert incoming.text == "ảnh hiện trường"
    assert attachment is not None
    assert attachment.kind == "photo" and attachment.mime_type == "image/jpeg"
    assert attachment.file_name.startswith("photo-") and attachment.file_name.endswith(".jpg")
    assert attachment.size == len(b"\xff\xd8jpeg-bytes")
    assert await attachment.fetch() == b"\xff\xd8jpeg-bytes"


async def test_pressing_a_button_arrives_and_is_answered_after_handling(
    tg: FakeTelegram, inbox: Inbox
) -> None:
    answered_while_handling: list[bool] = []

    async def on_update(incoming: Incoming) -> None:
        answered_while_handling.append("answerCallbackQuery" in tg.calls)
        await inbox(incoming)

    ch = make_channel(tg)
    await ch.start(on_update)
    asked = await ch.send_text("42", "Việc A xong chưa?", buttons=[[Button("Xong", "done:7")]])
    callback_id = tg.user_presses(CHAT, int(asked.message_id or 0), "done:7")

    incoming = await inbox.next()
    await tg.wait_until(lambda: "answerCallbackQuery" in tg.calls, timeout=3)
    await ch.stop()

    assert incoming.callback_data == "done:7"
    assert incoming.callback_id == callback_id
    assert incoming.update_key == f"telegram:callback:{callback_id}"
    assert incoming.reply_to_message_id == asked.message_id
    assert (incoming.chat_id, incoming.user_id, incoming.text) == ("42", "42", "")
    assert answered_while_handling == [False]
    [answer] = [s for s in tg.sent if s["method"] == "answerCallbackQuery"]
    assert answer["callback_query_id"] == callback_id


async def test_a_failing_handler_is_logged_and_the_button_still_answered(
    tg: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = Inbox()

    async def fragile(incoming: Incoming) -> None:
        await inbox(incoming)
        if incoming.callback_data:
            raise RuntimeError("database is down")

    ch = make_channel(tg)
    await ch.start(fragile)
    asked = await ch.send_text("42", "Chọn", buttons=[[Button("Xong", "done")]])
    tg.user_presses(CHAT, int(asked.message_id or 0), "done")
    tg.user_says(CHAT, "vẫn chạy")
    pressed, said = await inbox.next(), await inbox.next()
    await tg.wait_until(lambda: "answerCallbackQuery" in tg.calls, timeout=3)
    await ch.stop()

    assert (pressed.callback_data, said.text) == ("done", "vẫn chạy")
    assert "answerCallbackQuery" in tg.calls
    assert any("handling update" in line for line in our_log_lines(caplog))


# -- webhook mode -------------------------------------------------------------------------


async def test_webhook_mode_receives_updates_with_the_right_secret_only(
    tg: FakeTelegram, inbox: Inbox
) -> None:
    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    ch = make_channel(tg, webhook_url=hook, webhook_secret=SECRET)
    async with webhook_server(ch, hook, port):
        await ch.start(inbox)
        wrong = await tg.post_update_to_webhook(hook, tg.text_update(CHAT, "giả mạo"), "wrong")
        missing = await tg.post_update_to_webhook(hook, tg.text_update(CHAT, "giả mạo"))
        right = await tg.post_update_to_webhook(hook, tg.text_update(CHAT, "báo cáo"), SECRET)
        incoming = await inbox.next()
        await ch.stop()
        after_stop = await tg.post_update_to_webhook(hook, tg.text_update(CHAT, "lại"), SECRET)

    assert tg.webhook is not None
    assert (tg.webhook["url"], tg.webhook["secret_token"]) == (hook, SECRET)
    assert (wrong, missing, right) == (403, 403, 200)
    assert after_stop == 503  # Telegram keeps it and sends it again
    assert incoming.text == "báo cáo"
    assert inbox.queue.empty()
    assert "getUpdates" not in tg.calls


async def test_an_update_the_handler_could_not_take_gets_503_so_telegram_resends_it(
    tg: FakeTelegram
) -> None:
    async def cannot(incoming: Incoming) -> None:
        raise OSError("disk full")  # not stored, not even in the journal

    port = free_port()
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    ch = make_channel(tg, webhook_url=hook, webhook_secret=SECRET)
    async with webhook_server(ch, hook, port):
        await ch.start(cannot)
        status = await tg.post_update_to_webhook(hook, tg.text_update(CHAT, "xong"), SECRET)
        await ch.stop()

    assert status == 503


def test_webhook_mode_needs_a_secret() -> None:
    with pytest.raises(ValueError, match="webhook_secret"):
        TelegramChannel(TOKEN, webhook_url="https://bot.example/telegram")


# -- sending ------------------------------------------------------------------------------


async def test_a_text_is_sent_as_plain_text(tg: FakeTelegram, channel: TelegramChannel) -> None:
    sent = await channel.send_text("42", "Hạn <b>thứ 6</b> & *gấp*")

    [message] = tg.messages_to(CHAT)
    assert message["text"] == "Hạn <b>thứ 6</b> & *gấp*"
    assert message["parse_mode"] is None
    assert sent.message_id == str(message["message_id"])


async def test_a_long_text_is_split_at_a_line_boundary_with_buttons_on_the_last_part(
    tg: FakeTelegram, channel: TelegramChannel
) -> None:
    text = "\n".join(f"{n:03d}. việc cần làm trong tháng này, hạn cuối tháng" for n in range(100))
    assert 4096 < len(text) < 8192

    sent = await channel.send_text("42", text, buttons=[[Button("Xong", "done")]])

    first, second = tg.messages_to(CHAT)
    assert len(first["text"]) <= 4096 and len(second["text"]) <= 4096
    assert f"{first['text']}\n{second['text']}" == text
    assert first["reply_markup"] is None
    assert second["reply_markup"] == {
        "inline_keyboard": [[{"text": "Xong", "callback_data": "done"}]]
    }
    assert sent.message_id == str(second["message_id"])


async def test_buttons_become_an_inline_keyboard(
    tg: FakeTelegram, channel: TelegramChannel
) -> None:
    buttons = [
        [Button("Xong", "done:7"), Button("Đang làm", "doing:7")],
        [Button("Gia hạn", "ext:7")],
    ]

    await channel.send_text("42", "Việc A đến hạn hôm nay.", buttons=buttons)

    assert tg.sent[-1]["reply_markup"] == {
        "inline_keyboard": [
            [
                {"text": "Xong", "callback_data": "done:7"},
                {"text": "Đang làm", "callback_data": "doing:7"},
            ],
            [{"text": "Gia hạn", "callback_data": "ext:7"}],
        ]
    }


async def test_reply_to_quotes_the_message(tg: FakeTelegram, channel: TelegramChannel) -> None:
    message_id = tg.user_says(CHAT, "việc của tôi?")

    await channel.send_text("42", "Đây ạ", reply_to=str(message_id))

    [message] = tg.messages_to(CHAT)
    assert tg.message(CHAT, message["message_id"])["reply_to_message"]["message_id"] == message_id


async def test_replying_to_a_deleted_message_still_sends(
    tg: FakeTelegram, channel: TelegramChannel
) -> None:
    await channel.send_text("42", "Đây ạ", reply_to="999")

    assert [m["text"] for m in tg.messages_to(CHAT)] == ["Đây ạ"]


async def test_send_file_uploads_the_bytes(tg: FakeTelegram, channel: TelegramChannel) -> None:
    content = "Báo cáo tháng 3".encode()

    sent = await channel.send_file("42", content, "bao-cao.docx", caption="Báo cáo ạ")

    [message] = tg.messages_to(CHAT)
    assert message["method"] == "sendDocument"
    assert (message["content"], message["filename"], message["caption"]) == (
        content,
        "bao-cao.docx",
        "Báo cáo ạ",
    )
    assert sent.message_id == str(message["message_id"])


async def test_send_photo_uploads_the_bytes(tg: FakeTelegram, channel: TelegramChannel) -> None:
    await channel.send_photo("42", b"\x89PNG chart", caption="Biểu đồ",
                             file_name="bieu-do-2023-07-14.png")

    [message] = tg.messages_to(CHAT)
    assert (message["method"], message["content"], message["caption"], message["filename"]) == (
        "sendPhoto",
        b"\x89PNG chart",
        "Biểu đồ",
        "bieu-do-2023-07-14.png",
    )


async def test_a_caption_too_long_for_telegram_goes_first_as_a_message(
    tg: FakeTelegram, channel: TelegramChannel
) -> None:
    caption = " ".join(["Tóm tắt."] * 200)

    await channel.send_file("42", b"PK", "bao-cao.xlsx", caption=caption)

    text, document = tg.messages_to(CHAT)
    assert text["text"] == caption
    assert document["method"] == "sendDocument" and document["caption"] is None


@pytest.mark.parametrize(
    ("error_code", "description", "permanent"),
    [
        (403, None, True),  # "Forbidden: bot was blocked by the user"
        (400, "Bad Request: chat not found", True),
        (400, "Bad Request: can't parse entities", True),
        (500, None, False),
        (502, None, False),
    ],
)
async def test_send_errors_map_to_delivery_errors(
    tg: FakeTelegram,
    channel: TelegramChannel,
    error_code: int,
    description: str | None,
    permanent: bool,
) -> None:
    tg.fail_next("sendMessage", error_code=error_code, description=description)

    with pytest.raises(DeliveryError) as raised:
        await channel.send_text("42", "nhắc việc")

    assert raised.value.permanent is permanent
    assert raised.value.retry_after is None
    assert TOKEN not in raised.value.reason


# PTB itself warns about the future type of RetryAfter.retry_after while building it.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_control_is_temporary_with_retry_after(
    tg: FakeTelegram, channel: TelegramChannel
) -> None:
    tg.fail_next("sendMessage", error_code=429, retry_after=7)

    with pytest.raises(DeliveryError) as raised:
        await channel.send_text("42", "nhắc việc")

    assert raised.value.permanent is False
    assert raised.value.retry_after == 7


async def test_a_failed_file_send_maps_the_same_way(
    tg: FakeTelegram, channel: TelegramChannel
) -> None:
    tg.fail_next("sendDocument", error_code=403)

    with pytest.raises(DeliveryError) as raised:
        await channel.send_file("42", b"PK", "bao-cao.xlsx")

    assert raised.value.permanent is True


async def test_an_unreachable_server_is_a_temporary_failure(
    tg: FakeTelegram, inbox: Inbox
) -> None:
    # Webhook mode, so that no polling loop is left retrying against the closed server.
    hook = f"http://127.0.0.1:{free_port()}/hook"
    ch = make_channel(tg, webhook_url=hook, webhook_secret=SECRET)
    await ch.start(inbox)
    await tg.close()

    with pytest.raises(DeliveryError) as raised:
        await ch.send_text("42", "nhắc việc")
    await ch.stop()

    assert raised.value.permanent is False
    assert TOKEN not in str(raised.value)


@pytest.mark.parametrize(
    ("description", "level"),
    [
        ("Bad Request: chat not found", logging.WARNING),
        ("Bad Request: BUTTON_DATA_INVALID", logging.ERROR),
    ],
)
async def test_a_bad_request_of_our_making_is_logged_as_an_error(
    tg: FakeTelegram,
    channel: TelegramChannel,
    caplog: pytest.LogCaptureFixture,
    description: str,
    level: int,
) -> None:
    tg.fail_next("sendMessage", error_code=400, description=description)

    with pytest.raises(DeliveryError):
        await channel.send_text("42", "nhắc việc")

    [record] = [r for r in caplog.records if r.name == "bot.channels.telegram"]
    assert record.levelno == level


async def test_each_send_is_logged_once_with_chat_outcome_and_duration(
    tg: FakeTelegram, channel: TelegramChannel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.channels.telegram")
    await channel.send_text("42", "một")
    tg.fail_next("sendMessage", error_code=403)
    with pytest.raises(DeliveryError):
        await channel.send_text("42", "hai")

    ok, failed = our_log_lines(caplog)
    assert "chat=42" in ok and " ok " in ok and ok.endswith(" ms")
    assert "chat=42" in failed and "Forbidden" in failed and failed.endswith(" ms")


async def test_messages_to_one_chat_are_paced_to_one_a_second_but_other_chats_are_not(
        tg: FakeTelegram, inbox: Inbox) -> None:
    import time

    ch = make_channel(tg, rate_limit=True)
    await ch.start(inbox)
    try:
        started = time.monotonic()
        await ch.send_text("42", "một")
        await ch.send_text("43", "hai")
        await ch.send_text("44", "ba")
        other_chats = time.monotonic() - started
        await ch.send_text("42", "bốn")
        same_chat = time.monotonic() - started
    finally:
        await ch.stop()
    assert other_chats < 0.5
    assert same_chat >= 0.9
