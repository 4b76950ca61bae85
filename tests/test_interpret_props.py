"""Random tables and random text: the importer never crashes and never drops a row silently."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.plan.errors import PlanError
from bot.plan.interpret import interpret
from bot.plan.tables import Document, Row, Table, clean_text

HEADERS = ["TT", "1 - Mục tiêu", "2 - Nhiệm vụ", "3 - Hoạt động", "Sản phẩm", "5 – Chủ trì",
           "Phối hợp", "Thời gian thực hiện", "Kinh phí"]
FRAGMENTS = st.sampled_from([
    "", "", "", "1", "12", "I", "IV", "CẢI CÁCH THỂ CHẾ", "1.1. Mục tiêu chung", "1.2 Khác",
    "2.1. Ban hành kế hoạch", "2.2 Nhiệm vụ", "3.1. Xây dựng kế hoạch", "3.2. Hoạt động",
    "khai thực hiện", "hành", "Công chức Tư pháp", "Bộ phận 1 cửa;", "Phòng Nội vụ; Phòng VH-TT",
    "Quý II/2023", "Thường xuyên", "trước 15/2/2023", "31/2/2023", "Tháng 13/2023",
    "Sau khi tỉnh công bố", "<i>Ghi chú:</i> x", "TT", "Chủ trì", "(1)", "(2)", "Năm 2023",
])
CELL = st.one_of(FRAGMENTS, st.text(max_size=20))


def body_rows(draw_rows):
    return [Row([clean_text(c) for c in cells], line) for line, cells in enumerate(draw_rows, start=2)]


@st.composite
def tables(draw):
    order = draw(st.permutations(range(len(HEADERS))))
    width = draw(st.integers(min_value=3, max_value=len(HEADERS)))
    columns = [HEADERS[i] for i in order[:width]]
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=width + 1), max_size=25))
    return Table([Row(columns, 1), *body_rows(rows)])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.one_of(st.none(), st.integers(min_value=2000, max_value=2040)))
def test_the_interpreter_never_crashes_and_accounts_for_every_row(table, year):
    document = Document(source="random.docx", tables=[table])
    try:
        plan = interpret(document, year=year)
    except PlanError:
        return
    rows = [row for row in table.rows[1:] if any(row.cells)]
    warned = {w.line for w in plan.warnings}
    item_lines = {item.line for item in plan.items}
    for row in rows:
        outcome = plan.row_outcomes.get(row.line)
        assert outcome is not None, row
        if outcome == "item":
            assert row.line in item_lines
        elif outcome in ("ignored", "continuation"):
            assert row.line in warned, (outcome, row)
    for item in plan.items:
        assert item.milestones
        assert item.code


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_random_text_files_never_crash_the_reader(text):
    from bot.plan.tables import read_text

    try:
        interpret(read_text(text.encode("utf-8"), "random.txt"))
    except PlanError:
        pass
