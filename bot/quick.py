"""The common reply in one short transaction: a known official names one item and says where it stands.

"xong 3.7", "3.7 đang làm 50%", "chưa xong 3.31, chờ huyện": most of a morning's traffic.
It is served with a handful of prepared Core statements; anything else (no code, a
question pending, a file, a button, a command, an item not theirs) returns None and
goes the general way in `bot.conversation`, which also produces every refusal text.
The message row, with its update key and the answer, is written in the same
transaction as what it changes, so it is stored before the acknowledgement goes out;
if the transaction fails (a second delivery of a stored update fails on its key), the
caller goes the general way, which stores it or answers it again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from bot import texts
from bot.channels.base import Incoming
from bot.replies import Reply, understand
from bot.status import current_plans_of, reply_year
from db.models import (
    ChatLink, Item, ItemReply, ItemRole, Message, Milestone, PendingQuestion, Person, PersonRole,
    Role,
)
from jobs.schedule import local_day, refresh_schedule

QUICK_INTENTS = ("done", "progress", "not_yet", "note")

_PERSON = (select(Person.id, Person.unit_id, Person.is_admin).join(ChatLink, ChatLink.person_id == Person.id)
           .where(ChatLink.channel == bindparam("channel"), ChatLink.chat_id == bindparam("chat"),
                  # A chat marked unreachable goes the general way, which marks it reachable.
                  ChatLink.unreachable_at.is_(None)))
_ROLES = (select(Role.id, Role.duty).join(PersonRole, PersonRole.role_id == Role.id)
          .where(PersonRole.person_id == bindparam("person")))
# One round trip for the item, its milestones, its owner roles and whether a question waits
# (one row per milestone and owner role: a handful).
_ITEM = (
    select(Item.id, Item.title, Milestone.id, Milestone.kind, Milestone.label, Milestone.due,
           Milestone.done_at, ItemRole.role_id,
           select(PendingQuestion.person_id).where(
               PendingQuestion.person_id == bindparam("person")).scalar_subquery())
    .join(Milestone, Milestone.item_id == Item.id)
    .outerjoin(ItemRole, (ItemRole.item_id == Item.id) & (ItemRole.part == "owner"))
    .where(Item.plan_id.in_(bindparam("plans", expanding=True)), Item.code == bindparam("code"),
           Item.removed_at.is_(None), Milestone.retired_at.is_(None))
    .order_by(Milestone.position))
_MESSAGE = insert(Message)
_REPLY = insert(ItemReply)
_DONE = update(Milestone).where(Milestone.id == bindparam("milestone")).values(
    done_at=bindparam("at"))


@dataclass(frozen=True, slots=True)
class _Open:
    id: int
    kind: str
    label: str | None
    due: date | None


@dataclass(frozen=True, slots=True)
class _Who:
    person_id: int
    roles: frozenset[int]
    office: bool
    plan_ids: tuple[int, ...]
    years: tuple[int, ...]


class WhoCache:
    """Who writes from a chat, and their unit's current plans, remembered for a short while.

    Only known chats are remembered, so a new invitation works at once; a change of roles
    or a new plan is seen within `seconds`.
    """

    def __init__(self, seconds: float = 30.0) -> None:
        self._seconds = seconds
        self._entries: dict[tuple[str, str], tuple[float, _Who]] = {}

    def get(self, connection, channel: str, chat_id: str) -> _Who | None:
        key = (channel, chat_id)
        entry = self._entries.get(key)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        person = connection.execute(_PERSON, {"channel": channel, "chat": chat_id}).first()
        if person is None:
            return None
        person_id, unit_id, is_admin = person
        roles = connection.execute(_ROLES, {"person": person_id}).all()
        plans = current_plans_of(connection, [unit_id])
        who = _Who(person_id, frozenset(role_id for role_id, _ in roles),
                   bool(is_admin) or any(duty == "coordinator" for _, duty in roles),
                   tuple(plan.id for plan in plans), tuple(plan.year for plan in plans))
        self._entries[key] = (time.monotonic() + self._seconds, who)
        return who


def quick_reply(session: Session, config, incoming: Incoming, now: datetime,
                cache: WhoCache) -> str | None:
    """The acknowledgement text when the message took the quick way; None to go the general way."""
    if (incoming.channel == "console" or incoming.callback_data or incoming.attachment is not None
            or incoming.text.lstrip().startswith("/")):
        return None
    connection = session.connection()
    who = cache.get(connection, incoming.channel, incoming.chat_id)
    if who is None:
        return None
    person_id, plan_ids = who.person_id, list(who.plan_ids)
    today = local_day(now, config.reminders.zone)
    reply = understand(incoming.text, today, reply_year(list(who.years), today))
    if reply.intent not in QUICK_INTENTS or len(reply.codes) != 1 or not plan_ids:
        return None
    code = reply.codes[0]
    rows = connection.execute(_ITEM, {"plans": plan_ids, "code": code, "person": person_id}).all()
    if not rows or rows[0][8] is not None:  # no such item, or a question waits for an answer
        return None
    if len({row[0] for row in rows}) > 1:  # the code is in several current plans
        return None
    title = rows[0][1]
    owners = {row[7] for row in rows if row[7] is not None}
    if not who.office and not owners & who.roles:
        return None
    seen: dict[int, _Open] = {}
    for _, _, mid, kind, label, due, done_at, _, _ in rows:
        if done_at is None and kind != "none":
            seen.setdefault(mid, _Open(mid, kind, label, due))
    open_milestones = list(seen.values())
    if not open_milestones:
        return None
    target = first_milestone(open_milestones)
    note = reply.text if reply.intent == "note" else (
        reply.reason if reply.intent in ("not_yet", "progress") else None)
    following = None
    if reply.intent == "done":
        rest = [m for m in open_milestones if m.id != target.id]
        following = first_milestone(rest) if rest else None
    answer = "\n".join(acknowledgement(reply, code, title, target.label, following))
    # A second delivery of the update fails here on the unique key, before anything changed.
    message_id = connection.execute(_MESSAGE, {
        "channel": incoming.channel, "chat_id": incoming.chat_id, "user_id": incoming.user_id,
        "display_name": incoming.display_name[:200], "person_id": person_id,
        "text": incoming.text, "provider_message_id": incoming.message_id,
        "reply_to_message_id": incoming.reply_to_message_id, "callback_data": None,
        "received_at": now, "outcome": {"intent": reply.intent, "codes": [code]},
        "update_key": incoming.update_key, "answer": answer,
    }).inserted_primary_key[0]
    connection.execute(_REPLY, {"milestone_id": target.id, "person_id": person_id,
                                "message_id": message_id, "intent": reply.intent,
                                "percent": reply.percent, "note": note, "at": now})
    if reply.intent == "done":
        connection.execute(_DONE, {"milestone": target.id, "at": now})
        session.flush()
        refresh_schedule(session, now, config.reminders, plan_ids, milestone_ids=[target.id])
    return answer


def first_milestone(milestones):
    """The milestone a reply about an item means: the earliest dated one, else the first."""
    dated = sorted((m for m in milestones if m.due), key=lambda m: m.due)
    return (dated or milestones)[0]


def acknowledgement(reply: Reply, code: str, title: str, label: str | None, following) -> list[str]:
    """The answer to a state reply about one item; the general way words it the same."""
    if reply.intent == "done":
        lines = [texts.ACK_DONE.format(code=code, title=texts.short_title(title),
                                       label=f" ({label})" if label else "")]
        if following is not None and following.due:
            lines.append(texts.ACK_NEXT.format(label=following.label or texts.NEXT_MILESTONE,
                                               due=texts.show_date(following.due)))
        return lines
    if reply.intent == "progress":
        return [texts.ACK_PROGRESS.format(
            code=code, percent=f" {reply.percent}%" if reply.percent is not None else "")]
    if reply.intent == "not_yet":
        return [texts.ACK_NOT_YET.format(code=code,
                                         reason=f" ({reply.reason})" if reply.reason else "")]
    return [texts.ACK_NOTE.format(code=code)]
