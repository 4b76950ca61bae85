"""The report the office sends upward: the plan's appendix table with how each item stands.

One row per item in plan order under its section's row, the plan's own columns first, then
state, completion day, working days late, the latest note and the evidence files. States come
from `bot.status` (derived, never stored). Output is the same bytes for the same inputs: no
clock is read, the file dates are `today`.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.status import DONE, ItemView, first_milestone, load_items
from db.models import Evidence, Item, ItemReply, Milestone, Person, Plan, Section
from jobs.calendar import WorkCalendar

# One fill per state, shared by the spreadsheet, the Word table and the chart (RGB hex).
STATE_COLOURS = {
    "overdue": "E06666",        # red
    "not_started": "F3F3F3",    # white / grey
    "in_progress": "FFD966",    # yellow
    "done_late": "F6B26B",      # orange
    "done_on_time": "93C47D",   # green
    "ongoing": "6FA8DC",        # blue
    "waiting_event": "CCCCCC",  # light grey
    "no_deadline": "D9D2E9",    # lavender
}
COLUMNS = len(texts.REPORT_COLUMNS)
STATE_COLUMN = texts.REPORT_COLUMNS.index("Trạng thái") + 1  # 1-based, as spreadsheets count
# Widths: spreadsheet characters, and millimetres on a landscape A4 page with 15 mm margins.
XLSX_WIDTHS = (5, 30, 30, 40, 25, 20, 22, 20, 16, 14, 12, 8, 36, 28)
DOCX_WIDTHS_MM = (8, 24, 24, 32, 22, 18, 18, 20, 12, 16, 15, 10, 26, 22)
TABLE_FONT = Pt(9)


@dataclass(frozen=True, slots=True)
class ReportRow:
    """A section heading (kind "section", only `heading` set) or one item of the plan."""

    kind: str
    heading: str = ""
    item_id: int | None = None
    code: str = ""
    label: str = ""
    objective: str = ""
    task: str = ""
    activity: str = ""
    product: str = ""
    owners: str = ""
    coordinators: str = ""
    deadline: str = ""
    budget: str = ""
    state: str = ""
    done_on: date | None = None
    days_late: int | None = None
    note: str = ""
    evidence: tuple[str, ...] = ()

    def values(self) -> list[object]:
        """The item's cells in column order; the date and the day count stay typed."""
        return [self.label, self.objective, self.task, self.activity, self.product, self.owners,
                self.coordinators, self.deadline, self.budget,
                texts.STATE_NAMES.get(self.state, self.state), self.done_on, self.days_late,
                self.note, "\n".join(self.evidence)]

    def strings(self) -> list[str]:
        shown = self.values()
        shown[10] = texts.show_date(self.done_on) if self.done_on else ""
        shown[11] = "" if self.days_late is None else str(self.days_late)
        return [str(value) for value in shown]


def report_rows(session: Session, plan_ids: list[int], today: date, zone: ZoneInfo, *,
                calendar: WorkCalendar | None = None) -> list[ReportRow]:
    """Section rows and item rows of the plans, in plan order, as of `today`."""
    calendar = calendar or WorkCalendar()
    views = load_items(session, plan_ids, today, zone)
    ids = [v.id for v in views]
    items = {item.id: item for item in session.scalars(select(Item).where(Item.id.in_(ids)))}
    sections = {s.id: s for s in
                session.scalars(select(Section).where(Section.plan_id.in_(plan_ids)))}
    notes = _latest_notes(session, ids, zone)
    files = _evidence(session, ids)
    # Several plans in one report: each opens with its own heading (codes repeat across plans).
    plans = {plan.id: plan for plan in session.scalars(select(Plan).where(Plan.id.in_(plan_ids)))
             } if len(plan_ids) > 1 else {}
    rows: list[ReportRow] = []
    current: tuple[int, int | None] | None = None
    for view in views:
        item = items[view.id]
        key = (item.plan_id, item.section_id)
        if key != current:
            if plans and (current is None or current[0] != item.plan_id):
                plan = plans[item.plan_id]
                rows.append(ReportRow("section", heading=texts.REPORT_PLAN_HEADING.format(
                    id=plan.id, year=plan.year, title=plan.title)))
            current = key
            section = sections.get(item.section_id) if item.section_id else None
            if section is not None:
                rows.append(ReportRow("section", heading=f"{section.code}. {section.title}"))
        rows.append(ReportRow(
            "item", item_id=item.id, code=item.code, label=item.row_label or "",
            objective=texts.report_coded(item.objective_code, item.objective_text),
            task=texts.report_coded(item.task_code, item.task_text),
            activity=texts.report_coded(item.code, item.title),
            product=item.product or "", owners="; ".join(item.owners),
            coordinators="; ".join(item.coordinators), deadline=item.deadline_text or "",
            budget=item.budget_note or "", state=view.state, done_on=_done_on(view),
            days_late=_days_late(view, today, calendar),
            note="; ".join(filter(None, [_progress(view), notes.get(item.id, "")])),
            evidence=tuple(files.get(item.id, ()))))
    return rows


def _progress(view: ItemView) -> str:
    """ "đang được 50%, hẹn xong 17/02/2023": where an open item stands, beside its note."""
    open_ones = view.open_milestones
    return texts.progress_note(first_milestone(open_ones)).strip(" ()") if open_ones else ""


def _done_on(view: ItemView) -> date | None:
    if view.state not in DONE:
        return None
    days = [m.done_on for m in view.milestones if m.done_on]
    return max(days) if days else None


def _days_late(view: ItemView, today: date, calendar: WorkCalendar) -> int | None:
    """Working days: done-late items against the plan's own date, overdue ones until today."""
    if view.state == "done_late":
        late = [calendar.working_days_between(m.planned_due or m.due, m.done_on)
                for m in view.milestones if m.state == "done_late"]
    elif view.state == "overdue":
        late = [calendar.working_days_between(m.due, today)
                for m in view.milestones if m.state == "overdue"]
    else:
        return None
    return max(late) if late else None


def _latest_notes(session: Session, item_ids: list[int], zone: ZoneInfo) -> dict[int, str]:
    found: dict[int, str] = {}
    for item_id, reply, name in session.execute(
            select(Milestone.item_id, ItemReply, Person.name)
            .join(Milestone, Milestone.id == ItemReply.milestone_id)
            .join(Person, Person.id == ItemReply.person_id)
            .where(Milestone.item_id.in_(item_ids))
            .order_by(ItemReply.at, ItemReply.id)):
        found[item_id] = texts.report_note(reply.at.astimezone(zone).date(), name, reply.intent,
                                           reply.percent, reply.note)
    return found


def _evidence(session: Session, item_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for item_id, name in session.execute(
            select(Milestone.item_id, Evidence.file_name)
            .join(Milestone, Milestone.id == Evidence.milestone_id)
            .where(Milestone.item_id.in_(item_ids))
            .order_by(Evidence.received_at, Evidence.id)):
        found.setdefault(item_id, []).append(name)
    return found


# ------------------------------------------------------------------------ xlsx

def build_xlsx(session: Session, plan_ids: list[int], today: date, zone: ZoneInfo, *,
               title: str, unit: str, calendar: WorkCalendar | None = None) -> bytes:
    rows = report_rows(session, plan_ids, today, zone, calendar=calendar)
    book = Workbook()
    sheet = book.active
    sheet.title = texts.REPORT_SHEET
    last_column = get_column_letter(COLUMNS)
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    centred = Alignment(wrap_text=True, vertical="top", horizontal="center")

    sheet.append([f"{texts.REPORT_TITLE.format(title=title)} — {unit}"])
    sheet.append([texts.REPORT_AS_OF.format(day=texts.show_date(today))])
    sheet.merge_cells(f"A1:{last_column}1")
    sheet.merge_cells(f"A2:{last_column}2")
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"].font = Font(italic=True)
    sheet.append(list(texts.REPORT_COLUMNS))
    header_row = 3
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.border = border

    fills = {state: PatternFill("solid", fgColor=colour) for state, colour in STATE_COLOURS.items()}
    for row in rows:
        if row.kind == "section":
            sheet.append([row.heading])
            r = sheet.max_row
            sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=COLUMNS)
            for cell in sheet[r]:
                cell.border = border
            sheet.cell(r, 1).font = Font(bold=True)
            sheet.cell(r, 1).alignment = Alignment(vertical="center")
            continue
        values = row.values()
        if values[0].isdigit():
            values[0] = int(values[0])  # TT: a number, as the office types it
        sheet.append([value if value not in ("", None) else None for value in values])
        r = sheet.max_row
        for cell in sheet[r]:
            cell.border = border
            cell.alignment = wrap
        for column in (1, STATE_COLUMN, STATE_COLUMN + 1, STATE_COLUMN + 2):
            sheet.cell(r, column).alignment = centred
        sheet.cell(r, STATE_COLUMN + 1).number_format = "DD/MM/YYYY"
        if row.state in fills:
            sheet.cell(r, STATE_COLUMN).fill = fills[row.state]

    for index, width in enumerate(XLSX_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.auto_filter.ref = f"A{header_row}:{last_column}{max(sheet.max_row, header_row)}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    stamp = datetime.combine(today, time())
    book.properties.title = texts.REPORT_TITLE.format(title=title)
    book.properties.creator = unit
    book.properties.created = book.properties.modified = stamp
    buffer = io.BytesIO()
    # Workbook.save would stamp the clock into the file; the writer takes our dates as they are.
    ExcelWriter(book, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return _stable_zip(buffer.getvalue(), stamp)


# ------------------------------------------------------------------------ docx

def build_docx(session: Session, plan_ids: list[int], today: date, zone: ZoneInfo, *,
               title: str, unit: str, calendar: WorkCalendar | None = None) -> bytes:
    rows = report_rows(session, plan_ids, today, zone, calendar=calendar)
    document = docx.Document()
    page = document.sections[0]
    page.orientation = WD_ORIENT.LANDSCAPE
    page.page_width, page.page_height = Mm(297), Mm(210)
    page.left_margin = page.right_margin = page.top_margin = page.bottom_margin = Mm(15)
    document.styles["Normal"].font.name = "Times New Roman"

    def line(text: str, *, size: int, bold: bool = False, italic: bool = False) -> None:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(2)
        run = paragraph.add_run(text)
        run.font.size, run.bold, run.italic = Pt(size), bold, italic

    line(texts.REPORT_HEADING.upper(), size=14, bold=True)
    line(title, size=13, bold=True)
    line(texts.REPORT_UNIT.format(unit=unit), size=12)
    line(texts.REPORT_AS_OF.format(day=texts.show_date(today)), size=12, italic=True)

    table = document.add_table(rows=1 + len(rows), cols=COLUMNS)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, DOCX_WIDTHS_MM, strict=True):
        column.width = Mm(width)
    all_rows = list(table.rows)
    for row in all_rows:
        for cell, width in zip(row.cells, DOCX_WIDTHS_MM, strict=True):
            cell.width = Mm(width)

    header = all_rows[0]
    header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # repeat on every page
    for cell, name in zip(header.cells, texts.REPORT_COLUMNS, strict=True):
        _cell_text(cell, name, bold=True, centre=True)
        _shade(cell, "D9E1F2")
    for report_row, row in zip(rows, all_rows[1:], strict=True):
        cells = row.cells
        if report_row.kind == "section":
            merged = cells[0].merge(cells[-1])
            _cell_text(merged, report_row.heading, bold=True)
            continue
        for index, (cell, text) in enumerate(zip(cells, report_row.strings(), strict=True), 1):
            _cell_text(cell, text, centre=index in (1, STATE_COLUMN, STATE_COLUMN + 1,
                                                    STATE_COLUMN + 2))
        if report_row.state in STATE_COLOURS:
            _shade(cells[STATE_COLUMN - 1], STATE_COLOURS[report_row.state])

    stamp = datetime.combine(today, time())
    properties = document.core_properties
    properties.title = texts.REPORT_TITLE.format(title=title)
    properties.author = properties.last_modified_by = unit
    properties.created = properties.modified = stamp
    properties.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return _stable_zip(buffer.getvalue(), stamp)


def _cell_text(cell, text: str, *, bold: bool = False, centre: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if text:
        run = paragraph.add_run(text)  # "\n" becomes a line break
        run.font.size = TABLE_FONT
        run.bold = bold or None


def _shade(cell, colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shading)


# ------------------------------------------------------------------------ both

def _stable_zip(data: bytes, stamp: datetime) -> bytes:
    """The same archive with every member dated `stamp`, so equal inputs give equal bytes."""
    when = (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=when)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            target.writestr(member, source.read(info.filename))
    return out.getvalue()
