"""The quick way answers the common replies exactly as the general way would, and only those."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.channels.base import Incoming
from bot.quick import WhoCache, quick_reply
from db.models import ItemReply, Message, PendingQuestion, Person
from tests.replay import at, build, say

WHEN = "2023-03-01 08:00"


@pytest.fixture
def world(db_url, config, tmp_path):
    engine, sessions = build(db_url, config, tmp_path)
    yield sessions, config, tmp_path
    engine.dispose()


def incoming(who: str, text: str, **extra) -> Incoming:
    return Incoming(channel="recording", chat_id=who, user_id=who, display_name=who,
                    date=at(WHEN), text=text, **extra)


def quick(world, who: str, text: str, **extra) -> str | None:
    sessions, config, _ = world
    with sessions.begin() as session:
        return quick_reply(session, config, incoming(who, text, **extra), at(WHEN), WhoCache())


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
def test_the_quick_way_answers_like_the_general_way(world, who, text, answer):
    sessions, config, data_dir = world
    assert quick(world, who, text) == answer
    with sessions() as session:
        stored = session.scalar(select(Message).where(Message.text == text))
        assert stored.outcome["codes"] and stored.person_id is not None
        assert session.scalar(select(func.count()).select_from(ItemReply)) == 1


async def test_the_general_way_gives_the_same_words(world, db_url, config, tmp_path_factory):
    from tests.replay import build as build_again

    other = tmp_path_factory.mktemp("general")
    engine, sessions = build_again(f"sqlite:///{other / 'g.db'}", config, other)
    # A slash command never takes the quick way: /xong goes the general way.
    general = await say(sessions, config, other, WHEN, "Triệu Thị Mai", "/xong 3.7")
    engine.dispose()
    assert general == quick(world, "Triệu Thị Mai", "xong 3.7")


@pytest.mark.parametrize("who, text, extra", [
    ("Triệu Thị Mai", "xong", {}),                          # which item? the general way asks
    ("Triệu Thị Mai", "xong 3.7 và 3.10", {}),              # several items
    ("Triệu Thị Mai", "/xong 3.7", {}),                     # a command
    ("Hà Thị Lan", "xong 3.7", {}),                         # not hers: the general way refuses
    ("Triệu Thị Mai", "xong 9.9", {}),                      # no such item
    ("Triệu Thị Mai", "gia hạn 3.7 đến 28/2", {}),          # extensions go to the chairman
    ("Triệu Thị Mai", "xong 3.7", {"callback_data": "d:1"}),
    ("Người lạ", "xong 3.7", {}),
])
def test_everything_else_goes_the_general_way_untouched(world, who, text, extra):
    sessions = world[0]
    assert quick(world, who, text, **extra) is None
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 0


def test_a_waiting_question_sends_the_answer_the_general_way(world):
    sessions = world[0]
    with sessions.begin() as session:
        mai = session.scalar(select(Person).where(Person.name == "Triệu Thị Mai"))
        session.add(PendingQuestion(person_id=mai.id, kind="choose_item", payload={}, asked_at=at(WHEN)))
    assert quick(world, "Triệu Thị Mai", "xong 3.7") is None
