"""Every incoming update: stored once, its writer identified, applied, answered.

Each message is applied at most once: it is stored under its update key in the same
transaction that decides and records what it changes, together with the answer; a second
delivery of it fails on that key and gets the stored answer again, nothing more. One path
for every message: the common "xong 3.7" costs a cached identity, one read of the item,
and the writes it makes. Messages to other people (the chairman, the requester, the
office) are queued as deliveries and sent through the same recorded path as reminders.
While the database cannot be reached, updates wait in the journal (bot.journal) and are
replayed in order. The database work never waits on the event loop: a reply on SQLite
runs there only while the database can take the write at once (`_applied`), everything
else in a worker thread, so the loop keeps serving other chats.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot import texts
from bot.channels.base import Button, Channel, DeliveryError, Incoming
from bot.clock import Clock
from bot.config import Config
from bot.journal import Fetch, Journal
from bot.people import people_with_duty
from bot.talk.context import Context, WhoCache
from db.models import (
    ChatLink, Delivery, Invitation, Message, PendingQuestion, Person,
)
from db.session import SQLITE_BUSY_MS
from jobs import engine

log = logging.getLogger(__name__)

INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud
INVITE_CODE = re.compile(r"^(?:/start\s+)?([A-Z2-9]{6,10})$", re.I)

# The database did not answer (down, unreachable, or locked past the busy timeout).
DATABASE_DOWN = (OperationalError, InterfaceError)


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


async def _handle(rt: Runtime, incoming: Incoming, now: datetime) -> None:
    """Raises DATABASE_DOWN when nothing could be stored; after the commit it does not."""
    from bot.talk.evidence import receive_file

    evidence = None
    if incoming.attachment is not None:
        # A file is fetched only for a known writer and an update not seen before.
        seen, person_id = await asyncio.to_thread(_look_up, rt, incoming, now)
        if seen is None and person_id is not None:
            evidence = await receive_file(rt, incoming)
    try:
        message_id, person_id, answer = await _applied(rt, incoming, now, evidence)
    except IntegrityError:
        # Stored before (a second delivery), or meanwhile by another process.
        seen, _ = await asyncio.to_thread(_look_up, rt, incoming, now)
        if seen is None:
            raise
        log.info("message %s from %s/%s delivered again; answered again", seen[0],
                 incoming.channel, incoming.chat_id)
        await _send(rt, incoming, Answer(seen[1] or ""))
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


async def _applied(rt: Runtime, incoming: Incoming, now: datetime, evidence
                   ) -> tuple[int, int | None, Answer]:
    """`_respond`, on the event loop when SQLite can take the write at once, else in a thread.

    A reply's whole transaction on SQLite takes under a millisecond, less than handing it
    to a worker thread and back. It never waits on the loop: with no wait for the lock
    (busy timeout 0), a database held by another writer fails at once, nothing is written,
    and the message is handled again in a thread that may wait. Commands go to the thread
    (a report or a chart takes a good part of a second), and so does everything on
    PostgreSQL: a round trip over the network is not a moment.
    """
    if (rt.sessions.kw["bind"].dialect.name == "sqlite"
            and not incoming.text.lstrip().startswith("/")):
        try:
            return _respond(rt, incoming, now, evidence, wait=False)
        except OperationalError as error:
            if not _sqlite_busy(error):
                raise
            log.info("database busy; message from %s/%s waits in a thread", incoming.channel,
                     incoming.chat_id)
    return await asyncio.to_thread(_respond, rt, incoming, now, evidence)


def _sqlite_busy(error: OperationalError) -> bool:
    # SQLITE_BUSY and its extended codes (BUSY_RECOVERY, BUSY_SNAPSHOT, ...).
    code = getattr(error.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == 5


@contextmanager
def _transaction(rt: Runtime, wait: bool) -> Iterator[Session]:
    with rt.sessions.begin() as session:
        if wait:
            yield session
            return
        connection = session.connection()
        connection.exec_driver_sql("PRAGMA busy_timeout=0")
        try:
            yield session
        finally:
            # The connection goes back to the pool for everyone else: waiting again.
            connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")


def _look_up(rt: Runtime, incoming: Incoming, now: datetime
             ) -> tuple[tuple[int, str | None] | None, int | None]:
    """The earlier delivery of this update (id, answer) if there was one, else who wrote it."""
    with rt.sessions() as session:
        if incoming.update_key is not None:
            row = session.execute(select(Message.id, Message.answer)
                                  .where(Message.update_key == incoming.update_key)).first()
            if row is not None:
                return (row.id, row.answer), None
        who = rt.who.get(session, incoming.channel, incoming.chat_id, now)
        return None, who.person_id if who else None


# The new row's id, and whether a question waits for the writer's answer: one round trip.
_STORE = insert(Message).returning(
    Message.id, select(PendingQuestion.person_id)
    .where(PendingQuestion.person_id == bindparam("waiting_for")).scalar_subquery())


class _Failed(Exception):
    """Handling a stored message raised: its transaction is rolled back."""


def _respond(rt: Runtime, incoming: Incoming, now: datetime, evidence, wait: bool = True
             ) -> tuple[int, int | None, Answer]:
    """Store the message, apply it and store the answer: one transaction.

    A second delivery of a stored update fails on its key at the first statement, before
    anything changed (IntegrityError). When applying fails, nothing of it stays: the message
    is then stored with an apology, in a transaction of its own.
    """
    from bot.talk.route import route

    who = None
    try:
        with _transaction(rt, wait) as session:
            who = rt.who.get(session, incoming.channel, incoming.chat_id, now)
            message_id, waiting = _store(session, incoming, who, now)
            if who is None:
                answer = stranger(session, incoming, incoming.text.strip(), now)
                _finish(session, message_id, answer, None)
                return message_id, None, answer
            notices = _reconnect(session, incoming, who.person_id, now) if who.unreachable else []
            ctx = Context(session, rt, who, message_id, now, incoming, waiting=waiting)
            try:
                answer = route(ctx, evidence)
            except DATABASE_DOWN:
                raise
            except Exception as error:
                raise _Failed() from error
            _finish(session, message_id, _with_notices(answer, notices, incoming), ctx.outcome)
            return message_id, who.person_id, answer
    except _Failed:
        log.exception("message from %s/%s could not be handled", incoming.channel,
                      incoming.chat_id)
    except BaseException:
        rt.who.forget(incoming.channel, incoming.chat_id)
        raise
    with _transaction(rt, wait) as session:
        message_id, _ = _store(session, incoming, who, now)
        # The person wrote from this chat even though handling failed.
        notices = _reconnect(session, incoming, who.person_id, now) if who and who.unreachable else []
        answer = _with_notices(Answer(texts.SOMETHING_WRONG), notices, incoming)
        _finish(session, message_id, answer, None)
        return message_id, who.person_id if who else None, answer


def _store(session: Session, incoming: Incoming, who, now: datetime) -> tuple[int, bool]:
    """The message row, written first; a second delivery of the update fails here."""
    row = session.connection().execute(_STORE, {
        "channel": incoming.channel, "chat_id": incoming.chat_id, "user_id": incoming.user_id,
        "display_name": incoming.display_name[:200],
        "person_id": who.person_id if who else None, "text": incoming.text,
        "provider_message_id": incoming.message_id,
        "reply_to_message_id": incoming.reply_to_message_id,
        "callback_data": incoming.callback_data, "received_at": now,
        "update_key": incoming.update_key,
        "waiting_for": who.person_id if who else None}).one()
    return row[0], row[1] is not None


_ANSWERED = update(Message).where(Message.id == bindparam("message")).values(
    answer=bindparam("answer"), outcome=bindparam("outcome"))


def _finish(session: Session, message_id: int, answer: Answer, outcome: dict | None) -> None:
    session.connection().execute(_ANSWERED, {"message": message_id, "answer": answer.text,
                                             "outcome": outcome})


def _with_notices(answer: Answer, notices: list[int], incoming: Incoming) -> Answer:
    if notices:
        answer.text = "\n\n".join(filter(None, [answer.text, texts.REACHABLE_AGAIN.format(
            channel=texts.CHANNEL_NAMES.get(incoming.channel, incoming.channel))]))
        answer.deliveries += notices
    return answer


_REACHABLE = (update(ChatLink).where(ChatLink.channel == bindparam("link_channel"),
                                     ChatLink.chat_id == bindparam("link_chat"),
                                     ChatLink.unreachable_at.is_not(None))
              .values(unreachable_at=None))


def _reconnect(session: Session, incoming: Incoming, person_id: int, now: datetime) -> list[int]:
    """A chat marked unreachable (the person had blocked the bot) wrote: reachable again.

    Returns the notices queued for the office (the unit's coordinators).
    """
    changed = session.connection().execute(_REACHABLE, {
        "link_channel": incoming.channel, "link_chat": incoming.chat_id}).rowcount
    if not changed:
        return []
    person = session.get(Person, person_id)
    log.info("%s/%s reachable again (person %s)", incoming.channel, incoming.chat_id, person.id)
    office = [p for p in people_with_duty(session, person.unit_id, "coordinator", now)
              if p.id != person.id]
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


# ---------------------------------------------------------------- invitations

def stranger(session: Session, incoming: Incoming, text: str, now: datetime) -> Answer:
    match = INVITE_CODE.match(text)
    if match:
        invitation = session.scalar(select(Invitation).where(
            Invitation.code == match.group(1).upper(), Invitation.used_at.is_(None),
            Invitation.expires_at > now))
        # A person who has left cannot connect with a code given before they left.
        if invitation is not None and invitation.person.retired_at is None:
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


def own_invitation(ctx: Context, code: str) -> Answer | None:
    """A person redeems their invitation from a chat already linked to them (after unblocking)."""
    invitation = ctx.session.scalar(select(Invitation).where(
        Invitation.code == code.upper(), Invitation.person_id == ctx.who.person_id,
        Invitation.used_at.is_(None), Invitation.expires_at > ctx.now))
    if invitation is None:
        return None
    invitation.used_at = ctx.now
    ctx.record("invitation", [])
    return Answer(texts.WELCOME.format(name=ctx.person.name, channel=texts.CHANNEL_NAMES.get(
        ctx.incoming.channel, ctx.incoming.channel)))


def create_invitation(session: Session, person: Person, now: datetime, days: int = 7) -> str:
    code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(8))
    session.add(Invitation(person_id=person.id, code=code, created_at=now,
                           expires_at=now + timedelta(days=days)))
    return code
