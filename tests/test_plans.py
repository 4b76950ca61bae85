"""Several plans at once: every plan is followed until the office closes it; /tongket, /viec and
the reminders cover them all, and a code found in two plans goes to the right one."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot import cli
from bot.app import demo_start
from bot.status import current_plans, reply_year
from db.models import Item, Milestone, Plan, Reminder
from jobs.schedule import refresh_schedule
from tests.conftest import SAMPLE_TXT
from tests.replay import at, build, say

WHEN = "2024-01-10 08:00"


@pytest.fixture
def two_years(db_url, config, tmp_path):
    """The 2023 sample, replied to in 2023, then the same plan made for 2024."""
    engine, sessions = build(db_url, config, tmp_path)
    config = config.model_copy(update={"database": config.database.model_copy(update={"url": db_url})})
    path = tmp_path / "ke-hoach-cchc-2024.txt"
    path.write_text(SAMPLE_TXT.read_text(encoding="utf-8").replace("2023", "2024"), encoding="utf-8")
    out = io.StringIO()
    assert cli.cmd_import(config, path, year=None, unit=None, dry_run=False, as_json=False,
                          now=at("2024-01-05 08:00"), out=out) == 0
    assert "Đã lưu kế hoạch (số 2)" in out.getvalue()
    yield sessions, config, tmp_path
    engine.dispose()


def plan_of(sessions, milestone_id: int) -> int:
    with sessions() as session:
        return session.get(Milestone, milestone_id).item.plan_id


async def test_tongket_covers_both_years_and_narrows_to_a_year_or_a_plan(two_years):
    sessions, config, tmp_path = two_years
    answer = await say(sessions, config, tmp_path, WHEN, "Hoàng Văn Thái", "/tongket")
    lines = answer.splitlines()
    assert lines[1].startswith("92 việc:")
    assert "Gồm 2 kế hoạch:" in lines
    assert any(line.startswith("• Số 1 (2023)") and line.endswith("46 việc") for line in lines)
    assert any(line.startswith("• Số 2 (2024)") and line.endswith("46 việc") for line in lines)
    year = await say(sessions, config, tmp_path, WHEN, "Hoàng Văn Thái", "/tongket 2023")
    assert year.splitlines()[0].startswith("📊 Các kế hoạch năm 2023")
    assert year.splitlines()[1].startswith("46 việc:")
    number = await say(sessions, config, tmp_path, WHEN, "Hoàng Văn Thái", "/tongket 2")
    assert number.splitlines()[0].startswith("📊 Kế hoạch số 2 (2024)")
    # An item code still means the item, in every plan that has it.
    history = await say(sessions, config, tmp_path, WHEN, "Hoàng Văn Thái", "/tongket 3.62")
    assert history.count("3.62") >= 2 and "31/03/2023" in history and "31/03/2024" in history


async def test_viec_shows_the_officials_open_items_of_both_years(two_years):
    sessions, config, tmp_path = two_years
    answer = await say(sessions, config, tmp_path, WHEN, "Hà Thị Lan", "/viec")
    assert "• 3.4 Xây dựng dự thảo báo cáo kết quả theo dõi tình hình thi hành pháp luậ… — hạn 30/11/2023" in answer
    assert "hạn 30/11/2024" in answer
    assert "hạn 31/01/2023" in answer and "hạn 31/01/2024" in answer


def test_reminders_are_planned_for_both_plans(two_years):
    sessions, config, _ = two_years
    with sessions.begin() as session:
        refresh_schedule(session, at(WHEN), config.reminders)
        planned = session.execute(
            select(Item.plan_id, Item.code, Reminder.kind).join(Milestone, Milestone.item_id == Item.id)
            .join(Reminder, Reminder.milestone_id == Milestone.id)
            .where(Reminder.status == "planned")).all()
    assert (1, "3.1", "overdue") in planned  # 2023's item, still not done
    assert (2, "3.1", "lead") in planned  # 2024's, due 31/01/2024


async def test_a_code_in_both_plans_goes_to_the_one_still_open_or_is_asked(two_years):
    sessions, config, tmp_path = two_years
    question = await say(sessions, config, tmp_path, WHEN, "Hà Thị Lan", "xong 3.3")
    assert "1. 3.3 Xây dựng dự thảo Kế hoạch Theo dõi tình hình thi hành pháp luật trên… (kế hoạch 2023)" in question
    assert "\n2. 3.3 " in question and question.endswith("(kế hoạch 2024)")
    with sessions() as session:
        assert session.scalars(select(Milestone).where(Milestone.done_at.is_not(None))).all() == []
    await say(sessions, config, tmp_path, WHEN, "Hà Thị Lan", "1")
    with sessions() as session:
        [done] = session.scalars(select(Milestone).where(Milestone.done_at.is_not(None))).all()
        assert done.item.plan_id == 1
    # Only 2024's 3.3 is open now: no question.
    answer = await say(sessions, config, tmp_path, "2024-01-11 08:00", "Hà Thị Lan", "xong 3.3")
    assert answer.startswith("✅ Đã ghi nhận: 3.3")
    with sessions() as session:
        done = session.scalars(select(Milestone).where(Milestone.done_at.is_not(None))).all()
        assert sorted(m.item.plan_id for m in done) == [1, 2]
    # Two codes at once, one of them ambiguous: nothing is applied, the person is told why.
    both = await say(sessions, config, tmp_path, "2024-01-12 08:00", "Hà Thị Lan", "xong 3.4, 3.1")
    assert "Mã 3.4 có trong nhiều kế hoạch" in both


async def test_a_closed_plan_is_no_longer_followed(two_years):
    sessions, config, tmp_path = two_years
    with sessions.begin() as session:
        refresh_schedule(session, at(WHEN), config.reminders)
    out = io.StringIO()
    assert cli.cmd_plan(config, "list", None, at(WHEN), out) == 0
    assert out.getvalue().splitlines() == [
        "Số 1 · 2023 · UBND xã Bằng Phúc — Kế hoạch Thực hiện công tác cải cách hành chính năm 2023: "
        "46 việc, đang theo dõi",
        "Số 2 · 2024 · UBND xã Bằng Phúc — Kế hoạch Thực hiện công tác cải cách hành chính năm 2024: "
        "46 việc, đang theo dõi"]
    out = io.StringIO()
    assert cli.cmd_plan(config, "close", None, at(WHEN), out, which="2023") == 0
    assert out.getvalue().startswith("Đã đóng kế hoạch số 1 (2023)")
    with sessions() as session:
        assert current_plans(session, 1) == [2]
        statuses = {status for status, in session.execute(
            select(Reminder.status).join(Milestone).join(Item).where(Item.plan_id == 1))}
        assert "planned" not in statuses
    answer = await say(sessions, config, tmp_path, WHEN, "Hoàng Văn Thái", "/tongket")
    assert answer.splitlines()[1].startswith("46 việc:")
    answer = await say(sessions, config, tmp_path, WHEN, "Hà Thị Lan", "xong 3.1")
    assert answer.startswith("✅ Đã ghi nhận: 3.1")
    with sessions() as session:
        [done] = session.scalars(select(Milestone).where(Milestone.done_at.is_not(None))).all()
        assert done.item.plan_id == 2
    # Closing it again says so; an unknown plan is refused in Vietnamese.
    out = io.StringIO()
    assert cli.cmd_plan(config, "close", None, at(WHEN), out, which="1") == 0
    assert out.getvalue().startswith("Kế hoạch số 1 đã đóng từ ngày 10/01/2024")
    assert cli.cmd_plan(config, "close", None, at(WHEN), io.StringIO(), which="2019") == 2


def test_the_demo_starts_at_the_latest_current_plan(two_years, config):
    sessions, config, _ = two_years
    assert demo_start(sessions, config) == datetime(2024, 1, 31, 0, 30, 1, tzinfo=UTC)
    with sessions.begin() as session:
        session.get(Plan, 2).closed_at = at(WHEN)
    assert demo_start(sessions, config) == datetime(2023, 1, 31, 0, 30, 1, tzinfo=UTC)


@pytest.mark.parametrize(("years", "today", "expected"), [
    ([], date(2024, 3, 1), None),
    ([2023], date(2024, 3, 1), 2023),
    ([2023, 2024], date(2024, 3, 1), 2024),
    ([2023, 2024], date(2023, 12, 20), 2023),
    ([2024], date(2023, 12, 20), 2024),
    ([2022, 2024], date(2023, 6, 1), 2024),
])
def test_a_short_date_in_a_reply_falls_in_the_nearest_current_plan_year(years, today, expected):
    assert reply_year(years, today) == expected


def test_the_report_covers_both_plans_each_under_its_heading(two_years):
    from bot.talk import build_report
    from bot.periods import year_to_date
    from bot.reports import report_rows

    sessions, config, _ = two_years
    with sessions() as session:
        rows = report_rows(session, [1, 2], date(2024, 1, 10), config.reminders.zone)
        name, _ = build_report(session, config, [1, 2], year_to_date(date(2024, 1, 10), 2023),
                               "xlsx", at("2024-01-10 09:00"))
    headings = [r.heading for r in rows if r.kind == "section" and r.heading.startswith("Kế hoạch số")]
    assert headings == [
        "Kế hoạch số 1 (2023): Kế hoạch Thực hiện công tác cải cách hành chính năm 2023",
        "Kế hoạch số 2 (2024): Kế hoạch Thực hiện công tác cải cách hành chính năm 2024"]
    assert sum(1 for r in rows if r.kind == "item") == 92
    assert name == "bao-cao-ke-hoach-2024-den-2024-01-10.xlsx"
