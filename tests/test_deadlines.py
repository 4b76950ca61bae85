"""The deadline language (bot.plan.deadlines): every documented form, errors, replies, properties."""

from __future__ import annotations

import json
import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest
from dateutil.rrule import rrulestr
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.bench_deadlines import PHRASES, PLAN_YEAR
from bot.plan.deadlines import (
    KINDS,
    DeadlineError,
    Milestone,
    find_plan_year,
    parse_deadline,
    parse_deadline_checked,
)

FIXTURES = Path(__file__).parent / "fixtures"
YEARLY = "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31"
QUARTERLY = "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1"
MONTHLY = "FREQ=MONTHLY;BYMONTHDAY=-1"
HALF_YEARLY = "FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=-1"
# Any fixed instant will do: rrulestr would otherwise read the clock for its DTSTART.
RULE_START = datetime(2023, 1, 1)


def ascii_id(text: str) -> str:
    """Readable test id: diacritics dropped, so pytest does not escape it."""
    folded = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return folded.encode("ascii", "backslashreplace").decode() or "<empty>"


def text_id(value: object) -> str:
    """ids= callable: readable ids for text and date columns."""
    return ascii_id(value) if isinstance(value, str) else str(value)


def one(kind: str, due: date | None = None, label: str | None = None, rule: str | None = None) -> list[Milestone]:
    return [Milestone(label, kind, due, rule)]


def case(text: str, expected: list[Milestone], year: int | None = 2023, id: str | None = None):
    return pytest.param(text, year, expected, id=id or ascii_id(text))


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


D = date

FORMS = [
    # dates
    case("15/2", one("date", D(2023, 2, 15))),
    case("15/2/2023", one("date", D(2023, 2, 15))),
    case("15-2-2023", one("date", D(2023, 2, 15))),
    case("15.2.2023", one("date", D(2023, 2, 15))),
    case("trước 30/11/2023", one("date", D(2023, 11, 30))),
    case("trước ngày 30/11/2023", one("date", D(2023, 11, 30))),
    case("trước ngày 30 tháng 11 năm 2023", one("date", D(2023, 11, 30))),
    case("ngày 30 tháng 11", one("date", D(2023, 11, 30))),
    case("chậm nhất 31/3/2023", one("date", D(2023, 3, 31))),
    case("hạn 20/4/2023", one("date", D(2023, 4, 20))),
    case("đến 15/5/2023", one("date", D(2023, 5, 15))),
    case("15/2/23", one("date", D(2023, 2, 15))),
    # months
    case("Tháng 02/2023", one("month", D(2023, 2, 28))),
    case("tháng 12 năm 2023", one("month", D(2023, 12, 31))),
    case("tháng 2", one("month", D(2023, 2, 28))),
    case("T2/2023", one("month", D(2023, 2, 28))),
    case("tháng 2", one("month", D(2024, 2, 29)), year=2024, id="thang 2 leap plan year"),
    # quarters
    case("Quý II/2023", one("quarter", D(2023, 6, 30))),
    case("Quí IV-2025", one("quarter", D(2025, 12, 31))),
    case("Quý III năm 2026", one("quarter", D(2026, 9, 30))),
    case("Quý 2/2023", one("quarter", D(2023, 6, 30))),
    case("quý I", one("quarter", D(2023, 3, 31))),
    case("Quý IV/2025 - Quý II/2026", one("quarter", D(2026, 6, 30))),
    case("Quý II-III/2027", one("quarter", D(2027, 9, 30))),
    # halves
    case("6 tháng đầu năm 2023", one("half", D(2023, 6, 30))),
    case("6 tháng cuối năm 2023", one("half", D(2023, 12, 31))),
    # years
    case("Năm 2023", one("year", D(2023, 12, 31))),
    case("2023", one("year", D(2023, 12, 31))),
    case("trong năm 2023", one("year", D(2023, 12, 31))),
    case("2026 - 2030", one("year", D(2030, 12, 31))),
    case("Năm 2025-2030", one("year", D(2030, 12, 31))),
    case("Giai đoạn 2026-2030", one("year", D(2030, 12, 31))),
    case("2021 – 2025", one("year", D(2025, 12, 31))),
    case("Năm 2023 (thực hiện trong giai đoạn 2021-2025)", one("year", D(2023, 12, 31))),
    # ongoing
    case("Thường xuyên", one("ongoing")),
    case("Liên tục", one("ongoing")),
    case("thường xuyên, liên tục", one("ongoing")),
    # recurring
    case("Hằng năm", one("recurring", rule=YEARLY)),
    case("Hàng năm", one("recurring", rule=YEARLY)),
    case("hằng quý", one("recurring", rule=QUARTERLY)),
    case("hàng quý", one("recurring", rule=QUARTERLY)),
    case("hằng tháng", one("recurring", rule=MONTHLY)),
    case("hàng tháng", one("recurring", rule=MONTHLY)),
    case("định kỳ 06 tháng", one("recurring", rule=HALF_YEARLY)),
    case("6 tháng một lần", one("recurring", rule=HALF_YEARLY)),
    case("trước ngày 20 hằng tháng", one("recurring", rule="FREQ=MONTHLY;BYMONTHDAY=20")),
    case("Tháng 12 hằng năm", one("recurring", rule="FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=-1")),
    case("hằng tuần", one("recurring", rule="FREQ=WEEKLY;BYDAY=FR")),
    # "… và các năm tiếp theo": the first period, then a yearly milestone.
    case("Năm 2023 và các năm tiếp theo",
         [Milestone(None, "year", D(2023, 12, 31)), Milestone(None, "recurring", None, YEARLY)]),
    case(
        "Tháng 6/2023 và các năm tiếp theo",
        [Milestone(None, "month", D(2023, 6, 30)),
         Milestone(None, "recurring", None, "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=-1")],
    ),
    # events
    case("Sau khi tỉnh công bố kết quả chỉ số CCHC", one("event")),
    case("Sau khi tỉnh công bố kết quả năm 2023", one("event")),
    case("Khi có văn bản hướng dẫn", one("event")),
    case("Theo tiến độ của dự án", one("event")),
    case("Ngay sau khi có kết quả ngày 15/2/2023", one("event")),
    case("Căn cứ kết quả năm 2022", one("event")),
    # none
    case("Theo kế hoạch riêng", one("none")),
    case("Theo kế hoạch của huyện", one("none")),
    case("", one("none"), id="empty"),
    case("   \n ", one("none"), id="blank"),
    # labels in a single cell
    case("Hoàn thành trước 30/6/2023", one("date", D(2023, 6, 30), label="Hoàn thành")),
]

MORE = [
    # typed without diacritics
    case("quy II/2023", one("quarter", D(2023, 6, 30))),
    case("thang 2/2023", one("month", D(2023, 2, 28))),
    case("truoc 15/2", one("date", D(2023, 2, 15))),
    case("thuong xuyen", one("ongoing")),
    case("hang nam", one("recurring", rule=YEARLY)),
    case("sau khi co ket qua", one("event")),
    case("nam 2023", one("year", D(2023, 12, 31))),
    case("6 thang dau nam 2023", one("half", D(2023, 6, 30))),
    case("truoc ngay 30 thang 11 nam 2023", one("date", D(2023, 11, 30))),
    # upper case
    case("QUÝ II/2023", one("quarter", D(2023, 6, 30))),
    case("THƯỜNG XUYÊN", one("ongoing")),
    case("TRƯỚC NGÀY 15/2/2023", one("date", D(2023, 2, 15))),
    case("SAU KHI CÓ KẾT QUẢ", one("event")),
    # NFD input
    case(nfd("Quý III/2023"), one("quarter", D(2023, 9, 30)), id="nfd Quy III/2023"),
    case(nfd("Thường xuyên"), one("ongoing"), id="nfd Thuong xuyen"),
    case(nfd("Trước ngày 30 tháng 11 năm 2023"), one("date", D(2023, 11, 30)), id="nfd truoc ngay 30 thang 11"),
    case(
        nfd("Hoàn thành trước 30/6/2023"),
        one("date", D(2023, 6, 30), label="Hoàn thành"),
        id="nfd label keeps composed text",
    ),
    # stray spaces and punctuation
    case("Quý  II / 2023", one("quarter", D(2023, 6, 30))),
    case(" 15 / 2 / 2023 ", one("date", D(2023, 2, 15))),
    case("Tháng 02 / 2023", one("month", D(2023, 2, 28))),
    case("Quý II/2023.", one("quarter", D(2023, 6, 30))),
    case("Năm 2023,", one("year", D(2023, 12, 31))),
    case("Trước 30/11/2023 .", one("date", D(2023, 11, 30))),
    case("- Quý I/2023", one("quarter", D(2023, 3, 31))),
    case("Thường\u00a0xuyên", one("ongoing"), id="no-break space"),
    case("trước\tngày\t15/2/2023", one("date", D(2023, 2, 15)), id="tabs"),
    # spellings and dashes
    case("Quí I/2023", one("quarter", D(2023, 3, 31))),
    case("Quý IV – Quý II/2026", one("quarter", D(2026, 6, 30))),
    case("2021 — 2025", one("year", D(2025, 12, 31))),
    case("15–2–2023", one("date", D(2023, 2, 15))),
    case("Quý 4 năm 2023", one("quarter", D(2023, 12, 31))),
    case("quý II năm 2023", one("quarter", D(2023, 6, 30))),
    case("Quý II/23", one("quarter", D(2023, 6, 30))),
    case("Quý II và quý III/2023", one("quarter", D(2023, 9, 30))),
    case("tháng 3-6/2023", one("month", D(2023, 6, 30))),
    case("Từ tháng 3 đến tháng 6/2023", one("month", D(2023, 6, 30))),
    case("06 tháng cuối năm", one("half", D(2023, 12, 31))),
    case("nửa đầu năm 2024", one("half", D(2024, 6, 30))),
    case("Năm 2024 đến năm 2026", one("year", D(2026, 12, 31))),
    case("2023-12-31", one("date", D(2023, 12, 31)), id="iso date"),
    # leap days and month ends
    case("29/2/2024", one("date", D(2024, 2, 29))),
    case("Tháng 2/2024", one("month", D(2024, 2, 29))),
    case("tháng 4/2023", one("month", D(2023, 4, 30))),
    case("31/12", one("date", D(2023, 12, 31))),
    # ranges of dates take their end
    case("Từ 01/3/2023 đến 31/3/2023", one("date", D(2023, 3, 31))),
    case("15/2 - 30/3/2023", one("date", D(2023, 3, 30))),
    # connectors and labels
    case("Chậm nhất là ngày 31/3/2023", one("date", D(2023, 3, 31))),
    case("cuối tháng 6/2023", one("month", D(2023, 6, 30))),
    case("đến hết tháng 10/2023", one("month", D(2023, 10, 31))),
    case("Trong năm", one("year", D(2023, 12, 31))),
    case("Thời gian: Quý II/2023", one("quarter", D(2023, 6, 30))),
    case("Triển khai thực hiện trong năm 2023", one("year", D(2023, 12, 31), label="Triển khai thực hiện")),
    case(
        "Ban hành Kế hoạch kiểm tra năm 2023 trước 15/2/2023",
        one("date", D(2023, 2, 15), label="Ban hành Kế hoạch kiểm tra năm 2023"),
    ),
    case("Ban hành khi có hướng dẫn của tỉnh", one("event", label="Ban hành")),
    case("Triển khai theo kế hoạch", one("none", label="Triển khai")),
    # more recurring forms
    case("Quý IV hằng năm", one("recurring", rule="FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=-1")),
    case("ngày 15/12 hằng năm", one("recurring", rule="FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15")),
    case("ngày 29/2 hằng năm", one("recurring", rule="FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=28,29;BYSETPOS=-1")),
    case("ngày 30 hằng tháng", one("recurring", rule="FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1")),
    case("ngày 31 hằng tháng", one("recurring", rule=MONTHLY)),
    case("định kỳ hằng quý", one("recurring", rule=QUARTERLY)),
    case("3 tháng một lần", one("recurring", rule=QUARTERLY)),
    case("định kỳ 12 tháng", one("recurring", rule=YEARLY)),
    case("mỗi tháng", one("recurring", rule=MONTHLY)),
    case("hằng ngày", one("recurring", rule="FREQ=DAILY")),
    case(
        "Báo cáo hằng năm trước 15/12",
        one("recurring", label="Báo cáo hằng năm", rule="FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15"),
    ),
    case(
        "Báo cáo hằng tháng trước ngày 20",
        one("recurring", label="Báo cáo hằng tháng", rule="FREQ=MONTHLY;BYMONTHDAY=20"),
    ),
    case(
        "Quý II/2023 và các năm tiếp theo",
        [Milestone(None, "quarter", D(2023, 6, 30)),
         Milestone(None, "recurring", None, "FREQ=YEARLY;BYMONTH=6;BYMONTHDAY=-1")],
    ),
    # recurring words need no plan year
    case("Hằng năm", one("recurring", rule=YEARLY), year=None, id="recurring without plan year"),
    case("Tháng 12 hằng năm", one("recurring", rule="FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=-1"), year=None,
         id="month each year without plan year"),
    # explicit years do not need the plan year either
    case("Quý II/2023", one("quarter", D(2023, 6, 30)), year=None, id="explicit year, no plan year"),
    case("15/2/2024", one("date", D(2024, 2, 15)), year=2023, id="explicit year beats plan year"),
    # events and prose never yield dates of their own
    case("Tùy theo tình hình thực tế", one("event")),
    case("Theo yêu cầu của cấp trên", one("event")),
    case("Theo quy định", one("none")),
]


@pytest.mark.parametrize(("text", "year", "expected"), FORMS + MORE)
def test_parse_deadline(text: str, year: int | None, expected: list[Milestone]) -> None:
    assert parse_deadline(text, year) == expected


def test_compound_cell_month_then_year() -> None:
    assert parse_deadline("Ban hành Kế hoạch tháng 01/2023; Triển khai thực hiện trong năm 2023", 2023) == [
        Milestone("Ban hành Kế hoạch", "month", date(2023, 1, 31)),
        Milestone("Triển khai thực hiện", "year", date(2023, 12, 31)),
    ]


def test_compound_cell_two_dates() -> None:
    text = "Ban hành Kế hoạch trước 15/2/2023; báo cáo kết quả thực hiện trước 31/3/2023"
    assert parse_deadline(text, 2023) == [
        Milestone("Ban hành Kế hoạch", "date", date(2023, 2, 15)),
        Milestone("báo cáo kết quả thực hiện", "date", date(2023, 3, 31)),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Ban hành kế hoạch; triển khai trong năm 2023",
            [Milestone("triển khai", "year", date(2023, 12, 31))],
            id="a part without timing adds no milestone",
        ),
        pytest.param(
            "Ban hành Kế hoạch Quý I/2023\nBáo cáo Quý IV/2023",
            [Milestone("Ban hành Kế hoạch", "quarter", date(2023, 3, 31)),
             Milestone("Báo cáo", "quarter", date(2023, 12, 31))],
            id="split on newline",
        ),
        pytest.param(
            "Sau khi có kết quả; báo cáo trước 30/6/2023",
            [Milestone(None, "event", None), Milestone("báo cáo", "date", date(2023, 6, 30))],
            id="event part then date part",
        ),
        pytest.param(
            "Tháng 01/2023;",
            [Milestone(None, "month", date(2023, 1, 31))],
            id="trailing semicolon is not a second part",
        ),
    ],
)
def test_compound_cells(text: str, expected: list[Milestone]) -> None:
    assert parse_deadline(text, 2023) == expected


@pytest.mark.parametrize(
    ("text", "year", "message"),
    [
        pytest.param("31/2/2023", 2023, "Ngày không hợp lệ: 31/2/2023", id="31/2"),
        pytest.param("32/1", 2023, "Ngày không hợp lệ: 32/1", id="32/1"),
        pytest.param("29/2/2023", 2023, "Ngày không hợp lệ: 29/2/2023", id="29/2 not leap"),
        pytest.param("29/2", 2023, "Ngày không hợp lệ: 29/2/2023", id="29/2 in plan year"),
        pytest.param("0/5", 2023, "Ngày không hợp lệ: 0/5", id="day 0"),
        pytest.param("31/4/2023", 2023, "Ngày không hợp lệ: 31/4/2023", id="31/4"),
        pytest.param("ngày 31 tháng 6 năm 2023", 2023, "Ngày không hợp lệ: 31/6/2023", id="31 thang 6"),
        pytest.param("15/13/2023", 2023, "Ngày không hợp lệ: 15/13/2023", id="month 13 in date"),
        pytest.param("tháng 13", 2023, "Tháng không hợp lệ: 13", id="thang 13"),
        pytest.param("Tháng 0/2023", 2023, "Tháng không hợp lệ: 0/2023", id="thang 0"),
        pytest.param("quý V", 2023, "Quý không hợp lệ: V", id="quy V"),
        pytest.param("Quý 5/2023", 2023, "Quý không hợp lệ: 5", id="quy 5"),
        pytest.param("Quý II-V/2023", 2023, "Quý không hợp lệ: V", id="quy range to V"),
        pytest.param("15/2", None, "Thiếu năm", id="no year anywhere"),
        pytest.param("Quý II", None, "Thiếu năm", id="quarter without year"),
        pytest.param("Ban hành trước 15/2; báo cáo trước 31/3/2023", None, "Thiếu năm", id="compound part without year"),
        pytest.param("Năm 2023", 1800, "Năm của kế hoạch không hợp lệ", id="bad plan year"),
    ],
)
def test_impossible_deadlines_raise(text: str, year: int | None, message: str) -> None:
    with pytest.raises(DeadlineError) as err:
        parse_deadline(text, year)
    assert str(err.value).startswith(message)
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize(
    ("text", "understood"),
    [
        pytest.param("", True, id="empty"),
        pytest.param("Theo kế hoạch riêng", True, id="explicitly none"),
        pytest.param("Quý II/2023", True, id="quarter"),
        pytest.param("Sau khi có kết quả", True, id="event"),
        pytest.param("Hoàn thành", False, id="no deadline"),
        pytest.param("Năm 1985", False, id="year out of range"),
        pytest.param("Tiếp tục thực hiện theo Nghị định số 68/2000/NĐ-CP", False, id="law number is not a date"),
        pytest.param("Ban hành kế hoạch; triển khai trong năm 2023", False, id="one part without deadline"),
        pytest.param("Xin ý kiến quý vị đại biểu", False, id="quy vi is not quarter VI"),
        pytest.param("Rà soát quy định, quy trình", False, id="quy dinh is not a quarter"),
        pytest.param("khi nào rảnh thì làm", False, id="khi alone is no event"),
        pytest.param("Khi được giao", True, id="khi duoc is an event"),
        pytest.param("Triển khai ngay khi nhận văn bản", True, id="ngay khi is an event"),
    ],
)
def test_parse_deadline_checked_tells_not_understood(text: str, understood: bool) -> None:
    milestones, ok = parse_deadline_checked(text, 2023)
    assert ok is understood
    assert milestones == parse_deadline(text, 2023)
    if not understood and ";" not in text:
        assert milestones == [Milestone(None, "none", None)]


def test_as_json() -> None:
    assert Milestone("Ban hành", "date", date(2023, 2, 15)).as_json() == {
        "label": "Ban hành",
        "kind": "date",
        "due": "2023-02-15",
        "recurrence": None,
    }
    assert Milestone(None, "recurring", None, YEARLY).as_json() == {
        "label": None,
        "kind": "recurring",
        "due": None,
        "recurrence": YEARLY,
    }


def test_milestone_is_frozen() -> None:
    with pytest.raises(AttributeError):
        Milestone(None, "none", None).kind = "date"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("rule", "first"),
    [
        pytest.param(YEARLY, [date(2023, 12, 31), date(2024, 12, 31)], id="yearly"),
        pytest.param(QUARTERLY, [date(2023, 3, 31), date(2023, 6, 30), date(2023, 9, 30)], id="quarterly"),
        pytest.param(MONTHLY, [date(2023, 1, 31), date(2023, 2, 28), date(2023, 3, 31)], id="monthly"),
        pytest.param(HALF_YEARLY, [date(2023, 6, 30), date(2023, 12, 31)], id="half-yearly"),
        pytest.param("FREQ=MONTHLY;BYMONTHDAY=20", [date(2023, 1, 20), date(2023, 2, 20)], id="monthly on 20"),
        pytest.param(
            "FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1",
            [date(2023, 1, 30), date(2023, 2, 28), date(2023, 3, 30)],
            id="monthly on 30",
        ),
        pytest.param(
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=28,29;BYSETPOS=-1",
            [date(2023, 2, 28), date(2024, 2, 29)],
            id="yearly on 29/2",
        ),
        pytest.param("FREQ=WEEKLY;BYDAY=FR", [date(2023, 1, 6), date(2023, 1, 13)], id="weekly on Friday"),
    ],
)
def test_rules_mean_what_they_say(rule: str, first: list[date]) -> None:
    occurrences = rrulestr(rule, dtstart=RULE_START)
    assert [d.date() for d in occurrences[: len(first)]] == first


def test_every_rule_in_the_tables_parses() -> None:
    rules = {m.recurrence for p in FORMS + MORE for m in p.values[2] if m.recurrence}
    assert len(rules) >= 10
    for rule in rules:
        rrulestr(rule, dtstart=RULE_START)


# ---------------------------------------------------------------------------
# The sample plan


def test_sample_plan_deadlines_match_the_ground_truth() -> None:
    expected = json.loads((FIXTURES / "ke-hoach-cchc-2023-bang-phuc.expected.json").read_text("utf-8"))
    year = expected["plan"]["year"]
    for item in expected["items"]:
        got = [
            {"label": m.label, "kind": m.kind, "due": m.due.isoformat() if m.due else None}
            for m in parse_deadline(item["deadline_text"], year)
        ]
        assert got == item["milestones"], item["deadline_text"]


@pytest.mark.parametrize(
    ("text", "year"),
    [
        pytest.param("KẾ HOẠCH Thực hiện công tác cải cách hành chính năm 2023", 2023, id="title"),
        pytest.param("Bằng Phúc, ngày 30 tháng 01 năm 2023", 2023, id="date line"),
        pytest.param(
            "Bằng Phúc, ngày 30 tháng 12 năm 2022\nKẾ HOẠCH\nThực hiện công tác cải cách hành chính năm 2023",
            2023,
            id="title on next line wins over date line",
        ),
        pytest.param(
            "Bằng Phúc, ngày 30 tháng 12 năm 2022\nKẾ HOẠCH\nThực hiện Kế hoạch số 18/KH-UBND ngày 19 tháng 01 năm 2023",
            2022,
            id="date cited in title is not the title year",
        ),
        pytest.param(nfd("KE HOACH thuc hien nam 2024"), 2024, id="no diacritics"),
        pytest.param("Không có năm", None, id="nothing"),
        pytest.param("", None, id="empty"),
    ],
)
def test_find_plan_year(text: str, year: int | None) -> None:
    assert find_plan_year(text) == year


def test_find_plan_year_on_sample_plan() -> None:
    root = Path(__file__).resolve().parents[1]
    text = (root / "bot" / "samples" / "ke-hoach-cchc-2023-bang-phuc.txt").read_text("utf-8")
    assert find_plan_year(text) == 2023


# ---------------------------------------------------------------------------
# Chat replies

TODAY = date(2023, 3, 8)  # a Wednesday


# ---------------------------------------------------------------------------
# The benchmark's phrases


@pytest.mark.parametrize(("text", "due"), PHRASES, ids=text_id)
def test_bench_phrase_is_right(text: str, due: date) -> None:
    assert parse_deadline(text, PLAN_YEAR)[0].due == due


# ---------------------------------------------------------------------------
# Properties

PREFIXES = ["", "Ban hành Kế hoạch ", "Hoàn thành trước ", "trước ngày ", "chậm nhất ", "Triển khai trong ", "- "]
CORES = [
    "15/2", "15/2/2023", "31/2/2023", "32/1", "Quý II/2023", "quý V", "Quý IV/2025 - Quý II/2026", "tháng 13",
    "Tháng 02/2023", "T2/2023", "Năm 2023", "2021 – 2025", "6 tháng đầu năm", "hằng quý",
    "trước ngày 20 hằng tháng", "ngày 45 hằng tháng", "định kỳ 5 tháng", "Sau khi có kết quả năm 2023",
    "Thường xuyên", "Theo kế hoạch riêng", "29/2/2024", "2023-02-30", "Nghị định 68/2000/NĐ-CP", "quý vị",
    "ngày 30 tháng 11", "", "(", ")",
]
SUFFIXES = ["", " và các năm tiếp theo", " hằng năm", " (thực hiện trong giai đoạn 2021-2025)", ".", ",", " - "]
JOINERS = ["; ", "\n", " - ", " đến ", " và ", ", "]


def strip_marks(text: str) -> str:
    return ascii_id(text)


TRANSFORMS = [lambda s: s, str.upper, nfd, strip_marks, lambda s: s.replace("/", " / ")]

numeric_dates = st.builds(
    lambda d, m, y, sep: f"{d}{sep}{m}{sep}{y}" if y else f"{d}/{m}",
    st.integers(0, 40),
    st.integers(0, 14),
    st.one_of(st.none(), st.integers(0, 99), st.integers(1980, 2110)),
    st.sampled_from(["/", "-", ".", " / "]),
)
numeric_periods = st.builds(
    lambda word, n, y: f"{word} {n}/{y}",
    st.sampled_from(["Tháng", "Quý", "Quí", "quy", "T", "tháng", "ngày"]),
    st.one_of(st.integers(0, 20), st.sampled_from(["I", "II", "III", "IV", "V", "VI", "X", "IIII"])),
    st.integers(1980, 2110),
)
pieces = st.builds(
    lambda p, c, s: p + c + s,
    st.sampled_from(PREFIXES),
    st.one_of(st.sampled_from(CORES), numeric_dates, numeric_periods),
    st.sampled_from(SUFFIXES),
)
deadline_like = st.builds(
    lambda parts, joiner, transform: transform(joiner.join(parts)),
    st.lists(pieces, min_size=1, max_size=3),
    st.sampled_from(JOINERS),
    st.sampled_from(TRANSFORMS),
)
plan_years = st.sampled_from([None, 2023, 2024])


def check_milestones(text: str, year: int | None) -> None:
    try:
        milestones, understood = parse_deadline_checked(text, year)
    except DeadlineError as err:
        assert str(err)
        return
    assert milestones and isinstance(understood, bool)
    for m in milestones:
        assert isinstance(m, Milestone)
        assert m.kind in KINDS
        assert m.due is None or type(m.due) is date
        assert (m.due is None) == (m.kind in ("ongoing", "recurring", "event", "none"))
        assert m.label is None or (m.label.strip() == m.label and m.label)
        if m.recurrence is not None:
            rrulestr(m.recurrence, dtstart=RULE_START)
        assert (m.kind == "recurring") <= (m.recurrence is not None)


@settings(max_examples=200, deadline=None)
@given(st.text(), plan_years)
def test_any_text_gives_milestones_or_deadline_error(text: str, year: int | None) -> None:
    check_milestones(text, year)


@settings(max_examples=200, deadline=None)
@given(deadline_like, plan_years)
def test_deadline_like_text_gives_milestones_or_deadline_error(text: str, year: int | None) -> None:
    check_milestones(text, year)


@settings(max_examples=200, deadline=None)
@given(deadline_like)
def test_diacritics_case_and_nfd_do_not_change_kinds_or_dates(text: str) -> None:
    def outcome(s: str) -> object:
        try:
            return [(m.kind, m.due, m.recurrence) for m in parse_deadline(s, 2023)]
        except DeadlineError:
            return DeadlineError

    assert outcome(nfd(text)) == outcome(text)
    assert outcome(text.upper()) == outcome(text)


# ---------------------------------------------------------------------------
# The dev set's conventions (tests/fixtures/dev/README.md)

ONGOING = Milestone(None, "ongoing", None)


@pytest.mark.parametrize(("text", "expected"), [
    ("Thường xuyên, hằng năm", [Milestone(None, "recurring", None, YEARLY)]),
    ("Thường xuyên, liên tục; báo cáo định kỳ hằng năm",
     [ONGOING, Milestone("báo cáo định kỳ", "recurring", None, YEARLY)]),
    ("Triển khai từ năm 2026 và thực hiện thường xuyên, liên tục", [ONGOING]),
    ("Thí điểm từ năm 2027", [Milestone("Thí điểm", "ongoing", None)]),
    ("Từ tháng 11/2025 đến khi kết thúc Tổng kiểm kê.", [Milestone(None, "event", None)]),
    ("Theo kế hoạch thực hiện hằng năm", [Milestone(None, "recurring", None, YEARLY)]),
    ("Mạng lưới hoàn thành trước năm 2027 và vận hành thường xuyên, liên tục.",
     [Milestone("Mạng lưới hoàn thành", "year", D(2026, 12, 31)), ONGOING]),
    ("Trình Thủ tướng Chính phủ trong năm 2026 và triển khai các hoạt động thường xuyên liên tục",
     [Milestone("Trình Thủ tướng Chính phủ", "year", D(2026, 12, 31)), ONGOING]),
    ("Tháng 11 - 12/2025.", [Milestone(None, "month", D(2025, 12, 31))]),
], ids=lambda value: ascii_id(value) if isinstance(value, str) else "")
def test_compound_deadlines_give_one_milestone_per_timed_part(text, expected):
    assert [(m.kind, m.due, m.recurrence) for m in parse_deadline(text, None)] == [
        (m.kind, m.due, m.recurrence) for m in expected]
