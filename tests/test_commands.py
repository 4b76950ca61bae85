"""The officials' own commands, as a conversation: /viec, /lich, /kenh, /huongdan, and invitations."""

from __future__ import annotations

import io

from sqlalchemy import select

from bot import cli, texts
from db.models import ChatLink, Invitation, Person
from tests.conftest import NOW
from tests.replay import build, say

WHEN = "2023-03-20 08:00"


async def test_viec_lists_my_open_items_soonest_first(db_url, config, tmp_path):
    engine, sessions = build(db_url, config, tmp_path)
    answer = await say(sessions, config, tmp_path, WHEN, "Hà Thị Lan", "/viec")
    engine.dispose()
    assert answer.splitlines() == [
        "Các việc của anh/chị chưa xong:",
        "• 3.1 Xây dựng kế hoạch — hạn 31/01/2023",
        "• 3.3 Xây dựng dự thảo Kế hoạch Theo dõi tình hình thi hành pháp luật trên… — hạn 28/02/2023",
        "• 3.4 Xây dựng dự thảo báo cáo kết quả theo dõi tình hình thi hành pháp luậ… — hạn 30/11/2023",
    ]


async def test_lich_shows_my_coming_reminders(db_url, config, tmp_path):
    engine, sessions = build(db_url, config, tmp_path)
    answer = await say(sessions, config, tmp_path, "2023-02-01 08:00", "Triệu Thị Mai", "/lich")
    engine.dispose()
    lines = answer.splitlines()
    assert lines[0] == "Các tin nhắc sắp tới (lúc 07:30):"
    assert "• Thứ Tư 08/02/2023: 3.7 (nhắc trước)" in lines
    assert "• Thứ Tư 15/02/2023: 3.7 (đến hạn)" in lines


async def test_kenh_lists_and_chooses_the_channel_for_reminders(db_url, config, tmp_path):
    engine, sessions = build(db_url, config, tmp_path)
    with sessions.begin() as session:
        mai = session.scalar(select(Person).where(Person.name == "Triệu Thị Mai"))
        session.add(ChatLink(person_id=mai.id, channel="zalo", chat_id="z-mai", preferred=False,
                             created_at=NOW))
    listing = await say(sessions, config, tmp_path, WHEN, "Triệu Thị Mai", "/kenh")
    chosen = await say(sessions, config, tmp_path, WHEN, "Triệu Thị Mai", "/kenh zalo")
    with sessions() as session:
        preferred = {link.channel: link.preferred for link in session.scalars(
            select(ChatLink).where(ChatLink.person_id == mai.id))}
    engine.dispose()
    assert listing.startswith("Các kênh đã kết nối: recording (đang dùng), Zalo.")
    assert chosen == "Từ nay tin nhắc việc sẽ gửi qua Zalo."
    assert preferred == {"recording": False, "zalo": True}


async def test_huongdan_and_unknown_commands(db_url, config, tmp_path):
    engine, sessions = build(db_url, config, tmp_path)
    assert await say(sessions, config, tmp_path, WHEN, "Hà Thị Lan", "/huongdan") == texts.HELP
    assert await say(sessions, config, tmp_path, WHEN, "Hà Thị Lan", "/abc") == texts.UNKNOWN_COMMAND
    assert await say(sessions, config, tmp_path, WHEN, "Hà Thị Lan", "ok") == texts.NOT_UNDERSTOOD
    engine.dispose()


def test_invite_prints_a_code_and_the_telegram_link(db_url, config):
    telegram = config.telegram.model_copy(update={"bot_username": "nhacviec_bangphuc_bot"})
    config = config.model_copy(update={"telegram": telegram, "database": config.database.model_copy(
        update={"url": db_url})})
    out = io.StringIO()
    assert cli.cmd_invite(config, "lan", None, NOW, out) == 0
    from db.session import make_engine, make_sessionmaker

    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        [invitation] = session.scalars(select(Invitation)).all()
        assert invitation.person.name == "Hà Thị Lan"
    engine.dispose()
    code = invitation.code
    assert out.getvalue().splitlines() == [
        f"Mã mời cho Hà Thị Lan: {code} (dùng một lần, hết hạn sau 7 ngày).",
        f"Telegram: mở https://t.me/nhacviec_bangphuc_bot?start={code}",
        f"Zalo: gửi cho bot tin \"{code}\".",
    ]
    assert cli.cmd_invite(config, "Nguyễn", None, NOW, io.StringIO()) == 2
