"""Nhập kế hoạch: upload a plan, read every item back with the importer's warnings, correct an
owner, a deadline or drop a row, see what the import would change, then save.

The file is read by the importer's own functions (read_document, interpret); what an import
would change, and its conflicts with decisions made in the bot, come from import_plan itself
run in a transaction that is rolled back; saving runs it again for real.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import re
import secrets
from datetime import datetime
from pathlib import Path

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.office.auth import Visitor, audit, visitor
from bot.office.pages import RUNTIME, check_form, in_thread, message, page
from bot.plan.deadlines import DeadlineError, parse_deadline_checked
from bot.plan.errors import PlanError
from bot.plan.importer import conflict_text, import_plan
from bot.plan.interpret import ParsedPlan, interpret
from bot.plan.tables import read_document
from db.models import Person, Role, Unit
from jobs.schedule import refresh_schedule

log = logging.getLogger(__name__)

IMPORT_PATH = "/nhap"
SUFFIXES = (".docx", ".xlsx", ".pdf", ".doc", ".txt")
MAX_UPLOAD = 10 * 1024 * 1024
UPLOAD = re.compile(r"^[0-9a-f]{32}$")


def _folder(rt, unit_id: int) -> Path:
    return Path(rt.data_dir) / "uploads" / str(unit_id)


def _upload(rt, unit_id: int, token: str) -> tuple[Path, int | None] | None:
    """The uploaded file of this unit under `token`, and the year given with it."""
    if not UPLOAD.match(token):
        return None
    for path in _folder(rt, unit_id).glob(f"{token}-*"):
        year = path.stem.split("-", 1)[1]
        return path, (int(year) or None) if year.isdigit() else None
    return None


def _office(who: Visitor) -> bool:
    return who.office


async def _who(request: web.Request) -> Visitor | None:
    return await in_thread(request, lambda session, now: visitor(session, request, now))


async def show_upload(request: web.Request) -> web.StreamResponse:
    who = await _who(request)
    if who is None:
        return message(request, texts.WEB_SIGN_IN_NEEDED, 401)
    if not who.office:
        return message(request, texts.WEB_FORBIDDEN, 403, who)
    return page(request, "import_upload.html", {"suffixes": SUFFIXES}, who=who)


async def receive_upload(request: web.Request) -> web.StreamResponse:
    """Streamed, so a plan may be larger than the webhooks' 1 MB body limit."""
    rt = request.app[RUNTIME]
    fields: dict[str, str] = {}
    content, name = b"", ""
    reader = await request.multipart()
    async for part in reader:
        if part.name == "file":
            name = part.filename or ""
            chunks = []
            size = 0
            while chunk := await part.read_chunk():
                size += len(chunk)
                if size > MAX_UPLOAD:
                    return await _refuse(request, texts.WEB_UPLOAD_TOO_BIG.format(mb=MAX_UPLOAD >> 20))
                chunks.append(chunk)
            content = b"".join(chunks)
        elif part.name:
            fields[part.name] = (await part.text())[:100]

    def work(session: Session, now: datetime) -> web.StreamResponse:
        who, refusal = check_form(request, session, now, fields, _office)
        if refusal is not None:
            return refusal
        suffix = Path(name).suffix.lower()
        if suffix not in SUFFIXES or not content:
            return message(request, texts.WEB_UPLOAD_TYPE.format(types=", ".join(SUFFIXES)), 400, who)
        year = fields.get("year", "").strip()
        if year and not (year.isdigit() and 2000 <= int(year) <= 2100):
            return message(request, texts.WEB_UPLOAD_YEAR.format(value=year), 400, who)
        token = secrets.token_hex(16)
        folder = _folder(rt, who.unit_id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{token}-{year or 0}{suffix}").write_bytes(content)
        (folder / f"{token}.name").write_text(name, encoding="utf-8")
        log.info("plan upload %s by person %s: %s, %s bytes", token, who.person_id, name, len(content))
        return web.Response(status=303, headers={"Location": f"{IMPORT_PATH}/{token}"})

    return await in_thread(request, work)


async def _refuse(request: web.Request, text: str) -> web.StreamResponse:
    return await in_thread(request, lambda s, n: message(request, text, 400, visitor(s, request, n)))


def _read(path: Path, year: int | None, source: str) -> ParsedPlan:
    parsed = interpret(read_document(path), year=year)
    parsed.source = source
    return parsed


def _correct(parsed: ParsedPlan, fields, role_names: set[str]) -> list[str]:
    """Apply the office's corrections in place; what could not be applied, in Vietnamese."""
    problems = []
    kept = []
    for item in parsed.items:
        if fields.get(f"bo-{item.code}"):
            continue
        owner = fields.get(f"owner-{item.code}", "")
        if owner:
            if owner in role_names:
                item.owners = [owner]
            else:
                problems.append(texts.WEB_IMPORT_BAD_OWNER.format(code=item.code))
        typed = fields.get(f"han-{item.code}")
        if typed is not None and " ".join(typed.split()) != " ".join(item.deadline_text.split()):
            try:
                milestones, understood = parse_deadline_checked(typed, parsed.year)
            except DeadlineError as error:
                problems.append(texts.WEB_IMPORT_BAD_DEADLINE.format(code=item.code, reason=error))
            else:
                if not understood:
                    problems.append(texts.WEB_IMPORT_BAD_DEADLINE.format(
                        code=item.code, reason=texts.WEB_DEADLINE_NOT_UNDERSTOOD))
                item.deadline_text, item.milestones = " ".join(typed.split()), milestones
        kept.append(item)
    parsed.items = kept
    return problems


def _review(request: web.Request, token: str, fields, save: bool) -> web.StreamResponse:
    """Runs in a worker thread: read, correct, then a rolled-back import (or the real one)."""
    rt = request.app[RUNTIME]
    with rt.sessions.begin() as session:
        now = rt.clock.now()
        who, refusal = check_form(request, session, now, fields, _office) if fields is not None \
            else (visitor(session, request, now), None)
        if refusal is not None:
            return refusal
        if who is None or not who.office:
            return message(request, texts.WEB_FORBIDDEN if who else texts.WEB_SIGN_IN_NEEDED,
                           403 if who else 401, who)
        unit_name = session.scalar(select(Unit.name).where(Unit.id == who.unit_id))
        roles = sorted(session.scalars(select(Role.name).where(Role.unit_id == who.unit_id)))
    found = _upload(rt, who.unit_id, token)
    if found is None:
        return message(request, texts.WEB_NOT_FOUND, 404, who)
    path, year = found
    source_file = path.with_name(f"{token}.name")
    source = source_file.read_text(encoding="utf-8") if source_file.exists() else path.name
    unit_config = rt.config.unit(unit_name)
    try:
        parsed = _read(path, year, source)
    except PlanError as error:
        return message(request, texts.IMPORT_FAILED.format(reason=error), 400, who)
    original = {item.code: (list(item.owners), item.deadline_text) for item in parsed.items}
    problems = _correct(parsed, fields or {}, set(roles))
    if parsed.year is None:
        problems.append(texts.WEB_UPLOAD_NO_YEAR)
    with rt.sessions() as session:
        now = rt.clock.now()
        result = None
        if parsed.year is not None:
            try:
                result = import_plan(session, copy.deepcopy(parsed), unit_config, now)
                if save and not problems:
                    refresh_schedule(session, now, rt.config.reminders, [result.plan_id])
                    audit(session, session.get(Person, who.person_id), now, "plan.import",
                          f"plan:{result.plan_id}", None,
                          {"source": source, "added": result.added, "changed": sorted(result.changed),
                           "removed": result.removed, "conflicts": len(result.conflicts),
                           "corrected": _corrections(parsed, original)})
                    session.commit()
                    path.unlink(missing_ok=True)
                    source_file.unlink(missing_ok=True)
                    return web.Response(status=303, headers={"Location": f"/?plan={result.plan_id}"})
            finally:
                session.rollback()
    return page(request, "import_review.html", {
        "token": token, "parsed": parsed, "roles": roles, "problems": problems, "result": result,
        "conflicts": [conflict_text(result.plan_id, c, web=True) for c in result.conflicts]
        if result else [],
        "warnings": [texts.warning_text(w.code, w.line, w.item, w.params) for w in parsed.warnings],
        "original": original, "source": source, "fields": fields or {},
        "field_names": texts.FIELD_NAMES,
    }, status=400 if save and problems else 200, who=who)


def _corrections(parsed: ParsedPlan, original: dict) -> dict[str, dict]:
    changed = {}
    for item in parsed.items:
        owners, deadline = original[item.code]
        if item.owners != owners or item.deadline_text != deadline:
            changed[item.code] = {"owners": [owners, item.owners], "deadline": [deadline, item.deadline_text]}
    for code in original:
        if code not in {item.code for item in parsed.items}:
            changed[code] = {"removed": True}
    return changed


async def show_review(request: web.Request) -> web.StreamResponse:
    return await asyncio.to_thread(_review, request, request.match_info["token"], None, False)


async def post_review(request: web.Request) -> web.StreamResponse:
    fields = await request.post()
    return await asyncio.to_thread(_review, request, request.match_info["token"], fields,
                                   fields.get("action") == "save")


def add_routes(app: web.Application) -> None:
    app.router.add_get(IMPORT_PATH, show_upload)
    app.router.add_post(IMPORT_PATH, receive_upload)
    app.router.add_get(IMPORT_PATH + "/{token}", show_review)
    app.router.add_post(IMPORT_PATH + "/{token}", post_review)
