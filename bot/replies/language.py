"""The reply language: what a person meant by a chat message.

Pure: no I/O, no clock. `today`, the plan's year, the writer's role and the item codes of
their plans are parameters. The words are patterns in `bot.replies.vocabulary`, matched on
the folded key of `bot.replies.normalise` (no diacritics, phone shorthand spelled out);
dates are read by `bot.replies.dates`; every reason is cut from the original text, in the
writer's own spelling.

The intents, and how a message with several signs is read:
- `undo` ("nhầm rồi", "bấm nhầm", "gõ lộn", "huỷ") wins over everything else in the message:
  "chưa xong đâu, em gõ nhầm" takes back the last answer, it is not a new status.
- `approve`/`reject` only from a chairman or an admin, and only when the decision words open
  the message (fillers and codes may stand before them): a chairman's "đang chờ huyện duyệt"
  reports on an item. An official's "ok", "duyệt", "đồng ý" approve nothing. Approving and
  rejecting in one message is "unknown". A rejection's reason is the text after its words.
- `snooze` ("nhắc lại sau", "để sau", "thứ 2 nhắc em") with the day when given (a reminder's
  "tuần sau" is Monday). Beside "not yet" or "in progress" it is still a snooze; beside a
  completion, a promise or an extension it is "unknown".
- `help` ("help", "?", "hdsd", "việc nào", "em còn việc gì") only when no status is given.
- A completion word ("xong", "hoàn thành", "✅") or a work verb ("gửi", "nộp", "làm") with a
  coming day in the same clause, and no "đã"/"vừa"/"rồi", is a `promise` of that day:
  "tuần sau xong", "mai em làm", "mùng 8 Tết em gửi". "sẽ", "sắp", "dự kiến", "để em" make
  a promise without a day. A month alone ("báo cáo tháng 3") is a topic, not a day, unless
  "trước"/"đến"/"trong" stands before it. A past day ("xong hôm qua") keeps it `done`.
- `done`: a completion word, or a delivery verb in the past ("đã gửi bc lên huyện", "nộp hs
  rồi"), whose words are then its reason. Beside any other status -> "unknown"; a percentage
  right next to it qualifies it ("xong 80%" -> progress 80, "hoàn thành 100%" -> done 100).
- An extension absorbs "not yet", progress and promises ("chưa xong, xin gia hạn 2 tuần");
  a promise absorbs progress and "not yet" ("đang làm 50%, thứ 6 xong" -> promise, 50);
  progress absorbs "not yet" ("chưa xong, mới được 30%").
- `progress`: "đang làm", "gần xong", a percentage anywhere, halves and fractions after
  "được"/"khoảng"/"mới" ("mới được 1/4" = 25). Two different percentages -> "unknown"; a
  percentage outside 0..100 keeps "progress" with percent None, so the bot asks.
- `not_yet`: "chưa …", "không kịp"; waiting ("đang chờ", "còn đợi", "chờ ký") is not
  progress. After a bare "chưa" the missing thing is the reason, "chưa" included.
- `note`: words without a status. "in băng rôn hết 2.5 triệu": a dotted number followed by a
  unit or after a money word is an amount, never an item, even one of the person's codes.
- `unknown`: only codes, fillers or symbols; or two statuses in one message.
- `choice`: the whole message a number 1..99 ("2", "số 2", "2 ạ") answers a numbered list.
Codes: a dotted number is an item code; a bare integer only after "mục", "nv", "stt". A
dotted pair that reads as a day is a day after "ngày", "đến", "trước"…; right after "gia
hạn", "lùi", "hoãn", "dời" it is the item when another date follows ("gia hạn 3.1 15/3")
and the day otherwise ("gia hạn 15.3"). A known code of the person's plans is always the
item. After "lúc" it is a time of day.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.replies import vocabulary as v
from bot.replies.dates import Found, find_date, find_dates
from bot.replies.normalise import Folded, fold

__all__ = ["INTENTS", "ROLES", "Understood", "read_reply"]

INTENTS = ("done", "progress", "not_yet", "promise", "extend", "snooze", "undo", "help",
           "approve", "reject", "note", "unknown", "choice")
ROLES = ("official", "chairman", "admin")
_DECIDERS = frozenset({"chairman", "admin"})
_WINDOW = 24  # how far back a word that decides a token's meaning may stand


@dataclass(frozen=True, slots=True)
class Understood:
    intent: str
    codes: tuple[str, ...] = ()
    percent: int | None = None
    date: dt.date | None = None
    reason: str | None = None
    choice: int | None = None  # the number picked from a list the bot sent ("choice" only)
    text: str = ""

    def as_json(self) -> dict[str, object]:
        record: dict[str, object] = {
            "intent": self.intent, "codes": list(self.codes), "percent": self.percent,
            "date": self.date.isoformat() if self.date else None, "reason": self.reason}
        if self.intent == "choice":
            record["choice"] = self.choice
        return record


# ---------------------------------------------------------------------------
# Pieces


def _choice(key: str) -> int | None:
    m = v.CHOICE.fullmatch(key)
    if m is None:
        return None
    n = int(m.group("n"))
    return n if 1 <= n <= 99 else None


def _percents(f: Folded) -> list[tuple[re.Match, int | None]]:
    """Each percentage with its value; None when outside 0..100."""
    found = []
    for m in v.PERCENT.finditer(f.key):
        if m.group("half"):
            if f.text[f.where[m.start("half") + 1]] in "ữỮ":
                continue  # "một nữa" is "one more", not a half
            found.append((m, 50))
        elif m.group("fa"):
            share = round(100 * int(m.group("fa")) / int(m.group("fb")))
            found.append((m, share if share <= 100 else None))
        elif m.group("qa"):
            parts = {"mot": 1, "hai": 2, "ba": 3, "tu": 4}
            share = round(100 * parts[m.group("qa")] / parts[m.group("qb")])
            found.append((m, share if share <= 100 else None))
        else:
            digits = m.group("num").lstrip("0") or "0"
            value = int(digits) if len(digits) <= 3 else None
            found.append((m, value if value is not None and value <= 100 else None))
    return found


def _codes(f: Folded, known: frozenset[str], today: dt.date, deciding: bool
           ) -> tuple[tuple[str, ...], list[tuple[int, int]], list[tuple[int, int]]]:
    """Item codes in order, their key spans, and the key spans that are neither item nor day."""
    key = f.key
    found: dict[str, None] = {}
    spans: list[tuple[int, int]] = []
    not_dates: list[tuple[int, int]] = []
    for m in v.CODE.finditer(key):
        group = "marked" if m.group("marked") is not None else "plain"
        start, end = m.span(group)
        code = f.original(start, end).upper()
        if group == "plain":
            verdict = _plain_token(key, start, end, code, known, today, deciding)
            if verdict == "date":
                continue
            if verdict == "other":
                not_dates.append((start, end))
                continue
        found[code] = None
        spans.append((start, end))
    return tuple(found), spans, not_dates


def _plain_token(key: str, start: int, end: int, code: str, known: frozenset[str],
                 today: dt.date, deciding: bool) -> str:
    """Whether a dotted token is an item "code", a "date", or "other" (an amount, a time)."""
    if v.AMOUNT_AFTER.match(key, end) or v.MONEY_BEFORE.search(key, max(0, start - _WINDOW), start):
        return "other"
    if code in known:
        return "code"
    parts = code.split(".")
    if len(parts) != 2 or not parts[0].isdigit():
        return "code"
    day, month = int(parts[0]), int(parts[1])
    if v.TIME_WORD_BEFORE.search(key, max(0, start - _WINDOW), start) and day <= 23 and month <= 59:
        return "other"  # "lúc 8.30" is a time; neither a code nor a due date
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return "code"
    if v.DATE_WORD_BEFORE.search(key, max(0, start - _WINDOW), start):
        return "date"
    # "gia hạn 15.3" is a day, but "gia hạn 3.1 15/3" names the item before its day; a
    # chairman's "đồng ý gia hạn 3.4" names the request's item.
    if v.VERB_BEFORE.search(key, max(0, start - _WINDOW), start) and not deciding:
        return "code" if find_date(key, today, start=end, end=end + 2 * _WINDOW) else "date"
    return "code"


def _blank(key: str, spans: list[tuple[int, int]]) -> str:
    chars = list(key)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def _kind(m: re.Match) -> str:
    return {"waiting": "not_yet", "wait_word": "not_yet", "delivered": "done"}.get(
        m.lastgroup, m.lastgroup)


def _waits(f: Folded, m: re.Match) -> bool:
    """Whether a bare "cho"/"doi" was written "chờ"/"đợi" (waiting), not "cho" or "đổi"."""
    return f.original(m.start(), m.end()).casefold() in ("chờ", "đợi")


def _next_to(key: str, a: re.Match, b: re.Match) -> bool:
    first, second = (a, b) if a.start() <= b.start() else (b, a)
    if first.end() > second.start():
        return False
    return v.DONE_PERCENT_GAP.fullmatch(key, first.end(), second.start()) is not None


def _clean(f: Folded, start: int, end: int) -> str | None:
    """The original text of key[start:end] without connectors, codes, percentages, particles."""
    key = f.key
    while start < end:
        m = v.LEADING_JUNK.match(key, start, end)
        if m is None or m.end() == start:
            break
        start = m.end()
    while start < end:
        m = v.TRAILING_JUNK.search(key, start, end)
        if m is None or m.start() == end:
            break
        end = m.start()
    if not any(w.group() not in v.FILLERS for w in v.ALPHA_WORD.finditer(key, start, end)):
        return None  # "xong rồi, cảm ơn ạ": politeness is no reason
    return v.SPACES.sub(" ", f.original(start, end)).strip()


def _cause_before(f: Folded, marker: re.Match) -> str | None:
    """The reason in "do chờ số liệu nên xin gia hạn": the clause ending in "nên"."""
    m = v.CAUSE_BEFORE.search(f.key, 0, marker.start())
    return _clean(f, m.start("cause"), m.end("cause")) if m else None


def _reason(f: Folded, marker: re.Match) -> str | None:
    key = f.key
    if marker.lastgroup == "wait_word" or (
            marker.lastgroup == "delivered" and not v.WORKED_ONLY.match(marker.group())):
        return _clean(f, marker.start(), len(key))  # what was sent, or what it waits for
    if marker.lastgroup == "not_yet" and marker.group().endswith("chua"):
        particles = v.PARTICLES.match(key, marker.end())
        if particles:
            return _clean(f, particles.end(), len(key))  # "chưa đâu anh ơi, đang đợi xã bên"
        rest = v.LEADING_PUNCT.match(key, marker.end()).end()
        joined = not key[marker.end() : rest].strip()
        if joined and rest < len(key) and _clean(f, rest, len(key)):
            # "chưa có hướng dẫn": what is missing is the reason, "chưa" included.
            return _clean(f, marker.end() - len("chua"), len(key))
    reason = _clean(f, marker.end(), len(key))
    if marker.lastgroup == "done" and reason and v.DONE_AGAIN.fullmatch(fold(reason).key):
        return None  # "3.7 hoàn thành, 3.10 hoàn thành": the second item, not a note
    if reason is None and marker.lastgroup not in ("done", "delivered"):
        reason = _cause_before(f, marker)
    return reason


def _value(found: Found | None) -> dt.date | None:
    return found.value if found else None


def _extension(f: Folded, dkey: str, marker: re.Match, today: dt.date, year: int | None
               ) -> tuple[dt.date | None, str | None]:
    start = v.LEADING_PUNCT.match(f.key, marker.end()).end()
    split = v.REASON_SPLIT.search(f.key, start)
    date_end = split.start() if split else len(f.key)
    found = find_date(dkey, today, year, start=start, end=date_end)
    if found is None:
        found = find_date(dkey, today, year, end=marker.start())  # "20/4 em xin lùi"
    reason = _clean(f, split.end(), len(f.key)) if split else None
    return _value(found), reason or _cause_before(f, marker)


def _has_words(f: Folded, code_spans: list[tuple[int, int]]) -> bool:
    for m in v.ALPHA_WORD.finditer(f.key):
        inside_code = any(a <= m.start() < b for a, b in code_spans)
        if not inside_code and m.group() not in v.FILLERS:
            return True
    return False


def _decision(f: Folded, code_spans: list[tuple[int, int]]) -> list[re.Match]:
    """A decider's approve/reject words, when only fillers and codes stand before the first."""
    found = list(v.DECISION.finditer(f.key))
    if not found:
        return []
    before = _blank(f.key[: found[0].start()], [s for s in code_spans if s[1] <= found[0].start()])
    if any(w.group() not in v.FILLERS for w in v.ALPHA_WORD.finditer(before)):
        return []  # "đang chờ huyện duyệt" reports on an item; it decides nothing
    return found


def _future(found: list[Found], dkey: str, today: dt.date) -> list[Found]:
    """The dates that say when something will happen (not "báo cáo tháng 3")."""
    coming = []
    for item in found:
        if item.vague:
            coming.append(item)  # "sau Tết em làm": a promise without a day
            continue
        if item.value is None or item.value < today or item.past:
            continue
        if v.MONTH_ONLY.match(dkey, item.start) and not v.DATE_PREPOSITION.search(
                dkey, max(0, item.start - _WINDOW), item.start):
            continue
        coming.append(item)
    return coming


class _Clauses:
    """Where the clauses of a message start and end: "xong 3.1, 3.4 tuần sau xong" has two."""

    def __init__(self, key: str):
        self.key = key
        self.breaks = [(b.start(), b.end()) for b in v.CLAUSE_BREAK.finditer(key)]
        self.starts = [start for start, _ in self.breaks]

    def around(self, m: re.Match) -> tuple[int, int]:
        before = bisect.bisect_right(self.starts, m.start()) - 1
        start = self.breaks[before][1] if before >= 0 else 0
        after = bisect.bisect_left(self.starts, m.end())
        end = self.breaks[after][0] if after < len(self.breaks) else len(self.key)
        return start, end

    def past(self, m: re.Match) -> bool:
        """"đã xong", "xong rồi", "em xong từ hôm thứ 2 rồi": said of the past."""
        return bool(v.PAST_MARK.search(m.group()) or v.ROI.search(self.key, m.end(), self.around(m)[1]))

    def when(self, m: re.Match, coming: list[Found]) -> Found | None:
        start, end = self.around(m)
        return next((item for item in coming if start <= item.start and item.end <= end), None)


# ---------------------------------------------------------------------------


def read_reply(text: str, today: dt.date, *, year: int | None = None, role: str = "official",
               known_codes: Iterable[str] = ()) -> Understood:
    """What a chat message means; never raises on any text.

    `known_codes` are the item codes of the writer's plans: such a token is an item even
    where it could be read as a day. `role` "chairman" or "admin" may approve or reject.
    """
    f = fold(text)
    key = f.key
    choice = _choice(key)
    if choice is not None:
        return Understood("choice", choice=choice, text=f.text)
    if v.QUESTION_ONLY.fullmatch(key):
        return Understood("help", text=f.text)
    known = frozenset(map(str.upper, known_codes))
    percents = _percents(f)
    deciding = role in _DECIDERS and v.DECISION.search(key) is not None
    codes, code_spans, others = _codes(f, known, today, deciding)
    dkey = _blank(key, code_spans + others + [p.span() for p, _ in percents])
    dates = find_dates(dkey, today, year)
    percent = percents[0][1] if percents else None
    multi_percent = len({value for _, value in percents}) > 1

    def answer(intent: str, **fields) -> Understood:
        fields.setdefault("percent", percent)
        return Understood(intent, codes, text=f.text, **fields)

    markers = list(v.MARKERS.finditer(key))
    kinds = {_kind(m) for m in markers}
    if "undo" in kinds:
        return answer("undo")
    decisions = _decision(f, code_spans) if role in _DECIDERS else []
    if decisions:
        verdicts = {m.lastgroup for m in decisions}
        if len(verdicts) > 1:
            return answer("unknown")
        first = decisions[0]
        if "reject" in verdicts:
            split = v.REASON_SPLIT.search(key, first.end())
            reason = _clean(f, split.end(), len(key)) if split else None
            return answer("reject", reason=reason or _clean(f, first.end(), len(key)))
        found = find_date(dkey, today, year, start=first.end())
        return answer("approve", date=_value(found))

    # A completion word with a coming day in its clause, and no "đã"/"rồi", is a promise:
    # "tuần sau xong". The promise's day is that one.
    coming = _future(dates, dkey, today)
    clauses = _Clauses(key)
    promised: Found | None = None
    status: list[tuple[str, re.Match]] = []
    for m in markers:
        kind = _kind(m)
        if m.lastgroup == "wait_word" and not _waits(f, m):
            continue
        if kind in ("act", "done") and m.lastgroup != "delivered":
            when = clauses.when(m, coming)
            if when is not None and not clauses.past(m):
                kind, promised = "promise", promised or when
            elif kind == "done" and not clauses.past(m) and (
                    v.CONDITION_BEFORE.search(key, max(0, m.start() - 2 * _WINDOW), m.start()) or v.THEN.match(key, m.end())):
                kind = "promise"  # "khi nào xong em báo", "xong thì em báo": not finished yet
            elif kind == "act":
                continue
        status.append((kind, m))
    kinds = {kind for kind, _ in status}
    # The reason follows the first marker of the intent, a completion word before a delivery.
    ordered = sorted(status, key=lambda s: s[1].lastgroup == "delivered")
    first = {kind: next(m for k, m in ordered if k == kind) for kind in kinds}

    if "snooze" in kinds:
        if kinds & {"done", "extend", "promise"}:
            return answer("unknown")
        found = find_date(dkey, today, year, purpose="remind")
        return answer("snooze", date=_value(found))
    kinds.discard("snooze")
    if multi_percent:
        return answer("unknown")
    if ("help" in kinds and kinds <= {"help", "not_yet"}) or (not kinds and key.endswith("?")):
        return answer("help")  # "em còn việc gì chưa xong" asks; it reports nothing
    kinds.discard("help")
    if "done" in kinds:
        if kinds != {"done"}:
            return answer("unknown")
        done_markers = [m for k, m in status if k == "done"]
        if not percents:
            return answer("done", reason=_reason(f, first["done"]))
        if not all(any(_next_to(key, d, p) for d in done_markers) for p, _ in percents):
            return answer("unknown")
        intent = "done" if percents[0][1] == 100 else "progress"
        return answer(intent, reason=_reason(f, first["done"]))
    if "extend" in kinds:
        new_due, reason = _extension(f, dkey, first["extend"], today, year)
        return answer("extend", date=new_due, reason=reason)
    if "promise" in kinds:
        return answer("promise", date=_value(promised or (coming[0] if coming else None)))
    if "progress" in kinds:
        return answer("progress", reason=_reason(f, first["progress"]))
    if percents:
        return answer("progress", reason=_clean(f, percents[0][0].end(), len(key)))
    if "not_yet" in kinds:
        return answer("not_yet", reason=_reason(f, first["not_yet"]))
    if not _has_words(f, code_spans):
        return answer("unknown")  # only codes, fillers or symbols: nothing to record
    return answer("note")
