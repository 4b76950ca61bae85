"""What the bot does with each incoming chat message, whatever the channel.

Each message is applied at most once: it is stored under its update key in the same
transaction that decides and records what it changes, together with the answer; a second
delivery of it gets that answer again and nothing more. Then one short acknowledgement
goes back. Messages to other people (the chairman, the requester, the office) are queued
as deliveries and sent through the same recorded path as reminders. While the database
cannot be reached, updates wait in the journal (bot.journal) and are replayed in order.
The database work runs in a worker thread so the event loop keeps serving other chats.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import logging
import mimetypes
import os
import re
import secrets
import tempfile
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, joinedload, sessionmaker

from bot import texts
from bot.channels.base import Button, Channel, DeliveryError, Incoming
from bot.clock import Clock
from bot.config import Config
from bot.journal import Fetch, Journal, fsync_folder
from bot.plan.interpret import fold
from bot.quick import WhoCache, acknowledgement, first_milestone, quick_reply
from bot.replies import Reply, understand
from bot.status import current_plans_of, load_items, reply_year
from db.models import (
    ChatLink, Delivery, Evidence, Extension, Invitation, Item, ItemReply, Message, Milestone,
    PendingQuestion, Person, PersonRole, Plan, Reminder, Role,
)
from jobs import engine
from jobs.schedule import local_day, refresh_schedule, wanted_reminders

log = logging.getLogger(__name__)

INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud
INVITE_CODE = re.compile(r"^(?:/start\s+)?([A-Z2-9]{6,10})$", re.I)
COMMAND = re.compile(r"^/([a-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.I | re.S)
DECISION = re.compile(r"^(khong\s+duyet|tu\s+choi|duyet|dong\s+y)\s+(\S+)$")
MAX_CHOICES = 9


@dataclass
class Runtime:
    """What handlers need: built once by the entry point."""

    sessions: sessionmaker[Session]
    config: Config
    channels: Mapping[str, Channel]
    clock: Clock
    data_dir: Path
    holder: str = "bot"
    # How often the run loop tries to replay the journal while it holds updates.
    journal_seconds: float = 5.0
    # Updates from different chats are handled concurrently; one chat's stay in order.
    chat_locks: defaultdict[tuple[str, str], asyncio.Lock] = field(
        default_factory=lambda: defaultdict(asyncio.Lock))
    who: WhoCache = field(default_factory=WhoCache)
    journal: Journal = field(init=False)
    replaying: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        self.journal = Journal(self.data_dir)


@dataclass
class Answer:
    text: str
    buttons: list[list[Button]] | None = None
    # Where the channel can send files: a picture after the text, or a document.
    photo: tuple[str, bytes] | None = None
    document: tuple[str, bytes] | None = None
    # Deliveries queued for others in the same transaction, sent after the commit.
    deliveries: list[int] = field(default_factory=list)


# ------------------------------------------------------------------ entry point

# The database did not answer (down, unreachable, or locked past the busy timeout).
DATABASE_DOWN = (OperationalError, InterfaceError)


async def handle_update(rt: Runtime, incoming: Incoming) -> None:
    """Apply one update, or keep it in the journal; raises only when it could do neither."""
    async with rt.chat_locks[(incoming.channel, incoming.chat_id)]:
        now = rt.clock.now()
        if rt.journal.pending():
            # Older updates wait for the database: this one goes behind them, in order.
            rt.journal.append(incoming, now)
            log.info("message from %s/%s journalled behind earlier ones", incoming.channel,
                     incoming.chat_id)
            return
        try:
            await _handle(rt, incoming, now)
        except DATABASE_DOWN as error:
            rt.journal.append(incoming, now)
            log.warning("database unreachable; message from %s/%s journalled (%s)",
                        incoming.channel, incoming.chat_id, type(error).__name__)


async def replay_journal(rt: Runtime) -> int:
    """Apply the journalled updates in order while the database answers; how many were."""
    replayed = 0
    async with rt.replaying:
        while entries := rt.journal.entries(lambda channel, source: _refetch(rt, channel, source)):
            for number, incoming, received_at in entries:
                async with rt.chat_locks[(incoming.channel, incoming.chat_id)]:
                    try:
                        await _handle(rt, incoming, received_at)
                    except DATABASE_DOWN:
                        if replayed:
                            log.info("journal: %s messages replayed, the rest wait", replayed)
                        return replayed
                    except Exception:
                        # One bad entry must not hold every later message back for ever.
                        log.exception("journal: message from %s/%s could not be replayed",
                                      incoming.channel, incoming.chat_id)
                    rt.journal.mark_done(number)
                replayed += 1
    if replayed:
        log.info("journal: %s messages replayed", replayed)
    return replayed


def _refetch(rt: Runtime, channel_name: str, source: str | None) -> Fetch:
    channel = rt.channels.get(channel_name)
    if channel is None or source is None or not hasattr(channel, "fetcher"):
        async def gone() -> bytes:
            raise DeliveryError(f"{channel_name}: attachment cannot be fetched again",
                                permanent=True)
        return gone
    return channel.fetcher(source)


@dataclass(frozen=True, slots=True)
class _Seen:
    """A message stored earlier under the same update key."""

    id: int
    answer: str | None


async def _handle(rt: Runtime, incoming: Incoming, now: datetime) -> None:
    """Raises DATABASE_DOWN when nothing could be stored; after the commit it does not."""
    try:
        quick = await asyncio.to_thread(_quick, rt, incoming, now)
    except DATABASE_DOWN:
        raise
    except Exception as error:
        # Rolled back, message row included: the general way below stores it and answers
        # (or, for a second delivery of a stored update, answers it again).
        if not isinstance(error, IntegrityError):
            log.exception("quick handling of a message from %s/%s failed", incoming.channel,
                          incoming.chat_id)
        quick = None
    if quick is not None:
        log.info("message from %s/%s handled", incoming.channel, incoming.chat_id)
        await _send(rt, incoming, Answer(quick))
        return
    seen, person_id = await asyncio.to_thread(_look_up, rt, incoming)
    if seen is None:
        evidence = None
        if incoming.attachment is not None and person_id is not None:
            evidence = await _receive_file(rt, incoming)
        try:
            message_id, answer = await asyncio.to_thread(_respond, rt, incoming, person_id, now,
                                                         evidence)
        except IntegrityError:
            # Stored meanwhile by another process that got the same update.
            seen, _ = await asyncio.to_thread(_look_up, rt, incoming)
            if seen is None:
                raise
    if seen is not None:
        log.info("message %s from %s/%s delivered again; answered again", seen.id,
                 incoming.channel, incoming.chat_id)
        await _send(rt, incoming, Answer(seen.answer or ""))
        return
    log.info("message %s from %s/%s person=%s handled", message_id, incoming.channel,
             incoming.chat_id, person_id)
    await _send(rt, incoming, answer)
    for delivery_id in answer.deliveries:
        try:
            await engine.deliver(rt.sessions, rt.config, rt.channels, delivery_id, now, rt.holder)
        except DATABASE_DOWN:
            # Committed and queued: the tick sends it once the database answers again.
            log.warning("delivery %s waits for the database", delivery_id)


def _quick(rt: Runtime, incoming: Incoming, now: datetime) -> str | None:
    with rt.sessions.begin() as session:
        return quick_reply(session, rt.config, incoming, now, rt.who)


def _look_up(rt: Runtime, incoming: Incoming) -> tuple[_Seen | None, int | None]:
    """The earlier delivery of this update if there was one, else who wrote it."""
    with rt.sessions() as session:
        if incoming.update_key is not None:
            row = session.execute(select(Message.id, Message.answer)
                                  .where(Message.update_key == incoming.update_key)).first()
            if row is not None:
                return _Seen(row.id, row.answer), None
        return None, identify(session, incoming)


def _respond(rt: Runtime, incoming: Incoming, person_id: int | None, now: datetime,
             evidence: _Evidence | str | None) -> tuple[int, Answer]:
    """Store the message, apply it and store the answer: one transaction."""
    with rt.sessions.begin() as session:
        stored = Message(
            channel=incoming.channel, chat_id=incoming.chat_id, user_id=incoming.user_id,
            display_name=incoming.display_name[:200], person_id=person_id, text=incoming.text,
            provider_message_id=incoming.message_id, reply_to_message_id=incoming.reply_to_message_id,
            callback_data=incoming.callback_data, received_at=now,
            update_key=incoming.update_key)
        session.add(stored)
        session.flush()
        person = session.get(Person, person_id, options=[joinedload(Person.roles)]
                             ) if person_id else None
        # Outside the savepoint: the person wrote from this chat even if handling fails.
        notices = _reconnect(session, incoming, person, now) if person else []
        try:
            with session.begin_nested():
                answer = respond(session, rt, incoming, person, stored.id, now, evidence)
        except DATABASE_DOWN:
            raise
        except Exception:
            log.exception("message %s from %s/%s could not be handled", stored.id,
                          incoming.channel, incoming.chat_id)
            answer = Answer(texts.SOMETHING_WRONG)
        if notices:
            answer.text = "\n\n".join(filter(None, [answer.text, texts.REACHABLE_AGAIN.format(
                channel=texts.CHANNEL_NAMES.get(incoming.channel, incoming.channel))]))
            answer.deliveries += notices
        stored.answer = answer.text
        return stored.id, answer


def _reconnect(session: Session, incoming: Incoming, person: Person, now: datetime) -> list[int]:
    """A chat marked unreachable (the person had blocked the bot) wrote: reachable again.

    Returns the notices queued for the office (the unit's coordinators).
    """
    link = session.scalar(select(ChatLink).where(
        ChatLink.channel == incoming.channel, ChatLink.chat_id == incoming.chat_id,
        ChatLink.unreachable_at.is_not(None)))
    if link is None:
        return []
    link.unreachable_at = None
    log.info("%s/%s reachable again (person %s)", incoming.channel, incoming.chat_id, person.id)
    office = session.scalars(
        select(Person).join(PersonRole).join(Role)
        .where(Role.unit_id == person.unit_id, Role.duty == "coordinator", Person.id != person.id)
        .distinct()).all()
    text = texts.back_in_reach_notice(person.name, incoming.channel)
    queued = []
    for coordinator in office:
        delivery = Delivery(person_id=coordinator.id, text=text, purpose="notice",
                            status="pending", next_attempt_at=now, created_at=now)
        session.add(delivery)
        session.flush()
        queued.append(delivery.id)
    return queued


async def _send(rt: Runtime, incoming: Incoming, answer: Answer) -> None:
    channel = rt.channels.get(incoming.channel)
    if channel is None or not answer.text:
        return
    buttons = answer.buttons if channel.supports_buttons else None
    try:
        await channel.send_text(incoming.chat_id, answer.text, buttons=buttons)
        if channel.supports_files and answer.photo is not None:
            name, content = answer.photo
            await channel.send_photo(incoming.chat_id, content, file_name=name)
        if channel.supports_files and answer.document is not None:
            name, content = answer.document
            await channel.send_file(incoming.chat_id, content, name)
    except DeliveryError as error:
        log.warning("answer to %s/%s failed: %s", incoming.channel, incoming.chat_id, error.reason)


def identify(session: Session, incoming: Incoming) -> int | None:
    if incoming.channel == "console":
        # The console is the operator's own terminal: its chat id names the person.
        try:
            person_id = int(incoming.chat_id.removeprefix("person:"))
        except ValueError:
            return None
        return person_id if session.get(Person, person_id) else None
    return session.scalar(select(ChatLink.person_id).where(
        ChatLink.channel == incoming.channel, ChatLink.chat_id == incoming.chat_id))


# ------------------------------------------------------------------ decisions

@dataclass
class _Evidence:
    file_name: str
    mime_type: str | None
    size: int
    sha256: str
    path: str


def respond(session: Session, rt: Runtime, incoming: Incoming, person: Person | None,
            message_id: int, now: datetime, evidence: _Evidence | str | None) -> Answer:
    text = incoming.text.strip()
    if person is None:
        return _stranger(session, incoming, text, now)
    ctx = _Context(session, rt, person, message_id, now, incoming)
    if isinstance(evidence, str):
        return Answer(evidence)  # the file was refused; the text says why
    code = INVITE_CODE.match(text)
    if code and not incoming.callback_data:
        welcome = _own_invitation(ctx, code.group(1))
        if welcome is not None:
            return welcome
    if incoming.callback_data:
        return _button(ctx, incoming.callback_data)
    command = COMMAND.match(text)
    if command:
        return _command(ctx, command.group(1).lower(), (command.group(2) or "").strip())
    decision = DECISION.match(fold(text))
    if decision:
        approve = not decision.group(1).startswith(("khong", "tu"))
        return _decide_by_code(ctx, decision.group(2), approve)
    reply = understand(text, ctx.today, ctx.plan_year)
    pending = session.get(PendingQuestion, person.id)
    if pending is not None:
        answered = _answer_pending(ctx, pending, reply)
        if answered is not None:
            return answered
    if evidence is not None:
        return _evidence(ctx, reply, evidence)
    return _reply(ctx, reply)


@dataclass
class _Context:
    session: Session
    rt: Runtime
    person: Person
    message_id: int
    now: datetime
    incoming: Incoming

    @property
    def zone(self):
        return self.rt.config.reminders.zone

    @property
    def today(self) -> date:
        return local_day(self.now, self.zone)

    @cached_property
    def _plans(self) -> tuple[list[int], int | None]:
        plans = current_plans_of(self.session, [self.person.unit_id])
        return [plan.id for plan in plans], reply_year([plan.year for plan in plans], self.today)

    @property
    def plan_ids(self) -> list[int]:
        """The unit's current plans: every plan the office has not closed, of any year."""
        return self._plans[0]

    @property
    def plan_year(self) -> int | None:
        return self._plans[1]

    @cached_property
    def role_ids(self) -> set[int]:
        return {role.id for role in self.person.roles}

    def duties(self) -> set[str]:
        return {role.duty for role in self.person.roles}

    def is_chairman(self) -> bool:
        return "chairman" in self.duties() or self.person.is_admin

    def is_office(self) -> bool:
        return "coordinator" in self.duties() or self.person.is_admin


def _stranger(session: Session, incoming: Incoming, text: str, now: datetime) -> Answer:
    match = INVITE_CODE.match(text)
    if match:
        invitation = session.scalar(select(Invitation).where(
            Invitation.code == match.group(1).upper(), Invitation.used_at.is_(None),
            Invitation.expires_at > now))
        if invitation is not None:
            has_link = session.scalar(select(ChatLink.id).where(
                ChatLink.person_id == invitation.person_id, ChatLink.unreachable_at.is_(None)))
            session.add(ChatLink(person_id=invitation.person_id, channel=incoming.channel,
                                 chat_id=incoming.chat_id, preferred=has_link is None,
                                 created_at=now))
            invitation.used_at = now
            return Answer(texts.WELCOME.format(name=invitation.person.name,
                                               channel=texts.CHANNEL_NAMES.get(incoming.channel,
                                                                               incoming.channel)))
    return Answer(texts.UNKNOWN_USER)


def _own_invitation(ctx: _Context, code: str) -> Answer | None:
    """A person redeems their invitation from a chat already linked to them (after unblocking)."""
    invitation = ctx.session.scalar(select(Invitation).where(
        Invitation.code == code.upper(), Invitation.person_id == ctx.person.id,
        Invitation.used_at.is_(None), Invitation.expires_at > ctx.now))
    if invitation is None:
        return None
    invitation.used_at = ctx.now
    _record(ctx, "invitation", [])
    return Answer(texts.WELCOME.format(name=ctx.person.name, channel=texts.CHANNEL_NAMES.get(
        ctx.incoming.channel, ctx.incoming.channel)))


# ------------------------------------------------------------- which milestone

def _can_act(ctx: _Context, item: Item) -> bool:
    if ctx.is_office():
        return True
    return any(a.part == "owner" and a.role_id in ctx.role_ids for a in item.assignments)


def _items_by_code(ctx: _Context, code: str, evidence: bool = False) -> list[Item]:
    """The items a code means; several only when it is ambiguous.

    The same code may be in two current plans (3.1 of 2023 and of 2024): the one the person
    holds and has open is meant; if that is none of them, the first stands (and is refused).
    """
    # The items with their roles and milestones in one round trip: this is every reply's path.
    items = ctx.session.execute(
        select(Item).options(joinedload(Item.assignments), joinedload(Item.milestones))
        .join(Plan, Plan.id == Item.plan_id)
        .where(Item.plan_id.in_(ctx.plan_ids), Item.code == code, Item.removed_at.is_(None))
        .order_by(Plan.year, Plan.id)).unique().scalars().all()
    if len(items) < 2:
        return list(items)
    mine = [item for item in items if _can_act(ctx, item) and (
        _open_milestones(item) or (evidence and any(m.done_at for m in item.milestones)))]
    return mine if mine else list(items[:1])


def _open_milestones(item: Item) -> list[Milestone]:
    return [m for m in item.milestones if m.done_at is None and m.kind != "none"]


def _first_open(item: Item) -> Milestone | None:
    candidates = _open_milestones(item)
    return first_milestone(candidates) if candidates else None


def _last_reminded(ctx: _Context) -> list[Milestone]:
    """Open milestones of the reminder the person replied to, else of their last reminder."""
    query = select(Delivery).where(Delivery.person_id == ctx.person.id,
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
    milestones = ctx.session.scalars(
        select(Milestone).join(Reminder, Reminder.milestone_id == Milestone.id)
        .join(Item, Item.id == Milestone.item_id)
        .where(Reminder.delivery_id == delivery.id, Milestone.done_at.is_(None),
               Milestone.retired_at.is_(None), Item.plan_id.in_(ctx.plan_ids),
               Item.removed_at.is_(None))
        .distinct().order_by(Milestone.id)).all()
    return list(milestones)


def _my_open_milestones(ctx: _Context) -> list[Milestone]:
    own_roles = [role.id for role in ctx.person.roles]
    items = ctx.session.scalars(
        select(Item).join(Plan).where(Plan.id.in_(ctx.plan_ids), Item.removed_at.is_(None))
        .order_by(Plan.year, Plan.id, Item.position)).all()
    found = []
    for item in items:
        if any(a.part == "owner" and a.role_id in own_roles for a in item.assignments):
            first = _first_open(item)
            if first is not None:
                found.append(first)
    return found


def _targets(ctx: _Context, reply: Reply, evidence: bool = False
             ) -> tuple[list[Milestone], Answer | None]:
    """The milestones a reply is about, or the question to ask when that is unclear.

    Evidence may arrive after the work is done: it then goes to the last milestone done.
    """
    if reply.codes:
        found = []
        for code in reply.codes:
            items = _items_by_code(ctx, code, evidence)
            if not items:
                return [], Answer(texts.NO_SUCH_ITEM.format(code=code))
            if len(items) > 1:
                if len(reply.codes) > 1:
                    return [], Answer(texts.SAME_CODE_IN_PLANS.format(code=code))
                return [], _ask_choice(ctx, reply, [
                    _first_open(i) or max((m for m in i.milestones if m.done_at),
                                          key=lambda m: m.done_at) for i in items])
            item = items[0]
            if not _can_act(ctx, item):
                return [], Answer(texts.NOT_YOURS.format(code=code))
            milestone = _first_open(item)
            if milestone is None and evidence:
                done = sorted((m for m in item.milestones if m.done_at), key=lambda m: m.done_at)
                milestone = done[-1] if done else None
            if milestone is None:
                return [], Answer(texts.ALREADY_DONE.format(code=code))
            found.append(milestone)
        return found, None
    candidates = [m for m in _last_reminded(ctx) if _can_act(ctx, m.item)]
    # One item may carry two open milestones in one reminder; the earlier one is meant.
    by_item: dict[int, Milestone] = {}
    for milestone in candidates:
        by_item.setdefault(milestone.item_id, milestone)
    if len(by_item) == 1:
        return list(by_item.values()), None
    options = list(by_item.values()) or _my_open_milestones(ctx)
    if not options:
        return [], Answer(texts.NOTHING_OPEN)
    return [], _ask_choice(ctx, reply, options[:MAX_CHOICES])


def _ask_choice(ctx: _Context, reply: Reply, options: list[Milestone]) -> Answer:
    payload = {"intent": reply.intent, "percent": reply.percent, "reason": reply.reason,
               "new_due": reply.new_due.isoformat() if reply.new_due else None,
               "text": reply.text, "options": [m.id for m in options]}
    _set_pending(ctx, "choose_item", payload)
    several = len({m.item.plan_id for m in options}) > 1
    lines = [f"{n}. {m.item.code} {texts.short_title(m.item.title)}"
             + (texts.OF_PLAN_YEAR.format(year=m.item.plan.year) if several else "")
             for n, m in enumerate(options, 1)]
    buttons = [[Button(f"{n}. {m.item.code}", f"c:{n}")] for n, m in enumerate(options, 1)]
    return Answer(texts.WHICH_ITEM.format(options="\n".join(lines)), buttons)


def _set_pending(ctx: _Context, kind: str, payload: dict) -> None:
    pending = ctx.session.get(PendingQuestion, ctx.person.id)
    if pending is None:
        pending = PendingQuestion(person_id=ctx.person.id, kind=kind, payload=payload,
                                  asked_at=ctx.now)
        ctx.session.add(pending)
    else:
        pending.kind, pending.payload, pending.asked_at = kind, payload, ctx.now


def _answer_pending(ctx: _Context, pending: PendingQuestion, reply: Reply) -> Answer | None:
    payload = pending.payload
    if pending.kind == "choose_item" and reply.intent == "choice":
        options = payload["options"]
        if not 1 <= (reply.choice or 0) <= len(options):
            return Answer(texts.BAD_CHOICE.format(count=len(options)))
        ctx.session.delete(pending)
        milestone = ctx.session.get(Milestone, options[reply.choice - 1])
        stored = Reply(payload["intent"], percent=payload["percent"], reason=payload["reason"],
                       new_due=date.fromisoformat(payload["new_due"]) if payload["new_due"] else None,
                       text=payload["text"])
        if stored.intent == "evidence":
            return _attach(ctx, milestone, payload["evidence"])
        return _apply(ctx, stored, [milestone])
    if pending.kind == "ask_date":
        milestone = ctx.session.get(Milestone, payload["milestone"])
        new_due = reply.new_due or _date_only(ctx, reply.text)
        ctx.session.delete(pending)
        if new_due is None:
            return None
        return _apply(ctx, Reply("extend", new_due=new_due, reason=reply.reason, text=reply.text),
                      [milestone])
    ctx.session.delete(pending)
    return None


def _date_only(ctx: _Context, text: str) -> date | None:
    from bot.plan.deadlines import DeadlineError, parse_reply_date

    try:
        return parse_reply_date(text, ctx.today, ctx.plan_year)
    except DeadlineError:
        return None


# ------------------------------------------------------------------ applying

def _reply(ctx: _Context, reply: Reply) -> Answer:
    if reply.intent in ("unknown", "choice"):
        if reply.codes and reply.intent == "unknown" and len(reply.codes) == 1:
            return Answer(texts.WHAT_ABOUT.format(code=reply.codes[0]))
        return Answer(texts.NOT_UNDERSTOOD)
    milestones, question = _targets(ctx, reply)
    if question is not None:
        return question
    return _apply(ctx, reply, milestones)


def _apply(ctx: _Context, reply: Reply, milestones: list[Milestone]) -> Answer:
    for milestone in milestones:
        if not _can_act(ctx, milestone.item):
            return Answer(texts.NOT_YOURS.format(code=milestone.item.code))
    if reply.intent == "extend":
        return _extend(ctx, milestones, reply)
    lines = []
    for milestone in milestones:
        item = milestone.item
        note = reply.reason if reply.intent in ("not_yet", "progress") else None
        if reply.intent == "note":
            note = reply.text
        ctx.session.add(ItemReply(milestone_id=milestone.id, person_id=ctx.person.id,
                                  message_id=ctx.message_id, intent=reply.intent,
                                  percent=reply.percent, note=note, at=ctx.now))
        following = None
        if reply.intent == "done":
            milestone.done_at = ctx.now
            following = _first_open(item)
        lines += acknowledgement(reply, item.code, item.title, milestone.label, following)
    ctx.session.flush()
    if reply.intent == "done":
        refresh_schedule(ctx.session, ctx.now, ctx.rt.config.reminders, ctx.plan_ids,
                         milestone_ids=[m.id for m in milestones])
    _record(ctx, reply.intent, [m.item.code for m in milestones])
    return Answer("\n".join(lines))


def _record(ctx: _Context, intent: str, codes: list[str], **extra: object) -> None:
    ctx.session.execute(update(Message).where(Message.id == ctx.message_id)
                        .values(outcome={"intent": intent, "codes": codes, **extra}))


def _extend(ctx: _Context, milestones: list[Milestone], reply: Reply) -> Answer:
    milestone = milestones[0]
    if reply.new_due is None:
        _set_pending(ctx, "ask_date", {"milestone": milestone.id})
        return Answer(texts.ASK_DATE.format(code=milestone.item.code))
    if milestone.due and reply.new_due <= milestone.due:
        return Answer(texts.EXTEND_NOT_LATER.format(code=milestone.item.code,
                                                    due=texts.show_date(milestone.due)))
    extension = Extension(milestone_id=milestone.id, person_id=ctx.person.id,
                          requested_due=reply.new_due, previous_due=milestone.due,
                          reason=reply.reason, status="pending", requested_at=ctx.now)
    ctx.session.add(extension)
    ctx.session.add(ItemReply(milestone_id=milestone.id, person_id=ctx.person.id,
                              message_id=ctx.message_id, intent="extend", note=reply.reason,
                              at=ctx.now))
    ctx.session.flush()
    chairmen = ctx.session.scalars(
        select(Person).join(PersonRole).join(Role)
        .where(Role.unit_id == ctx.person.unit_id, Role.duty == "chairman")).all()
    text = texts.EXTENSION_REQUEST.format(
        name=ctx.person.name, code=milestone.item.code, title=texts.short_title(milestone.item.title),
        due=texts.show_date(milestone.due), new_due=texts.show_date(reply.new_due),
        reason=texts.EXTENSION_REASON.format(reason=reply.reason) if reply.reason else "")
    buttons = [[texts.BUTTON_APPROVE, f"a:{extension.id}"], [texts.BUTTON_DECLINE, f"r:{extension.id}"]]
    queued = [_queue(ctx, chairman.id, text, [buttons]) for chairman in chairmen]
    _record(ctx, "extend", [milestone.item.code], new_due=reply.new_due.isoformat(),
            extension=extension.id)
    answer = Answer(texts.ACK_EXTEND.format(code=milestone.item.code,
                                            new_due=texts.show_date(reply.new_due)))
    answer.deliveries = queued
    return answer


def _queue(ctx: _Context, person_id: int, text: str, buttons: list | None = None) -> int:
    return queue_message(ctx.session, person_id, text, ctx.now, buttons)


def queue_message(session: Session, person_id: int, text: str, now: datetime,
                  buttons: list | None = None) -> int:
    delivery = Delivery(person_id=person_id, text=text, purpose="message", status="pending",
                        buttons=buttons, next_attempt_at=now, created_at=now)
    session.add(delivery)
    session.flush()
    return delivery.id


def _decide_by_code(ctx: _Context, code: str, approve: bool) -> Answer:
    if not ctx.is_chairman():
        return Answer(texts.CHAIRMAN_ONLY)
    extension = ctx.session.scalar(
        select(Extension).join(Milestone).join(Item)
        .where(Item.code == code, Item.plan_id.in_(ctx.plan_ids), Extension.status == "pending")
        .order_by(Extension.requested_at.desc()))
    if extension is None:
        return Answer(texts.NO_PENDING_EXTENSION.format(code=code))
    return _decide(ctx, extension, approve)


def _decide(ctx: _Context, extension: Extension, approve: bool) -> Answer:
    if not ctx.is_chairman():
        return Answer(texts.CHAIRMAN_ONLY)
    if extension.status != "pending":
        return Answer(texts.ALREADY_DECIDED.format(code=extension.milestone.item.code))
    code = extension.milestone.item.code
    text, delivery = decide_extension(ctx.session, ctx.rt.config, ctx.person, extension, approve,
                                      ctx.now, ctx.message_id)
    answer = Answer(texts.ACK_DECISION.format(code=code, decision=text))
    answer.deliveries = [delivery]
    _record(ctx, "approve" if approve else "decline", [code], extension=extension.id)
    return answer


def decide_extension(session: Session, config: Config, decider: Person, extension: Extension,
                     approve: bool, now: datetime, message_id: int | None = None,
                     reason: str | None = None) -> tuple[str, int]:
    """Approve or decline a pending extension, as the chat and the web page both do.

    The caller checks that `decider` may decide and that the request is still pending.
    Returns the decision as told to the requester and the delivery that tells them.
    """
    milestone = extension.milestone
    extension.status = "approved" if approve else "declined"
    extension.decided_by, extension.decided_at = decider.id, now
    session.add(ItemReply(milestone_id=milestone.id, person_id=decider.id,
                          message_id=message_id, intent="approve" if approve else "decline",
                          note=extension.requested_due.isoformat(), at=now))
    if approve:
        milestone.original_due = milestone.original_due or milestone.due
        milestone.due = extension.requested_due
        session.flush()
        refresh_schedule(session, now, config.reminders, [milestone.item.plan_id],
                         milestone_ids=[milestone.id])
    text = (texts.EXTENSION_APPROVED if approve else texts.EXTENSION_DECLINED).format(
        code=milestone.item.code, new_due=texts.show_date(extension.requested_due))
    if reason:
        text += "\n" + texts.EXTENSION_DECISION_REASON.format(reason=reason)
    return text, queue_message(session, extension.person_id, text, now)


# -------------------------------------------------------------------- buttons

def _button(ctx: _Context, data: str) -> Answer:
    kind, _, value = data.partition(":")
    if not value.isdigit():
        return Answer(texts.NOT_UNDERSTOOD)
    number = int(value)
    if kind == "c":
        pending = ctx.session.get(PendingQuestion, ctx.person.id)
        if pending is None:
            return Answer(texts.NOTHING_PENDING)
        return _answer_pending(ctx, pending, Reply("choice", choice=number, text=value)) or Answer(
            texts.NOT_UNDERSTOOD)
    if kind in ("a", "r"):
        extension = ctx.session.get(Extension, number)
        if extension is None:
            return Answer(texts.NOT_UNDERSTOOD)
        return _decide(ctx, extension, kind == "a")
    milestone = ctx.session.get(Milestone, number)
    if milestone is None or milestone.item.removed_at is not None or milestone.retired_at is not None:
        return Answer(texts.NOT_UNDERSTOOD)
    if not _can_act(ctx, milestone.item):
        return Answer(texts.NOT_YOURS.format(code=milestone.item.code))
    if milestone.done_at is not None:
        return Answer(texts.ALREADY_DONE.format(code=milestone.item.code))
    if kind == "d":
        return _apply(ctx, Reply("done", text="xong"), [milestone])
    if kind == "p":
        return _apply(ctx, Reply("progress", text="đang làm"), [milestone])
    if kind == "e":
        _set_pending(ctx, "ask_date", {"milestone": milestone.id})
        return Answer(texts.ASK_DATE.format(code=milestone.item.code))
    return Answer(texts.NOT_UNDERSTOOD)


# ------------------------------------------------------------------- commands

def _command(ctx: _Context, name: str, args: str) -> Answer:
    if name in ("start", "batdau"):
        return Answer(texts.HELLO_AGAIN.format(name=ctx.person.name) + "\n\n" + texts.HELP)
    if name in ("huongdan", "help"):
        return Answer(texts.HELP)
    if name == "viec":
        return _my_items(ctx)
    if name == "xong":
        return _reply(ctx, understand(f"xong {args}", ctx.today, ctx.plan_year))
    if name == "giahan":
        parts = args.split(maxsplit=1)
        if len(parts) < 2:
            return Answer(texts.GIAHAN_USAGE)
        return _reply(ctx, understand(f"gia hạn {parts[0]} đến {parts[1]}", ctx.today,
                                      ctx.plan_year))
    if name == "lich":
        return _my_schedule(ctx)
    if name == "kenh":
        return _channel_choice(ctx, args)
    if name == "tongket":
        if not (ctx.is_chairman() or ctx.is_office()):
            return Answer(texts.CHAIRMAN_ONLY)
        return _summary(ctx, args)
    if name == "web":
        from bot.office.auth import web_command

        return Answer(web_command(ctx.session, ctx.rt.config, ctx.person, ctx.now))
    if name == "baocao":
        if not (ctx.is_chairman() or ctx.is_office()):
            return Answer(texts.CHAIRMAN_ONLY)
        return _report(ctx, args)
    return Answer(texts.UNKNOWN_COMMAND)


def _summary(ctx: _Context, args: str) -> Answer:
    from bot.summary import summary_text

    answer = Answer(summary_text(ctx.session, ctx.person.unit_id, ctx.plan_ids, ctx.today,
                                 ctx.rt.config, args))
    channel = ctx.rt.channels.get(ctx.incoming.channel)
    if not args and ctx.plan_ids and channel is not None and channel.supports_files:
        from bot.chart import chart_for

        answer.photo = chart_for(ctx.session, ctx.plan_ids, ctx.today, ctx.zone)
    return answer


def _report(ctx: _Context, args: str) -> Answer:
    """The report for a period ("/baocao quý 1 word"): a document where the channel takes files."""
    from bot.periods import report_period

    if not ctx.plan_ids:
        return Answer(texts.SUMMARY_NO_PLAN)
    words = args.split()
    kind = "docx" if any(fold(w) in ("docx", "word") for w in words) else "xlsx"
    asked = " ".join(w for w in words if fold(w) not in ("docx", "word", "xlsx", "excel"))
    period = report_period(asked, ctx.plan_year or ctx.today.year, ctx.today,
                           ctx.rt.config.reports)
    if period is None:
        return Answer(texts.PERIOD_UNKNOWN.format(text=asked))
    name, content = build_report(ctx.session, ctx.rt.config, ctx.plan_ids, period, kind)
    channel = ctx.rt.channels.get(ctx.incoming.channel)
    if channel is not None and channel.supports_files and ctx.incoming.channel != "console":
        return Answer(texts.REPORT_SENT.format(name=name), document=(name, content))
    path = save_report(ctx.rt.config, name, content)
    return Answer(texts.REPORT_SAVED.format(path=path))


def build_report(session: Session, config: Config, plan_ids: list[int], period,
                 kind: str) -> tuple[str, bytes]:
    from bot.config import report_heading_for
    from bot.reports import build_docx, build_xlsx, gather, plans_title, signer_of
    from jobs.schedule import calendar_of

    plan, title = plans_title(session, plan_ids)
    unit = config.unit(plan.unit.name)
    report = gather(session, plan_ids, period, config.reminders.zone, title=title,
                    unit=plan.unit.name, heading=unit.report if unit else
                    report_heading_for(plan.unit.name), signer=signer_of(session, plan),
                    issued=plan.issued_on, calendar=calendar_of(config.reminders))
    content = (build_docx if kind == "docx" else build_xlsx)(report)
    return texts.report_file_name(plan.year, period.kind, period.end, kind), content


def save_report(config: Config, name: str, content: bytes) -> Path:
    folder = config.storage.data_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path.resolve()


def _my_items(ctx: _Context) -> Answer:
    own_roles = {role.id for role in ctx.person.roles}
    views = load_items(ctx.session, ctx.plan_ids, ctx.today, ctx.zone)
    items = {item.id: item for item in ctx.session.scalars(
        select(Item).where(Item.id.in_([v.id for v in views])))}
    mine = [v for v in views if v.open_milestones and any(
        a.part == "owner" and a.role_id in own_roles for a in items[v.id].assignments)]
    if not mine:
        return Answer(texts.NOTHING_OPEN)
    mine.sort(key=lambda v: (v.next_due or date.max, v.position))
    return Answer(texts.my_items(mine, ctx.today))


def _my_schedule(ctx: _Context) -> Answer:
    end = ctx.today + timedelta(days=30)
    wanted = [w for w in wanted_reminders(ctx.session, ctx.today, end, ctx.rt.config.reminders,
                                          ctx.plan_ids) if w.person_id == ctx.person.id]
    if not wanted:
        return Answer(texts.NO_SCHEDULE)
    codes = {m.id: item.code for m, item in ctx.session.execute(
        select(Milestone, Item).join(Item).where(
            Milestone.id.in_({w.planned.milestone_id for w in wanted})))}
    by_day: dict[date, list[str]] = {}
    for want in sorted(wanted, key=lambda w: w.planned.day):
        entry = f"{codes[want.planned.milestone_id]} ({texts.REMINDER_KIND_NAMES[want.planned.kind]})"
        if entry not in by_day.setdefault(want.planned.day, []):
            by_day[want.planned.day].append(entry)
    return Answer(texts.my_schedule(by_day, ctx.rt.config.reminders.send_at.strftime("%H:%M")))


def _channel_choice(ctx: _Context, args: str) -> Answer:
    links = ctx.session.scalars(select(ChatLink).where(ChatLink.person_id == ctx.person.id)).all()
    wanted = fold(args)
    if wanted:
        chosen = [link for link in links if link.channel == wanted]
        if not chosen:
            return Answer(texts.CHANNEL_NOT_LINKED.format(channel=args))
        for link in links:
            link.preferred = link in chosen
        return Answer(texts.CHANNEL_CHOSEN.format(channel=texts.CHANNEL_NAMES[chosen[0].channel]))
    listing = ", ".join(
        texts.CHANNEL_NAMES.get(link.channel, link.channel) + (texts.CHANNEL_IN_USE if link.preferred else "")
        for link in links) or "—"
    return Answer(texts.CHANNELS.format(channels=listing))


# ------------------------------------------------------------------- evidence

async def _receive_file(rt: Runtime, incoming: Incoming) -> _Evidence | str:
    attachment = incoming.attachment
    limits = rt.config.evidence
    mime = attachment.mime_type or mimetypes.guess_type(attachment.file_name)[0]
    suffix = Path(attachment.file_name).suffix.lower()
    if suffix not in limits.allowed_types:
        return texts.FILE_TYPE_REFUSED.format(types=", ".join(limits.allowed_types))
    limit = limits.max_mb * 1024 * 1024
    if attachment.size is not None and attachment.size > limit:
        return texts.FILE_TOO_BIG.format(limit=limits.max_mb)
    try:
        content = await attachment.fetch()
    except Exception:
        log.exception("could not fetch %s from %s", attachment.file_name, incoming.channel)
        return texts.FILE_FETCH_FAILED
    if len(content) > limit:
        return texts.FILE_TOO_BIG.format(limit=limits.max_mb)
    digest = hashlib.sha256(content).hexdigest()
    try:
        path = await asyncio.to_thread(store_file, rt.data_dir / "evidence" / digest[:2],
                                       f"{digest}{suffix}", content, digest)
    except OSError:
        log.exception("could not save %s from %s/%s", attachment.file_name, incoming.channel,
                      incoming.chat_id)
        return texts.FILE_SAVE_FAILED
    return _Evidence(attachment.file_name, mime, len(content), digest, str(path))


def store_file(folder: Path, name: str, content: bytes, sha256: str) -> Path:
    """Write `content` as folder/name all or nothing: a temporary file in the same folder,
    fsync, checked against `sha256`, renamed. On OSError nothing new is left behind."""
    path = folder / name
    if path.exists() and _sha256_of(path) == sha256:
        return path  # the same file sent before; a half-written one is replaced below
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
    try:
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        if _sha256_of(Path(temporary)) != sha256:
            raise OSError(errno.EIO, f"{name}: the written file differs from the one received")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_folder(folder)
    return path


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _evidence(ctx: _Context, reply: Reply, evidence: _Evidence) -> Answer:
    milestones, question = _targets(ctx, reply, evidence=True)
    if question is not None:
        pending = ctx.session.get(PendingQuestion, ctx.person.id)
        if pending is not None:
            pending.payload = {**pending.payload, "intent": "evidence",
                               "evidence": evidence.__dict__}
        return question
    answers = [_attach(ctx, m, evidence.__dict__).text for m in milestones]
    if reply.intent == "done":
        answers.append(_apply(ctx, reply, milestones).text)
    return Answer("\n".join(answers))


def _attach(ctx: _Context, milestone: Milestone, evidence: dict) -> Answer:
    ctx.session.add(Evidence(milestone_id=milestone.id, person_id=ctx.person.id,
                             file_name=evidence["file_name"][:300], mime_type=evidence["mime_type"],
                             size=evidence["size"], sha256=evidence["sha256"], path=evidence["path"],
                             received_at=ctx.now))
    ctx.session.add(ItemReply(milestone_id=milestone.id, person_id=ctx.person.id,
                              message_id=ctx.message_id, intent="evidence",
                              note=evidence["file_name"], at=ctx.now))
    _record(ctx, "evidence", [milestone.item.code])
    return Answer(texts.ACK_EVIDENCE.format(code=milestone.item.code, name=evidence["file_name"]))


# ---------------------------------------------------------------- invitations

def create_invitation(session: Session, person: Person, now: datetime, days: int = 7) -> str:
    code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(8))
    session.add(Invitation(person_id=person.id, code=code, created_at=now,
                           expires_at=now + timedelta(days=days)))
    return code
