"""The command-line commands. Each takes what it needs, including `now`; none reads the clock."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot import texts
from bot.config import SAMPLE_PLAN, Config
from bot.plan import deadlines
from bot.plan.errors import PlanError
from bot.plan.importer import import_plan
from bot.plan.interpret import interpret
from bot.plan.report import plan_json, render_report
from bot.plan.tables import read_document
from db.migrate import upgrade
from db.session import make_engine, make_sessionmaker

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=texts.CLI_DESCRIPTION)
    parser.add_argument("--config", type=Path, help=texts.CLI_CONFIG)
    commands = parser.add_subparsers(dest="command")

    run = commands.add_parser("run", help=texts.CLI_RUN)
    run.set_defaults(command="run")

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
    return parser


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


def cmd_preview_sample(config: Config, now: datetime, out: TextIO) -> int:
    print(texts.CLI_PREVIEW_SAMPLE.format(path=SAMPLE_PLAN.name), file=out)
    return cmd_import(config, SAMPLE_PLAN, year=None, unit=None, dry_run=False, as_json=False,
                      now=now, out=out)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
