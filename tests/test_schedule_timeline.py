"""The sample plan's reminder timeline for 2023, as `schedule` shows it, pinned."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from datetime import date

import pytest

from bot import cli
from jobs.calendar import WorkCalendar
from tests.conftest import NOW, SAMPLE_TXT


@pytest.fixture(scope="module")
def timeline(tmp_path_factory, request):
    from bot.config import DEFAULT_CONFIG, load_config

    config = load_config(DEFAULT_CONFIG)
    url = f"sqlite:///{tmp_path_factory.mktemp('timeline') / 'db.sqlite'}"
    config = config.model_copy(update={"database": config.database.model_copy(update={"url": url})})
    assert cli.cmd_import(config, SAMPLE_TXT, year=None, unit=None, dry_run=False, as_json=False,
                          now=NOW, out=io.StringIO()) == 0
    out = io.StringIO()
    cli.cmd_schedule(config, date(2023, 1, 30), date(2023, 12, 31), None, True, NOW, out)
    return json.loads(out.getvalue())


def reminders_of(timeline, code, label=None):
    found = defaultdict(list)
    for row in timeline:
        for entry in row["items"]:
            if entry["code"] == code and (label is None or entry["label"] == label):
                found[row["person"]].append((row["date"][5:], entry["kind"], entry["step"]))
    return dict(found)


def before_due(entries):
    return [e for e in entries if e[1] in ("lead", "due")]


def test_3_7_is_reminded_before_and_on_both_of_its_days(timeline):
    plan_issue = reminders_of(timeline, "3.7", "Ban hành Kế hoạch")
    assert before_due(plan_issue["Triệu Thị Mai"]) == [
        ("02-08", "lead", 7), ("02-10", "lead", 3), ("02-14", "lead", 1), ("02-15", "due", 0)]
    report = reminders_of(timeline, "3.7", "báo cáo kết quả thực hiện")
    assert before_due(report["Triệu Thị Mai"]) == [
        ("03-24", "lead", 7), ("03-28", "lead", 3), ("03-30", "lead", 1), ("03-31", "due", 0)]


@pytest.mark.parametrize("code, person, expected", [
    ("3.31", "Nông Văn Hùng", [("06-23", "lead", 7), ("06-27", "lead", 3), ("06-29", "lead", 1),
                               ("06-30", "due", 0)]),
    ("3.55", "Triệu Thị Mai", [("03-24", "lead", 7), ("03-28", "lead", 3), ("03-30", "lead", 1),
                               ("03-31", "due", 0)]),
    # 3.62 belongs to district offices; it is routed to the plan coordinator.
    ("3.62", "Ma Thị Hoa", [("03-24", "lead", 7), ("03-28", "lead", 3), ("03-30", "lead", 1),
                            ("03-31", "due", 0)]),
    # 30/9/2023 is a Saturday: due on Friday 29/9, the 1-day lead merges into it.
    ("3.60", "Ma Thị Hoa", [("09-22", "lead", 7), ("09-27", "lead", 3), ("09-29", "due", 0)]),
    ("3.64", "Ma Thị Hoa", [("09-22", "lead", 7), ("09-27", "lead", 3), ("09-29", "due", 0)]),
    ("3.64", "Lường Văn Đức", [("09-22", "lead", 7), ("09-27", "lead", 3), ("09-29", "due", 0)]),
])
def test_quarter_milestones_are_reminded_before_and_on_the_day(timeline, code, person, expected):
    assert before_due(reminders_of(timeline, code)[person]) == expected


def test_ongoing_items_get_one_check_in_a_month(timeline):
    checkins = reminders_of(timeline, "3.2")
    assert [day for day, kind, _ in checkins["Ma Thị Hoa"] if kind == "checkin"] == [
        "02-24", "03-24", "04-25", "05-25", "06-23", "07-25", "08-25", "09-25", "10-25",
        "11-24", "12-25"]
    ongoing = {"3.2", "3.5", "3.11", "3.12", "3.19", "3.24", "3.25", "3.26", "3.29", "3.30",
               "3.32", "3.33", "3.36", "3.38", "3.50", "3.51", "3.61"}
    asked = {entry["code"] for row in timeline for entry in row["items"] if entry["kind"] == "checkin"}
    assert asked == ongoing


def test_nothing_is_sent_on_a_weekend_or_holiday(timeline):
    calendar = WorkCalendar()
    days = {row["date"] for row in timeline}
    assert days and all(calendar.is_working_day(date.fromisoformat(day)) for day in days)


def test_each_person_gets_at_most_one_message_a_day(timeline):
    keys = [(row["date"], row["person"]) for row in timeline]
    assert len(keys) == len(set(keys))


def test_the_event_item_waits_for_its_event(timeline):
    assert reminders_of(timeline, "3.66") == {}


def test_late_items_escalate_to_the_chairman_once(timeline):
    chairman = reminders_of(timeline, "3.7", "Ban hành Kế hoạch")["Hoàng Văn Thái"]
    assert chairman == [("02-22", "escalation", 5)]
