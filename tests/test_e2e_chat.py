"""The real bot against fake Telegram and Zalo servers: real HTTP, real polling, real update loop."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.app import serve
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from bot.clock import Clock
from bot.talk import Runtime, create_invitation
from bot.plan.importer import import_plan
from bot.plan.interpret import interpret
from bot.plan.tables import read_document
from db.migrate import upgrade
from db.models import ChatLink, Delivery, Item, ItemReply, Message, Milestone, Person
from db.session import make_engine, make_sessionmaker
from jobs import engine as reminder_engine
from tests.conftest import NOW, SAMPLE_TXT
from tests.fakes import FakeTelegram, FakeZalo

MORNING = datetime(2023, 2, 8, 0, 30, 1, tzinfo=UTC)  # 07:30 in Hà Nội
MAI_TG, CHAIRMAN_TG, STRANGER_TG, LAN_TG = 501, 900, 777, 502
MAI_ZALO, HOA_ZALO = "z-mai", "z-hoa"


@pytest.fixture
async def world(db_url, config, tmp_path):
    engine = make_engine(db_url)
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


def link(sessions, name, channel, chat_id, preferred=True):
    with sessions.begin() as session:
        person = session.scalar(select(Person).where(Person.name == name))
        session.add(ChatLink(person_id=person.id, channel=channel, chat_id=str(chat_id),
                             preferred=preferred, created_at=NOW))


@contextlib.asynccontextmanager
async def bot(world, start=MORNING, **runtime):
    sessions, config, tg, zl, tmp_path = world
    channels = {
        "telegram": TelegramChannel(tg.token, tg.base_url, api_base_file_url=tg.base_file_url,
                                    poll_timeout=0.5),
        "zalo": ZaloChannel(zl.token, zl.base_url, poll_timeout=0.5),
    }
    rt = Runtime(sessions, config, channels, Clock(start, 1.0), tmp_path / "data", "bot-test",
                 **runtime)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(rt, stop))
    try:
        yield rt
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)


def milestone(sessions, code, position=0):
    with sessions() as session:
        return session.scalar(select(Milestone).join(Item).where(
            Item.code == code, Milestone.position == position))


async def test_an_official_closes_the_item_by_replying_xong_to_the_reminder(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "telegram", MAI_TG)
    async with bot(world):
        [reminder] = await tg.wait_for_messages(MAI_TG, 1, timeout=10)
        assert "3.7 Xây dựng kế hoạch" in reminder["text"]
        assert reminder["reply_markup"]["inline_keyboard"][0][0]["text"] == "✅ Xong 3.7"
        tg.user_says(MAI_TG, "xong", first_name="Mai", reply_to_message_id=reminder["message_id"])
        messages = await tg.wait_for_messages(MAI_TG, 2, timeout=10)
    assert messages[1]["text"].startswith("✅ Đã ghi nhận: 3.7")
    assert "Mốc tiếp theo: báo cáo kết quả thực hiện, hạn 31/03/2023." in messages[1]["text"]
    assert milestone(sessions, "3.7").done_at is not None
    with sessions() as session:
        stored = session.scalar(select(Message).where(Message.text == "xong"))
        assert stored.outcome == {"intent": "done", "codes": ["3.7"]}
        assert stored.reply_to_message_id == str(reminder["message_id"])
        reply = session.scalar(select(ItemReply))
        assert (reply.intent, reply.person.name) == ("done", "Triệu Thị Mai")


async def test_an_official_closes_the_item_with_the_button(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "telegram", MAI_TG)
    async with bot(world):
        [reminder] = await tg.wait_for_messages(MAI_TG, 1, timeout=10)
        data = reminder["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        tg.user_presses(MAI_TG, reminder["message_id"], data)
        messages = await tg.wait_for_messages(MAI_TG, 2, timeout=10)
        await tg.wait_until(lambda: "answerCallbackQuery" in tg.calls, 5)
    assert messages[1]["text"].startswith("✅ Đã ghi nhận: 3.7")
    assert milestone(sessions, "3.7").done_at is not None


async def test_an_official_on_zalo_answers_in_plain_text(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "zalo", MAI_ZALO)
    async with bot(world):
        [reminder] = await zl.wait_for_messages(MAI_ZALO, 1, timeout=10)
        assert "3.7" in reminder["text"] and len(reminder["text"]) <= 2000
        zl.user_says(MAI_ZALO, "Dạ em xong rồi ạ", display_name="Mai")
        messages = await zl.wait_for_messages(MAI_ZALO, 2, timeout=10)
    assert messages[1]["text"].startswith("✅ Đã ghi nhận: 3.7")
    assert milestone(sessions, "3.7").done_at is not None


async def test_a_stranger_is_refused_politely_and_nothing_changes(world):
    sessions, config, tg, zl, _ = world
    async with bot(world):
        tg.user_says(STRANGER_TG, "xong 3.7", first_name="Ai đó")
        [answer] = await tg.wait_for_messages(STRANGER_TG, 1, timeout=10)
        zl.user_says("z-stranger", "xong")
        [zalo_answer] = await zl.wait_for_messages("z-stranger", 1, timeout=10)
    assert answer["text"].startswith("Xin chào! Bot này chỉ phục vụ")
    assert zalo_answer["text"] == answer["text"]
    assert milestone(sessions, "3.7").done_at is None
    with sessions() as session:
        stored = session.scalar(select(Message).where(Message.chat_id == str(STRANGER_TG)))
        assert stored.person_id is None and stored.text == "xong 3.7"


async def test_nobody_can_close_someone_elses_item(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Hà Thị Lan", "telegram", LAN_TG)
    async with bot(world):
        tg.user_says(LAN_TG, "xong 3.7", first_name="Lan")
        messages = await tg.wait_for_messages(LAN_TG, 1, timeout=10)
    assert messages[-1]["text"] == "Việc 3.7 không do anh/chị chủ trì nên bot không thay đổi gì."
    assert milestone(sessions, "3.7").done_at is None


async def test_the_chairmans_tongket_reflects_the_change(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "zalo", MAI_ZALO)
    link(sessions, "Hoàng Văn Thái", "telegram", CHAIRMAN_TG)
    async with bot(world):
        await zl.wait_for_messages(MAI_ZALO, 1, timeout=10)
        tg.user_says(CHAIRMAN_TG, "/tongket 3.7", first_name="Thái")
        before = (await tg.wait_for_messages(CHAIRMAN_TG, 1, timeout=10))[-1]["text"]
        zl.user_says(MAI_ZALO, "xong 3.7")
        await zl.wait_for_messages(MAI_ZALO, 2, timeout=10)
        tg.user_says(CHAIRMAN_TG, "/tongket 3.7", first_name="Thái")
        after = (await tg.wait_for_messages(CHAIRMAN_TG, 2, timeout=10))[-1]["text"]
        tg.user_says(CHAIRMAN_TG, "/tongket", first_name="Thái")
        overview = (await tg.wait_for_messages(CHAIRMAN_TG, 3, timeout=10))[-1]["text"]
    assert "• Ban hành Kế hoạch, hạn 15/02/2023: chưa thực hiện" in before
    assert "• Ban hành Kế hoạch, hạn 15/02/2023, xong 08/02/2023: xong đúng hạn" in after
    assert "Triệu Thị Mai báo đã xong" in after
    assert "🟡 đang thực hiện 1" in overview


async def test_officials_cannot_use_the_chairmans_summary(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Hà Thị Lan", "telegram", LAN_TG)
    async with bot(world):
        tg.user_says(LAN_TG, "/tongket")
        [answer] = await tg.wait_for_messages(LAN_TG, 1, timeout=10)
    assert answer["text"].startswith("Lệnh này chỉ dành cho Chủ tịch")


async def test_an_extension_goes_to_the_chairman_who_approves_with_a_button(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "zalo", MAI_ZALO)
    link(sessions, "Hoàng Văn Thái", "telegram", CHAIRMAN_TG)
    async with bot(world):
        await zl.wait_for_messages(MAI_ZALO, 1, timeout=10)
        zl.user_says(MAI_ZALO, "gia hạn 3.7 đến 28/2 vì chờ số liệu của huyện")
        messages = await zl.wait_for_messages(MAI_ZALO, 2, timeout=10)
        assert messages[1]["text"].startswith("📅 Đã gửi Chủ tịch đề nghị gia hạn việc 3.7 đến 28/02/2023")
        [request] = await tg.wait_for_messages(CHAIRMAN_TG, 1, timeout=10)
        assert "Triệu Thị Mai xin gia hạn việc 3.7" in request["text"]
        assert "Lý do: chờ số liệu của huyện" in request["text"]
        approve = request["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        tg.user_presses(CHAIRMAN_TG, request["message_id"], approve)
        decision = await tg.wait_for_messages(CHAIRMAN_TG, 2, timeout=10)
        told = await zl.wait_for_messages(MAI_ZALO, 3, timeout=10)
    assert "Đã ghi nhận quyết định" in decision[1]["text"]
    assert told[2]["text"] == "✅ Chủ tịch đã duyệt gia hạn việc 3.7 đến 28/02/2023."
    moved = milestone(sessions, "3.7")
    assert (moved.due.isoformat(), moved.original_due.isoformat()) == ("2023-02-28", "2023-02-15")


async def test_the_chairman_decides_on_zalo_in_words(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "telegram", MAI_TG)
    link(sessions, "Hoàng Văn Thái", "zalo", "z-thai")
    async with bot(world):
        await tg.wait_for_messages(MAI_TG, 1, timeout=10)
        tg.user_says(MAI_TG, "/giahan 3.7 24/2 chờ huyện")
        [request] = await zl.wait_for_messages("z-thai", 1, timeout=10)
        assert "Trả lời \"duyệt 3.7\" hoặc \"không duyệt 3.7\"" in request["text"]
        zl.user_says("z-thai", "Không duyệt 3.7")
        await zl.wait_for_messages("z-thai", 2, timeout=10)
        told = await tg.wait_for_messages(MAI_TG, 3, timeout=10)
    assert told[-1]["text"].startswith("❌ Chủ tịch không duyệt gia hạn việc 3.7")
    assert milestone(sessions, "3.7").due.isoformat() == "2023-02-15"


async def test_an_invitation_links_a_new_chat(world):
    sessions, config, tg, zl, _ = world
    with sessions.begin() as session:
        person = session.scalar(select(Person).where(Person.name == "Hà Thị Lan"))
        code = create_invitation(session, person, MORNING)
    async with bot(world):
        tg.user_says(LAN_TG, f"/start {code}", first_name="Lan")
        [welcome] = await tg.wait_for_messages(LAN_TG, 1, timeout=10)
        zl.user_says("z-other", code)  # a used code links nobody else
        [refused] = await zl.wait_for_messages("z-other", 1, timeout=10)
    assert welcome["text"].startswith("Chào Hà Thị Lan! Tài khoản Telegram này đã được kết nối.")
    assert refused["text"].startswith("Xin chào! Bot này chỉ phục vụ")
    with sessions() as session:
        [chat] = session.scalars(select(ChatLink)).all()
        assert (chat.channel, chat.chat_id, chat.person.name) == ("telegram", str(LAN_TG), "Hà Thị Lan")


async def test_an_ambiguous_reply_gets_a_numbered_question_and_the_number_answers_it(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Ma Thị Hoa", "zalo", HOA_ZALO)
    for other in ("Lường Văn Đức", "Hoàng Văn Thái", "Nông Văn Hùng", "Hà Thị Lan", "Triệu Thị Mai",
                  "Lý Văn Toàn"):
        link(sessions, other, "zalo", f"z-{other}")
    # On 31/3 Hoa's reminder lists several items (3.62 due, 3.63 late...).
    async with bot(world, start=datetime(2023, 3, 31, 0, 30, 1, tzinfo=UTC)):
        await zl.wait_for_messages(HOA_ZALO, 1, timeout=10)
        zl.user_says(HOA_ZALO, "xong rồi")
        question = (await zl.wait_for_messages(HOA_ZALO, 2, timeout=10))[-1]["text"]
        assert question.startswith("Anh/chị đang nói về việc nào? Trả lời bằng số:")
        first = question.splitlines()[1]
        code = first.split()[1]
        zl.user_says(HOA_ZALO, "1")
        answer = (await zl.wait_for_messages(HOA_ZALO, 3, timeout=10))[-1]["text"]
    assert answer.startswith(f"✅ Đã ghi nhận: {code}")


async def test_evidence_sent_as_a_document_is_stored_with_its_hash(world):
    sessions, config, tg, zl, tmp_path = world
    link(sessions, "Triệu Thị Mai", "telegram", MAI_TG)
    async with bot(world):
        await tg.wait_for_messages(MAI_TG, 1, timeout=10)
        tg.user_sends_document(MAI_TG, "ke-hoach-ra-soat.pdf", b"%PDF-1.4 ke hoach", caption="3.7",
                               mime_type="application/pdf")
        messages = await tg.wait_for_messages(MAI_TG, 2, timeout=10)
        tg.user_sends_document(MAI_TG, "virus.exe", b"MZ...", caption="3.7")
        refused = await tg.wait_for_messages(MAI_TG, 3, timeout=10)
    assert messages[1]["text"] == "📎 Đã lưu tài liệu kiểm chứng \"ke-hoach-ra-soat.pdf\" cho việc 3.7."
    assert refused[2]["text"].startswith("Bot chỉ nhận tệp loại:")
    from db.models import Evidence

    with sessions() as session:
        [evidence] = session.scalars(select(Evidence)).all()
    assert evidence.size == len(b"%PDF-1.4 ke hoach")
    assert open(evidence.path, "rb").read() == b"%PDF-1.4 ke hoach"


async def test_faults_from_the_chat_services_lose_nothing_and_send_nothing_twice(world):
    sessions, config, tg, zl, _ = world
    link(sessions, "Triệu Thị Mai", "telegram", MAI_TG)
    link(sessions, "Nông Văn Hùng", "telegram", 503)
    link(sessions, "Hà Thị Lan", "zalo", "z-lan")
    link(sessions, "Ma Thị Hoa", "zalo", HOA_ZALO)
    start = datetime(2023, 2, 24, 0, 30, 1, tzinfo=UTC)  # Mai, Hùng, Lan and Hoa all have news
    # Deliveries go out in person order (Hoa, Lan, Mai, Hùng): Hoa's first Zalo send meets a
    # 500, Mai's Telegram send a 429, and Hùng has blocked the bot.
    zl.fail_next("sendMessage", 500)
    tg.fail_next("sendMessage", 429, retry_after=1)
    tg.fail_next("sendMessage", 403)
    async with bot(world, start=start) as rt:
        await tg.wait_until(lambda: len(tg.calls) > 3, 5)
        for minutes in (2, 10, 30, 90):
            await reminder_engine.tick(rt.sessions, rt.config, rt.channels,
                                       start + timedelta(minutes=minutes), rt.holder)

    def reminders(messages, chat_id):
        return [m for m in messages if str(m["chat_id"]) == str(chat_id)
                and m["method"] == "sendMessage" and m["text"].startswith("🔔")]

    assert len(reminders(tg.sent, MAI_TG)) == 1
    assert len(reminders(zl.sent, "z-lan")) == 1
    assert len(reminders(zl.sent, HOA_ZALO)) == 1
    assert reminders(tg.sent, 503) == []
    with sessions() as session:
        statuses = {d.person.name: d.status for d in session.scalars(
            select(Delivery).where(Delivery.purpose == "reminder"))}
        hung = session.scalar(select(ChatLink).where(ChatLink.chat_id == "503"))
        assert hung.unreachable_at is not None
    assert statuses == {"Triệu Thị Mai": "sent", "Hà Thị Lan": "sent", "Ma Thị Hoa": "sent",
                        "Nông Văn Hùng": "failed"}
    [notice] = [m["text"] for m in zl.sent if m["chat_id"] == HOA_ZALO
                and m["text"].startswith("⚠️ Không gửi được")]
    assert "• Nông Văn Hùng qua Telegram: người này đã chặn bot" in notice


async def test_the_chairman_gets_the_chart_and_the_report_as_a_document_on_telegram(world):
    sessions, config, tg, zl, tmp_path = world
    link(sessions, "Hoàng Văn Thái", "telegram", CHAIRMAN_TG)
    async with bot(world):
        tg.user_says(CHAIRMAN_TG, "/tongket")
        summary, chart = await tg.wait_for_messages(CHAIRMAN_TG, 2, timeout=10)
        tg.user_says(CHAIRMAN_TG, "/baocao")
        messages = await tg.wait_for_messages(CHAIRMAN_TG, 4, timeout=10)
    assert summary["text"].startswith("📊 Tổng kết thực hiện kế hoạch đến ngày 08/02/2023")
    assert chart["method"] == "sendPhoto" and chart["content"].startswith(b"\x89PNG")
    assert chart["filename"] == (
        "bieu-do-ke-hoach-thuc-hien-cong-tac-cai-cach-hanh-chinh-nam-2023-2023-02-08.png")
    note, document = messages[2], messages[3]
    assert note["text"] == "📄 Báo cáo kết quả thực hiện kế hoạch: bao-cao-ke-hoach-2023-den-2023-02-08.xlsx"
    assert document["method"] == "sendDocument"
    assert document["filename"] == "bao-cao-ke-hoach-2023-den-2023-02-08.xlsx"
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(document["content"]))["Phụ lục"]
    codes = [str(cell.value) for cell in sheet["D"] if cell.value and str(cell.value)[:1].isdigit()]
    assert any(code.startswith("3.7") for code in codes)


async def test_on_zalo_the_chairman_gets_text_only_and_the_report_is_saved(world):
    sessions, config, tg, zl, tmp_path = world
    link(sessions, "Hoàng Văn Thái", "zalo", "z-thai")
    async with bot(world):
        zl.user_says("z-thai", "/tongket")
        [summary] = await zl.wait_for_messages("z-thai", 1, timeout=10)
        zl.user_says("z-thai", "/baocao")
        messages = await zl.wait_for_messages("z-thai", 2, timeout=10)
    assert summary["text"].startswith("📊 Tổng kết thực hiện kế hoạch")
    assert all(m["method"] == "sendMessage" and len(m["text"]) <= 2000 for m in zl.sent)
    assert messages[1]["text"].startswith("📄 Đã lập báo cáo kết quả thực hiện kế hoạch. Zalo không gửi được tệp")
    saved = messages[1]["text"].rsplit(": ", 1)[1]
    assert saved.endswith(".xlsx")
    from pathlib import Path

    assert Path(saved).read_bytes()[:2] == b"PK"
