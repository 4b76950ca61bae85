"""A chat service that cannot be reached at start is not the bot down: the rest runs, it comes back."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from datetime import UTC, datetime

import aiohttp
import pytest
from sqlalchemy import select

from bot.app import serve
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from bot.clock import Clock
from bot.talk import Runtime
from bot.plan.importer import import_plan
from bot.plan.interpret import interpret
from bot.plan.tables import read_document
from db.migrate import upgrade
from db.models import ChatLink, Delivery, DeliveryAttempt, Person
from db.session import make_engine, make_sessionmaker
from tests.conftest import NOW, SAMPLE_TXT
from tests.fakes import FakeTelegram, FakeZalo

MORNING = datetime(2023, 2, 8, 0, 30, 1, tzinfo=UTC)  # 07:30 in Hà Nội: Mai's 3.7 is due soon
CHATS = {"telegram": ("501", "777"), "zalo": ("z-mai", "z-stranger")}  # (Mai, a stranger)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def healthz(port: int) -> tuple[int, dict]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as client:
        async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
            return response.status, await response.json()


async def wait_for_health(port: int, wanted, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        try:
            status, seen = await healthz(port)
        except aiohttp.ClientConnectorError:  # not listening yet
            await asyncio.sleep(0.05)
            continue
        assert status == 200, seen
        if wanted(seen["channels"]):
            return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"/healthz never showed the wanted channels; last: {seen}")


async def wait_for(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def attempt_errors(sessions, chat_id: str) -> list[str]:
    """The errors of the failed attempts to send to this chat."""
    with sessions() as session:
        return list(session.scalars(
            select(DeliveryAttempt.error).join(Delivery)
            .where(Delivery.chat_id == chat_id, DeliveryAttempt.error.is_not(None))))


def says(fake, service: str, chat: str, text: str) -> None:
    if service == "telegram":
        fake.user_says(int(chat), text, first_name="Mai")
    else:
        fake.user_says(chat, text, display_name="Mai")


async def messages(fake, service: str, chat: str, count: int) -> list[dict]:
    return await fake.wait_for_messages(int(chat) if service == "telegram" else chat, count,
                                        timeout=20)


@pytest.mark.parametrize("down, up", [("telegram", "zalo"), ("zalo", "telegram")])
async def test_a_service_down_at_start_is_retried_while_the_other_and_the_reminders_run(
        db_url, config, tmp_path, caplog, down, up):
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        import_plan(session, interpret(read_document(SAMPLE_TXT)), config.units[0], NOW)
        mai = session.scalar(select(Person).where(Person.name == "Triệu Thị Mai"))
        session.add(ChatLink(person_id=mai.id, channel=down, chat_id=CHATS[down][0],
                             created_at=NOW))
    # One tick a (real) second, and a minute of the delivery's retry schedule is a second too.
    config = config.model_copy(update={
        "reminders": config.reminders.model_copy(update={"tick_seconds": 60}),
        "storage": config.storage.model_copy(update={"data_dir": tmp_path / "data"})})
    port = free_port()
    caplog.set_level(logging.INFO, logger="bot.app")
    async with FakeTelegram() as tg, FakeZalo() as zl:
        fakes = {"telegram": tg, "zalo": zl}
        for _ in range(1000):  # until stop_failing()
            fakes[down].fail_next("getMe", 502, "Bad Gateway")
        channels = {
            "telegram": TelegramChannel(tg.token, tg.base_url, poll_timeout=0.5),
            "zalo": ZaloChannel(zl.token, zl.base_url, poll_timeout=0.5),
        }
        rt = Runtime(sessions, config, channels, Clock(MORNING, 60.0), tmp_path / "data", "out")
        stop = asyncio.Event()
        task = asyncio.create_task(serve(rt, stop, web=("127.0.0.1", port),
                                         channel_retry=(0.3, 0.6)))
        try:
            degraded = await wait_for_health(
                port, lambda states: states == {down: "down", up: "ok"}, timeout=20)
            # The other service answers meanwhile, and the tick tries Mai's reminder.
            says(fakes[up], up, CHATS[up][1], "xin chào")
            [welcome] = await messages(fakes[up], up, CHATS[up][1], 1)
            await wait_for(lambda: attempt_errors(sessions, CHATS[down][0]), 20)
            assert not task.done()
            fakes[down].stop_failing()
            await wait_for_health(port, lambda states: states == {down: "ok", up: "ok"}, 10)
            # The morning's reminder, held back while the service was down, now reaches Mai.
            [reminder] = await messages(fakes[down], down, CHATS[down][0], 1)
            says(fakes[down], down, CHATS[down][0], "xong 3.7")
            answers = await messages(fakes[down], down, CHATS[down][0], 2)
            _, recovered = await healthz(port)
        finally:
            stop.set()
            await asyncio.wait_for(task, 20)
    assert degraded["status"] == "degraded" and degraded["database"] == "ok"
    assert recovered["status"] == "ok"
    assert welcome["text"].startswith("Xin chào!")
    assert "3.7" in reminder["text"]
    assert answers[1]["text"].startswith("✅ Đã ghi nhận: 3.7")
    with sessions() as session:
        delivery = session.scalar(select(Delivery).where(Delivery.chat_id == CHATS[down][0]))
    assert delivery.status == "sent" and delivery.attempts >= 2
    assert all(f"{down} channel is not started" in error
               for error in attempt_errors(sessions, CHATS[down][0]))
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.app"]
    failures = [line for line in lines if line.startswith(f"Kênh {down} chưa kết nối được")]
    failed_starts = fakes[down].calls.count("getMe") - 1
    assert len(failures) == failed_starts >= 1
    assert "Bad Gateway" in failures[0] and "thử lại sau" in failures[0]
    assert f"Kênh {down} đã kết nối lại sau {failed_starts} lần thử." in lines
    assert not [r for r in caplog.records if r.name == "bot.app" and r.exc_info]
    engine.dispose()
