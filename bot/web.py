"""The bot's own HTTP endpoint: a health check, and the Zalo webhook in webhook mode.

Telegram's webhook is served by python-telegram-bot on its own port; any number
of processes may run these behind a reverse proxy, since the reminder tick is
leased in the database.
"""

from __future__ import annotations

import logging
from urllib.parse import urlparse

from aiohttp import web
from sqlalchemy import select, text

from bot.conversation import Runtime
from db.models import TickLease
from jobs.engine import LEASE

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"


def health(rt: Runtime) -> tuple[int, dict[str, object]]:
    """200 and what this process sees, or 503 when the database cannot be reached."""
    try:
        with rt.sessions() as session:
            session.execute(text("SELECT 1"))
            lease = session.execute(select(TickLease.holder, TickLease.expires_at)
                                    .where(TickLease.name == LEASE)).first()
    except Exception as error:  # any database failure means unhealthy; the log has the detail
        log.warning("health check: database unreachable: %s", error)
        return 503, {"status": "error", "database": "unreachable"}
    now = rt.clock.now()
    ticking = lease is not None and lease.expires_at > now
    return 200, {
        "status": "ok", "database": "ok", "process": rt.holder,
        "channels": sorted(rt.channels),
        "tick": {"holder": lease.holder if ticking else None,
                 "this_process": bool(ticking and lease.holder == rt.holder)},
    }


def build_app(rt: Runtime, zalo_webhook_url: str | None) -> web.Application:
    app = web.Application()

    async def healthz(_request: web.Request) -> web.Response:
        status, body = health(rt)
        return web.json_response(body, status=status)

    app.router.add_get(HEALTH_PATH, healthz)
    zalo = rt.channels.get("zalo")
    if zalo is not None and zalo_webhook_url:
        async def zalo_hook(request: web.Request) -> web.Response:
            status = await zalo.handle_webhook(request.headers, await request.read())
            return web.Response(status=status)

        app.router.add_post(urlparse(zalo_webhook_url).path or "/", zalo_hook)
    return app


async def start_web(rt: Runtime, host: str, port: int, zalo_webhook_url: str | None
                    ) -> web.AppRunner:
    runner = web.AppRunner(build_app(rt, zalo_webhook_url), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("http endpoint on %s:%s (health at %s)", host, port, HEALTH_PATH)
    return runner
