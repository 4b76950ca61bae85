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


MAI_37 = ("3.7 Xây dựng kế hoạch để tổ chức rà soát, đánh giá; Qua rà soát, đánh giá… "
          "(Ban hành Kế hoạch)")
UNDO = 'Nhầm thì trả lời "nhầm".'


@pytest.mark.parametrize("who, text, answer", [
    # Every acknowledgement names the item, the milestone and what was recorded.
    ("Triệu Thị Mai", "xong 3.7", f"✅ Đã ghi nhận: {MAI_37} — hoàn thành. Cảm ơn anh/chị!\n"
     f"Mốc tiếp theo: báo cáo kết quả thực hiện, hạn 31/03/2023.\n{UNDO}"),
    ("Triệu Thị Mai", "3.7 đang làm 50%", f"⏳ Đã ghi nhận: {MAI_37} — đang thực hiện 50%.\n{UNDO}"),
    ("Nông Văn Hùng", "chưa xong 3.31 vì chờ phòng Tài chính",
     "Đã ghi nhận: 3.31 Xây dựng phương án; trình cấp trên thẩm định, cho ý kiến — chưa xong "
     f"(chờ phòng Tài chính). Bot sẽ nhắc lại theo lịch.\n{UNDO}"),
    # The office may act on any item, here one routed to it from district offices.
    ("Ma Thị Hoa", "xong 3.62",
     f"✅ Đã ghi nhận: 3.62 Xây dựng kế hoạch tuyên truyền CCHC — hoàn thành. Cảm ơn anh/chị!\n{UNDO}"),
    ("Triệu Thị Mai", "3.7 tuần sau xong", f"📌 Đã ghi: {MAI_37} — sẽ xong thứ Sáu 10/03. "
     f"Bot sẽ hỏi lại hôm đó. Cảm ơn anh/chị!\n{UNDO}"),
])
async def test_a_common_reply_is_stored_with_its_answer_and_applied_once(world, who, text, answer):
    sessions, config, data_dir = world
    assert await say(sessions, config, data_dir, WHEN, who, text) == answer
    with sessions() as session:
        stored = session.scalar(select(Message).where(Message.text == text))
        assert stored.outcome["codes"] and stored.person_id is not None
        assert stored.answer == answer
        assert session.scalar(select(func.count()).select_from(ItemReply)) == 1


async def test_a_bare_date_answers_the_question_which_day(world):
    sessions, config, data_dir = world
    asked = await say(sessions, config, data_dir, WHEN, "Triệu Thị Mai", "gia hạn 3.7")
    assert asked.startswith("Xin gia hạn việc 3.7 đến ngày nào?")
    answer = await say(sessions, config, data_dir, WHEN, "Triệu Thị Mai", "thứ 6 tuần sau")
    assert answer.startswith("📅 Đã gửi Chủ tịch đề nghị gia hạn việc 3.7 đến 10/03/2023")


async def test_a_slash_command_and_a_plain_reply_give_the_same_words(world, tmp_path_factory):
    sessions, config, data_dir = world
    other = tmp_path_factory.mktemp("command")
    engine, other_sessions = build(f"sqlite:///{other / 'g.db'}", config, other)
    by_command = await say(other_sessions, config, other, WHEN, "Triệu Thị Mai", "/xong 3.7")
    engine.dispose()
    assert by_command == await say(sessions, config, data_dir, WHEN, "Triệu Thị Mai", "xong 3.7")
