"""What every page shares: the database work in a worker thread, the signed-in visitor,
the checks every form passes (session, CSRF token, role), and rendering."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from datetime import date, datetime

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.orm import Session

from bot import texts
from bot.office.auth import COOKIE, RUNTIME, Visitor, csrf_ok, visitor
from jobs import engine

log = logging.getLogger(__name__)

# Deliveries a form's change queued, sent after the transaction commits.
DELIVERIES = web.ResponseKey("office_deliveries", list)
# The sign-in token is in the link's path: it must not travel on in a Referer header.
HEADERS = {"Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
           "X-Content-Type-Options": "nosniff",
           "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
                                      "frame-ancestors 'none'"}

Work = Callable[[Session, datetime], web.StreamResponse]


async def in_thread(request: web.Request, work: Work) -> web.StreamResponse:
    """`work(session, now)` in one transaction, off the event loop."""
    rt = request.app[RUNTIME]

    def run() -> web.StreamResponse:
        with rt.sessions.begin() as session:
            return work(session, rt.clock.now())

    return await asyncio.to_thread(run)


def page(request: web.Request, template: str, context: dict, *, status: int = 200,
         who: Visitor | None = None) -> web.Response:
    response = aiohttp_jinja2.render_template(template, request, {"who": who, **context},
                                              status=status)
    response.headers.update(HEADERS)
    return response


def message(request: web.Request, text: str, status: int, who: Visitor | None = None) -> web.Response:
    return page(request, "message.html", {"text": text}, status=status, who=who)


def _unknown(request: web.Request) -> web.Response:
    # A cookie that no longer opens a session was a session that ended.
    text = texts.WEB_SESSION_ENDED if request.cookies.get(COOKIE) else texts.WEB_SIGN_IN_NEEDED
    return message(request, text, 401)


PageView = Callable[[web.Request, Session, datetime, Visitor], web.StreamResponse]
# The form's fields arrive as aiohttp's MultiDictProxy (getall for checkboxes).
FormView = Callable[[web.Request, Session, datetime, Visitor, Any], web.StreamResponse]


def signed_in(view: PageView) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A page for signed-in visitors; others are told how to sign in."""
    async def handler(request: web.Request) -> web.StreamResponse:
        def work(session: Session, now: datetime) -> web.StreamResponse:
            who = visitor(session, request, now)
            if who is None:
                return _unknown(request)
            return view(request, session, now, who)
        return await in_thread(request, work)
    return handler


def check_form(request: web.Request, session: Session, now: datetime, fields,
               allowed: Callable[[Visitor], bool]) -> tuple[Visitor | None, web.Response | None]:
    """The visitor, or the page that refuses the form: no session, a bad CSRF token, a role."""
    who = visitor(session, request, now)
    if who is None:
        return None, _unknown(request)
    if not csrf_ok(who, fields):
        log.warning("web form %s refused for person %s: bad CSRF token", request.path,
                    who.person_id)
        return who, message(request, texts.WEB_BAD_CSRF, 403, who)
    if not allowed(who):
        log.warning("web form %s refused for person %s: role", request.path, who.person_id)
        return who, message(request, texts.WEB_FORBIDDEN, 403, who)
    return who, None


def form(allowed: Callable[[Visitor], bool]) -> Callable[[FormView], Callable[[web.Request], Awaitable[web.StreamResponse]]]:
    """A POST that needs a session, the session's CSRF token and a role `allowed` accepts."""
    def wrap(view: FormView) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handler(request: web.Request) -> web.StreamResponse:
            fields = await request.post()

            def work(session: Session, now: datetime) -> web.StreamResponse:
                who, refusal = check_form(request, session, now, fields, allowed)
                if refusal is not None:
                    return refusal
                return view(request, session, now, who, fields)
            response = await in_thread(request, work)
            await _send(request, response.get(DELIVERIES, ()))
            return response
        return handler
    return wrap


async def _send(request: web.Request, deliveries) -> None:
    """Messages a change queued, sent once it is committed; failures stay queued for the tick."""
    rt = request.app[RUNTIME]
    for delivery_id in deliveries:
        try:
            await engine.deliver(rt.sessions, rt.config, rt.channels, delivery_id, rt.clock.now(),
                                 rt.holder)
        except Exception:  # the delivery row is kept; the reminder tick retries it
            log.exception("web: sending delivery %s failed", delivery_id)


def anyone(_who: Visitor) -> bool:
    return True


def parse_day(text: str) -> date | None:
    """A day typed on a page: 31/01/2023 or 2023-01-31."""
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None
