"""Reporting periods: how they are written, where they end, and what falls within them."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import docx
import openpyxl
import pytest

from bot import cli
from bot.config import ReportsConfig
from bot.periods import done_within, overdue_within, parse_period, period_of, report_period
from bot.status import load_items
from bot.summary import summary_text
from tests.replay import build, say
from tests.test_reports import TODAY, make, world  # noqa: F401  (the replayed plan)

DEFAULT = ReportsConfig()
TODAY_NOW = datetime(2023, 7, 14, 2, 0, tzinfo=UTC)
D = date


@pytest.mark.parametrize("text, kind, year", [
    ("2023-Q1", "Q1", 2023), ("2023-q3", "Q3", 2023), ("2023-H1", "H1", 2023),
    ("2023-9M", "9M", 2023), ("2023", "year", 2023), ("2022", "year", 2022),
    ("quý I", "Q1", 2023), ("quý 1", "Q1", 2023), ("Quý II", "Q2", 2023), ("quy 4", "Q4", 2023),
    ("quý IV năm 2022", "Q4", 2022), ("quý I/2024", "Q1", 2024), ("6 tháng", "H1", 2023),
    ("6 tháng đầu năm", "H1", 2023), ("9 tháng", "9M", 2023), ("9 tháng đầu năm 2022", "9M", 2022),
    ("năm", "year", 2023), ("cả năm", "year", 2023), ("năm 2022", "year", 2022),
])
def test_periods_are_read_the_way_the_office_writes_them(text, kind, year):
    period = parse_period(text, 2023, DEFAULT)
    assert (period.kind, period.year) == (kind, year)


@pytest.mark.parametrize("text", ["II", "Tư pháp", "3.7", "quý 5", "quý", "7 tháng", "2023-Q5", ""])
def test_other_words_are_not_a_period(text):
    assert parse_period(text, 2023, DEFAULT) is None


@pytest.mark.parametrize("kind, start, end", [
    ("Q1", D(2023, 1, 1), D(2023, 3, 31)), ("Q2", D(2023, 4, 1), D(2023, 6, 30)),
    ("Q4", D(2023, 10, 1), D(2023, 12, 31)), ("H1", D(2023, 1, 1), D(2023, 6, 30)),
    ("9M", D(2023, 1, 1), D(2023, 9, 30)), ("year", D(2023, 1, 1), D(2023, 12, 31)),
])
def test_by_default_a_period_runs_to_the_end_of_its_last_month(kind, start, end):
    period = period_of(kind, 2023, DEFAULT)
    assert (period.start, period.end) == (start, end)


def test_the_cut_off_day_moves_the_end_and_the_next_period_starts_the_day_after():
    cutoffs = ReportsConfig(quarter_cutoff_day=14, six_months_cutoff_day=15, year_cutoff_day=15)
    q1, q2 = period_of("Q1", 2023, cutoffs), period_of("Q2", 2023, cutoffs)
    assert (q1.start, q1.end) == (D(2022, 12, 15), D(2023, 3, 14))
    assert q2.start == D(2023, 3, 15) and q2.end == D(2023, 6, 14)
    assert (period_of("H1", 2023, cutoffs).start, period_of("H1", 2023, cutoffs).end) == (
        D(2022, 12, 16), D(2023, 6, 15))
    assert period_of("year", 2023, cutoffs).end == D(2023, 12, 15)
    assert period_of("Q1", 2024, ReportsConfig(quarter_cutoff_day=30)).end == D(2024, 3, 30)
    assert period_of("Q1", 2023, ReportsConfig(quarter_cutoff_day=30)).start == D(2022, 12, 31)


def test_a_period_not_over_yet_stops_at_today_and_no_period_means_the_year_so_far():
    assert report_period("quý III", 2023, TODAY, DEFAULT).end == TODAY
    assert report_period("quý I", 2023, TODAY, DEFAULT).end == D(2023, 3, 31)
    so_far = report_period("", 2023, TODAY, DEFAULT)
    assert (so_far.kind, so_far.start, so_far.end) == ("day", D(2023, 1, 1), TODAY)
    assert report_period("abc", 2023, TODAY, DEFAULT) is None
    january = report_period("", 2023, D(2024, 1, 10), DEFAULT)  # last year's plan, in January
    assert (january.start, january.end) == (D(2023, 1, 1), D(2024, 1, 10))
    early = report_period("", 2024, D(2023, 12, 20), DEFAULT)  # next year's plan, in December
    assert early.start == early.end == D(2023, 12, 20)


def codes(views) -> list[str]:
    return [v.code for v in views]


def test_the_quarter_counts_items_as_they_stood_at_its_end(world):  # noqa: F811
    session, config, plan = world
    q1 = parse_period("quý I", 2023, config.reports)
    views = {v.code: v for v in load_items(session, [plan.id], q1.end, config.reminders.zone)}
    assert views["3.3"].state == "done_late"     # done 03/03
    assert views["3.4"].state == "not_started"   # done only on 09/06
    assert views["3.39"].state == "not_started"  # done 20/06
    assert views["3.7"].state == "in_progress"   # second milestone extended on 29/03 to 10/04
    assert views["3.55"].state == "not_started"  # due 31/03: not overdue on its own due day
    june = {v.code: v for v in load_items(session, [plan.id], D(2023, 6, 26),
                                          config.reminders.zone)}
    # 3.31's extension to 31/07 was decided on 27/06: on 26/06 it was still due 30/06.
    assert june["3.31"].milestones[0].due == D(2023, 6, 30)
    assert june["3.31"].milestones[0].last_percent is None  # the 70 % came on 10/07


def test_done_and_overdue_within_a_period(world):  # noqa: F811
    session, config, plan = world
    q1, q2 = (parse_period(t, 2023, config.reports) for t in ("quý I", "quý II"))
    at_q1 = load_items(session, [plan.id], q1.end, config.reminders.zone)
    at_q2 = load_items(session, [plan.id], q2.end, config.reminders.zone)
    assert codes(done_within(at_q1, q1)) == ["3.3"]
    assert codes(done_within(at_q2, q2)) == ["3.4", "3.7", "3.39"]
    assert {"3.3", "3.63"} <= set(codes(overdue_within(at_q1, q1)))
    assert "3.55" not in codes(overdue_within(at_q1, q1))  # due 31/03, overdue from 01/04
    assert "3.55" in codes(overdue_within(at_q2, q2))
    assert "3.7" not in codes(overdue_within(at_q2, q2))   # done 05/04 within its extension


def test_the_quarterly_report_matches_tongket_for_the_quarter(world):  # noqa: F811
    session, config, plan = world
    q1 = parse_period("quý I", 2023, config.reports)
    document = docx.Document(io.BytesIO(make(world, "docx", q1)))
    lines = [p.text for p in document.paragraphs if p.text]
    tongket = summary_text(session, 1, [plan.id], TODAY, config, "quý I")
    assert tongket.splitlines()[0] == (
        "📊 Tổng kết quý I năm 2023 (số liệu từ 01/01/2023 đến 31/03/2023)")
    assert "1. Kết quả chung đến ngày 31/03/2023" in lines
    assert "- Hoàn thành nhưng trễ hạn: 1 nhiệm vụ (2,2%)." in lines
    assert "xong trễ hạn 1" in tongket.splitlines()[1]
    in_period = tongket.splitlines()[2]
    overdue = len(overdue_within(load_items(session, [plan.id], q1.end, config.reminders.zone), q1))
    assert in_period == (
        f"Trong kỳ: xong 1 việc (1 trễ hạn); {overdue} việc đến hạn mà không xong đúng hạn.")
    assert "- Hoàn thành trong kỳ: 1 nhiệm vụ (3.3)." in lines
    book = openpyxl.load_workbook(io.BytesIO(make(world, "xlsx", q1)))
    summary = {r[0].value: r[1].value for r in book["Tổng hợp"].iter_rows(min_row=6)}
    assert summary["Hoàn thành trong kỳ"] == 1
    assert summary["Đến hạn trong kỳ nhưng không hoàn thành đúng hạn"] == overdue


async def test_baocao_and_tongket_take_a_period_in_chat(db_url, config, tmp_path):
    config = config.model_copy(update={"storage": config.storage.model_copy(
        update={"data_dir": tmp_path})})
    engine, sessions = build(db_url, config, tmp_path)
    when = "2023-07-14 09:00"
    saved = await say(sessions, config, tmp_path, when, "Hoàng Văn Thái", "/baocao quý 1 word")
    summary = await say(sessions, config, tmp_path, when, "Hoàng Văn Thái", "/tongket quý I")
    wrong = await say(sessions, config, tmp_path, when, "Hoàng Văn Thái", "/baocao quý 7")
    engine.dispose()
    path = tmp_path / "reports" / "bao-cao-ke-hoach-2023-q1-den-2023-03-31.docx"
    assert str(path) in saved
    subject = [p.text for p in docx.Document(path).paragraphs if p.text][1]
    assert subject.endswith(", quý I năm 2023")
    assert summary.startswith("📊 Tổng kết quý I năm 2023 (số liệu từ 01/01/2023 đến 31/03/2023)")
    assert wrong.startswith('Không hiểu kỳ báo cáo "quý 7".')
    assert not (tmp_path / "reports" / "bao-cao-ke-hoach-2023-den-2023-07-14.xlsx").exists()


def test_report_and_tongket_commands_take_a_period(db_url, config, tmp_path):
    config = config.model_copy(update={"database": config.database.model_copy(
        update={"url": db_url})})
    engine, _ = build(db_url, config, tmp_path)
    engine.dispose()
    out, output = io.StringIO(), tmp_path / "q2.xlsx"
    assert cli.cmd_report(config, "xlsx", D(2023, 7, 14), None, output, TODAY_NOW, out,
                          "2023-H1") == 0
    book = openpyxl.load_workbook(output)
    assert book["Tổng hợp"]["A2"].value == (
        "Kỳ báo cáo: 6 tháng đầu năm 2023 (số liệu từ ngày 01/01/2023 đến ngày 30/06/2023)")
    printed = io.StringIO()
    assert cli.cmd_tongket(config, [], False, D(2023, 7, 14), None, TODAY_NOW, printed,
                           "2023-Q1") == 0
    assert printed.getvalue().startswith("📊 Tổng kết quý I năm 2023")
    assert cli.cmd_report(config, "xlsx", None, None, output, TODAY_NOW, io.StringIO(),
                          "2023-Q9") == 2


