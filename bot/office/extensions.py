"""Gia hạn: the pending extension requests with their reasons, decided on the page.

The decision goes through bot.talk.extensions.decide_extension, the chat's own path: the same
rows, the same reminders rescheduled, the same message to the official.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.talk.extensions import decide_extension
from bot.office.auth import Visitor, audit
from bot.office.pages import DELIVERIES, RUNTIME, form, message, page, signed_in
from db.models import Extension, Item, Milestone, Person, Plan

EXTENSIONS_PATH = "/gia-han"
REASON_LIMIT = 1000
RECENT_DAYS = 30


def _of_unit(unit_id: int):
    return (select(Extension, Item).join(Milestone, Milestone.id == Extension.milestone_id)
            .join(Item, Item.id == Milestone.item_id).join(Plan, Plan.id == Item.plan_id)
            .where(Plan.unit_id == unit_id))


@signed_in
def show_extensions(request: web.Request, session: Session, now: datetime,
                    who: Visitor) -> web.StreamResponse:
    pending = session.execute(_of_unit(who.unit_id).where(Extension.status == "pending")
                              .order_by(Extension.requested_at)).all()
    decided = session.execute(_of_unit(who.unit_id).where(
        Extension.status != "pending", Extension.decided_at >= now - timedelta(days=RECENT_DAYS))
        .order_by(Extension.decided_at.desc())).all()
    deciders = {pid: name for pid, name in session.execute(select(Person.id, Person.name).where(
        Person.id.in_({e.decided_by for e, _ in decided if e.decided_by})))}
    notice = request.query.get("ok", "")
    done = next((e for e, _ in decided if str(e.id) == notice), None)
    return page(request, "extensions.html", {
        "pending": pending, "decided": decided, "deciders": deciders, "done": done,
        "reason_limit": REASON_LIMIT}, who=who)


def _chairman(who: Visitor) -> bool:
    return who.chairman


@form(_chairman)
def decide(request: web.Request, session: Session, now: datetime, who: Visitor,
           fields: dict) -> web.StreamResponse:
    number = request.match_info["id"]
    found = session.execute(_of_unit(who.unit_id).where(Extension.id == int(number))).first() \
        if number.isdigit() else None
    if found is None:
        return message(request, texts.WEB_EXTENSION_GONE, 404, who)
    extension, item = found
    choice = fields.get("decision")
    reason = " ".join(str(fields.get("reason", "")).split())
    problem = None
    if extension.status != "pending":
        problem = texts.ALREADY_DECIDED.format(code=item.code)
    elif choice not in ("approve", "decline"):
        problem = texts.WEB_DECISION_UNKNOWN
    elif choice == "decline" and not reason:
        problem = texts.WEB_DECLINE_NEEDS_REASON
    elif len(reason) > REASON_LIMIT:
        problem = texts.WEB_REASON_TOO_LONG.format(limit=REASON_LIMIT)
    if problem is not None:
        return message(request, problem, 400, who)
    before = {"status": extension.status, "due": _iso(extension.milestone.due)}
    decider = session.get(Person, who.person_id)
    _text, delivery = decide_extension(session, request.app[RUNTIME].config, decider.id,
                                       extension, choice == "approve", now, reason=reason or None)
    audit(session, decider, now, f"extension.{choice}", f"extension:{extension.id}", before,
          {"status": extension.status, "due": _iso(extension.milestone.due), "reason": reason})
    response = web.Response(status=303, headers={"Location": f"{EXTENSIONS_PATH}?ok={extension.id}"})
    response[DELIVERIES] = [delivery]
    return response


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def add_routes(app: web.Application) -> None:
    app.router.add_get(EXTENSIONS_PATH, show_extensions)
    app.router.add_post(EXTENSIONS_PATH + "/{id}", decide)
