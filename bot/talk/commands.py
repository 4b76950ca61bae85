"""The slash commands: /viec /lich /kenh /huongdan /tongket /baocao /xong /giahan.

`COMMANDS` maps each name to its handler (ctx, args) -> Answer; a new command is one entry.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.config import Config
from bot.plan.interpret import fold
from bot.status import load_items
from bot.talk.context import Context
from bot.talk.intake import Answer
from db.models import ChatLink, Item, Milestone, Plan
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
        from bot.chart import progress_chart

        views = load_items(ctx.session, ctx.plan_ids, ctx.today, ctx.zone)
        answer.photo = progress_chart(views, ctx.today,
                                      title=_plans_title(ctx.session, ctx.plan_ids)[1])
    return answer


def _report(ctx: Context, args: str) -> Answer:
    """The appendix table with each item's state: a document where the channel takes files."""
    if not ctx.plan_ids:
        return Answer(texts.SUMMARY_NO_PLAN)
    kind = "docx" if fold(args) in ("docx", "word") else "xlsx"
    name, content = build_report(ctx.session, ctx.rt.config, ctx.plan_ids, ctx.today, kind)
    channel = ctx.rt.channels.get(ctx.incoming.channel)
    if channel is not None and channel.supports_files and ctx.incoming.channel != "console":
        return Answer(texts.REPORT_SENT.format(name=name), document=(name, content))
    path = save_report(ctx.rt.config, name, content)
    return Answer(texts.REPORT_SAVED.format(path=path))


def build_report(session: Session, config: Config, plan_ids: list[int], today: date,
                 kind: str) -> tuple[str, bytes]:
    from bot.reports import build_docx, build_xlsx
    from jobs.schedule import calendar_of

    plan, title = _plans_title(session, plan_ids)
    build = build_docx if kind == "docx" else build_xlsx
    content = build(session, plan_ids, today, config.reminders.zone, title=title,
                    unit=plan.unit.name, calendar=calendar_of(config.reminders))
    return texts.report_file_name(plan.year, today, kind), content


def _plans_title(session: Session, plan_ids: list[int]) -> tuple[Plan, str]:
    """The latest of the plans, and the title that names them all."""
    plans = session.scalars(select(Plan).where(Plan.id.in_(plan_ids))
                            .order_by(Plan.year, Plan.id)).all()
    if len(plans) == 1:
        return plans[0], plans[0].title
    return plans[-1], texts.REPORT_SEVERAL_PLANS.format(
        years=", ".join(sorted({str(p.year) for p in plans})))


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
}
