"""One path for every message: the common replies are stored, applied and answered on it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from db.models import ItemReply, Message
from tests.replay import build, say

WHEN = "2023-03-01 08:00"


@pytest.fixture
def world(db_url, config, tmp_path):
    engine, sessions = build(db_url, config, tmp_path)
    yield sessions, config, tmp_path
    engine.dispose()


@pytest.mark.parametrize("who, text, answer", [
    ("Triệu Thị Mai", "xong 3.7", "✅ Đã ghi nhận: 3.7 Xây dựng kế hoạch để tổ chức rà soát, đánh giá; "
     "Qua rà soát, đánh giá… (Ban hành Kế hoạch) — hoàn thành. Cảm ơn anh/chị!\n"
     "Mốc tiếp theo: báo cáo kết quả thực hiện, hạn 31/03/2023."),
    ("Triệu Thị Mai", "3.7 đang làm 50%", "⏳ Đã ghi nhận: 3.7 đang thực hiện 50%."),
    ("Nông Văn Hùng", "chưa xong 3.31 vì chờ phòng Tài chính",
     "Đã ghi nhận: 3.31 chưa xong (chờ phòng Tài chính). Bot sẽ nhắc lại theo lịch."),
    # The office may act on any item, here one routed to it from district offices.
    ("Ma Thị Hoa", "xong 3.62",
     "✅ Đã ghi nhận: 3.62 Xây dựng kế hoạch tuyên truyền CCHC — hoàn thành. Cảm ơn anh/chị!"),
])
async def test_a_common_reply_is_stored_with_its_answer_and_applied_once(world, who, text, answer):
    sessions, config, data_dir = world
    assert await say(sessions, config, data_dir, WHEN, who, text) == answer
    with sessions() as session:
        stored = session.scalar(select(Message).where(Message.text == text))
        assert stored.outcome["codes"] and stored.person_id is not None
        assert stored.answer == answer
        assert session.scalar(select(func.count()).select_from(ItemReply)) == 1


async def test_a_slash_command_and_a_plain_reply_give_the_same_words(world, tmp_path_factory):
    sessions, config, data_dir = world
    other = tmp_path_factory.mktemp("command")
    engine, other_sessions = build(f"sqlite:///{other / 'g.db'}", config, other)
    by_command = await say(other_sessions, config, other, WHEN, "Triệu Thị Mai", "/xong 3.7")
    engine.dispose()
    assert by_command == await say(sessions, config, data_dir, WHEN, "Triệu Thị Mai", "xong 3.7")
