"""Dates, codes and roles in the reply language, and that no text breaks it. The table of what
messages mean is tests/test_reply_language.py."""

from __future__ import annotations

import json
import unicodedata
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.replies import INTENTS, ROLES, read_reply

TODAY = date(2023, 3, 8)  # a Wednesday
YEAR = 2023


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_the_original_text_is_kept_composed():
    reply = read_reply(nfd("Chưa, chờ huyện"), TODAY, year=YEAR)
    assert reply.text == "Chưa, chờ huyện"
    assert reply.reason == "chờ huyện"


def test_a_code_mentioned_twice_is_listed_once():
    assert read_reply("3.7 xong, nhắc lại 3.7 đã xong", TODAY).codes == ("3.7",)


def test_without_a_plan_year_a_short_date_is_its_next_occurrence():
    assert read_reply("gia hạn 15/3", date(2024, 3, 1)).date == date(2024, 3, 15)
    assert read_reply("gia hạn 15/3", date(2024, 3, 20)).date == date(2025, 3, 15)


def test_a_short_date_in_late_december_rolls_into_the_next_year():
    assert read_reply("gia hạn 15/1", date(2023, 12, 20), year=2024).date == date(2024, 1, 15)
    assert read_reply("gia hạn 15/1", date(2023, 12, 20)).date == date(2024, 1, 15)


def test_a_plan_of_a_later_year_holds_its_short_dates():
    assert read_reply("gia hạn 15/3", TODAY, year=2024).date == date(2024, 3, 15)


def test_a_plan_year_beyond_the_calendar_is_ignored():
    assert read_reply("gia hạn 15/3", TODAY, year=99999).date == date(2023, 3, 15)


def test_relative_dates_count_from_the_given_day():
    assert read_reply("xin thêm 1 tuần", date(2023, 6, 1)).date == date(2023, 6, 8)
    assert read_reply("tuần sau xong", date(2023, 6, 4)).date == date(2023, 6, 9)  # a Sunday


def test_tet_comes_from_the_vietnamese_lunar_calendar():
    # 2007 is a year where Vietnam's Tết (17/2) falls a day before China's.
    assert read_reply("mùng 1 Tết em gửi", date(2006, 12, 1)).date == date(2007, 2, 17)
    assert read_reply("mùng 8 Tết em gửi", date(2024, 2, 20)).date == date(2025, 2, 5)


def test_a_known_code_beats_the_date_it_looks_like():
    assert read_reply("gia hạn 3.1", TODAY).date == date(2024, 1, 3)
    assert read_reply("gia hạn 3.1", TODAY, known_codes={"3.1"}).codes == ("3.1",)


def test_only_a_chairman_or_an_admin_decides():
    assert [read_reply("đồng ý", TODAY, role=role).intent for role in ROLES] == [
        "note", "approve", "approve"]
    # An official's "cho lùi" asks for more time.
    assert read_reply("ok cho lùi", TODAY).intent == "extend"


# --- never raises

FRAGMENTS = st.sampled_from([
    "xong", "đã xong", "chưa", "đang làm", "gia hạn", "xin lùi", "đến", "15/3", "31/2", "3.7",
    "II.1", "50%", "150%", "99999999999%", "một nửa", "vì", "do", "nên", ",", ".", "ạ", "👍",
    "thứ sáu tuần sau", "2 tuần", "cuối tháng", "số", "#", "2", "0", "mục", "lúc 8.30", "ngày",
    "15.3.2023", "\u0301", "\u200d", "Đ", "ẞ", "İ", "\n", "  ", "mùng 99 Tết", "tết", "nhầm",
    "duyệt", "không được", "nhắc lại", "help", "?", "mai", "1/4", "ko", "dc", "r", "✅",
    "ngày 31", "tháng 13", "32/13/99999", "999 tuần", "9999 năm",
])
TEXTS = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(FRAGMENTS, st.text(max_size=6)), max_size=10).map(" ".join),
)
DATED = frozenset({"promise", "extend", "snooze", "approve"})
REASONED = frozenset({"done", "progress", "not_yet", "extend", "reject"})


@settings(max_examples=400, deadline=None)
@given(TEXTS, st.one_of(st.none(), st.integers(min_value=1900, max_value=2200)),
       st.sampled_from(ROLES), st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 1, 1)))
def test_any_text_gives_a_valid_reading_and_never_raises(text, plan_year, role, today):
    read = read_reply(text, today, year=plan_year, role=role, known_codes={"3.7", "2.5"})
    assert read.intent in INTENTS
    assert read.percent is None or 0 <= read.percent <= 100
    assert (read.choice is not None) == (read.intent == "choice")
    assert read.date is None or read.intent in DATED
    assert read.reason is None or (read.intent in REASONED and read.reason.strip())
    assert read.text == unicodedata.normalize("NFC", text)
    json.dumps(read.as_json())
