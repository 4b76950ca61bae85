"""Signing in without passwords: a one-time link from the chat, then a session in the database.

A link is good for LINK_MINUTES and once; opening it shows a button, and only pressing it
(a POST) starts the session, so a chat service that fetches the link for a preview does not
use it up. The browser keeps a random token in an HttpOnly, SameSite=Lax cookie; the
database keeps its SHA-256, the form token (CSRF) and when it was last seen. A session ends
at "Đăng xuất" or after IDLE without a request. Every change is written to the audit log.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import texts
from bot.config import Config
from bot.talk import Runtime
from bot.people import roles_of
from db.models import AuditEntry, Person, WebLink, WebSession

log = logging.getLogger(__name__)

RUNTIME = web.AppKey("office_runtime", Runtime)

LINK_MINUTES = 10
LINKS_PER_HOUR = 5
IDLE = timedelta(hours=12)
# A session's last-seen time is written at most this often, not at every page.
SEEN_EVERY = timedelta(minutes=1)
COOKIE = "nhacviec_phien"
SIGN_IN_PATH = "/dang-nhap"
OFFICE_DUTIES = frozenset({"coordinator", "chairman"})


def duties_of(session: Session, person: Person, now: datetime) -> set[str]:
    """What the person answers for now: "admin", "coordinator", "chairman" (none once retired)."""
    if person.retired_at is not None:
        return set()
    duties = {role.duty for role in roles_of(session, person.id, now)}
    return duties | {"admin"} if person.is_admin else duties


def may_use_web(session: Session, person: Person, now: datetime) -> bool:
    """The office (coordinator role), the chairman and admins; other officials use the chat."""
    return bool(duties_of(session, person, now) & (OFFICE_DUTIES | {"admin"}))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def audit(session: Session, person: Person, now: datetime, action: str, target: str,
          before: dict | None = None, after: dict | None = None) -> None:
    session.add(AuditEntry(unit_id=person.unit_id, person_id=person.id, at=now, action=action,
                           target=target, before=before, after=after))


class LinkRefused(Exception):
    """Why no link was made, as the Vietnamese sentence to show."""


def issue_link(session: Session, config: Config, person: Person, now: datetime) -> str:
    """A new one-time sign-in URL for `person`, or LinkRefused with the reason."""
    if not config.web.public_url:
        raise LinkRefused(texts.WEB_NOT_SET_UP)
    if not may_use_web(session, person, now):
        raise LinkRefused(texts.WEB_NOT_FOR_YOU)
    recent = session.scalar(select(func.count(WebLink.id)).where(
        WebLink.person_id == person.id, WebLink.created_at > now - timedelta(hours=1)))
    if recent >= LINKS_PER_HOUR:
        log.warning("web link refused to person %s: %s links in the last hour", person.id, recent)
        raise LinkRefused(texts.WEB_TOO_MANY_LINKS.format(count=recent))
    token = secrets.token_urlsafe(32)
    link = WebLink(person_id=person.id, token_hash=_hash(token), created_at=now,
                   expires_at=now + timedelta(minutes=LINK_MINUTES))
    session.add(link)
    session.flush()
    audit(session, person, now, "web.link", f"person:{person.id}", after={"link": link.id})
    return f"{config.web.public_url}{SIGN_IN_PATH}/{token}"


def web_command(session: Session, config: Config, person: Person, now: datetime) -> str:
    """The chat's answer to /web."""
    try:
        url = issue_link(session, config, person, now)
    except LinkRefused as refusal:
        return str(refusal)
    return texts.WEB_LINK.format(minutes=LINK_MINUTES, url=url)


def usable_link(session: Session, token: str, now: datetime) -> WebLink | None:
    link = session.scalar(select(WebLink).where(WebLink.token_hash == _hash(token)))
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    return link


def redeem(session: Session, token: str, now: datetime) -> tuple[str, WebSession] | None:
    """Use the link up and open a session: the cookie token and the session, or None."""
    link = usable_link(session, token, now)
    if link is None:
        return None
    person = session.get(Person, link.person_id)
    if person is None or not may_use_web(session, person, now):
        return None
    link.used_at = now
    cookie = secrets.token_urlsafe(32)
    opened = WebSession(person_id=person.id, token_hash=_hash(cookie),
                        csrf=secrets.token_urlsafe(32), created_at=now, seen_at=now)
    session.add(opened)
    session.flush()
    audit(session, person, now, "web.sign_in", f"session:{opened.id}", after={"link": link.id})
    return cookie, opened


@dataclass(frozen=True, slots=True)
class Visitor:
    """The signed-in person, as the pages need them."""

    session_id: int
    person_id: int
    unit_id: int
    name: str
    csrf: str
    chairman: bool
    office: bool
    # Sees every unit's board and items, read-only ([[units]] overseers in config.toml).
    overseer: bool = False

    def reads(self, unit_id: int) -> bool:
        """Whether the visitor may read that unit's board and items (changes: own unit only)."""
        return unit_id == self.unit_id or self.overseer


def visitor(session: Session, request: web.Request, now: datetime) -> Visitor | None:
    """The person behind the request's cookie, while the session lasts and they may sign in."""
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return None
    found = session.scalar(select(WebSession).where(WebSession.token_hash == _hash(cookie)))
    if found is None or found.ended_at is not None or found.seen_at <= now - IDLE:
        return None
    person = found.person
    duties = duties_of(session, person, now)
    if not duties & (OFFICE_DUTIES | {"admin"}):
        return None
    if now - found.seen_at >= SEEN_EVERY:
        found.seen_at = now
    unit_config = request.app[RUNTIME].config.unit(person.unit.name)
    return Visitor(found.id, person.id, person.unit_id, person.name, found.csrf,
                   chairman=bool(duties & {"admin", "chairman"}),
                   office=bool(duties & {"admin", "coordinator"}),
                   overseer=unit_config is not None and person.name in unit_config.overseers)


def csrf_ok(who: Visitor, form) -> bool:
    return hmac.compare_digest(str(form.get("csrf", "")).encode(), who.csrf.encode())


def sign_out(session: Session, who: Visitor, now: datetime) -> None:
    found = session.get(WebSession, who.session_id)
    found.ended_at = now
    audit(session, found.person, now, "web.sign_out", f"session:{found.id}")


def set_cookie(response: web.StreamResponse, cookie: str, secure: bool) -> None:
    # No max-age: the database decides when the session ends (idle or signed out).
    response.set_cookie(COOKIE, cookie, httponly=True, samesite="Lax", secure=secure, path="/")
