"""Questions the bot asked and their answers: a numbered list of items, a date, a button."""

from __future__ import annotations

from dataclasses import replace

from bot import texts
from bot.channels.base import Button
from bot.replies import Understood
from bot.replies.dates import find_date
from bot.replies.normalise import fold
from bot.talk.context import Context, Target, can_act, targets_of
from bot.talk.intake import Answer
from db.models import Extension, PendingQuestion


def pending_of(ctx: Context) -> PendingQuestion | None:
    # Most messages answer no question: the row is read only when one waits.
    return ctx.session.get(PendingQuestion, ctx.who.person_id) if ctx.waiting else None


def ask_choice(ctx: Context, reply: Understood, options: list[Target]) -> Answer:
    payload = {"intent": reply.intent, "percent": reply.percent, "reason": reply.reason,
               "date": reply.date.isoformat() if reply.date else None,
               "text": reply.text, "options": [m.id for m in options]}
    set_pending(ctx, "choose_item", payload)
    several = len({m.item.plan_id for m in options}) > 1
    lines = [f"{n}. {m.item.code} {texts.short_title(m.item.title)}"
             + (texts.OF_PLAN_YEAR.format(year=m.item.plan_year) if several else "")
             for n, m in enumerate(options, 1)]
    buttons = [[Button(f"{n}. {m.item.code}", f"c:{n}")] for n, m in enumerate(options, 1)]
    return Answer(texts.WHICH_ITEM.format(options="\n".join(lines)), buttons)


def set_pending(ctx: Context, kind: str, payload: dict) -> None:
    pending = pending_of(ctx)
    ctx.waiting = True
    if pending is None:
        ctx.session.add(PendingQuestion(person_id=ctx.who.person_id, kind=kind, payload=payload,
                                        asked_at=ctx.now))
    else:
        pending.kind, pending.payload, pending.asked_at = kind, payload, ctx.now


def answer_pending(ctx: Context, pending: PendingQuestion, reply: Understood) -> Answer | None:
    """The answer to the question that waits, or None when the message is about something else
    (the question is then dropped and the message read on its own)."""
    from bot.talk.evidence import attach
    from bot.talk.replies import apply

    payload = pending.payload
    if pending.kind == "choose_item" and reply.intent == "choice":
        options = payload["options"]
        if not 1 <= (reply.choice or 0) <= len(options):
            return Answer(texts.BAD_CHOICE.format(count=len(options)))
        ctx.session.delete(pending)
        found = targets_of(ctx, [options[reply.choice - 1]])
        if not found:
            return Answer(texts.NOT_UNDERSTOOD)
        milestone = found[0]
        if payload["intent"] == "evidence":
            return attach(ctx, milestone, payload["evidence"])
        stored = Understood(payload["intent"], percent=payload["percent"],
                            reason=payload["reason"], text=payload["text"],
                            date=_iso(payload.get("date") or payload.get("new_due")))
        return apply(ctx, stored, [milestone], chosen=False)
    if pending.kind == "ask_date":
        found = targets_of(ctx, [payload["milestone"]])
        new_due = reply.date or date_only(ctx, reply.text)
        ctx.session.delete(pending)
        if new_due is None or not found:
            return None
        milestone = found[0]
        return apply(ctx, replace(reply, intent="extend", date=new_due), [milestone],
                     chosen=False)
    ctx.session.delete(pending)
    return None


def _iso(value: str | None):
    from datetime import date

    return date.fromisoformat(value) if value else None


def date_only(ctx: Context, text: str):
    """The day a bare answer to "đến ngày nào?" names ("15/3", "thứ 6 tuần sau"), or None."""
    found = find_date(fold(text).key, ctx.today, ctx.plan_year)
    return found.value if found is not None else None


def button(ctx: Context, data: str) -> Answer:
    from bot.talk.extensions import decide
    from bot.talk.replies import apply

    kind, _, value = data.partition(":")
    if not value.isdigit():
        return Answer(texts.NOT_UNDERSTOOD)
    number = int(value)
    if kind == "c":
        pending = pending_of(ctx)
        if pending is None:
            return Answer(texts.NOTHING_PENDING)
        return answer_pending(ctx, pending, Understood("choice", choice=number, text=value)) or (
            Answer(texts.NOT_UNDERSTOOD))
    if kind in ("a", "r"):
        extension = ctx.session.get(Extension, number)
        if extension is None:
            return Answer(texts.NOT_UNDERSTOOD)
        return decide(ctx, extension, kind == "a")
    found = targets_of(ctx, [number])
    if not found:
        return Answer(texts.NOT_UNDERSTOOD)
    milestone = found[0]
    if not can_act(ctx, milestone.item):
        return Answer(texts.NOT_YOURS.format(code=milestone.item.code))
    if milestone.done_at is not None:
        return Answer(texts.ALREADY_DONE.format(code=milestone.item.code))
    if kind == "d":
        return apply(ctx, Understood("done", text="xong"), [milestone], chosen=False)
    if kind == "p":
        return apply(ctx, Understood("progress", text="đang làm"), [milestone], chosen=False)
    if kind == "e":
        set_pending(ctx, "ask_date", {"milestone": milestone.id})
        return Answer(texts.ASK_DATE.format(code=milestone.item.code))
    return Answer(texts.NOT_UNDERSTOOD)
