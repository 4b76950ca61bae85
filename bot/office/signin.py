"""The sign-in link's page, and signing out."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from sqlalchemy.orm import Session

from bot import texts
from bot.office.auth import COOKIE, SIGN_IN_PATH, Visitor, redeem, set_cookie, sign_out, usable_link
from bot.office.pages import RUNTIME, anyone, form, in_thread, message, page

SIGN_OUT_PATH = "/dang-xuat"


async def show_link(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]

    def work(session: Session, now: datetime) -> web.StreamResponse:
        # Only looked at: a link preview fetched by the chat service must not use it up.
        if usable_link(session, token, now) is None:
            return message(request, texts.WEB_LINK_INVALID, 400)
        return page(request, "signin.html", {"token": token})

    return await in_thread(request, work)


async def use_link(request: web.Request) -> web.StreamResponse:
    token = request.match_info["token"]
    secure = request.app[RUNTIME].config.web.public_url.startswith("https://") or request.secure

    def work(session: Session, now: datetime) -> web.StreamResponse:
        opened = redeem(session, token, now)
        if opened is None:
            return message(request, texts.WEB_LINK_INVALID, 400)
        response = web.Response(status=303, headers={"Location": "/"})
        set_cookie(response, opened[0], secure)
        return response

    return await in_thread(request, work)


@form(anyone)
def leave(request: web.Request, session: Session, now: datetime, who: Visitor,
          _fields: dict) -> web.StreamResponse:
    sign_out(session, who, now)
    response = message(request, texts.WEB_SIGNED_OUT, 200)
    response.del_cookie(COOKIE, path="/")
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get(f"{SIGN_IN_PATH}/{{token}}", show_link)
    app.router.add_post(f"{SIGN_IN_PATH}/{{token}}", use_link)
    app.router.add_post(SIGN_OUT_PATH, leave)
