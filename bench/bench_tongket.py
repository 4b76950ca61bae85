"""/tongket and the report for one commune (60 items) and across a province (100 communes).

Run: python bench/bench_tongket.py
Each figure is compared with a baseline measured in the same run: a plain SELECT of the
item and milestone rows the summary reads. Exits non-zero if /tongket takes 50 ms or
more for a commune, a commune's report (either format, year so far or a quarter) 1 s or
more, or the province-wide summary 500 ms or more.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, update  # noqa: E402

from bench.bench_schedule import IMPORTED, province  # noqa: E402
from bot.config import DEFAULT_CONFIG, load_config  # noqa: E402
from bot.talk import build_report  # noqa: E402
from bot.periods import parse_period, year_to_date  # noqa: E402
from bot.status import current_plans  # noqa: E402
from bot.summary import province_text, summary_text  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Item, ItemReply, Milestone, Person, Unit  # noqa: E402
from db.session import make_engine, make_sessionmaker  # noqa: E402

TODAY = date(2023, 7, 14)
NOW = datetime(2023, 7, 14, 2, 0, tzinfo=UTC)
COMMUNE_LIMIT_MS = 50
REPORT_LIMIT_MS = 1000
PROVINCE_LIMIT_MS = 500


def mid_year(sessions) -> None:
    """A plausible July: most early milestones done (some late), progress notes on others."""
    rng = random.Random(2023)
    with sessions.begin() as session:
        person = session.scalar(select(Person.id))
        rows = session.execute(select(Milestone.id, Milestone.due).where(
            Milestone.due.is_not(None), Milestone.due < TODAY)).all()
        for milestone_id, due in rows:
            if rng.random() < 0.7:
                late = rng.choice([-5, -1, 0, 0, 2, 9])
                done = datetime.combine(due + timedelta(days=late), datetime.min.time(), UTC)
                session.execute(update(Milestone).where(Milestone.id == milestone_id)
                                .values(done_at=done))
        for milestone_id in session.scalars(select(Milestone.id).where(Milestone.done_at.is_(None))):
            if rng.random() < 0.3:
                session.add(ItemReply(milestone_id=milestone_id, person_id=person, intent="progress",
                                      percent=50, note="đang làm", at=IMPORTED + timedelta(days=60)))


def best_ms(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def measure(label: str, communes: int, config, folder: Path) -> list[tuple]:
    engine = make_engine(f"sqlite:///{folder / f'{communes}.db'}")
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    province(config, sessions, communes)
    mid_year(sessions)
    rows = []
    with sessions() as session:
        unit_id = session.scalar(select(Unit.id).order_by(Unit.id))
        plans = current_plans(session, unit_id)
        every_plan = [p for u in session.scalars(select(Unit.id)) for p in current_plans(session, u)]

        def read(plan_ids):
            return lambda: session.execute(
                select(Item.id, Item.code, Milestone.id, Milestone.due, Milestone.done_at)
                .join(Milestone, Milestone.item_id == Item.id)
                .where(Item.plan_id.in_(plan_ids))).all()

        base = best_ms(read(plans))
        ours = best_ms(lambda: summary_text(session, unit_id, plans, TODAY, config))
        rows.append((f"/tongket, one commune ({label})", ours, base, COMMUNE_LIMIT_MS))
        if communes > 1:
            base_all = best_ms(read(every_plan), 3)
            ours_all = best_ms(lambda: province_text(session, TODAY, config), 3)
            rows.append((f"province-wide summary ({label})", ours_all, base_all, PROVINCE_LIMIT_MS))
        else:
            periods = (("", year_to_date(TODAY)),
                       (", quý II", parse_period("quý II", TODAY.year, config.reports)))
            for kind in ("xlsx", "docx"):
                for label, period in periods:
                    ms = best_ms(lambda: build_report(session, config, plans, period, kind, NOW), 3)
                    rows.append((f"report .{kind}, one commune{label}", ms, base,
                                 REPORT_LIMIT_MS))
    engine.dispose()
    return rows


def main() -> int:
    config = load_config(DEFAULT_CONFIG)
    with tempfile.TemporaryDirectory() as folder:
        rows = measure("60 items", 1, config, Path(folder))
        rows += measure("100 communes, 6,000 items", 100, config, Path(folder))
    print("| what | ours | baseline: plain SELECT of its rows | ratio | target |")
    print("|---|---:|---:|---:|---:|")
    ok = True
    for what, ours, base, limit in rows:
        target = f"< {limit} ms" if limit else ""
        if limit and ours >= limit:
            ok = False
        print(f"| {what} | {ours:.1f} ms | {base:.1f} ms | {ours / base:.0f}× | {target} |")
    print(f"\nTargets {'met' if ok else 'NOT met'} (as of {TODAY.isoformat()}, best of several runs).")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
