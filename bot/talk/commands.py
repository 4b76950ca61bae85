"""The slash commands: /viec /lich /kenh /huongdan /tongket /baocao /xong /giahan.

`COMMANDS` maps each name to its handler (ctx, args) -> Answer; a new command is one entry.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.config import Config
from bot.plan.interpret import fold
from bot.status import load_items
from bot.talk.context import Context
from bot.talk.intake import Answer
from db.models import ChatLink, Item, Milestone
from jobs.schedule import wanted_reminders


def command(ctx: Context, name: str, args: str) -> Answer:
    handler = COMMANDS.get(name)
    if handler is None:
        return Answer(texts.UNKNOWN_COMMAND)
    return handler(ctx, args)


def _start(ctx: Context, args: str) -> Answer:
    return Answer(texts.HELLO_AGAIN.format(name=ctx.person.name) + "\n\n" + texts.HELP)


def _help(ctx: Context, args: str) -> Answer:
    return Answer(texts.HELP)


def _done(ctx: Context, args: str) -> Answer:
    from bot.talk.replies import reply

    return reply(ctx, ctx.read(f"xong {args}"))


def _extend(ctx: Context, args: str) -> Answer:
    from bot.talk.replies import reply

    parts = args.split(maxsplit=1)
    if len(parts) < 2:
        return Answer(texts.GIAHAN_USAGE)
    return reply(ctx, ctx.read(f"gia hạn {parts[0]} đến {parts[1]}"))


def _leaders_only(handler):
    def checked(ctx: Context, args: str) -> Answer:
        if not (ctx.is_chairman() or ctx.is_office()):
            return Answer(texts.CHAIRMAN_ONLY)
        return handler(ctx, args)
    return checked


def _summary(ctx: Context, args: str) -> Answer:
    from bot.summary import summary_text

    answer = Answer(summary_text(ctx.session, ctx.who.unit_id, ctx.plan_ids, ctx.today,
                                 ctx.rt.config, args))
    channel = ctx.rt.channels.get(ctx.incoming.channel)
    if not args and ctx.plan_ids and channel is not None and channel.supports_files:
        from bot.chart import chart_for

        answer.photo = chart_for(ctx.session, ctx.plan_ids, ctx.today, ctx.zone)
    return answer


def _report(ctx: Context, args: str) -> Answer:
    """The report for a period ("/baocao quý 1 word"): a document where the channel takes files."""
    from bot.periods import report_period

    if not ctx.plan_ids:
        return Answer(texts.SUMMARY_NO_PLAN)
    words = args.split()
    kind = "docx" if any(fold(w) in ("docx", "word") for w in words) else "xlsx"
    asked = " ".join(w for w in words if fold(w) not in ("docx", "word", "xlsx", "excel"))
    period = report_period(asked, ctx.plan_year or ctx.today.year, ctx.today,
                           ctx.rt.config.reports)
    if period is None:
        return Answer(texts.PERIOD_UNKNOWN.format(text=asked))
    name, content = build_report(ctx.session, ctx.rt.config, ctx.plan_ids, period, kind, ctx.now)
    channel = ctx.rt.channels.get(ctx.incoming.channel)
    if channel is not None and channel.supports_files and ctx.incoming.channel != "console":
        return Answer(texts.REPORT_SENT.format(name=name), document=(name, content))
    path = save_report(ctx.rt.config, name, content)
    return Answer(texts.REPORT_SAVED.format(path=path))


def build_report(session: Session, config: Config, plan_ids: list[int], period,
                 kind: str, now: datetime) -> tuple[str, bytes]:
    from bot.config import report_heading_for
    from bot.reports import build_docx, build_xlsx, gather, plans_title, signer_of
    from jobs.schedule import calendar_of

    plan, title = plans_title(session, plan_ids)
    unit = config.unit(plan.unit.name)
    report = gather(session, plan_ids, period, config.reminders.zone, title=title,
                    unit=plan.unit.name, heading=unit.report if unit else
                    report_heading_for(plan.unit.name), signer=signer_of(session, plan, now),
                    issued=plan.issued_on, calendar=calendar_of(config.reminders))
    content = (build_docx if kind == "docx" else build_xlsx)(report)
    return texts.report_file_name(plan.year, period.kind, period.end, kind), content


def _web(ctx: Context, args: str) -> Answer:
    from bot.office.auth import web_command

    return Answer(web_command(ctx.session, ctx.rt.config, ctx.person, ctx.now))


def save_report(config: Config, name: str, content: bytes) -> Path:
    folder = config.storage.data_dir / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path.resolve()


def open_items_text(ctx: Context) -> str:
    """The person's own open items, soonest first."""
    views = load_items(ctx.session, ctx.plan_ids, ctx.today, ctx.zone)
    items = {item.id: item for item in ctx.session.scalars(
        select(Item).where(Item.id.in_([v.id for v in views])))}
    mine = [v for v in views if v.open_milestones and any(
        a.part == "owner" and a.role_id in ctx.role_ids for a in items[v.id].assignments)]
    if not mine:
        return texts.NOTHING_OPEN
    mine.sort(key=lambda v: (v.next_due or date.max, v.position))
    return texts.my_items(mine, ctx.today)


def _my_items(ctx: Context, args: str = "") -> Answer:
    return Answer(open_items_text(ctx))


def _my_schedule(ctx: Context, args: str = "") -> Answer:
    end = ctx.today + timedelta(days=30)
    wanted = [w for w in wanted_reminders(ctx.session, ctx.today, end, ctx.rt.config.reminders,
                                          ctx.plan_ids) if w.person_id == ctx.who.person_id]
    if not wanted:
        return Answer(texts.NO_SCHEDULE)
    codes = {m.id: item.code for m, item in ctx.session.execute(
        select(Milestone, Item).join(Item).where(
            Milestone.id.in_({w.planned.milestone_id for w in wanted})))}
    by_day: dict[date, list[str]] = {}
    for want in sorted(wanted, key=lambda w: w.planned.day):
        entry = f"{codes[want.planned.milestone_id]} ({texts.REMINDER_KIND_NAMES[want.planned.kind]})"
        if entry not in by_day.setdefault(want.planned.day, []):
            by_day[want.planned.day].append(entry)
    return Answer(texts.my_schedule(by_day, ctx.rt.config.reminders.send_at.strftime("%H:%M")))


def _channel_choice(ctx: Context, args: str) -> Answer:
    links = ctx.session.scalars(select(ChatLink).where(ChatLink.person_id == ctx.who.person_id)).all()
    wanted = fold(args)
    if wanted:
        chosen = [link for link in links if link.channel == wanted]
        if not chosen:
            return Answer(texts.CHANNEL_NOT_LINKED.format(channel=args))
        for link in links:
            link.preferred = link in chosen
        return Answer(texts.CHANNEL_CHOSEN.format(channel=texts.CHANNEL_NAMES[chosen[0].channel]))
    listing = ", ".join(
        texts.CHANNEL_NAMES.get(link.channel, link.channel) + (texts.CHANNEL_IN_USE if link.preferred else "")
        for link in links) or "—"
    return Answer(texts.CHANNELS.format(channels=listing))


COMMANDS = {
    "start": _start, "batdau": _start,
    "huongdan": _help, "help": _help,
    "viec": _my_items,
    "xong": _done,
    "giahan": _extend,
    "lich": _my_schedule,
    "kenh": _channel_choice,
    "tongket": _leaders_only(_summary),
    "baocao": _leaders_only(_report),
    "web": _web,
}
