"""Update handling through the fake Telegram server, real long polling, vs. a bare echo bot.

Run: python bench/bench_updates.py [--burst N] [--profile]
Both bots run in this process, each against its own FakeTelegram on 127.0.0.1, and get the
same 2,000 text updates in the same pattern (bursts of --burst updates, default 200; the
next burst is queued when every message of the previous one has been answered):
- the baseline: a bare python-telegram-bot 22 Application with one MessageHandler that
  sends the text back (no rate limiter, sequential updates, long polling);
- ours: `bot.app.serve` with the Telegram channel (rate limiting OFF: the fake server has no
  limits and we measure our own handling), on SQLite in a temporary folder with the sample
  plan imported and 200 more people linked to Telegram chats. Each person sends 10 replies
  about items their role owns: "xong <code>" while the role has open milestones to close
  (spread over the stream, the last one on the role's last message), "đang làm 50% <code>"
  otherwise, so every message changes something.
Throughput is messages per second from the first update queued to the last answer recorded
by the fake; latency is per message, from queueing the update to the fake recording the
answer to that chat (answers are matched to messages in order, per chat).
Exits non-zero if ours handles less than half the echo bot's throughput, or if any check
fails (every message stored and answered as expected, one milestone closed per "xong").
"""

from __future__ import annotations

import argparse
import statistics
import asyncio
import cProfile
import io
import logging
import os
import pstats
import sys
import tempfile
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters  # noqa: E402

import bot.app as app_module  # noqa: E402
from bot.app import serve  # noqa: E402
from bot.channels.telegram import ALLOWED_UPDATES, TelegramChannel  # noqa: E402
from bot.clock import Clock  # noqa: E402
from bot.config import DEFAULT_CONFIG, load_config  # noqa: E402
from bot.people import roles_of  # noqa: E402
from bot.talk import Runtime  # noqa: E402
from bot.plan.importer import import_plan  # noqa: E402
from bot.plan.interpret import interpret  # noqa: E402
from bot.plan.tables import read_document  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import ChatLink, Item, ItemReply, Message, Milestone, Person  # noqa: E402
from db.session import make_engine, make_sessionmaker  # noqa: E402
from tests.fakes import FakeTelegram  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "ke-hoach-cchc-2023-bang-phuc.txt"
IMPORTED = datetime(2023, 1, 30, 1, 0, tzinfo=UTC)
START = datetime(2023, 2, 8, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội, a Wednesday
PEOPLE = 200
PER_PERSON = 10
FIRST_CHAT = 700_000
POLL_TIMEOUT = 10  # seconds, both bots (the channel's default)
BURST_TIMEOUT = 120  # seconds to answer one burst before the run is declared failed
# The roles of the sample plan that own items; the bench's people are spread over them.
OWNER_ROLES = (
    "Bộ phận 1 cửa", "Công chức VP-TK", "Văn phòng HĐND-UBND xã", "Các công chức chuyên môn",
    "Công chức Kế toán -TC", "Công chức Tư pháp", "Công chức Văn hóa - Xã hội", "Thư ký ISO",
)
TARGET_RATIO = 0.5
MEASURING = False  # set while updates are being queued and answered


# ------------------------------------------------------------------ the fake, stamped

class StampedTelegram(FakeTelegram):
    """FakeTelegram that stamps every sendMessage it records while measuring."""

    def __init__(self) -> None:
        super().__init__()
        self.measuring = False
        self.answers: list[tuple[float, int, str]] = []  # (perf_counter, chat_id, text)
        self.target = 0
        self.reached = asyncio.Event()

    def _record(self, method, chat_id, params, **fields) -> None:
        super()._record(method, chat_id, params, **fields)
        if self.measuring and method == "sendMessage":
            self.answers.append((time.perf_counter(), chat_id, fields.get("text") or ""))
            if len(self.answers) >= self.target:
                self.reached.set()


# ------------------------------------------------------------------ the messages

@dataclass(frozen=True)
class Said:
    chat_id: int
    text: str
    intent: str  # "done" | "progress"
    code: str

    def expected(self, answer: str) -> bool:
        if self.intent == "done":
            return answer.startswith(f"✅ Đã ghi nhận: {self.code} ")
        return answer.startswith(f"⏳ Đã ghi nhận: {self.code} ") and "đang thực hiện 50%" in answer


@dataclass
class Run:
    name: str
    messages: int
    seconds: float
    latencies_ms: list[float]
    by_intent: dict[str, list[float]] = field(default_factory=dict)
    wrong_answers: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    def pct(self, p: float, values: list[float] | None = None) -> float:
        values = sorted(self.latencies_ms if values is None else values)
        return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def plan_messages(people: list[tuple[int, str, list[tuple[str, int]]]]) -> list[Said]:
    """Stream order (round by round, person by person); every message changes something.

    `people`: (chat id, role, [(item code, open milestones)] the role owns). Per role, its
    "xong" messages are spread evenly over the role's slots in the stream, the last one on
    the role's last slot, closing its items in order; every other slot says "đang làm 50%"
    about an item that is still open at that point.
    """
    by_role: dict[str, list[int]] = defaultdict(list)
    owned: dict[str, list[tuple[str, int]]] = {}
    for chat_id, role, items in people:
        by_role[role].append(chat_id)
        owned[role] = items
    slots: dict[int, list[Said | None]] = {chat: [None] * PER_PERSON for chat, _, _ in people}
    for role, chats in by_role.items():
        order = [(round_, chat) for round_ in range(PER_PERSON) for chat in chats]
        closing = [code for code, count in owned[role] for _ in range(count)][:len(order)]
        open_left = dict(owned[role])
        xong_at = {-(-(j + 1) * len(order) // len(closing)) - 1: code
                   for j, code in enumerate(closing)}
        cursor = 0
        codes = [code for code, _ in owned[role]]
        for index, (round_, chat) in enumerate(order):
            if index in xong_at:
                code = xong_at[index]
                open_left[code] -= 1
                slots[chat][round_] = Said(chat, f"xong {code}", "done", code)
                continue
            while open_left[codes[cursor % len(codes)]] == 0:
                cursor += 1
            code = codes[cursor % len(codes)]
            cursor += 1
            slots[chat][round_] = Said(chat, f"đang làm 50% {code}", "progress", code)
    return [slots[chat][round_] for round_ in range(PER_PERSON) for chat, _, _ in people]


# ------------------------------------------------------------------ driving a bot

async def drive(name: str, tg: StampedTelegram, stream: list[Said], burst: int) -> Run:
    """Queue the stream in bursts; each burst once the previous one is fully answered."""
    global MEASURING
    queued: dict[int, deque[tuple[float, Said]]] = defaultdict(deque)
    tg.answers.clear()
    tg.measuring = MEASURING = True
    first = None
    for start in range(0, len(stream), burst):
        chunk = stream[start:start + burst]
        tg.target = start + len(chunk)
        tg.reached.clear()
        for said in chunk:
            at = time.perf_counter()
            first = first if first is not None else at
            tg.user_says(said.chat_id, said.text, first_name=f"CB {said.chat_id}")
            queued[said.chat_id].append((at, said))
        if len(tg.answers) < tg.target:
            try:
                await asyncio.wait_for(tg.reached.wait(), BURST_TIMEOUT)
            except TimeoutError:
                raise SystemExit(f"{name}: only {len(tg.answers)} of {tg.target} messages "
                                 f"answered within {BURST_TIMEOUT} s") from None
    tg.measuring = MEASURING = False
    last = max(at for at, _, _ in tg.answers)
    run = Run(name, len(stream), last - first, [], {"done": [], "progress": []})
    for at, chat_id, text in tg.answers:
        sent_at, said = queued[chat_id].popleft()
        ms = (at - sent_at) * 1000
        run.latencies_ms.append(ms)
        run.by_intent[said.intent].append(ms)
        if name != "echo" and not said.expected(text):
            run.wrong_answers.append(f"{said.text!r} -> {text!r}")
        if name == "echo" and text != said.text:
            run.wrong_answers.append(f"{said.text!r} -> {text!r}")
    return run


async def run_echo(stream: list[Said], burst: int) -> Run:
    async with StampedTelegram() as tg:
        app = (ApplicationBuilder().token(tg.token).base_url(tg.base_url)
               .base_file_url(tg.base_file_url).job_queue(None).build())

        async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            await context.bot.send_message(update.effective_chat.id, update.message.text)

        app.add_handler(MessageHandler(filters.TEXT, echo))
        await app.initialize()
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=timedelta(seconds=POLL_TIMEOUT),
                                        allowed_updates=ALLOWED_UPDATES)
        try:
            await tg.wait_until(lambda: "getUpdates" in tg.calls, 10)
            return await drive("echo", tg, stream, burst)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()


# ------------------------------------------------------------------ our bot

def build_world(folder: Path):
    """Config with 200 more people in the owner roles, the sample plan, chats linked."""
    config = load_config(DEFAULT_CONFIG)
    quiet = config.reminders.model_copy(update={"tick_seconds": 3600})
    unit = config.units[0]
    names = [f"Cán bộ {k:03d}" for k in range(PEOPLE)]
    role_of = {name: OWNER_ROLES[k % len(OWNER_ROLES)] for k, name in enumerate(names)}
    roles = []
    for role in unit.roles:
        extra = [name for name in names if role_of[name] == role.name]
        roles.append(role.model_copy(update={"people": list(role.people) + extra}))
    missing = set(OWNER_ROLES) - {role.name for role in unit.roles}
    if missing:
        raise SystemExit(f"config has no role(s) {sorted(missing)}")
    unit = unit.model_copy(update={"roles": roles})
    config = config.model_copy(update={"reminders": quiet, "units": [unit]})

    engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        import_plan(session, interpret(read_document(SAMPLE)), unit, IMPORTED)
    people = []
    with sessions.begin() as session:
        for k, name in enumerate(names):
            person = session.scalar(select(Person).where(Person.name == name))
            chat_id = FIRST_CHAT + k
            session.add(ChatLink(person_id=person.id, channel="telegram", chat_id=str(chat_id),
                                 preferred=True, created_at=IMPORTED))
            role_ids = {role.id for role in roles_of(session, person.id, IMPORTED)}
            items = []
            for item in session.scalars(select(Item).order_by(Item.position)):
                if any(a.part == "owner" and a.role_id in role_ids for a in item.assignments):
                    open_ = [m for m in item.milestones if m.done_at is None and m.kind != "none"]
                    if open_:
                        items.append((item.code, len(open_)))
            if not items:
                raise SystemExit(f"{name} ({role_of[name]}) owns no open item")
            people.append((chat_id, role_of[name], items))
    return engine, sessions, config, people


class Warnings(logging.Handler):
    """Keeps what is logged at WARNING and above while measuring (the rest goes to /dev/null).

    The start-up tick's warnings are left out: the sample's own seven people have no chat,
    so their reminders fail with no_chat before the measurement begins.
    """

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if MEASURING:
            self.records.append(f"{record.levelname} {record.name}: {record.getMessage()}")


async def run_ours(stream: list[Said], burst: int, sessions, config, folder: Path,
                   profiler: cProfile.Profile | None) -> tuple[Run, int]:
    first_tick = asyncio.Event()
    original_tick = app_module._tick

    async def noted_tick(rt, state):
        try:
            await original_tick(rt, state)
        finally:
            first_tick.set()

    app_module._tick = noted_tick  # only to know when the start-up tick has finished
    try:
        async with StampedTelegram() as tg:
            channel = TelegramChannel(tg.token, tg.base_url, api_base_file_url=tg.base_file_url,
                                      rate_limit=False, poll_timeout=POLL_TIMEOUT)
            rt = Runtime(sessions, config, {"telegram": channel},
                         Clock(start_at=START, speed=1), folder / "data", "bench")
            stop = asyncio.Event()
            task = asyncio.create_task(serve(rt, stop))
            try:
                await asyncio.wait_for(first_tick.wait(), 60)
                await tg.wait_until(lambda: "getUpdates" in tg.calls, 10)
                reminders = sum(1 for s in tg.sent if s["method"] == "sendMessage")
                if profiler is not None:
                    profiler.enable()
                try:
                    run = await drive("ours", tg, stream, burst)
                finally:
                    if profiler is not None:
                        profiler.disable()
            finally:
                stop.set()
                await asyncio.wait_for(task, 30)
    finally:
        app_module._tick = original_tick
    return run, reminders


# ------------------------------------------------------------------ main

def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--burst", type=int, default=200,
                        help="updates queued at once (2000: all at once); default 200")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile our run and print the top functions")
    parser.add_argument("--rounds", type=int, default=3,
                        help="echo and ours run this many times, alternating; the median "
                             "ratio is judged (one machine's noise hits both alike)")
    args = parser.parse_args()

    warnings = Warnings()
    logging.basicConfig(level=logging.INFO, stream=open(os.devnull, "w"),  # noqa: SIM115
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger().addHandler(warnings)
    # As in production (bot/__main__.py): our INFO lines, the libraries' warnings only.
    for noisy in ("httpx", "httpcore", "telegram", "apscheduler", "alembic", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    rounds = []
    profiler = cProfile.Profile() if args.profile else None
    # Round 0 warms both up (imports, compiled SQL, connection pools) and is not counted.
    for number in range(-1, max(1, args.rounds)):
        folder = tempfile.TemporaryDirectory()
        path = Path(folder.name)
        engine, sessions, config, people = build_world(path)
        stream = plan_messages(people)
        xong = sum(1 for said in stream if said.intent == "done")
        with sessions() as session:
            done_before = session.scalar(select(func.count()).select_from(Milestone)
                                         .where(Milestone.done_at.is_not(None)))
        echo = asyncio.run(run_echo(stream, args.burst))
        ours, reminders = asyncio.run(run_ours(
            stream, args.burst, sessions, config, path,
            profiler if number == args.rounds - 1 else None))
        if number >= 0:
            rounds.append((echo, ours))
        if number < args.rounds - 1:
            engine.dispose()
            folder.cleanup()

    with sessions() as session:
        stored = session.scalar(select(func.count()).select_from(Message))
        done = session.scalar(select(func.count()).select_from(Milestone)
                              .where(Milestone.done_at.is_not(None)))
        replies = session.scalar(select(func.count()).select_from(ItemReply))
    engine.dispose()

    ratios = sorted(o.rate / e.rate for e, o in rounds)
    ratio = statistics.median(ratios)
    pattern = ("all queued at once" if args.burst >= len(stream) else
               f"queued in bursts of {args.burst}, each once the previous one is answered")
    print(f"{len(stream):,} text updates from {PEOPLE} people ({xong} \"xong <code>\", "
          f"{len(stream) - xong} \"đang làm 50% <code>\"), {pattern}; real long polling "
          f"(timeout {POLL_TIMEOUT} s) against a fake Telegram server on 127.0.0.1.")
    print("Ours: bot.app.serve on SQLite, Telegram channel with rate limiting OFF (the fake "
          "server has no limits; this measures our handling, not Telegram's pacing); "
          f"{reminders} start-up reminders were sent before the measurement began.\n")
    print("| round | bot | messages | seconds | messages/s | p50 ms | p95 ms | throughput vs echo |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for number, (base, mine) in enumerate(rounds, start=1):
        for run in (base, mine):
            print(f"| {number} | {run.name} | {run.messages:,} | {run.seconds:.2f} | {run.rate:,.0f} "
                  f"| {run.pct(50):.1f} | {run.pct(95):.1f} | {run.rate / base.rate:.2f}× |")
    print(f"\nMedian throughput ratio over {len(rounds)} rounds: {ratio:.2f}× "
          f"(each round: {', '.join(f'{r:.2f}' for r in ratios)}).\n")
    for intent, label in (("done", "xong"), ("progress", "đang làm")):
        values = ours.by_intent[intent]
        if values:
            print(f"Ours, \"{label}\" messages ({len(values)}): p50 {ours.pct(50, values):.1f} ms, "
                  f"p95 {ours.pct(95, values):.1f} ms")

    checks = {
        f"Message rows stored: {stored:,} (expected {len(stream):,})": stored == len(stream),
        f"milestones with done_at: {done} (before the run {done_before}); "
        f"\"xong\" messages naming an open milestone: {xong}": done - done_before == xong,
        f"item replies recorded: {replies:,} (expected {len(stream):,})": replies == len(stream),
        f"answers as expected: ours {len(stream) - len(ours.wrong_answers):,}/{len(stream):,}, "
        f"echo {len(stream) - len(echo.wrong_answers):,}/{len(stream):,}":
            not ours.wrong_answers and not echo.wrong_answers,
        f"warnings or errors logged: {len(warnings.records)}": not warnings.records,
    }
    print()
    for text, ok in checks.items():
        print(f"- {'ok' if ok else 'FAILED'}: {text}")
    for wrong in (ours.wrong_answers + echo.wrong_answers)[:5]:
        print(f"  wrong answer: {wrong}")
    for record in warnings.records[:5]:
        print(f"  logged: {record}")
    met = ratio >= TARGET_RATIO
    print(f"\nTarget: ours ≥ {TARGET_RATIO}× the echo bot's throughput, median of the rounds "
          f"(was {ratio:.2f}×): "
          f"{'met' if met else 'NOT met'}")

    if profiler is not None:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
        print("\n" + out.getvalue())
    return 0 if met and all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
