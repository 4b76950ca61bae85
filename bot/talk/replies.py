"""An official's reply about where an item stands, and taking a reply back.

done, progress, not yet, a promise, a snooze, a note: each is recorded on the milestone
with what it changed (`ItemReply.before`), so "nhầm" within 24 hours puts the milestone back
exactly as it was and tells whoever had been told. "help" shows the guide and the person's
open items and records nothing on an item.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, insert, select, update

from bot import texts
from bot.replies import Understood
from bot.talk.context import Context, Target, can_act, first_open, queue, targets
from bot.talk.intake import Answer
from db.models import Delivery, Extension, ItemReply, Milestone
from jobs.schedule import calendar_of, refresh_schedule

UNDO_HOURS = 24
# Replies "nhầm" takes back: the person's own statements about an item.
UNDOABLE = ("done", "progress", "not_yet", "promise", "snooze", "extend", "note")


def reply(ctx: Context, understood: Understood) -> Answer:
    if understood.intent == "help":
        return help_answer(ctx)
    if understood.intent == "undo":
        return undo(ctx, understood)
    if understood.intent in ("unknown", "choice", "approve", "reject"):
        if understood.codes and len(understood.codes) == 1:
            return Answer(texts.WHAT_ABOUT.format(code=understood.codes[0]))
        return Answer(texts.NOT_UNDERSTOOD)
    milestones, question = targets(ctx, understood)
    if question is not None:
        return question
    return apply(ctx, understood, milestones, chosen=not understood.codes)


def help_answer(ctx: Context) -> Answer:
    from bot.talk.commands import open_items_text

    ctx.record("help", [])
    return Answer(texts.HELP + "\n\n" + open_items_text(ctx))


def _snapshot(milestone: Target) -> dict:
    return {"done_at": milestone.done_at.isoformat() if milestone.done_at else None,
            "ask_on": milestone.ask_on.isoformat() if milestone.ask_on else None}


_RECORD = insert(ItemReply)
_CLOSE = update(Milestone).where(Milestone.id == bindparam("milestone")).values(
    done_at=bindparam("at"))
_ASK = update(Milestone).where(Milestone.id == bindparam("milestone")).values(
    ask_on=bindparam("day"))


def apply(ctx: Context, understood: Understood, milestones: list[Target], *,
          chosen: bool) -> Answer:
    """Record the reply on each milestone and say back what was recorded.

    `chosen`: the bot picked the item itself (the reminder replied to, the only open one),
    and says so.
    """
    from bot.talk.extensions import request_extension

    for milestone in milestones:
        if not can_act(ctx, milestone.item):
            return Answer(texts.NOT_YOURS.format(code=milestone.item.code))
    if understood.intent == "extend":
        answer = request_extension(ctx, milestones[0], understood)
        if chosen and ctx.outcome:
            answer.text += "\n" + texts.CHOSEN_ITEM.format(code=milestones[0].item.code)
        return answer
    intent = understood.intent
    on_date = None
    if intent == "promise":
        on_date = understood.date
    elif intent == "snooze":
        # "để sau nhắc em" without a day: the next working day.
        on_date = understood.date or calendar_of(ctx.rt.config.reminders).add_working_days(
            ctx.today, 1)
    lines = []
    connection = ctx.session.connection()
    for milestone in milestones:
        item = milestone.item
        note = understood.reason if intent in ("not_yet", "progress", "promise", "done") else None
        if intent == "note":
            note = understood.text
        connection.execute(_RECORD, {
            "milestone_id": milestone.id, "person_id": ctx.who.person_id,
            "message_id": ctx.message_id, "intent": intent, "percent": understood.percent,
            "note": note, "at": ctx.now, "on_date": on_date, "before": _snapshot(milestone)})
        following = None
        if intent == "done":
            connection.execute(_CLOSE, {"milestone": milestone.id, "at": ctx.now})
            milestone.done_at = ctx.now
            following = first_open(item)
        elif on_date is not None:
            connection.execute(_ASK, {"milestone": milestone.id, "day": on_date})
            milestone.ask_on = on_date
        lines += acknowledgement(understood, item.code, item.title, milestone.label, following,
                                 on_date)
    if intent == "done" or on_date is not None:
        refresh_schedule(ctx.session, ctx.now, ctx.rt.config.reminders, ctx.plan_ids,
                         milestone_ids=[m.id for m in milestones])
    ctx.record(intent, [m.item.code for m in milestones],
               **({"date": on_date.isoformat()} if on_date else {}))
    lines.append(texts.CHOSEN_ITEM.format(code=milestones[0].item.code) if chosen
                 else texts.UNDO_HINT)
    return Answer("\n".join(lines))


def acknowledgement(understood: Understood, code: str, title: str, label: str | None,
                    following, on_date: date | None = None) -> list[str]:
    """What was recorded, in the person's terms: the item, the milestone, the state."""
    short = texts.short_title(title)
    milestone = f" ({label})" if label else ""
    if understood.intent == "done":
        lines = [texts.ACK_DONE.format(code=code, title=short, label=milestone)]
        if following is not None and following.due:
            lines.append(texts.ACK_NEXT.format(label=following.label or texts.NEXT_MILESTONE,
                                               due=texts.show_date(following.due)))
        return lines
    if understood.intent == "progress":
        return [texts.ACK_PROGRESS.format(
            code=code, title=short, label=milestone,
            percent=f" {understood.percent}%" if understood.percent is not None else "")]
    if understood.intent == "not_yet":
        return [texts.ACK_NOT_YET.format(
            code=code, title=short, label=milestone,
            reason=f" ({understood.reason})" if understood.reason else "")]
    if understood.intent == "promise":
        percent = (texts.ACK_PERCENT.format(percent=understood.percent)
                   if understood.percent is not None else "")
        if on_date is None:
            return [texts.ACK_PROMISE_SOON.format(code=code, title=short, label=milestone,
                                                  percent=percent)]
        return [texts.ACK_PROMISE.format(code=code, title=short, label=milestone, percent=percent,
                                         day=texts.day_name(on_date))]
    if understood.intent == "snooze":
        return [texts.ACK_SNOOZE.format(code=code, title=short, label=milestone,
                                        day=texts.day_name(on_date))]
    return [texts.ACK_NOTE.format(code=code, title=short, label=milestone, note=understood.text)]


# ------------------------------------------------------------------------ undo

def undo(ctx: Context, understood: Understood) -> Answer:
    """Take back the person's last answer of the past 24 hours (about the code, if named)."""
    since = ctx.now - timedelta(hours=UNDO_HOURS)
    query = (select(ItemReply).join(Milestone, Milestone.id == ItemReply.milestone_id)
             .where(ItemReply.person_id == ctx.who.person_id, ItemReply.undone_at.is_(None),
                    ItemReply.intent.in_(UNDOABLE), ItemReply.at >= since,
                    ItemReply.message_id.is_not(None))
             .order_by(ItemReply.at.desc(), ItemReply.id.desc()))
    if understood.codes:
        from db.models import Item

        query = query.join(Item, Item.id == Milestone.item_id).where(
            Item.code.in_(understood.codes), Item.plan_id.in_(ctx.plan_ids))
    last = ctx.session.scalars(query.limit(1)).first()
    if last is None:
        return Answer(texts.NOTHING_TO_UNDO.format(hours=UNDO_HOURS))
    taken = ctx.session.scalars(select(ItemReply).where(
        ItemReply.message_id == last.message_id, ItemReply.person_id == ctx.who.person_id,
        ItemReply.undone_at.is_(None), ItemReply.intent.in_(UNDOABLE))
        .order_by(ItemReply.id)).all()
    for one in taken:
        if one.intent == "extend":
            extension = _extension_of(ctx, one)
            if extension is not None and extension.status != "pending":
                return Answer(texts.UNDO_DECIDED.format(code=one.milestone.item.code))
    lines, changed = [], []
    for one in taken:
        milestone = one.milestone
        if one.intent == "extend":
            extension = _extension_of(ctx, one)
            if extension is not None:
                extension.status, extension.decided_at = "withdrawn", ctx.now
        before = one.before or {}
        if "done_at" in before:
            milestone.done_at = _instant(before["done_at"])
            milestone.ask_on = date.fromisoformat(before["ask_on"]) if before["ask_on"] else None
        one.undone_at = ctx.now
        ctx.session.add(ItemReply(milestone_id=milestone.id, person_id=ctx.who.person_id,
                                  message_id=ctx.message_id, intent="undo", note=one.intent,
                                  at=ctx.now))
        changed.append(milestone)
        lines.append(texts.ACK_UNDO.format(code=milestone.item.code,
                                           what=texts.UNDONE_NAMES.get(one.intent, one.intent)))
    ctx.session.flush()
    refresh_schedule(ctx.session, ctx.now, ctx.rt.config.reminders, ctx.plan_ids,
                     milestone_ids=[m.id for m in changed])
    codes = [m.item.code for m in changed]
    told = ctx.session.scalars(select(Delivery.person_id).where(
        Delivery.message_id == last.message_id).distinct()).all()
    notice = texts.UNDO_NOTICE.format(name=ctx.person.name, codes=", ".join(dict.fromkeys(codes)),
                                      what=texts.UNDONE_NAMES.get(last.intent, last.intent))
    answer = Answer("\n".join(lines))
    answer.deliveries = [queue(ctx, person_id, notice) for person_id in told
                         if person_id != ctx.who.person_id]
    ctx.record("undo", codes, undone=last.message_id)
    return answer


def _extension_of(ctx: Context, one: ItemReply) -> Extension | None:
    return ctx.session.scalar(select(Extension).where(
        Extension.milestone_id == one.milestone_id, Extension.person_id == one.person_id,
        Extension.requested_at == one.at))


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
