"""Who wrote a message and which milestones it is about: what every part of the talk needs.

`Who` is read once per chat and kept for a short while (`WhoCache`), so the common reply
costs no query to identify its writer. `Context` carries one message through one
transaction; the person's ORM row is loaded only by the parts that need more than `Who`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot import texts
from bot.channels.base import Incoming
from bot.people import roles_of
from bot.replies import Understood, read_reply
from bot.status import current_plans_of, first_milestone, reply_year
from db.models import (
    ChatLink, Delivery, Item, ItemRole, Milestone, Person, Plan, Reminder,
)
from jobs.schedule import local_day

if TYPE_CHECKING:
    from bot.talk.intake import Runtime

MAX_CHOICES = 9

_PERSON = (select(Person.id, Person.unit_id, Person.is_admin, ChatLink.unreachable_at)
           .join(ChatLink, ChatLink.person_id == Person.id)
           .where(ChatLink.channel == bindparam("channel"), ChatLink.chat_id == bindparam("chat")))
_PERSON_BY_ID = select(Person.id, Person.unit_id, Person.is_admin).where(
    Person.id == bindparam("person"))


@dataclass(frozen=True, slots=True)
class Who:
    person_id: int
    unit_id: int
    is_admin: bool
    roles: frozenset[int]
    duties: frozenset[str]
    plan_ids: tuple[int, ...]
    years: tuple[int, ...]
    # The item codes of those plans: a known code beats a date reading of the same token.
    codes: frozenset[str]
    # The chat was marked unreachable (the person had blocked the bot) when this was read.
    unreachable: bool = False

    @property
    def role(self) -> str:
        if self.is_admin:
            return "admin"
        return "chairman" if "chairman" in self.duties else "official"


class WhoCache:
    """Who writes from a chat, and their unit's current plans, remembered for a short while.

    Only known chats are remembered, so a new invitation works at once; a change of roles
    or a new plan is seen within `seconds`, and so is a chat the engine has just marked
    unreachable (its next message after that marks it reachable again). A unit's plans and
    codes are kept once for all its people: a person's first message costs two small queries.
    """

    def __init__(self, seconds: float = 30.0) -> None:
        self._seconds = seconds
        self._entries: dict[tuple[str, str], tuple[float, Who]] = {}
        self._units: dict[int, tuple[float, UnitPlans]] = {}

    def get(self, session: Session, channel: str, chat_id: str, now: datetime) -> Who | None:
        key = (channel, chat_id)
        entry = self._entries.get(key)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        found = _person_of(session, channel, chat_id)
        if found is None:
            return None
        person_id, unit_id, is_admin, unreachable = found
        unit = self._units.get(unit_id)
        if unit is None or unit[0] <= time.monotonic():
            unit = self._units[unit_id] = (time.monotonic() + self._seconds,
                                           unit_plans(session, unit_id))
        who = _who(session, person_id, unit_id, is_admin, unit[1], now, unreachable)
        # Reconnecting happens once: later messages need not ask again.
        self._entries[key] = (time.monotonic() + self._seconds,
                              replace(who, unreachable=False))
        return who

    def clear(self) -> None:
        """People or roles changed (the office's page): read everyone afresh."""
        self._entries.clear()
        self._units.clear()

    def forget(self, channel: str, chat_id: str) -> None:
        """Read the chat afresh next time (what was read may not have been stored)."""
        self._entries.pop((channel, chat_id), None)


def _person_of(session: Session, channel: str, chat_id: str
               ) -> tuple[int, int, bool, bool] | None:
    if channel == "console":
        # The console is the operator's own terminal: its chat id names the person.
        try:
            person_id = int(chat_id.removeprefix("person:"))
        except ValueError:
            return None
        row = session.execute(_PERSON_BY_ID, {"person": person_id}).first()
        return (row[0], row[1], bool(row[2]), False) if row else None
    row = session.execute(_PERSON, {"channel": channel, "chat": chat_id}).first()
    return (row[0], row[1], bool(row[2]), row[3] is not None) if row else None


@dataclass(frozen=True, slots=True)
class UnitPlans:
    plan_ids: tuple[int, ...]
    years: tuple[int, ...]
    # Upper-cased, as the reply language compares them.
    codes: frozenset[str]


def unit_plans(session: Session, unit_id: int) -> UnitPlans:
    plans = current_plans_of(session, [unit_id])
    plan_ids = tuple(p.id for p in plans)
    codes = session.scalars(select(Item.code).where(Item.plan_id.in_(plan_ids),
                                                    Item.removed_at.is_(None))).all()
    return UnitPlans(plan_ids, tuple(p.year for p in plans), frozenset(map(str.upper, codes)))


def _who(session: Session, person_id: int, unit_id: int, is_admin: bool, unit: UnitPlans,
         now: datetime, unreachable: bool) -> Who:
    roles = [(r.id, r.duty) for r in roles_of(session, person_id, now)]
    return Who(person_id, unit_id, is_admin, frozenset(r for r, _ in roles),
               frozenset(d for _, d in roles), unit.plan_ids, unit.years, unit.codes,
               unreachable)


@dataclass
class Context:
    """One message being handled: its writer, its transaction and what it did."""

    session: Session
    rt: Runtime
    who: Who
    message_id: int
    now: datetime
    incoming: Incoming
    # Whether a question of the bot waits for this person's answer.
    waiting: bool = False
    # What the bot understood and did, stored on the message with the answer.
    outcome: dict | None = field(default=None)

    @cached_property
    def person(self) -> Person:
        return self.session.get(Person, self.who.person_id)

    @property
    def zone(self):
        return self.rt.config.reminders.zone

    @cached_property
    def today(self) -> date:
        return local_day(self.now, self.zone)

    @property
    def plan_ids(self) -> list[int]:
        """The unit's current plans: every plan the office has not closed, of any year."""
        return list(self.who.plan_ids)

    @cached_property
    def plan_year(self) -> int | None:
        return reply_year(list(self.who.years), self.today)

    @property
    def role_ids(self) -> frozenset[int]:
        return self.who.roles

    def is_chairman(self) -> bool:
        return "chairman" in self.who.duties or self.who.is_admin

    def is_office(self) -> bool:
        return "coordinator" in self.who.duties or self.who.is_admin

    def read(self, text: str) -> Understood:
        """What the message means, read with the writer's role and their plans' codes."""
        return read_reply(text, self.today, year=self.plan_year, role=self.who.role,
                          known_codes=self.who.codes)

    def record(self, intent: str, codes: list[str], **extra: object) -> None:
        self.outcome = {"intent": intent, "codes": codes, **extra}


def queue(ctx: Context, person_id: int, text: str, buttons: list | None = None) -> int:
    """A message to someone else, sent after the commit through the recorded path."""
    delivery = Delivery(person_id=person_id, text=text, purpose="message", status="pending",
                        buttons=buttons, next_attempt_at=ctx.now, created_at=ctx.now,
                        message_id=ctx.message_id)
    ctx.session.add(delivery)
    ctx.session.flush()
    return delivery.id


# ------------------------------------------------------------- which milestone

@dataclass(slots=True, eq=False)
class Target:
    """A live milestone a reply may be about, with its item: plain values, read in one query."""

    id: int
    kind: str
    label: str | None
    due: date | None
    done_at: datetime | None
    ask_on: date | None
    item: ItemRow


@dataclass(slots=True, eq=False)
class ItemRow:
    id: int
    plan_id: int
    plan_year: int
    code: str
    title: str
    owners: set[int] = field(default_factory=set)  # the owner roles
    milestones: list[Target] = field(default_factory=list)  # in plan order


# One round trip for items, their live milestones and their owner roles (one row per
# milestone and owner role: a handful). This is every reply's path, so it is plain Core.
_TARGETS = (
    select(Item.id, Item.plan_id, Plan.year, Item.code, Item.title, Milestone.id, Milestone.kind,
           Milestone.label, Milestone.due, Milestone.done_at, Milestone.ask_on, ItemRole.role_id)
    .join(Plan, Plan.id == Item.plan_id)
    .join(Milestone, Milestone.item_id == Item.id)
    .outerjoin(ItemRole, (ItemRole.item_id == Item.id) & (ItemRole.part == "owner"))
    # The unit's current plans, as `current_plans_of` reads them (no expanding IN to render).
    .where(Plan.unit_id == bindparam("unit"), Plan.closed_at.is_(None),
           Item.removed_at.is_(None), Milestone.retired_at.is_(None))
    .order_by(Plan.year, Plan.id, Item.position, Milestone.position))
_BY_CODE = _TARGETS.where(Item.code == bindparam("code"))
_BY_MILESTONE = _TARGETS.where(Item.id.in_(
    select(Milestone.item_id).where(Milestone.id.in_(bindparam("milestones", expanding=True)))))


def _items(ctx: Context, query, **params) -> list[ItemRow]:
    items: dict[int, ItemRow] = {}
    seen: set[int] = set()
    for (item_id, plan_id, year, code, title, mid, kind, label, due, done_at, ask_on,
         role_id) in ctx.session.connection().execute(query, {"unit": ctx.who.unit_id, **params}):
        item = items.get(item_id)
        if item is None:
            item = items[item_id] = ItemRow(item_id, plan_id, year, code, title)
        if role_id is not None:
            item.owners.add(role_id)
        if mid not in seen:
            seen.add(mid)
            item.milestones.append(Target(mid, kind, label, due, done_at, ask_on, item))
    return list(items.values())


def targets_of(ctx: Context, milestone_ids: list[int]) -> list[Target]:
    """The live milestones with these ids (of the person's current plans), in the given order."""
    if not milestone_ids:
        return []
    found = {m.id: m for item in _items(ctx, _BY_MILESTONE, milestones=milestone_ids)
             for m in item.milestones}
    return [found[i] for i in milestone_ids if i in found]


def can_act(ctx: Context, item: ItemRow) -> bool:
    return ctx.is_office() or bool(item.owners & ctx.role_ids)


def open_milestones(item: ItemRow) -> list[Target]:
    return [m for m in item.milestones if m.done_at is None and m.kind != "none"]


def first_open(item: ItemRow) -> Target | None:
    candidates = open_milestones(item)
    return first_milestone(candidates) if candidates else None


def items_by_code(ctx: Context, code: str, evidence: bool = False) -> list[ItemRow]:
    """The items a code means; several only when it is ambiguous.

    The same code may be in two current plans (3.1 of 2023 and of 2024): the one the person
    holds and has open is meant; if that is none of them, the first stands (and is refused).
    """
    items = _items(ctx, _BY_CODE, code=code)
    if len(items) < 2:
        return items
    mine = [item for item in items if can_act(ctx, item) and (
        open_milestones(item) or (evidence and any(m.done_at for m in item.milestones)))]
    return mine if mine else items[:1]


def last_reminded(ctx: Context) -> list[Target]:
    """Open milestones of the reminder the person replied to, else of their last reminder."""
    query = select(Delivery.id).where(Delivery.person_id == ctx.who.person_id,
                                      Delivery.purpose.in_(("reminder", "catch_up")),
                                      Delivery.status == "sent")
    reply_to = ctx.incoming.reply_to_message_id
    delivery = None
    if reply_to:
        delivery = ctx.session.scalar(query.where(Delivery.provider_message_id == reply_to))
    if delivery is None:
        delivery = ctx.session.scalar(query.order_by(Delivery.sent_at.desc(), Delivery.id.desc()))
    if delivery is None:
        return []
    ids = ctx.session.scalars(
        select(Reminder.milestone_id).where(Reminder.delivery_id == delivery)
        .distinct().order_by(Reminder.milestone_id)).all()
    return [m for m in targets_of(ctx, list(ids)) if m.done_at is None]


def my_open_milestones(ctx: Context) -> list[Target]:
    found = []
    for item in _items(ctx, _TARGETS):
        if item.owners & ctx.role_ids:
            first = first_open(item)
            if first is not None:
                found.append(first)
    return found


def targets(ctx: Context, reply: Understood, evidence: bool = False
            ) -> tuple[list[Target], object | None]:
    """The milestones a reply is about, or the question (an Answer) to ask when that is unclear.

    Evidence may arrive after the work is done: it then goes to the last milestone done.
    """
    from bot.talk.intake import Answer
    from bot.talk.questions import ask_choice

    if reply.codes:
        found = []
        for code in reply.codes:
            items = items_by_code(ctx, code, evidence)
            if not items:
                return [], Answer(texts.NO_SUCH_ITEM.format(code=code))
            if len(items) > 1:
                if len(reply.codes) > 1:
                    return [], Answer(texts.SAME_CODE_IN_PLANS.format(code=code))
                return [], ask_choice(ctx, reply, [
                    first_open(i) or max((m for m in i.milestones if m.done_at),
                                         key=lambda m: m.done_at) for i in items])
            item = items[0]
            if not can_act(ctx, item):
                return [], Answer(texts.NOT_YOURS.format(code=code))
            milestone = first_open(item)
            if milestone is None and evidence:
                done = sorted((m for m in item.milestones if m.done_at), key=lambda m: m.done_at)
                milestone = done[-1] if done else None
            if milestone is None:
                return [], Answer(texts.ALREADY_DONE.format(code=code))
            found.append(milestone)
        return found, None
    candidates = [m for m in last_reminded(ctx) if can_act(ctx, m.item)]
    # One item may carry two open milestones in one reminder; the earlier one is meant.
    by_item: dict[int, Target] = {}
    for milestone in candidates:
        by_item.setdefault(milestone.item.id, milestone)
    if len(by_item) == 1:
        return list(by_item.values()), None
    options = list(by_item.values()) or my_open_milestones(ctx)
    if not options:
        return [], Answer(texts.NOTHING_OPEN)
    return [], ask_choice(ctx, reply, options[:MAX_CHOICES])


__all__ = ["Context", "ItemRow", "MAX_CHOICES", "Target", "Who", "WhoCache", "can_act",
           "first_milestone", "first_open", "items_by_code", "last_reminded",
           "my_open_milestones", "open_milestones", "queue", "targets", "targets_of"]
