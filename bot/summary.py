"""/tongket: the plan's progress in one phone screen, and its drill-downs."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import texts
from bot.config import Config
from bot.people import item_holders, on_day, roles_of
from bot.periods import Period, done_within, overdue_within, report_period
from bot.plan.interpret import fold
from bot.status import ItemView, current_plans_of, load_items
from db.models import (
    Delivery, Evidence, Extension, Item, ItemReply, ItemRole, Milestone, Person, Plan,
    Reminder, Role, Section, Unit,
)
from jobs.rules import KINDS
from jobs.schedule import calendar_of

# A section as written ("II") or with its upper heading ("B.II").
ROMAN = re.compile(r"^(?:[A-HJ-UWYZ]\.)?(?=[IVXL])L?X{0,3}(?:IX|IV|V?I{0,3})$")
CODE = re.compile(r"^(?:(?:[A-HJ-UWYZ]\.)?[IVXL]+\.)?\d{1,2}(?:\.\d{1,3})*$")
YEAR = re.compile(r"^(?:năm\s+)?(20\d\d)$", re.I)
PLAN_NUMBER = re.compile(r"^(?:kế hoạch|kh|số)?\s*(?:số\s*)?#?(\d{1,6})$", re.I)
SOON_DAYS = 14


def summary_text(session: Session, unit_id: int, plan_ids: list[int], today: date, config: Config,
                 args: str = "") -> str:
    """/tongket over the given plans; `args` narrows it to a year, a plan's number, a section,
    an item or a holder."""
    if not plan_ids:
        return texts.SUMMARY_NO_PLAN
    target = args.strip()
    narrowed = _narrow(session, plan_ids, target)
    if narrowed is not None:
        plan_ids, title = narrowed
        views = load_items(session, plan_ids, today, config.reminders.zone)
        return _overview(session, unit_id, plan_ids, views, today, config, title)
    period = None
    if target:
        plan_year = session.scalar(select(func.max(Plan.year)).where(Plan.id.in_(plan_ids)))
        period = report_period(target, plan_year or today.year, today, config.reports)
    if period is not None:
        views = load_items(session, plan_ids, period.end, config.reminders.zone)
        title = texts.SUMMARY_PERIOD_TITLE.format(period=period.name,
                                                  start=texts.show_date(period.start))
        return _overview(session, unit_id, plan_ids, views, period.end, config, title, period)
    views = load_items(session, plan_ids, today, config.reminders.zone)
    if not target:
        return _overview(session, unit_id, plan_ids, views, today, config, texts.SUMMARY_TITLE)
    if ROMAN.match(target.upper()):
        code = target.upper()
        titles = dict(session.execute(select(Section.code, Section.title)
                                      .where(Section.plan_id.in_(plan_ids))).all())
        # "II" alone, in a plan with A/II and B/II, is every section numbered II.
        wanted = [code] if code in titles else [c for c in titles if c.endswith(f".{code}")]
        chosen = [v for v in views if v.section in wanted]
        title = "; ".join(dict.fromkeys(titles[c] for c in wanted))
        if not chosen:
            return texts.SUMMARY_NOTHING_FOR.format(what=target)
        return _overview(session, unit_id, plan_ids, chosen, today, config,
                         texts.SUMMARY_SECTION_TITLE.format(code=code, title=title))
    if CODE.match(target):
        return _item_history(session, plan_ids, target, views, today, config)
    chosen, who = _by_holder(session, unit_id, views, target, on_day(today, config.reminders))
    if not chosen:
        return texts.SUMMARY_NOTHING_FOR.format(what=target)
    return _overview(session, unit_id, plan_ids, chosen, today, config,
                     texts.SUMMARY_HOLDER_TITLE.format(who=who))


def _narrow(session: Session, plan_ids: list[int], target: str) -> tuple[list[int], str] | None:
    """A year ("2023") or a plan's number ("5", "số 5") among the plans; None if it is neither.

    An item code that is also a plan number ("5") means the item when such an item exists.
    """
    plans = session.execute(select(Plan.id, Plan.year).where(Plan.id.in_(plan_ids))).all()
    year = YEAR.match(target)
    if year and any(y == int(year.group(1)) for _, y in plans):
        wanted = int(year.group(1))
        return ([i for i, y in plans if y == wanted],
                texts.SUMMARY_YEAR_TITLE.format(year=wanted))
    number = PLAN_NUMBER.match(target)
    if number and not (CODE.match(target) and session.scalar(select(Item.id).where(
            Item.plan_id.in_(plan_ids), Item.code == target, Item.removed_at.is_(None)).limit(1))):
        wanted = int(number.group(1))
        for plan_id, plan_year in plans:
            if plan_id == wanted:
                return [plan_id], texts.SUMMARY_PLAN_TITLE.format(id=plan_id, year=plan_year)
    return None


def _overview(session: Session, unit_id: int, plan_ids: list[int], views: list[ItemView],
              today: date, config: Config, title: str, period: Period | None = None) -> str:
    calendar = calendar_of(config.reminders)
    counts = Counter(v.state for v in views)
    holders = item_holders(session, [v.id for v in views], on_day(today, config.reminders))
    lines = [title.format(day=texts.show_date(today)),
             texts.SUMMARY_COUNTS.format(total=len(views), counts=texts.state_counts(counts))]
    per_plan = Counter(v.plan_id for v in views)
    if len(per_plan) > 1:
        lines.append(texts.SUMMARY_PLANS.format(count=len(per_plan)))
        for plan_id, year, plan_title in session.execute(
                select(Plan.id, Plan.year, Plan.title).where(Plan.id.in_(list(per_plan)))
                .order_by(Plan.year, Plan.id)):
            lines.append(texts.SUMMARY_PLAN_LINE.format(id=plan_id, year=year, title=plan_title,
                                                        total=per_plan[plan_id]))
    if period is not None:
        done = done_within(views, period)
        lines.append(texts.SUMMARY_IN_PERIOD.format(
            done=len(done), late=sum(1 for v in done if v.state == "done_late"),
            overdue=len(overdue_within(views, period))))
    sections = {}
    for view in views:
        sections.setdefault(view.section or "—", Counter())[view.state] += 1
    if len(sections) > 1:
        lines.append("")
        lines.append(texts.SUMMARY_BY_SECTION)
        for code, section_counts in sections.items():
            lines.append(texts.section_line(code, section_counts))
    overdue = []
    for view in views:
        for m in view.milestones:
            if m.state == "overdue":
                overdue.append((m.due, view, m, calendar.working_days_between(m.due, today)))
    overdue.sort(key=lambda entry: (entry[0], entry[1].position))
    if overdue:
        lines += ["", texts.SUMMARY_OVERDUE.format(count=len(overdue))]
        for due, view, m, late in overdue:
            lines.append(texts.overdue_line(view.code, view.title, m.label, due, late,
                                            holders.get(view.id, view.owners)))
    if period is not None:
        return "\n".join(lines)  # a period's summary: what stood at its end, nothing to come
    soon = sorted(((m.due, view, m) for view in views for m in view.milestones
                   if m.state in ("not_started", "in_progress") and m.due
                   and m.due <= today + timedelta(days=SOON_DAYS)), key=lambda e: (e[0], e[1].position))
    if soon:
        lines += ["", texts.SUMMARY_SOON.format(days=SOON_DAYS)]
        for due, view, m in soon:
            lines.append(texts.soon_line(view.code, view.title, m.label, due, (due - today).days,
                                         holders.get(view.id, view.owners)))
    quiet = _ongoing_without_checkin(session, views, today, config)
    if quiet:
        lines += ["", texts.SUMMARY_QUIET.format(count=len(quiet))]
        lines.append(", ".join(v.code for v in quiet))
    pending = session.execute(
        select(Extension, Item.code).select_from(Extension)
        .join(Milestone, Extension.milestone_id == Milestone.id)
        .join(Item, Milestone.item_id == Item.id)
        .where(Item.plan_id.in_(plan_ids), Extension.status == "pending",
               Item.id.in_([v.id for v in views]))
        .order_by(Extension.requested_at)).all()
    if pending:
        lines += ["", texts.SUMMARY_EXTENSIONS.format(count=len(pending))]
        for extension, code in pending:
            lines.append(texts.extension_line(code, extension.person.name, extension.previous_due,
                                              extension.requested_due, extension.reason))
    return "\n".join(lines)


def _ongoing_without_checkin(session: Session, views: list[ItemView], today: date,
                             config: Config) -> list[ItemView]:
    month_start = today.replace(day=1)
    ongoing = {m.id: view for view in views for m in view.milestones if m.kind == "ongoing"}
    if not ongoing:
        return []
    zone = config.reminders.zone
    answered = {milestone_id for milestone_id, at in session.execute(
        select(ItemReply.milestone_id, ItemReply.at).where(ItemReply.milestone_id.in_(ongoing)))
        if at.astimezone(zone).date() >= month_start}
    seen: dict[int, ItemView] = {}
    for milestone_id, view in ongoing.items():
        if milestone_id not in answered:
            seen.setdefault(view.id, view)
    return list(seen.values())


def _by_holder(session: Session, unit_id: int, views: list[ItemView], target: str,
               at: datetime) -> tuple[list[ItemView], str]:
    wanted = fold(target)
    roles = session.scalars(select(Role).where(Role.unit_id == unit_id)).all()
    role_ids = [r.id for r in roles if wanted in fold(r.name) or any(wanted in fold(a) for a in r.aliases)]
    who = next((r.name for r in roles if r.id in role_ids), target)
    if not role_ids:
        people = session.scalars(select(Person).where(Person.unit_id == unit_id)).all()
        chosen = [p for p in people if wanted in fold(p.name)]
        if not chosen:
            return [], target
        role_ids = [r.id for p in chosen for r in roles_of(session, p.id, at)]
        who = ", ".join(p.name for p in chosen)
    item_ids = set(session.scalars(select(ItemRole.item_id).where(
        ItemRole.role_id.in_(role_ids), ItemRole.part == "owner")))
    return [v for v in views if v.id in item_ids], who


def _item_history(session: Session, plan_ids: list[int], code: str, views: list[ItemView],
                  today: date, config: Config) -> str:
    # The same code may be in two current plans (3.1 of 2023 and of 2024): each is shown.
    found = [_one_history(session, view, today, config) for view in views if view.code == code]
    return "\n\n".join(found) if found else texts.NO_SUCH_ITEM.format(code=code)


def _one_history(session: Session, view: ItemView, today: date, config: Config) -> str:
    item = session.get(Item, view.id)
    zone = config.reminders.zone
    lines = [texts.item_heading(view.code, view.title, view.state),
             texts.ITEM_OWNERS.format(owners="; ".join(item.owners) or "—",
                                      coordinators="; ".join(item.coordinators) or "—"),
             texts.ITEM_DEADLINE.format(text=item.deadline_text or "—")]
    for m in view.milestones:
        lines.append(texts.milestone_status_line(m))
    # One line per message sent, even when it carried several reminders of this item.
    messages: dict[int, tuple] = {}
    for delivery_id, sent_at, purpose, kind, person in session.execute(
            select(Delivery.id, Delivery.sent_at, Delivery.purpose, Reminder.kind, Person.name)
            .join(Reminder, Reminder.delivery_id == Delivery.id)
            .join(Person, Person.id == Reminder.person_id)
            .join(Milestone, Milestone.id == Reminder.milestone_id)
            .where(Milestone.item_id == item.id, Reminder.status == "sent")):
        known = messages.get(delivery_id)
        if known is None or KINDS.index(kind) < KINDS.index(known[2]):
            messages[delivery_id] = (sent_at, purpose, kind, person)
    events: list[tuple] = [
        (sent_at, texts.history_reminder("catch_up" if purpose == "catch_up" else kind, person))
        for sent_at, purpose, kind, person in messages.values()]
    for reply in session.scalars(
            select(ItemReply).join(Milestone).where(Milestone.item_id == item.id)):
        events.append((reply.at, texts.history_reply(reply.person.name, reply.intent, reply.percent,
                                                     reply.note, reply.on_date,
                                                     reply.undone_at is not None)))
    events.sort(key=lambda e: e[0])
    if events:
        lines += ["", texts.ITEM_HISTORY]
        for at, text in events[-15:]:
            lines.append(f"• {at.astimezone(zone).strftime('%d/%m %H:%M')} {text}")
    files = session.scalars(select(Evidence).join(Milestone).where(Milestone.item_id == item.id)
                            .order_by(Evidence.received_at)).all()
    if files:
        lines += ["", texts.ITEM_EVIDENCE.format(count=len(files))]
        for evidence in files:
            lines.append(texts.evidence_line(evidence.file_name, evidence.size,
                                             evidence.received_at.astimezone(zone)))
    return "\n".join(lines)


def province_text(session: Session, today: date, config: Config) -> str:
    """Every commune's current plans at once, for a province that serves them all."""
    names = dict(session.execute(select(Unit.id, Unit.name)).all())
    plan_units = {plan.id: names[plan.unit_id] for plan in current_plans_of(session)}
    if not plan_units:
        return texts.SUMMARY_NO_PLAN
    views = load_items(session, list(plan_units), today, config.reminders.zone)
    unit_of_item = dict(session.execute(
        select(Item.id, Item.plan_id).where(Item.plan_id.in_(list(plan_units)))).all())
    by_unit: dict[str, Counter] = {}
    for view in views:
        by_unit.setdefault(plan_units[unit_of_item[view.id]], Counter())[view.state] += 1
    total = Counter()
    for counts in by_unit.values():
        total.update(counts)
    lines = [texts.PROVINCE_TITLE.format(count=len(by_unit), day=texts.show_date(today)),
             texts.PROVINCE_TOTAL.format(total=sum(total.values()), counts=texts.state_counts(total)),
             "", texts.PROVINCE_BY_UNIT]
    ranked = sorted(by_unit.items(), key=lambda entry: (-entry[1].get("overdue", 0), entry[0]))
    lines += [texts.province_line(name, counts) for name, counts in ranked]
    return "\n".join(lines)
