"""What an official meant by a chat reply: done, progress, not yet, a new date, a choice.

Pure functions, no I/O, no clock: `today` and the plan's year are parameters. Dates are
read by `bot.plan.deadlines.parse_reply_date`, never here.

Matching runs on a folded key (NFD, combining marks dropped, đ -> d, casefold, spaces
collapsed) that keeps, for every key character, the index of the character it came from in
the NFC text; a span found in the key therefore cuts the original, and `reason` keeps the
official's own spelling.

Decisions on ambiguous replies (the bot asks again whenever the intent is "unknown"):
- One message, several intents ("xong 3.7 còn 3.10 đang làm", "xong rồi nhưng chưa ký"):
  "unknown", with every code found. Two exceptions read as one intent: an extension absorbs
  "not yet" and "in progress" ("chưa xong, xin gia hạn 2 tuần" -> extend), and progress
  absorbs "not yet" ("chưa xong, mới được 30%" -> progress 30).
- A percentage is progress wherever it appears ("50%", "đã giảm 20% hồ sơ" alike). Right next
  to a completion word it qualifies it: "xong 80%" -> progress 80, "hoàn thành 100%" -> done
  with percent 100. Elsewhere beside a completion word it is a second clause -> "unknown".
  Two different percentages -> "unknown".
- A percentage outside 0..100 ("150%") keeps intent "progress" with percent None, so the bot
  asks for the figure instead of dropping the reply.
- The whole message a number 1..99 ("2", "số 2", "#2", "2.", "2 ạ") is a choice; "0" or "100"
  alone are "unknown". A dotted number ("2.8", "II.1") is an item code, never a choice; a bare
  integer is a code only after "mục", "nhiệm vụ", "nv" or "stt" ("mục 2 xong").
- Only codes, or only fillers ("ok", "rồi", "dạ", "vâng", greetings, thanks) -> "unknown".
  "ok đã gửi báo cáo" has real words but no completion word -> "note".
- "đang chờ …"/"đang đợi …" is waiting, hence "not_yet" (reason "chờ …"), not progress.
- "sắp xong", "sẽ hoàn thành", "đã bắt đầu" are progress without a percentage.
- A dotted pair is a date, not a code, after "ngày", "mùng", "đến", "tới", "sang", "trước",
  "hôm"; after "gia hạn", "lùi", "hoãn" too unless such a date word follows later
  ("gia hạn 15.3" is a date, "gia hạn 3.7 đến 30/4" names item 3.7). After "lúc" it is a time.
- Codes and a percentage are reported whatever the intent, "unknown" included, so the bot
  can ask about the right item.
- Extension dates: the text between the extension word and the first reason connector
  ("vì", "do", "lý do", "tại", "bởi", "để", ",", ";", ":") goes to `parse_reply_date`; when it
  holds no date, the text before the extension word is tried ("20/4 em xin lùi"). A date in the
  past is returned as written. An extension reason needs such a connector, or "… nên" before
  the extension word ("do chờ số liệu nên xin gia hạn").
- "chưa" followed by something that is not a task verb ("chưa có hướng dẫn của huyện") keeps
  "chưa" in the reason, since the missing thing is the reason.
- `reason` has its whitespace collapsed and loses leading connectors, codes, percentages and
  trailing particles ("ạ", "nhé", "đâu"); it is None for "note", "choice" and "unknown".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from bot.plan.deadlines import parse_reply_date

__all__ = ["INTENTS", "Reply", "understand"]

INTENTS = ("done", "progress", "not_yet", "extend", "note", "choice", "unknown")


@dataclass(frozen=True, slots=True)
class Reply:
    intent: str
    codes: tuple[str, ...] = ()
    percent: int | None = None
    new_due: date | None = None
    reason: str | None = None
    choice: int | None = None
    text: str = ""


# ---------------------------------------------------------------------------
# Folding


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return ""  # stray marks, variation selectors, zero-width joiners carry no meaning here
    decomposed = unicodedata.normalize("NFD", ch.casefold().replace("đ", "d"))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " " if folded.isspace() else folded


def _fold(text: str) -> tuple[str, list[int]]:
    """The folded key of NFC `text`, and for each key character its index in `text`."""
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        for c in _fold_char(ch):
            if c == " " and (not chars or chars[-1] == " "):
                continue
            chars.append(c)
            where.append(i)
    if chars and chars[-1] == " ":
        chars.pop()
        where.pop()
    return "".join(chars), where


def _original(text: str, where: list[int], start: int, end: int) -> str:
    return text[where[start] : where[end - 1] + 1] if start < end else ""


# ---------------------------------------------------------------------------
# The vocabulary, in folded text

_CODE_HEAD = r"(?:[0-9]{1,2}|[ivx]{1,4})"
_CODE_TAIL = r"(?:\.[0-9]{1,3})"
_CODE_END = r"(?![\w/%]|\.[0-9])(?!\s*(?:%|phan\s+tram\b))"
_CODE = re.compile(
    rf"(?<!\w)(?:muc|nhiem\s+vu|nv|stt)\s*(?:so\s*)?"
    rf"(?P<marked>{_CODE_HEAD}{_CODE_TAIL}*){_CODE_END}"
    rf"|(?<![\w./])(?P<plain>{_CODE_HEAD}{_CODE_TAIL}+){_CODE_END}"
)
_DATE_WORD_BEFORE = re.compile(r"(?<!\w)(?:ngay|mung|den|toi|sang|truoc|hom)\s*$")
_TIME_WORD_BEFORE = re.compile(r"(?<!\w)luc\s*$")
_EXTEND_WORD_BEFORE = re.compile(r"(?<!\w)(?:han|lui|hoan)\s*$")
_DATE_WORD_AFTER = re.compile(r"(?<!\w)(?:ngay|den|toi|sang|truoc)(?!\w)")

_PERCENT = re.compile(
    r"(?<![\w.])(?<![0-9],)(?P<num>[0-9]+)(?:[.,][0-9]+)?\s*(?:%|phan\s+tram(?!\w))"
    r"|(?<!\w)(?:mot|phan)\s+(?P<half>nua)(?!\w)"
)
_PERCENT_LEAD = r"(?:(?:duoc|dat|khoang|tam|hon|gan|moi|chi|len|toi|den|la|xong)\s+)*"
_DONE_PERCENT_GAP = re.compile(r"[\s,:\-]*(?:(?:duoc|dat|khoang|tam|roi|la)(?!\w)[\s,:\-]*)*")

_TASK_VERB = (
    r"(?:lam|thuc\s+hien|trien\s+khai|tien\s+hanh|xu\s+ly|bat\s+dau|kip|xong|hoan\s+(?:thanh|tat))"
)
_DONE_WORD = r"(?:xong(?:\s+xuoi)?|hoan\s+(?:thanh|tat))"
_WHO = r"(?:em|toi|xa|minh|chung\s+em|phep|duoc)"
_MARKERS = re.compile(
    r"(?<!\w)(?:"
    rf"(?P<extend>(?:(?:xin|de\s+nghi|cho)\s+(?:{_WHO}\s+)*)?"
    r"(?:gia\s+han|lui|hoan(?!\s+(?:thanh|tat|thien|chinh|tra|nghenh))|keo\s+dai"
    r"|doi\s+(?:sang|lai|den|toi|han)|them\s+thoi\s+gian)"
    rf"|(?:xin|can|cho)\s+(?:{_WHO}\s+)*them(?=\s+(?:[0-9]|mot|hai|ba|bon|nam|vai|it|thoi\s+gian)))"
    rf"|(?P<not_yet>(?:van\s+(?:con\s+)?|hien\s+(?:tai\s+|gio\s+|van\s+)?)?chua(?:\s+{_TASK_VERB})?"
    r"(?:\s+(?:xong|duoc|gi|het|ca))*"
    rf"|khong\s+(?:the\s+)?(?:(?:lam|thuc\s+hien|trien\s+khai)\s+)?(?:kip|xong|hoan\s+thanh|duoc))"
    r"|(?P<waiting>dang(?=\s+(?:cho|doi)(?!\w)))"
    rf"|(?P<progress>(?:sap|gan|se|du\s+kien(?:\s+se)?|chuan\s+bi)\s+(?:lam\s+)?{_DONE_WORD}"
    rf"|(?:nua|mai)\s+(?:(?:em|toi|minh|xa|se|thi)\s+)*(?:lam\s+)?{_DONE_WORD}"
    r"|(?:da|vua|moi)\s+bat\s+dau(?:\s+lam)?"
    r"|dang(?:\s+(?:lam|thuc\s+hien|trien\s+khai|tien\s+hanh|xu\s+ly)(?:\s+do)?)?)"
    rf"|(?P<done>(?:(?:da|vua|moi)\s+)?(?:(?:lam|thuc\s+hien|trien\s+khai)\s+)?{_DONE_WORD}"
    r"(?:\s+(?:roi|het))?|done)"
    r")(?!\w)"
)

_CHOICE = re.compile(
    r"[^\w%]*(?:(?:da|vang|em)\s+)?(?:(?:chon|so|phuong\s+an)\s*)*(?P<n>[0-9]{1,3})"
    r"(?:[^\w%]*(?:a|nhe|nha))?[^\w%]*"
)

_REASON_SPLIT = re.compile(
    r"\s*[,;:]|\s+-\s|\.(?:\s|$)"
    r"|(?<!\w)(?:vi|do|ly\s+do|tai\s+vi|tai|boi\s+vi|boi\s+le|boi|de|nham)(?!\w)"
)
_LEADING_PUNCT = re.compile(r"[\s,:;\-–—.!?]*")
_LEADING_JUNK = re.compile(
    r"[^\w(\[\"']+"
    r"|(?:vi|do|ly\s+do|la|boi\s+vi|boi|tai\s+vi|tai|nen|nhung|con|va|roi"
    r"|a|ak|nhe|nha|dau|ma|voi)(?!\w)"
    r"|ca(?=\s+(?:muc\s+)?[0-9ivx])"
    rf"|{_PERCENT_LEAD}(?:[0-9]+(?:[.,][0-9]+)?\s*(?:%|phan\s+tram)|(?:mot|phan)\s+nua)(?!\w)"
    rf"|(?:(?:muc|nhiem\s+vu|nv|stt)\s*)?{_CODE_HEAD}{_CODE_TAIL}+(?![\w/])"
    rf"|(?:muc|nhiem\s+vu|nv|stt)\s*{_CODE_HEAD}(?![\w/])"
)
_TRAILING_JUNK = re.compile(
    r"(?:[^\w)\]\"'%]+"
    r"|(?<!\w)(?:(?:anh|chi|em|sep)\s+)?(?:a|ak|ah|nhe|nha|nhi|dau|ha)"
    rf"|(?<!\w){_PERCENT_LEAD}[0-9]+(?:[.,][0-9]+)?\s*(?:%|phan\s+tram)"
    rf"|(?<![\w./])(?<!luc\s){_CODE_HEAD}{_CODE_TAIL}+)$"
)
_CAUSE_BEFORE = re.compile(r"(?:^|[.;!?]\s*)(?P<cause>[^.;!?]+?),?\s+nen\s*$")
_ALPHA_WORD = re.compile(r"[^\W\d_]+")
_ALNUM = re.compile(r"[^\W_]")
_SPACES = re.compile(r"\s+")

_FILLERS = frozenset(
    "ok oke okie okay okela uh uhm um u uk ukm vang da a ah ak ha roi alo chao xin hello hi "
    "bot em anh chi nhe nha cam on thanks thank you yes co khong duoc vay the sep ban oi "
    "hihi hehe haha hic nhi".split()
)


# ---------------------------------------------------------------------------
# Pieces


def _choice(key: str) -> int | None:
    m = _CHOICE.fullmatch(key)
    if m is None:
        return None
    n = int(m.group("n"))
    return n if 1 <= n <= 99 else None


def _not_a_code(key: str, m: re.Match) -> bool:
    """Whether a dotted pair is a day or a time of day rather than an item code."""
    parts = m.group("plain").split(".")
    if len(parts) != 2 or not parts[0].isdigit():
        return False
    if _TIME_WORD_BEFORE.search(key, 0, m.start()) and int(parts[0]) <= 23 and int(parts[1]) <= 59:
        return True  # "lúc 8.30" is a time; neither a code nor a due date
    if not (1 <= int(parts[0]) <= 31 and 1 <= int(parts[1]) <= 12):
        return False
    if _DATE_WORD_BEFORE.search(key, 0, m.start()):
        return True
    # "gia hạn 15.3" is a day, but "gia hạn 3.7 đến 30/4" names the item before its day.
    extension = _EXTEND_WORD_BEFORE.search(key, 0, m.start())
    return extension is not None and not _DATE_WORD_AFTER.search(key, m.end())


def _codes(key: str, text: str, where: list[int]) -> tuple[tuple[str, ...], list[tuple[int, int]]]:
    """Item codes in order of appearance, and their spans in `text`."""
    found: dict[str, None] = {}
    spans = []
    for m in _CODE.finditer(key):
        group = "marked" if m.group("marked") is not None else "plain"
        if m.group(group) is None or (group == "plain" and _not_a_code(key, m)):
            continue
        start, end = m.span(group)
        found[_original(text, where, start, end).upper()] = None
        spans.append((where[start], where[end - 1] + 1))
    return tuple(found), spans


def _percents(key: str, text: str, where: list[int]) -> list[tuple[re.Match, int | None]]:
    """Each percentage with its value; None when outside 0..100."""
    found = []
    for m in _PERCENT.finditer(key):
        if m.group("half"):
            if text[where[m.start("half") + 1]] in "ữỮ":
                continue  # "một nữa" is "one more", not a half
            found.append((m, 50))
            continue
        digits = m.group("num").lstrip("0") or "0"
        value = int(digits) if len(digits) <= 3 else None
        found.append((m, value if value is not None and value <= 100 else None))
    return found


def _kind(m: re.Match) -> str:
    return "not_yet" if m.lastgroup == "waiting" else m.lastgroup


def _next_to(key: str, a: re.Match, b: re.Match) -> bool:
    first, second = (a, b) if a.start() <= b.start() else (b, a)
    if first.end() > second.start():
        return False
    return _DONE_PERCENT_GAP.fullmatch(key, first.end(), second.start()) is not None


def _decide(
    key: str, markers: list[re.Match], percents: list[tuple[re.Match, int | None]]
) -> tuple[str, re.Match | None]:
    """The intent ("note" when nothing was recognised), and the match its reason follows."""
    kinds = {_kind(m) for m in markers}
    if len({value for _, value in percents}) > 1:
        return "unknown", None
    first = {kind: next(m for m in markers if _kind(m) == kind) for kind in kinds}
    if "done" in kinds:
        if kinds != {"done"}:
            return "unknown", None
        if not percents:
            return "done", first["done"]
        done_markers = [m for m in markers if _kind(m) == "done"]
        if not all(any(_next_to(key, d, p) for d in done_markers) for p, _ in percents):
            return "unknown", None
        return ("done" if percents[0][1] == 100 else "progress"), first["done"]
    if "extend" in kinds:
        return "extend", first["extend"]
    if "progress" in kinds:
        return "progress", first["progress"]
    if percents:
        return "progress", percents[0][0]
    if "not_yet" in kinds:
        return "not_yet", first["not_yet"]
    return "note", None


def _clean(text: str, where: list[int], key: str, start: int, end: int) -> str | None:
    """The original text of key[start:end] without connectors, codes, percentages, particles."""
    while start < end:
        m = _LEADING_JUNK.match(key, start, end)
        if m is None or m.end() == start:
            break
        start = m.end()
    while start < end:
        m = _TRAILING_JUNK.search(key, start, end)
        if m is None or m.start() == end:
            break
        end = m.start()
    if not any(w.group() not in _FILLERS for w in _ALPHA_WORD.finditer(key, start, end)):
        return None  # "xong rồi, cảm ơn ạ": politeness is no reason
    return _SPACES.sub(" ", _original(text, where, start, end)).strip()


def _cause_before(text: str, where: list[int], key: str, marker: re.Match) -> str | None:
    """The reason in "do chờ số liệu nên xin gia hạn": the clause ending in "nên"."""
    m = _CAUSE_BEFORE.search(key, 0, marker.start())
    return _clean(text, where, key, m.start("cause"), m.end("cause")) if m else None


def _reason(text: str, where: list[int], key: str, marker: re.Match) -> str | None:
    if marker.lastgroup == "not_yet" and marker.group().endswith("chua"):
        rest = _LEADING_PUNCT.match(key, marker.end()).end()
        joined = not key[marker.end() : rest].strip()
        if joined and rest < len(key) and _clean(text, where, key, rest, len(key)):
            # "chưa có hướng dẫn": what is missing is the reason, "chưa" included.
            return _clean(text, where, key, marker.end() - len("chua"), len(key))
    reason = _clean(text, where, key, marker.end(), len(key))
    if reason is None and marker.lastgroup != "done":
        reason = _cause_before(text, where, key, marker)
    return reason


def _date_in(
    text: str, where: list[int], start: int, end: int, code_spans: list[tuple[int, int]],
    today: date, plan_year: int | None,
) -> date | None:
    if start >= end:
        return None
    lo, hi = where[start], where[end - 1] + 1
    chars = list(text[lo:hi])
    for a, b in code_spans:
        for i in range(max(a, lo), min(b, hi)):
            chars[i - lo] = " "  # "3.7" is an item, never a day
    snippet = "".join(chars)
    if not _ALNUM.search(snippet):
        return None
    try:
        return parse_reply_date(snippet, today, plan_year)
    except (ValueError, OverflowError):
        return None  # an impossible day ("31/2") is a date not understood; the bot asks


def _extension(
    text: str, where: list[int], key: str, marker: re.Match, code_spans: list[tuple[int, int]],
    today: date, plan_year: int | None,
) -> tuple[date | None, str | None]:
    start = _LEADING_PUNCT.match(key, marker.end()).end()
    split = _REASON_SPLIT.search(key, start)
    date_end = split.start() if split else len(key)
    new_due = _date_in(text, where, start, date_end, code_spans, today, plan_year)
    if new_due is None:
        new_due = _date_in(text, where, 0, marker.start(), code_spans, today, plan_year)
    reason = _clean(text, where, key, split.end(), len(key)) if split else None
    return new_due, reason or _cause_before(text, where, key, marker)


def _has_words(key: str, where: list[int], code_spans: list[tuple[int, int]]) -> bool:
    for m in _ALPHA_WORD.finditer(key):
        inside_code = any(a <= where[m.start()] < b for a, b in code_spans)
        if not inside_code and m.group() not in _FILLERS:
            return True
    return False


# ---------------------------------------------------------------------------


def understand(text: str, today: date, plan_year: int | None = None) -> Reply:
    """What a chat reply means; never raises on any text."""
    original = unicodedata.normalize("NFC", text or "")
    key, where = _fold(original)
    choice = _choice(key)
    if choice is not None:
        return Reply("choice", choice=choice, text=original)
    codes, code_spans = _codes(key, original, where)
    markers = list(_MARKERS.finditer(key))
    percents = _percents(key, original, where)
    intent, anchor = _decide(key, markers, percents)
    percent = percents[0][1] if percents else None
    if intent == "note" and not _has_words(key, where, code_spans):
        intent = "unknown"  # only codes, fillers or symbols: nothing to record
    if intent in ("note", "unknown"):
        return Reply(intent, codes, percent, text=original)
    if intent == "extend":
        new_due, reason = _extension(original, where, key, anchor, code_spans, today, plan_year)
        return Reply("extend", codes, percent, new_due, reason, text=original)
    reason = _reason(original, where, key, anchor)
    return Reply(intent, codes, percent, reason=reason, text=original)
