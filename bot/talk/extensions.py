"""Extensions: an official asks to move a deadline, the chairman (or an admin) decides."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.config import Config
from bot.people import people_with_duty
from bot.replies import Understood
from bot.talk.context import Context, Target, queue
from bot.talk.intake import Answer
from db.models import Delivery, Extension, Item, ItemReply, Milestone
from jobs.schedule import refresh_schedule


def request_extension(ctx: Context, milestone: Target, understood: Understood) -> Answer:
    from bot.talk.questions import set_pending

    new_due = understood.date
    if new_due is None:
        set_pending(ctx, "ask_date", {"milestone": milestone.id})
        return Answer(texts.ASK_DATE.format(code=milestone.item.code))
    if milestone.due and new_due <= milestone.due:
        return Answer(texts.EXTEND_NOT_LATER.format(code=milestone.item.code,
                                                    due=texts.show_date(milestone.due)))
    extension = Extension(milestone_id=milestone.id, person_id=ctx.who.person_id,
                          requested_due=new_due, previous_due=milestone.due,
                          reason=understood.reason, status="pending", requested_at=ctx.now)
    ctx.session.add(extension)
    ctx.session.add(ItemReply(milestone_id=milestone.id, person_id=ctx.who.person_id,
                              message_id=ctx.message_id, intent="extend", note=understood.reason,
                              at=ctx.now))
    ctx.session.flush()
    chairmen = people_with_duty(ctx.session, ctx.who.unit_id, "chairman", ctx.now)
    item = milestone.item
    text = texts.EXTENSION_REQUEST.format(
        name=ctx.person.name, code=item.code, title=texts.short_title(item.title),
        due=texts.show_date(milestone.due), new_due=texts.show_date(new_due),
        reason=texts.EXTENSION_REASON.format(reason=understood.reason) if understood.reason else "")
    buttons = [[texts.BUTTON_APPROVE, f"a:{extension.id}"], [texts.BUTTON_DECLINE, f"r:{extension.id}"]]
    queued = [queue(ctx, chairman.id, text, [buttons]) for chairman in chairmen]
    ctx.record("extend", [item.code], new_due=new_due.isoformat(), extension=extension.id)
    answer = Answer(texts.ACK_EXTEND.format(code=item.code, new_due=texts.show_date(new_due)))
    answer.deliveries = queued
    return answer


def _pending(ctx: Context):
    return (select(Extension).join(Milestone).join(Item)
            .where(Item.plan_id.in_(ctx.plan_ids), Extension.status == "pending")
            .order_by(Extension.requested_at.desc(), Extension.id.desc()))


def _replied_to(ctx: Context) -> Extension | None:
    """The request carried by the message the chairman replied to, if it was one."""
    reply_to = ctx.incoming.reply_to_message_id
    if not reply_to:
        return None
    delivery = ctx.session.scalar(select(Delivery).where(
        Delivery.person_id == ctx.who.person_id, Delivery.provider_message_id == reply_to))
    if delivery is None or not delivery.buttons:
        return None
    for row in delivery.buttons:
        for _, data in row:
            kind, _, number = data.partition(":")
            if kind in ("a", "r") and number.isdigit():
                return ctx.session.get(Extension, int(number))
    return None


def decide_by_reply(ctx: Context, understood: Understood) -> Answer:
    """"duyệt", "đồng ý gia hạn 3.4", "không được, phải xong trước 20/12" from a decider.

    Which request: the one replied to, else the code's pending one, else the only pending
    one; with several and no code the bot names them and changes nothing.
    """
    if not ctx.is_chairman():
        return Answer(texts.CHAIRMAN_ONLY)
    approve = understood.intent == "approve"
    extension = _replied_to(ctx)
    if extension is None and understood.codes:
        code = understood.codes[0]
        extension = ctx.session.scalar(_pending(ctx).where(Item.code == code))
        if extension is None:
            return Answer(texts.NO_PENDING_EXTENSION.format(code=code))
    if extension is None:
        waiting = ctx.session.scalars(_pending(ctx)).all()
        if not waiting:
            return Answer(texts.NO_PENDING_EXTENSIONS)
        if len(waiting) > 1:
            return Answer(texts.WHICH_EXTENSION.format(codes=", ".join(
                dict.fromkeys(e.milestone.item.code for e in waiting))))
        extension = waiting[0]
    return decide(ctx, extension, approve, understood.reason if not approve else None)


def decide(ctx: Context, extension: Extension, approve: bool, reason: str | None = None) -> Answer:
    if not ctx.is_chairman():
        return Answer(texts.CHAIRMAN_ONLY)
    if extension.status != "pending":
        return Answer(texts.ALREADY_DECIDED.format(code=extension.milestone.item.code))
    code = extension.milestone.item.code
    text, delivery = decide_extension(ctx.session, ctx.rt.config, ctx.who.person_id, extension,
                                      approve, ctx.now, ctx.message_id, reason)
    answer = Answer(texts.ACK_DECISION.format(code=code, decision=text))
    answer.deliveries = [delivery]
    ctx.record("approve" if approve else "decline", [code], extension=extension.id,
               **({"reason": reason} if reason else {}))
    return answer


def decide_extension(session: Session, config: Config, decider_id: int, extension: Extension,
                     approve: bool, now: datetime, message_id: int | None = None,
                     reason: str | None = None) -> tuple[str, int]:
    """Approve or decline a pending extension, as the chat and the web page both do.

    The caller checks that the decider may decide and that the request is still pending.
    Returns the decision as told to the requester and the delivery that tells them.
    """
    milestone = extension.milestone
    extension.status = "approved" if approve else "declined"
    extension.decided_by, extension.decided_at = decider_id, now
    session.add(ItemReply(milestone_id=milestone.id, person_id=decider_id, message_id=message_id,
                          intent="approve" if approve else "decline",
                          note=extension.requested_due.isoformat(), at=now))
    if approve:
        milestone.original_due = milestone.original_due or milestone.due
        milestone.due = extension.requested_due
        session.flush()
        refresh_schedule(session, now, config.reminders, [milestone.item.plan_id],
                         milestone_ids=[milestone.id])
    text = (texts.EXTENSION_APPROVED if approve else texts.EXTENSION_DECLINED).format(
        code=milestone.item.code, new_due=texts.show_date(extension.requested_due))
    if reason:
        text += texts.DECLINE_REASON.format(reason=reason)
    delivery = Delivery(person_id=extension.person_id, text=text, purpose="message",
                        status="pending", next_attempt_at=now, created_at=now,
                        message_id=message_id)
    session.add(delivery)
    session.flush()
    return text, delivery.id
