"""Tokens and secrets never reach the log, at any level, from any library, tracebacks included."""

from __future__ import annotations

import io
import logging
from urllib.parse import quote

import pytest

from bot import redaction
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from tests.fakes import FakeTelegram, FakeZalo

TELEGRAM_TOKEN = "7654321098:AAH-fake_telegram-token_0123456789"
ZALO_TOKEN = "9988776655443322:zalo-fake_token-abcdefghijklmnop"
WEBHOOK_SECRET = "hook-secret-0123456789"
DB_PASSWORD = "s3cret-pass"
LIBRARIES = ("httpx", "httpcore", "telegram", "apscheduler", "aiohttp")


@pytest.fixture
def log_output(monkeypatch):
    """Everything logged at DEBUG, by every logger, through a root handler with the filter."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
    monkeypatch.setenv("ZALO_BOT_TOKEN", ZALO_TOKEN)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", WEBHOOK_SECRET)
    root = logging.getLogger()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    levels = {name: logging.getLogger(name).level for name in ("", *LIBRARIES)}
    root.addHandler(handler)
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    redaction.install(root)
    yield stream
    root.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


async def test_no_token_or_secret_reaches_the_log_at_debug_level(log_output):
    async with FakeTelegram(token=TELEGRAM_TOKEN) as tg, FakeZalo(token=ZALO_TOKEN) as zl:
        telegram = TelegramChannel(TELEGRAM_TOKEN, tg.base_url, poll_timeout=0.2)
        zalo = ZaloChannel(ZALO_TOKEN, zl.base_url, poll_timeout=0.2)
        for channel in (telegram, zalo):
            await channel.start(lambda incoming: None)
        await telegram.send_text("42", "nhắc việc")
        await zalo.send_text("z-1", "nhắc việc")
        for channel in (telegram, zalo):
            await channel.stop()
        url = f"{tg.base_url}{quote(TELEGRAM_TOKEN, safe='')}/getMe"
    library = logging.getLogger("some.library")
    try:
        raise ConnectionError(f"cannot reach {url} with secret {WEBHOOK_SECRET}")
    except ConnectionError:
        library.exception("request to %s failed", url)
    library.debug("connecting to postgresql+psycopg://nhacviec:%s@db/nhacviec", DB_PASSWORD)
    library.warning("stack of a call made with %s", ZALO_TOKEN, stack_info=True)
    output = log_output.getvalue()

    assert "HTTP Request: POST" in output  # httpx did log the Bot API URLs
    assert "Traceback" in output and "ConnectionError: cannot reach" in output
    assert "bot***/getMe" in output
    for secret in (TELEGRAM_TOKEN, ZALO_TOKEN, WEBHOOK_SECRET, DB_PASSWORD,
                   quote(TELEGRAM_TOKEN, safe=""), TELEGRAM_TOKEN.split(":")[1],
                   ZALO_TOKEN.split(":")[1]):
        assert secret not in output


@pytest.mark.parametrize("line, hidden, shown", [
    ("GET https://api.telegram.org/bot123456:ABC-def_ghi/getUpdates", "ABC-def_ghi",
     "https://api.telegram.org/bot***/getUpdates"),
    ("POST https://bot-api.zaloplatforms.com/bot42%3Axyz/sendMessage", "xyz",
     "https://bot-api.zaloplatforms.com/bot***/sendMessage"),
    ("db at postgresql://user:pa55@host/db is down", "pa55", "postgresql://user:***@host/db"),
])
def test_token_shapes_are_masked_even_when_not_in_the_environment(line, hidden, shown):
    redacted = redaction.RedactSecrets([]).redact(line)
    assert hidden not in redacted and shown in redacted


def test_ordinary_lines_are_left_alone():
    line = "delivery 7 to person 3 via telegram ok in 120 ms (bot chạy ổn)"
    assert redaction.RedactSecrets([TELEGRAM_TOKEN, WEBHOOK_SECRET]).redact(line) == line
