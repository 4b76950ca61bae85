"""The command-line commands. Each takes what it needs, including `now`; none reads the clock."""

from __future__ import annotations

import argparse
import io
import json
import logging
import re
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import NoReturn, TextIO

from sqlalchemy import func, select

from bot import texts
from bot.config import SAMPLE_PLAN, Config
from bot.plan import deadlines
from bot.plan.errors import PlanError
from bot.plan.importer import import_plan
from bot.plan.interpret import fold, interpret
from bot.plan.report import plan_json, render_report
from bot.plan.tables import read_document
from bot.replies import ROLES, read_reply
from db.migrate import upgrade
from db.models import Item, Milestone, Person, Plan, Unit
from db.session import make_engine, make_sessionmaker
from jobs.rules import KINDS
from jobs.schedule import local_day, refresh_schedule, wanted_reminders

log = logging.getLogger(__name__)

# argparse's own error messages (Python 3.11-3.13), each to the key of its Vietnamese text.
ARGPARSE_ERRORS = [
    (r"argument (?P<argument>.+?): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.*)\)",
     "invalid_choice"),
    (r"argument (?P<argument>.+?): invalid (?P<type>\S+) value: (?P<value>.+)", "invalid_value"),
    (r"argument (?P<argument>.+?): expected .*arguments?", "expected_value"),
    (r"argument (?P<argument>.+?): ignored explicit argument (?P<value>.+)", "unexpected_value"),
    (r"the following arguments are required: (?P<arguments>.+)", "required"),
    (r"unrecognized arguments: (?P<arguments>.+)", "unrecognized"),
    (r"ambiguous option: (?P<option>\S+) could match (?P<matches>.+)", "ambiguous"),
    # What our own `type=` functions raise is Vietnamese already.
    (r"argument (?P<argument>.+?): (?P<detail>.+)", "argument"),
]


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None) -> None:
        super().add_usage(usage, actions, groups, texts.CLI_USAGE if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """argparse with its usage, help headings and errors in Vietnamese; subcommands inherit it."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = texts.CLI_POSITIONALS
        self._optionals.title = texts.CLI_OPTIONALS
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help=texts.CLI_HELP)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, texts.CLI_ERROR.format(prog=self.prog, reason=argparse_reason(message)) + "\n")


def argparse_reason(message: str) -> str:
    for pattern, key in ARGPARSE_ERRORS:
        found = re.fullmatch(pattern, message, re.DOTALL)
        if found:
            return texts.CLI_ARGPARSE_ERRORS[key].format(**found.groupdict())
    return texts.CLI_ARGPARSE_ERRORS["other"].format(detail=message)


def build_parser(prog: str = "python -m bot") -> argparse.ArgumentParser:
    parser = Parser(prog=prog, description=texts.CLI_DESCRIPTION)
    parser.add_argument("--config", type=Path, help=texts.CLI_CONFIG)
    commands = parser.add_subparsers(dest="command", metavar=texts.CLI_COMMAND)

    run = commands.add_parser("run", help=texts.CLI_RUN)
    run.add_argument("--start-at", type=_moment, metavar=texts.CLI_MOMENT, help=texts.CLI_START_AT)
    run.add_argument("--speed", type=float, default=1.0, help=texts.CLI_SPEED)

    report = commands.add_parser("report", help=texts.CLI_REPORT)
    report.add_argument("--format", choices=("xlsx", "docx"), default="xlsx", help=texts.CLI_FORMAT)
    report.add_argument("--as-of", type=_day, metavar=texts.CLI_DAY, help=texts.CLI_AS_OF)
    report.add_argument("--period", help=texts.CLI_PERIOD)
    report.add_argument("--unit", help=texts.CLI_IMPORT_UNIT)
    report.add_argument("--output", type=Path, help=texts.CLI_OUTPUT)

    tongket = commands.add_parser("tongket", help=texts.CLI_TONGKET)
    tongket.add_argument("what", nargs="*", help=texts.CLI_DRILL)
    tongket.add_argument("--all", action="store_true", help=texts.CLI_ALL_UNITS)
    tongket.add_argument("--as-of", type=_day, metavar=texts.CLI_DAY, help=texts.CLI_AS_OF)
    tongket.add_argument("--period", help=texts.CLI_PERIOD)
    tongket.add_argument("--unit", help=texts.CLI_IMPORT_UNIT)

    invite = commands.add_parser("invite", help=texts.CLI_INVITE)
    invite.add_argument("person", help=texts.CLI_INVITE_PERSON)
    invite.add_argument("--unit", help=texts.CLI_IMPORT_UNIT)

    web_link = commands.add_parser("web-link", help=texts.CLI_WEB_LINK)
    web_link.add_argument("person", help=texts.CLI_INVITE_PERSON)
    web_link.add_argument("--unit", help=texts.CLI_IMPORT_UNIT)

    imp = commands.add_parser("import", help=texts.CLI_IMPORT)
    imp.add_argument("file", type=Path, help=texts.CLI_IMPORT_FILE)
    imp.add_argument("--year", type=int, help=texts.CLI_IMPORT_YEAR)
    imp.add_argument("--unit", help=texts.CLI_IMPORT_UNIT)
    imp.add_argument("--dry-run", action="store_true", help=texts.CLI_IMPORT_DRY_RUN)
    imp.add_argument("--json", action="store_true", help=texts.CLI_IMPORT_JSON)

    parse = commands.add_parser("parse-deadline", help=texts.CLI_PARSE_DEADLINE)
    parse.add_argument("--year", type=int, help=texts.CLI_IMPORT_YEAR)
    parse.add_argument("text", nargs="*", help=texts.CLI_PARSE_TEXT)

    understand = commands.add_parser("understand", help=texts.CLI_UNDERSTAND)
    understand.add_argument("--today", type=date.fromisoformat, required=True, help=texts.CLI_TODAY)
    understand.add_argument("--year", type=int, help=texts.CLI_REPLY_YEAR)
    understand.add_argument("--role", choices=ROLES, default="official", help=texts.CLI_ROLE)
    understand.add_argument("--codes", default="", help=texts.CLI_CODES)
    understand.add_argument("--jsonl", action="store_true", help=texts.CLI_JSONL)

    commands.add_parser("migrate", help=texts.CLI_MIGRATE)
    commands.add_parser("check", help=texts.CLI_CHECK)

    backup = commands.add_parser("backup", help=texts.CLI_BACKUP)
    backup.add_argument("file", type=Path, help=texts.CLI_BACKUP_FILE)
    restore = commands.add_parser("restore", help=texts.CLI_RESTORE)
    restore.add_argument("file", type=Path, help=texts.CLI_BACKUP_FILE)
    restore.add_argument("--force", action="store_true", help=texts.CLI_FORCE)

    schedule = commands.add_parser("schedule", help=texts.CLI_SCHEDULE)
    schedule.add_argument("--from", dest="start", type=_day, metavar=texts.CLI_DAY,
                          help=texts.CLI_FROM)
    schedule.add_argument("--to", dest="end", type=_day, metavar=texts.CLI_DAY, help=texts.CLI_TO)
    schedule.add_argument("--person", help=texts.CLI_PERSON)
    schedule.add_argument("--json", action="store_true", help=texts.CLI_JSON)

    plan = commands.add_parser("plan", help=texts.CLI_PLAN)
    plan_commands = plan.add_subparsers(dest="action", required=True)
    plan_list = plan_commands.add_parser("list", help=texts.CLI_PLAN_LIST)
    plan_list.add_argument("--unit", help=texts.CLI_IMPORT_UNIT)
    plan_close = plan_commands.add_parser("close", help=texts.CLI_PLAN_CLOSE)
    plan_close.add_argument("which", help=texts.CLI_PLAN_WHICH)
    plan_close.add_argument("--unit", help=texts.CLI_IMPORT_UNIT)
    plan_resolve = plan_commands.add_parser("resolve", help=texts.CLI_PLAN_RESOLVE)
    plan_resolve.add_argument("which", help=texts.CLI_PLAN_WHICH)
    plan_resolve.add_argument("code", help=texts.CLI_PLAN_CODE)
    plan_resolve.add_argument("use", choices=("document", "decision"), help=texts.CLI_PLAN_USE)
    plan_resolve.add_argument("--unit", help=texts.CLI_IMPORT_UNIT)

    person = commands.add_parser("person", help=texts.CLI_PERSON)
    person_commands = person.add_subparsers(dest="action", required=True)
    person_add = person_commands.add_parser("add", help=texts.CLI_PERSON_ADD)
    person_add.add_argument("name", help=texts.CLI_PERSON_NAME)
    person_add.add_argument("--role", help=texts.CLI_PERSON_ROLE)
    person_add.add_argument("--distinct", action="store_true", help=texts.CLI_PERSON_DISTINCT)
    person_rename = person_commands.add_parser("rename", help=texts.CLI_PERSON_RENAME)
    person_rename.add_argument("name", help=texts.CLI_ROLE_PERSON)
    person_rename.add_argument("new_name", help=texts.CLI_PERSON_NEW_NAME)
    person_rename.add_argument("--distinct", action="store_true", help=texts.CLI_PERSON_DISTINCT)
    person_retire = person_commands.add_parser("retire", help=texts.CLI_PERSON_RETIRE)
    person_retire.add_argument("name", help=texts.CLI_ROLE_PERSON)
    for one in (person_add, person_rename, person_retire):
        one.add_argument("--unit", help=texts.CLI_IMPORT_UNIT)

    role = commands.add_parser("role", help=texts.CLI_ROLE_GROUP)
    role_commands = role.add_subparsers(dest="action", required=True)
    role_add = role_commands.add_parser("add", help=texts.CLI_ROLE_ADD)
    role_add.add_argument("role", help=texts.CLI_ROLE_NEW)
    role_assign = role_commands.add_parser("assign", help=texts.CLI_ROLE_ASSIGN)
    role_assign.add_argument("role", help=texts.CLI_ROLE_NAME)
    role_assign.add_argument("person", help=texts.CLI_ROLE_PERSON)
    role_assign.add_argument("--from", dest="start", type=_day, metavar=texts.CLI_DAY,
                             help=texts.CLI_ROLE_FROM)
    role_assign.add_argument("--replace", metavar=texts.CLI_ROLE_PERSON_METAVAR,
                             help=texts.CLI_ROLE_REPLACE)
    role_take = role_commands.add_parser("take", help=texts.CLI_ROLE_TAKE)
    role_take.add_argument("role", help=texts.CLI_ROLE_NAME)
    role_take.add_argument("person", help=texts.CLI_ROLE_PERSON)
    role_take.add_argument("--from", dest="start", type=_day, metavar=texts.CLI_DAY,
                           help=texts.CLI_ROLE_FROM)
    role_alias = role_commands.add_parser("alias", help=texts.CLI_ROLE_ALIAS)
    role_alias.add_argument("role", help=texts.CLI_ROLE_NAME)
    role_alias.add_argument("alias", help=texts.CLI_ROLE_ALIAS_NAME)
    role_alias.add_argument("--remove", action="store_true", help=texts.CLI_ROLE_REMOVE)
    role_list = role_commands.add_parser("list", help=texts.CLI_ROLE_LIST)
    for one in (role_add, role_assign, role_take, role_alias, role_list):
        one.add_argument("--unit", help=texts.CLI_IMPORT_UNIT)

    event = commands.add_parser("event", help=texts.CLI_EVENT)
    event.add_argument("code", help=texts.CLI_CODE)
    event.add_argument("--on", type=_day, metavar=texts.CLI_DAY, required=True,
                       help=texts.CLI_EVENT_ON)
    event.add_argument("--days", type=int, help=texts.CLI_EVENT_DAYS)
    event.add_argument("--unit", help=texts.CLI_IMPORT_UNIT)
    return parser


def _day(text: str) -> date:
    """A date as the office writes it (31/01/2023) or in ISO (2023-01-31)."""
    value = text.strip()
    try:
        return datetime.strptime(value, "%d/%m/%Y").date() if "/" in value \
            else date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(texts.CLI_BAD_DATE.format(value=text)) from None


def _moment(text: str) -> datetime:
    """ISO or 08/02/2023 07:25; without a zone it is the commune's time, which `cmd_run` applies."""
    value = text.strip()
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    for layout in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, layout)
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(texts.CLI_BAD_MOMENT.format(value=text))


def cmd_run(config: Config, *, start_at: datetime | None, speed: float, demo: bool,
            now: datetime, out: TextIO) -> int:
    """Start the bot; `demo` (plain `python -m bot`) first loads the bundled sample plan."""
    import asyncio

    from bot.app import build_channels, demo_start, holder_name, install_signal_handlers, serve
    from bot.clock import Clock
    from bot.config import secret
    from bot.talk import Runtime
    from jobs.engine import plans_exist

    engine = make_engine(config.database.url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        from bot.people import ensure_unit

        # The first start takes the units' people and roles from config.toml, once.
        for unit_config in config.units:
            ensure_unit(session, unit_config)
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
    if start_at is not None and start_at.tzinfo is None:
        start_at = start_at.replace(tzinfo=config.reminders.zone)
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
    from bot.talk import build_report, save_report
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
        name, content = build_report(session, config, plan_ids, chosen, kind, now)
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


def find_plan(session, unit_id: int, which: str, *, current_only: bool = True) -> Plan:
    """The plan the office names: its number, its year (if only one that year), or part of its title."""
    query = select(Plan).where(Plan.unit_id == unit_id).order_by(Plan.year, Plan.id)
    if current_only:
        query = query.where(Plan.closed_at.is_(None))
    plans = session.scalars(query).all()
    wanted = which.strip().removeprefix("#")
    if wanted.isdigit():
        chosen = [p for p in plans if p.id == int(wanted)] or [
            p for p in plans if p.year == int(wanted)]
    else:
        chosen = [p for p in plans if fold(wanted) in fold(p.title)]
    if not chosen:
        raise PlanError("unknown_plan", plan=which)
    if len(chosen) > 1:
        raise PlanError("ambiguous_plan", plan=which, plans="; ".join(
            f"số {p.id} ({p.year}) {p.title}" for p in chosen))
    return chosen[0]


def cmd_plan(config: Config, action: str, unit: str | None, now: datetime, out: TextIO, *,
             which: str = "", code: str = "", use: str = "") -> int:
    """`plan list`, `plan close`, `plan resolve`: the office's say over which plans are followed."""
    from sqlalchemy import func

    from bot.plan.importer import resolve_conflict

    unit_config = config.unit(unit)
    engine = make_engine(config.database.url)
    upgrade(engine)
    try:
        with make_sessionmaker(engine).begin() as session:
            if unit_config is None:
                raise PlanError("unknown_unit", unit=unit)
            unit_id = session.scalar(select(Unit.id).where(Unit.name == unit_config.name))
            if action == "list":
                lines = []
                for plan in session.scalars(select(Plan).where(Plan.unit_id == unit_id)
                                            .order_by(Plan.year, Plan.id)):
                    items = session.scalar(select(func.count()).select_from(Item).where(
                        Item.plan_id == plan.id, Item.removed_at.is_(None)))
                    disputed = session.scalar(select(func.count()).select_from(Milestone).join(Item)
                                              .where(Item.plan_id == plan.id,
                                                     Milestone.disputed_due.is_not(None),
                                                     Milestone.retired_at.is_(None)))
                    state = (texts.PLAN_LIST_CLOSED.format(day=_local_day(plan.closed_at, config))
                             if plan.closed_at else texts.PLAN_LIST_OPEN)
                    if disputed:
                        state += texts.PLAN_LIST_DISPUTED.format(count=disputed)
                    lines.append(texts.PLAN_LIST_LINE.format(
                        id=plan.id, year=plan.year, unit=unit_config.name, title=plan.title,
                        items=items, state=state))
                print("\n".join(lines) or texts.PLAN_LIST_EMPTY, file=out)
                return 0
            if unit_id is None:
                raise PlanError("unknown_plan", plan=which)
            if action == "close":
                plan = find_plan(session, unit_id, which, current_only=False)
                if plan.closed_at is not None:
                    print(texts.PLAN_ALREADY_CLOSED.format(
                        id=plan.id, day=_local_day(plan.closed_at, config)), file=out)
                    return 0
                plan.closed_at = now
                session.flush()
                refresh_schedule(session, now, config.reminders, [plan.id])
                log.info("plan %s closed", plan.id)
                print(texts.PLAN_CLOSED.format(id=plan.id, year=plan.year, title=plan.title),
                      file=out)
                return 0
            plan = find_plan(session, unit_id, which)
            resolved = resolve_conflict(session, plan.id, code, use)
            refresh_schedule(session, now, config.reminders, [plan.id],
                             milestone_ids=[m.id for m in resolved])
            log.info("plan %s item %s: conflict resolved by the %s", plan.id, code, use)
            for milestone in resolved:
                print(texts.PLAN_RESOLVED.format(
                    code=code + (f" ({milestone.label})" if milestone.label else ""),
                    due=texts.show_date(milestone.due),
                    plan_due=texts.show_date(milestone.original_due or milestone.due)), file=out)
            return 0
    except PlanError as error:
        log.warning("plan %s %s refused: %s %s", action, which, error.code, error.params)
        print(error, file=sys.stderr)
        return 2
    finally:
        engine.dispose()


def _local_day(moment: datetime, config: Config) -> str:
    return texts.show_date(moment.astimezone(config.reminders.zone).date())


def cmd_person(config: Config, action: str, unit: str | None, now: datetime, out: TextIO, *,
               name: str, new_name: str = "", role: str | None = None,
               distinct: bool = False) -> int:
    """`person add|rename|retire`: the people of a unit, in the database."""
    from bot import people

    def change(session, unit_row) -> str:
        if action == "add":
            found = people.find_role(session, unit_row, role) if role else None
            person = people.add_person(session, unit_row, name, distinct=distinct)
            lines = [texts.PEOPLE_ADDED.format(name=person.name, unit=unit_row.name)]
            if found is not None:
                day = local_day(now, config.reminders.zone)
                people.assign_role(session, found, person, day, now, config.reminders.zone)
                lines.append(texts.PEOPLE_ASSIGNED.format(name=person.name, role=found.name,
                                                          day=texts.show_date(day)))
            _cli_audit(session, unit_row, now, "person.add", f"person:{person.id}", None,
                       {"name": person.name, "role": found.name if found else None})
            return "\n".join(lines)
        person = people.find_person(session, unit_row, name)
        if action == "rename":
            old = people.rename_person(session, person, new_name, distinct=distinct)
            _cli_audit(session, unit_row, now, "person.rename", f"person:{person.id}",
                       {"name": old}, {"name": person.name})
            return texts.PEOPLE_RENAMED.format(old=old, new=person.name)
        orphaned = people.retire_person(session, person, now)
        _cli_audit(session, unit_row, now, "person.retire", f"person:{person.id}",
                   {"retired_at": None}, {"retired_at": now.isoformat(),
                                          "roles_left": [r.name for r in orphaned]})
        lines = [texts.PEOPLE_RETIRED.format(
            name=person.name, day=texts.show_date(local_day(now, config.reminders.zone)))]
        if orphaned:
            lines.append(texts.PEOPLE_HAND_OVER.format(roles=", ".join(r.name for r in orphaned)))
        return "\n".join(lines)

    return _people_command(config, unit, now, out, change, f"person {action}")


def cmd_role(config: Config, action: str, unit: str | None, now: datetime, out: TextIO, *,
             role: str = "", person: str = "", start: date | None = None,
             replace: str | None = None, alias: str = "", remove: bool = False) -> int:
    """`role add|assign|take|alias|list`: the roles of a unit and who holds them from which day."""
    from bot import people

    zone = config.reminders.zone
    day = start or local_day(now, zone)

    def change(session, unit_row) -> str:
        if action == "list":
            return _role_list(session, unit_row, now, zone)
        if action == "add":
            found = people.add_role(session, unit_row, role)
            _cli_audit(session, unit_row, now, "role.add", f"role:{found.id}", None,
                       {"name": found.name})
            return texts.PEOPLE_ROLE_ADDED.format(role=found.name, unit=unit_row.name)
        found = people.find_role(session, unit_row, role)
        if action == "alias":
            before = list(found.aliases)
            if remove:
                done = people.remove_alias(session, found, alias)
                answer = texts.PEOPLE_ALIAS_REMOVED.format(alias=done, role=found.name)
            else:
                done = people.add_alias(session, found, alias)
                answer = texts.PEOPLE_ALIAS_ADDED.format(alias=done, role=found.name)
            _cli_audit(session, unit_row, now, "role.alias", f"role:{found.id}",
                       {"aliases": before}, {"aliases": list(found.aliases)})
            return answer
        holder = people.find_person(session, unit_row, person)
        old = None
        if action == "take":
            people.take_role(session, found, holder, day, now, zone)
            answer = texts.PEOPLE_TAKEN.format(name=holder.name, role=found.name,
                                               day=texts.show_date(day))
        else:
            old = people.find_person(session, unit_row, replace) if replace else None
            people.assign_role(session, found, holder, day, now, zone, replace=old)
            answer = (texts.PEOPLE_HANDED.format(
                role=found.name, old=old.name, last=texts.show_date(day - timedelta(days=1)),
                name=holder.name, day=texts.show_date(day)) if old else
                texts.PEOPLE_ASSIGNED.format(name=holder.name, role=found.name,
                                             day=texts.show_date(day)))
        _cli_audit(session, unit_row, now, f"role.{action}", f"role:{found.id}", None,
                   {"person": holder.name, "from": day.isoformat(),
                    "replaced": old.name if old else None})
        return answer

    return _people_command(config, unit, now, out, change, f"role {action}")


def _people_command(config: Config, unit: str | None, now: datetime, out: TextIO, change,
                    what: str) -> int:
    """One transaction: the change, then the unit's reminders follow the holders at once."""
    from bot.people import reschedule

    def work(session, unit_row: Unit) -> str:
        answer = change(session, unit_row)
        reschedule(session, unit_row.id, now, config.reminders)
        log.info("%s done for %s", what, unit_row.name)
        return answer

    return _unit_command(config, unit, out, work, what)


def _unit_command(config: Config, unit: str | None, out: TextIO, work, what: str,
                  refusals: tuple[type[Exception], ...] = ()) -> int:
    """`work(session, unit_row)` in one transaction on the unit; prints what it returns.

    A refusal (a PeopleError, or one of `refusals`) prints its Vietnamese text and changes
    nothing.
    """
    from bot.people import PeopleError, ensure_unit

    unit_config = config.unit(unit)
    if unit_config is None:
        print(texts.plan_error("unknown_unit", {"unit": unit}), file=sys.stderr)
        return 2
    engine = make_engine(config.database.url)
    upgrade(engine)
    try:
        with make_sessionmaker(engine).begin() as session:
            unit_row = ensure_unit(session, unit_config)
            try:
                answer = work(session, unit_row)
            except (PeopleError, *refusals) as refusal:
                log.warning("%s refused: %s %s", what,
                            getattr(refusal, "code", type(refusal).__name__),
                            getattr(refusal, "params", ""))
                print(refusal, file=sys.stderr)
                session.rollback()
                return 2
    finally:
        engine.dispose()
    print(answer, file=out)
    return 0


def _cli_audit(session, unit_row: Unit, now: datetime, action: str, target: str,
               before: dict | None, after: dict | None) -> None:
    # The command line has no signed-in person: the entry says it came from there.
    from db.models import AuditEntry

    session.add(AuditEntry(unit_id=unit_row.id, person_id=None, at=now, action=f"cli.{action}",
                           target=target, before=before, after=after))


def _role_list(session, unit_row: Unit, now: datetime, zone) -> str:
    from bot.people import holder_names
    from db.models import PersonRole, Role

    roles = list(session.scalars(select(Role).where(Role.unit_id == unit_row.id).order_by(Role.name)))
    held = holder_names(session, [r.id for r in roles], now)
    lines = []
    for role in roles:
        lines.append(texts.ROLE_LIST_LINE.format(
            role=role.name, duty=texts.ROLE_DUTIES.get(role.duty, ""),
            holders=", ".join(held.get(role.id, [])) or texts.PEOPLE_NOBODY))
        if role.aliases:
            lines.append(texts.ROLE_LIST_ALIASES.format(aliases="; ".join(role.aliases)))
        for span in session.scalars(select(PersonRole).where(
                PersonRole.role_id == role.id, PersonRole.valid_from > now)
                .order_by(PersonRole.valid_from)):
            lines.append(texts.ROLE_LIST_FUTURE.format(
                day=texts.show_date(span.valid_from.astimezone(zone).date()), name=span.person.name))
    return "\n".join(lines)


def cmd_invite(config: Config, who: str, unit: str | None, now: datetime, out: TextIO) -> int:
    from bot.people import PeopleError, find_person
    from bot.talk import create_invitation

    def work(session, unit_row: Unit) -> str:
        person = find_person(session, unit_row, who, partial=True)
        if person.retired_at is not None:
            raise PeopleError("retired", name=person.name)
        code = create_invitation(session, person, now)
        link = (f"https://t.me/{config.telegram.bot_username}?start={code}"
                if config.telegram.bot_username else None)
        return texts.invite_text(person.name, code, link)

    return _unit_command(config, unit, out, work, "invite")


def cmd_web_link(config: Config, who: str, unit: str | None, now: datetime, out: TextIO) -> int:
    """A first sign-in link for the office's web page, for someone not yet in a chat."""
    from bot.office.auth import LINK_MINUTES, LinkRefused, issue_link
    from bot.people import find_person

    def work(session, unit_row: Unit) -> str:
        person = find_person(session, unit_row, who)
        url = issue_link(session, config, person, now)
        return texts.WEB_LINK_CLI.format(name=person.name, minutes=LINK_MINUTES, url=url)

    return _unit_command(config, unit, out, work, "web-link", (LinkRefused,))


def cmd_check(config: Config, now: datetime, out: TextIO) -> int:
    """What this installation has: config, database, channels, plans, who cannot be reached."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import func

    from bot.config import secret
    from db.migrate import alembic_config
    from db.models import ChatLink, Person, Role, TickLease

    from bot.people import config_differences, holders

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
            for plan in session.scalars(select(Plan).where(Plan.closed_at.is_(None))
                                        .order_by(Plan.year.desc())):
                count = session.scalar(select(func.count()).select_from(Item).where(
                    Item.plan_id == plan.id, Item.removed_at.is_(None)))
                lines.append(texts.CHECK_PLAN.format(unit=plan.unit.name, title=plan.title,
                                                     items=count))
            for unit_config in config.units:
                differences = config_differences(session, unit_config, now)
                if differences is None:
                    lines.append(texts.CHECK_PEOPLE_NOT_SEEDED.format(unit=unit_config.name))
                elif differences:
                    lines += [texts.CHECK_PEOPLE_DIFFER.format(unit=unit_config.name), *differences]
                else:
                    lines.append(texts.CHECK_PEOPLE_SAME.format(unit=unit_config.name))
            held = holders(session, now)
            empty = [r.name for r in session.scalars(select(Role).order_by(Role.name))
                     if r.id not in held]
            if empty:
                lines.append(texts.CHECK_EMPTY_ROLES.format(roles=", ".join(empty)))
            linked = set(session.scalars(select(ChatLink.person_id).where(
                ChatLink.unreachable_at.is_(None))))
            unlinked = [p.name for p in session.scalars(select(Person).where(
                Person.retired_at.is_(None)).order_by(Person.name)) if p.id not in linked]
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
            # A dry run still reports unknown owners, against the roles the database holds.
            from bot.people import ensure_unit, role_book
            from bot.plan.roles import assign_roles

            engine = make_engine(config.database.url)
            upgrade(engine)
            with make_sessionmaker(engine).begin() as session:
                assign_roles(parsed, role_book(session, ensure_unit(session, unit_config)))
            engine.dispose()
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


def cmd_understand(today: date, year: int | None, role: str, codes: str, jsonl: bool,
                   stdin: TextIO, out: TextIO) -> int:
    """One JSON line of what was understood for each message read from `stdin`."""
    known = frozenset(c.strip() for c in codes.split(",") if c.strip())
    status = 0
    for number, line in enumerate(stdin, 1):
        line = line.rstrip("\r\n")
        if not jsonl:
            record = read_reply(line, today, year=year, role=role, known_codes=known).as_json()
        else:
            try:
                text, day, who, mine = _understand_request(line, today, role, known)
                record = read_reply(text, day, year=year, role=who, known_codes=mine).as_json()
            except ValueError as error:
                log.warning("understand: line %d refused: %s", number, error)
                record = {"error": texts.UNDERSTAND_BAD_LINE.format(line=number, error=error)}
                status = 1
        print(json.dumps(record, ensure_ascii=False), file=out)
    return status


def _understand_request(line: str, today: date, role: str, known: frozenset[str]
                        ) -> tuple[str, date, str, frozenset[str]]:
    """The message, day, role and codes of one --jsonl line; ValueError says what is wrong."""
    try:
        request = json.loads(line)
    except json.JSONDecodeError as error:
        raise ValueError(texts.UNDERSTAND_BAD_OBJECT) from error
    if not isinstance(request, dict) or not isinstance(request.get("text"), str):
        raise ValueError(texts.UNDERSTAND_BAD_OBJECT)
    try:
        day = date.fromisoformat(request["today"]) if request.get("today") else today
    except (TypeError, ValueError) as error:
        raise ValueError(texts.UNDERSTAND_BAD_TODAY) from error
    who = request.get("role") or role
    if who not in ROLES:
        raise ValueError(texts.UNDERSTAND_BAD_ROLE.format(roles=", ".join(ROLES)))
    codes = request.get("codes")
    mine = frozenset(str(c) for c in codes) if isinstance(codes, list) else known
    return request["text"], day, who, mine


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
                   Milestone.retired_at.is_(None), Plan.closed_at.is_(None),
                   Unit.name == (unit_config.name if unit_config else ""))
            .order_by(Plan.year.desc(), Milestone.position))
        if milestone is None:
            print(texts.EVENT_NOT_FOUND.format(code=code), file=sys.stderr)
            return 2
        from bot.office.items import mark_event

        due = mark_event(session, milestone, on, days or config.reminders.event_due_days, now,
                         config)
    engine.dispose()
    print(texts.EVENT_MARKED.format(code=code, on=texts.show_date(on), due=texts.show_date(due)),
          file=out)
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
