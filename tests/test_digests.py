"""The chairman's weekly summary and the office's daily news go out once, and only with news."""

from __future__ import annotations

import pytest

from jobs.engine import tick
from tests.fakes.recording import RecordingChannel
from tests.replay import at, build, replay, say
from tests.test_summary import OVERVIEW


@pytest.fixture
async def replayed(db_url, config, tmp_path):
    engine, sessions = build(db_url, config, tmp_path)
    await replay(sessions, config, tmp_path)
    yield sessions, config, tmp_path
    engine.dispose()


async def morning(world, local: str) -> RecordingChannel:
    sessions, config, _ = world
    channel = RecordingChannel()
    await tick(sessions, config, {"recording": channel}, at(local), "digest-test")
    return channel


def digests(channel: RecordingChannel, who: str, header: str) -> list[str]:
    return [text for text in channel.to(who) if text.startswith(header)]


async def test_the_chairman_gets_the_weekly_summary_on_monday_morning_once(replayed):
    channel = await morning(replayed, "2023-03-20 07:31")
    [weekly] = digests(channel, "Hoàng Văn Thái", "🗓 Bản tổng kết tuần gửi Chủ tịch")
    assert weekly == "🗓 Bản tổng kết tuần gửi Chủ tịch\n" + OVERVIEW
    again = await morning(replayed, "2023-03-20 09:00")
    assert digests(again, "Hoàng Văn Thái", "🗓") == []


async def test_no_weekly_summary_on_other_days_or_before_the_hour(replayed):
    assert digests(await morning(replayed, "2023-03-21 07:31"), "Hoàng Văn Thái", "🗓") == []
    assert digests(await morning(replayed, "2023-03-27 07:00"), "Hoàng Văn Thái", "🗓") == []


async def test_a_monday_holiday_moves_the_weekly_summary_to_the_next_working_day(replayed):
    # 1/5/2023 is Labour Day and 2-3/5 are the moved days off: Thursday 4/5 it is.
    for day in ("2023-05-01", "2023-05-02", "2023-05-03"):
        assert digests(await morning(replayed, f"{day} 07:31"), "Hoàng Văn Thái", "🗓") == []
    assert len(digests(await morning(replayed, "2023-05-04 07:31"), "Hoàng Văn Thái", "🗓")) == 1


async def test_the_office_gets_the_daily_news_only_when_someone_replied(replayed):
    sessions, config, data_dir = replayed
    # The first digest after a while covers everything since the last one.
    [catching_up] = digests(await morning(replayed, "2023-03-20 07:31"), "Ma Thị Hoa", "📰")
    assert catching_up.startswith("📰 Bản tin ngày 20/03/2023: 8 trả lời mới của cán bộ")
    quiet = await morning(replayed, "2023-03-21 07:31")
    assert digests(quiet, "Ma Thị Hoa", "📰") == []
    await say(sessions, config, data_dir, "2023-03-21 10:00", "Triệu Thị Mai", "3.7 đang làm 60%")
    await say(sessions, config, data_dir, "2023-03-21 15:20", "Nông Văn Hùng",
              "chưa xong 3.31 vì chờ phòng Tài chính")
    news = await morning(replayed, "2023-03-22 07:31")
    [daily] = digests(news, "Ma Thị Hoa", "📰")
    assert daily == (
        "📰 Bản tin ngày 22/03/2023: 2 trả lời mới của cán bộ\n"
        "• 21/03 10:00 Triệu Thị Mai báo đang làm 3.7 (60%)\n"
        "• 21/03 15:20 Nông Văn Hùng báo chưa xong 3.31: chờ phòng Tài chính")
    assert digests(await morning(replayed, "2023-03-23 07:31"), "Ma Thị Hoa", "📰") == []
