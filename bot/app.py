"""The running bot: channels, the reminder tick on APScheduler, and a clean shutdown."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TextIO

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import Channel
from bot.clock import Clock
from bot.config import Config, secret
from bot.conversation import Runtime, handle_update, replay_journal
from db.models import Person, Plan
from jobs import engine
from jobs.schedule import calendar_of

log = logging.getLogger(__name__)


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def build_channels(config: Config, clock: Clock, sessions: sessionmaker[Session], *,
                   stdin: TextIO | None = None, stdout: TextIO | None = None) -> dict[str, Channel]:
    """Telegram and Zalo where a token is set; the terminal chat when neither is."""
    channels: dict[str, Channel] = {}
    telegram_token = secret("TELEGRAM_BOT_TOKEN")
    if telegram_token:
        from bot.channels.telegram import TelegramChannel

        channels["telegram"] = TelegramChannel(
            telegram_token, config.telegram.api_base_url,
            webhook_url=config.telegram.webhook_url or None, webhook_listen="0.0.0.0",
            webhook_port=config.telegram.webhook_port,
            webhook_secret=secret("TELEGRAM_WEBHOOK_SECRET"))
    zalo_token = secret("ZALO_BOT_TOKEN")
    if zalo_token:
        from bot.channels.zalo import ZaloChannel

        channels["zalo"] = ZaloChannel(
            zalo_token, config.zalo.api_base_url, webhook_url=config.zalo.webhook_url or None,
            webhook_secret=secret("ZALO_WEBHOOK_SECRET"))
    if not channels:
        from bot.channels.console import ConsoleChannel

        channels["console"] = ConsoleChannel(
            partial(_people_names, sessions), clock.now, stdin=stdin, stdout=stdout,
            save_file=partial(_save_file, config))
    return channels


def _people_names(sessions: sessionmaker[Session]) -> dict[int, str]:
    with sessions() as session:
        return {p.id: f"{p.name} — {', '.join(r.name for r in p.roles)}"
                for p in session.scalars(select(Person).order_by(Person.id))}


def _save_file(config: Config, name: str, content: bytes) -> str:
    folder = config.storage.data_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return str(path)


def demo_start(sessions: sessionmaker[Session], config: Config) -> datetime | None:
    """For the terminal demo: the first reminder morning after the plan was issued, at the hour."""
    with sessions() as session:
        plan = session.scalar(select(Plan).order_by(Plan.year.desc(), Plan.id.desc()))
    if plan is None:
        return None
    calendar = calendar_of(config.reminders)
    start = plan.issued_on or datetime(plan.year, 1, 2).date()
    day = calendar.on_or_after(start + timedelta(days=1))
    at = datetime.combine(day, config.reminders.send_at, tzinfo=config.reminders.zone)
    return (at + timedelta(seconds=1)).astimezone(UTC)


async def serve(rt: Runtime, stop: asyncio.Event, *, web: tuple[str, int] | None = None) -> None:
    """Run until `stop` is set: a few fixed jobs, created here, in the in-memory job store.

    `web` (host, port) also serves /healthz and, in webhook mode, Zalo's webhook.
    """
    interval = max(0.05, rt.clock.real_seconds(rt.config.reminders.tick_seconds))
    scheduler = AsyncIOScheduler(timezone=UTC)
    state = {"leader": None}
    # A tick that starts late still runs (the database says what is due); overlapping ones merge.
    scheduler.add_job(_tick, "interval", seconds=interval, args=[rt, state], id="reminder-tick",
                      max_instances=1, coalesce=True, misfire_grace_time=int(interval * 10) + 1,
                      next_run_time=datetime.now(UTC))
    started: list[Channel] = []
    runner = None
    # Updates kept while the database was down: replayed from start on, whenever there are any.
    replayer = asyncio.create_task(_replay_journal(rt), name="journal-replay")
    try:
        for channel in rt.channels.values():
            await channel.start(partial(handle_update, rt))
            started.append(channel)
        if web is not None:
            from bot.web import start_web

            runner = await start_web(rt, web[0], web[1], rt.config.zalo.webhook_url or None)
        scheduler.start()
        # Everything built at start-up lives as long as the process: keep it out of the
        # collector's full passes, which otherwise stall the loop under load.
        gc.freeze()
        log.info("bot running as %s with %s", rt.holder, ", ".join(rt.channels))
        await stop.wait()
    finally:
        replayer.cancel()
        if scheduler.running:
            scheduler.shutdown(wait=False)
        if runner is not None:
            await runner.cleanup()
        for channel in started:
            await channel.stop()
        with rt.sessions.begin() as session:
            engine.release_lease(session, rt.holder, rt.clock.now())
        log.info("bot stopped")


async def _tick(rt: Runtime, state: dict) -> None:
    try:
        report = await engine.tick(rt.sessions, rt.config, rt.channels, rt.clock.now(), rt.holder)
    except Exception:
        log.exception("reminder tick failed")
        return
    if report.leader != state["leader"]:
        state["leader"] = report.leader
        if report.leader:
            log.info("%s runs the reminder tick", rt.holder)
        else:
            log.warning("another process (%s) runs the reminder tick; %s stands by",
                        report.holder, rt.holder)
    if report.claimed or report.sent or report.failed or report.retried:
        log.info("tick: %s reminders claimed, %s messages sent, %s retrying, %s failed",
                 report.claimed, report.sent, report.retried, report.failed)


async def _replay_journal(rt: Runtime) -> None:
    while True:
        try:
            await replay_journal(rt)
        except Exception:
            log.exception("journal replay failed")
        await asyncio.sleep(rt.journal_seconds)


def install_signal_handlers(stop: asyncio.Event) -> None:
    import signal

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - Windows
            pass

