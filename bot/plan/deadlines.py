"""The deadline language of a commune plan: a free-text Vietnamese cell -> milestones.

Pure functions, no I/O, no clock: "today" and the plan's year are always parameters.

Matching runs on a folded copy of the text (NFC, lower case, diacritics removed,
đ -> d) that has exactly the length of the original, so a position found in the
copy cuts the original too; labels therefore keep the user's own spelling.

Canonical RRULEs (RFC 5545, no DTSTART; each occurrence is the due day of a period):
    every day                 FREQ=DAILY
    every week                FREQ=WEEKLY;BYDAY=FR
    every month               FREQ=MONTHLY;BYMONTHDAY=-1
    every month on day d      FREQ=MONTHLY;BYMONTHDAY=d                  (d <= 28)
                              FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1   (d = 29/30: last existing)
                              FREQ=MONTHLY;BYMONTHDAY=-1                 (d = 31)
    every 2/3/4/6 months      FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1 (the months ending each period)
    every year                FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31
    a period end, each year   FREQ=YEARLY;BYMONTH=m;BYMONTHDAY=-1        (month, quarter, half)
    a day, each year          FREQ=YEARLY;BYMONTH=m;BYMONTHDAY=d         (29/2: BYMONTHDAY=28,29;BYSETPOS=-1)
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from itertools import chain

from bot import texts

__all__ = [
    "KINDS",
    "DeadlineError",
    "Milestone",
    "find_plan_year",
    "parse_deadline",
    "parse_deadline_checked",
]

KINDS = ("date", "month", "quarter", "half", "year", "ongoing", "recurring", "event", "none")

MIN_YEAR = 1990
MAX_YEAR = 2100


class DeadlineError(ValueError):
    """An impossible or incomplete deadline; the message is meant for Vietnamese users."""


@dataclass(frozen=True, slots=True)
class Milestone:
    label: str | None
    kind: str
    due: date | None
    recurrence: str | None = None

    def as_json(self) -> dict:
        return {
            "label": self.label,
            "kind": self.kind,
            "due": self.due.isoformat() if self.due else None,
            "recurrence": self.recurrence,
        }


_NONE = Milestone(None, "none", None)

# ---------------------------------------------------------------------------
# Normalisation


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in chain(range(0xC0, 0x250), range(0x1E00, 0x1F00)):
        base = unicodedata.normalize("NFD", chr(cp))[0].lower()
        if len(base) == 1 and base != chr(cp):
            table[cp] = base
    # U+0130 is the only code point whose lower() is longer than one character.
    table.update({0x110: "d", 0x111: "d", 0x130: "i", 0x2010: "-", 0x2011: "-", 0x2212: "-"})
    return table


_FOLD = _fold_table()
_STRAY_MARKS = re.compile("[\u0300-\u036f]+")
_SPACES = re.compile(r"\s+")
_ALNUM = re.compile(r"[^\W_]")
_PART_SPLIT = re.compile(r"[;\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+")
_PARENS = re.compile(r"\([^()]*\)")


def _nfc(text: str) -> str:
    if text.isascii():
        return text
    # NFC composes NFD input; marks that still stand alone carry nothing we can read.
    return _STRAY_MARKS.sub("", unicodedata.normalize("NFC", text))


def _fold(text: str) -> str:
    """Lower-cased, diacritics-free copy of `text` with exactly the same length."""
    key = text.translate(_FOLD).lower()
    if len(key) != len(text):
        key = "".join((c.translate(_FOLD).lower() or " ")[0] for c in text)
    return key


def _blank_parens(key: str) -> str:
    # A parenthetical is a remark ("thực hiện trong giai đoạn 2021-2025"), never a milestone.
    # NUL, not space, so that no pattern reads through it and \s* has nothing to chew on.
    prev = None
    while prev != key:
        prev = key
        key = _PARENS.sub(lambda m: "\0" * len(m.group()), key)
    return key


# ---------------------------------------------------------------------------
# The grammar, in folded text

_Y4 = rf"(?:199[0-9]|20[0-9]{{2}}|{MAX_YEAR})"
_DASH = r"[\-–—]"
_ANYSEP = r"[/.\-–—]"


def _year_part(name: str) -> str:
    """An optional year after a period: '/2023', '-2023', ' năm 2023', ' 2023', or '/23'."""
    return (
        rf"(?:\s*(?:{_ANYSEP}|,|nam\b)?\s*(?P<{name}>{_Y4})"
        rf"|\s*{_ANYSEP}\s*(?P<{name}2>[0-9]{{2}}))(?![0-9/])"
    )


# A number that still follows means the year was not a year (1980, 3000): no match.
_NO_YEAR_LEFT = rf"(?!\s*{_ANYSEP}\s*[0-9])"
_QTOK = r"(?!vi\b(?!\s*[/\-–—]\s*[0-9]))(?:[ivx]{1,4}|[0-9]{1,2})(?![a-z0-9])"


def _suffix(name: str) -> str:
    return (
        rf"(?:(?:\s*,)?\s*(?:(?P<{name}_nxt>va\s*(?:cac|nhung)\s*nam\s*(?:tiep\s*theo|ke\s*tiep|sau)\b)"
        rf"|(?P<{name}_ann>(?:hang|moi)\s*nam\b)))?"
    )


_ALTERNATIVES = [
    # "ngày 20 hằng tháng"
    ("rday", "n0-9", r"(?:ngay\s*)?(?<![0-9/.])(?P<rday_d>[0-9]{1,2})\s*(?:hang|moi)\s*thang\b"),
    # "định kỳ 06 tháng", "6 tháng một lần", "6 tháng/lần", "nửa năm một lần"
    (
        "every",
        "dn0-9",
        r"(?:dinh\s*ky\s*(?P<every_a>[0-9]{1,2})\s*thang(?:\s*(?:mot|1)\s*lan)?"
        r"|(?<![0-9])(?P<every_b>[0-9]{1,2})\s*thang\s*(?:(?:mot|1)\s*lan|/\s*lan)"
        r"|(?:dinh\s*ky\s*)?(?P<every_h>nua\s*nam)\s*(?:mot|1)\s*lan)\b",
    ),
    ("period", "dhmt", r"(?:dinh\s*ky\s*)?\b(?:hang|moi|tung)\s*(?P<period_u>ngay|tuan|thang|qu[yi]|nam)\b"),
    ("ongoing", "tl", r"\b(?:thuong\s*xuyen|lien\s*tuc)\b"),
    (
        "half",
        "0-9sn",
        r"(?<![0-9])(?:(?:0?6|sau)\s*thang|nua)\s*(?P<half_p>dau|cuoi)\s*(?:cua\s*)?nam\b"
        rf"(?:\s*(?P<half_y>{_Y4})(?![0-9/]))?" + _suffix("half"),
    ),
    (
        "qtr",
        "q",
        rf"\bqu[yi]\s*(?P<qtr_a>{_QTOK})(?:{_year_part('qtr_ya')})?"
        rf"(?:(?:\s*(?:{_DASH}|\bden\b|\btoi\b)\s*(?:qu[yi]\s*)?|\s*(?:,|\bva\b)\s*qu[yi]\s*)"
        rf"(?P<qtr_b>{_QTOK})(?:{_year_part('qtr_yb')})?)?{_NO_YEAR_LEFT}" + _suffix("qtr"),
    ),
    (
        "mon",
        "t",
        rf"(?:\bthang|\bt(?=[0-9]{{1,2}}\s*{_ANYSEP}\s*{_Y4}))\s*(?P<mon_a>[0-9]{{1,2}})(?![0-9])"
        rf"(?:\s*(?:{_DASH}|\bden\b|\btoi\b|,|\bva\b)\s*(?:thang\s*)?(?P<mon_b>[0-9]{{1,2}})(?![0-9]))?"
        rf"(?:{_year_part('mon_y')})?{_NO_YEAR_LEFT}(?!\s*(?:mot|1)\s*lan)" + _suffix("mon"),
    ),
    (
        "dmy",
        "n0-9",
        r"(?:ngay\s*)?(?<![0-9/.])(?P<dmy_d>[0-9]{1,2})\s*(?P<dmy_s>[/.\-–—])\s*(?P<dmy_m>[0-9]{1,2})\s*"
        rf"(?:(?P=dmy_s)\s*(?P<dmy_y2>[0-9]{{2}})|{_ANYSEP}\s*(?P<dmy_y>{_Y4}))(?![0-9/])" + _suffix("dmy"),
    ),
    ("iso", "0-9", rf"(?<![0-9/.])(?P<iso_y>{_Y4})-(?P<iso_m>[0-9]{{1,2}})-(?P<iso_d>[0-9]{{1,2}})(?![0-9])"),
    (
        "dmw",
        "n0-9",
        r"(?:ngay\s*)?(?<![0-9/.])(?P<dmw_d>[0-9]{1,2})\s*thang\s*(?P<dmw_m>[0-9]{1,2})(?![0-9])"
        rf"(?!\s*(?:mot|1)\s*lan)(?:\s*(?:nam\b|[/,\-])?\s*(?P<dmw_y>{_Y4})(?![0-9/]))?{_NO_YEAR_LEFT}"
        + _suffix("dmw"),
    ),
    (
        "dm",
        "n0-9",
        r"(?:ngay\s*)?(?<![0-9/.])(?P<dm_d>[0-9]{1,2})\s*/\s*(?P<dm_m>[0-9]{1,2})(?![0-9])"
        r"(?!\s*/\s*[0-9])(?!\s*[.\-–—]\s*[0-9]{4})" + _suffix("dm"),
    ),
    (
        "year",
        "ng0-9",
        rf"(?:(?:nam|giai\s*doan)\s*)?(?<![0-9/.\-–—])(?P<year_a>{_Y4})"
        rf"(?:\s*(?:{_DASH}|\bden\b|\btoi\b)\s*(?:nam\s*)?(?P<year_b>{_Y4}))?(?![0-9/])" + _suffix("year"),
    ),
    ("inyear", "tcs", r"\b(?:trong|ca|suot)\s*nam\b(?!\s*(?:[0-9]|hoc|tai|nay|sau|toi|truoc|ngoai))"),
    ("day", "n", r"\bngay\s*(?P<day_d>[0-9]{1,2})(?![0-9])(?!\s*(?:thang|[/.\-–—]\s*[0-9]))"),
]
# Every alternative starts a word or a number, with one of a few first characters:
# the guards spare the engine from trying each alternative at every position.
_DEADLINE_RE = re.compile(
    r"(?:(?<![a-z])(?=[cdghlmnqst])|(?<![0-9])(?=[0-9]))(?:"
    + "|".join(f"(?=[{first}])(?P<{name}>{body})" for name, first, body in _ALTERNATIVES)
    + ")"
)
_WITH_SUFFIX = frozenset({"half", "qtr", "mon", "dmy", "dmw", "dm", "year"})

_PERIOD_KINDS = frozenset({"half", "qtr", "mon", "dmy", "iso", "dmw", "dm", "year", "inyear"})

# "khi" alone is no event ("khi nào rảnh thì làm"): only these phrases wait for something.
_WHEN = (r"(?:ngay\s*sau\s*khi|sau\s*khi|ngay\s*khi|(?:cho\s*)?den\s*khi"
         r"|khi\s*(?:co|duoc|nhan|ket\s*thuc|hoan\s*thanh|xay\s*ra|phat\s*sinh))")
_START_EVENT = re.compile(
    rf"(?:{_WHEN}|theo\s*tien\s*do|can\s*cu|tuy\s*theo|tuy\s*thuoc"
    r"|phu\s*thuoc|theo\s*(?:yeu\s*cau|chi\s*dao|huong\s*dan|thong\s*bao|de\s*nghi))\b"
)
_START_NONE = re.compile(
    r"(?:theo\s*ke\s*hoach|theo\s*quy\s*dinh|theo\s*lich|chua\s*xac\s*dinh|khong\s*xac\s*dinh|khong\s*co)\b"
)
_MID_TRIGGER = re.compile(
    rf"\b(?:(?P<event>{_WHEN}|theo\s*tien\s*do)"
    r"|(?P<none>theo\s*ke\s*hoach))\b"
)
_LEADING_JUNK = re.compile(r"[\s\-–—+*•·.,:;)(\[\]\0]*")
_CONNECTORS = (
    r"cham\s*nhat|han\s*chot|thoi\s*han|thoi\s*gian|truoc|trong\s*vong|trong|vao|den|toi|han|het"
    r"|ngay|dau|cuoi|giua|ke\s*tu|tu|khoang|la"
)
_TRAILING_NOISE = re.compile(rf"(?:\s*\b(?:{_CONNECTORS})|[\s,.:;\-–—(\[/+*•])+$")
_ENDS_WITH_CONNECTOR = re.compile(rf"\b(?:{_CONNECTORS})[\s,:]*$")
_RANGE_GAP = re.compile(r"\s*(?:[\-–—]|den\s*het|den|toi|cho\s*den)\s*(?:ngay\s*)?")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_QUARTERLY = "FREQ=YEARLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1"
_PERIOD_RULES = {
    "ngay": "FREQ=DAILY",
    "tuan": "FREQ=WEEKLY;BYDAY=FR",
    "thang": "FREQ=MONTHLY;BYMONTHDAY=-1",
    "quy": _QUARTERLY,
    "qui": _QUARTERLY,
    "nam": "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31",
}


# ---------------------------------------------------------------------------
# Building due dates and rules


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _days_in_month(y: int, m: int) -> int:
    if m == 2 and y % 4 == 0 and (y % 100 != 0 or y % 400 == 0):
        return 29
    return _MONTH_DAYS[m]


def _end_of_month(y: int, m: int) -> date:
    return date(y, m, _days_in_month(y, m))


def _yearly_rule(month: int, day: int) -> str:
    """Each year on `day`/`month`; day -1 is the month's last day."""
    if month == 12 and day in (-1, 31):
        return _PERIOD_RULES["nam"] if day == 31 else "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=-1"
    if month == 2 and day == 29:
        return "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=28,29;BYSETPOS=-1"
    return f"FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={day}"


def _monthly_rule(day: int) -> str:
    if day <= 28:
        return f"FREQ=MONTHLY;BYMONTHDAY={day}"
    if day == 31:
        return "FREQ=MONTHLY;BYMONTHDAY=-1"
    # RFC 5545 skips months without that day; BYSETPOS=-1 takes the last one that exists.
    return f"FREQ=MONTHLY;BYMONTHDAY={','.join(str(d) for d in range(28, day + 1))};BYSETPOS=-1"


def _every_months_rule(n: int) -> str | None:
    if n == 1:
        return _PERIOD_RULES["thang"]
    if n == 12:
        return _PERIOD_RULES["nam"]
    if n in (2, 3, 4, 6):
        return f"FREQ=YEARLY;BYMONTH={','.join(str(m) for m in range(n, 13, n))};BYMONTHDAY=-1"
    return None


def _check_day(d: int, m: int, y: int | None) -> None:
    shown = f"{d}/{m}" if y is None else f"{d}/{m}/{y}"
    if not (1 <= m <= 12 and 1 <= d <= 31):
        raise DeadlineError(texts.BAD_DAY.format(day=shown))
    if d > _days_in_month(2024 if y is None else y, m):
        raise DeadlineError(texts.BAD_DAY.format(day=shown))


def _check_month(m: int, y: int | None) -> None:
    if not 1 <= m <= 12:
        raise DeadlineError(texts.BAD_MONTH.format(month=f"{m}" + ("" if y is None else f"/{y}")))


def _quarter(token: str) -> int:
    q = _ROMAN.get(token) if not token.isdigit() else int(token)
    if q is None or not 1 <= q <= 4:
        raise DeadlineError(texts.BAD_QUARTER.format(quarter=token.upper()))
    return q


def _group_year(m: re.Match, name: str) -> int | None:
    """The year of a `_year_part`, two-digit years being this century's."""
    if m.group(name):
        return int(m.group(name))
    two = m.group(name + "2")
    return 2000 + int(two) if two else None


def _missing_year(snippet: str) -> DeadlineError:
    return DeadlineError(texts.MISSING_YEAR.format(text=snippet))


def _period(m: re.Match, name: str) -> tuple[str, int | None, int, int]:
    """(kind, year or None, month, day) of a dated candidate; day -1 = the month's last day."""
    g = m.group
    if name == "half":
        return "half", int(g("half_y")) if g("half_y") else None, 6 if g("half_p") == "dau" else 12, -1
    if name == "qtr":
        qa = _quarter(g("qtr_a"))
        ya = _group_year(m, "qtr_ya")
        if g("qtr_b") is None:
            return "quarter", ya, qa * 3, -1
        qb = _quarter(g("qtr_b"))
        return "quarter", _group_year(m, "qtr_yb") or ya, qb * 3, -1
    if name == "mon":
        y = _group_year(m, "mon_y")
        ma = int(g("mon_a"))
        _check_month(ma, y)
        if g("mon_b") is None:
            return "month", y, ma, -1
        mb = int(g("mon_b"))
        _check_month(mb, y)
        return "month", y, mb, -1
    if name == "year":
        years = [int(g("year_a"))] + ([int(g("year_b"))] if g("year_b") else [])
        return "year", max(years), 12, 31
    if name == "inyear":
        return "year", None, 12, 31
    if name == "iso":
        y, mo, d = int(g("iso_y")), int(g("iso_m")), int(g("iso_d"))
    elif name == "dmy":
        y = int(g("dmy_y")) if g("dmy_y") else 2000 + int(g("dmy_y2"))
        d, mo = int(g("dmy_d")), int(g("dmy_m"))
    elif name == "dmw":
        y = int(g("dmw_y")) if g("dmw_y") else None
        d, mo = int(g("dmw_d")), int(g("dmw_m"))
    else:  # dm
        y, d, mo = None, int(g("dm_d")), int(g("dm_m"))
    _check_day(d, mo, y)
    return "date", y, mo, d


def _resolve(
    m: re.Match, name: str, plan_year: int | None, annual: bool, snippet: str
) -> tuple[str, date | None, str | None]:
    g = m.group
    if name == "rday" or name == "day":
        d = int(g(name + "_d"))
        if not 1 <= d <= 31:
            raise DeadlineError(texts.BAD_DAY.format(day=d))
        return "recurring", None, _monthly_rule(d)
    if name == "every":
        if g("every_h"):
            return "recurring", None, _every_months_rule(6)
        return "recurring", None, _every_months_rule(int(g("every_a") or g("every_b")))
    if name == "period":
        return "recurring", None, _PERIOD_RULES[g("period_u")]
    if name == "ongoing":
        return "ongoing", None, None
    kind, y, month, day = _period(m, name)
    following = False
    if name in _WITH_SUFFIX:
        annual = annual or m.group(name + "_ann") is not None
        following = m.group(name + "_nxt") is not None
    if y is None and annual:
        return "recurring", None, _yearly_rule(month, day)
    if y is None:
        if plan_year is None:
            raise _missing_year(snippet)
        y = plan_year
        if day > 0:
            _check_day(day, month, y)
    due = _end_of_month(y, month) if day == -1 else date(y, month, day)
    return kind, due, _yearly_rule(month, day) if annual or following else None


# ---------------------------------------------------------------------------
# Reading one part of a cell


def _label(orig: str, key: str, start: int, end: int) -> str | None:
    """The text before a deadline, without connector words ("trước", "trong") or punctuation."""
    start = _LEADING_JUNK.match(key, start, end).end()
    if start >= end:
        return None
    seg = key[start:end]
    stripped = _TRAILING_NOISE.sub("", seg)
    while stripped != seg:
        seg = stripped
        stripped = _TRAILING_NOISE.sub("", seg)
    label = orig[start : start + len(seg)].strip()
    return label if _ALNUM.search(label) else None


def _anchored(key: str, cs: int, start: int) -> bool:
    before = key[cs:start].rstrip(" ,.:;-–—(\0")
    return not before or _ENDS_WITH_CONNECTOR.search(before) is not None


def _candidates(key: str, cs: int, stop: int) -> list[re.Match]:
    found = []
    for m in _DEADLINE_RE.finditer(key, cs, stop):
        if m.lastgroup == "every" and not m.group("every_h"):
            if _every_months_rule(int(m.group("every_a") or m.group("every_b"))) is None:
                continue
        found.append(m)
    return found


def _choose(key: str, cs: int, cands: list[re.Match]) -> tuple[int, re.Match | None, bool]:
    """Pick the deadline among several expressions: (label end, chosen match, annual)."""
    if len(cands) == 1:
        m = cands[0]
        if m.lastgroup == "day":
            return -1, None, False
        return m.start(), m, False
    names = [m.lastgroup for m in cands]
    annual = False
    if any(n in _PERIOD_KINDS for n in names) and any(
        n == "period" and m.group("period_u") == "nam" for n, m in zip(names, cands)
    ):
        # "Báo cáo hằng năm trước 15/12": the yearly word turns the date into a yearly rule.
        annual = True
        cands = [m for m in cands if not (m.lastgroup == "period" and m.group("period_u") == "nam")]
    has_monthly = any(m.lastgroup == "period" and m.group("period_u") == "thang" for m in cands)
    if has_monthly and any(m.lastgroup == "day" for m in cands):
        cands = [m for m in cands if not (m.lastgroup == "period" and m.group("period_u") == "thang")]
    else:
        cands = [m for m in cands if m.lastgroup != "day"]
    if not cands:
        return -1, None, False
    # Consecutive expressions joined by a dash or "đến" form one range; its end is the due.
    groups: list[list[re.Match]] = []
    for m in cands:
        if (
            groups
            and groups[-1][-1].lastgroup in _PERIOD_KINDS
            and m.lastgroup in _PERIOD_KINDS
            and _RANGE_GAP.fullmatch(key, groups[-1][-1].end(), m.start())
        ):
            groups[-1].append(m)
        else:
            groups.append([m])
    # The deadline is the first expression that opens the part or follows "trước", "trong"…;
    # otherwise the last one, since labels come before deadlines.
    chosen = next((grp for grp in groups if _anchored(key, cs, grp[0].start())), groups[-1])
    return chosen[0].start(), chosen[-1], annual


def _unwrap_parens(key: str) -> str:
    return key.replace("(", " ").replace(")", " ")


def _parse_part(orig: str, key: str, plan_year: int | None, compound: bool) -> tuple[Milestone, bool]:
    cs = _LEADING_JUNK.match(key).end()
    for attempt in (_blank_parens(key), _unwrap_parens(key)) if "(" in key else (key,):
        if _START_EVENT.match(attempt, cs):
            return Milestone(None, "event", None), True
        if _START_NONE.match(attempt, cs):
            return _NONE, True
        stop = len(attempt)
        trigger = _MID_TRIGGER.search(attempt, cs)
        if trigger:
            stop = trigger.start()
        cands = _candidates(attempt, cs, stop)
        label_end, chosen, annual = _choose(attempt, cs, cands) if cands else (-1, None, False)
        if chosen is not None:
            snippet = orig[chosen.start() : chosen.end()].strip()
            kind, due, rule = _resolve(chosen, chosen.lastgroup, plan_year, annual, snippet)
            return Milestone(_label(orig, attempt, cs, label_end), kind, due, rule), True
        if trigger:
            kind = "event" if trigger.lastgroup == "event" else "none"
            return Milestone(_label(orig, attempt, cs, stop), kind, None), True
    return Milestone(_label(orig, key, cs, len(key)) if compound else None, "none", None), False


def _check_plan_year(year: int | None) -> None:
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        raise DeadlineError(texts.BAD_PLAN_YEAR.format(year=year))


def parse_deadline_checked(text: str, year: int | None) -> tuple[list[Milestone], bool]:
    """Milestones of a deadline cell, and whether every part of it was understood.

    An empty cell or "Theo kế hoạch riêng" is understood (kind "none"); text that is
    not recognised also gives kind "none" but understood=False, so the caller can warn.
    A cell gives one milestone per part that carries timing ("Hoàn thành năm 2026 và vận
    hành thường xuyên" is two); parts without timing add none, and equal milestones count once.
    """
    _check_plan_year(year)
    parts = []
    for raw in _PART_SPLIT.split(_nfc(text or "")):
        orig = _SPACES.sub(" ", raw).strip()
        if _ALNUM.search(orig):
            parts.append(orig)
    if not parts:
        return [_NONE], True
    compound = len(parts) > 1
    milestones, understood = [], True
    for orig in parts:
        ms, ok = _parse_compound(orig, year, compound)
        milestones.extend(ms)
        understood = understood and ok
    if len(milestones) == 1:
        return milestones, understood
    if any(m.kind != "none" for m in milestones):
        milestones = [m for m in milestones if m.kind != "none"]
    seen, kept = set(), []
    for m in milestones:
        if (m.kind, m.due, m.recurrence) not in seen:
            seen.add((m.kind, m.due, m.recurrence))
            kept.append(m)
    return kept, understood


_JOINS = re.compile(r"[.,](?=\s)|\bva\b")
_FOLLOWING = re.compile(r"\bva\s*(?:cac|nhung)\s*nam\s*(?:tiep\s*theo|ke\s*tiep|sau)\b")
_START_ONLY = re.compile(r"\b(?:ke\s*tu|bat\s*dau\s*tu|tu)\s*(?=(?:ngay|thang|qu[yi]|nam)?\s*[0-9ivx])")
_UNTIL = re.compile(r"\b(?:den|toi)\b|[\-–—]")
_UNTIL_EVENT = re.compile(r"\b(?:cho\s*)?den\s*khi\b")
_BEFORE_YEAR = re.compile(rf"\btruoc\s*nam\s*({_Y4})(?![0-9])")
_PLANNED_YEARLY = re.compile(r"^\W*theo\s*ke\s*hoach\b.*\b(?:hang|moi)\s*nam\b")
_YEARLY = _PERIOD_RULES["nam"]


def _parse_compound(orig: str, year: int | None, compound: bool) -> tuple[list[Milestone], bool]:
    """One part of a cell; split further at "và", commas and full stops between timings."""
    key = _fold(orig)
    joined = "," in key or ". " in key or " va " in key
    pieces = _pieces(orig, key) if joined else ()
    if len(pieces) > 1:
        read = [_parse_piece(piece, _fold(piece), year, True) for piece in pieces]
        timed = [ms for ms, _ in read if any(m.kind != "none" for m in ms)]
        if len(timed) > 1:
            milestones = [m for ms in timed for m in ms if m.kind != "none"]
            periodic = any(m.kind == "recurring" and m.recurrence for m in milestones)
            if periodic:
                # "Thường xuyên, hằng năm" is one yearly milestone.
                milestones = [m for m in milestones if m.kind != "ongoing"]
            return milestones, True
    return _parse_piece(orig, key, year, compound)


def _pieces(orig: str, key: str) -> list[str]:
    spans = [(m.start(), m.end()) for m in _DEADLINE_RE.finditer(key)]
    spans += [(m.start(), m.end()) for m in _MID_TRIGGER.finditer(key)]
    if len(spans) < 2:
        return []  # one timing at most: nothing to split between
    cuts, start = [], 0
    for join in _JOINS.finditer(key):
        if join.start() == 0 or any(a < join.end() and join.start() < b for a, b in spans):
            continue
        if _FOLLOWING.match(key, join.start()) or _FOLLOWING.match(key, join.start() + 1):
            continue
        cuts.append(orig[start:join.start()])
        start = join.end()
    cuts.append(orig[start:])
    return [c for c in cuts if _ALNUM.search(c)]


def _parse_piece(orig: str, key: str, year: int | None, compound: bool) -> tuple[list[Milestone], bool]:
    if "hoach" in key and _PLANNED_YEARLY.search(key):
        return [Milestone(None, "recurring", None, _YEARLY)], True
    milestone, ok = _parse_part(orig, key, year, compound)
    if milestone.due is None:
        return [milestone], ok
    # Substring tests first: most cells hold none of these words, and `in` costs little.
    start = _START_ONLY.search(key) if "tu " in key else None
    if start is not None:
        rest = key[start.end():]
        if _UNTIL_EVENT.search(rest):
            return [Milestone(milestone.label, "event", None)], ok
        if not _UNTIL.search(rest):
            # "Triển khai từ năm 2026": a start with no end is ongoing work.
            return [Milestone(milestone.label, "ongoing", None)], ok
    before = _BEFORE_YEAR.search(key) if "truoc" in key else None
    if before is not None and milestone.kind == "year" and milestone.due.year == int(before.group(1)):
        # "trước năm 2027" means by the end of 2026.
        milestone = Milestone(milestone.label, "year", date(milestone.due.year - 1, 12, 31))
    if milestone.recurrence and _FOLLOWING.search(key):
        return [Milestone(milestone.label, milestone.kind, milestone.due),
                Milestone(milestone.label, "recurring", None, milestone.recurrence)], ok
    return [milestone], ok


def parse_deadline(text: str, year: int | None) -> list[Milestone]:
    """Milestones of a deadline cell; never empty. Raises DeadlineError for impossible dates."""
    return parse_deadline_checked(text, year)[0]


# ---------------------------------------------------------------------------
# The plan's year

_LINE_SPLIT = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+")
_TITLE_START = re.compile(r"[\s*_#]*(?:ke\s*hoach|chuong\s*trinh)\b")
_DATE_LINE = re.compile(rf"ngay\s*[0-9]{{1,2}}\s*thang\s*[0-9]{{1,2}}\s*nam\s*({_Y4})(?![0-9])")
_TITLE_YEAR = re.compile(rf"\bnam\s*({_Y4})(?![0-9])")
_CITED_DATE = re.compile(r"thang\s*[0-9]{1,2}\s*$")
_TARGET = re.compile(r"\b(?:den|toi|tam\s*nhin|truoc|sau)\s*$")


def _title_year(key: str) -> int | None:
    for m in _TITLE_YEAR.finditer(key):
        # "ngày 19 tháng 01 năm 2023" inside a title cites another document, and
        # "… đến năm 2030" or "tầm nhìn năm 2045" is a target, not the plan's year.
        if not _CITED_DATE.search(key, 0, m.start()) and not _TARGET.search(key, 0, m.start()):
            return int(m.group(1))
    return None


def find_plan_year(text: str) -> int | None:
    """The plan's year: from its title ("KẾ HOẠCH … năm 2023"), else from its date line."""
    lines = [_SPACES.sub(" ", ln).strip() for ln in _LINE_SPLIT.split(_nfc(text or ""))]
    keys = [_fold(ln) for ln in lines if ln]
    title: set[int] = set()
    for i, key in enumerate(keys):
        if _TITLE_START.match(key):
            title = {i}
            year = _title_year(key)
            if year is None and len(key.split()) <= 3 and i + 1 < len(keys):
                title.add(i + 1)
                year = _title_year(keys[i + 1])  # the title's words are on the next line
            if year is not None:
                return year
            break
    for i, key in enumerate(keys):
        if i in title:
            continue  # a date in the title is cited, not the plan's
        m = _DATE_LINE.search(key)
        if m:
            return int(m.group(1))
    return None
