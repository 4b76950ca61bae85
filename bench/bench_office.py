"""The office's board (Tổng quan) served over HTTP, for one commune and in a province database.

Run: python bench/bench_office.py
Server time per page: a GET of the board (and of its chart) through aiohttp's test client,
signed in as the commune's office, best of several runs; against a plain SELECT of the item
and milestone rows the board reads, in the same run. Exits non-zero if the board takes
100 ms or more for a commune, or 1 s or more for a commune in the province database.
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
from bot.status import current_plans  # noqa: E402
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


async def measure(label: str, communes: int, config, folder: Path) -> list[tuple]:
    engine = make_engine(f"sqlite:///{folder / f'{communes}.db'}")
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    province(config, sessions, communes)
    mid_year(sessions)
    with sessions.begin() as session:
        unit_id = session.scalar(select(Unit.id).order_by(Unit.id))
        office = session.scalar(select(Person).where(Person.unit_id == unit_id,
                                                     Person.name == "Ma Thị Hoa"))
        token = issue_link(session, config, office, NOW).rsplit("/", 1)[1]
        cookie, _ = redeem(session, token, NOW)
        plans = current_plans(session, unit_id)
    rt = Runtime(sessions, config, {}, Clock(NOW, 0.0), folder / "data", "bench")
    [app] = build_apps(rt, {}, ("127.0.0.1", 0), []).values()
    async with TestClient(TestServer(app), cookies={COOKIE: cookie}) as client:
        board = await best_ms(client, "/")
        overdue = await best_ms(client, "/?state=overdue")
        chart = await best_ms(client, "/bieu-do.png", 3)
    base = plain_select_ms(sessions, plans)
    limit = COMMUNE_LIMIT_MS if communes == 1 else PROVINCE_LIMIT_MS
    engine.dispose()
    return [(f"board, one commune ({label})", board, base, limit),
            (f"board filtered to overdue ({label})", overdue, base, limit),
            (f"progress chart PNG ({label})", chart, base, None)]


async def run() -> int:
    config = load_config(DEFAULT_CONFIG)
    config = config.model_copy(update={"web": config.web.model_copy(
        update={"public_url": "https://nhacviec.example"})})
    with tempfile.TemporaryDirectory() as folder:
        rows = await measure("60 items", 1, config, Path(folder))
        rows += await measure("in a province database: 100 communes, 6,000 items", 100, config,
                              Path(folder))
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
