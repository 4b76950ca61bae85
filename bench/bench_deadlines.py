"""Speed and correctness of parse_deadline against dateparser.parse on deadline cells.

Run: python bench/bench_deadlines.py
Exits non-zero if ours is less than MIN_RATIO times faster on the common, wider or whole set,
or wrong on any phrase.
"""

from __future__ import annotations

import sys
import timeit
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PLAN_YEAR = 2023
MIN_RATIO = 20.0
DATEPARSER_SETTINGS = {
    "RELATIVE_BASE": datetime(2023, 1, 30),
    "PREFER_DATES_FROM": "future",
    "DATE_ORDER": "DMY",
}

# Plain dates, months and years: forms dateparser can read in principle.
COMMON: list[tuple[str, date]] = [
    ("15/2/2023", date(2023, 2, 15)),
    ("15-2-2023", date(2023, 2, 15)),
    ("15.2.2023", date(2023, 2, 15)),
    ("15/02/2023", date(2023, 2, 15)),
    ("15 / 2 / 2023", date(2023, 2, 15)),
    ("15/2/23", date(2023, 2, 15)),
    ("30/11/2023", date(2023, 11, 30)),
    ("31/3/2023", date(2023, 3, 31)),
    ("05/5/2023", date(2023, 5, 5)),
    ("1/9/2023", date(2023, 9, 1)),
    ("20/10/2023", date(2023, 10, 20)),
    ("31-12-2023", date(2023, 12, 31)),
    ("31/12/2025", date(2025, 12, 31)),
    ("01/01/2024", date(2024, 1, 1)),
    ("29/2/2024", date(2024, 2, 29)),
    ("2023-12-31", date(2023, 12, 31)),
    ("15/2", date(2023, 2, 15)),
    ("30/6", date(2023, 6, 30)),
    ("10/10", date(2023, 10, 10)),
    ("ngày 20/10/2023", date(2023, 10, 20)),
    ("ngày 30 tháng 11 năm 2023", date(2023, 11, 30)),
    ("30 tháng 11 năm 2023", date(2023, 11, 30)),
    ("ngày 15 tháng 3 năm 2023", date(2023, 3, 15)),
    ("30 tháng 6 năm 2023", date(2023, 6, 30)),
    ("ngày 2 tháng 9 năm 2023", date(2023, 9, 2)),
    ("ngày 30 tháng 11", date(2023, 11, 30)),
    ("ngày 1 tháng 6", date(2023, 6, 1)),
    ("Tháng 02/2023", date(2023, 2, 28)),
    ("Tháng 11/2023", date(2023, 11, 30)),
    ("tháng 6/2023", date(2023, 6, 30)),
    ("tháng 9/2023", date(2023, 9, 30)),
    ("Tháng 01/2024", date(2024, 1, 31)),
    ("tháng 12 năm 2023", date(2023, 12, 31)),
    ("tháng 3 năm 2023", date(2023, 3, 31)),
    ("tháng 2 năm 2024", date(2024, 2, 29)),
    ("tháng 2", date(2023, 2, 28)),
    ("Năm 2023", date(2023, 12, 31)),
    ("năm 2024", date(2024, 12, 31)),
    ("2023", date(2023, 12, 31)),
    ("2025", date(2025, 12, 31)),
]

# The administrative language only the deadline parser knows.
WIDER: list[tuple[str, date]] = [
    ("Trước 30/11/2023", date(2023, 11, 30)),
    ("trước ngày 15/2/2023", date(2023, 2, 15)),
    ("trước ngày 30 tháng 11 năm 2023", date(2023, 11, 30)),
    ("Chậm nhất ngày 31/3/2023", date(2023, 3, 31)),
    ("Hạn 20/4/2023", date(2023, 4, 20)),
    ("Hoàn thành trước 30/6/2023", date(2023, 6, 30)),
    ("truoc 15/2", date(2023, 2, 15)),
    ("Từ 01/3/2023 đến 31/3/2023", date(2023, 3, 31)),
    ("T2/2023", date(2023, 2, 28)),
    ("thang 2/2023", date(2023, 2, 28)),
    ("cuối tháng 6/2023", date(2023, 6, 30)),
    ("đến hết tháng 10/2023", date(2023, 10, 31)),
    ("Quý I/2023", date(2023, 3, 31)),
    ("Quý II/2023", date(2023, 6, 30)),
    ("QUÝ II/2023", date(2023, 6, 30)),
    ("quy II/2023", date(2023, 6, 30)),
    ("Quý  II / 2023", date(2023, 6, 30)),
    (unicodedata.normalize("NFD", "Quý III/2023"), date(2023, 9, 30)),
    ("Quí IV-2025", date(2025, 12, 31)),
    ("Quý III năm 2026", date(2026, 9, 30)),
    ("Quý 2/2023", date(2023, 6, 30)),
    ("quý I", date(2023, 3, 31)),
    ("Quý IV/2025 - Quý II/2026", date(2026, 6, 30)),
    ("Quý II-III/2027", date(2027, 9, 30)),
    ("6 tháng đầu năm 2023", date(2023, 6, 30)),
    ("6 tháng cuối năm 2023", date(2023, 12, 31)),
    ("Trong năm 2023", date(2023, 12, 31)),
    ("Trong năm", date(2023, 12, 31)),
    ("2026 - 2030", date(2030, 12, 31)),
    ("Năm 2025-2030", date(2030, 12, 31)),
    ("Giai đoạn 2026-2030", date(2030, 12, 31)),
    ("2021 – 2025", date(2025, 12, 31)),
    ("Năm 2023 (thực hiện trong giai đoạn 2021-2025)", date(2023, 12, 31)),
    ("Năm 2023 và các năm tiếp theo", date(2023, 12, 31)),
]

# The dev set's forms (tests/fixtures/dev/README.md), compounds among them: the first
# milestone's due. dateparser gives up on most of these at once, so its time is short here.
DEV_SET: list[tuple[str, date]] = [
    ("Tháng 11 - 12/2025.", date(2025, 12, 31)),
    ("hoàn thành trước năm 2027", date(2026, 12, 31)),
    ("Hoàn thành trong năm 2025.", date(2025, 12, 31)),
    ("Từ ngày 01/01/2026 đến ngày 31/3/2026.", date(2026, 3, 31)),
    ("Trước ngày 15/11/2025.", date(2025, 11, 15)),
    ("trước ngày 01 tháng 01 năm 2026.", date(2026, 1, 1)),
    ("Ban hành trong quý I năm 2026. Thực hiện rà soát, điều chỉnh (nếu có)", date(2026, 3, 31)),
    ("Hoàn thành trong giai đoạn 2026 - 2027 và vận hành thường xuyên, liên tục", date(2027, 12, 31)),
    ("năm 2026 - 2027.", date(2027, 12, 31)),
]

PHRASES: list[tuple[str, date]] = COMMON + WIDER + DEV_SET


def ours(text: str) -> date | None:
    from bot.plan.deadlines import parse_deadline

    # The first milestone is the deadline first reminded of; a compound adds later ones.
    return parse_deadline(text, PLAN_YEAR)[0].due


def theirs(text: str) -> date | None:
    import dateparser

    found = dateparser.parse(text, languages=["vi"], settings=DATEPARSER_SETTINGS)
    return found.date() if found else None


def per_phrase_us(fn: Callable[[str], object], texts: list[str], number: int, repeat: int = 5) -> float:
    """Best of `repeat` runs, in microseconds per phrase."""
    best = min(timeit.repeat(lambda: [fn(t) for t in texts], number=number, repeat=repeat))
    return best / (number * len(texts)) * 1e6


def main() -> int:
    from bot.plan.deadlines import parse_deadline

    import dateparser

    def dateparser_parse(text: str) -> object:
        return dateparser.parse(text, languages=["vi"], settings=DATEPARSER_SETTINGS)

    def parse(text: str) -> object:
        return parse_deadline(text, PLAN_YEAR)

    rows = []
    ok = True
    for name, phrases in (("common", COMMON), ("wider", WIDER), ("dev set", DEV_SET),
                          ("all", PHRASES)):
        texts = [t for t, _ in phrases]
        for t in texts:  # dateparser loads its language data on first use
            dateparser_parse(t)
        us_ours = per_phrase_us(parse, texts, number=200)
        us_theirs = per_phrase_us(dateparser_parse, texts, number=2)
        right_ours = sum(ours(t) == due for t, due in phrases)
        right_theirs = sum(theirs(t) == due for t, due in phrases)
        ratio = us_theirs / us_ours
        # The speed target holds for each row but the dev set's, which is shown for what it is.
        fast = ratio >= MIN_RATIO or phrases is DEV_SET
        ok = ok and fast and right_ours == len(phrases)
        rows.append((name, len(phrases), us_ours, us_theirs, ratio, right_ours, right_theirs))

    print("| phrases | n | µs/phrase ours | µs/phrase dateparser | ratio | correct ours | correct dateparser |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, n, a, b, ratio, ra, rb in rows:
        print(f"| {name} | {n} | {a:.1f} | {b:.1f} | {ratio:.0f}× | {ra}/{n} | {rb}/{n} |")
    wrong = [(t, due, ours(t)) for t, due in PHRASES if ours(t) != due]
    for t, due, got in wrong:
        print(f"WRONG: {t!r}: expected {due}, got {got}", file=sys.stderr)
    if not ok:
        print(f"FAIL: need ≥ {MIN_RATIO:.0f}× faster and every phrase right", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
