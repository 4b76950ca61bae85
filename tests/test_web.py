"""The bot's HTTP endpoint: health, and Zalo updates arriving by webhook with their secret checked."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime

import aiohttp
from sqlalchemy import create_engine, select

from bot.app import serve
from bot.channels.zalo import ZaloChannel
from bot.clock import Clock
from bot.conversation import Runtime
from bot.plan.importer import import_plan
from bot.plan.interpret import interpret
from bot.plan.tables import read_document
from bot.web import health
from db.migrate import upgrade
from db.models import ChatLink, Person
from db.session import make_engine, make_sessionmaker
from tests.conftest import NOW, SAMPLE_TXT
from tests.fakes import FakeZalo

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
