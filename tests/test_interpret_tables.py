"""Tables as offices lay them out: columns by meaning, lettered sections, unnumbered task rows."""

from __future__ import annotations

from bot.plan.interpret import interpret
from bot.plan.tables import read_text


def plan(*rows: str):
    text = "KẾ HOẠCH Chuyển đổi số\nHà Nội, ngày 19 tháng 11 năm 2025\n\n" + "\n".join(rows) + "\n"
    return interpret(read_text(text.encode(), "kh.txt"))


def test_owner_before_task_and_a_group_column_beside_the_task_column():
    parsed = plan(
        "STT\tCơ quan chủ trì\tCơ quan phối hợp\tThuộc nhóm nhiệm vụ\tNội dung nhiệm vụ\tThời hạn hoàn thành",
        "A.\tBỘ XÂY DỰNG",
        "1\tBộ Xây dựng\tBộ Công Thương\tKinh tế tuần hoàn\t- Hoàn thiện quy định về thu gom\tNăm 2026",
    )
    item = parsed.items[0]
    assert (item.title, item.owners, item.coordinators, item.deadline_text) == (
        "Hoàn thiện quy định về thu gom", ["Bộ Xây dựng"], ["Bộ Công Thương"], "Năm 2026")
    assert (item.section, item.section_title) == ("A", "BỘ XÂY DỰNG")


def test_a_row_with_empty_leading_cells_and_its_own_deadline_is_a_task_that_inherits_the_owner():
    parsed = plan(
        "STT\tCơ quan chủ trì\tCơ quan phối hợp\tNội dung nhiệm vụ\tThời hạn hoàn thành",
        "1\tBộ Xây dựng\tBộ Công Thương\t- Hoàn thiện quy định về thu gom\tNăm 2026",
        "\t\t\t- Xây dựng nền tảng dữ liệu\tGiai đoạn 2026 - 2027",
    )
    assert [(i.title, i.owners, i.coordinators, i.deadline_text) for i in parsed.items] == [
        ("Hoàn thiện quy định về thu gom", ["Bộ Xây dựng"], ["Bộ Công Thương"], "Năm 2026"),
        ("Xây dựng nền tảng dữ liệu", ["Bộ Xây dựng"], ["Bộ Công Thương"], "Giai đoạn 2026 - 2027"),
    ]


def test_a_row_that_only_adds_text_is_still_the_row_above_continued():
    parsed = plan(
        "STT\tNội dung\tChủ trì\tThời gian thực hiện",
        "1\tHoàn thiện quy định\tBộ Xây dựng\tNăm 2026",
        "\tvề thu gom chất thải\t\t",
    )
    assert [i.title for i in parsed.items] == ["Hoàn thiện quy định về thu gom chất thải"]


def test_a_section_line_without_tabs_and_an_elision_line_do_not_cut_a_text_table():
    parsed = plan(
        "STT\tNội dung\tChủ trì\tThời gian thực hiện",
        "I. CẢI CÁCH THỂ CHẾ",
        "1\tHoàn thiện quy định\tBộ Xây dựng\tNăm 2026",
        "…....",
        "II. CẢI CÁCH THỦ TỤC HÀNH CHÍNH",
        "1\tRà soát thủ tục\tBộ phận 1 cửa\tQuý II/2026",
    )
    assert [(i.section, i.title, i.owners) for i in parsed.items] == [
        ("I", "Hoàn thiện quy định", ["Bộ Xây dựng"]),
        ("II", "Rà soát thủ tục", ["Bộ phận 1 cửa"]),
    ]
    assert parsed.sections == {"I": "CẢI CÁCH THỂ CHẾ", "II": "CẢI CÁCH THỦ TỤC HÀNH CHÍNH"}
