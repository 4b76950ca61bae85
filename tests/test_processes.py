"""Real bot processes: killed with -9 and restarted, two against one database, a terminal session."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select as sql_select

from bot.plan.importer import import_plan
from bot.plan.interpret import interpret
from bot.plan.tables import read_document
from db.migrate import upgrade
from db.models import ChatLink, Delivery, DeliveryAttempt, Person
from db.session import make_engine, make_sessionmaker
from tests.conftest import NOW, ROOT, SAMPLE_TXT
from tests.fakes import FakeTelegram

CHATS = {"Hoàng Văn Thái": 1001, "Ma Thị Hoa": 1002, "Lường Văn Đức": 1003, "Hà Thị Lan": 1004,
         "Triệu Thị Mai": 1005, "Nông Văn Hùng": 1006, "Lý Văn Toàn": 1007}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_config(tmp_path: Path, api_base_url: str, tick_seconds: float, name: str = "config.toml"
                 ) -> Path:
    """The shipped config pointed at the fake; each process gets its own health port."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace("port = 8080", f"port = {free_port()}")
    text = text.replace('listen = "0.0.0.0"', 'listen = "127.0.0.1"')
    text = text.replace('api_base_url = "https://api.telegram.org/bot"',
                        f'api_base_url = "{api_base_url}"')
    text = text.replace("tick_seconds = 60", f"tick_seconds = {tick_seconds}")
    text = text.replace('data_dir = "data"', f'data_dir = "{tmp_path / "data"}"')
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def prepare(db_url: str, config) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    with make_sessionmaker(engine).begin() as session:
        import_plan(session, interpret(read_document(SAMPLE_TXT)), config.units[0], NOW)
        for person in session.scalars(sql_select(Person)):
            session.add(ChatLink(person_id=person.id, channel="telegram",
                                 chat_id=str(CHATS[person.name]), created_at=NOW))
    engine.dispose()


def bot_env(db_url: str, config_path: Path, token: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    env.update(NHACVIEC_DATABASE_URL=db_url, NHACVIEC_CONFIG=str(config_path), PYTHONUNBUFFERED="1")
    if token:
        env["TELEGRAM_BOT_TOKEN"] = token
    return env


async def start_bot(env: dict[str, str], start_at: str, speed: float, log: Path):
    handle = log.open("wb")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--start-at", start_at, "--speed", str(speed),
        cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)


async def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def deliveries(db_url: str) -> list[tuple[str, str, str]]:
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        rows = [(d.person.name, d.purpose, d.status)
                for d in session.scalars(sql_select(Delivery).order_by(Delivery.id))]
    engine.dispose()
    return rows


def holders(db_url: str) -> set[str]:
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        found = set(session.scalars(sql_select(DeliveryAttempt.holder)))
    engine.dispose()
    return found


def settled(db_url: str, at_least: int) -> bool:
    rows = deliveries(db_url)
    return len(rows) >= at_least and all(status in ("sent", "failed") for _, _, status in rows)


def reminders_to(tg: FakeTelegram, chat_id: int) -> list[str]:
    return [m["text"] for m in tg.sent if m["method"] == "sendMessage" and m["chat_id"] == chat_id]


async def stop(process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()


async def test_a_killed_bot_restarted_later_sends_each_reminder_once_and_one_catch_up(
        db_url, config, tmp_path):
    prepare(db_url, config)
    async with FakeTelegram() as tg:
        env = bot_env(db_url, write_config(tmp_path, tg.base_url, 5), tg.token)
        first = await start_bot(env, "2023-02-08T07:29:58+07:00", 1, tmp_path / "first.log")
        try:
            # 08/02: Mai hears that 3.7 is due in 7 days.
            await wait_for(lambda: settled(db_url, 1), 30, "the 08/02 reminders")
            morning = {name: status for name, _, status in deliveries(db_url)}
            await asyncio.sleep(1)
        finally:
            first.kill()  # kill -9: no shutdown code runs
            await first.wait()
        assert first.returncode == -signal.SIGKILL
        sent_first = len(tg.sent)
        # The bot stays down for a week and comes back on Thursday 16/02.
        second = await start_bot(env, "2023-02-16T07:30:01+07:00", 1, tmp_path / "second.log")
        try:
            await wait_for(lambda: settled(db_url, len(morning) + 2), 60, "the catch-up")
            await asyncio.sleep(1)
        finally:
            await stop(second)
    assert set(morning.values()) == {"sent"}
    mai = reminders_to(tg, CHATS["Triệu Thị Mai"])
    assert len(mai) == 2
    assert "còn 7 ngày" in mai[0]
    assert "Hệ thống vừa hoạt động lại" in mai[1] and mai[1].count("• 3.7 ") == 1
    later = [m["chat_id"] for m in tg.sent[sent_first:] if m["method"] == "sendMessage"]
    assert len(later) == len(set(later)), "one catch-up message per person"
    for name, purpose, status in deliveries(db_url):
        assert status == "sent", (name, purpose)


async def test_two_processes_on_one_database_only_one_ticks_and_the_other_takes_over(
        db_url, config, tmp_path):
    prepare(db_url, config)
    async with FakeTelegram() as tg:
        env = bot_env(db_url, write_config(tmp_path, tg.base_url, 2), tg.token)
        other_env = bot_env(db_url, write_config(tmp_path, tg.base_url, 2, "other.toml"), tg.token)
        # Both start half a simulated minute before 07:30; the clock runs 10x.
        first = await start_bot(env, "2023-02-08T07:29:00+07:00", 10, tmp_path / "first.log")
        await wait_for(lambda: "runs the reminder tick" in (tmp_path / "first.log").read_text(), 30,
                       "the first process to take the tick")
        second = await start_bot(other_env, "2023-02-08T07:29:02+07:00", 10,
                                 tmp_path / "second.log")
        try:
            await wait_for(lambda: "stands by" in (tmp_path / "second.log").read_text(), 30,
                           "the second process to stand by")
            first.kill()  # the ticking process dies before 07:30
            await first.wait()
            # Its lease runs out within a simulated minute; the other takes over and sends.
            await wait_for(lambda: settled(db_url, 1), 60, "the take-over")
            await asyncio.sleep(1)
        finally:
            await stop(second)
            if first.returncode is None:
                first.kill()
    second_log = (tmp_path / "second.log").read_text()
    assert "runs the reminder tick" in second_log
    assert len(holders(db_url)) == 1, "only the surviving process sent"
    chats = [m["chat_id"] for m in tg.sent if m["method"] == "sendMessage"]
    assert chats and len(chats) == len(set(chats)), "every reminder exactly once"


def read_until(fd: int, needle: str, timeout: float, seen: list[str]) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in "".join(seen):
            return "".join(seen)
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                seen.append(os.read(fd, 65536).decode("utf-8", "replace"))
            except OSError:
                break
    raise AssertionError(f"{needle!r} not shown; the screen had:\n{''.join(seen)[-3000:]}")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX terminal")
def test_a_person_uses_the_terminal_chat_like_a_phone(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'console.db'}"
    config_path = write_config(tmp_path, "https://api.telegram.org/bot", 60)
    env = bot_env(db_url, config_path, None)
    primary, secondary = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdin=secondary,
                               stdout=secondary, stderr=subprocess.DEVNULL, close_fds=True)
    os.close(secondary)
    seen: list[str] = []

    def say(text: str) -> None:
        os.write(primary, (text + "\n").encode())

    try:
        read_until(primary, "Đã nạp kế hoạch mẫu", 60, seen)
        # 31/01/2023 07:30: Lan's plan for 3.1 is due today.
        read_until(primary, "• 3.1 Xây dựng kế hoạch — Ban hành Kế hoạch: hạn 31/01/2023, hạn hôm nay",
                   60, seen)
        say("/as Lan")
        read_until(primary, "Bây giờ anh/chị là Hà Thị Lan", 20, seen)
        say("xong")
        read_until(primary, "✅ Đã ghi nhận: 3.1 Xây dựng kế hoạch (Ban hành Kế hoạch) — hoàn thành.",
                   20, seen)
        say("/as Chủ tịch")
        read_until(primary, "Bây giờ anh/chị là Hoàng Văn Thái", 20, seen)
        say("/tongket 3.1")
        screen = read_until(primary, "Diễn biến:", 20, seen)
        assert "• Ban hành Kế hoạch, hạn 31/01/2023, xong 31/01/2023: xong đúng hạn" in screen
        say("/tongket")
        read_until(primary, "📊 Tổng kết thực hiện kế hoạch đến ngày 31/01/2023", 20, seen)
        # Time goes by: each working day's reminders go out, late items are chased.
        seen.clear()
        say("/ngay 16/02")
        screen = read_until(primary, "Bây giờ là 16/02/2023.", 120, seen)
        assert "📆 Thứ Tư 01/02/2023" in screen and "📆 Thứ Năm 16/02/2023" in screen
        assert "Quá hạn:" in screen and "Việc quá hạn cần đôn đốc:" in screen
        seen.clear()
        say("/ngay +1")
        read_until(primary, "Bây giờ là 17/02/2023.", 60, seen)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(20)
        finally:
            if process.poll() is None:
                process.kill()
            os.close(primary)
    assert process.returncode == 0
