"""The office's boards served over HTTP: a commune's Tổng quan, and "Các xã" over a province.

Run: python bench/bench_office.py
Server time per page: a GET through aiohttp's test client, signed in as the first commune's
office (named an overseer of the installation, so "Các xã" opens), best of several runs;
against a plain SELECT of the item and milestone rows the page reads, in the same run.
Exits non-zero if a commune's board takes 100 ms or more (alone or in the province
database), or the province board (100 communes, 6,000 items) 1 s or more.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiohttp.test_utils import TestClient, TestServer  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench.bench_schedule import province  # noqa: E402
from bench.bench_tongket import TODAY, mid_year  # noqa: E402
from bot.clock import Clock  # noqa: E402
from bot.config import DEFAULT_CONFIG, load_config  # noqa: E402
from bot.talk import Runtime  # noqa: E402
from bot.office.auth import COOKIE, redeem, issue_link  # noqa: E402
from bot.status import current_plans, current_plans_of  # noqa: E402
from bot.web import build_apps  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Item, Milestone, Person, Unit  # noqa: E402
from db.session import make_engine, make_sessionmaker  # noqa: E402

NOW = datetime(TODAY.year, TODAY.month, TODAY.day, 3, 0, tzinfo=UTC)
COMMUNE_LIMIT_MS = 100
PROVINCE_LIMIT_MS = 1000


async def best_ms(client: TestClient, path: str, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = await client.get(path)
        await response.read()
        assert response.status == 200, response.status
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def plain_select_ms(sessions, plan_ids: list[int], repeat: int = 7) -> float:
    times = []
    with sessions() as session:
        for _ in range(repeat):
            started = time.perf_counter()
            session.execute(select(Item.id, Item.code, Item.title, Milestone.id, Milestone.due,
                                   Milestone.done_at)
                            .join(Milestone, Milestone.item_id == Item.id)
                            .where(Item.plan_id.in_(plan_ids))).all()
            times.append((time.perf_counter() - started) * 1000)
    return min(times)


async def measure(communes: int, config, folder: Path) -> list[tuple]:
    engine = make_engine(f"sqlite:///{folder / f'{communes}.db'}")
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    province(config, sessions, communes)
    mid_year(sessions)
    with sessions.begin() as session:
        unit_id = session.scalar(select(Unit.id).order_by(Unit.id))
        unit_name = session.scalar(select(Unit.name).where(Unit.id == unit_id))
        office = session.scalar(select(Person).where(Person.unit_id == unit_id,
                                                     Person.name == "Ma Thị Hoa"))
        token = issue_link(session, config, office, NOW).rsplit("/", 1)[1]
        cookie, _ = redeem(session, token, NOW)
        plans = current_plans(session, unit_id)
        every_plan = [p.id for p in current_plans_of(session)]
    # The first commune's office oversees the installation, as config.toml would name her.
    overseeing = config.units[0].model_copy(update={"name": unit_name, "overseers": [office.name]})
    config = config.model_copy(update={"units": [overseeing]})
    rt = Runtime(sessions, config, {}, Clock(NOW, 0.0), folder / "data", "bench")
    [app] = build_apps(rt, {}, ("127.0.0.1", 0), []).values()
    async with TestClient(TestServer(app), cookies={COOKIE: cookie}) as client:
        board = await best_ms(client, "/")
        overdue = await best_ms(client, "/?state=overdue")
        chart = await best_ms(client, "/bieu-do.png", 3)
        if communes > 1:
            units = await best_ms(client, "/cac-xa")
            units_overdue = await best_ms(client, "/cac-xa?state=overdue")
    base = plain_select_ms(sessions, plans)
    every = plain_select_ms(sessions, every_plan)
    engine.dispose()
    if communes == 1:
        label = "60 items"
        return [(f"board, one commune ({label})", board, base, COMMUNE_LIMIT_MS),
                (f"board filtered to overdue ({label})", overdue, base, COMMUNE_LIMIT_MS),
                (f"progress chart PNG ({label})", chart, base, None)]
    label = f"{communes} communes, 6,000 items"
    return [(f"board, one commune in a province database ({label})", board, base, COMMUNE_LIMIT_MS),
            ("board filtered to overdue, province database", overdue, base, COMMUNE_LIMIT_MS),
            ("progress chart PNG, province database", chart, base, None),
            (f"province board: Các xã ({label})", units, every, PROVINCE_LIMIT_MS),
            ("province board filtered to overdue", units_overdue, every, PROVINCE_LIMIT_MS)]


async def run() -> int:
    config = load_config(DEFAULT_CONFIG)
    config = config.model_copy(update={"web": config.web.model_copy(
        update={"public_url": "https://nhacviec.example"})})
    with tempfile.TemporaryDirectory() as folder:
        rows = await measure(1, config, Path(folder))
        rows += await measure(100, config, Path(folder))
    print("| page | server time | baseline: plain SELECT of its rows | ratio | target |")
    print("|---|---:|---:|---:|---:|")
    ok = True
    for what, ours, base, limit in rows:
        if limit and ours >= limit:
            ok = False
        target = f"< {limit} ms" if limit else ""
        print(f"| {what} | {ours:.1f} ms | {base:.2f} ms | {ours / base:.0f}× | {target} |")
    print(f"\nTargets {'met' if ok else 'NOT met'} (as of {TODAY.isoformat()}, best of several runs).")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(run()))
