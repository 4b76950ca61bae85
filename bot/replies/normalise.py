"""The folded key a reply is matched on, and the way back to the person's own spelling.

The key is the NFC text with combining marks dropped, đ -> d, casefolded, spaces collapsed,
and phone shorthand spelled out ("ko" -> "khong", "dc" -> "duoc", "r" -> "roi"). For every key
character `where` keeps the index of the character it came from, so a span found in the key
cuts the original and a reason keeps the person's own spelling.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Only shorthand that means one thing in a status reply; "e", "a", "c" (em, anh, chị) clash
# with "ạ" and are listed where the vocabulary needs them instead.
ABBREVIATIONS = {
    "ko": "khong", "k": "khong", "kh": "khong", "khg": "khong", "hok": "khong", "hem": "khong",
    "kp": "khong phai", "dc": "duoc", "dk": "duoc", "r": "roi", "rui": "roi", "oy": "roi",
    "bc": "bao cao", "hs": "ho so", "j": "gi", "nx": "nua", "cx": "cung", "vs": "voi",
    "ntn": "nhu the nao", "mik": "minh", "mk": "minh", "tg": "thoi gian", "chx": "chua",
    "hnay": "hom nay", "hqua": "hom qua", "cn": "chu nhat",
    "t2": "thu 2", "t3": "thu 3", "t4": "thu 4", "t5": "thu 5", "t6": "thu 6", "t7": "thu 7",
    "oke": "ok", "okie": "ok", "oki": "ok", "okela": "ok", "okay": "ok", "okk": "ok",
    # typing slips seen on phones
    "xog": "xong", "xg": "xong", "xonh": "xong", "xomg": "xong", "xongg": "xong",
    "xonng": "xong", "dnag": "dang", "dag": "dang", "dg": "dang",
    "lamf": "lam", "chuaw": "chua", "thnah": "thanh", "hoanf": "hoan", "duowc": "duoc",
}
# Symbols that are words in a chat reply.
SYMBOLS = {"✅": "xong", "✔": "xong", "☑": "xong", "👍": "ok", "👌": "ok", "🆗": "ok"}

_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Folded:
    text: str  # the NFC original
    key: str
    where: tuple[int, ...]

    def original(self, start: int, end: int) -> str:
        """The original text behind key[start:end]."""
        if start >= end:
            return ""
        return self.text[self.where[start] : self.where[end - 1] + 1]

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.where[start], self.where[end - 1] + 1


@lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    if ch in SYMBOLS:
        return f" {SYMBOLS[ch]} "
    if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return ""  # stray marks, variation selectors, zero-width joiners carry no meaning here
    decomposed = unicodedata.normalize("NFD", ch.casefold().replace("đ", "d"))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " " if folded.isspace() else folded


def fold(text: str) -> Folded:
    """The folded key of `text` (normalised to NFC first)."""
    original = unicodedata.normalize("NFC", text or "")
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(original):
        for c in _fold_char(ch):
            if c == " " and (not chars or chars[-1] == " "):
                continue
            chars.append(c)
            where.append(i)
    if chars and chars[-1] == " ":
        chars.pop()
        where.pop()
    key = "".join(chars)
    if not any(m.group() in ABBREVIATIONS for m in _TOKEN.finditer(key)):
        return Folded(original, key, tuple(where))
    out: list[str] = []
    out_where: list[int] = []
    last = 0
    for m in _TOKEN.finditer(key):
        long = ABBREVIATIONS.get(m.group())
        if long is None:
            continue
        out.append(key[last : m.start()])
        out_where.extend(where[last : m.start()])
        out.append(long)
        # The whole expansion points at the shorthand, first and last character alike.
        out_where.extend([where[m.start()]] * (len(long) - 1) + [where[m.end() - 1]])
        last = m.end()
    out.append(key[last:])
    out_where.extend(where[last:])
    return Folded(original, "".join(out), tuple(out_where))
