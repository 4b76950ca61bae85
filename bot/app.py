"""The running bot: channels, the reminder tick on APScheduler, and a clean shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import re
import socket
import uuid
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import TextIO

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import texts
from bot.channels.base import Channel
from bot.clock import Clock
from bot.config import Config, secret
from bot.people import roles_of
from bot.talk import Runtime, handle_update, replay_journal
from bot.web import Webhook, start_web
from db.models import Person, Plan
from jobs import engine
from jobs.schedule import calendar_of, local_day, send_time

log = logging.getLogger(__name__)

# Seconds before a channel that failed to start is tried again, doubling up to the cap.
TICK_STOP_SECONDS = 30
CHANNEL_RETRY = (5.0, 300.0)


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
            webhook_url=config.telegram.webhook_url or None,
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
            partial(_people_names, sessions, clock.now), clock.now, stdin=stdin, stdout=stdout,
            save_file=partial(_save_file, config))
    return channels


def _people_names(sessions: sessionmaker[Session], now) -> dict[int, str]:
    with sessions() as session:
        at = now()
        return {p.id: f"{p.name} — {', '.join(r.name for r in roles_of(session, p.id, at))}"
                for p in session.scalars(select(Person).where(Person.retired_at.is_(None))
                                         .order_by(Person.id))}


def _save_file(config: Config, name: str, content: bytes) -> str:
    folder = config.storage.data_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return str(path)


def demo_start(sessions: sessionmaker[Session], config: Config) -> datetime | None:
    """For the terminal demo: the first reminder morning after the plan was issued, at the hour."""
    with sessions() as session:
        plan = session.scalar(select(Plan).where(Plan.closed_at.is_(None))
                              .order_by(Plan.year.desc(), Plan.id.desc()))
    if plan is None:
        return None
    calendar = calendar_of(config.reminders)
    start = plan.issued_on or datetime(plan.year, 1, 2).date()
    day = calendar.on_or_after(start + timedelta(days=1))
    at = datetime.combine(day, config.reminders.send_at, tzinfo=config.reminders.zone)
    return (at + timedelta(seconds=1)).astimezone(UTC)


async def travel(rt: Runtime, arg: str, write) -> str:
    """The console's "/ngay 16/02" or "/ngay +7": the simulated clock goes to each day up to
    that one at the send hour, and the reminders and digests that fall due go out."""
    reminders = rt.config.reminders
    if rt.clock.start_at is None:
        return texts.CONSOLE_DAY_REAL
    today = local_day(rt.clock.now(), reminders.zone)
    target = _day_asked(arg, today)
    if target is None or target <= today:
        return texts.CONSOLE_DAY_USAGE
    calendar = calendar_of(reminders)
    day = today
    while day < target:
        day += timedelta(days=1)
        if day != target and not calendar.is_working_day(day):
            continue
        rt.clock.travel(send_time(day, reminders.send_at, reminders.zone) + timedelta(seconds=1))
        write(texts.CONSOLE_DAY.format(day=f"{texts.WEEKDAYS[day.weekday()]} {texts.show_date(day)}"))
        await engine.tick(rt.sessions, rt.config, rt.channels, rt.clock.now(), rt.holder)
    return texts.CONSOLE_DAY_NOW.format(day=texts.show_date(target))


def _day_asked(arg: str, today: date) -> date | None:
    from bot.replies.dates import find_date
    from bot.replies.normalise import fold

    ahead = re.fullmatch(r"\+\s*(\d{1,3})", arg.strip())
    if ahead:
        return today + timedelta(days=int(ahead.group(1)))
    found = find_date(fold(arg).key, today)
    return found.value if found is not None else None


async def serve(rt: Runtime, stop: asyncio.Event, *, web: tuple[str, int] | None = None,
                channel_retry: tuple[float, float] = CHANNEL_RETRY) -> None:
    """Run until `stop` is set: a few fixed jobs, created here, in the in-memory job store.

    `web` (host, port) also serves /healthz and, in webhook mode, Zalo's webhook; Telegram's
    webhook has an address of its own. A channel that cannot start does not stop the others:
    it is retried in the background, `channel_retry` (first wait, cap) seconds apart.
    """
    interval = max(0.05, rt.clock.real_seconds(rt.config.reminders.tick_seconds))
    console = rt.channels.get("console")
    if console is not None:
        console.travel = partial(travel, rt)
    scheduler = AsyncIOScheduler(timezone=UTC)
    state: dict = {"leader": None, "busy": None}
    # A tick that starts late still runs (the database says what is due); overlapping ones merge.
    scheduler.add_job(_tick, "interval", seconds=interval, args=[rt, state], id="reminder-tick",
                      max_instances=1, coalesce=True, misfire_grace_time=int(interval * 10) + 1,
                      next_run_time=datetime.now(UTC))
    states = {name: "starting" for name in rt.channels}
    starters: list[asyncio.Task[None]] = []
    runners = []
    # Updates kept while the database was down: replayed from start on, whenever there are any.
    replayer = asyncio.create_task(_replay_journal(rt), name="journal-replay")
    try:
        # The webhooks listen before a channel registers one, so the first update finds them.
        runners = await start_web(rt, states, web, _webhooks(rt, web))
        for name, channel in rt.channels.items():
            starters.append(asyncio.create_task(
                _keep_starting(name, channel, partial(handle_update, rt), states, channel_retry),
                name=f"start-{name}"))
        scheduler.start()
        # Everything built at start-up lives as long as the process: keep it out of the
        # collector's full passes, which otherwise stall the loop under load.
        gc.freeze()
        log.info("bot running as %s with %s", rt.holder, ", ".join(rt.channels))
        await stop.wait()
    finally:
        replayer.cancel()
        if scheduler.running:
            scheduler.pause()
            if state["busy"] is not None:
                # A tick in flight finishes recording what it sent (shutdown would cancel it,
                # leaving a delivery to recover at the next start and a traceback on the way out).
                await asyncio.wait([state["busy"]], timeout=TICK_STOP_SECONDS)
            scheduler.shutdown(wait=False)
        for task in starters:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for runner in runners:
            await runner.cleanup()
        for name, channel in rt.channels.items():
            if states[name] == "ok":
                await channel.stop()
        await asyncio.to_thread(_release_lease, rt)
        log.info("bot stopped")


def _webhooks(rt: Runtime, web: tuple[str, int] | None) -> list[Webhook]:
    hooks = []
    telegram, zalo = rt.channels.get("telegram"), rt.channels.get("zalo")
    if telegram is not None and rt.config.telegram.webhook_url:
        address = (rt.config.telegram.webhook_listen, rt.config.telegram.webhook_port)
        hooks.append(Webhook(address, rt.config.telegram.webhook_url, telegram))
    if zalo is not None and rt.config.zalo.webhook_url and web is not None:
        hooks.append(Webhook(web, rt.config.zalo.webhook_url, zalo))
    return hooks


async def _keep_starting(name: str, channel: Channel, on_update, states: dict[str, str],
                         retry: tuple[float, float]) -> None:
    """Start one channel, trying again with a doubling wait until it comes up."""
    wait, cap = retry
    failures = 0
    while True:
        try:
            await channel.start(on_update)
        except Exception as error:  # whatever the service or the network did, try again later
            failures += 1
            states[name] = "down"
            log.warning(texts.LOG_CHANNEL_DOWN.format(channel=name, reason=error, seconds=wait))
            await asyncio.sleep(wait)
            wait = min(wait * 2, cap)
            continue
        states[name] = "ok"
        if failures:
            log.info(texts.LOG_CHANNEL_BACK.format(channel=name, failures=failures))
        return


def _release_lease(rt: Runtime) -> None:
    with rt.sessions.begin() as session:
        engine.release_lease(session, rt.holder, rt.clock.now())


async def _tick(rt: Runtime, state: dict) -> None:
    state["busy"] = asyncio.current_task()
    try:
        report = await engine.tick(rt.sessions, rt.config, rt.channels, rt.clock.now(), rt.holder)
    except Exception:
        log.exception("reminder tick failed")
        return
    finally:
        state["busy"] = None
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

