"""The schema: a commune (unit) holds roles, people and plans; a plan holds items with milestones."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON, Date, DateTime, ForeignKey, Index, Integer, MetaData, String, Text, TypeDecorator, false,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in Python, whatever the backend keeps (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Unit(Base):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)

    roles: Mapped[list[Role]] = relationship(back_populates="unit", cascade="all, delete-orphan")
    people: Mapped[list[Person]] = relationship(back_populates="unit", cascade="all, delete-orphan")


class Role(Base):
    __tablename__ = "role"
    __table_args__ = (UniqueConstraint("unit_id", "name", name="uq_role_unit_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    # official | coordinator | chairman
    duty: Mapped[str] = mapped_column(String(20), default="official")

    unit: Mapped[Unit] = relationship(back_populates="roles")


class Person(Base):
    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("unit_id", "name", name="uq_person_unit_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Set when the person left: kept with their history, never reminded again.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship(back_populates="people")


class PersonRole(Base):
    """A person holds a role over a span of the commune's days; a hand-over ends one span
    where the next begins. Who holds a role on a day is asked through `bot.people`."""

    __tablename__ = "person_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id", ondelete="CASCADE"), index=True)
    # Held from (NULL: since before the bot knew) until (exclusive; NULL: still held); a
    # hand-over from a day starts at that day's midnight in the commune.
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
    role: Mapped[Role] = relationship()


class Plan(Base):
    __tablename__ = "plan"
    __table_args__ = (UniqueConstraint("unit_id", "year", "title", name="uq_plan_unit_year_title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500))
    year: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date | None] = mapped_column(Date)
    signer: Mapped[str | None] = mapped_column(String(200))
    signer_title: Mapped[str | None] = mapped_column(String(100))
    source_name: Mapped[str] = mapped_column(String(500))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Plans stay current (reminded, summed up) until the office closes them.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit] = relationship()
    sections: Mapped[list[Section]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Section.position")
    items: Mapped[list[Item]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Item.position")


class Section(Base):
    __tablename__ = "section"
    __table_args__ = (UniqueConstraint("plan_id", "code", name="uq_section_plan_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    # "B.II" under "B" when the plan has two heading levels; the number as written is the tail.
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(500))
    position: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("section.id", ondelete="SET NULL"))

    plan: Mapped[Plan] = relationship(back_populates="sections")
    parent: Mapped[Section | None] = relationship(remote_side=[id])

    @property
    def number(self) -> str:
        """The numeral as the plan writes it ("II" of "B.II")."""
        return self.code.removeprefix(f"{self.parent.code}.") if self.parent else self.code


class Item(Base):
    __tablename__ = "item"
    __table_args__ = (UniqueConstraint("plan_id", "code", name="uq_item_plan_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))
    row_label: Mapped[str | None] = mapped_column(String(20))
    objective_code: Mapped[str | None] = mapped_column(String(40))
    objective_text: Mapped[str | None] = mapped_column(Text)
    task_code: Mapped[str | None] = mapped_column(String(40))
    task_text: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    product: Mapped[str | None] = mapped_column(Text)
    budget_note: Mapped[str | None] = mapped_column(Text)
    owners: Mapped[list[str]] = mapped_column(JSON, default=list)
    coordinators: Mapped[list[str]] = mapped_column(JSON, default=list)
    deadline_text: Mapped[str] = mapped_column(Text, default="")
    # Set when a re-import no longer has the item; its history stays.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    plan: Mapped[Plan] = relationship(back_populates="items")
    section: Mapped[Section | None] = relationship()
    # The milestones in force; retired ones stay in `all_milestones` with their history.
    milestones: Mapped[list[Milestone]] = relationship(
        primaryjoin="and_(Milestone.item_id == Item.id, Milestone.retired_at.is_(None))",
        order_by="Milestone.position", viewonly=True)
    all_milestones: Mapped[list[Milestone]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="Milestone.position")
    assignments: Mapped[list[ItemRole]] = relationship(
        back_populates="item", cascade="all, delete-orphan")


class ItemRole(Base):
    """Who answers for an item: the role an owner or coordinator name matched."""

    __tablename__ = "item_role"

    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), primary_key=True)
    role_id: Mapped[int] = mapped_column(ForeignKey("role.id", ondelete="CASCADE"), primary_key=True)
    # owner | coordinator
    part: Mapped[str] = mapped_column(String(20), primary_key=True)
    # The name as the plan wrote it; unmatched names keep the coordinator's role here.
    written_as: Mapped[str] = mapped_column(String(300))
    matched: Mapped[bool] = mapped_column(default=True)

    item: Mapped[Item] = relationship(back_populates="assignments")
    role: Mapped[Role] = relationship()


_DATED = ("date", "month", "quarter", "half", "year")


def milestone_keys(milestones: Iterable[tuple[str | None, str]]) -> list[str]:
    """Each (label, kind) milestone's identity within its item, the same at every re-import.

    The label (case, accents and spacing aside) or, unlabelled, the kind, then the rank among
    the item's milestones with that same label or kind: never the bare position, so a
    milestone added or dropped before it leaves it what it was. The kinds of a date (a day,
    a month, a quarter …) count as one, so "Tháng 3" becoming "Trước 15/3" is a moved date.
    """
    seen: dict[str, int] = {}
    keys = []
    for label, kind in milestones:
        if label and label.strip():
            folded = unicodedata.normalize("NFD", label.casefold().replace("đ", "d"))
            base = " ".join("".join(c for c in folded if unicodedata.category(c) != "Mn").split())
        else:
            base = "~" + ("due" if kind in _DATED else kind)
        rank = seen[base] = seen.get(base, -1) + 1
        keys.append(f"{base[:300]}#{rank}")
    return keys


class Milestone(Base):
    __tablename__ = "milestone"
    __table_args__ = (
        UniqueConstraint("item_id", "key", name="uq_milestone_item_key"),
        Index("ix_milestone_due", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    # What re-imports match on (see `milestone_keys`); `position` is only the order shown.
    key: Mapped[str] = mapped_column(String(320))
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(String(300))
    # date | month | quarter | half | year | ongoing | recurring | event | none
    kind: Mapped[str] = mapped_column(String(20))
    due: Mapped[date | None] = mapped_column(Date)
    # RFC 5545 RRULE without DTSTART, e.g. FREQ=MONTHLY;BYMONTHDAY=20
    recurrence: Mapped[str | None] = mapped_column(String(200))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The due date the plan set, kept when an extension moves `due` (on-time scoring uses it).
    original_due: Mapped[date | None] = mapped_column(Date)
    # For event milestones: the day the event happened, and the days allowed after it.
    event_on: Mapped[date | None] = mapped_column(Date)
    event_due_days: Mapped[int | None] = mapped_column(Integer)
    # Set when a re-import no longer has the milestone: no more reminders, history kept.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The date a re-imported document gives against an extension in force; the office decides.
    disputed_due: Mapped[date | None] = mapped_column(Date)
    # The day the owner asked to be reminded next (a promise or a snooze); owner reminders
    # before it wait, escalations to others do not.
    ask_on: Mapped[date | None] = mapped_column(Date)

    item: Mapped[Item] = relationship(back_populates="all_milestones")


class ImportRun(Base):
    """One import of a plan file: what it found, for the office to read back later."""

    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    source_name: Mapped[str] = mapped_column(String(500))
    added: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    removed: Mapped[int] = mapped_column(Integer)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Document dates that disagree with extensions in force, as the office was told.
    conflicts: Mapped[list[str]] = mapped_column(JSON, default=list)


class ChatLink(Base):
    """A person's chat on one service; the preferred one gets the reminders."""

    __tablename__ = "chat_link"
    __table_args__ = (UniqueConstraint("channel", "chat_id", name="uq_chat_link_channel_chat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100))
    preferred: Mapped[bool] = mapped_column(default=True)
    # Set when the service said the person can no longer be reached (blocked the bot).
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()


class Delivery(Base):
    """One message to one person; the reminders it carries point at it."""

    __tablename__ = "delivery"
    __table_args__ = (Index("ix_delivery_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str | None] = mapped_column(String(20))
    chat_id: Mapped[str | None] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    # reminder | catch_up | notice (to the office about a failed delivery) | message
    purpose: Mapped[str] = mapped_column(String(20))
    # Rows of [label, callback data]; shown where the channel has buttons.
    buttons: Mapped[list | None] = mapped_column(JSON)
    # pending | sending | retry | sent | failed
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    provider_message_id: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The incoming message that caused it (an extension request, a decision): whoever was
    # told of an answer is told when it is taken back.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="SET NULL"))

    person: Mapped[Person] = relationship()


class DeliveryAttempt(Base):
    """Written before the call to the chat service, completed after it."""

    __tablename__ = "delivery_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # sent | temporary | permanent; empty while the call is in flight (or the process died in it)
    outcome: Mapped[str | None] = mapped_column(String(20))
    error: Mapped[str | None] = mapped_column(Text)
    holder: Mapped[str] = mapped_column(String(200))


class Reminder(Base):
    """A planned reminder: the database is the schedule."""

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("milestone_id", "person_id", "kind", "scheduled_on", name="uq_reminder_key"),
        Index("ix_reminder_status_send_at", "status", "send_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestone.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # lead | due | overdue | checkin | escalation
    kind: Mapped[str] = mapped_column(String(20))
    step: Mapped[int] = mapped_column(Integer)
    scheduled_on: Mapped[date] = mapped_column(Date)
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # planned | claimed | sent | failed | cancelled
    status: Mapped[str] = mapped_column(String(20))
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("delivery.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    milestone: Mapped[Milestone] = relationship()
    person: Mapped[Person] = relationship()
    delivery: Mapped[Delivery | None] = relationship()


class TickLease(Base):
    """Only the holder of an unexpired lease runs the reminder tick for this database."""

    __tablename__ = "tick_lease"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The local day whose schedule was last refreshed; the first tick of a new day refreshes.
    refreshed_on: Mapped[date | None] = mapped_column(Date)


class Invitation(Base):
    """A one-time code that links a person to the chat it is sent from."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()


class Message(Base):
    """Every incoming chat message, stored before anything answers it.

    `update_key` (channel and the provider's ids) is unique: a message the platform delivers
    twice is applied once, and the second delivery gets `answer` again.
    """

    __tablename__ = "message"
    __table_args__ = (Index("ix_message_person_received", "person_id", "received_at"),
                      UniqueConstraint("update_key", name="uq_message_update_key"))

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(200))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(100))
    reply_to_message_id: Mapped[str | None] = mapped_column(String(100))
    callback_data: Mapped[str | None] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # What the bot understood and did: intent, item codes, changes; filled after handling.
    outcome: Mapped[dict | None] = mapped_column(JSON)
    update_key: Mapped[str | None] = mapped_column(String(250))
    # The text the bot answered with, stored in the transaction that applied the message.
    answer: Mapped[str | None] = mapped_column(Text)


class ItemReply(Base):
    """A reply that changed (or reported on) a milestone: the item's history."""

    __tablename__ = "item_reply"
    __table_args__ = (Index("ix_item_reply_milestone_at", "milestone_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestone.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="SET NULL"))
    # done | progress | not_yet | promise | snooze | extend | note | evidence | approve | decline
    # | event | reopen | undo
    intent: Mapped[str] = mapped_column(String(20))
    percent: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The day a promise or a snooze names.
    on_date: Mapped[date | None] = mapped_column(Date)
    # What the reply changed on the milestone, as it was before ({"done_at", "ask_on"}), so
    # "nhầm" can put it back exactly; and when it was taken back.
    before: Mapped[dict | None] = mapped_column(JSON)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    milestone: Mapped[Milestone] = relationship()
    person: Mapped[Person] = relationship()


class Extension(Base):
    """A request to move a due date; the chairman decides. The original date is kept."""

    __tablename__ = "extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestone.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    requested_due: Mapped[date] = mapped_column(Date)
    previous_due: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    # pending | approved | declined
    status: Mapped[str] = mapped_column(String(20))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    milestone: Mapped[Milestone] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class Evidence(Base):
    """A file or photo sent as proof of work (tài liệu kiểm chứng)."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("milestone.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(String(300))
    mime_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PendingQuestion(Base):
    """The bot asked a person to choose (numbered list) or to give a date; their next answer fits it."""

    __tablename__ = "pending_question"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    # choose_item | ask_date
    kind: Mapped[str] = mapped_column(String(20))
    # The understood reply waiting for its item, and the milestone ids offered.
    payload: Mapped[dict] = mapped_column(JSON)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Digest(Base):
    """A digest already queued for a unit and day: restarts and second processes skip it."""

    __tablename__ = "digest"
    __table_args__ = (UniqueConstraint("unit_id", "kind", "day", name="uq_digest_unit_kind_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    # weekly (to the chairman) | daily (to the plan coordinator)
    kind: Mapped[str] = mapped_column(String(20))
    day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebLink(Base):
    """A one-time sign-in link for the office's web page; only its token's hash is kept."""

    __tablename__ = "web_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSession(Base):
    """A signed-in browser: the cookie holds the token, the database its hash."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Every form carries it back; a page of another site cannot know it.
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()


class AuditEntry(Base):
    """Who changed what through the web page, when, and the values before and after."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_unit_at", "unit_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # e.g. web.link, web.sign_in, web.sign_out, extension.approve
    action: Mapped[str] = mapped_column(String(50))
    target: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
