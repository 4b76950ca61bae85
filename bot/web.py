"""The bot's own HTTP endpoints: a health check, both chat services' webhooks, and the
office's web page (bot.office), served next to the health check.

One aiohttp stack serves everything, so both webhooks get the same limits and the
same path: at most 1 MB (413), well-formed JSON (400) nested at most 32 levels (400),
then the channel checks its secret header and handles the update. Telegram's webhook
listens on its own address ([telegram] webhook_listen/webhook_port), the health check
and Zalo's on [web]; when both name the same address they share one server.

/healthz is a liveness check: 200 while the database answers (within HEALTH_TIMEOUT),
whatever the chat services do; a channel that is starting or down makes the status
"degraded" and shows in "channels". 503 only when the database cannot be reached.
Any number of processes may run this behind a reverse proxy, since the reminder tick
is leased in the database.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlparse

from aiohttp import web
from sqlalchemy import select, text

from bot.talk import Runtime
from bot.office import add_office
from db.models import TickLease
from jobs.engine import LEASE

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
# Seconds the health check waits for the database; a liveness probe must answer promptly.
HEALTH_TIMEOUT = 0.5
MAX_BODY = 1024 * 1024
MAX_DEPTH = 32

Address = tuple[str, int]


class WebhookChannel(Protocol):
    name: str

    async def handle_webhook(self, headers: Mapping[str, str], body: bytes) -> int: ...


@dataclass(frozen=True, slots=True)
class Webhook:
    address: Address
    url: str
    channel: WebhookChannel

    @property
    def path(self) -> str:
        return urlparse(self.url).path or "/"


def health(rt: Runtime, channels: Mapping[str, str]) -> tuple[int, dict[str, object]]:
    """200 and what this process sees, or 503 when the database cannot be reached."""
    try:
        with rt.sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                # The probe gives up in time; its query should not outlive it by much.
                session.execute(text("SET LOCAL statement_timeout = 2000"))
            session.execute(text("SELECT 1"))
            lease = session.execute(select(TickLease.holder, TickLease.expires_at)
                                    .where(TickLease.name == LEASE)).first()
    except Exception as error:  # any database failure means unhealthy; the log has the detail
        log.warning("health check: database unreachable: %s", error)
        return 503, {"status": "error", "database": "unreachable", "channels": dict(channels)}
    now = rt.clock.now()
    ticking = lease is not None and lease.expires_at > now
    return 200, {
        "status": "ok" if all(state == "ok" for state in channels.values()) else "degraded",
        "database": "ok", "process": rt.holder,
        "channels": dict(channels),
        "tick": {"holder": lease.holder if ticking else None,
                 "this_process": bool(ticking and lease.holder == rt.holder)},
    }


async def health_now(rt: Runtime, channels: Mapping[str, str]) -> tuple[int, dict[str, object]]:
    """`health` in a worker thread, so a slow database never stalls the event loop."""
    try:
        return await asyncio.wait_for(asyncio.to_thread(health, rt, channels), HEALTH_TIMEOUT)
    except TimeoutError:
        log.warning("health check: no answer from the database within %s s", HEALTH_TIMEOUT)
        return 503, {"status": "error", "database": "timeout", "channels": dict(channels)}


def nesting_depth(value: object) -> int:
    """How deep JSON containers nest; iterative, so a hostile body cannot exhaust the stack."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in children)
    return deepest


def body_problem(body: bytes) -> str | None:
    """Why a webhook body is refused (400), or None when it is JSON we may hand on."""
    try:
        value = json.loads(body)
    except RecursionError:
        return "nested too deeply"
    except ValueError as error:  # UnicodeDecodeError included
        return f"not JSON ({error})"
    if nesting_depth(value) > MAX_DEPTH:
        return f"nested deeper than {MAX_DEPTH} levels"
    return None


def _receiver(channel: WebhookChannel):
    async def receive(request: web.Request) -> web.Response:
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            log.warning("%s webhook: refused a body over %s bytes", channel.name, MAX_BODY)
            return web.Response(status=413)
        problem = body_problem(body)
        if problem is not None:
            log.warning("%s webhook: refused a body that is %s", channel.name, problem)
            return web.Response(status=400)
        try:
            status = await channel.handle_webhook(request.headers, body)
        except Exception:
            # Not handled, so not acknowledged: the platform sends it again later.
            log.exception("%s webhook: handling an update failed", channel.name)
            status = 503
        return web.Response(status=status)

    return receive


def webhook_app() -> web.Application:
    return web.Application(client_max_size=MAX_BODY)


def add_webhook(app: web.Application, hook: Webhook) -> None:
    app.router.add_post(hook.path, _receiver(hook.channel))


def build_apps(rt: Runtime, channels: Mapping[str, str], address: Address | None,
               webhooks: list[Webhook]) -> dict[Address, web.Application]:
    """One application per listening address: health (at `address`) and the webhooks."""
    apps: dict[Address, web.Application] = {}
    if address is not None:
        async def healthz(_request: web.Request) -> web.Response:
            status, body = await health_now(rt, channels)
            return web.json_response(body, status=status)

        apps[address] = webhook_app()
        apps[address].router.add_get(HEALTH_PATH, healthz)
        add_office(apps[address], rt)
    for hook in webhooks:
        add_webhook(apps.setdefault(hook.address, webhook_app()), hook)
    return apps


async def start_web(rt: Runtime, channels: Mapping[str, str], address: Address | None,
                    webhooks: list[Webhook]) -> list[web.AppRunner]:
    runners: list[web.AppRunner] = []
    try:
        for (host, port), app in build_apps(rt, channels, address, webhooks).items():
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            runners.append(runner)
            await web.TCPSite(runner, host, port).start()
            paths = [HEALTH_PATH] if (host, port) == address else []
            paths += [hook.path for hook in webhooks if hook.address == (host, port)]
            log.info("http endpoint on %s:%s: %s", host, port, ", ".join(paths))
    except BaseException:
        for runner in runners:
            await runner.cleanup()
        raise
    return runners
