"""What officials and the chairman really write, through the fake Telegram and Zalo servers:
promises, snoozes, taking an answer back, decisions in plain words, help."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from bot import texts
from db.models import Extension, ItemReply, PendingQuestion, Person, Reminder
from tests.test_e2e_chat import (  # noqa: F401  (the fixture is used by name)
    CHAIRMAN_TG, LAN_TG, MAI_TG, MAI_ZALO, bot, link, milestone, world,
)

THURSDAY = datetime(2023, 2, 9, 0, 30, 1, tzinfo=UTC)  # 07:30 in Hà Nội, the next day


def reminders(sessions, code, **where):
    with sessions() as session:
        query = select(Reminder.kind, Reminder.scheduled_on, Reminder.person_id).where(
            Reminder.milestone_id == milestone(sessions, code).id, Reminder.status == "planned")
        for column, value in where.items():
            query = query.where(getattr(Reminder, column) == value)
        return set(session.execute(query).all())


def person_id(sessions, name):
    with sessions() as session:
        return session.scalar(select(Person.id).where(Person.name == name))


async def test_a_promise_closes_nothing_and_the_bot_asks_again_on_the_promised_day(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "telegram", MAI_TG)
    async with bot(world):
        await tg.wait_for_messages(MAI_TG, 1, timeout=10)
        tg.user_says(MAI_TG, "3.7 mai em xong ạ", first_name="Mai")
        answer = (await tg.wait_for_messages(MAI_TG, 2, timeout=10))[-1]["text"]
    assert answer.startswith("📌 Đã ghi: 3.7 Xây dựng kế hoạch")
    assert "(Ban hành Kế hoạch)" in answer and "sẽ xong thứ Năm 09/02" in answer
    assert "Bot sẽ hỏi lại hôm đó" in answer
    assert milestone(sessions, "3.7").done_at is None
    assert milestone(sessions, "3.7").ask_on == date(2023, 2, 9)
    async with bot(world, start=THURSDAY):
        asked = (await tg.wait_for_messages(MAI_TG, 3, timeout=10))[-1]
    assert "Anh/chị hẹn bot hỏi lại hôm nay:" in asked["text"] and "3.7" in asked["text"]


async def test_a_snooze_moves_the_next_reminder_and_leaves_the_escalation_ladder_alone(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "zalo", MAI_ZALO)
    mai = person_id(sessions, "Triệu Thị Mai")
    async with bot(world):
        await zl.wait_for_messages(MAI_ZALO, 1, timeout=10)
        ladder = reminders(sessions, "3.7", kind="escalation")
        overdue = reminders(sessions, "3.7", kind="overdue")
        zl.user_says(MAI_ZALO, "3.7 mai nhắc lại nhé", display_name="Mai")
        answer = (await zl.wait_for_messages(MAI_ZALO, 2, timeout=10))[-1]["text"]
    assert answer.startswith("⏰ Đã ghi: 3.7") and "bot sẽ nhắc lại thứ Năm 09/02" in answer
    assert ladder and reminders(sessions, "3.7", kind="escalation") == ladder
    assert reminders(sessions, "3.7", kind="overdue") == overdue
    assert ("asked", date(2023, 2, 9), mai) in reminders(sessions, "3.7")
    assert milestone(sessions, "3.7").done_at is None


async def test_nham_takes_back_a_done_and_the_reminders_come_back(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "telegram", MAI_TG)
    async with bot(world):
        await tg.wait_for_messages(MAI_TG, 1, timeout=10)
        before = reminders(sessions, "3.7")
        tg.user_says(MAI_TG, "xong 3.7", first_name="Mai")
        await tg.wait_for_messages(MAI_TG, 2, timeout=10)
        assert milestone(sessions, "3.7").done_at is not None
        tg.user_says(MAI_TG, "nhầm rồi, 3.7 chưa xong", first_name="Mai")
        answer = (await tg.wait_for_messages(MAI_TG, 3, timeout=10))[-1]["text"]
    assert answer.startswith("↩️ Đã huỷ trả lời trước về việc 3.7 (hoàn thành)")
    assert milestone(sessions, "3.7").done_at is None
    assert reminders(sessions, "3.7") == before
    with sessions() as session:
        done = session.scalar(select(ItemReply).where(ItemReply.intent == "done"))
        assert done.undone_at is not None  # kept in the history, marked as taken back


async def test_nham_withdraws_an_extension_request_and_the_chairman_is_told(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "zalo", MAI_ZALO)
    link(sessions, "Hoàng Văn Thái", "telegram", CHAIRMAN_TG)
    async with bot(world):
        await zl.wait_for_messages(MAI_ZALO, 1, timeout=10)
        zl.user_says(MAI_ZALO, "gia hạn 3.7 đến 28/2 vì chờ số liệu của huyện")
        await tg.wait_for_messages(CHAIRMAN_TG, 1, timeout=10)
        zl.user_says(MAI_ZALO, "bấm nhầm ạ")
        answer = (await zl.wait_for_messages(MAI_ZALO, 3, timeout=10))[-1]["text"]
        told = (await tg.wait_for_messages(CHAIRMAN_TG, 2, timeout=10))[-1]["text"]
    assert answer.startswith("↩️ Đã huỷ trả lời trước về việc 3.7 (xin gia hạn)")
    assert told.startswith("↩️ Triệu Thị Mai báo trả lời trước về việc 3.7 (xin gia hạn) là nhầm")
    with sessions() as session:
        assert session.scalar(select(Extension.status)) == "withdrawn"
    assert milestone(sessions, "3.7").due == date(2023, 2, 15)


async def test_the_chairman_approves_in_plain_words(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "zalo", MAI_ZALO)
    link(sessions, "Hoàng Văn Thái", "telegram", CHAIRMAN_TG)
    async with bot(world):
        await zl.wait_for_messages(MAI_ZALO, 1, timeout=10)
        zl.user_says(MAI_ZALO, "gia hạn 3.7 28/2 vì chờ số liệu của huyện")
        [request] = await tg.wait_for_messages(CHAIRMAN_TG, 1, timeout=10)
        assert "Lý do: chờ số liệu của huyện" in request["text"]
        tg.user_says(CHAIRMAN_TG, "đồng ý", first_name="Thái")
        await tg.wait_for_messages(CHAIRMAN_TG, 2, timeout=10)
        told = (await zl.wait_for_messages(MAI_ZALO, 3, timeout=10))[-1]["text"]
    assert told == "✅ Chủ tịch đã duyệt gia hạn việc 3.7 đến 28/02/2023."
    assert milestone(sessions, "3.7").due == date(2023, 2, 28)


async def test_the_chairman_approves_by_replying_to_the_request(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "zalo", MAI_ZALO)
    link(sessions, "Hà Thị Lan", "telegram", LAN_TG)
    link(sessions, "Hoàng Văn Thái", "telegram", CHAIRMAN_TG)
    async with bot(world):
        await zl.wait_for_messages(MAI_ZALO, 1, timeout=10)
        zl.user_says(MAI_ZALO, "gia hạn 3.7 đến 28/2")
        [first] = await tg.wait_for_messages(CHAIRMAN_TG, 1, timeout=10)
        tg.user_says(LAN_TG, "gia hạn 3.3 đến 15/3 vì chờ huyện", first_name="Lan")
        second = (await tg.wait_for_messages(CHAIRMAN_TG, 2, timeout=10))[-1]
        tg.user_says(CHAIRMAN_TG, "ok cho lùi", first_name="Thái",
                     reply_to_message_id=first["message_id"])
        await tg.wait_for_messages(CHAIRMAN_TG, 3, timeout=10)
    assert "3.3" in second["text"]
    assert milestone(sessions, "3.7").due == date(2023, 2, 28)
    assert milestone(sessions, "3.3").due == date(2023, 2, 28)  # still waiting
    with sessions() as session:
        assert sorted(session.scalars(select(Extension.status))) == ["approved", "pending"]


async def test_an_admin_approves_with_the_code_instead_of_it_becoming_a_note(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "zalo", MAI_ZALO)
    link(sessions, "Lý Văn Toàn", "telegram", 903)
    with sessions.begin() as session:
        session.scalar(select(Person).where(Person.name == "Lý Văn Toàn")).is_admin = True
    async with bot(world):
        await zl.wait_for_messages(MAI_ZALO, 1, timeout=10)
        zl.user_says(MAI_ZALO, "gia hạn 3.7 đến 28/2")
        await zl.wait_for_messages(MAI_ZALO, 2, timeout=10)
        tg.user_says(903, "duyệt 3.7", first_name="Toàn")
        answer = (await tg.wait_for_messages(903, 1, timeout=10))[-1]["text"]
    assert answer.startswith("Đã ghi nhận quyết định.")
    assert milestone(sessions, "3.7").due == date(2023, 2, 28)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ItemReply)
                              .where(ItemReply.intent == "note")) == 0


async def test_a_rejection_sends_its_reason_to_the_official(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "telegram", MAI_TG)
    link(sessions, "Hoàng Văn Thái", "zalo", "z-thai")
    async with bot(world):
        await tg.wait_for_messages(MAI_TG, 1, timeout=10)
        tg.user_says(MAI_TG, "gia hạn 3.7 15/3 vì chờ huyện", first_name="Mai")
        await zl.wait_for_messages("z-thai", 1, timeout=10)
        zl.user_says("z-thai", "không được, phải xong trước 20/2", display_name="Thái")
        await zl.wait_for_messages("z-thai", 2, timeout=10)
        told = (await tg.wait_for_messages(MAI_TG, 3, timeout=10))[-1]["text"]
    assert told.startswith("❌ Chủ tịch không duyệt gia hạn việc 3.7")
    assert "Lý do: phải xong trước 20/2" in told
    assert milestone(sessions, "3.7").due == date(2023, 2, 15)


async def test_help_shows_the_guide_and_the_open_items_and_stores_nothing_on_an_item(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "zalo", MAI_ZALO)
    async with bot(world):
        await zl.wait_for_messages(MAI_ZALO, 1, timeout=10)
        zl.user_says(MAI_ZALO, "việc nào nhỉ", display_name="Mai")
        answer = (await zl.wait_for_messages(MAI_ZALO, 2, timeout=10))[-1]["text"]
    assert answer.startswith(texts.HELP.splitlines()[0])
    assert "Các việc của anh/chị chưa xong:" in answer and "• 3.7 " in answer
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ItemReply)) == 0
        assert session.scalar(select(func.count()).select_from(PendingQuestion)) == 0


async def test_a_reply_to_a_reminder_says_which_item_the_bot_took_it_for(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "telegram", MAI_TG)
    async with bot(world):
        [reminder] = await tg.wait_for_messages(MAI_TG, 1, timeout=10)
        tg.user_says(MAI_TG, "đang làm được khoảng nửa", first_name="Mai",
                     reply_to_message_id=reminder["message_id"])
        answer = (await tg.wait_for_messages(MAI_TG, 2, timeout=10))[-1]["text"]
    assert answer.startswith("⏳ Đã ghi nhận: 3.7 ") and "đang thực hiện 50%" in answer
    assert answer.endswith(texts.CHOSEN_ITEM.format(code="3.7"))
