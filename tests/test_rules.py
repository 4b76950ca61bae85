"""The pure reminder rules, table by table, with fixed dates (no clock)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.plan import deadlines
from bot.plan.importer import expand_recurring
from jobs.calendar import WorkCalendar
from jobs.rules import MilestoneFacts, Policy, days_left, plan_milestone

CAL = WorkCalendar()
POLICY = Policy()
YEAR_START, YEAR_END = date(2023, 1, 1), date(2023, 12, 31)


def d(text: str) -> date:
    day, month, year = (int(p) for p in text.split("/"))
    return date(year, month, day)


def plan(kind="date", due=None, done_on=None, event_on=None, event_days=None, start="1/1/2023",
         end="31/12/2023", policy=POLICY, calendar=CAL, plan_start="30/1/2023"):
    facts = MilestoneFacts(1, kind, d(due) if due else None, d(done_on) if done_on else None,
                           d(event_on) if event_on else None, event_days)
    found = plan_milestone(facts, policy, calendar, d(start), d(end), d(plan_start), YEAR_END)
    return [(p.kind, p.day.strftime("%d/%m"), p.audience, p.step) for p in found]


@pytest.mark.parametrize("day, working", [
    ("15/2/2023", True), ("18/2/2023", False), ("19/2/2023", False),
    ("20/1/2023", False), ("23/1/2023", False), ("26/1/2023", False), ("27/1/2023", True),  # Tết
    ("1/9/2023", False), ("4/9/2023", False), ("5/9/2023", True),  # 2/9 and its day off
    ("2/5/2023", False), ("3/5/2023", False), ("4/5/2023", True),  # 30/4-1/5 moved days
    ("2/1/2023", False),
])
def test_working_days_follow_weekends_and_vietnamese_holidays(day, working):
    assert CAL.is_working_day(d(day)) is working


def test_the_office_can_add_days_off_and_make_up_working_days():
    calendar = WorkCalendar(days_off=[d("14/2/2023")], working_days=[d("18/2/2023")])
    assert not calendar.is_working_day(d("14/2/2023"))
    assert calendar.is_working_day(d("18/2/2023"))


@pytest.mark.parametrize("case, due, expected", [
    ("a Wednesday due date: 7, 3 and 1 days ahead and on the day", "15/2/2023", [
        ("due", "15/02", "owners", 0), ("lead", "14/02", "owners", 1),
        ("lead", "10/02", "owners", 3), ("lead", "08/02", "owners", 7)]),
    ("a Saturday due date is reminded on Friday; the 1-day lead merges into it", "30/9/2023", [
        ("due", "29/09", "owners", 0), ("lead", "27/09", "owners", 3),
        ("lead", "22/09", "owners", 7)]),
    ("a due date right after Tết: leads falling in Tết move before it and merge", "27/1/2023", [
        ("due", "27/01", "owners", 0), ("lead", "19/01", "owners", 1)]),
    ("2/9 falls on Saturday with 1/9 off: the due reminder is on 31/8", "2/9/2023", [
        ("due", "31/08", "owners", 0), ("lead", "30/08", "owners", 3),
        ("lead", "25/08", "owners", 7)]),
    ("31/3/2023 is a Friday", "31/3/2023", [
        ("due", "31/03", "owners", 0), ("lead", "30/03", "owners", 1),
        ("lead", "28/03", "owners", 3), ("lead", "24/03", "owners", 7)]),
])
def test_lead_and_due_reminders_land_on_working_days(case, due, expected):
    assert plan(due=due, end=due) == expected


def test_overdue_follow_ups_and_the_escalation_ladder():
    found = plan(due="15/2/2023", start="16/2/2023", end="24/2/2023")
    assert sorted(found) == sorted([
        ("overdue", "16/02", "owners", 1), ("escalation", "16/02", "coordinators", 1),
        ("overdue", "20/02", "owners", 3), ("escalation", "20/02", "plan_coordinator", 3),
        ("overdue", "22/02", "owners", 5), ("escalation", "22/02", "chairman", 5),
        ("overdue", "24/02", "owners", 7)])


def test_overdue_days_skip_the_national_day_break():
    # Due Thursday 31/8; 1/9, the weekend and 4/9 are off, so the first late day is Tuesday 5/9.
    found = plan(due="31/8/2023", start="1/9/2023", end="6/9/2023")
    assert [(k, day, step) for k, day, _, step in found if k == "overdue"] == [("overdue", "05/09", 1)]


def test_a_different_policy_changes_the_ladder_and_the_cadence():
    from jobs.rules import EscalationStep

    policy = Policy(lead_days=(2,), overdue_every_working_days=1,
                    escalation=(EscalationStep(2, ("chairman",)),))
    found = plan(due="15/2/2023", end="17/2/2023", policy=policy)
    assert sorted(found) == sorted([
        ("lead", "13/02", "owners", 2), ("due", "15/02", "owners", 0),
        ("overdue", "16/02", "owners", 1), ("overdue", "17/02", "owners", 2),
        ("escalation", "17/02", "chairman", 2)])


def test_nothing_is_reminded_on_or_after_the_day_it_was_done():
    found = plan(due="15/2/2023", done_on="10/2/2023", end="31/3/2023")
    assert found == [("lead", "08/02", "owners", 7)]


@pytest.mark.parametrize("kind", ["ongoing"])
def test_ongoing_items_get_a_monthly_check_in_on_a_working_day(kind):
    found = plan(kind=kind, start="1/1/2023", end="31/5/2023")
    # 25/1 is before the plan was issued (30/1); 25/2 and 25/3 are Saturdays.
    assert found == [("checkin", "24/02", "owners", 2), ("checkin", "24/03", "owners", 3),
                     ("checkin", "25/04", "owners", 4), ("checkin", "25/05", "owners", 5)]


def test_event_items_wait_for_their_event_then_count_from_it():
    assert plan(kind="event", end="31/12/2023") == []
    found = plan(kind="event", event_on="2/10/2023", start="2/10/2023", end="17/10/2023")
    assert ("due", "17/10", "owners", 0) in found
    assert ("lead", "10/10", "owners", 7) in found
    shorter = plan(kind="event", event_on="2/10/2023", event_days=5, start="2/10/2023", end="9/10/2023")
    assert ("due", "06/10", "owners", 0) in shorter


@pytest.mark.parametrize("kind", ["none", "ongoing-without-plan"])
def test_milestones_without_a_date_get_nothing(kind):
    if kind == "none":
        assert plan(kind="none") == []
    else:
        assert plan(kind="ongoing", start="1/1/2024", end="31/12/2024") == []


@pytest.mark.parametrize("text, count, first, last", [
    ("trước ngày 20 hằng tháng", 12, date(2023, 1, 20), date(2023, 12, 20)),
    ("hằng quý", 4, date(2023, 3, 31), date(2023, 12, 31)),
    ("định kỳ 06 tháng", 2, date(2023, 6, 30), date(2023, 12, 31)),
    ("Tháng 12 hằng năm", 1, date(2023, 12, 31), date(2023, 12, 31)),
    ("Hằng năm", 1, date(2023, 12, 31), date(2023, 12, 31)),
])
def test_recurring_deadlines_expand_to_one_milestone_per_period_of_the_plan_year(
        text, count, first, last):
    expanded = expand_recurring(deadlines.parse_deadline(text, 2023), 2023)
    assert len(expanded) == count
    assert (expanded[0].due, expanded[-1].due) == (first, last)
    assert {m.kind for m in expanded} == {"recurring"}


@pytest.mark.parametrize("due, today, left", [
    ("15/2/2023", "8/2/2023", 7), ("15/2/2023", "15/2/2023", 0), ("15/2/2023", "16/2/2023", -1),
    ("17/2/2023", "20/2/2023", -1), ("31/8/2023", "5/9/2023", -1),
])
def test_days_left_counts_calendar_days_ahead_and_working_days_late(due, today, left):
    assert days_left(d(due), d(today), CAL) == left
