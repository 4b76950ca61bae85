"""Việc: one item's milestones, replies, evidence and extensions; the office changes who holds
it, marks its event as happened, or retires it. Every change reschedules its reminders in the
same transaction and is audited."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.office.auth import Visitor, audit
from bot.office.pages import RUNTIME, form, message, page, parse_day, signed_in
from bot.plan.deadlines import DeadlineError, parse_deadline_checked
from bot.plan.errors import PlanError
from bot.plan.importer import expand_recurring, resolve_conflict, set_item_deadline
from bot.reports import STATE_COLOURS
from bot.status import load_items
from db.models import (
    Evidence, Extension, Item, ItemReply, ItemRole, Milestone, Person, Plan, Role,
)
from jobs.schedule import local_day, refresh_schedule

log = logging.getLogger(__name__)

ITEM_PATH = "/viec"
EVIDENCE_PATH = "/tai-lieu"
MAX_EVENT_DAYS = 365


def item_path(item_id: int) -> str:
    return f"{ITEM_PATH}/{item_id}"


def _item(session: Session, who: Visitor, raw: str, *, reading: bool = False) -> Item | None:
    """The item of the visitor's commune with that id (`reading`: of any unit the visitor
    reads); None for any other."""
    if not raw.isdigit():
        return None
    item = session.get(Item, int(raw))
    if item is None:
        return None
    unit_id = item.plan.unit_id
    return item if unit_id == who.unit_id or (reading and who.reads(unit_id)) else None


def mark_event(session: Session, milestone: Milestone, on: date, days: int, now: datetime,
               config) -> date:
    """The event an item waits for happened on `on`: its due date now counts (and is reminded)."""
    milestone.event_on = on
    milestone.event_due_days = days
    session.flush()
    refresh_schedule(session, now, config.reminders, [milestone.item.plan_id],
                     milestone_ids=[milestone.id])
    return on + timedelta(days=days)


@signed_in
def show_item(request: web.Request, session: Session, now: datetime, who: Visitor) -> web.StreamResponse:
    item = _item(session, who, request.match_info["id"], reading=True)
    if item is None:
        return message(request, texts.WEB_NOT_FOUND, 404, who)
    config = request.app[RUNTIME].config
    notice = texts.WEB_ITEM_NOTICES.get(request.query.get("ok", ""))
    typed = request.query.get("han")
    preview, problem = deadline_preview(typed, item.plan.year) if typed is not None else (None, None)
    zone = config.reminders.zone
    today = local_day(now, zone)
    [view] = [v for v in load_items(session, [item.plan_id], today, zone) if v.id == item.id] or [None]
    states = {m.id: m for m in view.milestones} if view else {}
    milestone_ids = [m.id for m in item.all_milestones]
    replies = session.execute(
        select(ItemReply, Person.name, Milestone.label).join(Person, Person.id == ItemReply.person_id)
        .join(Milestone, Milestone.id == ItemReply.milestone_id)
        .where(ItemReply.milestone_id.in_(milestone_ids)).order_by(ItemReply.at, ItemReply.id)).all()
    evidence = session.execute(
        select(Evidence, Person.name).join(Person, Person.id == Evidence.person_id)
        .where(Evidence.milestone_id.in_(milestone_ids)).order_by(Evidence.received_at)).all()
    extensions = session.scalars(select(Extension).where(Extension.milestone_id.in_(milestone_ids))
                                 .order_by(Extension.requested_at)).all()
    roles = session.scalars(select(Role).where(Role.unit_id == who.unit_id).order_by(Role.name)).all()
    # An overseer reads another unit's item; only its own office changes it.
    editable = who.office and item.plan.unit_id == who.unit_id and item.removed_at is None
    parts = {(a.role_id, a.part) for a in item.assignments}
    disputed = [m for m in item.milestones if m.disputed_due]
    approved = {e.milestone_id for e in extensions if e.status == "approved"}
    return page(request, "item.html", {
        "item": item, "view": view, "states": states, "replies": replies, "evidence": evidence,
        "extensions": extensions, "roles": roles, "parts": parts, "zone": zone,
        "intent_names": texts.REPORT_INTENT_NAMES, "extension_status": texts.WEB_EXTENSION_STATUS,
        "event_days": config.reminders.event_due_days, "today": today, "notice": notice,
        "typed": typed, "preview": preview, "problem": problem,
        "colours": STATE_COLOURS, "disputed": disputed, "editable": editable,
        "may_keep": bool(disputed) and all(m.id in approved for m in disputed),
    }, who=who)


def deadline_preview(text: str, year: int) -> tuple[list | None, str | None]:
    """The milestones a typed deadline gives, as the importer reads it, or why it cannot be read."""
    if not text.strip():
        return None, texts.WEB_DEADLINE_EMPTY
    try:
        milestones, understood = parse_deadline_checked(text, year)
    except DeadlineError as error:
        return None, str(error)
    milestones = expand_recurring(milestones, year)
    return milestones, None if understood else texts.WEB_DEADLINE_NOT_UNDERSTOOD


@signed_in
def download_evidence(request: web.Request, session: Session, now: datetime,
                      who: Visitor) -> web.StreamResponse:
    raw = request.match_info["id"]
    row = session.execute(
        select(Evidence, Plan.unit_id).join(Milestone, Milestone.id == Evidence.milestone_id)
        .join(Item, Item.id == Milestone.item_id).join(Plan, Plan.id == Item.plan_id)
        .where(Evidence.id == int(raw))).first() if raw.isdigit() else None
    if row is None or not who.reads(row.unit_id):
        return message(request, texts.WEB_NOT_FOUND, 404, who)
    found = row.Evidence
    folder = Path(request.app[RUNTIME].data_dir).resolve()
    path = Path(found.path).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        log.warning("evidence %s: file %s missing or outside the data folder", found.id, found.path)
        return message(request, texts.WEB_FILE_MISSING, 404, who)
    return web.FileResponse(path, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.file_name, safe='')}"})


def _office(who: Visitor) -> bool:
    return who.office


ItemFormView = Callable[[web.Request, Session, datetime, Visitor, Item, Any], web.StreamResponse]


def item_form(view: ItemFormView):
    """An office form about one live item of the visitor's commune, passed to `view`;
    any other item (another commune's, retired, unknown) is not found."""
    @form(_office)
    def checked(request: web.Request, session: Session, now: datetime, who: Visitor,
                fields) -> web.StreamResponse:
        item = _item(session, who, request.match_info["id"])
        if item is None or item.removed_at is not None:
            return message(request, texts.WEB_NOT_FOUND, 404, who)
        return view(request, session, now, who, item, fields)
    return checked


def _done(request: web.Request, item: Item, notice: str) -> web.StreamResponse:
    return web.Response(status=303, headers={"Location": f"{item_path(item.id)}?ok={notice}"})


@item_form
def change_holders(request: web.Request, session: Session, now: datetime, who: Visitor, item: Item,
                   fields: dict) -> web.StreamResponse:
    roles = {str(r.id): r for r in session.scalars(select(Role).where(Role.unit_id == who.unit_id))}
    owners = fields.getall("owner", [])
    coordinators = fields.getall("coordinator", [])
    if not owners:
        return message(request, texts.WEB_OWNER_NEEDED, 400, who)
    if any(r not in roles for r in owners + coordinators):
        return message(request, texts.WEB_UNKNOWN_ROLE, 400, who)
    before = {"owners": list(item.owners), "coordinators": list(item.coordinators)}
    wanted = [(roles[r], "owner") for r in dict.fromkeys(owners)]
    wanted += [(roles[r], "coordinator") for r in dict.fromkeys(coordinators) if r not in owners]
    item.assignments = [ItemRole(role=role, part=part, written_as=role.name, matched=True)
                        for role, part in wanted]
    item.owners = [role.name for role, part in wanted if part == "owner"]
    item.coordinators = [role.name for role, part in wanted if part == "coordinator"]
    item.updated_at = now
    session.flush()
    refresh_schedule(session, now, request.app[RUNTIME].config.reminders, [item.plan_id],
                     milestone_ids=[m.id for m in item.milestones])
    audit(session, session.get(Person, who.person_id), now, "item.holders", f"item:{item.id}",
          before, {"owners": item.owners, "coordinators": item.coordinators})
    return _done(request, item, "holders")


@item_form
def event_happened(request: web.Request, session: Session, now: datetime, who: Visitor, item: Item,
                   fields: dict) -> web.StreamResponse:
    config = request.app[RUNTIME].config
    milestone = next((m for m in item.milestones if str(m.id) == fields.get("milestone")
                      and m.kind == "event"), None)
    if milestone is None:
        return message(request, texts.EVENT_NOT_FOUND.format(code=item.code), 400, who)
    today = local_day(now, config.reminders.zone)
    on = parse_day(str(fields.get("on", "")))
    if on is None or on > today:
        return message(request, texts.WEB_BAD_EVENT_DATE.format(value=fields.get("on", "")), 400, who)
    raw_days = str(fields.get("days", "")).strip() or str(config.reminders.event_due_days)
    if not raw_days.isdigit() or not 1 <= int(raw_days) <= MAX_EVENT_DAYS:
        return message(request, texts.WEB_BAD_EVENT_DAYS.format(limit=MAX_EVENT_DAYS), 400, who)
    before = {"event_on": milestone.event_on.isoformat() if milestone.event_on else None,
              "event_due_days": milestone.event_due_days}
    due = mark_event(session, milestone, on, int(raw_days), now, config)
    audit(session, session.get(Person, who.person_id), now, "item.event", f"milestone:{milestone.id}",
          before, {"event_on": on.isoformat(), "event_due_days": int(raw_days), "due": due.isoformat()})
    return _done(request, item, "event")


@item_form
def change_deadline(request: web.Request, session: Session, now: datetime, who: Visitor, item: Item,
                    fields: dict) -> web.StreamResponse:
    text = " ".join(str(fields.get("han", "")).split())
    milestones, problem = deadline_preview(text, item.plan.year)
    if milestones is None or problem is not None:
        # Not understood means no date: saving it would silently stop the reminders.
        return message(request, problem, 400, who)
    before = {"deadline_text": item.deadline_text,
              "milestones": [[m.label, _iso(m.due)] for m in item.milestones]}
    conflicts = set_item_deadline(session, item, text, now)
    session.expire(item, ["milestones"])
    refresh_schedule(session, now, request.app[RUNTIME].config.reminders, [item.plan_id],
                     milestone_ids=[m.id for m in item.all_milestones])
    audit(session, session.get(Person, who.person_id), now, "item.deadline", f"item:{item.id}",
          before, {"deadline_text": text, "milestones": [[m.label, _iso(m.due)] for m in item.milestones],
                   "conflicts": len(conflicts)})
    return _done(request, item, "deadline_conflict" if conflicts else "deadline")


@item_form
def resolve(request: web.Request, session: Session, now: datetime, who: Visitor, item: Item,
            fields) -> web.StreamResponse:
    """A re-import's date against an extension: the document's, or keep the decision
    (`plan resolve`'s own path)."""
    use = fields.get("use")
    if use not in ("document", "decision"):
        return message(request, texts.WEB_RESOLVE_UNKNOWN, 400, who)
    before = {m.label or "": [_iso(m.original_due), _iso(m.due), _iso(m.disputed_due)]
              for m in item.milestones if m.disputed_due}
    try:
        resolved = resolve_conflict(session, item.plan_id, item.code, use)
    except PlanError as error:
        text = (texts.WEB_RESOLVE_NOTHING_APPROVED if error.code == "nothing_approved"
                else texts.WEB_RESOLVE_NONE)
        return message(request, text.format(code=item.code), 400, who)
    refresh_schedule(session, now, request.app[RUNTIME].config.reminders, [item.plan_id],
                     milestone_ids=[m.id for m in resolved])
    audit(session, session.get(Person, who.person_id), now, f"item.resolve.{use}", f"item:{item.id}",
          before, {m.label or "": [_iso(m.original_due), _iso(m.due)] for m in resolved})
    return _done(request, item, use)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


@item_form
def retire(request: web.Request, session: Session, now: datetime, who: Visitor, item: Item,
           fields: dict) -> web.StreamResponse:
    if fields.get("confirm") != item.code:
        return message(request, texts.WEB_RETIRE_CONFIRM.format(code=item.code), 400, who)
    item.removed_at = item.updated_at = now
    session.flush()
    refresh_schedule(session, now, request.app[RUNTIME].config.reminders, [item.plan_id])
    audit(session, session.get(Person, who.person_id), now, "item.retire", f"item:{item.id}",
          {"removed_at": None}, {"removed_at": now.isoformat()})
    return _done(request, item, "retired")


def add_routes(app: web.Application) -> None:
    app.router.add_get(ITEM_PATH + "/{id}", show_item)
    app.router.add_post(ITEM_PATH + "/{id}/nguoi", change_holders)
    app.router.add_post(ITEM_PATH + "/{id}/su-kien", event_happened)
    app.router.add_post(ITEM_PATH + "/{id}/bo", retire)
    app.router.add_post(ITEM_PATH + "/{id}/han", change_deadline)
    app.router.add_post(ITEM_PATH + "/{id}/chon-han", resolve)
    app.router.add_get(EVIDENCE_PATH + "/{id}", download_evidence)
