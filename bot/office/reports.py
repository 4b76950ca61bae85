"""Báo cáo: the plan's report (.xlsx or .docx) for a period or as of a chosen day, the same file as
/baocao."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import quote

from aiohttp import web
from sqlalchemy.orm import Session

from bot import texts
from bot.talk import build_report
from bot.periods import report_period
from bot.office.auth import Visitor
from bot.office.pages import HEADERS, RUNTIME, page, parse_day, signed_in
from bot.status import current_plans_of
from jobs.schedule import local_day

REPORTS_PATH = "/bao-cao"
FILE_PATH = "/bao-cao/tep"
KINDS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


def _form(request: web.Request, who: Visitor, plans, today: date, problems: list[str],
          status: int = 200) -> web.Response:
    return page(request, "reports.html", {"plans": plans, "today": today, "problems": problems,
                                          "query": request.query}, status=status, who=who)


@signed_in
def show_reports(request: web.Request, session: Session, now: datetime, who: Visitor) -> web.StreamResponse:
    today = local_day(now, request.app[RUNTIME].config.reminders.zone)
    return _form(request, who, current_plans_of(session, [who.unit_id]), today, [])


@signed_in
def download_report(request: web.Request, session: Session, now: datetime,
                    who: Visitor) -> web.StreamResponse:
    config = request.app[RUNTIME].config
    today = local_day(now, config.reminders.zone)
    plans = current_plans_of(session, [who.unit_id])
    problems = []
    raw_plan = request.query.get("plan", "")
    chosen = [p.id for p in plans if raw_plan == "" or str(p.id) == raw_plan]
    if not plans:
        problems.append(texts.WEB_NO_PLAN)
    elif not chosen:
        problems.append(texts.WEB_BAD_FILTER.format(field=texts.WEB_FILTER_NAMES["plan"]))
    raw_day = request.query.get("ngay", "").strip()
    day = parse_day(raw_day) if raw_day else today
    if day is None or day > today:
        problems.append(texts.WEB_BAD_REPORT_DAY.format(value=raw_day))
    kind = request.query.get("kieu", "xlsx")
    if kind not in KINDS:
        problems.append(texts.WEB_BAD_FILTER.format(field=texts.WEB_FILTER_NAMES["kind"]))
    asked = request.query.get("ky", "").strip()
    period = None
    if day is not None and chosen:
        plan_year = max(p.year for p in plans if p.id in chosen)
        # The same reading of "quý 1", "6 tháng", "2023-Q1" … as /baocao and `report --period`.
        period = report_period(asked, plan_year, day, config.reports)
        if period is None:
            problems.append(texts.PERIOD_UNKNOWN.format(text=asked))
    if problems:
        return _form(request, who, plans, today, problems, 400)
    name, content = build_report(session, config, chosen, period, kind, now)
    return web.Response(body=content, content_type=KINDS[kind], headers={
        **HEADERS, "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}"})


def add_routes(app: web.Application) -> None:
    app.router.add_get(REPORTS_PATH, show_reports)
    app.router.add_get(FILE_PATH, download_report)
