"""Composition root: read the config and the clock, then hand over to one command."""

from __future__ import annotations

import logging
import os
import sys
from datetime import UTC, datetime

from bot import cli, redaction, texts
from bot.config import ConfigError, load_config


def main(argv: list[str] | None = None) -> int:
    args = cli.build_parser(os.environ.get("NHACVIEC_PROG", "python -m bot")).parse_args(argv)
    # The terminal demo is a chat: only problems interrupt it. Services log every event.
    level = logging.WARNING if args.command is None else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    redaction.install()
    for noisy in ("httpx", "httpcore", "telegram", "apscheduler", "alembic", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if args.command == "parse-deadline":
        return cli.cmd_parse_deadline(args.text, args.year, sys.stdout, sys.stdin)
    if args.command == "understand":
        return cli.cmd_understand(args.today, args.year, args.role, args.codes, args.jsonl,
                                  sys.stdin, sys.stdout)
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    now = datetime.now(UTC)
    if args.command == "migrate":
        return cli.cmd_migrate(config, sys.stdout)
    if args.command == "backup":
        return cli.cmd_backup(config, args.file, sys.stdout)
    if args.command == "restore":
        return cli.cmd_restore(config, args.file, args.force, sys.stdout)
    if args.command == "check":
        return cli.cmd_check(config, now, sys.stdout)
    if args.command == "import":
        return cli.cmd_import(config, args.file, year=args.year, unit=args.unit,
                              dry_run=args.dry_run, as_json=args.json, now=now, out=sys.stdout)
    if args.command == "schedule":
        return cli.cmd_schedule(config, args.start, args.end, args.person, args.json, now, sys.stdout)
    if args.command == "event":
        return cli.cmd_event(config, args.code, args.on, args.days, args.unit, now, sys.stdout)
    if args.command == "report":
        return cli.cmd_report(config, args.format, args.as_of, args.unit, args.output, now,
                              sys.stdout, args.period)
    if args.command == "tongket":
        return cli.cmd_tongket(config, args.what, args.all, args.as_of, args.unit, now, sys.stdout,
                               args.period)
    if args.command == "plan":
        return cli.cmd_plan(config, args.action, args.unit, now, sys.stdout,
                            which=getattr(args, "which", ""), code=getattr(args, "code", ""),
                            use=getattr(args, "use", ""))
    if args.command == "person":
        return cli.cmd_person(config, args.action, args.unit, now, sys.stdout, name=args.name,
                              new_name=getattr(args, "new_name", ""),
                              role=getattr(args, "role", None),
                              distinct=getattr(args, "distinct", False))
    if args.command == "role":
        return cli.cmd_role(config, args.action, args.unit, now, sys.stdout,
                            role=getattr(args, "role", ""), person=getattr(args, "person", ""),
                            start=getattr(args, "start", None), replace=getattr(args, "replace", None),
                            alias=getattr(args, "alias", ""), remove=getattr(args, "remove", False))
    if args.command == "web-link":
        return cli.cmd_web_link(config, args.person, args.unit, now, sys.stdout)
    if args.command == "invite":
        return cli.cmd_invite(config, args.person, args.unit, now, sys.stdout)
    if args.command == "run":
        return cli.cmd_run(config, start_at=args.start_at, speed=args.speed, demo=False, now=now,
                           out=sys.stdout)
    return cli.cmd_run(config, start_at=None, speed=1.0, demo=True, now=now, out=sys.stdout)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        # Ctrl+C before the bot's own signal handling is in place (start-up, imports, a command).
        print(texts.CLI_INTERRUPTED, file=sys.stderr)
        sys.exit(130)
    except BrokenPipeError:
        # `… | head` closed the pipe: the reader has what it wanted. Point stdout at
        # /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
