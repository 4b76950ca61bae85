"""Digests: the chairman's weekly summary and the office's daily news, each only when it says something."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import texts
from bot.config import Config
from bot.people import people_with_duty
from bot.status import current_plans, load_items
from bot.summary import summary_text
from db.models import (
    Delivery, Digest, Item, ItemReply, Milestone, Unit,
)
from jobs.schedule import calendar_of, local_day, send_time

SOON_DAYS = 14


def queue_digests(session: Session, config: Config, now: datetime) -> int:
    """Queue today's digests as deliveries (sent by the tick like any message). Idempotent."""
    reminders = config.reminders
    today = local_day(now, reminders.zone)
    calendar = calendar_of(reminders)
    if not calendar.is_working_day(today) or now < send_time(today, reminders.send_at, reminders.zone):
        return 0
    week_start = today - timedelta(days=today.weekday())
    weekly_day = calendar.on_or_after(week_start + timedelta(days=config.digests.chairman_weekday - 1))
    kinds = int(config.digests.coordinator_daily) + int(weekly_day == today)
    units = session.scalar(select(func.count()).select_from(Unit))
    done = session.scalar(select(func.count()).select_from(Digest).where(Digest.day == today))
    if done >= units * kinds:
        return 0  # the usual case on every tick after the morning: nothing left to look at
    queued = 0
    for unit in session.scalars(select(Unit)):
        plan_ids = current_plans(session, unit.id)
        if not plan_ids:
            continue
        if weekly_day == today and _claim(session, unit.id, "weekly", today, now):
            text = weekly_text(session, config, unit.id, plan_ids, today, now)
            if text:
                queued += _queue(session, unit.id, "chairman", text, now)
        if config.digests.coordinator_daily:
            since = session.scalar(select(Digest.created_at).where(
                Digest.unit_id == unit.id, Digest.kind == "daily").order_by(Digest.day.desc()).limit(1))
            if _claim(session, unit.id, "daily", today, now):
                text = daily_text(session, config, plan_ids, since or now - timedelta(days=1), today)
                if text:
                    queued += _queue(session, unit.id, "coordinator", text, now)
    return queued


def _claim(session: Session, unit_id: int, kind: str, day: date, now: datetime) -> bool:
    """Record the digest first; a second process (or a restart) finds it and does nothing."""
    if session.scalar(select(Digest.id).where(Digest.unit_id == unit_id, Digest.kind == kind,
                                              Digest.day == day)):
        return False
    try:
        with session.begin_nested():
            session.add(Digest(unit_id=unit_id, kind=kind, day=day, created_at=now))
    except IntegrityError:
        return False
    return True


def _queue(session: Session, unit_id: int, duty: str, text: str, now: datetime) -> int:
    people = people_with_duty(session, unit_id, duty, now)
    for person in people:
        session.add(Delivery(person_id=person.id, text=text, purpose="digest", status="pending",
                             next_attempt_at=now, created_at=now))
    return len(people)


def weekly_text(session: Session, config: Config, unit_id: int, plan_ids: list[int], today: date,
                now: datetime) -> str | None:
    """The /tongket overview, when anything is late, due soon, waiting or changed this week."""
    views = load_items(session, plan_ids, today, config.reminders.zone)
    pressing = any(
        m.state == "overdue" or (m.state in ("not_started", "in_progress") and m.due
                                 and m.due <= today + timedelta(days=SOON_DAYS))
        for view in views for m in view.milestones)
    changed = session.scalar(select(ItemReply.id).join(Milestone).join(Item).where(
        Item.plan_id.in_(plan_ids), ItemReply.at >= now - timedelta(days=7)).limit(1))
    if not (pressing or changed):
        return None
    body = summary_text(session, unit_id, plan_ids, today, config)
    return f"{texts.DIGEST_WEEKLY_HEADER}\n{body}"


def daily_text(session: Session, config: Config, plan_ids: list[int], since: datetime,
               today: date) -> str | None:
    """What officials reported since the last daily digest, for the office that follows the plan."""
    zone = config.reminders.zone
    rows = session.execute(
        select(ItemReply, Item.code).select_from(ItemReply)
        .join(Milestone, Milestone.id == ItemReply.milestone_id)
        .join(Item, Item.id == Milestone.item_id)
        .where(Item.plan_id.in_(plan_ids), ItemReply.at >= since)
        .order_by(ItemReply.at, ItemReply.id)).all()
    if not rows:
        return None
    lines = [texts.DIGEST_DAILY_HEADER.format(day=texts.show_date(today), count=len(rows))]
    for reply, code in rows:
        lines.append(texts.digest_line(reply.at.astimezone(zone), reply.person.name, reply.intent,
                                       code, reply.percent, reply.note))
    return "\n".join(lines)
