"""From the stored plans to wanted reminders, and keeping the reminder table in step with them.

`wanted_reminders` is the single computation behind both the bot's schedule and
the `schedule` preview.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from bot.config import RemindersConfig
from bot.people import holders
from db.models import Item, ItemRole, Milestone, Plan, Reminder, Role
from jobs.calendar import WorkCalendar
from jobs.rules import EscalationStep, MilestoneFacts, Planned, Policy, plan_milestone


def policy_of(config: RemindersConfig) -> Policy:
    return Policy(
        lead_days=tuple(config.lead_days),
        remind_on_due_day=config.remind_on_due_day,
        overdue_every_working_days=config.overdue_every_working_days,
        escalation=tuple(EscalationStep(step.after_working_days, tuple(step.to))
                         for step in config.escalation),
        checkin_day_of_month=config.checkin_day_of_month,
        event_due_days=config.event_due_days,
    )


def calendar_of(config: RemindersConfig) -> WorkCalendar:
    return WorkCalendar(config.days_off, config.working_days)


def local_day(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()


def send_time(day: date, at: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Wanted:
    planned: Planned
    person_id: int
    item_id: int

    @property
    def key(self) -> tuple[int, int, str, date]:
        return (self.planned.milestone_id, self.person_id, self.planned.kind, self.planned.day)


def _done_day(milestone: Milestone, zone: ZoneInfo) -> date | None:
    return milestone.done_at.astimezone(zone).date() if milestone.done_at else None


def wanted_reminders(session: Session, start: date, end: date, config: RemindersConfig,
                     plan_ids: list[int] | None = None,
                     milestone_ids: list[int] | None = None) -> list[Wanted]:
    """Every reminder due on days in [start, end] for open items of current plans, with its
    recipient (retired milestones, removed items and closed plans have none)."""
    policy, calendar, zone = policy_of(config), calendar_of(config), config.zone
    duties = {role_id: (unit_id, duty) for role_id, unit_id, duty in session.execute(
        select(Role.id, Role.unit_id, Role.duty).where(Role.duty != "official"))}
    roles_of_item: dict[tuple[int, str], list[int]] = defaultdict(list)
    assignments = select(ItemRole.item_id, ItemRole.role_id, ItemRole.part)
    if milestone_ids is not None:
        assignments = assignments.where(ItemRole.item_id.in_(
            select(Milestone.item_id).where(Milestone.id.in_(milestone_ids))))
    for item_id, role_id, part in session.execute(assignments):
        roles_of_item[(item_id, part)].append(role_id)

    # A few milestones (a reply, a decision) need only the holders of their items' roles.
    narrowed = None if milestone_ids is None else (
        {r for ids in roles_of_item.values() for r in ids} | set(duties))
    # Who holds each role on each day a reminder goes out (a hand-over changes it from a day).
    by_day: dict[date, tuple[dict[int, list[int]], dict[tuple[int, str], list[int]]]] = {}

    def held(day: date) -> tuple[dict[int, list[int]], dict[tuple[int, str], list[int]]]:
        if day not in by_day:
            people_of_role = holders(session, send_time(day, config.send_at, zone),
                                     role_ids=narrowed)
            duty_people: dict[tuple[int, str], list[int]] = defaultdict(list)
            for role_id, key in duties.items():
                duty_people[key].extend(people_of_role.get(role_id, ()))
            by_day[day] = people_of_role, duty_people
        return by_day[day]

    query = (select(Milestone, Item.id, Plan.unit_id, Plan.year, Plan.issued_on)
             .join(Item, Milestone.item_id == Item.id).join(Plan, Item.plan_id == Plan.id)
             .where(Item.removed_at.is_(None), Milestone.retired_at.is_(None),
                    Plan.closed_at.is_(None)))
    if plan_ids is not None:
        query = query.where(Plan.id.in_(plan_ids))
    if milestone_ids is not None:
        query = query.where(Milestone.id.in_(milestone_ids))
    found: list[Wanted] = []
    for milestone, item_id, unit_id, year, issued_on in session.execute(query):
        facts = MilestoneFacts(milestone.id, milestone.kind, milestone.due, _done_day(milestone, zone),
                               milestone.event_on, milestone.event_due_days, milestone.ask_on)
        planned = plan_milestone(facts, policy, calendar, start, end,
                                 plan_start=issued_on or date(year, 1, 1), plan_end=date(year, 12, 31))
        if not planned:
            continue
        for one in planned:
            people_of_role, duty_people = held(one.day)
            owners = _people(roles_of_item[(item_id, "owner")], people_of_role)
            # Owners already hear of their own late items; escalations are for everyone else.
            if one.audience == "owners":
                audience = owners
            elif one.audience == "coordinators":
                audience = _people(roles_of_item[(item_id, "coordinator")], people_of_role)
            else:
                duty = "coordinator" if one.audience == "plan_coordinator" else "chairman"
                audience = duty_people[(unit_id, duty)]
            for person_id in audience:
                if one.audience == "owners" or person_id not in owners:
                    found.append(Wanted(one, person_id, item_id))
    return found


def _people(role_ids: list[int], people_of_role: dict[int, list[int]]) -> list[int]:
    seen: dict[int, None] = {}
    for role_id in role_ids:
        for person_id in people_of_role.get(role_id, ()):
            seen[person_id] = None
    return list(seen)


def horizon_days(config: RemindersConfig) -> int:
    # Far enough that a lead reminder exists before its day comes, even after a long weekend.
    return max(config.lead_days, default=1) + 14


@dataclass(slots=True)
class RefreshResult:
    added: int = 0
    cancelled: int = 0


def refresh_schedule(session: Session, now: datetime, config: RemindersConfig,
                     plan_ids: list[int] | None = None,
                     milestone_ids: list[int] | None = None) -> RefreshResult:
    """Make the planned rows from today on match the plan; idempotent, safe to run any time.

    `milestone_ids` narrows the work to milestones that just changed (a reply, a decision).
    """
    zone = config.zone
    today = local_day(now, zone)
    end = today + timedelta(days=horizon_days(config))
    wanted = {w.key: w for w in wanted_reminders(session, today, end, config, plan_ids,
                                                 milestone_ids)}
    query = select(Reminder).where(Reminder.scheduled_on >= today)
    if milestone_ids is not None:
        query = query.where(Reminder.milestone_id.in_(milestone_ids))
    elif plan_ids is not None:
        query = query.join(Milestone).join(Item).where(Item.plan_id.in_(plan_ids))
    existing = {(r.milestone_id, r.person_id, r.kind, r.scheduled_on): r
                for r in session.scalars(query)}
    result = RefreshResult()
    for key, reminder in existing.items():
        if key not in wanted and reminder.status == "planned":
            reminder.status, reminder.updated_at = "cancelled", now
            result.cancelled += 1
        elif key in wanted and reminder.status == "cancelled":
            reminder.status, reminder.updated_at = "planned", now
            result.added += 1
    new_rows = [
        {"milestone_id": want.planned.milestone_id, "person_id": want.person_id,
         "kind": want.planned.kind, "step": want.planned.step, "scheduled_on": want.planned.day,
         "send_at": send_time(want.planned.day, config.send_at, zone), "status": "planned",
         "created_at": now, "updated_at": now}
        for key, want in wanted.items() if key not in existing]
    if new_rows:
        # A bulk insert: tens of thousands of rows on a province's first morning.
        session.execute(insert(Reminder), new_rows)
    result.added += len(new_rows)
    # Stale rows (missed while the bot was down) wait for the catch-up, unless no longer needed.
    closed = (select(Milestone.id).join(Item).join(Plan)
              .where(Milestone.done_at.is_not(None) | Milestone.retired_at.is_not(None)
                     | Item.removed_at.is_not(None) | Plan.closed_at.is_not(None)))
    if milestone_ids is not None:
        closed = closed.where(Milestone.id.in_(milestone_ids))
    stale = session.execute(
        update(Reminder)
        .where(Reminder.status == "planned", Reminder.scheduled_on < today,
               Reminder.milestone_id.in_(closed))
        .values(status="cancelled", updated_at=now))
    result.cancelled += stale.rowcount or 0
    session.flush()
    return result
