"""Store a parsed plan. Re-imports update items by code and keep everything recorded on them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from dateutil.rrule import rrulestr
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.config import UnitConfig
from bot.plan import deadlines
from bot.plan.errors import PlanError
from bot.plan.interpret import ParsedItem, ParsedPlan
from bot.plan.roles import Assignment, assign_roles
from db.models import ImportRun, Item, ItemRole, Milestone, Person, Plan, Role, Section, Unit

_COMPARED = ("title", "owners", "coordinators", "deadline_text", "product", "budget",
             "section", "objective", "task")


@dataclass(slots=True)
class ImportResult:
    plan_id: int | None
    added: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def sync_unit(session: Session, config: UnitConfig) -> Unit:
    """Make the unit's roles and people in the database match config.toml."""
    unit = session.scalar(select(Unit).where(Unit.name == config.name))
    if unit is None:
        unit = Unit(name=config.name)
        session.add(unit)
        session.flush()
    roles = {role.name: role for role in unit.roles}
    people = {person.name: person for person in unit.people}
    for role_config in config.roles:
        role = roles.get(role_config.name)
        if role is None:
            role = roles[role_config.name] = Role(unit=unit, name=role_config.name)
            session.add(role)
        role.aliases = list(role_config.aliases)
        role.duty = ("chairman" if role_config.name == config.chairman_role
                     else "coordinator" if role_config.name == config.coordinator_role
                     else "official")
        holders = []
        for name in role_config.people:
            person = people.get(name)
            if person is None:
                person = people[name] = Person(unit=unit, name=name)
                session.add(person)
            holders.append(person)
        role.people = holders
    admins = set(config.admins)
    for person in people.values():
        person.is_admin = person.name in admins
    session.flush()
    return unit


def _item_values(item: ParsedItem) -> dict[str, object]:
    return {
        "title": item.title, "owners": item.owners, "coordinators": item.coordinators,
        "deadline_text": item.deadline_text, "product": item.product or None,
        "budget": item.budget or None, "section": item.section, "objective": item.objective,
        "task": item.task,
    }


def _stored_values(item: Item) -> dict[str, object]:
    return {
        "title": item.title, "owners": item.owners, "coordinators": item.coordinators,
        "deadline_text": item.deadline_text, "product": item.product,
        "budget": item.budget_note, "section": item.section.code if item.section else None,
        "objective": item.objective_code, "task": item.task_code,
    }


def import_plan(session: Session, parsed: ParsedPlan, unit_config: UnitConfig,
                now: datetime) -> ImportResult:
    """One call, one transaction (the caller's): nothing half-written if anything fails."""
    if parsed.year is None:
        raise PlanError("no_year", path=parsed.source)
    assignments = assign_roles(parsed, unit_config)
    unit = sync_unit(session, unit_config)
    roles = {role.name: role for role in unit.roles}
    title = parsed.title or parsed.source
    plan = session.scalar(select(Plan).where(
        Plan.unit_id == unit.id, Plan.year == parsed.year, Plan.title == title))
    if plan is None:
        plan = Plan(unit=unit, title=title, year=parsed.year, source_name=parsed.source,
                    imported_at=now)
        session.add(plan)
    plan.issued_on, plan.signer, plan.signer_title = parsed.issued, parsed.signer, parsed.signer_title
    plan.source_name, plan.imported_at = parsed.source, now

    sections = {section.code: section for section in plan.sections}
    for position, (code, section_title) in enumerate(parsed.sections.items()):
        section = sections.get(code)
        if section is None:
            section = sections[code] = Section(plan=plan, code=code, title=section_title,
                                               position=position)
            session.add(section)
        section.title, section.position = section_title, position

    result = ImportResult(plan_id=None)
    existing = {item.code: item for item in plan.items}
    seen: set[str] = set()
    for position, parsed_item in enumerate(parsed.items):
        seen.add(parsed_item.code)
        item = existing.get(parsed_item.code)
        if item is None:
            item = Item(plan=plan, code=parsed_item.code, created_at=now, updated_at=now,
                        position=position, title=parsed_item.title)
            session.add(item)
            result.added.append(parsed_item.code)
        else:
            before = _stored_values(item)
            after = _item_values(parsed_item)
            changed = [name for name in _COMPARED if before[name] != after[name]]
            if item.removed_at is not None:
                changed.append("removed")
            if changed:
                result.changed[item.code] = changed
                item.updated_at = now
            else:
                result.unchanged.append(item.code)
        _fill(item, parsed_item, sections, position)
        _assign(item, assignments[parsed_item.code], roles)
        _set_milestones(session, item, parsed_item, parsed.year)
    for code, item in existing.items():
        if code not in seen and item.removed_at is None:
            item.removed_at = now
            result.removed.append(code)
    session.flush()
    session.add(ImportRun(
        plan_id=plan.id, at=now, source_name=parsed.source, added=len(result.added),
        updated=len(result.changed), removed=len(result.removed),
        warnings=[texts.warning_text(w.code, w.line, w.item, w.params) for w in parsed.warnings]))
    result.plan_id = plan.id
    return result


def _fill(item: Item, parsed: ParsedItem, sections: dict[str, Section], position: int) -> None:
    item.position = position
    item.section = sections.get(parsed.section) if parsed.section else None
    item.row_label = parsed.row
    item.objective_code, item.objective_text = parsed.objective, parsed.objective_text
    item.task_code, item.task_text = parsed.task, parsed.task_text
    item.title = parsed.title
    item.product = parsed.product or None
    item.budget_note = parsed.budget or None
    item.owners, item.coordinators = list(parsed.owners), list(parsed.coordinators)
    item.deadline_text = parsed.deadline_text
    item.removed_at = None


def _assign(item: Item, wanted: list[Assignment], roles: dict[str, Role]) -> None:
    current = {(a.role.name, a.part): a for a in item.assignments}
    keep = []
    for assignment in wanted:
        row = current.get((assignment.role, assignment.part))
        if row is None:
            row = ItemRole(role=roles[assignment.role], part=assignment.part)
        row.written_as, row.matched = assignment.written_as, assignment.matched
        keep.append(row)
    item.assignments = keep


def expand_recurring(milestones: list[deadlines.Milestone], year: int) -> list[deadlines.Milestone]:
    """A recurring deadline becomes one dated milestone per period of the plan year."""
    expanded = []
    for milestone in milestones:
        if milestone.kind != "recurring" or milestone.due is not None or not milestone.recurrence:
            expanded.append(milestone)
            continue
        start = datetime(year, 1, 1)
        rule = rrulestr(milestone.recurrence, dtstart=start)
        days = [d.date() for d in rule.between(start, datetime(year, 12, 31, 23, 59), inc=True)]
        expanded.extend(deadlines.Milestone(milestone.label, "recurring", day, milestone.recurrence)
                        for day in days)
        if not days:
            expanded.append(milestone)
    return expanded


def _set_milestones(session: Session, item: Item, parsed: ParsedItem, year: int) -> None:
    # Milestones keep their identity by position, so later records (reminders) stay attached.
    current = list(item.milestones)
    wanted = expand_recurring(parsed.milestones, year)
    for position, milestone in enumerate(wanted):
        if position < len(current):
            row = current[position]
        else:
            row = Milestone(position=position)
            item.milestones.append(row)
        row.label, row.kind, row.due, row.recurrence = (
            milestone.label, milestone.kind, milestone.due, milestone.recurrence)
    for extra in current[len(wanted):]:
        item.milestones.remove(extra)
        session.delete(extra)
