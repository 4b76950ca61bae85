"""The plan's year: from what the document states about itself, never from a target it names."""

from __future__ import annotations

import openpyxl
import pytest

from bot.plan.interpret import document_year, interpret
from bot.plan.tables import read_document, read_text

BODY = "\n".join([
    "TT\tNội dung\tChủ trì\tPhối hợp\tThời gian thực hiện",
    "1\tRà soát thủ tục hành chính\tCông chức Tư pháp\t\tQuý II",
    "2\tTuyên truyền cải cách hành chính\tVăn phòng\t\tThường xuyên",
])


@pytest.mark.parametrize("heading, year", [
    ("ỦY BAN NHÂN DÂN XÃ BẰNG PHÚC\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
     "Số: 12/KH-UBND\tBằng Phúc, ngày 27 tháng 11 năm 2025\n\nKẾ HOẠCH\nChuyển đổi số", 2025),
    ("KẾ HOẠCH CHUYỂN ĐỔI SỐ GIAI ĐOẠN 2025 - 2030, TẦM NHÌN ĐẾN NĂM 2030\n"
     "Bằng Phúc, ngày 27 tháng 11 năm 2025", 2025),
    ("KẾ HOẠCH Cải cách hành chính năm 2024\nBằng Phúc, ngày 25 tháng 12 năm 2023", 2024),
    ("KẾ HOẠCH Kiểm kê tài sản thời điểm 0h00 ngày 01 tháng 01 năm 2026\n"
     "Quảng Ngãi, ngày 21 tháng 11 năm 2025", 2025),
], ids=["issue-line-in-the-heading-table", "target-in-title", "yearly-plan-title", "cited-date"])
def test_the_year_comes_from_the_issue_line_or_the_plans_own_title(heading, year):
    document = read_text(f"{heading}\n\n{BODY}\n".encode(), "ke-hoach.txt")
    assert document_year(document) == year
    assert interpret(document).year == year


def test_an_excel_caption_with_only_a_date_gives_the_year(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Phụ lục kèm theo Kế hoạch số 12/KH-UBND ngày 05/01/2024"])
    for line in BODY.split("\n"):
        sheet.append(line.split("\t"))
    book.save(tmp_path / "phu-luc.xlsx")
    plan = interpret(read_document(tmp_path / "phu-luc.xlsx"))
    assert plan.year == 2024
    assert plan.items[0].milestones[0].due.isoformat() == "2024-06-30"


def test_a_plan_that_states_no_year_takes_its_deadlines_year_and_says_so():
    body = BODY.replace("Quý II", "Trước ngày 15/11/2025")
    plan = interpret(read_text(f"KẾ HOẠCH Chuyển đổi số\n\n{body}\n".encode(), "kh.txt"))
    assert plan.year == 2025
    assert [(w.code, w.params) for w in plan.warnings] == [("year_guessed", {"year": 2025})]


def test_a_year_given_by_hand_still_wins():
    document = read_text(f"KẾ HOẠCH năm 2023\n\n{BODY}\n".encode(), "kh.txt")
    assert interpret(document, year=2026).year == 2026
