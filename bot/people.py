"""A commune's people, roles and aliases, kept in the database: who holds a role on a day,
and the office's operations on them (the CLI and the web page both call these).

config.toml seeds a unit once, the first time the unit is needed and has no roles; after
that the database is what counts (`python3 run.py check` says where the two differ).

A holding (`PersonRole`) runs from `valid_from` (inclusive; NULL: since before the bot knew)
to `valid_to` (exclusive; NULL: open), aware UTC moments. A hand-over from a day ends the old
holder's span at the start of that day (in the commune's time) and starts the new one's, so
reminders of the role's items go to the old holder before it and to the new one from it on.
Every "who holds role R at moment T" question goes through `holders` (or the helpers built
on it); a question about a day asks at the moment that day's reminders go out, or its start.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot import texts
from bot.config import RemindersConfig, UnitConfig
from bot.plan.interpret import fold
from bot.plan.roles import RoleBook, role_key
from db.models import ItemRole, Person, PersonRole, Plan, Role, Unit

log = logging.getLogger(__name__)

MAX_NAME = 200


class PeopleError(Exception):
    """Why an operation was refused, as the Vietnamese sentence to show; nothing was changed."""

    def __init__(self, code: str, **params: object) -> None:
        self.code, self.params = code, params
        super().__init__(texts.PEOPLE_ERRORS[code].format(**params))


# ------------------------------------------------------------- who holds what

def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The moment `day` begins in the commune: where a hand-over from that day takes effect."""
    return datetime.combine(day, time(0), tzinfo=zone)


def on_day(day: date, config: RemindersConfig) -> datetime:
    """The moment a question about a whole day asks at: when that day's reminders go out."""
    return datetime.combine(day, config.send_at, tzinfo=config.zone)


def held_at(at: datetime):
    """The rule, as SQL: the holding covers the moment `at`."""
    return and_(or_(PersonRole.valid_from.is_(None), PersonRole.valid_from <= at),
                or_(PersonRole.valid_to.is_(None), PersonRole.valid_to > at))


def holders(session: Session, at: datetime, *, unit_id: int | None = None,
            role_ids: Iterable[int] | None = None, duty: str | None = None) -> dict[int, list[int]]:
    """Role id -> the ids of the people holding it at `at` (by name); roles nobody holds are absent."""
    query = (select(PersonRole.role_id, PersonRole.person_id)
             .join(Role, Role.id == PersonRole.role_id)
             .join(Person, Person.id == PersonRole.person_id)
             .where(held_at(at)).order_by(Person.name, Person.id))
    if unit_id is not None:
        query = query.where(Role.unit_id == unit_id)
    if role_ids is not None:
        query = query.where(PersonRole.role_id.in_(list(role_ids)))
    if duty is not None:
        query = query.where(Role.duty == duty)
    found: dict[int, list[int]] = defaultdict(list)
    for role_id, person_id in session.execute(query):
        if person_id not in found[role_id]:
            found[role_id].append(person_id)
    return dict(found)


def people_with_duty(session: Session, unit_id: int, duty: str, at: datetime) -> list[Person]:
    """The unit's office (duty "coordinator") or chairman ("chairman") at `at`."""
    ids = dict.fromkeys(p for people in holders(session, at, unit_id=unit_id, duty=duty).values()
                        for p in people)
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(list(ids))))}
    return [people[i] for i in ids]


def roles_of(session: Session, person_id: int, at: datetime) -> list[Role]:
    """The roles `person_id` holds at `at`."""
    role_ids = list(session.scalars(select(PersonRole.role_id).where(
        PersonRole.person_id == person_id, held_at(at))))
    return list(session.scalars(select(Role).where(Role.id.in_(role_ids)).order_by(Role.name)))


def holder_names(session: Session, role_ids: Iterable[int], at: datetime) -> dict[int, list[str]]:
    """Role id -> the names of its holders at `at`."""
    found = holders(session, at, role_ids=role_ids)
    ids = {p for people in found.values() for p in people}
    names = dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(list(ids)))).all())
    return {role_id: [names[p] for p in people] for role_id, people in found.items()}



def item_holders(session: Session, item_ids: list[int], at: datetime) -> dict[int, list[str]]:
    """Item -> who holds it at `at`: the people of its owner roles, or the role name if nobody does."""
    rows = session.execute(
        select(ItemRole.item_id, Role.id, Role.name).join(Role, Role.id == ItemRole.role_id)
        .where(ItemRole.item_id.in_(item_ids), ItemRole.part == "owner")
        .order_by(ItemRole.item_id)).all()
    people = holder_names(session, {role_id for _, role_id, _ in rows}, at)
    held: dict[int, set[str]] = {}
    nobody: dict[int, list[str]] = {}
    for item_id, role_id, role_name in rows:
        held.setdefault(item_id, set()).update(people.get(role_id, ()))
        if role_id not in people:
            nobody.setdefault(item_id, []).append(role_name)
    return {item_id: sorted(names) + nobody.get(item_id, []) for item_id, names in held.items()}

# --------------------------------------------------------------- the seed

def ensure_unit(session: Session, config: UnitConfig) -> Unit:
    """The unit's row; the first time (no roles yet) its roles and people come from config.toml."""
    unit = session.scalar(select(Unit).where(Unit.name == config.name))
    if unit is None:
        unit = Unit(name=config.name)
        session.add(unit)
        session.flush()
    if session.scalar(select(Role.id).where(Role.unit_id == unit.id).limit(1)) is not None:
        return unit
    people = {p.name: p for p in session.scalars(select(Person).where(Person.unit_id == unit.id))}
    for role_config in config.roles:
        role = Role(unit=unit, name=role_config.name, aliases=list(role_config.aliases),
                    duty=_duty(config, role_config.name))
        session.add(role)
        for name in role_config.people:
            person = people.get(name)
            if person is None:
                person = people[name] = Person(unit=unit, name=name)
                session.add(person)
            session.add(PersonRole(person=person, role=role))
    for person in people.values():
        person.is_admin = person.name in config.admins
    session.flush()
    log.info("unit %s seeded from config: %d roles, %d people", unit.name, len(config.roles),
             len(people))
    return unit


def role_book(session: Session, unit: Unit) -> RoleBook:
    """The unit's roles as the importer matches plan names to them."""
    roles = list(session.scalars(select(Role).where(Role.unit_id == unit.id).order_by(Role.id)))
    coordinator = next((r for r in roles if r.duty == "coordinator"), roles[0] if roles else None)
    return RoleBook.of(roles, coordinator.name if coordinator else "")


def _duty(config: UnitConfig, role_name: str) -> str:
    return ("chairman" if role_name == config.chairman_role
            else "coordinator" if role_name == config.coordinator_role else "official")


def config_differences(session: Session, config: UnitConfig, at: datetime) -> list[str] | None:
    """Where config.toml and the database disagree about the unit's people and roles (as
    lines to show); None when the unit has not been seeded yet."""
    unit = session.scalar(select(Unit).where(Unit.name == config.name))
    roles = list(session.scalars(select(Role).where(Role.unit_id == unit.id))) if unit else []
    if not roles:
        return None
    lines: list[str] = []

    def note(key: str, names: Iterable[str], **params: str) -> None:
        names = sorted(names)
        if names:
            lines.append(texts.CHECK_DIFF[key].format(names=", ".join(names), **params))

    wanted_people = {p for r in config.roles for p in r.people} | set(config.admins)
    active = set(session.scalars(select(Person.name).where(Person.unit_id == unit.id,
                                                           Person.retired_at.is_(None))))
    note("person_config", wanted_people - active)
    note("person_db", active - wanted_people)
    stored = {r.name: r for r in roles}
    note("role_config", {r.name for r in config.roles} - set(stored))
    note("role_db", set(stored) - {r.name for r in config.roles})
    held = holder_names(session, [r.id for r in roles], at)
    for role_config in config.roles:
        role = stored.get(role_config.name)
        if role is None:
            continue
        note("alias_config", set(role_config.aliases) - set(role.aliases), role=role.name)
        note("alias_db", set(role.aliases) - set(role_config.aliases), role=role.name)
        in_db = sorted(held.get(role.id, []))
        if sorted(role_config.people) != in_db:
            lines.append(texts.CHECK_DIFF["holders"].format(
                role=role.name, config=", ".join(sorted(role_config.people)) or texts.PEOPLE_NOBODY,
                db=", ".join(in_db) or texts.PEOPLE_NOBODY))
    return lines


# ------------------------------------------------------------ finding by name

def clean_name(text: str) -> str:
    """A name as stored: NFC (a name typed on a phone may come decomposed), single spaces."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def find_person(session: Session, unit: Unit, typed: str, *, partial: bool = False) -> Person:
    """The unit's person named `typed`: exactly, else without diacritics if that names only
    one (or, `partial`, a unique part of a name). PeopleError names who there is."""
    wanted = clean_name(typed)
    people = list(session.scalars(select(Person).where(Person.unit_id == unit.id)
                                  .order_by(Person.retired_at.is_not(None), Person.name)))
    exact = [p for p in people if p.name.casefold() == wanted.casefold()]
    if exact:
        return exact[0]
    folded = [p for p in people if fold(p.name) == fold(wanted)] if wanted else []
    if not folded and partial and wanted:
        folded = [p for p in people if fold(wanted) in fold(p.name)]
    if len(folded) == 1:
        return folded[0]
    names = ", ".join(p.name for p in (folded or [p for p in people if p.retired_at is None]))
    raise PeopleError("ambiguous_person" if folded else "unknown_person", typed=typed,
                      unit=unit.name, names=names or texts.PEOPLE_NOBODY)


def find_role(session: Session, unit: Unit, typed: str) -> Role:
    """The unit's role by its name or one of its aliases, as the importer matches them."""
    roles = list(session.scalars(select(Role).where(Role.unit_id == unit.id).order_by(Role.name)))
    key = role_key(typed)
    for role in roles:
        if key and key in {role_key(n) for n in (role.name, *role.aliases)}:
            return role
    raise PeopleError("unknown_role", typed=typed, unit=unit.name,
                      roles=", ".join(r.name for r in roles) or texts.PEOPLE_NOBODY)


def _check_name(session: Session, unit: Unit, name: str, distinct: bool,
                exclude: Person | None = None) -> str:
    name = clean_name(name)
    if not name:
        raise PeopleError("blank_name")
    if len(name) > MAX_NAME:
        raise PeopleError("long_name")
    for other in session.scalars(select(Person).where(Person.unit_id == unit.id)):
        if other is exclude:
            continue
        if other.name.casefold() == name.casefold():
            raise PeopleError("exists", name=other.name, unit=unit.name)
        # A name typed without its diacritics is that person, unless the office says otherwise.
        if fold(other.name) == fold(name) and (not distinct or fold(name) == name.casefold()):
            raise PeopleError("same_unfolded", name=other.name, typed=name, unit=unit.name)
    return name


# -------------------------------------------------------------- operations

def add_person(session: Session, unit: Unit, name: str, *, distinct: bool = False) -> Person:
    """A new person of the unit; refused when the name is (without diacritics) someone's already."""
    person = Person(unit=unit, name=_check_name(session, unit, name, distinct))
    session.add(person)
    session.flush()
    return person


def rename_person(session: Session, person: Person, new_name: str, *, distinct: bool = False) -> str:
    """Returns the old name."""
    name = _check_name(session, person.unit, new_name, distinct, exclude=person)
    if name == person.name:
        raise PeopleError("same_name")
    old, person.name = person.name, name
    session.flush()
    return old


def _not_retired(person: Person) -> None:
    if person.retired_at is not None:
        raise PeopleError("retired", name=person.name)


def _from_today(day: date, now: datetime, zone: ZoneInfo) -> datetime:
    # A span that starts in the past would rewrite who was reminded of what.
    today = now.astimezone(zone).date()
    if day < today:
        raise PeopleError("past_day", day=texts.show_date(day), today=texts.show_date(today))
    return day_start(day, zone)


def _spans(session: Session, person: Person, role: Role | None, at: datetime) -> list[PersonRole]:
    """The person's holdings (of `role`, or of any role) that cover `at` or start after it."""
    query = select(PersonRole).where(PersonRole.person_id == person.id,
                                     or_(PersonRole.valid_to.is_(None), PersonRole.valid_to > at))
    if role is not None:
        query = query.where(PersonRole.role_id == role.id)
    return list(session.scalars(query))


def _end(session: Session, spans: list[PersonRole], at: datetime) -> None:
    for span in spans:
        if span.valid_from is not None and span.valid_from >= at:
            session.delete(span)  # never held: no history to keep
        else:
            span.valid_to = at
    session.flush()


def assign_role(session: Session, role: Role, person: Person, day: date, now: datetime,
                zone: ZoneInfo, *, replace: Person | None = None) -> None:
    """`person` holds `role` from `day`; with `replace`, that holder hands it over the same day."""
    _not_retired(person)
    start = _from_today(day, now, zone)
    if replace is not None and replace.id == person.id:
        raise PeopleError("same_person")
    if _spans(session, person, role, start):
        raise PeopleError("holds_already", name=person.name, role=role.name)
    if replace is not None:
        spans = [s for s in _spans(session, replace, role, start)
                 if s.valid_from is None or s.valid_from <= start]
        if not spans:
            raise PeopleError("not_holder", name=replace.name, role=role.name)
        _end(session, spans, start)
    session.add(PersonRole(person_id=person.id, role_id=role.id, valid_from=start))
    session.flush()


def take_role(session: Session, role: Role, person: Person, day: date, now: datetime,
              zone: ZoneInfo) -> None:
    """`person` no longer holds `role` from `day` on (the days before stay theirs)."""
    start = _from_today(day, now, zone)
    spans = _spans(session, person, role, start)
    if not spans:
        raise PeopleError("does_not_hold", name=person.name, role=role.name, day=texts.show_date(day))
    _end(session, spans, start)


def retire_person(session: Session, person: Person, now: datetime) -> list[Role]:
    """The person leaves now: kept with their history, holding nothing, reminded of nothing.
    Returns the roles that now have nobody: the office must hand them over."""
    if person.retired_at is not None:
        raise PeopleError("already_retired", name=person.name)
    spans = _spans(session, person, None, now)
    role_ids = {s.role_id for s in spans}
    _end(session, spans, now)
    person.retired_at = now
    session.flush()
    held = holders(session, now, role_ids=role_ids)
    return list(session.scalars(select(Role).where(Role.id.in_(role_ids - set(held)))
                                .order_by(Role.name)))


def add_role(session: Session, unit: Unit, name: str) -> Role:
    name = clean_name(name)
    if not name:
        raise PeopleError("blank_role")
    _alias_free(session, unit, name, "role_exists")
    role = Role(unit=unit, name=name, aliases=[], duty="official")
    session.add(role)
    session.flush()
    return role


def _alias_free(session: Session, unit: Unit, name: str, code: str) -> None:
    """No two roles answer to the same name: the importer could not tell them apart."""
    key = role_key(name)
    for role in session.scalars(select(Role).where(Role.unit_id == unit.id)):
        if key in {role_key(n) for n in (role.name, *role.aliases)}:
            raise PeopleError(code, alias=name, role=role.name, unit=unit.name)


def add_alias(session: Session, role: Role, alias: str) -> str:
    alias = clean_name(alias)
    if not alias:
        raise PeopleError("blank_alias")
    _alias_free(session, role.unit, alias, "alias_taken")
    role.aliases = [*role.aliases, alias]
    session.flush()
    return alias


def remove_alias(session: Session, role: Role, alias: str) -> str:
    key = role_key(alias)
    if key == role_key(role.name):
        raise PeopleError("alias_is_name", alias=alias, role=role.name)
    kept = [a for a in role.aliases if role_key(a) != key]
    if len(kept) == len(role.aliases):
        raise PeopleError("alias_missing", alias=alias, role=role.name)
    removed = next(a for a in role.aliases if role_key(a) == key)
    role.aliases = kept
    session.flush()
    return removed


def reschedule(session: Session, unit_id: int, now: datetime, config: RemindersConfig) -> None:
    """Holders changed: the unit's planned reminders follow at once."""
    # Imported here: jobs.schedule asks `holders` (this module) who gets each reminder.
    from jobs.schedule import refresh_schedule

    plan_ids = list(session.scalars(select(Plan.id).where(Plan.unit_id == unit_id,
                                                          Plan.closed_at.is_(None))))
    if plan_ids:
        refresh_schedule(session, now, config, plan_ids)
