"""The office's web page, served by the bot's own HTTP server: one module per group of pages.

Server-rendered Jinja2 templates and one stylesheet, shipped in the package; who may see
what is decided in bot.office.auth, and every form goes through bot.office.pages.form.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot import texts
from bot.talk import Runtime
from bot.office import board, deliveries, extensions, imports, items, people, reports, signin
from bot.office.pages import RUNTIME

STATIC = Path(__file__).resolve().parent / "static"
STATIC_PATH = "/tep"


def add_office(app: web.Application, rt: Runtime) -> None:
    """Mount the pages on the application that serves /healthz."""
    app[RUNTIME] = rt
    env = aiohttp_jinja2.setup(app, loader=jinja2.PackageLoader("bot.office", "templates"),
                               autoescape=jinja2.select_autoescape(default=True),
                               undefined=jinja2.StrictUndefined)
    env.globals.update(show_date=texts.show_date, static=STATIC_PATH,
                       state_names=texts.STATE_NAMES, sign_out=signin.SIGN_OUT_PATH,
                       texts=texts)
    app.router.add_static(STATIC_PATH, STATIC)
    signin.add_routes(app)
    board.add_routes(app)
    extensions.add_routes(app)
    deliveries.add_routes(app)
    items.add_routes(app)
    reports.add_routes(app)
    imports.add_routes(app)
    people.add_routes(app)
