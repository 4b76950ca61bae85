"""Tổng quan: the unit's current plans item by item, by state, section and holder, with filters;
and "Các xã", the same board over every unit of the installation, one row per unit.

States come from bot.status.load_items and holders from bot.people.item_holders, as in /tongket:
the page and the chat never disagree about where an item stands. Both boards are one code
path, `board_of` over a set of unit ids; the installation's differs only in how it groups.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.chart import progress_chart
from bot.config import Config
from bot.office.auth import Visitor
from bot.office.pages import RUNTIME, HEADERS, message, page, signed_in
from bot.people import item_holders, on_day, roles_of
from bot.reports import STATE_COLOURS
from bot.status import STATES, ItemView, current_plans_of, load_items
from db.models import Item, ItemRole, Milestone, Person, Section, Unit
from jobs.schedule import calendar_of, local_day

BOARD_PATH = "/"
CHART_PATH = "/bieu-do.png"
UNITS_PATH = "/cac-xa"
FILTERS = ("plan", "year", "quarter", "state", "person")
# Over a hundred units, the plan and person lists would be thousands long: a unit's own board has them.
UNITS_FILTERS = ("year", "quarter", "state")
# Always shown, even at zero: the five states trackers colour, then ongoing and waiting.
SHOWN_STATES = tuple(s for s in STATES if s != "no_deadline")
# The installation's overdue list: the oldest this many; each unit's board has the rest.
UNITS_OVERDUE_SHOWN = 100


@dataclass(slots=True)
class Board:
    plans: list  # CurrentPlan rows of the units
    people: list[tuple[int, str]]
    chosen: dict[str, str]
    problems: list[str]
    views: list[ItemView]
    plan_title: str = ""


def _choose(session: Session, unit_ids: list[int], query: dict[str, str],
            filters: tuple[str, ...]) -> tuple[dict[str, int | str], list[str], list, list]:
    """The filters that make sense for these units; each one that does not is named in `problems`."""
    plans = current_plans_of(session, unit_ids)
    people = list(session.execute(select(Person.id, Person.name).where(Person.unit_id.in_(unit_ids))
                                  .order_by(Person.name))) if "person" in filters else []
    allowed: dict[str, set] = {
        "plan": {p.id for p in plans}, "year": {p.year for p in plans}, "quarter": {1, 2, 3, 4},
        "state": set(STATES), "person": {pid for pid, _ in people}}
    chosen: dict[str, int | str] = {}
    problems = []
    for name in filters:
        raw = (query.get(name) or "").strip()
        if not raw:
            continue
        value: int | str = raw if name == "state" else (int(raw) if raw.isdigit() else -1)
        if value in allowed[name]:
            chosen[name] = value
        else:
            problems.append(texts.WEB_BAD_FILTER.format(field=texts.WEB_FILTER_NAMES[name]))
    return chosen, problems, plans, people


def board_of(session: Session, unit_ids: list[int], query: dict[str, str], today: date,
             config: Config, filters: tuple[str, ...] = FILTERS) -> Board:
    """The current plans' items of `unit_ids` as of `today`, narrowed by the query's `filters`."""
    chosen, problems, plans, people = _choose(session, unit_ids, query, filters)
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
    board.plan_title = (wanted_plans[0].title if len(wanted_plans) == 1
                        else texts.WEB_BOARD_TITLE)
    return board


def _common(board: Board, today: date, config: Config) -> dict:
    """What both boards show: the counts by state and the overdue milestones, oldest first."""
    calendar = calendar_of(config.reminders)
    counts = Counter(v.state for v in board.views)
    overdue = sorted(
        ((m.due, v.position, v, m) for v in board.views for m in v.milestones if m.state == "overdue"),
        key=lambda row: (row[0], row[1]))
    return {
        "board": board, "today": today, "counts": counts, "colours": STATE_COLOURS,
        "states": [s for s in STATES if s in SHOWN_STATES or counts[s]],
        "overdue": [(v, m, calendar.working_days_between(m.due, today)) for _, _, v, m in overdue],
        "filter_names": texts.WEB_FILTER_NAMES,
    }


def _context(session: Session, board: Board, today: date, config: Config) -> dict:
    context = _common(board, today, config)
    holders = item_holders(session, [v.id for v in board.views], on_day(today, config.reminders))
    section_titles = {code: title for code, title in session.execute(
        select(Section.code, Section.title).where(Section.plan_id.in_([p.id for p in board.plans])))}
    sections: dict[str, Counter] = {}
    for v in board.views:
        sections.setdefault(v.section or "—", Counter())[v.state] += 1
    by_holder: dict[str, Counter] = {}
    for v in board.views:
        for name in holders.get(v.id, v.owners) or ["—"]:
            by_holder.setdefault(name, Counter())[v.state] += 1
    # A re-import's dates the office has yet to choose between (see importer.resolve_conflict).
    disputed = session.execute(
        select(Item.id, Item.code, Item.title, Milestone.label, Milestone.due, Milestone.disputed_due)
        .join(Milestone, Milestone.item_id == Item.id)
        .where(Item.plan_id.in_([p.id for p in board.plans]), Item.removed_at.is_(None),
               Milestone.retired_at.is_(None), Milestone.disputed_due.is_not(None))
        .order_by(Item.plan_id, Item.position, Milestone.position)).all()
    return {
        **context, "holders": holders, "sections": sections, "section_titles": section_titles,
        "by_holder": sorted(by_holder.items()), "disputed": disputed,
        "chart": CHART_PATH + ("?" + urlencode(board.chosen) if board.chosen else ""),
    }


def _unit(session: Session, who: Visitor, query: dict[str, str]) -> tuple[int | None, str | None]:
    """The unit whose board is asked for (`xa`, for an overseer) and its name; None if not readable."""
    raw = (query.get("xa") or "").strip()
    if not raw:
        return who.unit_id, None
    if not raw.isdigit() or not who.reads(int(raw)):
        return None, None
    return int(raw), session.scalar(select(Unit.name).where(Unit.id == int(raw)))


@signed_in
def show_board(request: web.Request, session: Session, now: datetime, who: Visitor) -> web.StreamResponse:
    config = request.app[RUNTIME].config
    today = local_day(now, config.reminders.zone)
    query = dict(request.query)
    unit_id, unit_name = _unit(session, who, query)
    if unit_id is None or (unit_id != who.unit_id and unit_name is None):
        return message(request, texts.WEB_NOT_FOUND, 404, who)
    board = board_of(session, [unit_id], query, today, config)
    if unit_id != who.unit_id:
        board.chosen["xa"] = str(unit_id)  # the chart and the filters stay on that unit
    if not board.plans:
        return page(request, "message.html", {"text": texts.WEB_NO_PLAN}, who=who)
    return page(request, "board.html", {**_context(session, board, today, config),
                                        "unit_name": unit_name}, who=who)


@signed_in
def show_chart(request: web.Request, session: Session, now: datetime, who: Visitor) -> web.StreamResponse:
    config = request.app[RUNTIME].config
    today = local_day(now, config.reminders.zone)
    unit_id, _name = _unit(session, who, dict(request.query))
    if unit_id is None:
        return message(request, texts.WEB_NOT_FOUND, 404, who)
    board = board_of(session, [unit_id], dict(request.query), today, config)
    png = progress_chart(board.views, today, title=board.plan_title)
    return web.Response(body=png, content_type="image/png",
                        headers={**HEADERS, "Cache-Control": "private, no-store"})


@signed_in
def show_units(request: web.Request, session: Session, now: datetime, who: Visitor) -> web.StreamResponse:
    """Các xã: every unit's counts by state (most overdue first) and the oldest overdue items."""
    if not who.overseer:
        return message(request, texts.WEB_FORBIDDEN, 403, who)
    config = request.app[RUNTIME].config
    today = local_day(now, config.reminders.zone)
    names = dict(session.execute(select(Unit.id, Unit.name)).all())
    board = board_of(session, list(names), dict(request.query), today, config, UNITS_FILTERS)
    context = _common(board, today, config)
    unit_of_plan = {p.id: p.unit_id for p in board.plans}
    by_unit: dict[int, Counter] = {unit_id: Counter() for unit_id in names}
    for v in board.views:
        by_unit[unit_of_plan[v.plan_id]][v.state] += 1
    shown = context["overdue"][:UNITS_OVERDUE_SHOWN]
    return page(request, "units.html", {
        **context, "overdue": shown, "more_overdue": len(context["overdue"]) - len(shown),
        "holders": item_holders(session, [v.id for v, _m, _late in shown],
                                on_day(today, config.reminders)),
        "units": sorted(by_unit.items(), key=lambda entry: (-entry[1]["overdue"], names[entry[0]])),
        "names": names, "unit_of_plan": unit_of_plan,
        "planned": {p.unit_id for p in board.plans},
    }, who=who)


def add_routes(app: web.Application) -> None:
    app.router.add_get(BOARD_PATH, show_board)
    app.router.add_get(CHART_PATH, show_chart)
    app.router.add_get(UNITS_PATH, show_units)
