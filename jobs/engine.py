"""The reminder tick: lease, refresh, claim due rows, compose one message per person, deliver.

Every step that changes state commits before the next network call, so a crash
anywhere loses nothing: a claimed reminder always has its delivery row, and a
delivery whose call may have reached the chat service is sent again at most once.
"""

from __future__ import annotations

import asyncio
import logging
import time as monotonic
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import texts
from bot.channels.base import Button, Channel, DeliveryError
from bot.config import Config
from bot.people import people_with_duty
from db.models import (
    ChatLink, Delivery, DeliveryAttempt, Item, ItemRole, Milestone, Person, Plan,
    Reminder, Role, TickLease,
)
from jobs.digests import queue_digests
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
    return _chats(session, [person_id], channels).get(person_id, (None, None))


CLAIM_BATCH = 500  # people per claim transaction: short transactions, few round trips
BUTTON_ROWS = 5


@dataclass(frozen=True, slots=True)
class _Due:
    id: int
    person_id: int
    milestone_id: int
    kind: str
    scheduled_on: date


@dataclass(frozen=True, slots=True)
class _MilestoneInfo:
    kind: str
    label: str | None
    due: date | None
    item_id: int
    code: str
    title: str


def claim_due(sessions: sessionmaker[Session], config: Config, channels: Mapping[str, Channel],
              now: datetime) -> int:
    """Turn due reminder rows into one delivery per person. Returns how many rows were claimed."""
    today = local_day(now, config.reminders.zone)
    calendar = calendar_of(config.reminders)
    with sessions() as session:
        rows = [_Due(*row) for row in session.execute(
            select(Reminder.id, Reminder.person_id, Reminder.milestone_id, Reminder.kind,
                   Reminder.scheduled_on)
            .where(Reminder.status == "planned", Reminder.send_at <= now)
            .order_by(Reminder.person_id, Reminder.id))]
    by_person: dict[int, list[_Due]] = defaultdict(list)
    for row in rows:
        by_person[row.person_id].append(row)
    people = list(by_person)
    claimed = 0
    for start in range(0, len(people), CLAIM_BATCH):
        batch = {person_id: by_person[person_id] for person_id in people[start:start + CLAIM_BATCH]}
        with sessions.begin() as session:
            claimed += _claim_batch(session, batch, channels, today, calendar, now)
    return claimed


def _claim_batch(session: Session, batch: dict[int, list[_Due]], channels: Mapping[str, Channel],
                 today: date, calendar, now: datetime) -> int:
    milestone_ids = {row.milestone_id for rows in batch.values() for row in rows}
    info = _milestone_info(session, milestone_ids)
    holders = _owner_names(session, {info[m].item_id for m in milestone_ids})
    chats = _chats(session, list(batch), channels)
    deliveries = []
    for person_id, rows in batch.items():
        catch_up = any(row.scheduled_on < today for row in rows)
        channel, chat_id = chats.get(person_id, (None, None))
        deliveries.append(Delivery(
            person_id=person_id, channel=channel, chat_id=chat_id,
            text=compose(rows, info, holders, today, calendar, catch_up),
            buttons=_buttons(rows, info), purpose="catch_up" if catch_up else "reminder",
            status="pending", next_attempt_at=now, created_at=now))
    session.add_all(deliveries)
    session.flush()
    table = Reminder.__table__
    # Compare-and-set on every row, one statement executed for the whole batch.
    claim = (table.update()
             .where(table.c.id == bindparam("reminder_id"), table.c.status == "planned")
             .values(status="claimed", delivery_id=bindparam("delivery"), updated_at=now))
    params = [{"reminder_id": row.id, "delivery": delivery.id}
              for delivery, rows in zip(deliveries, batch.values()) for row in rows]
    result = session.connection().execute(claim, params)
    if result.rowcount != len(params):
        # Another process got there first: give this batch up to it entirely.
        log.warning("%s reminders were claimed elsewhere; batch abandoned",
                    len(params) - result.rowcount)
        session.rollback()
        return 0
    return len(params)


def _chunks(values, size: int = 900):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _milestone_info(session: Session, milestone_ids) -> dict[int, _MilestoneInfo]:
    info = {}
    for chunk in _chunks(milestone_ids):
        for row in session.execute(
                select(Milestone.id, Milestone.kind, Milestone.label, Milestone.due,
                       Milestone.event_on, Milestone.event_due_days, Item.id, Item.code, Item.title)
                .join(Item, Item.id == Milestone.item_id).where(Milestone.id.in_(chunk))):
            (milestone_id, kind, label, due, event_on, event_days, item_id, code, title) = row
            if due is None and event_on is not None and event_days is not None:
                due = event_on + timedelta(days=event_days)
            info[milestone_id] = _MilestoneInfo(kind, label, due, item_id, code, title)
    return info


def _owner_names(session: Session, item_ids) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(item_ids):
        for item_id, written, role in session.execute(
                select(ItemRole.item_id, ItemRole.written_as, Role.name)
                .join(Role, Role.id == ItemRole.role_id)
                .where(ItemRole.item_id.in_(chunk), ItemRole.part == "owner")):
            names[item_id].append(written or role)
    return names


def _chats(session: Session, person_ids: list[int], channels: Mapping[str, Channel]
           ) -> dict[int, tuple[str, str]]:
    found: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(person_ids):
        for person_id, channel, chat_id in session.execute(
                select(ChatLink.person_id, ChatLink.channel, ChatLink.chat_id)
                .where(ChatLink.person_id.in_(chunk), ChatLink.unreachable_at.is_(None))
                .order_by(ChatLink.preferred.desc(), ChatLink.id)):
            if channel in channels and person_id not in found:
                found[person_id] = (channel, chat_id)
    if FALLBACK_CHANNEL in channels:
        for person_id in person_ids:
            found.setdefault(person_id, (FALLBACK_CHANNEL, f"person:{person_id}"))
    return found


def _buttons(rows: list[_Due], info: dict[int, _MilestoneInfo]) -> list | None:
    """Xong / Đang làm / Gia hạn under a reminder, one row per dated item it lists."""
    seen: dict[int, str] = {}
    for row in rows:
        milestone = info[row.milestone_id]
        if row.kind != "escalation" and milestone.kind != "ongoing":
            seen.setdefault(row.milestone_id, milestone.code)
    buttons = [[[f"{texts.BUTTON_DONE} {code}", f"d:{mid}"], [texts.BUTTON_PROGRESS, f"p:{mid}"],
                [texts.BUTTON_EXTEND, f"e:{mid}"]] for mid, code in list(seen.items())[:BUTTON_ROWS]]
    return buttons or None


def compose(rows: list[_Due], info: dict[int, _MilestoneInfo], holders: dict[int, list[str]],
            today: date, calendar, catch_up: bool) -> str:
    """One message for one person: every item due for them, most urgent first."""
    strongest: dict[int, str] = {}
    for row in rows:
        current = strongest.get(row.milestone_id)
        if current is None or KINDS.index(row.kind) < KINDS.index(current):
            strongest[row.milestone_id] = row.kind
    lines = []
    for milestone_id, kind in strongest.items():
        milestone = info[milestone_id]
        left = days_left(milestone.due, today, calendar) if milestone.due else None
        if catch_up and kind in ("lead", "due", "overdue"):
            kind = "overdue" if left is not None and left < 0 else ("due" if left == 0 else "lead")
        owners = holders.get(milestone.item_id, []) if kind == "escalation" else []
        lines.append(Line(kind, milestone.code, milestone.title, milestone.label, milestone.due,
                          left, owners))
    lines.sort(key=lambda line: (KINDS.index(line.kind), line.left if line.left is not None else 10**6,
                                 code_key(line.code)))
    return texts.reminder_message(lines, catch_up, today)


def code_key(code: str) -> tuple:
    """3.2 before 3.10: codes sort by their numbers."""
    return tuple(int(part) if part.isdigit() else 0 for part in code.replace("-", ".").split("."))


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
            await asyncio.to_thread(_notify_coordinator, sessions, failures, now)
            failures = []
        ready = [i for i in await asyncio.to_thread(_ready, sessions, now) if i not in done]
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


def _notify_coordinator(sessions: sessionmaker[Session],
                        failures: list[tuple[int, str | None, str]], now: datetime) -> None:
    with sessions.begin() as session:
        _tell_coordinator(session, failures, now)


def _ready(sessions: sessionmaker[Session], now: datetime) -> list[int]:
    with sessions() as session:
        return list(session.scalars(
            select(Delivery.id).where(Delivery.status.in_(("pending", "retry")),
                                      Delivery.next_attempt_at <= now)
            .order_by(Delivery.id)))


# Statements of the per-message path, built once: this path runs for every message sent.
_DELIVERY, _ATTEMPT, _REMINDER = Delivery.__table__, DeliveryAttempt.__table__, Reminder.__table__
_TAKE = (_DELIVERY.update()
         .where(_DELIVERY.c.id == bindparam("delivery"), _DELIVERY.c.status.in_(("pending", "retry")))
         .values(status="sending", attempts=_DELIVERY.c.attempts + 1))
_LOAD = select(_DELIVERY.c.channel, _DELIVERY.c.chat_id, _DELIVERY.c.text, _DELIVERY.c.buttons,
               _DELIVERY.c.attempts, _DELIVERY.c.person_id, _DELIVERY.c.purpose
               ).where(_DELIVERY.c.id == bindparam("delivery"))
_ROUTE = (_DELIVERY.update().where(_DELIVERY.c.id == bindparam("delivery"))
          .values(channel=bindparam("channel"), chat_id=bindparam("chat")))
_START = _ATTEMPT.insert().values(delivery_id=bindparam("delivery"), started_at=bindparam("at"),
                                  holder=bindparam("holder"))
_SENT = (_DELIVERY.update().where(_DELIVERY.c.id == bindparam("delivery"))
         .values(status="sent", sent_at=bindparam("at"), provider_message_id=bindparam("message"),
                 last_error=None))
_FINISH = (_ATTEMPT.update().where(_ATTEMPT.c.id == bindparam("attempt"))
           .values(finished_at=bindparam("at"), outcome=bindparam("outcome"),
                   error=bindparam("error")))
_REMINDERS_DONE = (_REMINDER.update().where(_REMINDER.c.delivery_id == bindparam("delivery"))
                   .values(status=bindparam("status"), updated_at=bindparam("at")))


async def deliver(sessions: sessionmaker[Session], config: Config, channels: Mapping[str, Channel],
                  delivery_id: int, now: datetime, holder: str,
                  failures: list[tuple[int, str | None, str]] | None = None) -> str:
    """Send one delivery. Permanent failures are appended to `failures` for the office notice.

    The database work runs in worker threads; only the send itself is awaited on the loop.
    """
    taken = await asyncio.to_thread(_take, sessions, channels, delivery_id, now, holder)
    if taken is None:
        return "skipped"
    channel_name, chat_id, text, stored_buttons, attempts, person_id, purpose, attempt_id = taken
    buttons = [[Button(label, data) for label, data in row] for row in stored_buttons or []]
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
        outcome = await asyncio.to_thread(_record_failure, sessions, delivery_id, attempt_id,
                                          attempts, channel_name, chat_id, error, now)
        if outcome == "failed" and purpose != "notice" and failures is not None:
            failures.append((person_id, channel_name, error.reason))
        return outcome
    elapsed = (monotonic.perf_counter() - started) * 1000
    log.info("delivery %s to person %s via %s ok in %.0f ms", delivery_id, person_id, channel_name,
             elapsed)
    await asyncio.to_thread(_record_sent, sessions, delivery_id, attempt_id, sent.message_id, now)
    return "sent"


def _take(sessions: sessionmaker[Session], channels: Mapping[str, Channel], delivery_id: int,
          now: datetime, holder: str) -> tuple | None:
    """Mark the delivery 'sending', route it, open its attempt row; None if taken elsewhere."""
    with sessions.begin() as session:
        connection = session.connection()
        if connection.execute(_TAKE, {"delivery": delivery_id}).rowcount != 1:
            return None
        (channel_name, chat_id, text, stored_buttons, attempts, person_id,
         purpose) = connection.execute(_LOAD, {"delivery": delivery_id}).one()
        if channel_name is None or channel_name not in channels:
            channel_name, chat_id = _choose_chat(session, person_id, channels)
            connection.execute(_ROUTE, {"delivery": delivery_id, "channel": channel_name,
                                        "chat": chat_id})
        attempt_id = connection.execute(
            _START, {"delivery": delivery_id, "at": now, "holder": holder}).inserted_primary_key[0]
    return (channel_name, chat_id, text, stored_buttons, attempts, person_id, purpose,
            attempt_id)


def _record_sent(sessions: sessionmaker[Session], delivery_id: int, attempt_id: int,
                 message_id: str | None, now: datetime) -> None:
    with sessions.begin() as session:
        connection = session.connection()
        connection.execute(_SENT, {"delivery": delivery_id, "at": now, "message": message_id})
        connection.execute(_FINISH, {"attempt": attempt_id, "at": now, "outcome": "sent",
                                     "error": None})
        connection.execute(_REMINDERS_DONE, {"delivery": delivery_id, "status": "sent", "at": now})


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
        for coordinator in people_with_duty(session, unit_id, "coordinator", now):
            mine = [line for line in lines if line[0] != coordinator.name]
            if mine:
                session.add(Delivery(person_id=coordinator.id, text=texts.delivery_failed_notice(mine),
                                     purpose="notice", status="pending", next_attempt_at=now,
                                     created_at=now))


# ----------------------------------------------------------------------- tick

async def tick(sessions: sessionmaker[Session], config: Config, channels: Mapping[str, Channel],
               now: datetime, holder: str) -> TickReport:
    """One run of the reminder job. Database work runs in worker threads, so a locked or slow
    database holds up this tick only, never the event loop (and so never the chats)."""
    leader, current, refreshed_on = await asyncio.to_thread(_lease, sessions, holder, now)
    if not leader:
        return TickReport(leader=False, holder=current)
    report = TickReport(leader=True, holder=holder)
    report.refreshed = await asyncio.to_thread(_prepare, sessions, config, holder, now,
                                               refreshed_on)
    report.claimed = await asyncio.to_thread(claim_due, sessions, config, channels, now)
    await asyncio.to_thread(_queue_digests, sessions, config, now)
    sent = await send_pending(sessions, config, channels, now, holder)
    report.sent, report.retried, report.failed = sent.sent, sent.retried, sent.failed
    return report


def _lease(sessions: sessionmaker[Session], holder: str, now: datetime
           ) -> tuple[bool, str | None, date | None]:
    with sessions.begin() as session:
        leader, lease = acquire_lease(session, holder, now)
        return leader, lease.holder if lease else None, lease.refreshed_on if lease else None


def _prepare(sessions: sessionmaker[Session], config: Config, holder: str, now: datetime,
             refreshed_on: date | None) -> bool:
    """Recover interrupted sends; refresh the schedule once a day. True if it was refreshed."""
    today = local_day(now, config.reminders.zone)
    with sessions.begin() as session:
        recovered = recover_in_flight(session, holder, now)
        if recovered:
            log.warning("%s deliveries interrupted by a crash will be sent again", recovered)
        if refreshed_on == today:
            return False
        result = refresh_schedule(session, now, config.reminders)
        session.execute(update(TickLease).where(TickLease.name == LEASE).values(refreshed_on=today))
    log.info("schedule refreshed for %s: %s added, %s cancelled", today, result.added,
             result.cancelled)
    return True


def _queue_digests(sessions: sessionmaker[Session], config: Config, now: datetime) -> None:
    with sessions.begin() as session:
        queue_digests(session, config, now)


def plans_exist(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(Plan)) > 0
