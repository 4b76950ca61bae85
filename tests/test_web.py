"""The bot's HTTP endpoints: health (also while the database is busy), and both webhooks
with their secrets and body limits checked."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import create_engine, select

from bot.app import serve
from bot.channels.base import Incoming
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from bot.clock import Clock
from bot.config import TelegramConfig
from bot.talk import Runtime
from bot.plan.importer import import_plan
from bot.plan.interpret import interpret
from bot.plan.tables import read_document
from bot.web import MAX_BODY, MAX_DEPTH, Webhook, body_problem, health, health_now, start_web
from db.migrate import upgrade
from db.models import ChatLink, Person
from db.session import make_engine, make_sessionmaker
from tests.conftest import NOW, SAMPLE_TXT
from tests.fakes import FakeTelegram, FakeZalo

SECRET = "a-webhook-secret-0123"
MORNING = datetime(2023, 2, 8, 0, 30, 1, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_zalo_updates_arrive_by_webhook_and_health_reports_the_tick(db_url, config, tmp_path):
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        import_plan(session, interpret(read_document(SAMPLE_TXT)), config.units[0], NOW)
        mai = session.scalar(select(Person).where(Person.name == "Triệu Thị Mai"))
        session.add(ChatLink(person_id=mai.id, channel="zalo", chat_id="z-mai", created_at=NOW))
    port = free_port()
    hook = f"http://127.0.0.1:{port}/zalo/webhook"
    config = config.model_copy(update={"zalo": config.zalo.model_copy(update={"webhook_url": hook})})
    async with FakeZalo() as zl:
        channel = ZaloChannel(zl.token, zl.base_url, webhook_url=hook, webhook_secret=SECRET)
        rt = Runtime(sessions, config, {"zalo": channel}, Clock(MORNING, 1.0), tmp_path, "web-test")
        stop = asyncio.Event()
        task = asyncio.create_task(serve(rt, stop, web=("127.0.0.1", port)))
        try:
            await zl.wait_for_messages("z-mai", 1, timeout=10)  # the morning reminder
            assert zl.webhook["url"] == hook and zl.webhook["secret_token"] == SECRET
            status = await zl.push_to_webhook(zl.text_event("z-mai", "xong 3.7"), wrapped=True)
            assert status == 200
            messages = await zl.wait_for_messages("z-mai", 2, timeout=10)
            assert messages[1]["text"].startswith("✅ Đã ghi nhận: 3.7")
            async with aiohttp.ClientSession() as client:
                async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
                    body = await response.json()
                    assert response.status == 200
                async with client.post(hook, json=zl.text_event("z-mai", "xong"),
                                       headers={"X-Bot-Api-Secret-Token": "wrong-secret-xx"}) as bad:
                    assert bad.status == 403
        finally:
            stop.set()
            await asyncio.wait_for(task, 20)
    assert body == {"status": "ok", "database": "ok", "process": "web-test",
                    "channels": {"zalo": "ok"},
                    "tick": {"holder": "web-test", "this_process": True}}
    engine.dispose()


def test_health_says_503_when_the_database_is_unreachable(config, tmp_path):
    broken = create_engine(f"sqlite:///{tmp_path / 'missing-folder' / 'x.db'}")
    rt = Runtime(make_sessionmaker(broken), config, {}, Clock(MORNING, 0.0), tmp_path, "p")
    assert health(rt, {"telegram": "ok"}) == (
        503, {"status": "error", "database": "unreachable", "channels": {"telegram": "ok"}})


# -- webhook hygiene -------------------------------------------------------------------------

TG_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ZALO_SECRET_HEADER = "X-Bot-Api-Secret-Token"


def nested(depth: int) -> bytes:
    return b'{"a":' * (depth - 1) + b"{}" + b"}" * (depth - 1)


@contextlib.asynccontextmanager
async def hooked_channel(service: str, port: int):
    """A started channel in webhook mode behind the bot's own endpoint; yields (post, received)."""
    received: list[Incoming] = []

    async def on_update(incoming: Incoming) -> None:
        received.append(incoming)

    hook = f"http://127.0.0.1:{port}/{service}/hook"
    fake_class, header = (FakeTelegram, TG_SECRET_HEADER) if service == "telegram" else (
        FakeZalo, ZALO_SECRET_HEADER)
    async with fake_class() as fake:
        if service == "telegram":
            channel = TelegramChannel(fake.token, fake.base_url, webhook_url=hook,
                                      webhook_secret=SECRET)
            good = json.dumps(fake.text_update(42, "báo cáo")).encode()
        else:
            channel = ZaloChannel(fake.token, fake.base_url, webhook_url=hook, webhook_secret=SECRET)
            good = json.dumps(fake.text_event("u1", "báo cáo")).encode()
        runners = await start_web(None, {}, None, [Webhook(("127.0.0.1", port), hook, channel)])
        await channel.start(on_update)
        try:
            async with aiohttp.ClientSession() as client:
                async def post(body: bytes) -> int:
                    async with client.post(hook, data=body, headers={
                            header: SECRET, "Content-Type": "application/json"}) as response:
                        await response.read()
                        return response.status

                yield post, good, received
        finally:
            await channel.stop()
            for runner in runners:
                await runner.cleanup()


@pytest.mark.parametrize("service", ["telegram", "zalo"])
async def test_both_webhooks_refuse_big_malformed_and_deeply_nested_bodies(service):
    async with hooked_channel(service, free_port()) as (post, good, received):
        too_big = await post(b'{"pad": "' + b"x" * MAX_BODY + b'"}')
        broken = await post(b'{"update_id": 1, "message": ')
        not_utf8 = await post(b'{"text": "\xff\xfe"}')
        deep = await post(nested(MAX_DEPTH + 1))
        very_deep = await post(b"[" * 200_000 + b"]" * 200_000)
        fine = await post(good)
    assert (too_big, broken, not_utf8, deep, very_deep) == (413, 400, 400, 400, 400)
    assert fine == 200
    assert [incoming.text for incoming in received] == ["báo cáo"]


def test_json_nested_up_to_the_limit_is_accepted():
    assert body_problem(nested(MAX_DEPTH)) is None
    assert body_problem(nested(MAX_DEPTH + 1)) is not None
    assert body_problem(b'[1, {"a": [2, 3]}, "x"]') is None


async def test_telegram_webhook_listens_where_the_config_says(db_url, config, tmp_path):
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    port = free_port()
    # Another loopback address, so that "reachable there and not on 127.0.0.1" shows the bind.
    hook = f"http://127.0.0.2:{port}/telegram/hook"
    telegram = config.telegram.model_copy(update={
        "webhook_url": hook, "webhook_listen": "127.0.0.2", "webhook_port": port})
    config = config.model_copy(update={"telegram": telegram})
    async with FakeTelegram() as tg:
        channel = TelegramChannel(tg.token, tg.base_url, webhook_url=hook, webhook_secret=SECRET)
        rt = Runtime(sessions, config, {"telegram": channel}, Clock(MORNING, 1.0), tmp_path, "tg")
        stop = asyncio.Event()
        task = asyncio.create_task(serve(rt, stop))
        try:
            assert await tg.wait_until(lambda: tg.webhook is not None, 10)
            status = await tg.post_update_to_webhook(hook, tg.text_update(777, "chào"), SECRET)
            [answer] = await tg.wait_for_messages(777, 1, timeout=10)
            with pytest.raises(aiohttp.ClientConnectorError):
                await tg.post_update_to_webhook(f"http://127.0.0.1:{port}/telegram/hook",
                                                tg.text_update(777, "chào"), SECRET)
        finally:
            stop.set()
            await asyncio.wait_for(task, 20)
    assert status == 200
    assert answer["text"].startswith("Xin chào!")
    assert tg.webhook["secret_token"] == SECRET
    assert "getUpdates" not in tg.calls
    engine.dispose()


def test_the_telegram_webhook_listens_on_loopback_unless_told_otherwise(config):
    assert config.telegram.webhook_listen == "127.0.0.1"
    assert TelegramConfig().webhook_listen == "127.0.0.1"


# -- a busy database -----------------------------------------------------------------------

LOCK_SECONDS = 30
HOLD_LOCK = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute(sys.argv[2])
print("locked", flush=True)
time.sleep(float(sys.argv[3]))
connection.execute("ROLLBACK")
"""


def hold_lock(path: Path, statement: str, seconds: float) -> subprocess.Popen:
    """Another process holding a SQLite lock for `seconds`; returns once it holds it."""
    process = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path), statement,
                                str(seconds)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "locked"
    return process


def probe(url: str) -> tuple[int, float]:
    """One health probe with the client's own 1 s timeout: (status, seconds)."""
    started = time.monotonic()
    with urllib.request.urlopen(url, timeout=1) as response:
        return response.status, time.monotonic() - started


async def test_health_answers_within_a_second_while_another_process_holds_a_write_lock(
        config, tmp_path):
    path = tmp_path / "busy.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        import_plan(session, interpret(read_document(SAMPLE_TXT)), config.units[0], NOW)
    # A tick every half second, each of which waits for the lock (up to the 30 s busy timeout).
    config = config.model_copy(update={
        "reminders": config.reminders.model_copy(update={"tick_seconds": 0.5})})
    port = free_port()
    rt = Runtime(sessions, config, {}, Clock(MORNING, 1.0), tmp_path, "busy")
    stop = asyncio.Event()
    task = asyncio.create_task(serve(rt, stop, web=("127.0.0.1", port)))
    url = f"http://127.0.0.1:{port}/healthz"
    probes = []
    try:
        for _ in range(50):
            if await asyncio.to_thread(lambda: _answers(url)):
                break
            await asyncio.sleep(0.1)
        locker = hold_lock(path, "BEGIN IMMEDIATE", LOCK_SECONDS)
        try:
            while locker.poll() is None:
                probes.append(await asyncio.to_thread(probe, url))
                await asyncio.sleep(0.25)
        finally:
            locker.kill()
            locker.wait()
    finally:
        stop.set()
        await asyncio.wait_for(task, 40)
        engine.dispose()
    assert len(probes) > LOCK_SECONDS * 2
    assert {status for status, _ in probes} == {200}
    assert max(seconds for _, seconds in probes) < 1


def _answers(url: str) -> bool:
    try:
        probe(url)
    except OSError:
        return False
    return True


async def test_health_gives_up_on_a_database_that_does_not_answer(config, tmp_path):
    # Without WAL (a database made elsewhere), an exclusive lock blocks even readers.
    path = tmp_path / "plain.db"
    plain = create_engine(f"sqlite:///{path}")
    upgrade(plain)
    rt = Runtime(make_sessionmaker(plain), config, {}, Clock(MORNING, 1.0), tmp_path, "p")
    locker = hold_lock(path, "BEGIN EXCLUSIVE", 5)
    try:
        started = time.monotonic()
        status, body = await health_now(rt, {"zalo": "ok"})
        waited = time.monotonic() - started
    finally:
        locker.kill()
        locker.wait()
    assert (status, body) == (503, {"status": "error", "database": "timeout",
                                    "channels": {"zalo": "ok"}})
    assert waited < 1
    plain.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as connection:
        pragmas = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                   for name in ("journal_mode", "busy_timeout", "foreign_keys")}
    engine.dispose()
    assert pragmas == {"journal_mode": "wal", "busy_timeout": 30000, "foreign_keys": 1}
