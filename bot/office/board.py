"""Tổng quan: the unit's current plans item by item, by state, section and holder, with filters.

States come from bot.status.load_items and holders from bot.summary, as in /tongket:
the page and the chat never disagree about where an item stands.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.chart import progress_chart
from bot.config import Config
from bot.office.auth import Visitor
from bot.office.pages import RUNTIME, HEADERS, page, signed_in
from bot.people import on_day, roles_of
from bot.reports import STATE_COLOURS
from bot.status import STATES, ItemView, current_plans_of, load_items
from bot.summary import _holders as holders_of
from db.models import ItemRole, Person, Section
from jobs.schedule import calendar_of, local_day

BOARD_PATH = "/"
CHART_PATH = "/bieu-do.png"
FILTERS = ("plan", "year", "quarter", "state", "person")
# Always shown, even at zero: the five states trackers colour, then ongoing and waiting.
SHOWN_STATES = tuple(s for s in STATES if s != "no_deadline")


@dataclass(slots=True)
class Board:
    plans: list  # CurrentPlan rows of the unit
    people: list[tuple[int, str]]
    chosen: dict[str, str]
    problems: list[str]
    views: list[ItemView]
    holders: dict[int, list[str]] = field(default_factory=dict)
    plan_title: str = ""


def _choose(session: Session, unit_id: int, query: dict[str, str]) -> tuple[dict[str, int | str], list[str], list, list]:
    """The filters that make sense for this unit; each one that does not is named in `problems`."""
    plans = current_plans_of(session, [unit_id])
    people = list(session.execute(select(Person.id, Person.name).where(Person.unit_id == unit_id)
                                  .order_by(Person.name)))
    allowed: dict[str, set] = {
        "plan": {p.id for p in plans}, "year": {p.year for p in plans}, "quarter": {1, 2, 3, 4},
        "state": set(STATES), "person": {pid for pid, _ in people}}
    chosen: dict[str, int | str] = {}
    problems = []
    for name in FILTERS:
        raw = (query.get(name) or "").strip()
        if not raw:
            continue
        value: int | str = raw if name == "state" else (int(raw) if raw.isdigit() else -1)
        if value in allowed[name]:
            chosen[name] = value
        else:
            problems.append(texts.WEB_BAD_FILTER.format(field=texts.WEB_FILTER_NAMES[name]))
    return chosen, problems, plans, people


def board_of(session: Session, unit_id: int, query: dict[str, str], today: date,
             config: Config) -> Board:
    chosen, problems, plans, people = _choose(session, unit_id, query)
    wanted_plans = [p for p in plans
                    if chosen.get("plan", p.id) == p.id and chosen.get("year", p.year) == p.year]
    views = load_items(session, [p.id for p in wanted_plans], today, config.reminders.zone)
    at = on_day(today, config.reminders)
    if "state" in chosen:
        views = [v for v in views if v.state == chosen["state"]]
    if "quarter" in chosen:
        quarter, year = chosen["quarter"], chosen.get("year")
        views = [v for v in views if any(
            m.due and (m.due.month - 1) // 3 + 1 == quarter and year in (None, m.due.year)
            for m in v.milestones)]
    if "person" in chosen:
        role_ids = [r.id for r in roles_of(session, chosen["person"], at)]
        owned = set(session.scalars(select(ItemRole.item_id).where(
            ItemRole.role_id.in_(role_ids), ItemRole.part == "owner")))
        views = [v for v in views if v.id in owned]
    board = Board(plans, people, {k: str(v) for k, v in chosen.items()}, problems, views)
    board.holders = holders_of(session, [v.id for v in views], at)
    board.plan_title = (wanted_plans[0].title if len(wanted_plans) == 1
                        else texts.WEB_BOARD_TITLE)
    return board


def _context(session: Session, board: Board, today: date, config: Config) -> dict:
    calendar = calendar_of(config.reminders)
    counts = Counter(v.state for v in board.views)
    section_titles = {code: title for code, title in session.execute(
        select(Section.code, Section.title).where(Section.plan_id.in_([p.id for p in board.plans])))}
    sections: dict[str, Counter] = {}
    for v in board.views:
        sections.setdefault(v.section or "—", Counter())[v.state] += 1
    by_holder: dict[str, Counter] = {}
    for v in board.views:
        for name in board.holders.get(v.id, v.owners) or ["—"]:
            by_holder.setdefault(name, Counter())[v.state] += 1
    overdue = sorted(
        ((m.due, v.position, v, m, calendar.working_days_between(m.due, today))
         for v in board.views for m in v.milestones if m.state == "overdue"),
        key=lambda row: (row[0], row[1]))
    states = [s for s in STATES if s in SHOWN_STATES or counts[s]]
    return {
        "board": board, "today": today, "counts": counts, "states": states,
        "colours": STATE_COLOURS, "sections": sections, "section_titles": section_titles,
        "by_holder": sorted(by_holder.items()), "overdue": [row[2:] for row in overdue],
        "chart": CHART_PATH + ("?" + urlencode(board.chosen) if board.chosen else ""),
        "filter_names": texts.WEB_FILTER_NAMES,
    }


@signed_in
def show_board(request: web.Request, session: Session, now: datetime, who: Visitor) -> web.StreamResponse:
    config = request.app[RUNTIME].config
    today = local_day(now, config.reminders.zone)
    board = board_of(session, who.unit_id, dict(request.query), today, config)
    if not board.plans:
        return page(request, "message.html", {"text": texts.WEB_NO_PLAN}, who=who)
    return page(request, "board.html", _context(session, board, today, config), who=who)


@signed_in
def show_chart(request: web.Request, session: Session, now: datetime, who: Visitor) -> web.StreamResponse:
    config = request.app[RUNTIME].config
    today = local_day(now, config.reminders.zone)
    board = board_of(session, who.unit_id, dict(request.query), today, config)
    png = progress_chart(board.views, today, title=board.plan_title)
    return web.Response(body=png, content_type="image/png",
                        headers={**HEADERS, "Cache-Control": "private, no-store"})


def add_routes(app: web.Application) -> None:
    app.router.add_get(BOARD_PATH, show_board)
    app.router.add_get(CHART_PATH, show_chart)
