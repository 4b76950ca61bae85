"""The fake chat servers speak the real Bot API shapes to the real client libraries."""

from __future__ import annotations

import asyncio
import datetime as dtm
import socket
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import telegram
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes import FakeTelegram, FakeZalo

TG_TOKEN = "123:ABC"
ZALO_TOKEN = "1234:secret"
SHORT_POLL = 0.2  # seconds; the only "waiting" these tests do on empty polls


# -- shared helpers ---------------------------------------------------------------------


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TG_TOKEN) as server:
        yield server


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(TG_TOKEN, base_url=tg.base_url, base_file_url=tg.base_file_url) as b:
        yield b


@pytest.fixture
async def zl() -> AsyncIterator[FakeZalo]:
    async with FakeZalo(token=ZALO_TOKEN) as server:
        yield server


@pytest.fixture
async def zalo_api(zl: FakeZalo) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{zl.base_url}/bot{ZALO_TOKEN}/") as client:
        yield client


class Receiver:
    """A tiny webhook endpoint that records what it is sent."""

    def __init__(self, expected_secret: str, header: str) -> None:
        self.expected_secret = expected_secret
        self.header = header
        self.received: list[Any] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        if request.headers.get(self.header) != self.expected_secret:
            return web.Response(status=403)
        self.received.append(await request.json())
        return web.json_response({"ok": True})

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
        await web.SockSite(self._runner, sock).start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


def free_port() -> int:
    # Only for PTB's webhook server, which cannot be handed a pre-bound socket.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d.title(), callback_data=d) for d in data]])


# -- Telegram: the basics ---------------------------------------------------------------


async def test_get_me_returns_the_bot_user(bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert me.id == 123
    assert me.is_bot
    assert me.username == "nhacviec_test_bot"


async def test_send_message_with_inline_keyboard_is_recorded_and_echoed(
    bot: telegram.Bot, tg: FakeTelegram
) -> None:
    message = await bot.send_message(42, "Việc hôm nay?", reply_markup=keyboard("xong", "hoan"))

    assert message.text == "Việc hôm nay?"
    assert message.chat.id == 42 and message.chat.type == "private"
    assert message.from_user.is_bot
    assert message.reply_markup == keyboard("xong", "hoan")
    [sent] = await tg.wait_for_messages(42)
    assert sent["method"] == "sendMessage"
    assert sent["text"] == "Việc hôm nay?"
    assert sent["message_id"] == message.message_id
    buttons = sent["reply_markup"]["inline_keyboard"][0]
    assert [b["callback_data"] for b in buttons] == ["xong", "hoan"]


async def test_send_document_uploads_bytes_and_filename(
    bot: telegram.Bot, tg: FakeTelegram
) -> None:
    content = "Báo cáo tháng 3".encode()
    message = await bot.send_document(42, content, filename="bao-cao.docx", caption="Đây ạ")

    assert message.document.file_name == "bao-cao.docx"
    assert message.document.file_size == len(content)
    assert message.caption == "Đây ạ"
    [sent] = await tg.wait_for_messages(42)
    assert sent["method"] == "sendDocument"
    assert sent["content"] == content
    assert sent["filename"] == "bao-cao.docx"
    assert sent["caption"] == "Đây ạ"
    # The file the bot uploaded can be fetched back through getFile, like on Telegram.
    file = await bot.get_file(message.document.file_id)
    assert bytes(await file.download_as_bytearray()) == content


async def test_send_photo_uploads_bytes(bot: telegram.Bot, tg: FakeTelegram) -> None:
    message = await bot.send_photo(42, b"\xff\xd8fake-jpeg", caption="Biểu đồ")

    assert message.photo and message.caption == "Biểu đồ"
    [sent] = await tg.wait_for_messages(42)
    assert (sent["method"], sent["content"]) == ("sendPhoto", b"\xff\xd8fake-jpeg")


async def test_wrong_token_is_refused_as_unauthorized(tg: FakeTelegram) -> None:
    intruder = telegram.Bot("999:WRONG", base_url=tg.base_url, base_file_url=tg.base_file_url)
    # PTB checks the token with getMe on start-up (and closes its client on failure).
    with pytest.raises(InvalidToken, match="rejected by the server"):
        async with intruder:
            pass
    assert tg.calls == ["getMe"]


async def test_unknown_method_answers_404_and_is_recorded(tg: FakeTelegram) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{tg.base_url}{TG_TOKEN}/sendTelepathy", data={"x": "1"})

    assert response.status_code == 404
    assert response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert tg.calls == ["sendTelepathy"]


async def test_json_bodies_are_accepted_like_form_bodies(tg: FakeTelegram) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            f"{tg.base_url}{TG_TOKEN}/sendMessage", json={"chat_id": 7, "text": "chào"}
        )

    assert response.json()["result"]["text"] == "chào"
    assert tg.sent[0]["chat_id"] == 7


# -- Telegram: limits and errors the real API enforces ----------------------------------


async def test_text_of_4096_chars_is_sent_and_4097_is_too_long(
    bot: telegram.Bot, tg: FakeTelegram
) -> None:
    await bot.send_message(42, "ư" * 4096)
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(42, "ư" * 4097)
    assert len(tg.sent) == 1


async def test_empty_text_is_rejected(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(42, "")


async def test_broken_html_is_rejected_and_valid_html_is_rendered(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(42, "hạn <b>thứ 6", parse_mode="HTML")
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(42, "1 < 2", parse_mode="HTML")

    message = await bot.send_message(42, "<b>Hạn</b> &lt;thứ 6&gt;", parse_mode="HTML")
    assert message.text == "Hạn <thứ 6>"


async def test_callback_data_longer_than_64_bytes_is_rejected(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)button_data_invalid"):
        await bot.send_message(42, "Chọn", reply_markup=keyboard("đ" * 33))


async def test_blocked_user_maps_to_forbidden(bot: telegram.Bot, tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage")

    with pytest.raises(Forbidden, match="(?i)bot was blocked by the user"):
        await bot.send_message(42, "nhắc việc")
    await bot.send_message(42, "lần sau thì được")  # the failure is used up
    assert tg.calls.count("sendMessage") == 2
    assert [s["text"] for s in tg.sent] == ["lần sau thì được"]


# PTB itself warns about the future type of RetryAfter.retry_after while formatting.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_flood_limit_maps_to_retry_after(bot: telegram.Bot, tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage", error_code=429, retry_after=7)

    with pytest.raises(RetryAfter, match="Retry in 7 seconds"):
        await bot.send_message(42, "nhắc việc")


# -- Telegram: getUpdates ---------------------------------------------------------------


async def test_get_updates_returns_the_user_message_as_an_update(
    bot: telegram.Bot, tg: FakeTelegram
) -> None:
    message_id = tg.user_says(chat_id=42, text="xong", first_name="Lan")

    [update] = await bot.get_updates(timeout=5)

    assert isinstance(update, Update)
    assert update.message.text == "xong"
    assert update.message.message_id == message_id
    assert update.effective_user.first_name == "Lan"
    assert update.effective_chat.id == 42


async def test_get_updates_confirms_updates_by_offset(
    bot: telegram.Bot, tg: FakeTelegram
) -> None:
    tg.user_says(42, "một")
    tg.user_says(42, "hai")

    first = await bot.get_updates()
    again = await bot.get_updates()
    after = await bot.get_updates(offset=first[0].update_id + 1)
    drained = await bot.get_updates(offset=after[-1].update_id + 1)

    assert [u.message.text for u in first] == ["một", "hai"]
    assert [u.message.text for u in again] == ["một", "hai"]  # not confirmed yet
    assert [u.message.text for u in after] == ["hai"]
    assert drained == ()


async def test_long_poll_wakes_as_soon_as_the_user_speaks(
    bot: telegram.Bot, tg: FakeTelegram
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await tg.wait_until(lambda: "getUpdates" in tg.calls, timeout=5)
    tg.user_says(42, "có ai không")

    [update] = await poll

    assert update.message.text == "có ai không"
    assert time.monotonic() - started < 5


async def test_long_poll_returns_nothing_after_its_timeout(bot: telegram.Bot) -> None:
    started = time.monotonic()
    updates = await bot.get_updates(timeout=dtm.timedelta(seconds=SHORT_POLL))
    assert updates == ()
    assert SHORT_POLL <= time.monotonic() - started < 3


async def test_closing_the_server_ends_a_pending_long_poll() -> None:
    async with FakeTelegram(token=TG_TOKEN) as server:
        url = f"{server.base_url}{TG_TOKEN}/getUpdates"
        async with httpx.AsyncClient(timeout=30) as client:
            poll = asyncio.create_task(client.post(url, data={"timeout": "60"}))
            await server.wait_until(lambda: "getUpdates" in server.calls, timeout=5)
            started = time.monotonic()
            await server.close()
            response = await asyncio.wait_for(poll, timeout=5)

    assert response.json() == {"ok": True, "result": []}
    assert time.monotonic() - started < 3


async def test_servers_started_in_parallel_get_their_own_ports() -> None:
    servers = [FakeTelegram() for _ in range(3)] + [FakeZalo() for _ in range(3)]
    await asyncio.gather(*(s.start() for s in servers))
    try:
        assert len({s.port for s in servers}) == len(servers)
    finally:
        await asyncio.gather(*(s.close() for s in servers))


# -- Telegram: files, buttons, edits ------------------------------------------------------


async def test_a_document_from_the_user_can_be_downloaded(
    bot: telegram.Bot, tg: FakeTelegram
) -> None:
    tg.user_sends_document(42, "ke-hoach.xlsx", b"PK\x03\x04data", caption="kế hoạch")

    [update] = await bot.get_updates()
    document = update.message.document
    file = await bot.get_file(document.file_id)

    assert document.file_name == "ke-hoach.xlsx"
    assert update.message.caption == "kế hoạch"
    assert bytes(await file.download_as_bytearray()) == b"PK\x03\x04data"


async def test_a_photo_from_the_user_arrives_as_photo_sizes(
    bot: telegram.Bot, tg: FakeTelegram
) -> None:
    tg.user_sends_photo(42, b"jpeg-bytes", caption="ảnh hiện trường")

    [update] = await bot.get_updates()
    file = await update.message.photo[-1].get_file()

    assert update.message.caption == "ảnh hiện trường"
    assert bytes(await file.download_as_bytearray()) == b"jpeg-bytes"


async def test_callback_query_round_trip(bot: telegram.Bot, tg: FakeTelegram) -> None:
    asked = await bot.send_message(42, "Việc A xong chưa?", reply_markup=keyboard("xong"))

    callback_id = tg.user_presses(42, asked.message_id, "xong")
    [update] = await bot.get_updates()
    query = update.callback_query
    await query.answer("Đã ghi nhận")
    await query.edit_message_text("Việc A: đã xong")

    assert query.id == callback_id
    assert query.data == "xong"
    assert query.message.message_id == asked.message_id
    assert [s["method"] for s in tg.sent] == [
        "sendMessage",
        "answerCallbackQuery",
        "editMessageText",
    ]
    assert tg.sent[1]["text"] == "Đã ghi nhận" and tg.sent[1]["chat_id"] == 42
    edited = tg.message(42, asked.message_id)
    assert edited["text"] == "Việc A: đã xong"
    assert "reply_markup" not in edited  # editing without a markup drops the keyboard
    with pytest.raises(ValueError):
        tg.user_presses(42, asked.message_id, "xong")  # no button is left to press


async def test_pressing_a_button_that_is_not_shown_is_refused(
    bot: telegram.Bot, tg: FakeTelegram
) -> None:
    asked = await bot.send_message(42, "Chọn", reply_markup=keyboard("a"))
    with pytest.raises(ValueError, match="no button"):
        tg.user_presses(42, asked.message_id, "b")


async def test_unknown_callback_query_cannot_be_answered(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)query id is invalid"):
        await bot.answer_callback_query("12345")


async def test_editing_to_identical_content_is_not_modified(bot: telegram.Bot) -> None:
    asked = await bot.send_message(42, "Chọn", reply_markup=keyboard("a"))
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await asked.edit_text("Chọn", reply_markup=keyboard("a"))
    edited = await asked.edit_reply_markup(keyboard("b"))
    assert edited.reply_markup == keyboard("b")


async def test_user_reply_carries_the_replied_message(
    bot: telegram.Bot, tg: FakeTelegram
) -> None:
    asked = await bot.send_message(42, "Lý do chậm?")
    tg.user_says(42, "thiếu kinh phí", reply_to_message_id=asked.message_id)

    [update] = await bot.get_updates()

    assert update.message.reply_to_message.message_id == asked.message_id
    assert update.message.reply_to_message.text == "Lý do chậm?"


async def test_my_commands_round_trip(bot: telegram.Bot, tg: FakeTelegram) -> None:
    await bot.set_my_commands([("start", "Bắt đầu"), ("viec", "Việc của tôi")])

    commands = await bot.get_my_commands()
    await bot.delete_my_commands()

    assert [(c.command, c.description) for c in commands] == [
        ("start", "Bắt đầu"),
        ("viec", "Việc của tôi"),
    ]
    assert tg.commands == []


# -- Telegram: whole applications -------------------------------------------------------


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(f"Đã nhận: {update.message.text}")


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text("Chào anh/chị", reply_markup=keyboard("ok"))


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer()
    await update.callback_query.edit_message_text("Đã bấm")


async def test_a_polling_application_replies_through_the_fake(tg: FakeTelegram) -> None:
    app = ApplicationBuilder().token(TG_TOKEN).base_url(tg.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))

    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0)
        tg.user_says(42, "/start")
        [greeting] = await tg.wait_for_messages(42)
        tg.user_presses(42, greeting["message_id"], "ok")
        tg.user_says(42, "xong việc A")
        replies = await tg.wait_for_messages(42, count=2)
        await tg.wait_until(lambda: "editMessageText" in tg.calls, timeout=5)
        await app.updater.stop()
        await app.stop()

    assert greeting["text"] == "Chào anh/chị"
    assert replies[1]["text"] == "Đã nhận: xong việc A"
    assert tg.message(42, greeting["message_id"])["text"] == "Đã bấm"
    assert "deleteWebhook" in tg.calls  # PTB clears any webhook before polling
    assert tg.pending_updates == []  # PTB confirmed everything on the way out


async def test_a_webhook_application_receives_posted_updates(tg: FakeTelegram) -> None:
    port = free_port()
    app = ApplicationBuilder().token(TG_TOKEN).base_url(tg.base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    hook = f"http://127.0.0.1:{port}/tg"

    async with app:
        await app.start()
        await app.updater.start_webhook(
            listen="127.0.0.1", port=port, url_path="tg", webhook_url=hook, secret_token="s3cr3t"
        )
        bad = await tg.post_update_to_webhook(hook, tg.text_update(42, "?"), "wrong")
        good = await tg.post_update_to_webhook(hook, tg.text_update(42, "báo cáo"), "s3cr3t")
        [reply] = await tg.wait_for_messages(42)
        with pytest.raises(Conflict, match="(?i)webhook is active"):
            await app.bot.get_updates()
        info = await app.bot.get_webhook_info()
        await app.updater.stop()
        await app.stop()

    assert tg.webhook == {
        "url": hook,
        "secret_token": "s3cr3t",
        "max_connections": 40,
        "allowed_updates": None,
        "ip_address": None,
        "drop_pending_updates": False,
        "has_custom_certificate": False,
    }
    assert info.url == hook
    assert (bad, good) == (403, 200)
    assert reply["text"] == "Đã nhận: báo cáo"


# -- Zalo -------------------------------------------------------------------------------


async def test_zalo_get_me_returns_the_bot_account(zalo_api: httpx.AsyncClient) -> None:
    answer = (await zalo_api.post("getMe", json={})).json()
    assert answer == {
        "ok": True,
        "result": {
            "id": "1234",
            "account_name": "bot.nhacviec",
            "account_type": "BASIC",
            "can_join_groups": False,
        },
    }


async def test_get_updates_returns_one_event_then_408(
    zl: FakeZalo, zalo_api: httpx.AsyncClient
) -> None:
    zl.user_says(chat_id="u1", text="xong", display_name="Lan")
    zl.user_says(chat_id="u1", text="việc B")

    first = (await zalo_api.post("getUpdates", json={"timeout": SHORT_POLL})).json()
    second = (await zalo_api.post("getUpdates", json={"timeout": SHORT_POLL})).json()
    empty = await zalo_api.post("getUpdates", json={"timeout": SHORT_POLL})

    event = first["result"]
    assert first["ok"] is True
    assert event["event_name"] == "message.text.received"
    assert event["message"]["text"] == "xong"
    assert event["message"]["chat"] == {"id": "u1", "chat_type": "PRIVATE"}
    assert event["message"]["from"] == {"id": "u1", "display_name": "Lan", "is_bot": False}
    assert isinstance(event["message"]["message_id"], str)
    assert event["message"]["date"] > 1_600_000_000_000  # milliseconds
    assert second["result"]["message"]["text"] == "việc B"
    assert empty.status_code == 200
    assert empty.json() == {"ok": False, "error_code": 408, "description": "Request timeout"}


async def test_zalo_long_poll_wakes_as_soon_as_the_user_speaks(
    zl: FakeZalo, zalo_api: httpx.AsyncClient
) -> None:
    poll = asyncio.create_task(zalo_api.post("getUpdates", json={"timeout": "10"}))
    await zl.wait_until(lambda: "getUpdates" in zl.calls, timeout=5)
    zl.user_says("u1", "có ai không")

    answer = (await asyncio.wait_for(poll, timeout=5)).json()

    assert answer["result"]["message"]["text"] == "có ai không"
    assert zl.pending_events == []


async def test_zalo_send_message_accepts_2000_chars_and_rejects_2001(
    zl: FakeZalo, zalo_api: httpx.AsyncClient
) -> None:
    ok = (await zalo_api.post("sendMessage", json={"chat_id": "u1", "text": "ơ" * 2000})).json()
    too_long = await zalo_api.post("sendMessage", json={"chat_id": "u1", "text": "ơ" * 2001})
    empty = await zalo_api.post("sendMessage", json={"chat_id": "u1", "text": ""})

    assert ok["ok"] is True
    assert set(ok["result"]) == {"message_id", "date"}
    assert too_long.json()["ok"] is False and too_long.json()["error_code"] == 400
    assert empty.json()["error_code"] == 400
    [sent] = await zl.wait_for_messages("u1")
    assert sent["text"] == "ơ" * 2000
    assert sent["message_id"] == ok["result"]["message_id"]


async def test_zalo_photo_sticker_and_typing_are_accepted(
    zl: FakeZalo, zalo_api: httpx.AsyncClient
) -> None:
    photo = {"chat_id": "u1", "photo": zl.image_url(), "caption": "biểu đồ"}
    typing = await zalo_api.post("sendChatAction", json={"chat_id": "u1", "action": "typing"})
    await zalo_api.post("sendPhoto", json=photo)
    await zalo_api.post("sendSticker", json={"chat_id": "u1", "sticker": "abc"})

    assert typing.json() == {"ok": True}
    sent = await zl.wait_for_messages("u1", count=2)
    assert [(s["method"], s.get("caption")) for s in sent] == [
        ("sendPhoto", "biểu đồ"),
        ("sendSticker", None),
    ]


async def test_zalo_image_event_points_at_a_downloadable_image(
    zl: FakeZalo, zalo_api: httpx.AsyncClient
) -> None:
    zl.user_sends_image("u1", caption="hiện trường")

    event = (await zalo_api.post("getUpdates", json={"timeout": SHORT_POLL})).json()["result"]
    image = await zalo_api.get(event["message"]["photo"])

    assert event["event_name"] == "message.image.received"
    assert event["message"]["caption"] == "hiện trường"
    assert image.status_code == 200
    assert image.content.startswith(b"\xff\xd8")  # a JPEG


async def test_zalo_wrong_token_unknown_method_and_forced_failures(
    zl: FakeZalo, zalo_api: httpx.AsyncClient
) -> None:
    async with httpx.AsyncClient(base_url=f"{zl.base_url}/bot1234:nope/") as intruder:
        unauthorized = (await intruder.post("getMe", json={})).json()
    unknown = (await zalo_api.post("sendTelepathy", json={})).json()
    zl.fail_next("sendMessage", error_code=429, description="Too many requests")
    failed = (await zalo_api.post("sendMessage", json={"chat_id": "u1", "text": "a"})).json()
    passed = (await zalo_api.post("sendMessage", json={"chat_id": "u1", "text": "a"})).json()

    assert unauthorized == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert unknown == {"ok": False, "error_code": 404, "description": "Not Found"}
    assert failed == {"ok": False, "error_code": 429, "description": "Too many requests"}
    assert passed["ok"] is True
    assert zl.calls == ["getMe", "sendTelepathy", "sendMessage", "sendMessage"]
    assert len(zl.sent) == 1


async def test_zalo_set_webhook_validates_the_secret_length(
    zl: FakeZalo, zalo_api: httpx.AsyncClient
) -> None:
    too_short = {"url": "http://x/y", "secret_token": "1234567"}
    short = (await zalo_api.post("setWebhook", json=too_short)).json()
    longest = {"url": "http://x/y", "secret_token": "s" * 256}
    ok = (await zalo_api.post("setWebhook", json=longest)).json()

    assert short["ok"] is False and short["error_code"] == 400
    assert ok["ok"] is True and ok["result"]["url"] == "http://x/y"
    assert zl.webhook is not None and zl.webhook["secret_token"] == "s" * 256


async def test_zalo_webhook_receives_pushed_events_with_the_secret_header(
    zl: FakeZalo, zalo_api: httpx.AsyncClient
) -> None:
    async with Receiver("mysecret-123", header="X-Bot-Api-Secret-Token") as receiver:
        hook = {"url": receiver.url, "secret_token": "mysecret-123"}
        await zalo_api.post("setWebhook", json=hook)
        info = (await zalo_api.post("getWebhookInfo", json={})).json()
        refused = (await zalo_api.post("getUpdates", json={"timeout": SHORT_POLL})).json()
        event = zl.text_event("u1", "xong")
        bare = await zl.push_to_webhook(event)
        wrapped = await zl.push_to_webhook(event, wrapped=True)
        deleted = (await zalo_api.post("deleteWebhook", json={})).json()

    assert info["result"]["url"] == receiver.url
    assert refused["ok"] is False and refused["error_code"] == 409
    assert (bare, wrapped) == (200, 200)
    assert receiver.received == [event, {"ok": True, "result": event}]
    assert deleted["result"]["url"] == ""
    assert zl.webhook is None
