"""The reminder engine against a real database: once, combined, caught up, retried, leased."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.channels.base import DeliveryError
from bot.plan.importer import import_plan
from bot.plan.interpret import interpret
from bot.plan.tables import read_document
from db.migrate import upgrade
from db.models import ChatLink, Delivery, DeliveryAttempt, Item, Milestone, Person, Reminder
from db.session import make_engine, make_sessionmaker
from jobs.engine import tick
from jobs.schedule import refresh_schedule
from tests.conftest import NOW, SAMPLE_TXT
from tests.fakes.recording import RecordingChannel

MORNING = datetime(2023, 2, 8, 0, 31, tzinfo=UTC)  # 07:31 in Hà Nội, a Wednesday


def at(day: str, hour: int = 0, minute: int = 31) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


@pytest.fixture
def world(db_url, config):
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        import_plan(session, interpret(read_document(SAMPLE_TXT)), config.units[0], NOW)
        for person in session.scalars(select(Person)):
            session.add(ChatLink(person_id=person.id, channel="recording", chat_id=person.name,
                                 created_at=NOW))
    channel = RecordingChannel()
    yield sessions, config, {"recording": channel}, channel
    engine.dispose()


async def run(world, now, holder="bot-1"):
    sessions, config, channels, _ = world
    return await tick(sessions, config, channels, now, holder)


def count(sessions, model, *where):
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


async def test_a_due_reminder_goes_out_once_in_one_message(world):
    sessions, config, channels, channel = world
    report = await run(world, MORNING)
    assert report.leader and report.sent >= 1
    messages = channel.to("Triệu Thị Mai")
    assert len(messages) == 1
    assert "3.7 Xây dựng kế hoạch để tổ chức rà soát" in messages[0]
    assert "Ban hành Kế hoạch: hạn 15/02/2023, còn 7 ngày" in messages[0]
    before = len(channel.sent)
    await run(world, MORNING + timedelta(minutes=1))
    await run(world, MORNING + timedelta(hours=3))
    assert len(channel.sent) == before


async def test_nothing_goes_out_before_the_hour(world):
    _, _, _, channel = world
    await run(world, at("2023-02-08", 0, 29))
    assert channel.to("Triệu Thị Mai") == []


async def test_everything_due_for_a_person_comes_in_one_message_most_urgent_first(world):
    sessions, config, channels, channel = world
    await run(world, at("2023-04-25"))
    [message] = channel.to("Ma Thị Hoa")
    overdue = message.index("Quá hạn:")
    checkins = message.index("tháng này có gì cần báo cáo không?")
    assert overdue < checkins
    assert "• 3.62 " in message and "• 3.2 " in message and "• 3.61 " in message


async def test_after_downtime_each_person_gets_one_catch_up_message(world):
    sessions, config, channels, channel = world
    await run(world, at("2023-02-08"))
    sent_before = len(channel.sent)
    # The bot is down from the 9th; it comes back on Thursday the 16th.
    await run(world, at("2023-02-16"))
    new = channel.sent[sent_before:]
    people = [chat for chat, _ in new]
    assert len(people) == len(set(people))
    [mai] = [text for chat, text in new if chat == "Triệu Thị Mai"]
    assert "Hệ thống vừa hoạt động lại" in mai
    assert mai.count("• 3.7 ") == 1
    assert "trễ 1 ngày làm việc" in mai
    assert count(sessions, Reminder, Reminder.status == "planned",
                 Reminder.scheduled_on <= datetime(2023, 2, 16).date()) == 0


async def test_a_crash_between_claim_and_send_loses_nothing(world):
    from jobs.engine import acquire_lease, claim_due

    sessions, config, channels, channel = world
    with sessions.begin() as session:
        acquire_lease(session, "dead-bot", MORNING)
        refresh_schedule(session, MORNING, config.reminders)
    claimed = claim_due(sessions, config, channels, MORNING)
    assert claimed > 0 and channel.sent == []
    # The first process died; another takes over once its lease ran out.
    await run(world, MORNING + timedelta(minutes=2), holder="bot-2")
    assert len(channel.to("Triệu Thị Mai")) == 1
    assert count(sessions, Reminder, Reminder.status == "claimed") == 0


async def test_a_crash_after_the_service_accepted_repeats_at_most_that_message(world):
    sessions, config, channels, channel = world
    channel.failures = [RuntimeError("power cut after the send")]
    with pytest.raises(RuntimeError):
        await run(world, MORNING, holder="bot-1")
    first_chat = channel.sent[0][0]
    await run(world, MORNING + timedelta(minutes=2), holder="bot-2")
    chats = [chat for chat, _ in channel.sent]
    assert chats.count(first_chat) == 2
    assert all(chats.count(chat) == 1 for chat in set(chats) - {first_chat})


async def test_a_temporary_failure_is_retried_with_back_off(world):
    sessions, config, channels, channel = world
    channel.failures = [DeliveryError("timeout", permanent=False)]
    await run(world, MORNING)
    failed_chat = sessions().scalar(
        select(Delivery.chat_id).where(Delivery.status == "retry"))
    assert failed_chat is not None
    assert channel.to(failed_chat) == []
    await run(world, MORNING + timedelta(seconds=30))
    assert channel.to(failed_chat) == []
    await run(world, MORNING + timedelta(minutes=1, seconds=1))
    assert len(channel.to(failed_chat)) == 1
    with sessions() as session:
        delivery = session.scalar(select(Delivery).where(Delivery.chat_id == failed_chat))
        outcomes = session.scalars(select(DeliveryAttempt.outcome).where(
            DeliveryAttempt.delivery_id == delivery.id).order_by(DeliveryAttempt.id)).all()
    assert outcomes == ["temporary", "sent"]


async def test_retry_after_from_the_service_is_honoured(world):
    sessions, config, channels, channel = world
    channel.failures = [DeliveryError("rate limited", permanent=False, retry_after=600)]
    await run(world, MORNING)
    with sessions() as session:
        delivery = session.scalar(select(Delivery).where(Delivery.status == "retry"))
    assert delivery.next_attempt_at == MORNING + timedelta(seconds=600)


async def test_a_blocked_person_is_marked_unreachable_and_the_coordinator_told(world):
    sessions, config, channels, channel = world
    # Only Mai has something this morning; she has blocked the bot.
    channel.failures = [DeliveryError("Forbidden: bot was blocked by the user", permanent=True)]
    await run(world, MORNING)
    with sessions() as session:
        link = session.scalar(select(ChatLink).where(ChatLink.chat_id == "Triệu Thị Mai"))
        assert link.unreachable_at == MORNING
    [notice] = channel.to("Ma Thị Hoa")
    assert notice.startswith("⚠️ Không gửi được tin nhắc việc cho:")
    assert "• Triệu Thị Mai qua recording: người này đã chặn bot" in notice
    assert count(sessions, Reminder, Reminder.status == "failed") >= 1


async def test_a_person_without_a_chat_is_reported_to_the_coordinator(world):
    sessions, config, channels, channel = world
    with sessions.begin() as session:
        session.execute(ChatLink.__table__.delete().where(ChatLink.chat_id == "Triệu Thị Mai"))
    await run(world, MORNING)
    [notice] = channel.to("Ma Thị Hoa")
    assert "Triệu Thị Mai" in notice and "chưa kết nối" in notice


async def test_only_one_process_ticks_per_database(world):
    sessions, config, channels, channel = world
    first = await run(world, MORNING, holder="bot-1")
    second = await run(world, MORNING + timedelta(seconds=10), holder="bot-2")
    assert first.leader and not second.leader
    assert second.holder == "bot-1"
    # When bot-1 stops renewing, bot-2 takes over within a minute.
    later = await run(world, MORNING + timedelta(seconds=61), holder="bot-2")
    assert later.leader


async def test_closing_a_milestone_cancels_its_reminders(world):
    sessions, config, channels, channel = world
    await run(world, MORNING)
    with sessions.begin() as session:
        milestone = session.scalar(select(Milestone).join(Item).where(
            Item.code == "3.7", Milestone.position == 0))
        milestone.done_at = MORNING + timedelta(hours=2)
        refresh_schedule(session, MORNING + timedelta(hours=2), config.reminders)
    await run(world, at("2023-02-10"))
    assert all("• 3.7 " not in text for text in channel.to("Triệu Thị Mai")[1:])
    assert count(sessions, Reminder, Reminder.milestone_id == milestone.id,
                 Reminder.status == "planned") == 0


async def test_a_changed_deadline_moves_its_reminders(world, tmp_path):
    sessions, config, channels, channel = world
    await run(world, MORNING)
    edited = SAMPLE_TXT.read_text(encoding="utf-8").replace(
        "Ban hành Kế hoạch trước 15/2/2023", "Ban hành Kế hoạch trước 28/2/2023")
    path = tmp_path / "edited.txt"
    path.write_text(edited, encoding="utf-8")
    later = MORNING + timedelta(hours=1)
    with sessions.begin() as session:
        import_plan(session, interpret(read_document(path)), config.units[0], later)
        refresh_schedule(session, later, config.reminders)
    with sessions() as session:
        days = sorted(r.scheduled_on.isoformat() for r in session.scalars(
            select(Reminder).join(Milestone).join(Item).where(
                Item.code == "3.7", Milestone.position == 0, Reminder.status == "planned")))
    assert days[:4] == ["2023-02-21", "2023-02-24", "2023-02-27", "2023-02-28"]
    assert "2023-02-15" not in days
