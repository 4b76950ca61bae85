"""Any plan built from random tasks, written as a Word document, imports back as it was written.

Tables get their columns in any order and wording, optional section rows and unnumbered rows
that share the owner of the row above (merged down in Word); prose plans get numbered items
with field lines in their several labels. The deadlines are drawn from phrasings whose
milestones are known, so the whole round trip is checked, milestones included.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

import docx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.plan.interpret import interpret
from bot.plan.tables import read_document

WORDS = ["Rà soát", "xây dựng", "kế hoạch", "tuyên truyền", "thủ tục", "hành chính", "dữ liệu",
         "báo cáo", "kiểm tra", "đôn đốc", "chuyển đổi số", "người dân", "doanh nghiệp", "năm"]
OWNERS = ["Công chức Tư pháp", "Bộ phận 1 cửa", "Văn phòng HĐND-UBND xã", "Sở Tài chính",
          "Công an xã", "Công chức Văn hóa - Xã hội"]
DEADLINES = {
    "Quý II/2024": [("quarter", date(2024, 6, 30))],
    "Trước ngày 15/11/2024": [("date", date(2024, 11, 15))],
    "Tháng 11 - 12/2024": [("month", date(2024, 12, 31))],
    "Năm 2024": [("year", date(2024, 12, 31))],
    "Thường xuyên": [("ongoing", None)],
    "Hằng năm": [("recurring", None)],
    "Sau khi có hướng dẫn của tỉnh": [("event", None)],
    "Năm 2024 và các năm tiếp theo": [("year", date(2024, 12, 31)), ("recurring", None)],
}
COLUMNS = {
    "tt": ["TT", "STT", "Số TT"],
    "task": ["Nội dung", "Nhiệm vụ", "Tên nhiệm vụ", "Nội dung công việc"],
    "owner": ["Chủ trì", "Cơ quan chủ trì", "Đơn vị thực hiện", "Đơn vị chủ trì"],
    "coordinator": ["Phối hợp", "Cơ quan phối hợp", "Đơn vị phối hợp"],
    "deadline": ["Thời gian thực hiện", "Thời hạn hoàn thành", "Thời gian hoàn thành"],
}
OWNER_LABELS = ["Cơ quan chủ trì", "Đơn vị chủ trì", "Cơ quan thực hiện", "Đơn vị thực hiện"]
DEADLINE_LABELS = ["Thời gian thực hiện", "Thời hạn hoàn thành", "Thời hạn ban hành"]

title = st.lists(st.sampled_from(WORDS), min_size=2, max_size=7).map(
    lambda words: " ".join(words)[0].upper() + " ".join(words)[1:])
task = st.fixed_dictionaries({
    "title": title, "owner": st.sampled_from(OWNERS),
    "coordinator": st.sampled_from(["", *OWNERS]), "deadline": st.sampled_from(sorted(DEADLINES)),
    "shares_owner": st.booleans(),
})
tasks = st.lists(task, min_size=1, max_size=12, unique_by=lambda t: t["title"])


def read_back(word: docx.Document) -> list[tuple]:
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "ke-hoach.docx"
        word.save(str(path))
        plan = interpret(read_document(path))
    return [(item.title, item.owners, item.coordinators, item.deadline_text,
             [(m.kind, m.due) for m in item.milestones]) for item in plan.items]


def expected(drawn: list[dict]) -> list[tuple]:
    return [(t["title"], [t["owner"]], [t["coordinator"]] if t["coordinator"] else [],
             t["deadline"], DEADLINES[t["deadline"]]) for t in drawn]


def heading(word: docx.Document) -> None:
    word.add_paragraph("KẾ HOẠCH")
    word.add_paragraph("Thực hiện nhiệm vụ năm 2024")
    word.add_paragraph("Bằng Phúc, ngày 05 tháng 01 năm 2024")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tasks, st.permutations(list(COLUMNS)), st.data())
def test_a_random_table_plan_round_trips_through_word(drawn, order, data):
    labels = [data.draw(st.sampled_from(COLUMNS[meaning])) for meaning in order]
    with_section = data.draw(st.booleans())
    word = docx.Document()
    heading(word)
    table = word.add_table(rows=1, cols=len(order))
    for cell, label in zip(table.rows[0].cells, labels):
        cell.text = label
    if with_section:
        cells = table.add_row().cells
        cells[0].text = "I"
        cells[1].merge(cells[-1]).text = "NHIỆM VỤ CỤ THỂ"
    number = 0
    previous = None
    for index, t in enumerate(drawn):
        # A row may share the number, owner and coordinator of the one above (merged in Word).
        shares = index > 0 and t["shares_owner"]
        if shares:
            t["owner"], t["coordinator"] = previous["owner"], previous["coordinator"]
        else:
            number += 1
        values = {"tt": str(number), "task": t["title"], "owner": t["owner"],
                  "coordinator": t["coordinator"], "deadline": t["deadline"]}
        row = table.add_row()
        for column, meaning in enumerate(order):
            if shares and meaning in ("tt", "owner", "coordinator"):
                table.cell(len(table.rows) - 2, column).merge(row.cells[column])
            else:
                row.cells[column].text = values[meaning]
        previous = t
    assert read_back(word) == expected(drawn)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tasks, st.data())
def test_a_random_prose_plan_round_trips_through_word(drawn, data):
    word = docx.Document()
    heading(word)
    word.add_paragraph("II. NỘI DUNG")
    for number, t in enumerate(drawn, start=1):
        word.add_paragraph(f"{number}. {t['title']}")
        colon = data.draw(st.sampled_from([":", ": "]))
        word.add_paragraph(f"- {data.draw(st.sampled_from(OWNER_LABELS))}{colon}{t['owner']}")
        if t["coordinator"]:
            word.add_paragraph(f"- Cơ quan phối hợp: {t['coordinator']}")
        word.add_paragraph(f"- {data.draw(st.sampled_from(DEADLINE_LABELS))}: {t['deadline']}")
    word.add_paragraph("III. TỔ CHỨC THỰC HIỆN")
    word.add_paragraph("1. Các đơn vị căn cứ kế hoạch triển khai thực hiện.")
    assert read_back(word) == expected(drawn)
