"""Store a parsed plan. Re-imports update items by code and keep everything recorded on them.

Milestones are matched by their key (`db.models.milestone_keys`), so a reply, a done mark, a
file or an extension stays with the milestone it was given for. A milestone the document no
longer has is retired, never deleted, and returns with its history if the document brings it
back. A date the document changes under an extension in force is not applied: it is reported
as a conflict and kept on the milestone (`disputed_due`) until the office resolves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from dateutil.rrule import rrulestr
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.config import UnitConfig
from bot.people import ensure_unit, role_book
from bot.plan import deadlines
from bot.plan.errors import PlanError
from bot.plan.interpret import ParsedItem, ParsedPlan
from bot.plan.roles import Assignment, assign_roles
from db.models import (
    Extension, ImportRun, Item, ItemRole, Milestone, Plan, Role, Section, milestone_keys,
)

_COMPARED = ("title", "owners", "coordinators", "deadline_text", "product", "budget",
             "section", "objective", "task")


@dataclass(frozen=True, slots=True)
class Conflict:
    """The document gives `document_due` where a decision in the bot set `due`."""

    code: str
    label: str | None
    plan_due: date | None
    document_due: date | None
    due: date | None
    pending: bool


@dataclass(slots=True)
class ImportResult:
    plan_id: int | None
    added: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


def _item_values(item: ParsedItem) -> dict[str, object]:
    return {
        "title": item.title, "owners": item.owners, "coordinators": item.coordinators,
        "deadline_text": item.deadline_text, "product": item.product or None,
        "budget": item.budget or None, "section": item.section_key, "objective": item.objective,
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
    unit = ensure_unit(session, unit_config)
    assignments = assign_roles(parsed, role_book(session, unit))
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
    for code in parsed.sections:
        sections[code].parent = sections.get(parsed.section_parents.get(code))

    result = ImportResult(plan_id=None)
    existing = {item.code: item for item in plan.items}
    decisions = _decisions(session, plan.id) if plan.id is not None else {}
    seen: set[str] = set()
    for position, parsed_item in enumerate(parsed.items):
        seen.add(parsed_item.code)
        item = existing.get(parsed_item.code)
        if item is None:
            item = Item(plan=plan, code=parsed_item.code, created_at=now, updated_at=now,
                        position=position, title=parsed_item.title)
            session.add(item)
            result.added.append(parsed_item.code)
            before = None
        else:
            before, after = _stored_values(item), _item_values(parsed_item)
            changed = [name for name in _COMPARED if before[name] != after[name]]
            if item.removed_at is not None:
                changed.append("removed")
        roles_before = {(a.role.name, a.part, a.written_as, a.matched) for a in item.assignments}
        _fill(item, parsed_item, sections, position)
        _assign(item, assignments[parsed_item.code], roles)
        milestones_changed, conflicts = _set_milestones(item, parsed_item, parsed.year, now,
                                                        decisions)
        result.conflicts += conflicts
        if before is None:
            continue
        if roles_before != {(a.role.name, a.part, a.written_as, a.matched) for a in item.assignments}:
            changed.append("roles")
        if milestones_changed and "deadline_text" not in changed:
            changed.append("milestones")
        if changed:
            result.changed[item.code] = changed
            item.updated_at = now
        else:
            result.unchanged.append(item.code)
    for code, item in existing.items():
        if code not in seen and item.removed_at is None:
            item.removed_at = now
            result.removed.append(code)
    session.flush()
    session.add(ImportRun(
        plan_id=plan.id, at=now, source_name=parsed.source, added=len(result.added),
        updated=len(result.changed), removed=len(result.removed),
        warnings=[texts.warning_text(w.code, w.line, w.item, w.params) for w in parsed.warnings],
        conflicts=[conflict_text(plan.id, c) for c in result.conflicts]))
    result.plan_id = plan.id
    return result


def conflict_text(plan_id: int, conflict: Conflict, web: bool = False) -> str:
    """The conflict for the office: with the `plan resolve` command, or (`web`) for the page."""
    return texts.import_conflict(plan_id, conflict.code, conflict.label, conflict.plan_due,
                                 conflict.document_due, conflict.due, conflict.pending, web)


def _decisions(session: Session, plan_id: int) -> dict[int, set[str]]:
    """Milestone -> the statuses of its extensions that count (approved, pending)."""
    found: dict[int, set[str]] = {}
    for milestone_id, status in session.execute(
            select(Extension.milestone_id, Extension.status)
            .join(Milestone, Milestone.id == Extension.milestone_id)
            .join(Item, Item.id == Milestone.item_id)
            .where(Item.plan_id == plan_id, Extension.status.in_(("approved", "pending")))):
        found.setdefault(milestone_id, set()).add(status)
    return found


def _fill(item: Item, parsed: ParsedItem, sections: dict[str, Section], position: int) -> None:
    item.position = position
    item.section = sections.get(parsed.section_key) if parsed.section else None
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


def _set_milestones(item: Item, parsed: ParsedItem, year: int, now: datetime,
                    decisions: dict[int, set[str]]) -> tuple[bool, list[Conflict]]:
    """Bring the item's milestones in line with the document; True when anything changed."""
    wanted = expand_recurring(parsed.milestones, year)
    stored = {row.key: row for row in item.all_milestones}
    changed = False
    conflicts = []
    for position, (key, milestone) in enumerate(
            zip(milestone_keys((m.label, m.kind) for m in wanted), wanted)):
        row = stored.pop(key, None)
        if row is None:
            row = Milestone(key=key, position=position, due=milestone.due)
            item.all_milestones.append(row)
            changed = True
        elif row.retired_at is not None:
            row.retired_at = None
            changed = True
        fields = (milestone.label, milestone.kind, milestone.recurrence)
        if row.id is not None and (row.label, row.kind, row.recurrence) != fields:
            changed = True
        row.label, row.kind, row.recurrence = fields
        row.position = position
        if row.id is None:
            continue
        statuses = decisions.get(row.id, set())
        approved = "approved" in statuses
        # An approved extension is in force while it holds `due` away from the plan's date.
        in_force = "pending" in statuses or (approved and row.original_due != row.due)
        if not in_force:
            if row.due != milestone.due:
                row.due = milestone.due
                changed = True
            if row.original_due is not None:
                row.original_due = row.due
            row.disputed_due = None
            continue
        plan_due = row.original_due if approved else row.due
        agrees = milestone.due == plan_due or (approved and milestone.due == row.due)
        row.disputed_due = None if agrees else milestone.due
        if not agrees:
            conflicts.append(Conflict(item.code, row.label, plan_due, milestone.due, row.due,
                                      not approved))
    for row in stored.values():
        if row.retired_at is None:
            row.retired_at = now
            changed = True
    return changed, conflicts


def resolve_conflict(session: Session, plan_id: int, code: str, use: str) -> list[Milestone]:
    """The office's answer to a conflict: the document's date (`document`) or the bot's (`decision`).

    `document` makes the document's date the due date and the plan's date. `decision` keeps the
    extended due date and takes the document's date as the plan's own (on-time scoring uses it);
    it needs an approved extension. Returns the milestones resolved; raises PlanError if none.
    """
    rows = session.scalars(
        select(Milestone).join(Item)
        .where(Item.plan_id == plan_id, Item.code == code, Item.removed_at.is_(None),
               Milestone.retired_at.is_(None), Milestone.disputed_due.is_not(None))).all()
    if not rows:
        raise PlanError("no_conflict", item=code, plan=plan_id)
    approved = _decisions(session, plan_id)
    for row in rows:
        if use == "decision":
            if "approved" not in approved.get(row.id, set()):
                raise PlanError("nothing_approved", item=code)
            row.original_due = row.disputed_due
        else:
            if row.original_due is not None:
                row.original_due = row.disputed_due
            row.due = row.disputed_due
        row.disputed_due = None
    session.flush()
    return list(rows)


def set_item_deadline(session: Session, item: Item, text: str, now: datetime) -> list[Conflict]:
    """The office typed a new deadline for one item: its milestones follow it as a re-import
    with that cell would (matched by key; extensions in force kept and returned as conflicts).

    Raises deadlines.DeadlineError for an impossible date; the caller shows the message.
    """
    parsed = ParsedItem(code=item.code, title=item.title, line=0, deadline_text=text,
                        milestones=deadlines.parse_deadline(text, item.plan.year))
    _changed, conflicts = _set_milestones(item, parsed, item.plan.year, now,
                                          _decisions(session, item.plan_id))
    item.deadline_text = text
    item.updated_at = now
    session.flush()
    return conflicts
