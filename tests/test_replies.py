"""What officials write back, and what the bot understands from it."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.replies import INTENTS, Reply, understand

TODAY = date(2023, 3, 8)  # a Wednesday
YEAR = 2023


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


# (text, intent, codes, percent, new_due, reason)
CASES = [
    # --- done
    ("xong", "done", (), None, None, None),
    ("đã xong", "done", (), None, None, None),
    ("xong rồi", "done", (), None, None, None),
    ("hoàn thành", "done", (), None, None, None),
    ("đã hoàn thành", "done", (), None, None, None),
    ("ok xong", "done", (), None, None, None),
    ("oke xong", "done", (), None, None, None),
    ("xong ạ", "done", (), None, None, None),
    ("dạ xong rồi ạ", "done", (), None, None, None),
    ("em xong rồi", "done", (), None, None, None),
    ("đã làm xong", "done", (), None, None, None),
    ("hoàn tất", "done", (), None, None, None),
    ("đã hoàn tất", "done", (), None, None, None),
    ("done", "done", (), None, None, None),
    ("xong 3.7", "done", ("3.7",), None, None, None),
    ("3.7 xong", "done", ("3.7",), None, None, None),
    ("3.7 đã hoàn thành", "done", ("3.7",), None, None, None),
    ("Xong cả 3.7 và 3.10", "done", ("3.7", "3.10"), None, None, None),
    ("3.7,3.10 xong", "done", ("3.7", "3.10"), None, None, None),
    ("3.7 và 3.10 đều xong rồi ạ", "done", ("3.7", "3.10"), None, None, None),
    ("xong roi", "done", (), None, None, None),
    ("da hoan thanh", "done", (), None, None, None),
    ("XONG", "done", (), None, None, None),
    ("ĐÃ HOÀN THÀNH 3.7", "done", ("3.7",), None, None, None),
    (nfd("đã xong"), "done", (), None, None, None),
    (nfd("Đã hoàn thành 3.10 rồi ạ"), "done", ("3.10",), None, None, None),
    ("   đã    xong   ", "done", (), None, None, None),
    ("xong   3.7 .", "done", ("3.7",), None, None, None),
    ("xong 👍", "done", (), None, None, None),
    ("3.7 xong 👍👍", "done", ("3.7",), None, None, None),
    ("dạ em báo cáo đã xong ạ", "done", (), None, None, None),
    ("Báo cáo anh: 3.7 em đã hoàn thành rồi ạ", "done", ("3.7",), None, None, None),
    ("đã thực hiện xong 3.7", "done", ("3.7",), None, None, None),
    ("II.1 xong", "done", ("II.1",), None, None, None),
    ("ii.1 xong", "done", ("II.1",), None, None, None),
    ("mục 2 xong", "done", ("2",), None, None, None),
    ("hoàn thành 100%", "done", (), 100, None, None),
    ("xong rồi, đã gửi huyện", "done", (), None, None, "đã gửi huyện"),
    ("xong. cảm ơn", "done", (), None, None, None),
    ("hoàn thành 3.7 lúc 8.30", "done", ("3.7",), None, None, "lúc 8.30"),
    # --- progress
    ("xong 80%", "progress", (), 80, None, None),
    ("sắp xong", "progress", (), None, None, None),
    ("sẽ xong trước 15/3", "progress", (), None, None, "trước 15/3"),
    ("mai em xong", "progress", (), None, None, None),
    ("3 ngày nữa em xong", "progress", (), None, None, None),
    ("đang làm", "progress", (), None, None, None),
    ("đang làm 50%", "progress", (), 50, None, None),
    ("đang làm, 50%", "progress", (), 50, None, None),
    ("đang thực hiện", "progress", (), None, None, None),
    ("đang triển khai được 70%", "progress", (), 70, None, None),
    ("được 30%", "progress", (), 30, None, None),
    ("50%", "progress", (), 50, None, None),
    ("được 50 phần trăm", "progress", (), 50, None, None),
    ("đã làm được một nửa", "progress", (), 50, None, None),
    ("đang soạn dự thảo", "progress", (), None, None, "soạn dự thảo"),
    ("Dạ em đang hoàn thiện dự thảo", "progress", (), None, None, "hoàn thiện dự thảo"),
    ("3.7 đang làm 40%", "progress", ("3.7",), 40, None, None),
    ("3.7: 60%", "progress", ("3.7",), 60, None, None),
    ("3.10 đang làm được 60% ạ", "progress", ("3.10",), 60, None, None),
    ("đang làm 50%, chờ ký", "progress", (), 50, None, "chờ ký"),
    ("dang lam 50%", "progress", (), 50, None, None),
    ("DANG TRIEN KHAI 70 %", "progress", (), 70, None, None),
    ("150%", "progress", (), None, None, None),
    ("xong 150%", "progress", (), None, None, None),
    ("chưa xong, mới được 30%", "progress", (), 30, None, None),
    ("đã bắt đầu làm", "progress", (), None, None, None),
    # --- not yet
    ("chưa", "not_yet", (), None, None, None),
    ("chưa làm", "not_yet", (), None, None, None),
    ("chưa xong", "not_yet", (), None, None, None),
    ("chưa, chờ huyện", "not_yet", (), None, None, "chờ huyện"),
    ("chua, cho huyen", "not_yet", (), None, None, "cho huyen"),
    ("chưa có hướng dẫn của huyện", "not_yet", (), None, None, "chưa có hướng dẫn của huyện"),
    ("chưa làm được vì thiếu kinh phí", "not_yet", (), None, None, "thiếu kinh phí"),
    ("chua lam duoc vi thieu kinh phi", "not_yet", (), None, None, "thieu kinh phi"),
    ("vẫn chưa", "not_yet", (), None, None, None),
    ("chưa bắt đầu", "not_yet", (), None, None, None),
    ("chưa xong đâu", "not_yet", (), None, None, None),
    ("dạ chưa ạ", "not_yet", (), None, None, None),
    ("Chưa làm được gì cả", "not_yet", (), None, None, None),
    ("chưa làm đâu, đang chờ kinh phí", "not_yet", (), None, None, "đang chờ kinh phí"),
    ("vẫn chưa có kinh phí anh ạ", "not_yet", (), None, None, "chưa có kinh phí"),
    ("chưa xong, còn thiếu hồ sơ của 2 thôn", "not_yet", (), None, None, "thiếu hồ sơ của 2 thôn"),
    ("chưa, đợi họp", "not_yet", (), None, None, "đợi họp"),
    ("đang chờ huyện duyệt", "not_yet", (), None, None, "chờ huyện duyệt"),
    ("không kịp", "not_yet", (), None, None, None),
    ("không làm được vì mưa bão", "not_yet", (), None, None, "mưa bão"),
    ("thiếu kinh phí nên chưa làm được", "not_yet", (), None, None, "thiếu kinh phí"),
    ("mục II.1 chưa làm", "not_yet", ("II.1",), None, None, None),
    (nfd("CHƯA,   chờ   Huyện 🙏"), "not_yet", (), None, None, "chờ Huyện"),
    # --- extend
    ("gia hạn 15/3", "extend", (), None, date(2023, 3, 15), None),
    ("gia han 15/3", "extend", (), None, date(2023, 3, 15), None),
    ("gia hạn đến 15/3", "extend", (), None, date(2023, 3, 15), None),
    ("xin gia hạn đến ngày 15/3/2023", "extend", (), None, date(2023, 3, 15), None),
    ("xin lùi đến thứ sáu tuần sau", "extend", (), None, date(2023, 3, 17), None),
    ("xin gia han den thu 6 tuan sau", "extend", (), None, date(2023, 3, 17), None),
    ("gia hạn 2 tuần", "extend", (), None, date(2023, 3, 22), None),
    ("xin thêm 1 tuần", "extend", (), None, date(2023, 3, 15), None),
    ("xin gia hạn thêm 1 tuần", "extend", (), None, date(2023, 3, 15), None),
    ("cho em lùi sang 20/4 vì chờ số liệu", "extend", (), None, date(2023, 4, 20), "chờ số liệu"),
    ("gia hạn 15/3 vì chờ số liệu", "extend", (), None, date(2023, 3, 15), "chờ số liệu"),
    ("3.7 gia hạn 30/4", "extend", ("3.7",), None, date(2023, 4, 30), None),
    ("gia hạn 3.7 đến 30/4", "extend", ("3.7",), None, date(2023, 4, 30), None),
    ("xin hoãn đến cuối tháng", "extend", (), None, date(2023, 3, 31), None),
    ("keo dai den cuoi thang", "extend", (), None, date(2023, 3, 31), None),
    ("dời lại 2 tuần", "extend", (), None, date(2023, 3, 22), None),
    ("em xin phép lùi sang tuần sau", "extend", (), None, date(2023, 3, 15), None),
    ("XIN GIA HẠN ĐẾN 20/4", "extend", (), None, date(2023, 4, 20), None),
    ("gia hạn 15.3", "extend", (), None, date(2023, 3, 15), None),
    ("gia hạn đến ngày 15.3", "extend", (), None, date(2023, 3, 15), None),
    ("20/4 em xin lùi", "extend", (), None, date(2023, 4, 20), None),
    ("xin gia hạn", "extend", (), None, None, None),
    ("cho xin thêm ít hôm", "extend", (), None, None, None),
    ("gia hạn 31/2", "extend", (), None, None, None),
    ("xin gia hạn vì chờ số liệu", "extend", (), None, None, "chờ số liệu"),
    ("do chờ số liệu nên xin gia hạn 2 tuần", "extend", (), None, date(2023, 3, 22), "chờ số liệu"),
    ("chưa xong, xin gia hạn 2 tuần", "extend", (), None, date(2023, 3, 22), None),
    (
        "Em xin gia hạn 3.7 sang ngày 30/4/2023 do chờ hướng dẫn của huyện ạ",
        "extend", ("3.7",), None, date(2023, 4, 30), "chờ hướng dẫn của huyện",
    ),
    # --- note
    ("ok đã gửi báo cáo", "note", (), None, None, None),
    ("đã gửi báo cáo lên huyện", "note", (), None, None, None),
    ("tuần sau họp sẽ báo cáo", "note", (), None, None, None),
    ("3.7 đã gửi bản mềm qua email", "note", ("3.7",), None, None, None),
    ("ngày 15.3 họp", "note", (), None, None, None),
    ("một nữa", "note", (), None, None, None),
    # --- unknown: nothing to act on, or several intents at once
    ("", "unknown", (), None, None, None),
    ("   ", "unknown", (), None, None, None),
    ("👍👍", "unknown", (), None, None, None),
    ("...", "unknown", (), None, None, None),
    ("chào bot", "unknown", (), None, None, None),
    ("alo", "unknown", (), None, None, None),
    ("ok", "unknown", (), None, None, None),
    ("rồi", "unknown", (), None, None, None),
    ("cảm ơn bot", "unknown", (), None, None, None),
    ("0", "unknown", (), None, None, None),
    ("100", "unknown", (), None, None, None),
    ("3.7", "unknown", ("3.7",), None, None, None),
    ("2.8", "unknown", ("2.8",), None, None, None),
    ("3.7 ok", "unknown", ("3.7",), None, None, None),
    ("15.3.2023", "unknown", (), None, None, None),
    ("xong 3.7 còn 3.10 đang làm", "unknown", ("3.7", "3.10"), None, None, None),
    ("đã hoàn thành 3.7, đang làm 3.10", "unknown", ("3.7", "3.10"), None, None, None),
    ("3.7 chưa, 3.10 xong", "unknown", ("3.7", "3.10"), None, None, None),
    ("xong 3.7, 3.10 mới 50%", "unknown", ("3.7", "3.10"), 50, None, None),
]


@pytest.mark.parametrize(("text", "intent", "codes", "percent", "new_due", "reason"), CASES)
def test_a_reply_is_understood_as_the_official_meant_it(
    text, intent, codes, percent, new_due, reason
):
    reply = understand(text, TODAY, YEAR)
    got = (reply.intent, reply.codes, reply.percent, reply.new_due, reply.reason)
    assert got == (intent, codes, percent, new_due, reason)
    assert reply.choice is None


CHOICES = [("2", 2), ("số 2", 2), ("#2", 2), ("2.", 2), (" 2 ", 2), ("2 ạ", 2), ("chọn 3", 3),
           ("số 12", 12), ("99", 99), ("1", 1)]


@pytest.mark.parametrize(("text", "choice"), CHOICES)
def test_a_lone_number_answers_a_numbered_list(text, choice):
    assert understand(text, TODAY, YEAR) == Reply("choice", choice=choice, text=text)


def test_the_table_is_big_enough_to_mean_something():
    assert len(CASES) + len(CHOICES) >= 80


def test_the_original_text_is_kept_composed():
    reply = understand(nfd("Chưa, chờ huyện"), TODAY, YEAR)
    assert reply.text == "Chưa, chờ huyện"
    assert reply.reason == "chờ huyện"


def test_a_dotted_number_is_a_code_and_a_plain_one_a_choice():
    assert understand("2", TODAY).intent == "choice"
    assert understand("2.8", TODAY) == Reply("unknown", ("2.8",), text="2.8")


def test_a_code_mentioned_twice_is_listed_once():
    assert understand("3.7 xong, nhắc lại 3.7 đã xong", TODAY).codes == ("3.7",)


def test_without_a_plan_year_a_date_falls_in_the_current_year():
    assert understand("gia hạn 15/3", date(2024, 3, 1)).new_due == date(2024, 3, 15)


def test_the_plan_year_decides_the_year_of_a_short_date():
    assert understand("gia hạn 15/1", date(2023, 12, 20), 2024).new_due == date(2024, 1, 15)


def test_relative_dates_count_from_the_given_day():
    assert understand("xin thêm 1 tuần", date(2023, 6, 1)).new_due == date(2023, 6, 8)


# --- never raises

FRAGMENTS = st.sampled_from([
    "xong", "đã xong", "chưa", "đang làm", "gia hạn", "xin lùi", "đến", "15/3", "31/2", "3.7",
    "II.1", "50%", "150%", "99999999999%", "một nửa", "vì", "do", "nên", ",", ".", "ạ", "👍",
    "thứ sáu tuần sau", "2 tuần", "cuối tháng", "số", "#", "2", "0", "mục", "lúc 8.30", "ngày",
    "15.3.2023", "\u0301", "\u200d", "Đ", "ẞ", "İ", "\n", "  ",
])
TEXTS = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(FRAGMENTS, st.text(max_size=6)), max_size=10).map(" ".join),
)


@settings(max_examples=400, deadline=None)
@given(TEXTS, st.one_of(st.none(), st.integers(min_value=1900, max_value=2200)))
def test_any_text_gives_a_valid_reply_and_never_raises(text, plan_year):
    reply = understand(text, TODAY, plan_year)
    assert reply.intent in INTENTS
    assert reply.percent is None or 0 <= reply.percent <= 100
    assert reply.choice is None or 1 <= reply.choice <= 99
    assert reply.new_due is None or reply.intent == "extend"
    assert reply.reason is None or reply.reason.strip()
    assert reply.text == unicodedata.normalize("NFC", text)
