"""The command-line commands. Each takes what it needs, including `now`; none reads the clock."""

from __future__ import annotations

import argparse
import io
import json
import logging
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from sqlalchemy import func, select

from bot import texts
from bot.config import SAMPLE_PLAN, Config
from bot.plan import deadlines
from bot.plan.errors import PlanError
from bot.plan.importer import import_plan
from bot.plan.interpret import fold, interpret
from bot.plan.report import plan_json, render_report
from bot.plan.tables import read_document
from db.migrate import upgrade
from db.models import Item, Milestone, Person, Plan, Unit
from db.session import make_engine, make_sessionmaker
from jobs.rules import KINDS
from jobs.schedule import local_day, refresh_schedule, wanted_reminders

log = logging.getLogger(__name__)



def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=texts.CLI_DESCRIPTION)
    parser.add_argument("--config", type=Path, help=texts.CLI_CONFIG)
    commands = parser.add_subparsers(dest="command")

    run = commands.add_parser("run", help=texts.CLI_RUN)
    run.add_argument("--start-at", type=_aware, help=texts.CLI_START_AT)
    run.add_argument("--speed", type=float, default=1.0, help=texts.CLI_SPEED)

    report = commands.add_parser("report", help=texts.CLI_REPORT)
    report.add_argument("--format", choices=("xlsx", "docx"), default="xlsx", help=texts.CLI_FORMAT)
    report.add_argument("--as-of", type=date.fromisoformat, help=texts.CLI_AS_OF)
    report.add_argument("--period", help=texts.CLI_PERIOD)
    report.add_argument("--unit", help=texts.CLI_IMPORT_UNIT)
    report.add_argument("--output", type=Path, help=texts.CLI_OUTPUT)

    tongket = commands.add_parser("tongket", help=texts.CLI_TONGKET)
    tongket.add_argument("what", nargs="*", help=texts.CLI_DRILL)
    tongket.add_argument("--all", action="store_true", help=texts.CLI_ALL_UNITS)
    tongket.add_argument("--as-of", type=date.fromisoformat, help=texts.CLI_AS_OF)
    tongket.add_argument("--period", help=texts.CLI_PERIOD)
    tongket.add_argument("--unit", help=texts.CLI_IMPORT_UNIT)

    invite = commands.add_parser("invite", help=texts.CLI_INVITE)
    invite.add_argument("person", help=texts.CLI_INVITE_PERSON)
    invite.add_argument("--unit", help=texts.CLI_IMPORT_UNIT)

    imp = commands.add_parser("import", help=texts.CLI_IMPORT)
    imp.add_argument("file", type=Path, help=texts.CLI_IMPORT_FILE)
    imp.add_argument("--year", type=int, help=texts.CLI_IMPORT_YEAR)
    imp.add_argument("--unit", help=texts.CLI_IMPORT_UNIT)
    imp.add_argument("--dry-run", action="store_true", help=texts.CLI_IMPORT_DRY_RUN)
    imp.add_argument("--json", action="store_true", help=texts.CLI_IMPORT_JSON)

    parse = commands.add_parser("parse-deadline", help=texts.CLI_PARSE_DEADLINE)
    parse.add_argument("--year", type=int, help=texts.CLI_IMPORT_YEAR)
    parse.add_argument("text", nargs="*", help=texts.CLI_PARSE_TEXT)

    commands.add_parser("migrate", help=texts.CLI_MIGRATE)
    commands.add_parser("check", help=texts.CLI_CHECK)

    backup = commands.add_parser("backup", help=texts.CLI_BACKUP)
    backup.add_argument("file", type=Path, help=texts.CLI_BACKUP_FILE)
    restore = commands.add_parser("restore", help=texts.CLI_RESTORE)
    restore.add_argument("file", type=Path, help=texts.CLI_BACKUP_FILE)
    restore.add_argument("--force", action="store_true", help=texts.CLI_FORCE)

    schedule = commands.add_parser("schedule", help=texts.CLI_SCHEDULE)
    schedule.add_argument("--from", dest="start", type=date.fromisoformat, help=texts.CLI_FROM)
    schedule.add_argument("--to", dest="end", type=date.fromisoformat, help=texts.CLI_TO)
    schedule.add_argument("--person", help=texts.CLI_PERSON)
    schedule.add_argument("--json", action="store_true", help=texts.CLI_JSON)

    event = commands.add_parser("event", help=texts.CLI_EVENT)
    event.add_argument("code", help=texts.CLI_CODE)
    event.add_argument("--on", type=date.fromisoformat, required=True, help=texts.CLI_EVENT_ON)
    event.add_argument("--days", type=int, help=texts.CLI_EVENT_DAYS)
    event.add_argument("--unit", help=texts.CLI_IMPORT_UNIT)
    return parser


def _aware(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(texts.CLI_NEED_ZONE)
    return value


def cmd_run(config: Config, *, start_at: datetime | None, speed: float, demo: bool,
            now: datetime, out: TextIO) -> int:
    """Start the bot; `demo` (plain `python -m bot`) first loads the bundled sample plan."""
    import asyncio

    from bot.app import build_channels, demo_start, holder_name, install_signal_handlers, serve
    from bot.clock import Clock
    from bot.config import secret
    from bot.conversation import Runtime
    from jobs.engine import plans_exist

    engine = make_engine(config.database.url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        empty = not plans_exist(session)
    if demo and empty:
        code = cmd_import(config, SAMPLE_PLAN, year=None, unit=None, dry_run=False, as_json=False,
                          now=now, out=io.StringIO())
        if code:
            return code
        print(texts.CLI_SAMPLE_LOADED.format(path=SAMPLE_PLAN.name), file=out)
    console_only = not (secret("TELEGRAM_BOT_TOKEN") or secret("ZALO_BOT_TOKEN"))
    if start_at is None and demo and console_only:
        start_at = demo_start(sessions, config)
    clock = Clock(start_at, speed)
    if start_at is not None:
        print(texts.CLI_SIMULATED.format(start=start_at.astimezone(config.reminders.zone)
                                         .strftime("%d/%m/%Y %H:%M:%S"), speed=speed), file=out)
    channels = build_channels(config, clock, sessions)
    runtime = Runtime(sessions, config, channels, clock, config.storage.data_dir, holder_name())

    async def main() -> None:
        stop = asyncio.Event()
        install_signal_handlers(stop)
        # The terminal demo needs no HTTP endpoint; `run` always has one, for health checks.
        await serve(runtime, stop, web=None if demo else (config.web.listen, config.web.port))

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    finally:
        engine.dispose()
    return 0


def _unit_plans(session, config: Config, unit: str | None) -> tuple[int | None, list[int]]:
    from bot.status import current_plans

    unit_config = config.unit(unit)
    unit_id = session.scalar(select(Unit.id).where(Unit.name == unit_config.name)) if unit_config else None
    return unit_id, current_plans(session, unit_id) if unit_id else []


def cmd_report(config: Config, kind: str, as_of: date | None, unit: str | None,
               output: Path | None, now: datetime, out: TextIO, period: str | None = None) -> int:
    """`--period 2023-Q1`: that quarter as it stood at its cut-off; `--as-of`: what "today" is."""
    from bot.conversation import build_report, save_report
    from bot.periods import report_period

    today = as_of or local_day(now, config.reminders.zone)
    engine = make_engine(config.database.url)
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        _, plan_ids = _unit_plans(session, config, unit)
        if not plan_ids:
            print(texts.SUMMARY_NO_PLAN, file=sys.stderr)
            return 2
        plan_year = session.scalar(select(func.max(Plan.year)).where(Plan.id.in_(plan_ids)))
        chosen = report_period(period or "", plan_year, today, config.reports)
        if chosen is None:
            print(texts.PERIOD_UNKNOWN.format(text=period), file=sys.stderr)
            return 2
        name, content = build_report(session, config, plan_ids, chosen, kind)
    engine.dispose()
    if output is None:
        path = save_report(config, name, content)
    else:
        output.write_bytes(content)
        path = output
    print(texts.REPORT_SAVED_CLI.format(path=path), file=out)
    return 0


def cmd_tongket(config: Config, what: list[str], everyone: bool, as_of: date | None,
                unit: str | None, now: datetime, out: TextIO, period: str | None = None) -> int:
    from bot.summary import province_text, summary_text

    from bot.periods import parse_period

    today = as_of or local_day(now, config.reminders.zone)
    # --period takes the words /tongket takes ("2023-Q1", "quý I") in place of a drill-down.
    if period and parse_period(period, today.year, config.reports) is None:
        print(texts.PERIOD_UNKNOWN.format(text=period), file=sys.stderr)
        return 2
    engine = make_engine(config.database.url)
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        if everyone:
            text = province_text(session, today, config)
        else:
            unit_id, plan_ids = _unit_plans(session, config, unit)
            text = summary_text(session, unit_id or 0, plan_ids, today, config,
                                period or " ".join(what))
    engine.dispose()
    print(text, file=out)
    return 0


def cmd_invite(config: Config, who: str, unit: str | None, now: datetime, out: TextIO) -> int:
    from bot.conversation import create_invitation

    unit_config = config.unit(unit)
    engine = make_engine(config.database.url)
    upgrade(engine)
    with make_sessionmaker(engine).begin() as session:
        if unit_config is None:
            print(texts.plan_error("unknown_unit", {"unit": unit}), file=sys.stderr)
            return 2
        from bot.plan.importer import sync_unit

        unit_row = sync_unit(session, unit_config)
        wanted = fold(who)
        people = [p for p in unit_row.people if wanted and wanted in fold(p.name)]
        if len(people) != 1:
            names = ", ".join(p.name for p in unit_row.people)
            print(texts.INVITE_WHO.format(who=who, names=names), file=sys.stderr)
            return 2
        person = people[0]
        code = create_invitation(session, person, now)
        name = person.name
    engine.dispose()
    link = (f"https://t.me/{config.telegram.bot_username}?start={code}"
            if config.telegram.bot_username else None)
    print(texts.invite_text(name, code, link), file=out)
    return 0


def cmd_check(config: Config, now: datetime, out: TextIO) -> int:
    """What this installation has: config, database, channels, plans, who cannot be reached."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import func

    from bot.config import secret
    from db.migrate import alembic_config
    from db.models import ChatLink, Person, Role, TickLease

    lines = [texts.CHECK_CONFIG.format(units=len(config.units),
                                       roles=sum(len(u.roles) for u in config.units),
                                       people=len({p for u in config.units for r in u.roles
                                                   for p in r.people}))]
    engine = make_engine(config.database.url)
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except Exception as error:  # an unreachable database is what this command reports
        log.warning("check: database unreachable: %s", error)
        print("\n".join(lines + [texts.CHECK_DB_DOWN.format(url=_safe_url(config.database.url))]),
              file=out)
        return 1
    healthy = current == head
    lines.append((texts.CHECK_DB_OK if healthy else texts.CHECK_DB_BEHIND).format(
        url=_safe_url(config.database.url), current=current or "—", head=head))
    for name, token, mode in (("Telegram", "TELEGRAM_BOT_TOKEN", config.telegram.webhook_url),
                              ("Zalo", "ZALO_BOT_TOKEN", config.zalo.webhook_url)):
        state = (texts.CHECK_WEBHOOK.format(url=mode) if mode else texts.CHECK_POLLING) \
            if secret(token) else texts.CHECK_NO_TOKEN.format(variable=token)
        lines.append(texts.CHECK_CHANNEL.format(name=name, state=state))
    if healthy:
        with make_sessionmaker(engine)() as session:
            for plan in session.scalars(select(Plan).order_by(Plan.year.desc())):
                count = session.scalar(select(func.count()).select_from(Item).where(
                    Item.plan_id == plan.id, Item.removed_at.is_(None)))
                lines.append(texts.CHECK_PLAN.format(unit=plan.unit.name, title=plan.title,
                                                     items=count))
            empty = [r.name for r in session.scalars(select(Role)) if not r.people]
            if empty:
                lines.append(texts.CHECK_EMPTY_ROLES.format(roles=", ".join(empty)))
            linked = set(session.scalars(select(ChatLink.person_id).where(
                ChatLink.unreachable_at.is_(None))))
            unlinked = [p.name for p in session.scalars(select(Person).order_by(Person.name))
                        if p.id not in linked]
            if unlinked:
                lines.append(texts.CHECK_UNLINKED.format(count=len(unlinked),
                                                         names=", ".join(unlinked)))
            lease = session.get(TickLease, "reminder-tick")
            lines.append(texts.CHECK_TICK_RUNNING.format(holder=lease.holder)
                         if lease and lease.expires_at > now else texts.CHECK_TICK_IDLE)
    engine.dispose()
    print("\n".join(lines), file=out)
    return 0 if healthy else 1


def cmd_backup(config: Config, file: Path, out: TextIO) -> int:
    from db.backup import BackupError, backup

    engine = make_engine(config.database.url)
    try:
        info = backup(engine, file)
    except BackupError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(texts.BACKUP_DONE.format(path=info.path, rows=info.rows, revision=info.revision), file=out)
    return 0


def cmd_restore(config: Config, file: Path, force: bool, out: TextIO) -> int:
    from db.backup import BackupError, restore

    engine = make_engine(config.database.url)
    try:
        info = restore(engine, file, force=force)
    except BackupError as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(texts.RESTORE_DONE.format(path=info.path, rows=info.rows), file=out)
    return 0


def cmd_migrate(config: Config, out: TextIO) -> int:
    upgrade(make_engine(config.database.url))
    print(texts.MIGRATED.format(url=_safe_url(config.database.url)), file=out)
    return 0


def cmd_import(config: Config, file: Path, *, year: int | None, unit: str | None, dry_run: bool,
               as_json: bool, now: datetime, out: TextIO) -> int:
    unit_config = config.unit(unit)
    try:
        if unit_config is None:
            raise PlanError("unknown_unit", unit=unit)
        parsed = interpret(read_document(file), year=year)
        result = None
        if not dry_run:
            engine = make_engine(config.database.url)
            upgrade(engine)
            with make_sessionmaker(engine).begin() as session:
                result = import_plan(session, parsed, unit_config, now)
                refresh_schedule(session, now, config.reminders, [result.plan_id])
            engine.dispose()
        elif parsed.year is None:
            raise PlanError("no_year", path=parsed.source)
        else:
            # A dry run still reports unknown owners.
            from bot.plan.roles import assign_roles

            assign_roles(parsed, unit_config)
    except PlanError as error:
        log.warning("import of %s failed: %s %s", file, error.code, error.params)
        print(texts.IMPORT_FAILED.format(reason=error), file=sys.stderr)
        return 2
    if as_json:
        json.dump(plan_json(parsed), out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        print(render_report(parsed, result), file=out)
    return 0


def cmd_parse_deadline(texts_in: list[str], year: int | None, out: TextIO, stdin: TextIO) -> int:
    lines = texts_in or [line.rstrip("\n") for line in stdin]
    status = 0
    for text in lines:
        try:
            milestones, understood = deadlines.parse_deadline_checked(text, year)
            record = {"text": text, "understood": understood,
                      "milestones": [m.as_json() for m in milestones]}
        except deadlines.DeadlineError as error:
            record = {"text": text, "error": str(error)}
            status = 1
        print(json.dumps(record, ensure_ascii=False), file=out)
    return status


def schedule_rows(session, config: Config, start: date, end: date,
                  person: str | None = None) -> list[dict[str, object]]:
    """The reminders the stored plans will produce, one row per person and day."""
    wanted = wanted_reminders(session, start, end, config.reminders)
    people = {p.id: p.name for p in session.scalars(select(Person))}
    milestones = {m.id: (m, item) for m, item in session.execute(select(Milestone, Item).join(Item))}
    grouped: dict[tuple[date, str], list[dict[str, object]]] = {}
    for want in wanted:
        name = people[want.person_id]
        if person and fold(person) not in fold(name):
            continue
        milestone, item = milestones[want.planned.milestone_id]
        grouped.setdefault((want.planned.day, name), []).append({
            "code": item.code, "label": milestone.label, "kind": want.planned.kind,
            "step": want.planned.step,
            "due": want.planned.due.isoformat() if want.planned.due else None,
        })
    send_at = config.reminders.send_at.strftime("%H:%M")
    rows = []
    for (day, name), entries in sorted(grouped.items()):
        entries.sort(key=lambda e: (KINDS.index(str(e["kind"])), str(e["due"]), str(e["code"])))
        rows.append({"date": day.isoformat(), "time": send_at, "person": name, "items": entries})
    return rows


def cmd_schedule(config: Config, start: date | None, end: date | None, person: str | None,
                 as_json: bool, now: datetime, out: TextIO) -> int:
    start = start or local_day(now, config.reminders.zone)
    end = end or start + timedelta(days=30)
    engine = make_engine(config.database.url)
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        rows = schedule_rows(session, config, start, end, person)
    engine.dispose()
    if as_json:
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    if not rows:
        print(texts.SCHEDULE_EMPTY.format(start=texts.show_date(start), end=texts.show_date(end)),
              file=out)
    for row in rows:
        day = date.fromisoformat(str(row["date"]))
        print(texts.schedule_heading(day, str(row["time"]), str(row["person"])), file=out)
        for entry in row["items"]:
            print("   " + texts.schedule_entry(entry), file=out)
    return 0


def cmd_event(config: Config, code: str, on: date, days: int | None, unit: str | None,
              now: datetime, out: TextIO) -> int:
    """Mark that the event an item waits for has happened: its due date now counts."""
    unit_config = config.unit(unit)
    engine = make_engine(config.database.url)
    upgrade(engine)
    with make_sessionmaker(engine).begin() as session:
        milestone = session.scalar(
            select(Milestone).join(Item).join(Plan).join(Unit)
            .where(Item.code == code, Milestone.kind == "event", Item.removed_at.is_(None),
                   Unit.name == (unit_config.name if unit_config else ""))
            .order_by(Plan.year.desc(), Milestone.position))
        if milestone is None:
            print(texts.EVENT_NOT_FOUND.format(code=code), file=sys.stderr)
            return 2
        milestone.event_on = on
        milestone.event_due_days = days or config.reminders.event_due_days
        session.flush()
        refresh_schedule(session, now, config.reminders)
        due = on + timedelta(days=milestone.event_due_days)
    engine.dispose()
    print(texts.EVENT_MARKED.format(code=code, on=texts.show_date(on), due=texts.show_date(due)),
          file=out)
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
