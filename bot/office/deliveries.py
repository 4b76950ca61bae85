"""Nhật ký gửi: every message to the commune's people in the last days, sent or not, and why."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.office.auth import Visitor
from bot.office.pages import RUNTIME, page, signed_in
from db.models import Delivery, Person

DELIVERIES_PATH = "/nhat-ky-gui"
DAY_CHOICES = (1, 3, 7, 30)
DEFAULT_DAYS = 7
MAX_ROWS = 500


@signed_in
def show_deliveries(request: web.Request, session: Session, now: datetime,
                    who: Visitor) -> web.StreamResponse:
    zone = request.app[RUNTIME].config.reminders.zone
    people = list(session.execute(select(Person.id, Person.name)
                                  .where(Person.unit_id == who.unit_id).order_by(Person.name)))
    problems = []
    raw_days, raw_person = request.query.get("days", ""), request.query.get("person", "")
    days = DEFAULT_DAYS
    if raw_days.isdigit() and int(raw_days) in DAY_CHOICES:
        days = int(raw_days)
    elif raw_days:
        problems.append(texts.WEB_BAD_FILTER.format(field=texts.WEB_FILTER_NAMES["days"]))
    person_id = int(raw_person) if raw_person.isdigit() else None
    if raw_person and person_id not in {pid for pid, _ in people}:
        problems.append(texts.WEB_BAD_FILTER.format(field=texts.WEB_FILTER_NAMES["person"]))
        person_id = None
    query = (select(Delivery, Person.name).join(Person, Person.id == Delivery.person_id)
             .where(Person.unit_id == who.unit_id, Delivery.created_at >= now - timedelta(days=days))
             .order_by(Delivery.created_at.desc(), Delivery.id.desc()).limit(MAX_ROWS))
    if person_id is not None:
        query = query.where(Delivery.person_id == person_id)
    rows = [(d, name, d.created_at.astimezone(zone), d.sent_at.astimezone(zone) if d.sent_at else None,
             texts.reason_text(d.last_error) if d.last_error else "")
            for d, name in session.execute(query)]
    return page(request, "deliveries.html", {
        "rows": rows, "people": people, "days": days, "day_choices": DAY_CHOICES,
        "person_id": person_id, "problems": problems, "max_rows": MAX_ROWS,
        "status_names": texts.WEB_DELIVERY_STATUS, "purpose_names": texts.WEB_DELIVERY_PURPOSE,
        "channel_names": texts.CHANNEL_NAMES, "failed": sum(1 for r in rows if r[0].status == "failed"),
    }, who=who)


def add_routes(app: web.Application) -> None:
    app.router.add_get(DELIVERIES_PATH, show_deliveries)
