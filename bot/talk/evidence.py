"""Files sent as evidence of work: fetched, stored all or nothing, attached to a milestone."""

from __future__ import annotations

import asyncio
import errno
import hashlib
import logging
import mimetypes
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bot import texts
from bot.journal import fsync_folder
from bot.replies import Understood
from bot.talk.context import Context, Target, targets
from bot.talk.intake import Answer
from db.models import Evidence, ItemReply

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from bot.channels.base import Incoming
    from bot.talk.intake import Runtime


@dataclass
class EvidenceFile:
    file_name: str
    mime_type: str | None
    size: int
    sha256: str
    path: str


async def receive_file(rt: Runtime, incoming: Incoming) -> EvidenceFile | str:
    attachment = incoming.attachment
    limits = rt.config.evidence
    mime = attachment.mime_type or mimetypes.guess_type(attachment.file_name)[0]
    suffix = Path(attachment.file_name).suffix.lower()
    if suffix not in limits.allowed_types:
        return texts.FILE_TYPE_REFUSED.format(types=", ".join(limits.allowed_types))
    limit = limits.max_mb * 1024 * 1024
    if attachment.size is not None and attachment.size > limit:
        return texts.FILE_TOO_BIG.format(limit=limits.max_mb)
    try:
        content = await attachment.fetch()
    except Exception:
        log.exception("could not fetch %s from %s", attachment.file_name, incoming.channel)
        return texts.FILE_FETCH_FAILED
    if len(content) > limit:
        return texts.FILE_TOO_BIG.format(limit=limits.max_mb)
    digest = hashlib.sha256(content).hexdigest()
    try:
        path = await asyncio.to_thread(store_file, rt.data_dir / "evidence" / digest[:2],
                                       f"{digest}{suffix}", content, digest)
    except OSError:
        log.exception("could not save %s from %s/%s", attachment.file_name, incoming.channel,
                      incoming.chat_id)
        return texts.FILE_SAVE_FAILED
    return EvidenceFile(attachment.file_name, mime, len(content), digest, str(path))


def store_file(folder: Path, name: str, content: bytes, sha256: str) -> Path:
    """Write `content` as folder/name all or nothing: a temporary file in the same folder,
    fsync, checked against `sha256`, renamed. On OSError nothing new is left behind."""
    path = folder / name
    if path.exists() and _sha256_of(path) == sha256:
        return path  # the same file sent before; a half-written one is replaced below
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".part")
    try:
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        if _sha256_of(Path(temporary)) != sha256:
            raise OSError(errno.EIO, f"{name}: the written file differs from the one received")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    fsync_folder(folder)
    return path


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def with_evidence(ctx: Context, reply: Understood, evidence: EvidenceFile) -> Answer:
    from bot.talk.questions import pending_of
    from bot.talk.replies import apply

    milestones, question = targets(ctx, reply, evidence=True)
    if question is not None:
        pending = pending_of(ctx)
        if pending is not None:
            pending.payload = {**pending.payload, "intent": "evidence",
                               "evidence": evidence.__dict__}
        return question
    answers = [attach(ctx, m, evidence.__dict__).text for m in milestones]
    if reply.intent == "done":
        answers.append(apply(ctx, reply, milestones, chosen=not reply.codes).text)
    return Answer("\n".join(answers))


def attach(ctx: Context, milestone: Target, evidence: dict) -> Answer:
    ctx.session.add(Evidence(milestone_id=milestone.id, person_id=ctx.who.person_id,
                             file_name=evidence["file_name"][:300], mime_type=evidence["mime_type"],
                             size=evidence["size"], sha256=evidence["sha256"], path=evidence["path"],
                             received_at=ctx.now))
    ctx.session.add(ItemReply(milestone_id=milestone.id, person_id=ctx.who.person_id,
                              message_id=ctx.message_id, intent="evidence",
                              note=evidence["file_name"], at=ctx.now))
    ctx.record("evidence", [milestone.item.code])
    return Answer(texts.ACK_EVIDENCE.format(code=milestone.item.code, name=evidence["file_name"]))
