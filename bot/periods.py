"""Reporting periods: quý I–IV, 6 tháng, 9 tháng, năm, or "up to today"; parsed in one place.

A period ends on its cut-off day in its last month (the office sets one per kind of period,
upper levels often ask for figures up to the 15th) and starts the day after the previous
year's or quarter's cut-off, so consecutive periods neither overlap nor leave gaps.
CLI (`--period 2023-Q1`), chat (`/tongket quý I`, `/baocao 6 tháng`) and later the web page
all call `parse_period`.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot import texts
from bot.config import ReportsConfig
from bot.plan.interpret import fold
from bot.status import DONE, ItemView

# kind -> (first month, last month)
MONTHS = {"Q1": (1, 3), "Q2": (4, 6), "Q3": (7, 9), "Q4": (10, 12),
          "H1": (1, 6), "9M": (1, 9), "year": (1, 12)}
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_ISO = re.compile(r"^(\d{4})(?:-(q[1-4]|h1|9m))?$")
_YEAR = re.compile(r"(?:(?:^|\s)nam)?\s*/?\s*(\d{4})$")
_SPOKEN = (
    (re.compile(r"^quy\s+(i{1,3}|iv|[1-4])$"), None),
    (re.compile(r"^6\s+thang(?:\s+dau(?:\s+nam)?)?$"), "H1"),
    (re.compile(r"^9\s+thang(?:\s+dau(?:\s+nam)?)?$"), "9M"),
    (re.compile(r"^(?:ca\s+nam|ca|nam)$"), "year"),
)


@dataclass(frozen=True, slots=True)
class Period:
    """Items are counted as they stood on `end`; `start`..`end` is what happened within it."""

    kind: str  # Q1..Q4 | H1 | 9M | year | day (the year so far, up to a chosen day)
    year: int
    start: date
    end: date

    @property
    def name(self) -> str:
        return texts.period_name(self.kind, self.year, self.end)

    def upto(self, today: date) -> Period:
        """The period as far as it has gone: a report asked for before its end stops at today."""
        return self if self.end <= today else Period(self.kind, self.year, self.start,
                                                     max(today, self.start))


def cutoff_day(cutoffs: ReportsConfig, kind: str) -> int:
    if kind in ("Q1", "Q2", "Q3", "Q4"):
        return cutoffs.quarter_cutoff_day
    return {"H1": cutoffs.six_months_cutoff_day, "9M": cutoffs.nine_months_cutoff_day,
            "year": cutoffs.year_cutoff_day}[kind]


def period_of(kind: str, year: int, cutoffs: ReportsConfig) -> Period:
    first, last = MONTHS[kind]
    day = cutoff_day(cutoffs, kind)
    end = _clamped(year, last, day)
    # The period opens where the one before it closed: the same cut-off a month earlier.
    before_year, before_month = (year - 1, 12) if first == 1 else (year, first - 1)
    start = _clamped(before_year, before_month, day) + timedelta(days=1)
    return Period(kind, year, start, end)


def year_to_date(today: date, plan_year: int | None = None) -> Period:
    """From the plan year's first day to `today` (in January, last year's plan still counts
    from its own 1 January)."""
    year = plan_year or today.year
    return Period("day", year, min(date(year, 1, 1), today), today)


def parse_period(text: str, plan_year: int, cutoffs: ReportsConfig) -> Period | None:
    """'2023-Q1', '2023-H1', '2023-9M', '2023', 'quý I', 'quý 1 năm 2023', '6 tháng', 'năm'.

    None when the text is not a period; a period without a year is in the plan's year.
    """
    words = fold(text).replace(".", " ").strip()
    iso = _ISO.match(words)
    if iso:
        kind = {"q1": "Q1", "q2": "Q2", "q3": "Q3", "q4": "Q4", "h1": "H1", "9m": "9M",
                None: "year"}[iso.group(2)]
        return period_of(kind, int(iso.group(1)), cutoffs)
    year = plan_year
    found = _YEAR.search(words)
    if found:
        year = int(found.group(1))
        words = words[:found.start()].strip() or "nam"
    for pattern, kind in _SPOKEN:
        spoken = pattern.match(words)
        if spoken:
            if kind is None:
                number = spoken.group(1)
                kind = f"Q{ROMAN.get(number) or int(number)}"
            return period_of(kind, year, cutoffs)
    return None


def completed_on(view: ItemView) -> date | None:
    """The day an item was finished (its last milestone), if it is finished."""
    if view.state not in DONE:
        return None
    days = [m.done_on for m in view.milestones if m.done_on]
    return max(days) if days else None


def done_within(views: list[ItemView], period: Period) -> list[ItemView]:
    """Items finished within the period (their last milestone done in it)."""
    return [v for v in views if (day := completed_on(v)) and period.start <= day <= period.end]


def overdue_within(views: list[ItemView], period: Period) -> list[ItemView]:
    """Items with a milestone that fell overdue within the period: due the day before one of
    its days, and not done by that due date."""
    found = []
    for view in views:
        for m in view.milestones:
            if (m.due and period.start <= m.due + timedelta(days=1) <= period.end
                    and (m.done_on is None or m.done_on > m.due)):
                found.append(view)
                break
    return found


def report_period(text: str, plan_year: int, today: date,
                  cutoffs: ReportsConfig) -> Period | None:
    """What a report or summary asked with `text` covers: the year so far when nothing is said,
    a named period as far as it has gone by `today`; None when `text` is not a period."""
    if not text.strip():
        return year_to_date(today, plan_year)
    period = parse_period(text, plan_year, cutoffs)
    return period.upto(today) if period else None


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))
