"""/tongket and its drill-downs over a plan in every state, word for word."""

from __future__ import annotations

import pytest

from bot.channels.base import split_text
from bot.config import Config
from tests.replay import SUMMARY_AT, build, replay, say

OVERVIEW = """\
📊 Tổng kết thực hiện kế hoạch đến ngày 20/03/2023
46 việc: 🔴 quá hạn 1, ⚪ chưa thực hiện 21, 🟡 đang thực hiện 4, 🟠 xong trễ hạn 1, 🟢 xong đúng hạn 1, 🔵 thường xuyên 17, ⏸ chờ sự kiện 1

Theo phần:
• I: 1/4 xong
• II: 0/7 xong
• III: 0/2 xong
• IV: 0/6 xong
• V: 0/5 xong
• VI: 0/13 xong
• VII: 1/9 xong, 🔴 1 quá hạn

Quá hạn (1), lâu nhất trước:
• 3.63 Tuyên truyền Trang thông tin điện tử của xã; tuyên truyền trên phương… (Ban hành Kế hoạch) — hạn 31/01/2023, trễ 34 ngày làm việc — Lường Văn Đức, Ma Thị Hoa

Đến hạn trong 14 ngày tới:
• 3.7 Xây dựng kế hoạch để tổ chức rà soát, đánh giá; Qua rà soát, đánh giá… (báo cáo kết quả thực hiện) — hạn 31/03/2023, còn 11 ngày — Triệu Thị Mai
• 3.55 Tuyên truyền về hệ thống thanh toán điện tử, đặc biệt là MobileMoney — hạn 31/03/2023, còn 11 ngày — Triệu Thị Mai

Việc thường xuyên chưa báo cáo tháng này (16):
3.2, 3.11, 3.12, 3.19, 3.24, 3.25, 3.26, 3.29, 3.30, 3.32, 3.33, 3.36, 3.38, 3.50, 3.51, 3.61

Đề nghị gia hạn chờ duyệt (1):
• 3.55: Triệu Thị Mai xin từ 31/03/2023 đến 15/04/2023 (chờ hướng dẫn của huyện)"""

SECTION_II = """\
📊 Phần II. CẢI CÁCH THỦ TỤC HÀNH CHÍNH — đến ngày 20/03/2023
7 việc: ⚪ chưa thực hiện 4, 🟡 đang thực hiện 1, 🔵 thường xuyên 2

Đến hạn trong 14 ngày tới:
• 3.7 Xây dựng kế hoạch để tổ chức rà soát, đánh giá; Qua rà soát, đánh giá… (báo cáo kết quả thực hiện) — hạn 31/03/2023, còn 11 ngày — Triệu Thị Mai

Việc thường xuyên chưa báo cáo tháng này (1):
3.11"""

ROLE = """\
📊 Việc do Công chức Tư pháp chủ trì — đến ngày 20/03/2023
3 việc: ⚪ chưa thực hiện 1, 🟡 đang thực hiện 1, 🟠 xong trễ hạn 1"""

PERSON = """\
📊 Việc do Triệu Thị Mai chủ trì — đến ngày 20/03/2023
12 việc: ⚪ chưa thực hiện 6, 🟡 đang thực hiện 2, 🔵 thường xuyên 4

Theo phần:
• II: 0/6 xong
• VI: 0/6 xong

Đến hạn trong 14 ngày tới:
• 3.7 Xây dựng kế hoạch để tổ chức rà soát, đánh giá; Qua rà soát, đánh giá… (báo cáo kết quả thực hiện) — hạn 31/03/2023, còn 11 ngày — Triệu Thị Mai
• 3.55 Tuyên truyền về hệ thống thanh toán điện tử, đặc biệt là MobileMoney — hạn 31/03/2023, còn 11 ngày — Triệu Thị Mai

Việc thường xuyên chưa báo cáo tháng này (3):
3.11, 3.50, 3.51

Đề nghị gia hạn chờ duyệt (1):
• 3.55: Triệu Thị Mai xin từ 31/03/2023 đến 15/04/2023 (chờ hướng dẫn của huyện)"""

ITEM_3_7 = """\
🟡 3.7 Xây dựng kế hoạch để tổ chức rà soát, đánh giá; Qua rà soát, đánh giá có báo cáo kết quả thực hiện, gửi UBND huyện
Trạng thái: đang thực hiện
Chủ trì: Bộ phận 1 cửa
Phối hợp: Văn phòng UBND xã
Thời hạn ghi trong kế hoạch: Ban hành Kế hoạch trước 15/2/2023; báo cáo kết quả thực hiện trước 31/3/2023
• Ban hành Kế hoạch, hạn 15/02/2023, xong 20/02/2023: xong trễ hạn
• báo cáo kết quả thực hiện, hạn 31/03/2023: chưa thực hiện

Diễn biến:
• 08/02 07:31 bot gửi tin nhắc trước cho Triệu Thị Mai
• 14/02 07:31 bot gửi tin tổng hợp sau thời gian tạm dừng cho Triệu Thị Mai
• 15/02 07:31 bot gửi tin đến hạn cho Triệu Thị Mai
• 20/02 09:00 Triệu Thị Mai báo đã xong"""

ITEM_3_3 = """\
🟠 3.3 Xây dựng dự thảo Kế hoạch Theo dõi tình hình thi hành pháp luật trên địa bàn xã năm 2023 trình ban hành
Trạng thái: xong trễ hạn
Chủ trì: Công chức Tư pháp
Phối hợp: Các Ban ngành đoàn thể xã, công chức chuyên môn
Thời hạn ghi trong kế hoạch: Tháng 02/2023
• tháng, hạn 28/02/2023, xong 02/03/2023: xong trễ hạn

Diễn biến:
• 27/02 10:00 Hà Thị Lan báo chưa xong: chờ số liệu của huyện
• 02/03 15:00 Hà Thị Lan báo đã xong
• 02/03 15:05 Hà Thị Lan gửi tài liệu: ke-hoach-theo-doi-THPL-2023.pdf

Tài liệu kiểm chứng (1):
• ke-hoach-theo-doi-THPL-2023.pdf (1 KB, 02/03/2023)"""


CASES = {"": OVERVIEW, " II": SECTION_II, " Tư pháp": ROLE, " Mai": PERSON, " 3.7": ITEM_3_7,
         " 3.3": ITEM_3_3}


@pytest.fixture
async def replayed(db_url, config: Config, tmp_path):
    engine, sessions = build(db_url, config, tmp_path)
    await replay(sessions, config, tmp_path)
    yield sessions, config, tmp_path
    engine.dispose()


@pytest.mark.parametrize("argument", CASES, ids=["overview", "section", "role", "person",
                                                 "item-3.7", "item-3.3"])
async def test_tongket_reads_word_for_word(replayed, argument):
    sessions, config, data_dir = replayed
    text = await say(sessions, config, data_dir, SUMMARY_AT, "Hoàng Văn Thái", "/tongket" + argument)
    assert text == CASES[argument]


async def test_the_office_may_ask_too_but_officials_may_not(replayed):
    sessions, config, data_dir = replayed
    office = await say(sessions, config, data_dir, SUMMARY_AT, "Ma Thị Hoa", "/tongket")
    official = await say(sessions, config, data_dir, SUMMARY_AT, "Triệu Thị Mai", "/tongket")
    assert office == OVERVIEW
    assert official == "Lệnh này chỉ dành cho Chủ tịch UBND xã và văn phòng theo dõi kế hoạch."


async def test_an_unknown_drill_down_says_so(replayed):
    sessions, config, data_dir = replayed
    assert await say(sessions, config, data_dir, SUMMARY_AT, "Hoàng Văn Thái",
                     "/tongket Phòng Kinh tế") == "Không có việc nào cho \"Phòng Kinh tế\"."
    assert await say(sessions, config, data_dir, SUMMARY_AT, "Hoàng Văn Thái",
                     "/tongket 9.9") == "Không có việc mã 9.9 trong kế hoạch hiện hành."


@pytest.mark.parametrize("limit", [4096, 2000])
def test_every_summary_fits_the_channels_once_split(limit):
    for text in CASES.values():
        parts = split_text(text, limit)
        assert all(0 < len(part) <= limit for part in parts)
        assert "\n".join(parts) == text


def test_a_long_summary_is_split_on_line_boundaries_without_losing_a_line():
    long = "\n".join(f"• 3.{n} Một việc có tên khá dài để làm đầy tin nhắn — hạn 31/12/2023"
                     for n in range(200))
    parts = split_text(long, 2000)
    assert len(parts) > 1 and all(len(p) <= 2000 for p in parts)
    assert "\n".join(parts) == long
