"""Where each item stands, derived from milestones, replies and `today`; never stored twice.

Also who holds each item (the people of its owner roles), which the board and /tongket share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Extension, Item, ItemReply, Milestone, Plan, Section

# The five states Vietnamese task trackers colour, then the ones without a date.
STATES = ("overdue", "not_started", "in_progress", "done_late", "done_on_time",
          "ongoing", "waiting_event", "no_deadline")
DONE = ("done_on_time", "done_late")
# Replies that say where a milestone stands; decisions on extensions, evidence and snoozes
# leave the latest of them (its percent, its promised day) in force.
STATUS_INTENTS = ("done", "progress", "not_yet", "promise")
# The latest of these makes an open milestone "in progress" (as does a latest status of
# progress or a promise, whatever was decided on an extension since).
WORKING = ("progress", "promise", "note", "extend")
_LATEST = STATUS_INTENTS + ("note", "extend", "approve", "decline")


@dataclass(slots=True)
class MilestoneView:
    id: int
    label: str | None
    kind: str
    due: date | None  # current due date (after an approved extension)
    planned_due: date | None  # the plan's own date, for on-time scoring
    done_on: date | None
    event_on: date | None
    last_intent: str | None = None
    last_percent: int | None = None
    promised_on: date | None = None  # the day the latest status promised completion
    last_status: str | None = None  # the latest of STATUS_INTENTS
    state: str = ""


@dataclass(slots=True)
class ItemView:
    id: int
    code: str
    title: str
    section: str | None
    owners: list[str]
    position: int
    plan_id: int = 0
    milestones: list[MilestoneView] = field(default_factory=list)
    state: str = ""

    @property
    def open_milestones(self) -> list[MilestoneView]:
        return [m for m in self.milestones if m.done_on is None and m.kind not in ("none",)]

    @property
    def next_due(self) -> date | None:
        dues = [m.due for m in self.open_milestones if m.due]
        return min(dues) if dues else None


def first_milestone(milestones):
    """The milestone a reply about an item means: the earliest dated one, else the first."""
    dated = sorted((m for m in milestones if m.due), key=lambda m: m.due)
    return (dated or milestones)[0]


def milestone_state(view: MilestoneView, today: date) -> str:
    if view.done_on is not None:
        target = view.planned_due or view.due
        return "done_late" if target and view.done_on > target else "done_on_time"
    if view.kind == "ongoing":
        return "ongoing"
    if view.due is None:
        return "waiting_event" if view.kind == "event" else "no_deadline"
    if today > view.due:
        return "overdue"
    working = view.last_intent in WORKING or view.last_status in ("progress", "promise")
    return "in_progress" if working else "not_started"


def item_state(milestones: list[MilestoneView]) -> str:
    states = [m.state for m in milestones]
    dated = [s for s in states if s != "no_deadline"] or states
    if all(s in DONE for s in dated):
        return "done_late" if "done_late" in dated else "done_on_time"
    for state in ("overdue", "in_progress", "ongoing", "waiting_event"):
        if state in dated:
            return state
    if any(s in DONE for s in dated):
        return "in_progress"  # some milestones done, the rest not yet due
    return "not_started" if "not_started" in dated else dated[0]


def load_items(session: Session, plan_ids: list[int], today: date, zone: ZoneInfo) -> list[ItemView]:
    """Every live item of the plans with its milestones' states, in plan order, as of `today`.

    A past `today` (a period's end) sees only what had happened by then: later completions,
    replies and extension decisions are left out, so a quarter's report does not change when
    the next quarter's work is recorded.
    """
    # Plain columns, not ORM objects: a province-wide summary reads thousands of rows.
    rows = session.execute(
        select(Item.id, Item.code, Item.title, Section.code, Item.owners, Item.position, Item.plan_id,
               Milestone.id, Milestone.label, Milestone.kind, Milestone.due, Milestone.original_due,
               Milestone.done_at, Milestone.event_on, Milestone.event_due_days)
        .join(Milestone, Milestone.item_id == Item.id)
        .outerjoin(Section, Section.id == Item.section_id)
        .where(Item.plan_id.in_(plan_ids), Item.removed_at.is_(None), Milestone.retired_at.is_(None))
        .order_by(Item.plan_id, Item.position, Milestone.position)).all()
    last_intent: dict[int, str] = {}
    last_status: dict[int, tuple[str, int | None, date | None]] = {}
    for milestone_id, intent, percent, on_date, at in session.execute(
            select(ItemReply.milestone_id, ItemReply.intent, ItemReply.percent, ItemReply.on_date,
                   ItemReply.at)
            .join(Milestone, Milestone.id == ItemReply.milestone_id)
            .join(Item, Item.id == Milestone.item_id)
            .where(Item.plan_id.in_(plan_ids), ItemReply.undone_at.is_(None),
                   ItemReply.intent.in_(_LATEST))
            .order_by(ItemReply.at, ItemReply.id)):
        if at.astimezone(zone).date() > today:
            continue  # a past `today` (a period's end) sees only what had been said by then
        last_intent[milestone_id] = intent
        if intent in STATUS_INTENTS:
            last_status[milestone_id] = (intent, percent,
                                         on_date if intent == "promise" else None)
    # An extension granted after `today` had not yet moved the due date.
    due_then: dict[int, date | None] = {}
    for milestone_id, previous, decided_at in session.execute(
            select(Extension.milestone_id, Extension.previous_due, Extension.decided_at)
            .join(Milestone, Milestone.id == Extension.milestone_id)
            .join(Item, Item.id == Milestone.item_id)
            .where(Item.plan_id.in_(plan_ids), Extension.status == "approved")
            .order_by(Extension.decided_at.desc())):
        if decided_at is not None and decided_at.astimezone(zone).date() > today:
            due_then[milestone_id] = previous
    items: dict[int, ItemView] = {}
    for (item_id, code, title, section, owners, position, plan_id, milestone_id, label, kind, due,
         original_due, done_at, event_on, event_days) in rows:
        view = items.get(item_id)
        if view is None:
            view = items[item_id] = ItemView(item_id, code, title, section, list(owners), position,
                                             plan_id)
        if milestone_id in due_then:
            due = due_then[milestone_id]
        if event_on is not None and event_on > today:
            event_on = None
        if due is None and kind == "event" and event_on is not None:
            due = event_on + timedelta(days=event_days or 15)
        status, percent, promised_on = last_status.get(milestone_id, (None, None, None))
        done_on = done_at.astimezone(zone).date() if done_at else None
        if done_on is not None and done_on > today:
            done_on = None
        m = MilestoneView(milestone_id, label, kind, due, original_due or due, done_on, event_on,
                          last_intent.get(milestone_id), percent, promised_on, status)
        m.state = milestone_state(m, today)
        view.milestones.append(m)
    for view in items.values():
        view.state = item_state(view.milestones)
    return list(items.values())


class CurrentPlan(NamedTuple):
    id: int
    unit_id: int
    year: int
    title: str


def current_plans_of(db: Session, unit_ids: list[int] | None = None) -> list[CurrentPlan]:
    """The plans not closed by the office, oldest year first: all of them are followed.

    `db` is a Session or a Connection; `unit_ids` None means every unit.
    """
    query = (select(Plan.id, Plan.unit_id, Plan.year, Plan.title).where(Plan.closed_at.is_(None))
             .order_by(Plan.unit_id, Plan.year, Plan.id))
    if unit_ids is not None:
        query = query.where(Plan.unit_id.in_(unit_ids))
    return [CurrentPlan(*row) for row in db.execute(query)]


def current_plans(db: Session, unit_id: int) -> list[int]:
    """The ids of the unit's current plans (every year, several a year)."""
    return [plan.id for plan in current_plans_of(db, [unit_id])]


def reply_year(years: list[int], today: date) -> int | None:
    """The year a short date in a reply ("15/4") falls in: this year if a current plan is of
    this year, else the nearest plan year (the later one on a tie); None without plans."""
    if not years:
        return None
    return min(years, key=lambda year: (abs(year - today.year), -year))
