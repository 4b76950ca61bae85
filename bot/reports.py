"""The report the office sends upward, for a period: a signed document and its appendix table.

The .docx is an administrative report as Nghị định 30/2020/NĐ-CP lays it out (heading block,
number, place and date, subject, the counts, the overdue list, recipients, signature) followed
by the appendix in a landscape section; the .xlsx has a summary sheet and the appendix sheet,
set up to print on A4. One row per item in plan order under its section's row, the plan's own
columns first (objective and task merged over their rows as the plan merges them), then state,
progress, completion day, working days late, the latest note and the evidence files. States
come from `bot.status` as of the period's end (derived, never stored). Output is the same bytes
for the same inputs: no clock is read, the file dates are the period's end.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import docx
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.writer.excel import ExcelWriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.config import UnitReportConfig
from bot.people import people_with_duty
from bot.periods import Period, completed_on, done_within, overdue_within
from bot.status import ItemView, first_milestone, load_items
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
CENTRED = (1, STATE_COLUMN, STATE_COLUMN + 1, STATE_COLUMN + 2, STATE_COLUMN + 3)
# TT, objective and task: one cell over the activities they hold, as the plan merges them.
MERGED = {1: "label", 2: "objective", 3: "task"}
# Spreadsheet widths in digits of the default font; fit to width, they print on A4 landscape
# at about 85 %.
XLSX_WIDTHS = (4, 16, 16, 22, 14, 11, 11, 13, 9, 10, 7, 11, 8, 16, 13)
XLSX_FONT, XLSX_LINE_PT = 10, 13.5
# Millimetres on a landscape A4 page with 20 + 15 mm margins (262 mm). At 8 pt with 0.8 mm cell
# padding a date needs 15 mm and the longest Vietnamese word about 10 mm.
DOCX_WIDTHS_MM = (7, 24, 24, 32, 20, 18, 18, 20, 14, 16, 10, 16, 12, 17, 14)
TABLE_FONT = Pt(8)
FONT = "Times New Roman"


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
    progress: int | None = None
    done_on: date | None = None
    days_late: int | None = None
    note: str = ""
    evidence: tuple[str, ...] = ()

    def values(self) -> list[object]:
        """The item's cells in column order; the date and the numbers stay typed."""
        return [self.label, self.objective, self.task, self.activity, self.product, self.owners,
                self.coordinators, self.deadline, self.budget,
                texts.STATE_NAMES.get(self.state, self.state), self.progress, self.done_on,
                self.days_late, self.note, "\n".join(self.evidence)]

    def strings(self) -> list[str]:
        return [texts.show_date(v) if isinstance(v, date) else "" if v is None else str(v)
                for v in self.values()]


@dataclass(slots=True)
class Report:
    """Everything both formats show, gathered once."""

    title: str
    unit: str
    period: Period
    heading: UnitReportConfig
    signer: str
    issued: date | None
    rows: list[ReportRow]
    views: list[ItemView]
    counts: Counter = field(default_factory=Counter)
    done_in_period: list[ItemView] = field(default_factory=list)
    overdue_in_period: list[ItemView] = field(default_factory=list)
    overdue_now: list[tuple[date, ReportRow]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.views)


def plan_title(plan: Plan) -> str:
    """The plan's own title; a plan file without one was stored under its file name."""
    if plan.title == plan.source_name:
        return texts.PLAN_UNTITLED.format(year=plan.year)
    return plan.title


def plans_title(session: Session, plan_ids: list[int]) -> tuple[Plan, str]:
    """The latest of the plans, and the title that names them all."""
    plans = session.scalars(select(Plan).where(Plan.id.in_(plan_ids))
                            .order_by(Plan.year, Plan.id)).all()
    if len(plans) == 1:
        return plans[0], plan_title(plans[0])
    return plans[-1], texts.REPORT_SEVERAL_PLANS.format(
        years=", ".join(sorted({str(p.year) for p in plans})))


def signer_of(session: Session, plan: Plan, now: datetime) -> str:
    """Who signs for the committee now: the chairman's role holder, else whoever signed the plan."""
    chairmen = sorted(p.name for p in people_with_duty(session, plan.unit_id, "chairman", now))
    return chairmen[0] if chairmen else plan.signer or ""


def gather(session: Session, plan_ids: list[int], period: Period, zone: ZoneInfo, *,
           title: str, unit: str, heading: UnitReportConfig, signer: str,
           issued: date | None = None, calendar: WorkCalendar | None = None) -> Report:
    views = load_items(session, plan_ids, period.end, zone)
    rows = report_rows(session, plan_ids, period.end, zone, calendar=calendar, views=views)
    report = Report(title, unit, period, heading, signer, issued, rows, views,
                    Counter(v.state for v in views), done_within(views, period),
                    overdue_within(views, period))
    by_id = {r.item_id: r for r in rows if r.kind == "item"}
    overdue = [(min(m.due for m in v.milestones if m.state == "overdue"), by_id[v.id])
               for v in views if v.state == "overdue"]
    report.overdue_now = sorted(overdue, key=lambda entry: (entry[0], -(entry[1].days_late or 0)))
    return report


def report_rows(session: Session, plan_ids: list[int], today: date, zone: ZoneInfo, *,
                calendar: WorkCalendar | None = None,
                views: list[ItemView] | None = None) -> list[ReportRow]:
    """Section rows and item rows of the plans, in plan order, as of `today`."""
    calendar = calendar or WorkCalendar()
    views = views if views is not None else load_items(session, plan_ids, today, zone)
    ids = [v.id for v in views]
    items = {item.id: item for item in session.scalars(select(Item).where(Item.id.in_(ids)))}
    sections = {s.id: s for s in
                session.scalars(select(Section).where(Section.plan_id.in_(plan_ids)))}
    notes = _latest_notes(session, ids, today, zone)
    files = _evidence(session, ids, today, zone)
    # Several plans in one report: each opens with its own heading (codes repeat across plans).
    plans = {plan.id: plan for plan in session.scalars(select(Plan).where(Plan.id.in_(plan_ids)))
             } if len(plan_ids) > 1 else {}
    rows: list[ReportRow] = []
    current: tuple[int, int | None] | None = None
    parent_shown: int | None = None
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
            parent = section.parent if section is not None else None
            if parent is not None and parent_shown != parent.id:
                rows.append(ReportRow("section", heading=f"{parent.code}. {parent.title}"))
            # An upper heading shows once over its sections, and not again under its own row.
            parent_shown = (parent or section).id if section is not None else None
            if section is not None:
                rows.append(ReportRow("section", heading=f"{section.number}. {section.title}"))
        rows.append(ReportRow(
            "item", item_id=item.id, code=item.code, label=item.row_label or "",
            objective=texts.report_coded(item.objective_code, item.objective_text),
            task=texts.report_coded(item.task_code, item.task_text),
            activity=texts.report_coded(item.code, item.title),
            product=item.product or "", owners="; ".join(item.owners),
            coordinators="; ".join(item.coordinators), deadline=item.deadline_text or "",
            budget=item.budget_note or "", state=view.state, progress=_progress(view),
            done_on=completed_on(view), days_late=_days_late(view, today, calendar),
            note="; ".join(filter(None, [_standing(view), notes.get(item.id, "")])),
            evidence=tuple(files.get(item.id, ()))))
    return rows


def _progress(view: ItemView) -> int | None:
    """100 when finished; otherwise the highest percentage anyone reported, if any."""
    if completed_on(view):
        return 100
    reported = [m.last_percent for m in view.milestones if m.last_percent is not None]
    return max(reported) if reported else None


def _standing(view: ItemView) -> str:
    """ "đang được 50%, hẹn xong 17/02/2023": where an open item stands, beside its note."""
    open_ones = view.open_milestones
    return texts.progress_note(first_milestone(open_ones)).strip(" ()") if open_ones else ""


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


def _latest_notes(session: Session, item_ids: list[int], today: date,
                  zone: ZoneInfo) -> dict[int, str]:
    found: dict[int, str] = {}
    for item_id, reply, name in session.execute(
            select(Milestone.item_id, ItemReply, Person.name)
            .join(Milestone, Milestone.id == ItemReply.milestone_id)
            .join(Person, Person.id == ItemReply.person_id)
            .where(Milestone.item_id.in_(item_ids))
            .order_by(ItemReply.at, ItemReply.id)):
        day = reply.at.astimezone(zone).date()
        if day <= today:
            found[item_id] = texts.report_note(day, name, reply.intent, reply.percent, reply.note)
    return found


def _evidence(session: Session, item_ids: list[int], today: date,
              zone: ZoneInfo) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for item_id, name, received in session.execute(
            select(Milestone.item_id, Evidence.file_name, Evidence.received_at)
            .join(Milestone, Milestone.id == Evidence.milestone_id)
            .where(Milestone.item_id.in_(item_ids))
            .order_by(Evidence.received_at, Evidence.id)):
        if received.astimezone(zone).date() <= today:
            found.setdefault(item_id, []).append(name)
    return found


def merged_runs(rows: list[ReportRow], column: int) -> list[tuple[int, int]]:
    """(first, last) indexes of `rows` where an objective or task cell spans several items."""
    attribute = MERGED[column]
    runs, start = [], None
    for index, row in enumerate(rows + [ReportRow("section")]):
        value = getattr(row, attribute) if row.kind == "item" else None
        if start is not None and (not value or value != getattr(rows[start], attribute)):
            if index - 1 > start:
                runs.append((start, index - 1))
            start = None
        if start is None and value:
            start = index
    return runs


def count_lines(report: Report) -> list[tuple[str, int]]:
    """The counts the body and the summary sheet show, in the office's order."""
    return [(name, report.counts.get(state, 0)) for state, name in texts.REPORT_COUNT_LINES
            if report.counts.get(state) or state not in ("waiting_event", "no_deadline")]


# ------------------------------------------------------------------------ xlsx

def build_xlsx(report: Report) -> bytes:
    book = Workbook()
    _summary_sheet(book.active, report)
    sheet = book.create_sheet(texts.REPORT_SHEET)
    rows = report.rows
    last_column = get_column_letter(COLUMNS)
    thin = Side(style="thin", color="808080")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    font, bold = Font(name=FONT, size=XLSX_FONT), Font(name=FONT, size=XLSX_FONT, bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    centred = Alignment(wrap_text=True, vertical="top", horizontal="center")

    sheet.append([texts.REPORT_APPENDIX_TITLE.format(title=report.title,
                                                      period=report.period.name)])
    sheet.append([texts.REPORT_AS_OF.format(day=texts.show_date(report.period.end))])
    sheet.merge_cells(f"A1:{last_column}1")
    sheet.merge_cells(f"A2:{last_column}2")
    sheet["A1"].font = Font(name=FONT, bold=True, size=13)
    sheet["A2"].font = Font(name=FONT, italic=True, size=XLSX_FONT)
    sheet.append(list(texts.REPORT_COLUMNS))
    header_row = 3
    for cell in sheet[header_row]:
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.border = border
    sheet.row_dimensions[header_row].height = 3 * XLSX_LINE_PT + 4

    fills = {state: PatternFill("solid", fgColor=colour) for state, colour in STATE_COLOURS.items()}
    first = header_row + 1
    for row in rows:
        r = sheet.max_row + 1
        if row.kind == "section":
            sheet.cell(r, 1, row.heading)
            sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=COLUMNS)
            for column in range(1, COLUMNS + 1):
                sheet.cell(r, column).border = border
            sheet.cell(r, 1).font = bold
            sheet.cell(r, 1).alignment = Alignment(vertical="center", wrap_text=True)
            sheet.row_dimensions[r].height = _height([row.heading], [sum(XLSX_WIDTHS)])
            continue
        values = row.values()
        if str(values[0]).isdigit():
            values[0] = int(values[0])  # TT: a number, as the office types it
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(r, column, value if value not in ("", None) else None)
            cell.border, cell.font = border, font
            cell.alignment = centred if column in CENTRED else wrap
        sheet.cell(r, STATE_COLUMN + 2).number_format = "DD/MM/YYYY"
        if row.state in fills:
            sheet.cell(r, STATE_COLUMN).fill = fills[row.state]
        strings = row.strings()
        sheet.row_dimensions[r].height = _height(
            [text for column, text in enumerate(strings, 1) if column not in MERGED],
            [w for column, w in enumerate(XLSX_WIDTHS, 1) if column not in MERGED])
    for column in MERGED:
        for top, bottom in merged_runs(rows, column):
            sheet.merge_cells(start_row=first + top, start_column=column,
                              end_row=first + bottom, end_column=column)
        _fit_merged(sheet, rows, column, first)

    for index, width in enumerate(XLSX_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = f"A{first}"
    sheet.auto_filter.ref = f"A{header_row}:{last_column}{max(sheet.max_row, header_row)}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    _print_setup(sheet)

    stamp = datetime.combine(report.period.end, time())
    book.properties.title = texts.REPORT_TITLE.format(title=report.title)
    book.properties.creator = report.unit
    book.properties.created = book.properties.modified = stamp
    buffer = io.BytesIO()
    # Workbook.save would stamp the clock into the file; the writer takes our dates as they are.
    ExcelWriter(book, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return _stable_zip(buffer.getvalue(), stamp)


def _summary_sheet(sheet, report: Report) -> None:
    sheet.title = texts.REPORT_SUMMARY_SHEET
    bold = Font(name=FONT, size=12, bold=True)
    plain = Font(name=FONT, size=12)
    sheet.append([texts.REPORT_TITLE.format(title=report.title)])
    sheet.append([texts.REPORT_SUMMARY_PERIOD.format(
        period=report.period.name, start=texts.show_date(report.period.start),
        end=texts.show_date(report.period.end))])
    sheet.append([report.unit])
    for r in (1, 2, 3):
        sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
        sheet.cell(r, 1).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[1].height = 36
    sheet.append([])
    sheet.append(list(texts.REPORT_SUMMARY_COLUMNS))
    sheet.append([texts.REPORT_SUMMARY_TOTAL, report.total, 100])
    for name, count in count_lines(report):
        sheet.append([name, count, _share(count, report.total)])
    done_late = sum(1 for v in report.done_in_period if v.state == "done_late")
    for name, count in ((texts.REPORT_SUMMARY_DONE_IN, len(report.done_in_period)),
                        (texts.REPORT_SUMMARY_DONE_LATE_IN, done_late),
                        (texts.REPORT_SUMMARY_OVERDUE_IN, len(report.overdue_in_period))):
        sheet.append([name, count, _share(count, report.total)])
    for row in sheet.iter_rows():
        for cell in row:
            cell.font = plain
    for cell in sheet[1] + sheet[5]:
        cell.font = bold
    for r in range(6, sheet.max_row + 1):
        sheet.cell(r, 3).number_format = "0.0"
        sheet.cell(r, 1).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 60
    sheet.column_dimensions["B"].width = 14
    sheet.column_dimensions["C"].width = 12
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0


def _share(count: int, total: int) -> float:
    return round(100 * count / total, 1) if total else 0.0


def _height(values: list[str], widths: list[float]) -> float:
    """Points for a row whose wrapped cells need this many lines (a little generous)."""
    lines = max((_lines(text, width) for text, width in zip(values, widths, strict=True)),
                default=1)
    return max(lines, 1) * XLSX_LINE_PT + 4


def _lines(text: str, width: float) -> int:
    # Times New Roman 10 fits about 1.7 letters per width unit (a digit of the default font);
    # 1.5 keeps a little room so no wrapped line is cut off.
    per_line = max(width * 1.5 - 1, 1)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n")) if text else 1


def _fit_merged(sheet, rows: list[ReportRow], column: int, first: int) -> None:
    """A merged objective or task taller than its rows makes the last of them taller."""
    spans = {top: bottom for top, bottom in merged_runs(rows, column)}
    attribute = MERGED[column]
    for index, row in enumerate(rows):
        if row.kind != "item" or any(t < index <= b for t, b in spans.items()):
            continue
        bottom = spans.get(index, index)
        need = _lines(getattr(row, attribute), XLSX_WIDTHS[column - 1]) * XLSX_LINE_PT + 4
        have = sum(sheet.row_dimensions[first + i].height for i in range(index, bottom + 1))
        if need > have:
            sheet.row_dimensions[first + bottom].height += need - have


def _print_setup(sheet) -> None:
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    # Fit the width only: as many pages down as the rows need (fitToHeight 0).
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    margins = sheet.page_margins
    margins.left, margins.right, margins.top, margins.bottom = 0.6, 0.4, 0.6, 0.6
    sheet.print_options.horizontalCentered = True
    sheet.oddFooter.center.text = "&P/&N"


# ------------------------------------------------------------------------ docx

def build_docx(report: Report) -> bytes:
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(14)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    normal.paragraph_format.space_after = Pt(0)
    page = document.sections[0]
    page.orientation = WD_ORIENT.PORTRAIT
    page.page_width, page.page_height = Mm(210), Mm(297)
    page.top_margin, page.bottom_margin = Mm(20), Mm(20)
    page.left_margin, page.right_margin = Mm(30), Mm(15)

    _heading_block(document, report)
    _centred(document, texts.REPORT_KIND, size=14, bold=True, before=12)
    _centred(document, texts.REPORT_SUBJECT.format(title=report.title, period=report.period.name),
             size=14, bold=True)
    _rule(document, 60)
    _body(document, report)
    _signature_block(document, report)

    appendix = document.add_section(WD_SECTION.NEW_PAGE)
    appendix.orientation = WD_ORIENT.LANDSCAPE
    appendix.page_width, appendix.page_height = Mm(297), Mm(210)
    appendix.top_margin, appendix.bottom_margin = Mm(20), Mm(15)
    appendix.left_margin, appendix.right_margin = Mm(20), Mm(15)
    _centred(document, texts.REPORT_APPENDIX, size=13, bold=True)
    _centred(document, texts.REPORT_APPENDIX_TITLE.format(title=report.title,
                                                          period=report.period.name),
             size=13, bold=True)
    _centred(document, texts.REPORT_APPENDIX_REF.format(unit=report.unit), size=12, italic=True,
             after=6)
    _appendix_table(document, report.rows)

    stamp = datetime.combine(report.period.end, time())
    properties = document.core_properties
    properties.title = texts.REPORT_TITLE.format(title=report.title)
    properties.author = properties.last_modified_by = report.unit
    properties.created = properties.modified = stamp
    properties.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return _stable_zip(buffer.getvalue(), stamp)


def _heading_block(document, report: Report) -> None:
    """Issuing body | national heading, then number | place and date: a borderless table."""
    table = document.add_table(rows=2, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _no_borders(table)
    _fixed_layout(table)
    widths = (Mm(62), Mm(103))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    body, nation = table.rows[0].cells
    lines = report.heading.issuing_body
    for index, line in enumerate(lines):
        # The parent body (when there are three lines) is not bold; the issuing body is.
        _cell_line(body, line, size=13, bold=index > 0 or len(lines) < 3, first=index == 0)
    _cell_rule(body, widths[0], Mm(30))
    _cell_line(nation, texts.REPORT_NATION, size=12, bold=True, first=True)
    _cell_line(nation, texts.REPORT_MOTTO, size=13, bold=True)
    _cell_rule(nation, widths[1], Mm(60))
    number, place = table.rows[1].cells
    _cell_line(number, texts.REPORT_NUMBER, size=13, first=True)
    _cell_line(place, texts.REPORT_PLACE_DATE.format(place=report.heading.place), size=14,
               italic=True, first=True)


def _body(document, report: Report) -> None:
    period, total = report.period, report.total
    issued = texts.REPORT_ISSUED.format(day=texts.show_date(report.issued)) if report.issued else ""
    _para(document, texts.REPORT_INTRO.format(
        title=report.title, issued=issued, unit=report.unit, period=period.name,
        start=texts.show_date(period.start), end=texts.show_date(period.end)))
    _para(document, texts.REPORT_PART_RESULTS.format(day=texts.show_date(period.end)), bold=True)
    _para(document, "- " + texts.REPORT_TOTAL.format(total=total))
    for name, count in count_lines(report):
        _para(document, "- " + texts.report_count_line(name, count, total))
    _para(document, texts.REPORT_PART_PERIOD, bold=True)
    _para(document, "- " + texts.REPORT_DONE_IN_PERIOD.format(
        count=len(report.done_in_period),
        codes=texts.report_codes([v.code for v in report.done_in_period])))
    _para(document, "- " + texts.REPORT_OVERDUE_IN_PERIOD.format(
        count=len(report.overdue_in_period),
        codes=texts.report_codes([v.code for v in report.overdue_in_period])))
    _para(document, texts.REPORT_PART_OVERDUE, bold=True)
    if not report.overdue_now:
        _para(document, texts.REPORT_NO_OVERDUE)
    for due, row in report.overdue_now:
        title = row.activity.removeprefix(row.code).strip()
        _para(document, "- " + texts.report_overdue_line(row.code, title, due, row.days_late or 0,
                                                         row.owners.split("; ") if row.owners
                                                         else []))
    _para(document, texts.REPORT_APPENDIX_NOTE, italic=True)
    _para(document, texts.REPORT_CLOSING.format(title=report.title, period=period.name,
                                                unit=report.unit))


def _signature_block(document, report: Report) -> None:
    table = document.add_table(rows=1, cols=2)
    table.autofit = False
    _no_borders(table)
    _fixed_layout(table)
    left, right = table.rows[0].cells
    for column, cell, width in zip(table.columns, (left, right), (Mm(85), Mm(80)), strict=True):
        column.width = cell.width = width
    _cell_line(left, texts.REPORT_RECIPIENTS, size=12, bold=True, italic=True, first=True,
               centre=False, before=12)
    recipients = [f"- {name};" for name in report.heading.recipients] + [
        f"- {texts.REPORT_ARCHIVE}"]
    for line in recipients:
        _cell_line(left, line, size=11, centre=False)
    _cell_line(right, texts.REPORT_SIGN_FOR, size=14, bold=True, first=True, before=12)
    _cell_line(right, texts.REPORT_SIGN_TITLE, size=14, bold=True)
    for _ in range(4):
        _cell_line(right, "", size=14)
    _cell_line(right, report.signer, size=14, bold=True)


def _appendix_table(document, rows: list[ReportRow]) -> None:
    table = document.add_table(rows=1 + len(rows), cols=COLUMNS)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _cell_margins(table, Mm(0.8))
    _fixed_layout(table)
    for column, width in zip(table.columns, DOCX_WIDTHS_MM, strict=True):
        column.width = Mm(width)
    all_rows = list(table.rows)
    # Row.cells rebuilds the whole table's grid on every call; one snapshot, taken before any
    # merge, keeps a commune's table under a second. Merging removes only section-row cells,
    # which are not used again.
    grid = table._cells
    cells_of = [grid[r * COLUMNS:(r + 1) * COLUMNS] for r in range(len(all_rows))]
    for cells in cells_of:
        for cell, width in zip(cells, DOCX_WIDTHS_MM, strict=True):
            cell.width = Mm(width)

    all_rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # repeat on every page
    for cell, name in zip(cells_of[0], texts.REPORT_COLUMNS, strict=True):
        _cell_text(cell, name, bold=True, centre=True)
        _shade(cell, "D9E1F2")
    spans = {column: dict(merged_runs(rows, column)) for column in MERGED}
    inside = {(column, index) for column in MERGED for top, bottom in spans[column].items()
              for index in range(top + 1, bottom + 1)}
    for index, (report_row, row) in enumerate(zip(rows, all_rows[1:], strict=True)):
        cells = cells_of[1 + index]
        # A row stays on one page; a page break between rows, not through one.
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        if report_row.kind == "section":
            _span_across(cells)
            _cell_text(cells[0], report_row.heading, bold=True)
            continue
        for column, (cell, text) in enumerate(zip(cells, report_row.strings(), strict=True), 1):
            if (column, index) not in inside:
                _cell_text(cell, text, centre=column in CENTRED)
        if report_row.state in STATE_COLOURS:
            _shade(cells[STATE_COLUMN - 1], STATE_COLOURS[report_row.state])
    for column in MERGED:
        for top, bottom in spans[column].items():
            _span_down([cells_of[1 + r][column - 1] for r in range(top, bottom + 1)])


def _span_across(cells) -> None:
    """One cell over the whole row (w:gridSpan), as Cell.merge makes it but without its cost."""
    span = OxmlElement("w:gridSpan")
    span.set(qn("w:val"), str(len(cells)))
    cells[0]._tc.get_or_add_tcPr().append(span)
    cells[0].width = Mm(sum(DOCX_WIDTHS_MM))
    for cell in cells[1:]:
        cell._tc.getparent().remove(cell._tc)


def _span_down(cells) -> None:
    """One cell over several rows (w:vMerge); the cells below are empty."""
    for position, cell in enumerate(cells):
        merge = OxmlElement("w:vMerge")
        if position == 0:
            merge.set(qn("w:val"), "restart")
        cell._tc.get_or_add_tcPr().append(merge)


def _centred(document, text: str, *, size: int, bold: bool = False, italic: bool = False,
             before: int = 0, after: int = 0) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before, paragraph.paragraph_format.space_after = (
        Pt(before), Pt(after))
    run = paragraph.add_run(text)
    run.font.size, run.bold, run.italic = Pt(size), bold or None, italic or None


def _para(document, text: str, *, bold: bool = False, italic: bool = False) -> None:
    """A body paragraph: justified, first line indented, 6 pt apart, 1.15 lines."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    layout = paragraph.paragraph_format
    layout.first_line_indent, layout.space_before, layout.space_after = Mm(10), Pt(3), Pt(3)
    layout.line_spacing = 1.15
    run = paragraph.add_run(text)
    run.font.size, run.bold, run.italic = Pt(14), bold or None, italic or None


def _rule(document, width_mm: int) -> None:
    """The short line under a heading: an empty paragraph's bottom border, indented to width."""
    paragraph = document.add_paragraph()
    side = Mm((165 - width_mm) / 2)
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = side
    paragraph.paragraph_format.space_after = Pt(6)
    _bottom_border(paragraph)


def _cell_line(cell, text: str, *, size: int, bold: bool = False, italic: bool = False,
               first: bool = False, centre: bool = True, before: int = 0) -> None:
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = Pt(before)
    if text:
        run = paragraph.add_run(text)
        run.font.size, run.bold, run.italic = Pt(size), bold or None, italic or None


def _cell_rule(cell, cell_width, width) -> None:
    paragraph = cell.add_paragraph()
    side = Mm((cell_width.mm - width.mm) / 2)
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = side
    paragraph.paragraph_format.space_after = Pt(6)
    _bottom_border(paragraph)


def _bottom_border(paragraph) -> None:
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)


def _no_borders(table) -> None:
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    properties.append(borders)


def _cell_margins(table, margin) -> None:
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(int(margin.twips)))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    table._tbl.tblPr.append(margins)


def _fixed_layout(table) -> None:
    # Fixed: the widths we set hold in Word and LibreOffice alike, whatever the text.
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)


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
