"""Người và vai trò: the commune's people with their roles, whether each has connected a chat,
their last delivery and what to do about it, invitation codes (with the Telegram link as a QR
code); the office changes people, roles and aliases through bot.people, the CLI's own path.

Every change is audited and reschedules the unit's reminders in the same transaction; the
chat's cache of who holds what is dropped, so the running bot sees it at once.
"""

from __future__ import annotations

import logging
from datetime import datetime

import segno
from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import people, texts
from bot.office.auth import Visitor, audit
from bot.office.pages import RUNTIME, form, message, page, parse_day, signed_in
from bot.talk.intake import create_invitation
from db.models import ChatLink, Delivery, Invitation, Person, PersonRole, Role, Unit
from jobs.schedule import local_day

log = logging.getLogger(__name__)

PEOPLE_PATH = "/nguoi"
ROLES_PATH = "/vai-tro"


def _office(who: Visitor) -> bool:
    return who.office


def invite_link(bot_username: str, code: str) -> str | None:
    return f"https://t.me/{bot_username}?start={code}" if bot_username else None


def qr_svg(url: str) -> str:
    """The link as an inline SVG QR code (no image request, nothing leaves the page)."""
    return segno.make(url, error="m").svg_inline(scale=4, title=url)


@signed_in
def show_people(request: web.Request, session: Session, now: datetime,
                who: Visitor) -> web.StreamResponse:
    config = request.app[RUNTIME].config
    zone = config.reminders.zone
    unit = session.get(Unit, who.unit_id)
    everyone = list(session.scalars(select(Person).where(Person.unit_id == unit.id)
                                    .order_by(Person.retired_at.is_not(None), Person.name)))
    roles = list(session.scalars(select(Role).where(Role.unit_id == unit.id).order_by(Role.name)))
    held = people.holders(session, now, unit_id=unit.id)
    names = {p.id: p.name for p in everyone}
    spans = list(session.scalars(select(PersonRole).join(Role, Role.id == PersonRole.role_id)
                                 .where(Role.unit_id == unit.id, PersonRole.valid_from > now)
                                 .order_by(PersonRole.valid_from)))
    links: dict[int, list[ChatLink]] = {}
    for link in session.scalars(select(ChatLink).join(Person).where(Person.unit_id == unit.id)
                                .order_by(ChatLink.id)):
        links.setdefault(link.person_id, []).append(link)
    latest = (select(func.max(Delivery.id)).join(Person, Person.id == Delivery.person_id)
              .where(Person.unit_id == unit.id).group_by(Delivery.person_id))
    last = {d.person_id: d for d in session.scalars(select(Delivery).where(Delivery.id.in_(latest)))}
    codes: dict[int, list[Invitation]] = {}
    for invitation in session.scalars(
            select(Invitation).join(Person).where(Person.unit_id == unit.id,
                                                  Invitation.used_at.is_(None),
                                                  Invitation.expires_at > now)
            .order_by(Invitation.created_at.desc())):
        codes.setdefault(invitation.person_id, []).append(invitation)
    username = config.telegram.bot_username
    rows = []
    for person in everyone:
        mine = links.get(person.id, [])
        delivery = last.get(person.id)
        blocked = any(link.unreachable_at for link in mine) or bool(
            delivery and delivery.status == "failed" and delivery.last_error
            and texts.reason_text(delivery.last_error) == texts.DELIVERY_REASONS["blocked"])
        rows.append({
            "person": person,
            "roles": [r for r in roles if person.id in held.get(r.id, [])],
            "future": [(s.role.name, s.valid_from.astimezone(zone).date()) for s in spans
                       if s.person_id == person.id],
            "connected": [link for link in mine if link.unreachable_at is None],
            "blocked": blocked,
            "delivery": delivery,
            "delivered_at": (delivery.sent_at or delivery.created_at).astimezone(zone)
            if delivery else None,
            "reason": texts.reason_text(delivery.last_error) if delivery and delivery.last_error else "",
            "invitations": [(i, invite_link(username, i.code),
                             qr_svg(invite_link(username, i.code)) if username else None,
                             i.expires_at.astimezone(zone)) for i in codes.get(person.id, [])],
        })
    active = [r for r in rows if r["person"].retired_at is None]
    return page(request, "people.html", {
        "unit": unit, "rows": rows, "roles": roles,
        "holders": {r.id: [names[p] for p in held.get(r.id, [])] for r in roles},
        "future": {r.id: [(names[s.person_id], s.valid_from.astimezone(zone).date())
                          for s in spans if s.role_id == r.id] for r in roles},
        "unheld": [r.name for r in roles if r.id not in held],
        "unconnected": [r["person"].name for r in active if not r["connected"]],
        "active": [r["person"] for r in active], "today": local_day(now, zone),
        "notice": texts.WEB_PEOPLE_NOTICES.get(request.query.get("ok", "")),
        "zone": zone, "username": username, "duties": texts.ROLE_DUTIES,
        "channel_names": texts.CHANNEL_NAMES, "blocked_advice": texts.WEB_BLOCKED_ADVICE,
        "never_connected": texts.WEB_NEVER_CONNECTED, "status_names": texts.WEB_DELIVERY_STATUS,
    }, who=who)


# ------------------------------------------------------------------- forms

def _done(notice: str, anchor: str = "") -> web.Response:
    return web.Response(status=303, headers={"Location": f"{PEOPLE_PATH}?ok={notice}{anchor}"})


def _changed(request: web.Request, session: Session, now: datetime, who: Visitor, action: str,
             target: str, before: dict | None, after: dict | None) -> None:
    """What every change does after it: reminders follow at once, the audit log, the chat sees it."""
    rt = request.app[RUNTIME]
    people.reschedule(session, who.unit_id, now, rt.config.reminders)
    audit(session, session.get(Person, who.person_id), now, action, target, before, after)
    rt.who.clear()
    log.info("web %s %s by person %s", action, target, who.person_id)


def _person(session: Session, who: Visitor, raw: object) -> Person | None:
    """The visitor's commune's person with that id; None for anyone else's."""
    raw = str(raw or "")
    if not raw.isdigit():
        return None
    return session.scalar(select(Person).where(Person.id == int(raw), Person.unit_id == who.unit_id))


def _role(session: Session, who: Visitor, raw: object) -> Role | None:
    raw = str(raw or "")
    if not raw.isdigit():
        return None
    return session.scalar(select(Role).where(Role.id == int(raw), Role.unit_id == who.unit_id))


def _refused(request: web.Request, who: Visitor, error: people.PeopleError) -> web.Response:
    log.warning("web %s refused for person %s: %s %s", request.path, who.person_id, error.code,
                error.params)
    return message(request, f"{error} {texts.WEB_NOTHING_CHANGED}", 400, who)


@form(_office)
def add_person(request: web.Request, session: Session, now: datetime, who: Visitor,
               fields) -> web.StreamResponse:
    unit = session.get(Unit, who.unit_id)
    role = None
    if fields.get("role"):
        role = _role(session, who, fields.get("role"))
        if role is None:
            return message(request, texts.WEB_UNKNOWN_ROLE, 400, who)
    zone = request.app[RUNTIME].config.reminders.zone
    try:
        with session.begin_nested():
            person = people.add_person(session, unit, str(fields.get("name", "")),
                                       distinct=fields.get("distinct") == "1")
            if role is not None:
                people.assign_role(session, role, person, local_day(now, zone), now, zone)
    except people.PeopleError as error:
        return _refused(request, who, error)
    _changed(request, session, now, who, "person.add", f"person:{person.id}", None,
             {"name": person.name, "role": role.name if role else None})
    return _done("added", f"#nguoi-{person.id}")


@form(_office)
def rename_person(request: web.Request, session: Session, now: datetime, who: Visitor,
                  fields) -> web.StreamResponse:
    person = _person(session, who, request.match_info["id"])
    if person is None:
        return message(request, texts.WEB_NOT_FOUND, 404, who)
    try:
        old = people.rename_person(session, person, str(fields.get("name", "")),
                                   distinct=fields.get("distinct") == "1")
    except people.PeopleError as error:
        return _refused(request, who, error)
    _changed(request, session, now, who, "person.rename", f"person:{person.id}",
             {"name": old}, {"name": person.name})
    return _done("renamed", f"#nguoi-{person.id}")


@form(_office)
def retire_person(request: web.Request, session: Session, now: datetime, who: Visitor,
                  fields) -> web.StreamResponse:
    person = _person(session, who, request.match_info["id"])
    if person is None:
        return message(request, texts.WEB_NOT_FOUND, 404, who)
    if people.clean_name(str(fields.get("confirm", ""))).casefold() != person.name.casefold():
        return message(request, texts.WEB_RETIRE_PERSON_CONFIRM.format(name=person.name), 400, who)
    if person.id == who.person_id:
        return message(request, texts.WEB_RETIRE_SELF, 400, who)
    try:
        orphaned = people.retire_person(session, person, now)
    except people.PeopleError as error:
        return _refused(request, who, error)
    _changed(request, session, now, who, "person.retire", f"person:{person.id}",
             {"retired_at": None}, {"retired_at": now.isoformat(),
                                    "roles_left": [r.name for r in orphaned]})
    # The page lists every role nobody holds: the ones to hand over.
    return _done("retired_orphans" if orphaned else "retired")


@form(_office)
def invite(request: web.Request, session: Session, now: datetime, who: Visitor,
           fields) -> web.StreamResponse:
    person = _person(session, who, request.match_info["id"])
    if person is None:
        return message(request, texts.WEB_NOT_FOUND, 404, who)
    if person.retired_at is not None:
        return message(request, texts.PEOPLE_ERRORS["retired"].format(name=person.name), 400, who)
    create_invitation(session, person, now)
    session.flush()
    audit(session, session.get(Person, who.person_id), now, "person.invite",
          f"person:{person.id}", None, {"invitation": True})
    return _done("invited", f"#nguoi-{person.id}")


def _day_field(request: web.Request, fields, now: datetime):
    """The "from" day of a role form: today when left empty; None when it cannot be read."""
    raw = str(fields.get("from", "")).strip()
    if not raw:
        return local_day(now, request.app[RUNTIME].config.reminders.zone)
    return parse_day(raw)


@form(_office)
def assign_role(request: web.Request, session: Session, now: datetime, who: Visitor,
                fields) -> web.StreamResponse:
    role, person = _role(session, who, fields.get("role")), _person(session, who, fields.get("person"))
    replace = _person(session, who, fields.get("replace")) if fields.get("replace") else None
    if role is None or person is None or (fields.get("replace") and replace is None):
        return message(request, texts.WEB_UNKNOWN_ROLE_OR_PERSON, 400, who)
    day = _day_field(request, fields, now)
    if day is None:
        return message(request, texts.WEB_BAD_DAY.format(value=fields.get("from", "")), 400, who)
    zone = request.app[RUNTIME].config.reminders.zone
    try:
        people.assign_role(session, role, person, day, now, zone, replace=replace)
    except people.PeopleError as error:
        return _refused(request, who, error)
    _changed(request, session, now, who, "role.assign", f"role:{role.id}",
             {"holders": [replace.name]} if replace else None,
             {"person": person.name, "from": day.isoformat(),
              "replaced": replace.name if replace else None})
    return _done("handed" if replace else "assigned")


@form(_office)
def take_role(request: web.Request, session: Session, now: datetime, who: Visitor,
              fields) -> web.StreamResponse:
    role, person = _role(session, who, fields.get("role")), _person(session, who, fields.get("person"))
    if role is None or person is None:
        return message(request, texts.WEB_UNKNOWN_ROLE_OR_PERSON, 400, who)
    day = _day_field(request, fields, now)
    if day is None:
        return message(request, texts.WEB_BAD_DAY.format(value=fields.get("from", "")), 400, who)
    try:
        people.take_role(session, role, person, day, now, request.app[RUNTIME].config.reminders.zone)
    except people.PeopleError as error:
        return _refused(request, who, error)
    _changed(request, session, now, who, "role.take", f"role:{role.id}",
             {"person": person.name}, {"person": person.name, "until": day.isoformat()})
    return _done("taken")


@form(_office)
def add_role(request: web.Request, session: Session, now: datetime, who: Visitor,
             fields) -> web.StreamResponse:
    try:
        role = people.add_role(session, session.get(Unit, who.unit_id), str(fields.get("name", "")))
    except people.PeopleError as error:
        return _refused(request, who, error)
    _changed(request, session, now, who, "role.add", f"role:{role.id}", None, {"name": role.name})
    return _done("role_added")


@form(_office)
def change_alias(request: web.Request, session: Session, now: datetime, who: Visitor,
                 fields) -> web.StreamResponse:
    role = _role(session, who, request.match_info["id"])
    if role is None:
        return message(request, texts.WEB_NOT_FOUND, 404, who)
    before = list(role.aliases)
    try:
        if fields.get("action") == "remove":
            people.remove_alias(session, role, str(fields.get("alias", "")))
        else:
            people.add_alias(session, role, str(fields.get("alias", "")))
    except people.PeopleError as error:
        return _refused(request, who, error)
    _changed(request, session, now, who, "role.alias", f"role:{role.id}",
             {"aliases": before}, {"aliases": list(role.aliases)})
    return _done("alias")


def add_routes(app: web.Application) -> None:
    app.router.add_get(PEOPLE_PATH, show_people)
    app.router.add_post(PEOPLE_PATH, add_person)
    app.router.add_post(PEOPLE_PATH + "/{id}/ten", rename_person)
    app.router.add_post(PEOPLE_PATH + "/{id}/nghi", retire_person)
    app.router.add_post(PEOPLE_PATH + "/{id}/moi", invite)
    app.router.add_post(ROLES_PATH, add_role)
    app.router.add_post(ROLES_PATH + "/giao", assign_role)
    app.router.add_post(ROLES_PATH + "/thoi", take_role)
    app.router.add_post(ROLES_PATH + "/{id}/ten-goi", change_alias)
