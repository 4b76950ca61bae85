"""The reminder tick: lease, refresh, claim due rows, compose one message per person, deliver.

Every step that changes state commits before the next network call, so a crash
anywhere loses nothing: a claimed reminder always has its delivery row, and a
delivery whose call may have reached the chat service is sent again at most once.
"""

from __future__ import annotations

import logging
import time as monotonic
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import texts
from bot.channels.base import Button, Channel, DeliveryError
from bot.config import Config
from db.models import (
    ChatLink, Delivery, DeliveryAttempt, Item, Milestone, Person, PersonRole, Plan, Reminder, Role,
    TickLease,
)
from jobs.rules import KINDS, days_left
from jobs.schedule import calendar_of, local_day, refresh_schedule

log = logging.getLogger(__name__)

LEASE = "reminder-tick"
LEASE_SECONDS = 60
FALLBACK_CHANNEL = "console"
# Minutes to wait before retrying a delivery, by attempt; then give up.
BACKOFF_MINUTES = (1, 5, 15, 60, 180, 360)


@dataclass(slots=True)
class TickReport:
    leader: bool
    holder: str | None = None
    refreshed: bool = False
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retried: int = 0


# ----------------------------------------------------------------------- lease

def acquire_lease(session: Session, holder: str, now: datetime,
                  seconds: int = LEASE_SECONDS) -> tuple[bool, TickLease | None]:
    """Take or renew the tick lease; compare-and-set so two processes never both hold it."""
    expires = now + timedelta(seconds=seconds)
    taken = session.execute(
        update(TickLease)
        .where(TickLease.name == LEASE, (TickLease.holder == holder) | (TickLease.expires_at < now))
        .values(holder=holder, expires_at=expires))
    if taken.rowcount == 1:
        return True, session.get(TickLease, LEASE)
    if session.get(TickLease, LEASE) is None:
        try:
            with session.begin_nested():
                session.execute(insert(TickLease).values(name=LEASE, holder=holder, expires_at=expires))
            return True, session.get(TickLease, LEASE)
        except IntegrityError:
            pass  # another process inserted it first
    return False, session.get(TickLease, LEASE)


def release_lease(session: Session, holder: str, now: datetime) -> None:
    session.execute(update(TickLease).where(TickLease.name == LEASE, TickLease.holder == holder)
                    .values(expires_at=now))


# ---------------------------------------------------------------------- claim

@dataclass(slots=True)
class Line:
    kind: str
    code: str
    title: str
    label: str | None
    due: date | None
    left: int | None
    holders: list[str] = field(default_factory=list)


def _choose_chat(session: Session, person_id: int, channels: Mapping[str, Channel]
                 ) -> tuple[str | None, str | None]:
    links = session.scalars(
        select(ChatLink).where(ChatLink.person_id == person_id, ChatLink.unreachable_at.is_(None))
        .order_by(ChatLink.preferred.desc(), ChatLink.id)).all()
    for link in links:
        if link.channel in channels:
            return link.channel, link.chat_id
    if FALLBACK_CHANNEL in channels:
        return FALLBACK_CHANNEL, f"person:{person_id}"
    return None, None


def reminder_buttons(session: Session, delivery_id: int) -> list[list[list[str]]]:
    """Xong / Đang làm / Gia hạn under a reminder, one row per dated item it lists."""
    rows = session.execute(
        select(Milestone.id, Item.code).join(Reminder, Reminder.milestone_id == Milestone.id)
        .join(Item, Item.id == Milestone.item_id)
        .where(Reminder.delivery_id == delivery_id, Milestone.kind != "ongoing",
               Reminder.kind != "escalation")
        .distinct().order_by(Milestone.id)).all()
    return [[[f"{texts.BUTTON_DONE} {code}", f"d:{mid}"], [texts.BUTTON_PROGRESS, f"p:{mid}"],
             [texts.BUTTON_EXTEND, f"e:{mid}"]] for mid, code in rows[:5]]


def claim_due(sessions: sessionmaker[Session], config: Config, channels: Mapping[str, Channel],
              now: datetime) -> int:
    """Turn due reminder rows into one delivery per person. Returns how many rows were claimed."""
    zone = config.reminders.zone
    today = local_day(now, zone)
    calendar = calendar_of(config.reminders)
    with sessions() as session:
        due_rows = session.execute(
            select(Reminder.id, Reminder.person_id)
            .where(Reminder.status == "planned", Reminder.send_at <= now)
            .order_by(Reminder.person_id, Reminder.id)).all()
    by_person: dict[int, list[int]] = defaultdict(list)
    for reminder_id, person_id in due_rows:
        by_person[person_id].append(reminder_id)
    claimed = 0
    for person_id, reminder_ids in by_person.items():
        with sessions.begin() as session:
            reminders = session.scalars(select(Reminder).where(Reminder.id.in_(reminder_ids))).all()
            catch_up = any(r.scheduled_on < today for r in reminders)
            text = compose(session, reminders, today, calendar, catch_up)
            channel, chat_id = _choose_chat(session, person_id, channels)
            delivery = Delivery(
                person_id=person_id, channel=channel, chat_id=chat_id, text=text,
                purpose="catch_up" if catch_up else "reminder", status="pending",
                next_attempt_at=now, created_at=now)
            session.add(delivery)
            session.flush()
            result = session.execute(
                update(Reminder)
                .where(Reminder.id.in_(reminder_ids), Reminder.status == "planned")
                .values(status="claimed", delivery_id=delivery.id, updated_at=now))
            if result.rowcount != len(reminder_ids):
                # Another process got there first: leave these rows to it.
                session.rollback()
                continue
            delivery.buttons = reminder_buttons(session, delivery.id) or None
            claimed += len(reminder_ids)
    return claimed


def compose(session: Session, reminders: list[Reminder], today: date, calendar, catch_up: bool) -> str:
    """One message for one person: every item due for them, most urgent first."""
    milestone_ids = {r.milestone_id for r in reminders}
    rows = session.execute(
        select(Milestone, Item).join(Item).where(Milestone.id.in_(milestone_ids))).all()
    info = {milestone.id: (milestone, item) for milestone, item in rows}
    strongest: dict[int, str] = {}
    for reminder in reminders:
        current = strongest.get(reminder.milestone_id)
        if current is None or KINDS.index(reminder.kind) < KINDS.index(current):
            strongest[reminder.milestone_id] = reminder.kind
    lines = []
    for milestone_id, kind in strongest.items():
        milestone, item = info[milestone_id]
        due = _effective_due(milestone)
        left = days_left(due, today, calendar) if due else None
        if catch_up and kind in ("lead", "due", "overdue"):
            kind = "overdue" if left is not None and left < 0 else ("due" if left == 0 else "lead")
        holders = []
        if kind == "escalation":
            holders = [a.written_as or a.role.name for a in item.assignments if a.part == "owner"]
        lines.append(Line(kind, item.code, item.title, milestone.label, due, left, holders))
    lines.sort(key=lambda line: (KINDS.index(line.kind), line.left if line.left is not None else 10**6,
                                 line.code))
    return texts.reminder_message(lines, catch_up, today)


def _effective_due(milestone: Milestone) -> date | None:
    if milestone.due is not None:
        return milestone.due
    if milestone.event_on is not None and milestone.event_due_days is not None:
        return milestone.event_on + timedelta(days=milestone.event_due_days)
    return None


# -------------------------------------------------------------------- deliver

def recover_in_flight(session: Session, holder: str, now: datetime) -> int:
    """Deliveries left 'sending' by a process that died mid-call go out again (at most once more)."""
    result = session.execute(
        update(Delivery).where(Delivery.status == "sending",
                               ~Delivery.id.in_(select(DeliveryAttempt.delivery_id).where(
                                   DeliveryAttempt.holder == holder,
                                   DeliveryAttempt.finished_at.is_(None))))
        .values(status="retry", next_attempt_at=now))
    return result.rowcount or 0


async def send_pending(sessions: sessionmaker[Session], config: Config,
                       channels: Mapping[str, Channel], now: datetime, holder: str) -> TickReport:
    report = TickReport(leader=True, holder=holder)
    done: set[int] = set()
    failures: list[tuple[int, str | None, str]] = []
    # Failures become one notice for the office; the second pass sends it in the same tick.
    for attempt in range(2):
        if attempt and failures:
            with sessions.begin() as session:
                _tell_coordinator(session, failures, now)
            failures = []
        with sessions() as session:
            ready = [i for i in session.scalars(
                select(Delivery.id).where(Delivery.status.in_(("pending", "retry")),
                                          Delivery.next_attempt_at <= now)
                .order_by(Delivery.id)).all() if i not in done]
        if not ready:
            break
        for delivery_id in ready:
            done.add(delivery_id)
            outcome = await deliver(sessions, config, channels, delivery_id, now, holder,
                                    failures)
            if outcome == "sent":
                report.sent += 1
            elif outcome == "retry":
                report.retried += 1
            elif outcome == "failed":
                report.failed += 1
    return report


async def deliver(sessions: sessionmaker[Session], config: Config, channels: Mapping[str, Channel],
                  delivery_id: int, now: datetime, holder: str,
                  failures: list[tuple[int, str | None, str]] | None = None) -> str:
    """Send one delivery. Permanent failures are appended to `failures` for the office notice."""
    with sessions.begin() as session:
        taken = session.execute(
            update(Delivery).where(Delivery.id == delivery_id,
                                   Delivery.status.in_(("pending", "retry")))
            .values(status="sending", attempts=Delivery.attempts + 1))
        if taken.rowcount != 1:
            return "skipped"
        delivery = session.get(Delivery, delivery_id)
        if delivery.channel is None or delivery.channel not in channels:
            channel_name, chat_id = _choose_chat(session, delivery.person_id, channels)
            delivery.channel, delivery.chat_id = channel_name, chat_id
        attempt = DeliveryAttempt(delivery_id=delivery_id, started_at=now, holder=holder)
        session.add(attempt)
        session.flush()
        attempt_id = attempt.id
        channel_name, chat_id, text = delivery.channel, delivery.chat_id, delivery.text
        buttons = [[Button(label, data) for label, data in row] for row in delivery.buttons or []]
        attempts, person_id, purpose = delivery.attempts, delivery.person_id, delivery.purpose
    started = monotonic.perf_counter()
    try:
        if channel_name is None:
            raise DeliveryError("no_chat", permanent=True)
        channel = channels[channel_name]
        sent = await channel.send_text(chat_id, text,
                                       buttons=buttons if buttons and channel.supports_buttons else None)
    except DeliveryError as error:
        elapsed = (monotonic.perf_counter() - started) * 1000
        log.warning("delivery %s to person %s via %s failed in %.0f ms: %s (permanent=%s)",
                    delivery_id, person_id, channel_name, elapsed, error.reason, error.permanent)
        outcome = _record_failure(sessions, delivery_id, attempt_id, attempts, channel_name,
                                  chat_id, error, now)
        if outcome == "failed" and purpose != "notice" and failures is not None:
            failures.append((person_id, channel_name, error.reason))
        return outcome
    elapsed = (monotonic.perf_counter() - started) * 1000
    log.info("delivery %s to person %s via %s ok in %.0f ms", delivery_id, person_id, channel_name,
             elapsed)
    with sessions.begin() as session:
        session.execute(update(Delivery).where(Delivery.id == delivery_id).values(
            status="sent", sent_at=now, provider_message_id=sent.message_id, last_error=None))
        session.execute(update(DeliveryAttempt).where(DeliveryAttempt.id == attempt_id).values(
            finished_at=now, outcome="sent"))
        session.execute(update(Reminder).where(Reminder.delivery_id == delivery_id).values(
            status="sent", updated_at=now))
    return "sent"


def _record_failure(sessions, delivery_id: int, attempt_id: int, attempts: int,
                    channel_name: str | None, chat_id: str | None, error: DeliveryError,
                    now: datetime) -> str:
    permanent = error.permanent or attempts > len(BACKOFF_MINUTES)
    with sessions.begin() as session:
        session.execute(update(DeliveryAttempt).where(DeliveryAttempt.id == attempt_id).values(
            finished_at=now, outcome="permanent" if error.permanent else "temporary",
            error=error.reason))
        if not permanent:
            wait = timedelta(minutes=BACKOFF_MINUTES[attempts - 1])
            if error.retry_after:
                wait = max(wait, timedelta(seconds=error.retry_after))
            session.execute(update(Delivery).where(Delivery.id == delivery_id).values(
                status="retry", next_attempt_at=now + wait, last_error=error.reason))
            return "retry"
        session.execute(update(Delivery).where(Delivery.id == delivery_id).values(
            status="failed", last_error=error.reason))
        session.execute(update(Reminder).where(Reminder.delivery_id == delivery_id).values(
            status="failed", updated_at=now))
        if error.permanent and channel_name and chat_id:
            session.execute(update(ChatLink).where(
                ChatLink.channel == channel_name, ChatLink.chat_id == chat_id).values(
                unreachable_at=now))
    return "failed"


def _tell_coordinator(session: Session, failures: list[tuple[int, str | None, str]],
                      now: datetime) -> None:
    """One notice per coordinator listing everyone who could not be reached this time."""
    by_unit: dict[int, list[tuple[str, str | None, str]]] = defaultdict(list)
    for person_id, channel_name, reason in failures:
        person = session.get(Person, person_id)
        by_unit[person.unit_id].append((person.name, channel_name, reason))
    for unit_id, lines in by_unit.items():
        coordinators = session.scalars(
            select(Person).join(PersonRole).join(Role)
            .where(Role.unit_id == unit_id, Role.duty == "coordinator").distinct()).all()
        for coordinator in coordinators:
            mine = [line for line in lines if line[0] != coordinator.name]
            if mine:
                session.add(Delivery(person_id=coordinator.id, text=texts.delivery_failed_notice(mine),
                                     purpose="notice", status="pending", next_attempt_at=now,
                                     created_at=now))


# ----------------------------------------------------------------------- tick

async def tick(sessions: sessionmaker[Session], config: Config, channels: Mapping[str, Channel],
               now: datetime, holder: str) -> TickReport:
    with sessions.begin() as session:
        leader, lease = acquire_lease(session, holder, now)
        current = lease.holder if lease else None
        refreshed_on = lease.refreshed_on if lease else None
    if not leader:
        return TickReport(leader=False, holder=current)
    report = TickReport(leader=True, holder=holder)
    today = local_day(now, config.reminders.zone)
    with sessions.begin() as session:
        recovered = recover_in_flight(session, holder, now)
        if recovered:
            log.warning("%s deliveries interrupted by a crash will be sent again", recovered)
        if refreshed_on != today:
            result = refresh_schedule(session, now, config.reminders)
            session.execute(update(TickLease).where(TickLease.name == LEASE)
                            .values(refreshed_on=today))
            report.refreshed = True
            log.info("schedule refreshed for %s: %s added, %s cancelled", today, result.added,
                     result.cancelled)
    report.claimed = claim_due(sessions, config, channels, now)
    sent = await send_pending(sessions, config, channels, now, holder)
    report.sent, report.retried, report.failed = sent.sent, sent.retried, sent.failed
    return report



def plans_exist(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(Plan)) > 0
