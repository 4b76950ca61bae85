"""Dates as people write them in chat replies, read on the folded key.

Pure: `today` and the plan's year are parameters. Weeks start on Monday. A date without a
year is its next occurrence on or after `today` (and not before the plan's year), so
"15/1" written in late December is next January. Relative words count from `today`:
"tuần sau" is Friday of next week when a completion or a new deadline is meant
(`purpose="deadline"`) and Monday of next week for a reminder (`purpose="remind"`);
"cuối tháng" is the last day of this month, "thứ 6 này" this week's Friday, a bare
"thứ 6" the next Friday after today. Tết dates come from the Vietnamese lunar calendar.

A recognised form naming no real day ("31/2") is found with the value None, so a caller
can tell "no date" from "a date I could not use".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

import vnlunar

__all__ = ["Found", "find_date", "find_dates"]

_NUM_WORDS = {
    "mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8,
    "chin": 9, "muoi": 10,
}
_WEEKDAY_WORDS = {"hai": 0, "ba": 1, "tu": 2, "nam": 3, "sau": 4, "bay": 5}
# "tư" (four) is left out: without diacritics it is "từ" (from), as in "xong từ tuần trước".
_NUM = r"(?:[0-9]{1,3}|mot|hai|ba|bon|nam|sau|bay|tam|chin|muoi)"
_NEXT = r"(?:sau|toi|ke\s+tiep|ke|moi)"
_PART_OF_DAY = r"(?:sang|trua|chieu|toi|dem)"

_FORMS = re.compile(
    r"(?<![\w.,/])(?:"
    # 15/3, 15.3, 15-3, 20.1.2024, 15/3/24
    r"(?P<dmy>(?P<d>[0-9]{1,2})\s?[/.\-]\s?(?P<m>[0-9]{1,2})"
    r"(?:\s?[/.\-]\s?(?P<y>[0-9]{4}|[0-9]{2}))?)(?![\w/]|[.,][0-9])"
    r"(?!\s*(?:ngay|tuan|thang|hom|nam|%))"
    # ngày 15 tháng 3 năm 2024, 15 tháng 3
    r"|(?P<dtm>(?:(?:ngay|mung|mong)\s+)?(?P<td>[0-9]{1,2})\s+thang\s+(?P<tm>[0-9]{1,2})"
    r"(?:\s+(?:nam\s+)?(?P<ty>[0-9]{4}))?)(?![\w/])"
    # mùng 8 Tết, Tết, rằm tháng giêng, trước Tết, Tết dương lịch
    r"|(?P<before_tet>truoc\s+tet)(?!\s+duong)"
    r"|(?P<vague>(?:sau|ra|qua|het)\s+tet|vai\s+(?:ngay|hom|buoi|tuan)|it\s+(?:ngay|hom|bua)"
    r"|mai\s+mot|mot\s+thoi\s+gian|hom\s+khac|lat\s+nua|luc\s+khac)"
    r"|(?P<solar_new_year>tet\s+duong(?:\s+lich)?)"
    r"|(?P<lunar>(?:(?:mung|mong|ngay)\s+(?P<ld>[0-9]{1,2})\s+)?(?:(?:thang\s+gieng\s+)?an\s+)?tet"
    r"|ram\s+thang\s+gieng)"
    # tháng 4 (năm 2024): the month's last day
    r"|(?P<month>thang\s+(?P<mm>[0-9]{1,2})(?:\s+nam\s+(?P<my>[0-9]{4}))?)(?![\w/.])"
    # thứ 6, thứ sáu tuần sau, chủ nhật này; "hôm thứ 2" is the one gone by
    r"|(?P<weekday>(?P<gone>hom\s+)?(?:thu\s+(?P<w>hai|ba|tu|nam|sau|bay|[2-7])|(?P<sun>chu\s+nhat))"
    rf"(?:\s+(?P<which>tuan\s+(?:{_NEXT}|nay|truoc)|nay|toi)(?!\w))?)"
    # cuối tuần/tháng/quý/năm (này/sau), đầu tuần/tháng/năm sau
    rf"|(?P<end_of>cuoi\s+(?P<eu>tuan|thang|quy|nam)(?:\s+(?P<en>nay|{_NEXT})(?!\w))?)"
    r"|(?P<within>trong\s+(?P<wu>tuan|thang|nam)(?:\s+nay)?)"
    rf"|(?P<start_of>dau\s+(?P<su>tuan|thang|nam)\s+{_NEXT})"
    # tuần sau, tháng tới, năm sau; tuần trước
    r"|(?P<last_unit>(?P<lu>tuan|thang|nam)\s+(?:truoc|roi|qua))"
    rf"|(?P<next_unit>(?P<nu>tuan|thang|nam)\s+{_NEXT}(?!\s*[0-9]))"
    # 3 ngày (nữa), hai tuần, 5 ngày làm việc
    rf"|(?P<amount>(?P<n>{_NUM})\s+(?P<u>ngay\s+lam\s+viec|ngay|hom|tuan|thang|nam)"
    r"(?!\s*[0-9])(?:\s+nua)?)"
    # hôm nay, tối nay, mai, sáng mai, ngày kia, hôm qua
    rf"|(?P<today>hom\s+nay|{_PART_OF_DAY}\s+nay|trong\s+ngay(?!\s*[0-9]))"
    rf"|(?P<tomorrow>(?:ngay\s+|{_PART_OF_DAY}\s+)?mai)"
    r"|(?P<after_tomorrow>ngay\s+(?:kia|mot))"
    r"|(?P<yesterday>hom\s+qua)"
    # ngày 20, mùng 5: the next such day of a month
    r"|(?P<day>(?:ngay|mung|mong)\s+(?P<dd>[0-9]{1,2}))(?!\s*(?:thang|[/.\-]\s?[0-9]|[0-9]))"
    r")(?!\w)"
)


@dataclass(frozen=True, slots=True)
class Found:
    start: int
    end: int
    value: date | None  # None: a date form that names no real day, or a vague one
    past: bool = False  # a day without a year that most likely meant the recent past
    vague: bool = False  # "sau Tết", "vài hôm nữa": some time ahead, no day named


def _recent_past(m: re.Match, today: date) -> bool:
    """Whether a yearless day ("5/3" on 8/3, "ngày 5") most likely meant one gone by."""
    g = m.group
    if m.lastgroup in ("dmy", "dtm") and not (g("y") if m.lastgroup == "dmy" else g("ty")):
        d, mo = (g("d"), g("m")) if m.lastgroup == "dmy" else (g("td"), g("tm"))
        try:
            this_year = date(today.year, int(mo), int(d))
        except ValueError:
            return False
        if this_year > today:
            this_year = this_year.replace(year=today.year - 1) if not (
                int(mo) == 2 and int(d) == 29) else this_year
        return this_year < today and (today - this_year).days <= 183
    if m.lastgroup == "day":
        return int(g("dd")) < today.day
    return False


def _last_day(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


def _working_days(d: date, n: int) -> date:
    while n > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            n -= 1
    return d


def _next_occurrence(floor: date, make) -> date | None:
    """The first of make(year) on or after `floor`, trying floor's year and the next."""
    for year in (floor.year, floor.year + 1):
        try:
            found = make(year)
        except ValueError:
            continue
        if found is not None and found >= floor:
            return found
    return None


def _lunar(day: int, month: int, year: int) -> date | None:
    solar = vnlunar.get_solar_date(day, month, year)
    return date(solar["year"], solar["month"], solar["day"]) if solar else None


def _number(token: str) -> int:
    return int(token) if token.isdigit() else _NUM_WORDS[token]


def _resolve(m: re.Match, today: date, floor: date, purpose: str) -> date | None:
    g = m.group
    monday = today - timedelta(days=today.weekday())
    kind = m.lastgroup
    if kind == "dmy" or kind == "dtm":
        d, mo, y = (g("d"), g("m"), g("y")) if kind == "dmy" else (g("td"), g("tm"), g("ty"))
        day, month = int(d), int(mo)
        if y is not None:
            year = int(y) + (2000 if len(y) == 2 else 0)
            try:
                return date(year, month, day)
            except ValueError:
                return None
        if not (1 <= month <= 12 and 1 <= day <= 31):
            return None
        return _next_occurrence(floor, lambda year: date(year, month, day))
    if kind == "month":
        month = int(g("mm"))
        if not 1 <= month <= 12:
            return None
        if g("my"):
            return _last_day(int(g("my")), month)
        return _next_occurrence(floor, lambda year: _last_day(year, month))
    if kind == "lunar":
        lunar_day = 15 if g("lunar").startswith("ram") else int(g("ld") or 1)
        if not 1 <= lunar_day <= 30:
            return None
        return _next_occurrence(floor, lambda year: _lunar(lunar_day, 1, year))
    if kind == "before_tet":
        tet = _next_occurrence(today + timedelta(days=1), lambda year: _lunar(1, 1, year))
        return tet - timedelta(days=1) if tet else None
    if kind == "solar_new_year":
        return _next_occurrence(floor, lambda year: date(year, 1, 1))
    if kind == "vague":
        return None
    if kind == "weekday":
        wd = 6 if g("sun") else (int(g("w")) - 2 if g("w").isdigit() else _WEEKDAY_WORDS[g("w")])
        which = " ".join((g("which") or "").split())
        if g("gone") and not which:
            return today - timedelta(days=(today.weekday() - wd) % 7 or 7)
        if which in ("nay", "tuan nay"):
            return monday + timedelta(days=wd)
        if which == "tuan truoc":
            return monday + timedelta(days=wd - 7)
        if which.startswith("tuan"):
            return monday + timedelta(days=wd + 7)
        return today + timedelta(days=(wd - today.weekday()) % 7 or 7)
    if kind in ("end_of", "within"):
        ahead = 1 if g("en") and g("en") != "nay" else 0
        unit = g("eu") or g("wu")
        if unit == "tuan":
            # The working week ends on Friday; at the weekend "cuối tuần" is the coming one.
            friday = monday + timedelta(days=4 + (7 if today.weekday() > 4 else 0))
            return friday + timedelta(days=7 * ahead)
        if unit == "thang":
            first = _add_months(today.replace(day=1), ahead)
            return _last_day(first.year, first.month)
        if unit == "nam":
            return date(today.year + ahead, 12, 31)
        quarter_end = _add_months(today.replace(day=1), 2 - (today.month - 1) % 3 + 3 * ahead)
        return _last_day(quarter_end.year, quarter_end.month)
    if kind == "start_of":
        unit = g("su")
        if unit == "tuan":
            return monday + timedelta(days=7)
        if unit == "thang":
            return _add_months(today.replace(day=1), 1)
        return date(today.year + 1, 1, 1)
    if kind == "last_unit":
        unit = g("lu")
        if unit == "tuan":
            return monday - timedelta(days=7)
        return _add_months(today.replace(day=1), -1) if unit == "thang" else date(today.year - 1, 1, 1)
    if kind == "next_unit":
        unit = g("nu")
        if unit == "tuan":
            return monday + timedelta(days=7 if purpose == "remind" else 11)
        if unit == "thang":
            first = _add_months(today.replace(day=1), 1)
            return first if purpose == "remind" else _last_day(first.year, first.month)
        return date(today.year + 1, 1, 1) if purpose == "remind" else date(today.year + 1, 12, 31)
    if kind == "amount":
        n = _number(g("n"))
        unit = " ".join(g("u").split())
        if unit == "ngay lam viec":
            return _working_days(today, n)
        if unit in ("ngay", "hom"):
            return today + timedelta(days=n)
        if unit == "tuan":
            return today + timedelta(weeks=n)
        return _add_months(today, n * (12 if unit == "nam" else 1))
    if kind == "today":
        return today
    if kind == "tomorrow":
        return today + timedelta(days=1)
    if kind == "after_tomorrow":
        return today + timedelta(days=2)
    if kind == "yesterday":
        return today - timedelta(days=1)
    day = int(g("dd"))  # "ngày 20": the next 20th, this month or a later one
    if not 1 <= day <= 31:
        return None
    month = today.replace(day=1)
    for _ in range(3):
        if day <= calendar.monthrange(month.year, month.month)[1] and month.replace(day=day) >= today:
            return month.replace(day=day)
        month = _add_months(month, 1)
    return None


def find_dates(key: str, today: date, year: int | None = None, *, start: int = 0,
               end: int | None = None, purpose: str = "deadline") -> list[Found]:
    """Every date form in key[start:end], left to right."""
    floor = max(today, date(year, 1, 1)) if year and 1 <= year <= 9999 else today
    found = []
    for m in _FORMS.finditer(key, start, len(key) if end is None else end):
        try:
            value = _resolve(m, today, floor, purpose)
        except (ValueError, OverflowError):
            value = None  # beyond the calendar: a date not understood
        found.append(Found(m.start(), m.end(), value, _recent_past(m, today),
                           m.lastgroup == "vague"))
    return found


def find_date(key: str, today: date, year: int | None = None, *, start: int = 0,
              end: int | None = None, purpose: str = "deadline") -> Found | None:
    """The first date form in key[start:end], or None."""
    dates = find_dates(key, today, year, start=start, end=end, purpose=purpose)
    return dates[0] if dates else None
