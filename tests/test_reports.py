"""The report sent upward (.xlsx, .docx) and the progress chart, read back cell by cell."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time

import docx
import openpyxl
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Pt
from PIL import Image
from sqlalchemy import select

from bot import texts
from bot.chart import chart_for, progress_chart, section_label
from bot.plan.importer import import_plan
from bot.plan.interpret import interpret
from bot.plan.tables import read_document
from bot.talk import build_report
from bot.periods import parse_period, year_to_date
from bot.reports import STATE_COLOURS, report_rows
from bot.summary import summary_text
from bot.status import load_items
from db.migrate import upgrade
from db.models import Evidence, Extension, Item, ItemReply, Milestone, Person, Plan
from db.session import make_engine, make_sessionmaker
from jobs.schedule import calendar_of
from tests.conftest import NOW, SAMPLE_TXT

TODAY = date(2023, 7, 14)  # a Friday
SECTIONS = ["I. CẢI CÁCH THỂ CHẾ", "II. CẢI CÁCH THỦ TỤC HÀNH CHÍNH",
            "III. CẢI CÁCH TỔ CHỨC BỘ MÁY", "IV. CẢI CÁCH CHẾ ĐỘ CÔNG VỤ",
            "V. CẢI CÁCH TÀI CHÍNH CÔNG", "VI. XÂY DỰNG VÀ PHÁT TRIỂN CHÍNH QUYỀN ĐIỆN TỬ",
            "VII. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH"]
ITEMS = 46
MAI, HUNG, LAN, HOA, CHAIRMAN = ("Triệu Thị Mai", "Nông Văn Hùng", "Hà Thị Lan", "Ma Thị Hoa",
                                 "Hoàng Văn Thái")
NOTE_37 = "Đã gửi báo cáo lên huyện"
FILES_37 = ("ke-hoach-ra-soat-tthc.pdf", "bao-cao-ket-qua-ra-soat.docx")


class Replay:
    """Writes what the conversation would have written, at chosen local times."""

    def __init__(self, session, zone):
        self.session, self.zone = session, zone

    def at(self, day: str, hour: int = 10) -> datetime:
        local = datetime.combine(date.fromisoformat(day), time(hour), tzinfo=self.zone)
        return local.astimezone(UTC)

    def milestone(self, code: str, position: int = 0) -> Milestone:
        return self.session.scalar(select(Milestone).join(Item).where(
            Item.code == code, Milestone.position == position))

    def person(self, name: str) -> Person:
        return self.session.scalar(select(Person).where(Person.name == name))

    def reply(self, who, code, intent, day, *, position=0, percent=None, note=None, hour=10):
        self.session.add(ItemReply(milestone_id=self.milestone(code, position).id,
                                   person_id=self.person(who).id, intent=intent, percent=percent,
                                   note=note, at=self.at(day, hour)))

    def done(self, who, code, day, position=0):
        self.milestone(code, position).done_at = self.at(day)
        self.reply(who, code, "done", day, position=position)

    def evidence(self, who, code, day, name, position=0):
        self.session.add(Evidence(milestone_id=self.milestone(code, position).id,
                                  person_id=self.person(who).id, file_name=name,
                                  mime_type="application/octet-stream", size=2048, sha256="0" * 64,
                                  path=f"data/evidence/{name}", received_at=self.at(day, 11)))
        self.reply(who, code, "evidence", day, position=position, note=name, hour=11)

    def extension(self, who, code, asked, decided, new_due, position=0):
        milestone = self.milestone(code, position)
        self.session.add(Extension(
            milestone_id=milestone.id, person_id=self.person(who).id,
            requested_due=date.fromisoformat(new_due), previous_due=milestone.due,
            status="approved", requested_at=self.at(asked),
            decided_by=self.person(CHAIRMAN).id, decided_at=self.at(decided)))
        self.reply(who, code, "extend", asked, position=position)
        self.reply(CHAIRMAN, code, "approve", decided, position=position, note=new_due)
        milestone.original_due = milestone.original_due or milestone.due
        milestone.due = date.fromisoformat(new_due)


@pytest.fixture
def world(db_url, config):
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    zone = config.reminders.zone
    with sessions.begin() as session:
        import_plan(session, interpret(read_document(SAMPLE_TXT)), config.units[0], NOW)
        r = Replay(session, zone)
        session.flush()
        r.done(LAN, "3.1", "2023-01-30")                      # first of two milestones, on time
        r.done(LAN, "3.3", "2023-03-03")                      # due 28/02: 3 working days late
        r.done(LAN, "3.4", "2023-06-09")                      # due 30/11: early
        r.done(MAI, "3.7", "2023-02-14")                      # Ban hành Kế hoạch, due 15/02
        r.evidence(MAI, "3.7", "2023-02-14", FILES_37[0])
        r.extension(MAI, "3.7", "2023-03-28", "2023-03-29", "2023-04-10", position=1)
        r.done(MAI, "3.7", "2023-04-05", position=1)          # plan: 31/03, so late though extended
        r.evidence(MAI, "3.7", "2023-04-05", FILES_37[1], position=1)
        r.reply(MAI, "3.7", "note", "2023-04-06", position=1, note=NOTE_37)
        r.extension(HUNG, "3.31", "2023-06-26", "2023-06-27", "2023-07-31")  # Quý II → 31/07
        r.reply(HUNG, "3.31", "progress", "2023-07-10", percent=70)
        r.reply(MAI, "3.55", "not_yet", "2023-04-03", note="chờ huyện hướng dẫn")  # Quý I: overdue
        r.reply(HOA, "3.60", "progress", "2023-07-03", percent=50)  # Quý III
        r.reply(HOA, "3.2", "note", "2023-07-12", note="Đã trình HĐND 2 nghị quyết")  # ongoing
        r.done(HOA, "3.39", "2023-06-20")
    with sessions() as session:
        plan = session.scalar(select(Plan))
        yield session, config, plan
    engine.dispose()


def make(world, kind, period=None) -> bytes:
    session, config, plan = world
    return build_report(session, config, [plan.id], period or year_to_date(TODAY), kind, NOW)[1]


def item(session, code) -> Item:
    return session.scalar(select(Item).where(Item.code == code))


@pytest.fixture
def sheet(world):
    book = openpyxl.load_workbook(io.BytesIO(make(world, "xlsx")))
    assert book.sheetnames == ["Tổng hợp", "Phụ lục"]
    return book["Phụ lục"]


def rows_by_code(sheet) -> dict[str, int]:
    found = {}
    for r in range(4, sheet.max_row + 1):
        activity = sheet.cell(r, 4).value
        if activity:
            found[activity.split(" ", 1)[0]] = r
    return found


def row_values(sheet, r) -> list:
    return [sheet.cell(r, c).value for c in range(1, 16)]


# ------------------------------------------------------------------ the rows

def test_the_rows_follow_the_plan_with_a_heading_row_before_each_section(world):
    session, config, plan = world
    rows = report_rows(session, [plan.id], TODAY, config.reminders.zone)
    assert [r.heading for r in rows if r.kind == "section"] == SECTIONS
    items = [r for r in rows if r.kind == "item"]
    views = load_items(session, [plan.id], TODAY, config.reminders.zone)
    assert [r.code for r in items] == [v.code for v in views] and len(items) == ITEMS
    assert [r.state for r in items] == [v.state for v in views]
    assert rows[0].heading == SECTIONS[0] and rows[1].code == "3.1"
    assert rows[5].heading == SECTIONS[1] and rows[6].code == "3.5"


def test_every_state_the_office_colours_shows_up_in_the_replayed_plan(world):
    session, config, plan = world
    states = {r.code: r.state for r in report_rows(session, [plan.id], TODAY, config.reminders.zone)
              if r.kind == "item"}
    assert states["3.1"] == "in_progress"      # first milestone done, the year's one still open
    assert states["3.3"] == "done_late"
    assert states["3.4"] == "done_on_time"
    assert states["3.7"] == "done_late"
    assert states["3.31"] == "in_progress"     # extended past today, so not overdue
    assert states["3.55"] == "overdue"
    assert states["3.60"] == "in_progress"
    assert states["3.2"] == "ongoing"
    assert states["3.66"] == "waiting_event"
    assert states["3.6"] == "not_started"
    assert set(states.values()) == set(STATE_COLOURS) - {"no_deadline"}


def test_days_late_count_working_days_from_the_plans_own_date(world):
    session, config, plan = world
    rows = {r.code: r for r in report_rows(session, [plan.id], TODAY, config.reminders.zone,
                                           calendar=calendar_of(config.reminders))
            if r.kind == "item"}
    assert rows["3.3"].days_late == 3    # due Tue 28/02, done Fri 03/03
    assert rows["3.7"].days_late == 3    # plan said Fri 31/03, extended to 10/04, done Wed 05/04
    # 31/03 → 14/07: 75 weekdays less the Hùng Kings and 30/4–1/5 days off (2–3 May 2023).
    assert rows["3.55"].days_late == 72
    assert rows["3.4"].days_late is None and rows["3.31"].days_late is None
    assert rows["3.7"].done_on == date(2023, 4, 5)
    assert rows["3.1"].done_on is None   # not finished: the first milestone's day is not shown


# ----------------------------------------------------------------------- xlsx

def test_the_spreadsheet_opens_with_title_as_of_date_and_the_office_header(world, sheet):
    _, _, plan = world
    assert sheet["A1"].value == (f"Kết quả thực hiện từng nhiệm vụ của {plan.title}, "
                                 "từ đầu năm đến ngày 14/07/2023")
    assert sheet["A2"].value == "Tình hình đến ngày 14/07/2023"
    assert row_values(sheet, 3) == [
        "TT", "Mục tiêu", "Nhiệm vụ", "Hoạt động", "Sản phẩm", "Chủ trì", "Phối hợp",
        "Thời gian thực hiện", "Kinh phí", "Trạng thái", "Tiến độ (%)", "Ngày hoàn thành",
        "Trễ (ngày làm việc)", "Ghi chú mới nhất", "Tài liệu kiểm chứng"]
    assert all(sheet.cell(3, c).font.b for c in range(1, 16))
    assert sheet.freeze_panes == "A4"
    assert sheet.auto_filter.ref == f"A3:O{3 + len(SECTIONS) + ITEMS}"
    assert sheet.max_row == 3 + len(SECTIONS) + ITEMS
    widths = [sheet.column_dimensions[chr(ord("A") + i)].width for i in range(15)]
    # A date (10 digits) fits its column whole; the activity column is the widest.
    assert widths[11] >= 11 and max(widths) == widths[3] and min(widths) >= 4


def test_the_spreadsheet_prints_landscape_fit_to_width_with_the_header_repeated(sheet):
    setup = sheet.page_setup
    assert setup.orientation == "landscape" and int(setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)  # as many pages down as needed
    assert sheet.print_title_rows.replace("$", "") == "3:3"


def test_row_heights_grow_with_the_wrapped_text(world, sheet):
    rows = rows_by_code(sheet)
    heights = {code: sheet.row_dimensions[r].height for code, r in rows.items()}
    assert all(h and h >= 17 for h in heights.values())
    # 3.7's product and deadline run to several lines, 3.1's to fewer.
    assert heights["3.7"] > heights["3.1"] and len(set(heights.values())) > 5


def test_the_objective_is_merged_over_the_activities_it_holds(world, sheet):
    session, _, _ = world
    merged = {str(m) for m in sheet.merged_cells.ranges}
    rows = rows_by_code(sheet)
    first, second = rows["3.1"], rows["3.2"]  # both under objective 1.1, as in the plan
    assert item(session, "3.1").objective_code == item(session, "3.2").objective_code == "1.1"
    assert f"B{first}:B{second}" in merged and f"A{first}:A{second}" in merged
    assert sheet.cell(first, 2).value.startswith("1.1 ")
    assert item(session, "3.1").task_code != item(session, "3.2").task_code
    assert not any(m.startswith(f"C{first}:") for m in merged)


def test_the_summary_sheet_has_the_counts_of_tongket(world):
    session, config, plan = world
    book = openpyxl.load_workbook(io.BytesIO(make(world, "xlsx")))
    summary = book["Tổng hợp"]
    counts = {summary.cell(r, 1).value: summary.cell(r, 2).value
              for r in range(6, summary.max_row + 1)}
    assert counts["Tổng số nhiệm vụ của Kế hoạch"] == ITEMS
    assert sum(v for k, v in counts.items() if k in dict(texts.REPORT_COUNT_LINES).values()) \
        == ITEMS
    text = summary_text(session, 1, [plan.id], TODAY, config)
    for state, name in texts.REPORT_COUNT_LINES:
        if counts.get(name):
            assert f"{texts.STATE_NAMES[state]} {counts[name]}" in text, name
    assert summary.page_setup.fitToWidth == 1


def test_the_37_row_carries_the_plans_columns_and_how_it_went(world, sheet):
    session, _, _ = world
    it = item(session, "3.7")
    assert it.title.startswith("Xây dựng kế hoạch để tổ chức rà soát")
    r = rows_by_code(sheet)["3.7"]
    assert row_values(sheet, r) == [
        5,
        f"1.5 {it.objective_text}",
        f"2.6 {it.task_text}",
        f"3.7 {it.title}",
        it.product,
        "Bộ phận 1 cửa",
        "Văn phòng UBND xã",
        "Ban hành Kế hoạch trước 15/2/2023; báo cáo kết quả thực hiện trước 31/3/2023",
        "Theo mức chi quy định hiện hành",
        "xong trễ hạn",
        100,
        datetime(2023, 4, 5),
        3,
        f"06/04/2023: {MAI} ghi chú: {NOTE_37}",
        "ke-hoach-ra-soat-tthc.pdf\nbao-cao-ket-qua-ra-soat.docx",
    ]
    assert sheet.cell(r, 12).number_format == "DD/MM/YYYY"
    assert sheet.cell(r, 14).alignment.wrap_text and sheet.cell(r, 4).alignment.wrap_text


def test_other_rows_show_state_completion_lateness_and_latest_note(world, sheet):
    rows = rows_by_code(sheet)
    done = row_values(sheet, rows["3.4"])
    assert done[9:14] == ["xong đúng hạn", 100, datetime(2023, 6, 9), None,
                          f"09/06/2023: {LAN} báo đã xong"]
    late = row_values(sheet, rows["3.3"])
    assert late[9:13] == ["xong trễ hạn", 100, datetime(2023, 3, 3), 3]
    overdue = row_values(sheet, rows["3.55"])
    assert overdue[9:15] == ["quá hạn", None, None, 72,
                             f"03/04/2023: {MAI} báo chưa xong: chờ huyện hướng dẫn", None]
    extended = row_values(sheet, rows["3.31"])
    assert extended[7] == "Quý II/2023"
    # The latest percent stays in its column and beside the note, extension or not.
    assert extended[9:14] == ["đang thực hiện", 70, None, None,
                              f"đang được 70%; 10/07/2023: {HUNG} báo đang làm 70%"]
    ongoing = row_values(sheet, rows["3.2"])
    assert ongoing[9] == "thường xuyên"
    assert ongoing[13] == f"12/07/2023: {HOA} ghi chú: Đã trình HĐND 2 nghị quyết"
    assert row_values(sheet, rows["3.66"])[9] == "chờ sự kiện"
    assert row_values(sheet, rows["3.6"])[9:15] == ["chưa thực hiện", None, None, None, None, None]
    assert row_values(sheet, rows["3.8"])[5] == "Phòng Tư pháp; UBND các xã, thị trấn"


def test_state_cells_are_filled_with_the_states_colour(world, sheet):
    session, config, plan = world
    rows = rows_by_code(sheet)
    expected = {"3.55": "E06666", "3.6": "F3F3F3", "3.60": "FFD966", "3.7": "F6B26B",
                "3.4": "93C47D", "3.2": "6FA8DC", "3.66": "CCCCCC"}
    for code, colour in expected.items():
        fill = sheet.cell(rows[code], 10).fill
        assert fill.fill_type == "solid" and fill.fgColor.rgb[-6:] == colour, code
    names = {name: state for state, name in texts.STATE_NAMES.items()}
    for r in rows.values():  # every item row, against the derived state
        state = names[sheet.cell(r, 10).value]
        assert sheet.cell(r, 10).fill.fgColor.rgb[-6:] == STATE_COLOURS[state]
    assert sheet.cell(rows["3.7"], 9).fill.fill_type is None


def test_section_rows_are_bold_and_merged_across_the_table(world, sheet):
    merged = {str(m) for m in sheet.merged_cells.ranges}
    headings = [(r, sheet.cell(r, 1).value) for r in range(4, sheet.max_row + 1)
                if sheet.cell(r, 4).value is None]
    assert [text for _, text in headings] == SECTIONS
    for r, _ in headings:
        assert f"A{r}:O{r}" in merged
        assert sheet.cell(r, 1).font.b
    assert headings[0][0] == 4 and sheet.cell(5, 4).value.startswith("3.1 ")


def test_the_same_inputs_give_the_same_bytes(world):
    assert make(world, "xlsx") == make(world, "xlsx")
    assert make(world, "docx") == make(world, "docx")


# ----------------------------------------------------------------------- docx

@pytest.fixture
def document(world):
    return docx.Document(io.BytesIO(make(world, "docx")))


def cell_lines(cell) -> list[str]:
    return [p.text for p in cell.paragraphs if p.text]


def test_the_word_report_opens_with_the_administrative_heading_block(world, document):
    heading = document.tables[0]
    borders = heading._tbl.tblPr.find(qn("w:tblBorders"))
    assert all(side.get(qn("w:val")) == "nil" for side in borders)
    (body, nation), (number, place) = [row.cells for row in heading.rows]
    assert cell_lines(body) == ["ỦY BAN NHÂN DÂN", "XÃ BẰNG PHÚC"]
    assert cell_lines(nation) == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert all(run.bold for p in nation.paragraphs for run in p.runs)
    assert cell_lines(number) == ["Số: ……/BC-UBND"]
    assert cell_lines(place) == ["Bằng Phúc, ngày … tháng … năm …"]
    assert all(run.italic for run in place.paragraphs[0].runs)
    assert heading.columns[1].width > heading.columns[0].width


def test_the_word_report_names_its_kind_subject_and_period(world, document):
    _, config, plan = world
    texts_in_order = [p.text for p in document.paragraphs if p.text]
    assert texts_in_order[:2] == [
        "BÁO CÁO", f"Kết quả thực hiện {plan.title}, từ đầu năm đến ngày 14/07/2023"]
    q1 = docx.Document(io.BytesIO(make(world, "docx", parse_period("quý I", 2023,
                                                                   config.reports))))
    assert [p.text for p in q1.paragraphs if p.text][1] == (
        f"Kết quả thực hiện {plan.title}, quý I năm 2023")


def test_the_first_section_is_portrait_a4_with_the_decree_margins_in_times(document):
    page = document.sections[0]
    assert page.orientation == WD_ORIENT.PORTRAIT
    assert (round(page.page_width.mm), round(page.page_height.mm)) == (210, 297)
    assert 20 <= round(page.top_margin.mm) <= 25 and 20 <= round(page.bottom_margin.mm) <= 25
    assert 30 <= round(page.left_margin.mm) <= 35 and 15 <= round(page.right_margin.mm) <= 20
    assert document.styles["Normal"].font.name == "Times New Roman"
    body = [run.font.size for p in document.paragraphs for run in p.runs
            if p.text.startswith("- ")]
    assert body and all(Pt(13) <= size <= Pt(14) for size in body)


def body_lines(document) -> list[str]:
    return [p.text for p in document.paragraphs if p.text]


def test_the_body_counts_match_tongket_for_the_same_day(world, document):
    session, config, plan = world
    lines = body_lines(document)
    assert "- Tổng số nhiệm vụ của Kế hoạch: 46." in lines
    tongket = summary_text(session, 1, [plan.id], TODAY, config)
    assert tongket.splitlines()[0].endswith("14/07/2023")
    names = {name: state for state, name in texts.REPORT_COUNT_LINES}
    seen = 0
    for line in lines:
        name, _, rest = line.removeprefix("- ").partition(": ")
        if name in names:
            count = int(rest.split()[0])
            seen += count
            if count:
                assert f"{texts.STATE_NAMES[names[name]]} {count}" in tongket
    assert seen == ITEMS
    assert "- Quá hạn, chưa hoàn thành: 3 nhiệm vụ (6,5%)." in lines


def test_the_body_lists_the_overdue_items_with_working_days(world, document):
    lines = body_lines(document)
    overdue = [line for line in lines if "ngày làm việc" in line and line.startswith("- 3.")]
    assert [line.split()[1] for line in overdue] == ["3.63", "3.55", "3.62"]
    assert "hạn 31/03/2023, trễ 72 ngày làm việc; chủ trì: Bộ phận 1 cửa." in overdue[1]


def test_recipients_and_the_signature_block_close_the_document(world, document):
    signature = document.tables[1]
    recipients, signer = signature.rows[0].cells
    assert cell_lines(recipients) == [
        "Nơi nhận:", "- UBND huyện Chợ Đồn;", "- Phòng Nội vụ huyện;", "- TT Đảng ủy, HĐND xã;",
        "- Chủ tịch, các PCT UBND xã;", "- Lưu: VT."]
    assert cell_lines(signer) == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", CHAIRMAN]


def test_the_appendix_is_a_landscape_section_after_the_report(document):
    assert len(document.sections) == 2
    appendix = document.sections[1]
    assert appendix.orientation == WD_ORIENT.LANDSCAPE
    assert (round(appendix.page_width.mm), round(appendix.page_height.mm)) == (297, 210)
    usable = appendix.page_width - appendix.left_margin - appendix.right_margin
    table = document.tables[2]
    assert sum(c.width for c in table.columns) <= usable
    assert "PHỤ LỤC" in body_lines(document)


def test_the_word_table_has_a_repeating_bold_header_sections_and_items(world, document):
    table = document.tables[2]
    assert len(table.rows) == 1 + len(SECTIONS) + ITEMS
    header = table.rows[0]
    assert [c.text for c in header.cells] == list(texts.REPORT_COLUMNS)
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    assert all(run.bold for c in header.cells for run in c.paragraphs[0].runs)
    sections = [row for row in table.rows[1:] if len({id(c._tc) for c in row.cells}) == 1]
    assert [row.cells[0].text for row in sections] == SECTIONS
    assert all(run.bold for row in sections for run in row.cells[0].paragraphs[0].runs)
    assert table.rows[1].cells[0].text == SECTIONS[0]


def test_the_word_table_merges_the_objective_over_its_activities(world, document):
    table = document.tables[2]
    rows = {row.cells[3].text.split(" ", 1)[0]: row for row in table.rows[1:]
            if len({id(c._tc) for c in row.cells}) > 1}
    first, second = rows["3.1"], rows["3.2"]
    assert first.cells[1]._tc is second.cells[1]._tc  # one cell spans both rows
    assert first.cells[0]._tc is second.cells[0]._tc
    assert first.cells[2]._tc is not second.cells[2]._tc  # different tasks stay apart
    assert first.cells[1].text.startswith("1.1 ") and first.cells[1].text.count("1.1 ") == 1


def test_word_columns_are_wide_enough_for_a_date_and_the_longest_word(world, document):
    table = document.tables[2]
    widths = [c.width for c in table.columns]
    # Times New Roman 8 pt: about 1.3 mm a letter or digit (a date is ~13 mm), 1.6 mm padding.
    by_column = {}
    for row in table.rows:
        if len({id(c._tc) for c in row.cells}) == 1:
            continue  # a section heading spans the table
        for index, cell in enumerate(row.cells):
            for word in cell.text.replace("-", " ").split():
                by_column[index] = max(by_column.get(index, 0), len(word))
    for index, width in enumerate(widths):
        assert width.mm - 1.6 >= min(by_column.get(index, 0), 14) * 1.3, texts.REPORT_COLUMNS[index]
    assert widths[11].mm >= 15  # "Ngày hoàn thành": 05/04/2023 on one line


def test_the_word_rows_match_the_spreadsheet(world, document):
    session, _, _ = world
    table = document.tables[2]
    rows = {row.cells[3].text.split(" ", 1)[0]: row for row in table.rows[1:]
            if len({id(c._tc) for c in row.cells}) > 1}
    assert len(rows) == ITEMS
    it = item(session, "3.7")
    cells = [c.text for c in rows["3.7"].cells]
    assert cells[:4] == ["5", f"1.5 {it.objective_text}", f"2.6 {it.task_text}", f"3.7 {it.title}"]
    assert cells[5:7] == ["Bộ phận 1 cửa", "Văn phòng UBND xã"]
    assert cells[9:] == ["xong trễ hạn", "100", "05/04/2023", "3",
                         f"06/04/2023: {MAI} ghi chú: {NOTE_37}", "\n".join(FILES_37)]
    assert [c.text for c in rows["3.55"].cells][9:13] == ["quá hạn", "", "", "72"]
    assert [c.text for c in rows["3.4"].cells][9:13] == ["xong đúng hạn", "100", "09/06/2023", ""]
    sizes = {run.font.size for c in rows["3.7"].cells for p in c.paragraphs for run in p.runs}
    assert sizes == {Pt(8)}
    shading = rows["3.7"].cells[9]._tc.tcPr.find(qn("w:shd"))
    assert shading.get(qn("w:fill")) == STATE_COLOURS["done_late"]


# ---------------------------------------------------------------------- chart

def chart(world) -> bytes:
    session, config, plan = world
    views = load_items(session, [plan.id], TODAY, config.reminders.zone)
    return progress_chart(views, TODAY, title=plan.title)


def test_the_chart_is_a_png_of_about_900_by_500(world):
    png = chart(world)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert 5_000 < len(png) < 500_000
    image = Image.open(io.BytesIO(png))
    assert abs(image.width - 900) <= 10 and abs(image.height - 500) <= 10


def test_the_chart_shows_each_states_colour_and_is_not_blank(world):
    image = Image.open(io.BytesIO(chart(world))).convert("RGB")
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 20)}
    assert len(colours) > 20
    for state in ("overdue", "in_progress", "done_late", "done_on_time", "ongoing",
                  "waiting_event", "not_started"):
        hex_colour = STATE_COLOURS[state]
        assert tuple(int(hex_colour[i:i + 2], 16) for i in (0, 2, 4)) in colours, state
    assert chart(world) == chart(world)


def test_a_plan_with_nothing_in_it_still_draws(world):
    png = progress_chart([], TODAY, title="Kế hoạch trống")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and Image.open(io.BytesIO(png)).size == (900, 500)


def test_the_chart_names_sections_and_is_saved_per_plan_and_day(world):
    session, config, plan = world
    name, png = chart_for(session, [plan.id], TODAY, config.reminders.zone)
    assert name == "bieu-do-ke-hoach-thuc-hien-cong-tac-cai-cach-hanh-chinh-nam-2023-2023-07-14.png"
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert chart_for(session, [plan.id], date(2023, 7, 15), config.reminders.zone)[0] != name
    assert section_label("I", "CẢI CÁCH THỂ CHẾ") == "I. Cải cách thể chế"
    long = section_label("VI", "XÂY DỰNG VÀ PHÁT TRIỂN CHÍNH QUYỀN ĐIỆN TỬ")
    assert long == "VI. Xây dựng và phát triển chính…" and len(long) <= texts.CHART_SECTION_MAX


def test_a_plan_stored_under_its_file_name_is_titled_by_its_year(world):
    session, config, plan = world
    plan.title = plan.source_name = "ke-hoach-2023.xlsx"
    session.flush()
    from bot.reports import plan_title

    assert plan_title(plan) == "Kế hoạch năm 2023"
    session.rollback()


def test_ongoing_items_are_drawn_apart_from_the_progress_bar(world):
    session, config, plan = world
    views = load_items(session, [plan.id], TODAY, config.reminders.zone)
    only_ongoing = [v for v in views if v.state == "ongoing"]
    assert only_ongoing
    image = Image.open(io.BytesIO(progress_chart(only_ongoing, TODAY, title="x"))).convert("RGB")
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 20)}
    blue = tuple(int(STATE_COLOURS["ongoing"][i:i + 2], 16) for i in (0, 2, 4))
    green = tuple(int(STATE_COLOURS["done_on_time"][i:i + 2], 16) for i in (0, 2, 4))
    assert blue in colours and green not in colours
