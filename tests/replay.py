"""Build a plan whose items are in every state by replaying officials' replies at fixed times."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.channels.base import Attachment, Incoming
from bot.clock import Clock
from bot.talk import Runtime, handle_update
from bot.plan.importer import import_plan
from bot.plan.interpret import interpret
from bot.plan.tables import read_document
from db.migrate import upgrade
from db.models import ChatLink, Person
from db.session import make_engine, make_sessionmaker
from tests.conftest import NOW, SAMPLE_TXT
from tests.fakes.recording import RecordingChannel

# (local time in Hà Nội, who, what they wrote); who None: the morning reminder tick runs.
EVENTS = [
    ("2023-01-31 07:31", None, None),
    ("2023-01-31 08:00", "Hà Thị Lan", "xong 3.1"),                 # 3.1's plan: on time
    ("2023-02-08 07:31", None, None),
    ("2023-02-14 07:31", None, None),
    ("2023-02-15 07:31", None, None),
    ("2023-02-20 09:00", "Triệu Thị Mai", "xong 3.7"),              # 3.7's plan: 3 days late
    ("2023-02-27 10:00", "Hà Thị Lan", "3.3 chưa, chờ số liệu của huyện"),
    ("2023-03-01 14:30", "Nông Văn Hùng", "3.31 đang làm 30%"),
    ("2023-03-02 08:10", "Triệu Thị Mai", "gia hạn 3.55 đến 15/4 vì chờ hướng dẫn của huyện"),
    ("2023-03-02 15:00", "Hà Thị Lan", "3.3 xong rồi"),             # due 28/2: done late
    ("2023-03-02 15:05", "Hà Thị Lan", ("3.3", "ke-hoach-theo-doi-THPL-2023.pdf")),  # evidence
    ("2023-03-03 16:45", "Triệu Thị Mai", "3.5 tháng này đã công khai đủ 12 thủ tục mới"),
    ("2023-03-15 09:00", "Ma Thị Hoa", "xong 3.62"),                # due 31/3: done early
]
# 3.63's plan (due 31/01) is never reported: it stays overdue.
SUMMARY_AT = "2023-03-20 08:00"


def at(local: str) -> datetime:
    return datetime.fromisoformat(local + ":00+07:00").astimezone(UTC)


def build(db_url: str, config, data_dir: Path):
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        import_plan(session, interpret(read_document(SAMPLE_TXT)), config.units[0], NOW)
        for person in session.scalars(select(Person)):
            session.add(ChatLink(person_id=person.id, channel="recording", chat_id=person.name,
                                 created_at=NOW))
    return engine, sessions


async def say(sessions, config, data_dir: Path, when: str, who: str, text: str | tuple[str, str],
              channel: RecordingChannel | None = None) -> str:
    """One message from `who` at `when` (local time); returns the bot's answer.

    `text` may be (caption, file name): a PDF sent with that caption.
    """
    channel = channel or RecordingChannel()
    runtime = Runtime(sessions, config, {"recording": channel}, Clock(at(when), 0.0), data_dir)
    attachment = None
    if isinstance(text, tuple):
        text, file_name = text
        content = f"%PDF-1.4 {file_name}".encode()

        async def fetch() -> bytes:
            return content

        attachment = Attachment("document", file_name, "application/pdf", len(content), fetch)
    before = len(channel.sent)
    await handle_update(runtime, Incoming(channel="recording", chat_id=who, user_id=who,
                                          display_name=who, date=at(when), text=text,
                                          attachment=attachment))
    return "\n".join(sent for _, sent in channel.sent[before:])


async def replay(sessions, config, data_dir: Path) -> RecordingChannel:
    from jobs.engine import tick

    channel = RecordingChannel()
    for when, who, text in EVENTS:
        if who is None:
            await tick(sessions, config, {"recording": channel}, at(when), "replay")
        else:
            await say(sessions, config, data_dir, when, who, text, channel)
    return channel
