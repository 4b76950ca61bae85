"""Which reminders a milestone calls for, and on which days. Pure: no database, no clock.

Every function takes the facts and the day range it should look at; the engine
and the `schedule` preview both call `plan_milestone`, so what the preview shows
is what the bot sends.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from jobs.calendar import WorkCalendar

# Kinds of reminder, most urgent first: the order messages list them in.
KINDS = ("escalation", "overdue", "due", "lead", "asked", "checkin")
# Who a reminder goes to; the engine turns these into people.
AUDIENCES = ("owners", "coordinators", "plan_coordinator", "chairman")
DATED_KINDS = ("date", "month", "quarter", "half", "year", "recurring")


@dataclass(frozen=True, slots=True)
class EscalationStep:
    after_working_days: int
    audiences: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Policy:
    lead_days: tuple[int, ...] = (7, 3, 1)
    remind_on_due_day: bool = True
    overdue_every_working_days: int = 2
    escalation: tuple[EscalationStep, ...] = (
        EscalationStep(1, ("owners", "coordinators")),
        EscalationStep(3, ("plan_coordinator",)),
        EscalationStep(5, ("chairman",)),
    )
    checkin_day_of_month: int = 25
    event_due_days: int = 15


@dataclass(frozen=True, slots=True)
class MilestoneFacts:
    milestone_id: int
    kind: str
    due: date | None
    done_on: date | None = None
    event_on: date | None = None
    event_due_days: int | None = None
    # The day the owner asked to hear from the bot again (a promise, a snooze).
    ask_on: date | None = None


@dataclass(frozen=True, slots=True)
class Planned:
    milestone_id: int
    kind: str  # one of KINDS
    day: date
    audience: str  # one of AUDIENCES
    step: int  # days ahead for lead, working days late for overdue/escalation, month for check-in
    due: date | None


def effective_due(facts: MilestoneFacts, policy: Policy) -> date | None:
    """The day a milestone must be done by; event milestones only once the event happened."""
    if facts.kind in DATED_KINDS:
        return facts.due
    if facts.kind == "event" and facts.event_on is not None:
        return facts.event_on + timedelta(days=facts.event_due_days or policy.event_due_days)
    return None


def plan_milestone(facts: MilestoneFacts, policy: Policy, calendar: WorkCalendar,
                   start: date, end: date, plan_start: date, plan_end: date) -> list[Planned]:
    """Reminders for one milestone on days in [start, end], as if nobody answers before then."""
    if facts.kind == "ongoing":
        found = list(_checkins(facts, policy, calendar, max(start, plan_start), min(end, plan_end)))
    else:
        due = effective_due(facts, policy)
        found = [] if due is None else list(_dated(facts, due, policy, calendar, start, end))
    if facts.done_on is not None:
        return [p for p in found if p.day < facts.done_on]
    if facts.ask_on is not None:
        found = _asked(found, facts, calendar, start, end)
    return found


def _asked(found: list[Planned], facts: MilestoneFacts, calendar: WorkCalendar, start: date,
           end: date) -> list[Planned]:
    """The owner hears nothing before the day they named, then hears on it; the escalation
    ladder to others stays as it was, counted from the due date."""
    day = calendar.on_or_after(facts.ask_on)
    kept = [p for p in found if p.audience != "owners" or p.day >= day]
    if start <= day <= end and not any(p.audience == "owners" and p.day == day for p in kept):
        kept.append(Planned(facts.milestone_id, "asked", day, "owners", 0, facts.due))
    return kept


def _dated(facts: MilestoneFacts, due: date, policy: Policy, calendar: WorkCalendar,
           start: date, end: date) -> Iterator[Planned]:
    # A due date on a weekend or holiday is reminded on the working day before it.
    due_day = calendar.on_or_before(due)
    days_taken = set()
    if policy.remind_on_due_day and start <= due_day <= end:
        days_taken.add(due_day)
        yield Planned(facts.milestone_id, "due", due_day, "owners", 0, due)
    for lead in sorted(policy.lead_days):
        day = calendar.on_or_before(due - timedelta(days=lead))
        if day >= due_day or day in days_taken:
            continue  # a shorter lead time already reminds on that day
        days_taken.add(day)
        if start <= day <= end:
            yield Planned(facts.milestone_id, "lead", day, "owners", lead, due)
    if due_day > end:
        return
    steps = {step.after_working_days: step for step in policy.escalation}
    every = max(1, policy.overdue_every_working_days)
    # Overdue counts working days after the due date itself.
    late, day = 0, due
    while day < end:
        day = calendar.add_working_days(day, 1)
        late += 1
        if day > end:
            break
        if day < start:
            continue
        if (late - 1) % every == 0:
            yield Planned(facts.milestone_id, "overdue", day, "owners", late, due)
        step = steps.get(late)
        if step is not None:
            for audience in step.audiences:
                if audience != "owners":
                    yield Planned(facts.milestone_id, "escalation", day, audience, late, due)


def _checkins(facts: MilestoneFacts, policy: Policy, calendar: WorkCalendar,
              start: date, end: date) -> Iterator[Planned]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        last = monthrange(year, month)[1]
        day = calendar.on_or_before(date(year, month, min(policy.checkin_day_of_month, last)))
        if start <= day <= end:
            yield Planned(facts.milestone_id, "checkin", day, "owners", month, None)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def days_left(due: date, today: date, calendar: WorkCalendar) -> int:
    """Positive: calendar days left; negative: working days late."""
    if today <= due:
        return (due - today).days
    return -calendar.working_days_between(due, today)
