"""Nothing a person said is applied twice or lost: second deliveries of an update, a database
outage, a chat that had blocked the bot coming back, and a full disk under an evidence file.

The bot runs for real against the fake Telegram and Zalo servers (tests.test_e2e_chat).
"""

from __future__ import annotations

import asyncio
import errno
import glob
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from bot import texts
from bot.channels.base import Incoming
from bot.talk import create_invitation, store_file
from bot.journal import Journal
from bot.plan.importer import import_plan
from bot.plan.interpret import interpret
from bot.plan.tables import read_document
from db.migrate import upgrade
from db.models import ChatLink, Delivery, Evidence, Extension, Invitation, ItemReply, Message, Person
from db.session import SQLITE_BUSY_MS, make_engine, make_sessionmaker
from jobs import engine as reminder_engine
from tests.conftest import NOW, SAMPLE_TXT
from tests.fakes import FakeTelegram, FakeZalo
from tests.test_e2e_chat import (  # noqa: F401 - `world` is a fixture used by name
    CHAIRMAN_TG, MAI_TG, MORNING, bot, link, milestone, world,
)

LAN_ZALO, HOA_ZALO = "z-lan", "z-hoa"


def count(sessions, model, *where) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def again(tg: FakeTelegram, update: dict) -> None:
    """The platform delivers an update once more (after a lost acknowledgement, say)."""
    # A new update id: the fake, like Telegram, drops ids already confirmed by an offset.
    tg.queue_update({**update, "update_id": update["update_id"] + 10_000})


# ------------------------------------------------------------------ second deliveries

async def test_a_reply_delivered_twice_is_applied_once_and_answered_alike(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "telegram", MAI_TG)
    async with bot(world):
        await tg.wait_for_messages(MAI_TG, 1, timeout=10)  # the morning reminder
        update = tg.queue_update(tg.text_update(MAI_TG, "đang làm 50% 3.7", first_name="Mai"))
        await tg.wait_for_messages(MAI_TG, 2, timeout=10)
        again(tg, update)
        messages = await tg.wait_for_messages(MAI_TG, 3, timeout=10)
    assert messages[1]["text"] == messages[2]["text"]
    assert messages[1]["text"].startswith("⏳ Đã ghi nhận: 3.7 ") and "đang thực hiện 50%" in messages[1]["text"]
    assert count(sessions, Message, Message.text == "đang làm 50% 3.7") == 1
    assert count(sessions, ItemReply) == 1


async def test_an_extension_request_delivered_twice_asks_the_chairman_once(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "telegram", MAI_TG)
    link(sessions, "Hoàng Văn Thái", "telegram", CHAIRMAN_TG)
    async with bot(world):
        await tg.wait_for_messages(MAI_TG, 1, timeout=10)
        update = tg.text_update(MAI_TG, "/giahan 3.7 28/02/2023", first_name="Mai")
        tg.queue_update(update)
        again(tg, update)  # both copies arrive in one poll
        messages = await tg.wait_for_messages(MAI_TG, 3, timeout=10)
        await tg.wait_for_messages(CHAIRMAN_TG, 1, timeout=10)
        await asyncio.sleep(0.3)  # room for a second request, were one coming
    assert messages[1]["text"] == messages[2]["text"]
    assert messages[1]["text"].startswith("📅 Đã gửi Chủ tịch đề nghị gia hạn việc 3.7")
    requests = [m for m in tg.messages_to(CHAIRMAN_TG) if "gia hạn" in m["text"]]
    assert len(requests) == 1
    assert count(sessions, Extension) == 1
    assert count(sessions, Delivery, Delivery.purpose == "message") == 1


async def test_a_button_press_delivered_twice_closes_the_item_once(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "telegram", MAI_TG)
    async with bot(world):
        [reminder] = await tg.wait_for_messages(MAI_TG, 1, timeout=10)
        data = reminder["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        tg.user_presses(MAI_TG, reminder["message_id"], data)
        pressed = tg.pending_updates[-1]  # the loop has not run: nothing polled it yet
        first = await tg.wait_for_messages(MAI_TG, 2, timeout=10)
        again(tg, pressed)
        messages = await tg.wait_for_messages(MAI_TG, 3, timeout=10)
    # Not "already done": the second delivery is the same press, answered the same way.
    assert messages[2]["text"] == first[1]["text"]
    assert messages[2]["text"].startswith("✅ Đã ghi nhận: 3.7")
    assert count(sessions, ItemReply, ItemReply.intent == "done") == 1


async def test_a_zalo_message_delivered_twice_is_applied_once(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Hà Thị Lan", "zalo", LAN_ZALO)
    async with bot(world):
        event = zl.text_event(LAN_ZALO, "xong 3.3", display_name="Lan")
        zl.queue_event(event)
        zl.queue_event(event)
        await zl.wait_until(lambda: len([m for m in zl.messages_to(LAN_ZALO)
                                         if m["text"].startswith("✅")]) >= 2, 10)
    answers = [m["text"] for m in zl.messages_to(LAN_ZALO) if m["text"].startswith("✅")]
    assert answers[0] == answers[1] and answers[0].startswith("✅ Đã ghi nhận: 3.3")
    assert count(sessions, Message, Message.text == "xong 3.3") == 1
    assert count(sessions, ItemReply) == 1
    assert milestone(sessions, "3.3").done_at is not None


# ------------------------------------------------------------------ database outage

PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


class OwnPostgres:
    """A throw-away PostgreSQL cluster in a temporary folder on a free port (never 5432)."""

    def __init__(self) -> None:
        self.bin = Path(PG_BIN[-1]).parent
        self.folder = Path(tempfile.mkdtemp(prefix="nhacviec-outage-"))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", f"{self.folder}/data", "-A", "trust", "-U", "postgres")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["su", "postgres", "-c", " ".join(command)]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"'-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off'"
        self._run("pg_ctl", "-D", f"{self.folder}/data", "-w", "-l", f"{self.folder}/log",
                  "-o", options, "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", f"{self.folder}/data", "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.folder, ignore_errors=True)


class SQLiteFile:
    """The SQLite database's folder taken away and given back: the file cannot be opened."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="nhacviec-outage-"))
        self.url = f"sqlite:///{self.folder / 'db' / 'bot.db'}"

    def start(self) -> None:
        if (self.folder / "away").exists():
            os.rename(self.folder / "away", self.folder / "db")

    def stop(self) -> None:
        os.rename(self.folder / "db", self.folder / "away")

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request):
    if request.param == "postgresql":
        if not PG_BIN:
            pytest.skip("PostgreSQL server binaries are not installed "
                        "(/usr/lib/postgresql/*/bin/initdb); CI installs them")
        server = OwnPostgres()
    else:
        server = SQLiteFile()
    server.start()
    yield server
    server.remove()


@pytest.fixture
async def outage_world(database, config, tmp_path):
    engine = make_engine(database.url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    quiet = config.reminders.model_copy(update={"tick_seconds": 3600})
    storage = config.storage.model_copy(update={"data_dir": tmp_path / "data"})
    config = config.model_copy(update={"reminders": quiet, "storage": storage})
    with sessions.begin() as session:
        import_plan(session, interpret(read_document(SAMPLE_TXT)), config.units[0], NOW)
    async with FakeTelegram() as tg, FakeZalo() as zl:
        yield sessions, config, tg, zl, tmp_path
    engine.dispose()


async def test_replies_sent_while_the_database_is_down_are_stored_applied_and_answered_once(
        outage_world, database):
    sessions, config, tg, zl, _ = outage_world
    link(sessions, "Triệu Thị Mai", "telegram", MAI_TG)
    link(sessions, "Hà Thị Lan", "zalo", LAN_ZALO)
    async with bot(outage_world, journal_seconds=0.2) as rt:
        await tg.wait_for_messages(MAI_TG, 1, timeout=10)  # the morning reminder
        await _tick_done(tg, sessions)
        database.stop()
        sessions.kw["bind"].dispose()  # the pool's open connections go with the server
        closing = tg.queue_update(tg.text_update(MAI_TG, "xong 3.7", first_name="Mai"))
        tg.user_says(MAI_TG, "đang làm 50% 3.10", first_name="Mai")
        again(tg, closing)  # and the first one once more
        zl.user_says(LAN_ZALO, "xong 3.3", display_name="Lan")
        # All four taken from the platforms and kept on disk; nobody answered yet.
        assert await tg.wait_until(lambda: not tg.pending_updates and not zl.pending_events
                                   and _journalled(rt) == 4, 15)
        assert len(tg.messages_to(MAI_TG)) == 1 and zl.messages_to(LAN_ZALO) == []
        database.start()
        mai = await tg.wait_for_messages(MAI_TG, 4, timeout=30)
        lan = await zl.wait_for_messages(LAN_ZALO, 1, timeout=30)
        await asyncio.sleep(0.5)  # room for an extra answer, were one coming
        assert not rt.journal.pending()
    assert mai[1]["text"].startswith("✅ Đã ghi nhận: 3.7")
    assert mai[2]["text"].startswith("⏳ Đã ghi nhận: 3.10 ")
    assert "— đang thực hiện 50%." in mai[2]["text"]
    assert mai[3]["text"] == mai[1]["text"]  # the second delivery, answered the same way
    assert len(tg.messages_to(MAI_TG)) == 4 and len(zl.messages_to(LAN_ZALO)) == 1
    assert lan[0]["text"].startswith("✅ Đã ghi nhận: 3.3")
    with sessions() as session:
        stored = session.execute(select(Message.chat_id, Message.text).order_by(Message.id)).all()
        replies = session.execute(select(Message.chat_id, ItemReply.intent, ItemReply.percent)
                                  .join(Message).order_by(ItemReply.id)).all()
    # Each chat's messages in the order they were sent (chats are independent of each other).
    assert [text for chat, text in stored if chat == str(MAI_TG)] == [
        "xong 3.7", "đang làm 50% 3.10"]
    assert [text for chat, text in stored if chat == LAN_ZALO] == ["xong 3.3"]
    assert sorted(replies) == sorted([(str(MAI_TG), "done", None), (str(MAI_TG), "progress", 50),
                                      (LAN_ZALO, "done", None)])
    assert milestone(sessions, "3.7").done_at is not None
    assert milestone(sessions, "3.3").done_at is not None


async def _tick_done(tg: FakeTelegram, sessions) -> None:
    """The morning tick has recorded what it sent: it no longer touches the database."""
    assert await tg.wait_until(lambda: count(sessions, Delivery, Delivery.status.in_(
        ("pending", "sending"))) == 0, 10)
    await asyncio.sleep(0.2)


def _journalled(rt) -> int:
    try:
        return len(rt.journal.path.read_bytes().splitlines())
    except FileNotFoundError:
        return 0


def test_the_journal_gives_back_what_was_written_in_order_and_forgets_what_was_replayed(tmp_path):
    journal = Journal(tmp_path)
    said = [Incoming("telegram", "5", "5", "Mai", NOW, text=f"xong 3.{n}", message_id=str(n),
                     update_key=f"telegram:5:{n}") for n in (7, 10, 3)]
    for incoming in said:
        journal.append(incoming, NOW + timedelta(minutes=1))
    entries = journal.entries(lambda channel, source: None)
    assert [(n, i, at) for n, i, at in entries] == [
        (n, i, NOW + timedelta(minutes=1)) for n, i in enumerate(said)]
    journal.mark_done(0)
    assert [i for _, i, _ in Journal(tmp_path).entries(lambda c, s: None)] == said[1:]
    journal.mark_done(1)
    journal.mark_done(2)
    assert not journal.pending() and not list(tmp_path.iterdir())


def test_a_journal_line_cut_by_a_crash_is_skipped_and_the_next_one_kept(tmp_path):
    journal = Journal(tmp_path)
    first = Incoming("zalo", "z", "z", "Lan", NOW, text="xong 3.3", update_key="zalo:z:1")
    journal.append(first, NOW)
    with journal.path.open("ab") as file:
        file.write(b'{"channel": "zalo", "chat_id": "z", "te')  # the crash
    second = replace(first, text="xong 3.4", update_key="zalo:z:2")
    journal.append(second, NOW)
    assert [i for _, i, _ in journal.entries(lambda c, s: None)] == [first, second]


def test_a_journal_left_with_only_a_cut_line_is_done_with(tmp_path):
    journal = Journal(tmp_path)
    journal.append(Incoming("zalo", "z", "z", "Lan", NOW, text="xong 3.3"), NOW)
    with journal.path.open("ab") as file:
        file.write(b'{"channel": "za')  # the crash, with nothing after it
    [(number, _, _)] = journal.entries(lambda c, s: None)
    journal.mark_done(number)
    # New updates are handled at once again instead of queueing behind the cut line.
    assert journal.entries(lambda c, s: None) == [] and not journal.pending()


# ------------------------------------------------------------- back from unreachable

@pytest.mark.parametrize("how", ["writes", "invitation"])
async def test_a_chat_that_had_blocked_the_bot_is_reachable_again_when_the_person_writes(
        world, how):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "telegram", MAI_TG)
    link(sessions, "Ma Thị Hoa", "zalo", HOA_ZALO)
    with sessions.begin() as session:
        session.execute(update(ChatLink).where(ChatLink.chat_id == str(MAI_TG))
                        .values(unreachable_at=NOW))
        mai = session.scalar(select(Person).where(Person.name == "Triệu Thị Mai"))
        code = create_invitation(session, mai, MORNING)
    said = "đang làm 3.7" if how == "writes" else f"/start {code}"
    async with bot(world) as rt:
        await zl.wait_for_messages(HOA_ZALO, 1, timeout=10)  # the morning's reminders
        assert tg.messages_to(MAI_TG) == []
        tg.user_says(MAI_TG, said, first_name="Mai")
        [answer] = await tg.wait_for_messages(MAI_TG, 1, timeout=10)
        await zl.wait_until(lambda: any("liên lạc lại" in m["text"]
                                        for m in zl.messages_to(HOA_ZALO)), 10)
        due_morning = datetime(2023, 2, 15, 0, 30, 1, tzinfo=UTC)  # 3.7 is due that day
        await reminder_engine.tick(rt.sessions, rt.config, rt.channels, due_morning, rt.holder)
        messages = tg.messages_to(MAI_TG)
    assert answer["text"].endswith(texts.REACHABLE_AGAIN.format(channel="Telegram"))
    if how == "invitation":
        assert answer["text"].startswith("Chào Triệu Thị Mai! Tài khoản Telegram này")
        assert count(sessions, Invitation, Invitation.used_at.is_not(None)) == 1
    [notice] = [m["text"] for m in zl.messages_to(HOA_ZALO) if "liên lạc lại" in m["text"]]
    assert notice == texts.back_in_reach_notice("Triệu Thị Mai", "telegram")
    assert count(sessions, ChatLink, ChatLink.unreachable_at.is_not(None)) == 0
    assert len(messages) == 2 and messages[1]["text"].startswith("🔔")
    assert "3.7" in messages[1]["text"]


# ------------------------------------------------------------------ evidence on a full disk

async def test_a_file_that_cannot_be_written_gets_an_answer_leaves_nothing_and_can_be_resent(
        world, monkeypatch):
    sessions, config, tg, zl, tmp_path = world
    link(sessions, "Triệu Thị Mai", "telegram", MAI_TG)
    evidence_dir = tmp_path / "data" / "evidence"
    content = b"%PDF-1.4 bien ban kiem tra " * 4000
    real_write = os.write

    def full_disk(fd, data):
        if str(evidence_dir) in os.readlink(f"/proc/self/fd/{fd}"):
            real_write(fd, bytes(data[:len(data) // 2]))  # half of it, then the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    async with bot(world):
        await tg.wait_for_messages(MAI_TG, 1, timeout=10)
        monkeypatch.setattr(os, "write", full_disk)
        tg.user_sends_document(MAI_TG, "bien-ban.pdf", content, caption="3.7",
                               mime_type="application/pdf")
        refused = await tg.wait_for_messages(MAI_TG, 2, timeout=10)
        left = [p for p in evidence_dir.rglob("*") if p.is_file()]
        monkeypatch.setattr(os, "write", real_write)
        tg.user_sends_document(MAI_TG, "bien-ban.pdf", content, caption="3.7",
                               mime_type="application/pdf")
        stored = await tg.wait_for_messages(MAI_TG, 3, timeout=10)
    assert refused[1]["text"] == texts.FILE_SAVE_FAILED
    assert left == []
    assert stored[2]["text"] == "📎 Đã lưu tài liệu kiểm chứng \"bien-ban.pdf\" cho việc 3.7."
    with sessions() as session:
        [evidence] = session.scalars(select(Evidence)).all()
    assert Path(evidence.path).read_bytes() == content
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert [p for p in evidence_dir.rglob("*") if p.is_file()] == [Path(evidence.path)]


def test_a_half_written_file_left_by_an_older_version_is_replaced_by_the_whole_one(tmp_path):
    content = b"bien ban day du"
    digest = hashlib.sha256(content).hexdigest()
    (tmp_path / f"{digest}.pdf").write_bytes(content[:4])
    path = store_file(tmp_path, f"{digest}.pdf", content, digest)
    assert path.read_bytes() == content
    assert [p.name for p in tmp_path.iterdir()] == [f"{digest}.pdf"]


# ------------------------------------------------------------------ the event loop

async def test_a_message_waiting_for_a_database_lock_does_not_stop_the_event_loop(world, db_url):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "telegram", MAI_TG)
    locker = make_engine(db_url)
    async with bot(world):
        await tg.wait_for_messages(MAI_TG, 1, timeout=10)
        await _tick_done(tg, sessions)
        with locker.connect() as connection:
            if locker.dialect.name == "sqlite":
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                connection.execute(text("LOCK TABLE message IN EXCLUSIVE MODE"))
            tg.user_says(MAI_TG, "xong 3.7", first_name="Mai")
            longest, started = 0.0, time.monotonic()
            while time.monotonic() - started < 1.5:
                before = time.monotonic()
                await asyncio.sleep(0.02)
                longest = max(longest, time.monotonic() - before)
            assert len(tg.messages_to(MAI_TG)) == 1  # still waiting for the lock
            connection.rollback()
        await tg.wait_for_messages(MAI_TG, 2, timeout=10)
    locker.dispose()
    assert longest < 0.5
    assert milestone(sessions, "3.7").done_at is not None



async def test_a_reply_handled_on_the_loop_leaves_every_connection_waiting_for_locks(world):
    """SQLite replies run on the event loop without waiting; the pool must not keep that."""
    sessions, config, tg, zl, _ = world
    engine = sessions.kw["bind"]
    if engine.dialect.name != "sqlite":
        pytest.skip("only SQLite transactions run on the event loop")
    link(sessions, "Triệu Thị Mai", "telegram", MAI_TG)
    async with bot(world):
        await tg.wait_for_messages(MAI_TG, 1, timeout=10)
        await _tick_done(tg, sessions)
        tg.user_says(MAI_TG, "đang làm 50% 3.7", first_name="Mai")
        await tg.wait_for_messages(MAI_TG, 2, timeout=10)
        # Every pooled connection at once, the one the reply used among them.
        connections = [engine.connect() for _ in range(engine.pool.size())]
        try:
            waits = {c.exec_driver_sql("PRAGMA busy_timeout").scalar() for c in connections}
        finally:
            for connection in connections:
                connection.close()
    assert waits == {SQLITE_BUSY_MS}

async def test_a_failure_while_applying_keeps_the_message_and_its_answer_and_changes_nothing(
        world, monkeypatch):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "telegram", MAI_TG)

    def broken(*args, **kwargs):
        raise RuntimeError("a bug after the reply was recorded")

    # Stands for any bug in the middle of applying a reply: what it wrote must not stay.
    monkeypatch.setattr("bot.talk.replies.refresh_schedule", broken)
    async with bot(world):
        [reminder] = await tg.wait_for_messages(MAI_TG, 1, timeout=10)
        tg.user_says(MAI_TG, "xong", first_name="Mai", reply_to_message_id=reminder["message_id"])
        messages = await tg.wait_for_messages(MAI_TG, 2, timeout=10)
    assert messages[1]["text"] == texts.SOMETHING_WRONG
    with sessions() as session:
        [stored] = session.scalars(select(Message)).all()
    assert (stored.text, stored.answer, stored.outcome) == ("xong", texts.SOMETHING_WRONG, None)
    assert count(sessions, ItemReply) == 0
    assert milestone(sessions, "3.7").done_at is None
