"""Which part of the talk a message from a known person goes to."""

from __future__ import annotations

import re

from bot.talk import commands, evidence as files, extensions, questions, replies
from bot.talk.context import Context
from bot.talk.intake import INVITE_CODE, Answer, own_invitation

COMMAND = re.compile(r"^/([a-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.I | re.S)


def route(ctx: Context, evidence) -> Answer:
    text = ctx.incoming.text.strip()
    if isinstance(evidence, str):
        return Answer(evidence)  # the file was refused; the text says why
    data = ctx.incoming.callback_data
    code = INVITE_CODE.match(text)
    if code and not data:
        welcome = own_invitation(ctx, code.group(1))
        if welcome is not None:
            return welcome
    if data:
        return questions.button(ctx, data)
    command = COMMAND.match(text)
    if command:
        return commands.command(ctx, command.group(1).lower(), (command.group(2) or "").strip())
    reply = ctx.read(text)
    if reply.intent in ("approve", "reject"):
        return extensions.decide_by_reply(ctx, reply)
    pending = questions.pending_of(ctx)
    if pending is not None:
        answered = questions.answer_pending(ctx, pending, reply)
        if answered is not None:
            return answered
    if evidence is not None:
        return files.with_evidence(ctx, reply, evidence)
    return replies.reply(ctx, reply)
