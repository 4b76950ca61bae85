"""A province on one database: 100 communes, 6,000 items, 3,000 people.

Run: python bench/bench_schedule.py [--db URL]
Measures, in one process and against a baseline measured in the same run:
- expanding the schedule (refresh_schedule over every plan) vs. only reading the same
  milestone, item and role rows (the baseline: what any schedule must at least read);
- one busy morning's tick selection and claim (every commune's reminders at 07:30) vs. a
  plain SELECT of the due rows;
- the process's peak memory (resident set size) for the whole load.
Exits non-zero if a tick's selection and claim take 1 s or more, or the process peaks at
300 MB or more. Sending is timed too (against a channel that accepts at once), for reference:
real sends are paced by the chat services' rate limits.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import dataclasses
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from bot.channels.base import Sent  # noqa: E402
from bot.config import DEFAULT_CONFIG, load_config  # noqa: E402
from bot.plan.importer import import_plan  # noqa: E402
from bot.plan.interpret import interpret  # noqa: E402
from bot.plan.tables import read_document  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import ChatLink, Item, ItemRole, Milestone, Person, Reminder  # noqa: E402
from db.session import make_engine, make_sessionmaker  # noqa: E402
from jobs.engine import claim_due, tick  # noqa: E402
from jobs.schedule import refresh_schedule  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "ke-hoach-cchc-2023-bang-phuc.txt"
COMMUNES = 100
ITEMS_PER_COMMUNE = 60
PEOPLE_PER_COMMUNE = 23  # plus the 7 the sample config names: 30 a commune
IMPORTED = datetime(2023, 1, 30, 1, 0, tzinfo=UTC)
MORNING = datetime(2023, 3, 31, 0, 30, 5, tzinfo=UTC)  # a quarter's last day, 07:30 in Hà Nội
TICK_LIMIT_S = 1.0
MEMORY_LIMIT_MB = 300


class NullChannel:
    """Accepts every message at once: the bench measures our side, not the network."""

    name = "null"
    max_text = 4096
    supports_buttons = True
    supports_files = False

    async def start(self, on_update) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def send_text(self, chat_id, text, *, buttons=None, reply_to=None) -> Sent:
        return Sent("1")


def province(config, sessions, communes: int = COMMUNES) -> None:
    """Each commune: the sample plan's 46 items plus 14 more, and 30 people over its roles."""
    parsed = interpret(read_document(SAMPLE))
    extra = parsed.items[-14:]
    for number in range(communes):
        unit = config.units[0].model_copy(deep=True)
        names = [f"Cán bộ {number:03d}-{k:02d}" for k in range(PEOPLE_PER_COMMUNE)]
        roles = []
        for index, role in enumerate(unit.roles):
            people = list(role.people) + names[index::len(unit.roles)]
            roles.append(role.model_copy(update={"people": people}))
        unit = unit.model_copy(update={"name": f"UBND xã Số {number:03d}", "roles": roles})
        plan = copy.copy(parsed)
        plan.items = list(parsed.items) + [dataclasses.replace(i, code=f"9.{k}") for k, i in enumerate(extra)]
        with sessions.begin() as session:
            import_plan(session, plan, unit, IMPORTED)
    with sessions.begin() as session:
        for person_id in session.scalars(select(Person.id)):
            session.add(ChatLink(person_id=person_id, channel="null", chat_id=str(person_id),
                                 created_at=IMPORTED))


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", help="SQLAlchemy URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    url = args.db or f"sqlite:///{Path(folder.name) / 'province.db'}"
    config = load_config(DEFAULT_CONFIG)
    engine = make_engine(url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)

    import_s, _ = timed(lambda: province(config, sessions))
    with sessions() as session:
        items = session.query(Item).count()
        people = session.query(Person).count()

    def baseline_read():
        with sessions() as session:
            rows = session.execute(select(Milestone.id, Milestone.kind, Milestone.due, Item.id)
                                   .join(Item)).all()
            roles = session.execute(select(ItemRole.item_id, ItemRole.role_id)).all()
        return len(rows) + len(roles)

    def expand():
        with sessions.begin() as session:
            return refresh_schedule(session, MORNING, config.reminders)

    baseline_s, _ = timed(baseline_read)
    expand_s, refreshed = timed(expand)

    def due_rows():
        with sessions() as session:
            return len(session.execute(select(Reminder.id, Reminder.person_id).where(
                Reminder.status == "planned", Reminder.send_at <= MORNING)).all())

    select_s, due = timed(due_rows)
    channels = {"null": NullChannel()}
    claim_s, claimed = timed(lambda: claim_due(sessions, config, channels, MORNING))
    send_s, report = timed(lambda: asyncio.run(
        tick(sessions, config, channels, MORNING, "bench")))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"Province: {COMMUNES} communes, {items} items, {people} people "
          f"({engine.dialect.name}); imported in {import_s:.1f} s.\n")
    print("| step | time | baseline in the same run | ratio |")
    print("|---|---:|---:|---:|")
    print(f"| expand the schedule ({refreshed.added} reminders) | {expand_s * 1000:.0f} ms "
          f"| read the rows it needs: {baseline_s * 1000:.0f} ms | {expand_s / baseline_s:.1f}× |")
    print(f"| tick: select and claim {claimed} due reminders | {claim_s * 1000:.0f} ms "
          f"| plain SELECT of the {due} due rows: {select_s * 1000:.1f} ms "
          f"| {claim_s / select_s:.0f}× |")
    print(f"| tick: send {report.sent} messages (no network) | {send_s * 1000:.0f} ms | | |")
    print(f"\nPeak memory (RSS) for the whole load: {peak_mb:.0f} MB")
    ok = claim_s < TICK_LIMIT_S and peak_mb < MEMORY_LIMIT_MB
    print(f"Targets: a tick's selection and claim under {TICK_LIMIT_S:.0f} s "
          f"(was {claim_s:.2f} s), the whole load under {MEMORY_LIMIT_MB} MB "
          f"(was {peak_mb:.0f} MB): {'met' if ok else 'NOT met'}")
    engine.dispose()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
