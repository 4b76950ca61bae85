"""The reply language: what a person meant by a chat message.

Pure: no I/O, no clock. `today`, the plan's year, the writer's role and the item codes of
their plans are parameters. Matching runs on the folded key of `bot.replies.normalise`
(no diacritics, phone shorthand spelled out); dates are read by `bot.replies.dates`; every
reason is cut from the original text, in the writer's own spelling.

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

import datetime as dt
import re
from dataclasses import dataclass

from bot.replies.dates import Found, find_date, find_dates
from bot.replies.normalise import Folded, fold

__all__ = ["INTENTS", "ROLES", "Understood", "read_reply"]

INTENTS = ("done", "progress", "not_yet", "promise", "extend", "snooze", "undo", "help",
           "approve", "reject", "note", "unknown", "choice")
ROLES = ("official", "chairman", "admin")
_DECIDERS = frozenset({"chairman", "admin"})


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
# The vocabulary, in folded text

_CODE_HEAD = r"(?:[0-9]{1,2}|[ivx]{1,4})"
_CODE_TAIL = r"(?:\.[0-9]{1,3})"
_CODE_END = r"(?![\w/%]|\.[0-9])(?!\s*(?:%|phan\s+tram\b))"
_CODE = re.compile(
    rf"(?<!\w)(?:muc|nhiem\s+vu|nv|stt|viec)\s*(?:so\s*)?"
    rf"(?P<marked>{_CODE_HEAD}{_CODE_TAIL}*){_CODE_END}"
    rf"|(?<![\w./])(?P<plain>{_CODE_HEAD}{_CODE_TAIL}+){_CODE_END}"
)
_DATE_WORD_BEFORE = re.compile(r"(?<!\w)(?:ngay|mung|den|toi|sang|truoc|hom|vao|tu)\s*$")
_TIME_WORD_BEFORE = re.compile(r"(?<!\w)luc\s*$")
_VERB_BEFORE = re.compile(r"(?<!\w)(?:han|lui|hoan|doi)\s*$")
# "hết 2.5 triệu": an amount, neither an item nor a day.
_AMOUNT_AFTER = re.compile(
    r"\s*(?:trieu|tr|ty|ti|ti\s+dong|nghin|ngan|k|dong|d|vnd|usd|m2|m|km|ha|kg|tan|lit"
    r"|nguoi|luot|ban|cuon|to|chiec|cai|bo)(?!\w)")
_MONEY_BEFORE = re.compile(r"(?<!\w)(?:het|ton|gia|mat|tien|phi|kinh\s+phi|tong\s+cong)\s*$")

_PERCENT = re.compile(
    r"(?<![\w.])(?<![0-9],)(?P<num>[0-9]+)(?:[.,][0-9]+)?\s*(?:%|phan\s+tram(?!\w))"
    r"|(?<!\w)(?:mot|phan|khoang|duoc|dat|moi|gan|tam|chung)\s+(?P<half>nua)(?!\w)"
    r"|(?<!\w)(?:duoc|khoang|moi|dat|tam|chung|xong)\s+(?:(?:khoang|tam|chung|co)\s+)?"
    r"(?P<fa>[1-3])\s*/\s*(?P<fb>[2-4])(?![\w/.])"
    r"|(?<!\w)(?P<qa>mot|hai|ba)\s+phan\s+(?P<qb>tu|ba|hai)(?!\w)"
)
_PERCENT_LEAD = r"(?:(?:duoc|dat|khoang|tam|hon|gan|moi|chi|len|toi|den|la|xong)\s+)*"
_DONE_PERCENT_GAP = re.compile(r"[\s,:\-]*(?:(?:duoc|dat|khoang|tam|roi|la)(?!\w)[\s,:\-]*)*")

_WHO = r"(?:em|e|toi|minh|chung\s+em|xa|phep|duoc|anh|a|chi|c)"
_TASK_VERB = (
    r"(?:lam|thuc\s+hien|trien\s+khai|tien\s+hanh|xu\s+ly|bat\s+dau|kip|xong|hoan\s+(?:thanh|tat))"
)
_DONE_WORD = r"(?:xong(?:\s+xuoi)?|hoan\s+(?:thanh|tat)|done|finish(?:ed)?)"
# Verbs whose past tense closes an item ("đã gửi bc lên huyện") and whose future promises it.
# Ongoing work ("đã công khai đủ 12 thủ tục") is news about an item, not its end.
_DELIVER = r"(?:gui|nop|trinh|ky|bao\s+cao|ban\s+hanh|phat\s+hanh|to\s+chuc|chuyen)"
_DO = rf"(?:{_DELIVER}|lam|xu\s+ly|thuc\s+hien|trien\s+khai|hoan\s+thien|{_DONE_WORD})"
_PAST = r"(?:da|vua|moi)"
_WORKED = r"(?:lam|thuc\s+hien|trien\s+khai)"
_SUBJECT = r"(?:(?:em|e|toi|minh|xa|anh|chi|ben\s+em)\s+)?"
_MARKERS = re.compile(
    r"(?<!\w)(?:"
    r"(?P<undo>(?:bam|go|an|nhan|bao|ghi|gui|tra\s+loi|noi|chon)\s+(?:nham|lon|sai)(?:\s+roi)?"
    r"|nham(?:\s+roi)?|lon\s+roi|sai\s+roi|rut\s+lai|undo"
    r"|(?<!bi\s)huy(?:\s+(?:bo|tin|cau|tra\s+loi|bao\s+cao|di))?(?!\s+(?:bo\s+)?(?:ke\s+hoach|hoi\s+nghi)))"
    r"|(?P<snooze>(?<!dung\s)(?<!khoi\s)(?<!can\s)(?<!tin\s)nhac(?=\s+(?:lai|sau|em|e|toi|minh|anh|chi|giup|ho|lan\s+sau|nhe|nha|a|vao"
    r"|luc|thu|mai|tuan|ngay|chu|hom|sang|chieu|toi)(?!\w)|\s*$)"
    r"|(?:de|tinh|noi|bao|tra\s+loi|lam)\s+sau(?!\s+(?:[0-9]|mot|hai|ba|bon|nam|vai|khi|tet)))"
    r"|(?P<help>help|hdsd|xin\s+huong\s+dan"
    # questions about an item: "3.10 hết hạn chưa ạ", "bao giờ phải nộp 3.10"
    r"|(?:xong|het\s+han|den\s+han|gui|nop|lam|ky|hoan\s+thanh)\s+chua"
    r"(?=(?:\s+(?:a|em|e|anh|chi|nhi|ha|vay|the))*[\s?]*$)"
    r"|(?:bao\s+gio|khi\s+nao|ngay\s+nao|hom\s+nao)(?=.*\?\s*$|\s*$|\s+(?:(?:thi|la|phai)\s+)*"
    r"(?:het\s+han|den\s+han|nop|gui))"
    r"|huong\s+dan(?=\s+(?:su\s+dung|cach|em|e|toi|minh|voi|giup|di|nhe|nha|a)(?!\w)|\s*[?]*$)|tro\s+giup|cach\s+(?:dung|lam|tra\s+loi|bao\s+cao|go|su\s+dung)"
    r"|lam\s+(?:sao|the\s+nao|nhu\s+the\s+nao)|go\s+(?:gi|the\s+nao|sao|nhu\s+the\s+nao)"
    r"|(?:viec|muc|nhiem\s+vu)\s+(?:nao|gi)|con\s+(?:nhung\s+)?(?:viec|muc|nhiem\s+vu)"
    r"|(?:nhung\s+)?(?:viec|muc)\s+cua\s+(?:em|e|toi|minh)|danh\s+sach(?:\s+viec)?|menu)"
    rf"|(?P<extend>(?:(?:xin|de\s+nghi|cho|mong|muon)\s+(?:{_WHO}\s+)*)?"
    r"(?:gia\s+han|gian\s+han|lui|hoan(?!\s+(?:thanh|tat|thien|chinh|tra|nghenh))|keo\s+dai"
    r"|doi\s+(?:sang|lai|den|toi|han|ngay)|them\s+thoi\s+gian)"
    rf"|(?:xin|can|cho)\s+(?:{_WHO}\s+)*them(?=\s+(?:[0-9]|mot|hai|ba|bon|nam|vai|it|thoi\s+gian)))"
    rf"|(?P<not_yet>(?:van\s+(?:con\s+)?|hien\s+(?:tai\s+|gio\s+|van\s+)?)?chua(?:\s+{_TASK_VERB})?"
    r"(?:\s+(?:xong|duoc|gi|het|ca))*"
    rf"|khong\s+(?:the\s+)?(?:(?:lam|thuc\s+hien|trien\s+khai)\s+)?(?:kip|xong|hoan\s+thanh|duoc))"
    r"|(?P<waiting>(?:dang|con|van\s+dang|van\s+con)(?=\s+(?:cho|doi)(?!\w)))"
    rf"|(?P<promise>(?:se|sap|du\s+kien(?:\s+se)?|chuan\s+bi|hua|de\s+{_WHO})\s+{_SUBJECT}"
    rf"(?:lam\s+)?{_DO})"
    rf"|(?P<progress>gan\s+(?:nhu\s+)?(?:lam\s+)?{_DONE_WORD}"
    rf"|{_PAST}\s+bat\s+dau(?:\s+lam)?"
    r"|dang(?:\s+(?:lam|thuc\s+hien|trien\s+khai|tien\s+hanh|xu\s+ly)(?:\s+do)?)?)"
    rf"|(?P<done>{_SUBJECT}(?:{_PAST}\s+)?(?:(?:lam|thuc\s+hien|trien\s+khai)\s+)?{_DONE_WORD}"
    r"(?:\s+(?:roi|het|ca|xong))*)"
    rf"|(?P<delivered>{_PAST}\s+(?:{_DELIVER}|{_WORKED})|{_WORKED}\s+roi"
    rf"|{_DELIVER}(?:\s+[^\s%]+){{0,5}}?\s+roi)"
    r"|(?P<wait_word>cho|doi)"
    rf"|(?P<act>{_DO})"
    r")(?!\w)"
)
_PAST_MARK = re.compile(rf"^{_PAST}\s|\broi\b")
_ROI = re.compile(r"(?<!\w)roi(?!\w)")
# A chairman's word on an extension, at the start of the message (after fillers and codes).
_DECISION = re.compile(
    r"(?<!\w)(?:"
    r"(?P<reject>khong(?=\s*(?:[,.!;]|$))|(?:khong|chua\s+the)\s+(?:(?:the|nen)\s+)?(?:duyet|dong\s+y|duoc|chap\s+(?:nhan|thuan)"
    r"|cho(?:\s+phep)?(?:\s+(?:lui|gia\s+han|hoan|doi|keo\s+dai))?)|tu\s+choi|bac(?:\s+bo)?)"
    r"|(?P<approve>(?:phe\s+)?duyet|dong\s+y|chap\s+(?:nhan|thuan)|nhat\s+tri|ok|duoc"
    r"|cho\s+(?:phep\s+)?(?:lui|gia\s+han|hoan|doi|keo\s+dai|them)(?!\s+(?:em|e|toi|minh)(?!\w)))"
    r")(?!\w)"
)

_CHOICE = re.compile(
    r"[^\w%]*(?:(?:da|vang|em)\s+)?(?:(?:chon|so|phuong\s+an)\s*)*(?P<n>[0-9]{1,3})"
    r"(?:[^\w%]*(?:a|nhe|nha))?[^\w%]*"
)
_QUESTION_ONLY = re.compile(r"[\s?]*\?[\s?]*")

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
_WORKED_ONLY = re.compile(rf"(?:{_PAST}\s+)?{_WORKED}(?!\w)")
_PARTICLES = re.compile(r"(?:\s+(?:dau|a|ak|ah|nhe|nha|anh|chi|em|e|oi|sep|ha|nhi))+(?=[\s,;.:!?]|$)")
_DONE_AGAIN = re.compile(rf"(?:(?:cung|deu)\s+)?{_DONE_WORD}(?:\s+(?:roi|het|ca))*")
_CAUSE_BEFORE = re.compile(r"(?:^|[.;!?]\s*)(?P<cause>[^.;!?]+?),?\s+nen\s*$")
_ALPHA_WORD = re.compile(r"[^\W\d_]+")
_SPACES = re.compile(r"\s+")
_CONDITION_BEFORE = re.compile(r"(?<!\w)(?:khi\s+nao|bao\s+gio|neu|khi|chung\s+nao)\s+(?:\S+\s+){0,2}$")
_THEN = re.compile(r"\s+thi(?!\w)")
_MONTH_ONLY = re.compile(r"thang\s+[0-9]")
_CLAUSE_BREAK = re.compile(r"[,;.!?]|(?<!\w)(?:con|nhung|va|con\s+lai)(?!\w)")
_DATE_PREPOSITION = re.compile(r"(?<!\w)(?:truoc|den|toi|vao|trong|het|cuoi)\s*$")

_FILLERS = frozenset(
    "ok uh uhm um u uk ukm vang da a ah ak ha roi alo chao xin hello hi e c "
    "bot em anh chi nhe nha cam on thanks thank you yes co khong duoc vay the sep ban oi "
    "hihi hehe haha hic nhi toi minh xa".split()
)


# ---------------------------------------------------------------------------
# Pieces


def _choice(key: str) -> int | None:
    m = _CHOICE.fullmatch(key)
    if m is None:
        return None
    n = int(m.group("n"))
    return n if 1 <= n <= 99 else None


def _percents(f: Folded) -> list[tuple[re.Match, int | None]]:
    """Each percentage with its value; None when outside 0..100."""
    found = []
    for m in _PERCENT.finditer(f.key):
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
    for m in _CODE.finditer(key):
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
    if _AMOUNT_AFTER.match(key, end) or _MONEY_BEFORE.search(key, 0, start):
        return "other"
    if code in known:
        return "code"
    parts = code.split(".")
    if len(parts) != 2 or not parts[0].isdigit():
        return "code"
    day, month = int(parts[0]), int(parts[1])
    if _TIME_WORD_BEFORE.search(key, 0, start) and day <= 23 and month <= 59:
        return "other"  # "lúc 8.30" is a time; neither a code nor a due date
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return "code"
    if _DATE_WORD_BEFORE.search(key, 0, start):
        return "date"
    # "gia hạn 15.3" is a day, but "gia hạn 3.1 15/3" names the item before its day; a
    # chairman's "đồng ý gia hạn 3.4" names the request's item.
    if _VERB_BEFORE.search(key, 0, start) and not deciding:
        return "code" if find_date(key, today, start=end) else "date"
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
    return _DONE_PERCENT_GAP.fullmatch(key, first.end(), second.start()) is not None


def _clean(f: Folded, start: int, end: int) -> str | None:
    """The original text of key[start:end] without connectors, codes, percentages, particles."""
    key = f.key
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
    return _SPACES.sub(" ", f.original(start, end)).strip()


def _cause_before(f: Folded, marker: re.Match) -> str | None:
    """The reason in "do chờ số liệu nên xin gia hạn": the clause ending in "nên"."""
    m = _CAUSE_BEFORE.search(f.key, 0, marker.start())
    return _clean(f, m.start("cause"), m.end("cause")) if m else None


def _reason(f: Folded, marker: re.Match) -> str | None:
    key = f.key
    if marker.lastgroup == "wait_word" or (
            marker.lastgroup == "delivered" and not _WORKED_ONLY.match(marker.group())):
        return _clean(f, marker.start(), len(key))  # what was sent, or what it waits for
    if marker.lastgroup == "not_yet" and marker.group().endswith("chua"):
        particles = _PARTICLES.match(key, marker.end())
        if particles:
            return _clean(f, particles.end(), len(key))  # "chưa đâu anh ơi, đang đợi xã bên"
        rest = _LEADING_PUNCT.match(key, marker.end()).end()
        joined = not key[marker.end() : rest].strip()
        if joined and rest < len(key) and _clean(f, rest, len(key)):
            # "chưa có hướng dẫn": what is missing is the reason, "chưa" included.
            return _clean(f, marker.end() - len("chua"), len(key))
    reason = _clean(f, marker.end(), len(key))
    if marker.lastgroup == "done" and reason and _DONE_AGAIN.fullmatch(fold(reason).key):
        return None  # "3.7 hoàn thành, 3.10 hoàn thành": the second item, not a note
    if reason is None and marker.lastgroup not in ("done", "delivered"):
        reason = _cause_before(f, marker)
    return reason


def _value(found: Found | None) -> dt.date | None:
    return found.value if found else None


def _extension(f: Folded, dkey: str, marker: re.Match, today: dt.date, year: int | None
               ) -> tuple[dt.date | None, str | None]:
    start = _LEADING_PUNCT.match(f.key, marker.end()).end()
    split = _REASON_SPLIT.search(f.key, start)
    date_end = split.start() if split else len(f.key)
    found = find_date(dkey, today, year, start=start, end=date_end)
    if found is None:
        found = find_date(dkey, today, year, end=marker.start())  # "20/4 em xin lùi"
    reason = _clean(f, split.end(), len(f.key)) if split else None
    return _value(found), reason or _cause_before(f, marker)


def _has_words(f: Folded, code_spans: list[tuple[int, int]]) -> bool:
    for m in _ALPHA_WORD.finditer(f.key):
        inside_code = any(a <= m.start() < b for a, b in code_spans)
        if not inside_code and m.group() not in _FILLERS:
            return True
    return False


def _decision(f: Folded, code_spans: list[tuple[int, int]]) -> list[re.Match]:
    """A decider's approve/reject words, when only fillers and codes stand before the first."""
    found = list(_DECISION.finditer(f.key))
    if not found:
        return []
    before = _blank(f.key[: found[0].start()], [s for s in code_spans if s[1] <= found[0].start()])
    if any(w.group() not in _FILLERS for w in _ALPHA_WORD.finditer(before)):
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
        if _MONTH_ONLY.match(dkey, item.start) and not _DATE_PREPOSITION.search(dkey, 0, item.start):
            continue
        coming.append(item)
    return coming


def _past_marked(key: str, m: re.Match) -> bool:
    """"đã xong", "xong rồi", "em xong từ hôm thứ 2 rồi": said of the past."""
    return bool(_PAST_MARK.search(m.group()) or _ROI.search(key, m.end(), _clause(key, m)[1]))


def _clause(key: str, m: re.Match) -> tuple[int, int]:
    """The clause around a marker: "xong 3.1, 3.4 tuần sau xong" has two."""
    starts = [b.end() for b in _CLAUSE_BREAK.finditer(key, 0, m.start())]
    after = _CLAUSE_BREAK.search(key, m.end())
    return (starts[-1] if starts else 0), (after.start() if after else len(key))


def _when(key: str, m: re.Match, coming: list[Found]) -> Found | None:
    start, end = _clause(key, m)
    return next((item for item in coming if start <= item.start and item.end <= end), None)


# ---------------------------------------------------------------------------


def read_reply(text: str, today: dt.date, *, year: int | None = None, role: str = "official",
               known_codes: frozenset[str] | set[str] | tuple[str, ...] = frozenset()
               ) -> Understood:
    """What a chat message means; never raises on any text.

    `known_codes` are the item codes of the writer's plans: such a token is an item even
    where it could be read as a day. `role` "chairman" or "admin" may approve or reject.
    """
    f = fold(text)
    key = f.key
    choice = _choice(key)
    if choice is not None:
        return Understood("choice", choice=choice, text=f.text)
    if _QUESTION_ONLY.fullmatch(key):
        return Understood("help", text=f.text)
    known = frozenset(code.upper() for code in known_codes)
    percents = _percents(f)
    deciding = role in _DECIDERS and _DECISION.search(key) is not None
    codes, code_spans, others = _codes(f, known, today, deciding)
    dkey = _blank(key, code_spans + others + [p.span() for p, _ in percents])
    dates = find_dates(dkey, today, year)
    percent = percents[0][1] if percents else None
    multi_percent = len({value for _, value in percents}) > 1

    def answer(intent: str, **fields) -> Understood:
        fields.setdefault("percent", percent)
        return Understood(intent, codes, text=f.text, **fields)

    markers = list(_MARKERS.finditer(key))
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
            split = _REASON_SPLIT.search(key, first.end())
            reason = _clean(f, split.end(), len(key)) if split else None
            return answer("reject", reason=reason or _clean(f, first.end(), len(key)))
        found = find_date(dkey, today, year, start=first.end())
        return answer("approve", date=_value(found))

    # A completion word with a coming day in its clause, and no "đã"/"rồi", is a promise:
    # "tuần sau xong". The promise's day is that one.
    coming = _future(dates, dkey, today)
    promised: Found | None = None
    status: list[tuple[str, re.Match]] = []
    for m in markers:
        kind = _kind(m)
        if m.lastgroup == "wait_word" and not _waits(f, m):
            continue
        if kind in ("act", "done") and m.lastgroup != "delivered":
            when = _when(key, m, coming)
            if when is not None and not _past_marked(key, m):
                kind, promised = "promise", promised or when
            elif kind == "done" and not _past_marked(key, m) and (
                    _CONDITION_BEFORE.search(key, 0, m.start()) or _THEN.match(key, m.end())):
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
