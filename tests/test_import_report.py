"""What the clerk reads after an import: a table of what will be saved, and warnings with their fix."""

from __future__ import annotations

import io

from bot import cli
from bot.plan.interpret import interpret
from bot.plan.roles import RoleBook, assign_roles, closest_role, role_index
from bot.plan.tables import read_text
from tests.conftest import NOW, SAMPLE_TXT

PLAN = "\n".join([
    "KẾ HOẠCH Cải cách hành chính năm 2023",
    "Bằng Phúc, ngày 05 tháng 01 năm 2023",
    "",
    "TT\tNội dung\tChủ trì\tPhối hợp\tThời gian thực hiện",
    "1\tRà soát thủ tục hành chính\tCông chức Tư pháp\t\tkhi nào rảnh thì làm",
    "2\tTuyên truyền cải cách hành chính\tCông chức Văn hóa Xã hội\t\tQuý II/2023",
]) + "\n"


def test_a_dry_run_prints_a_table_of_what_will_be_saved(config, capsys):
    out = io.StringIO()
    code = cli.cmd_import(config, SAMPLE_TXT, year=None, unit=None, dry_run=True, as_json=False,
                          now=NOW, out=out)
    assert code == 0
    lines = out.getvalue().splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("Mã "))
    assert lines[head].split(" | ") == ["Mã".ljust(10), "Nhiệm vụ".ljust(46), "Chủ trì".ljust(28),
                                       "Thời hạn"]
    row = next(line for line in lines if line.startswith("3.4 "))
    code_cell, title, owner, due = row.split(" | ")
    assert title.startswith("Xây dựng dự thảo báo cáo kết quả theo dõi") and title.endswith("…")
    assert owner.strip() == "Công chức Tư pháp"
    assert due == "ngày, hạn 30/11/2023"
    assert "Chạy thử: chưa lưu gì" in out.getvalue()


def test_an_unreadable_deadline_warning_names_the_row_the_cell_and_phrasings_that_work(config):
    plan = interpret(read_text(PLAN.encode(), "kh.txt"))
    out = io.StringIO()
    from bot.plan.report import render_report

    unit = config.units[0]
    assign_roles(plan, RoleBook.of(unit.roles, unit.coordinator_role))
    out.write(render_report(plan, None))
    text = out.getvalue()
    warning = next(line for line in text.splitlines() if "khi nào rảnh" in line)
    assert warning.startswith("  - [dòng 5, mục 1]")
    assert "ô Thời gian thực hiện" in warning and "\"Quý II/2023\"" in warning
    assert "\"Trước 30/6/2023\"" in warning


def test_an_unknown_owner_warning_says_which_role_to_add_it_to(config):
    unit = config.units[0]
    plan = interpret(read_text(PLAN.encode(), "kh.txt"))
    assign_roles(plan, RoleBook.of(unit.roles, unit.coordinator_role))
    warning = next(w for w in plan.warnings if w.code == "unknown_owner")
    assert warning.params["name"] == "Công chức Văn hóa Xã hội"
    assert warning.params["role"] == "Công chức Văn hóa - Xã hội"


def test_a_name_like_no_role_is_suggested_for_the_coordinator_role(config):
    assert closest_role("Ban Chỉ huy quân sự", role_index(config.units[0].roles)) is None
