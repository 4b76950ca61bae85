"""Draw docs/tongket-chart.png and the report's pages: the sample plan as it stands mid-July 2023.

Run: python docs/make_chart.py
The chart is drawn directly; the .docx report (year so far) goes through LibreOffice
(`soffice`) to PDF and poppler's `pdftoppm` to docs/bao-cao-trang-1.png (the signed report)
and docs/bao-cao-phu-luc.png (the appendix's first page), the way a chairman sees them.
Builds the sample plan in a throw-away SQLite database, replays a realistic half year (a dozen
items done, three of them late, some progress reports, three left overdue)
and draws the progress chart from the derived states.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from bot.chart import chart_for  # noqa: E402
from bot.config import DEFAULT_CONFIG, load_config  # noqa: E402
from bot.plan.importer import import_plan  # noqa: E402
from bot.plan.interpret import interpret  # noqa: E402
from bot.plan.tables import read_document  # noqa: E402
from bot.talk import build_report  # noqa: E402
from bot.periods import year_to_date  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Item, ItemReply, Milestone, Person, Plan  # noqa: E402
from db.session import make_engine, make_sessionmaker  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "bot" / "samples" / "ke-hoach-cchc-2023-bang-phuc.txt"
OUT = ROOT / "docs" / "tongket-chart.png"
TODAY = date(2023, 7, 15)
IMPORTED = datetime(2023, 1, 30, 1, 0, tzinfo=UTC)

# (code, milestone position, who, local day it was reported done)
DONE = [
    ("3.1", 0, "Hà Thị Lan", "2023-01-30"),      # plan issued on time; the year's work goes on
    ("3.7", 0, "Triệu Thị Mai", "2023-02-14"),
    ("3.3", 0, "Hà Thị Lan", "2023-03-03"),      # due 28/02: late
    ("3.7", 1, "Triệu Thị Mai", "2023-04-05"),   # due 31/03: late
    ("3.8", 0, "Triệu Thị Mai", "2023-05-19"),
    ("3.10", 0, "Triệu Thị Mai", "2023-05-26"),
    ("3.18", 0, "Ma Thị Hoa", "2023-06-02"),
    ("3.41", 0, "Lý Văn Toàn", "2023-06-09"),
    ("3.39", 0, "Ma Thị Hoa", "2023-06-20"),
    ("3.57", 0, "Ma Thị Hoa", "2023-06-23"),
    ("3.31", 0, "Nông Văn Hùng", "2023-07-05"),  # Quý II: late
    ("3.58", 0, "Lường Văn Đức", "2023-07-05"),
    ("2.8", 0, "Triệu Thị Mai", "2023-07-07"),
    ("3.4", 0, "Hà Thị Lan", "2023-07-10"),
]
# (code, who, intent, local day, percent, note)
REPLIES = [
    ("3.55", "Triệu Thị Mai", "not_yet", "2023-04-03", None, "chờ huyện hướng dẫn"),  # overdue
    ("3.62", "Ma Thị Hoa", "not_yet", "2023-04-10", None, "chờ Phòng VH-TT"),  # overdue
    ("3.60", "Ma Thị Hoa", "progress", "2023-07-03", 50, None),
    ("3.64", "Ma Thị Hoa", "progress", "2023-07-07", 30, None),
    ("3.6", "Triệu Thị Mai", "progress", "2023-06-15", 40, None),
    ("3.2", "Ma Thị Hoa", "note", "2023-07-12", None, "Đã trình HĐND 2 nghị quyết"),
]


def main() -> None:
    config = load_config(DEFAULT_CONFIG)
    zone = config.reminders.zone

    def at(day: str) -> datetime:
        return datetime.combine(date.fromisoformat(day), time(10), tzinfo=zone).astimezone(UTC)

    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'chart.db'}")
        upgrade(engine)
        sessions = make_sessionmaker(engine)
        with sessions.begin() as session:
            import_plan(session, interpret(read_document(SAMPLE)), config.units[0], IMPORTED)
            session.flush()

            def milestone(code: str, position: int = 0) -> Milestone:
                return session.scalar(select(Milestone).join(Item).where(
                    Item.code == code, Milestone.position == position))

            def person(name: str) -> int:
                return session.scalar(select(Person.id).where(Person.name == name))

            for code, position, who, day in DONE:
                m = milestone(code, position)
                m.done_at = at(day)
                session.add(ItemReply(milestone_id=m.id, person_id=person(who), intent="done",
                                      at=at(day)))
            for code, who, intent, day, percent, note in REPLIES:
                session.add(ItemReply(milestone_id=milestone(code).id, person_id=person(who),
                                      intent=intent, percent=percent, note=note, at=at(day)))
        with sessions() as session:
            plan = session.scalar(select(Plan))
            OUT.write_bytes(chart_for(session, [plan.id], TODAY, zone)[1])
            _, report = build_report(session, config, [plan.id], year_to_date(TODAY), "docx")
        engine.dispose()
        print(OUT)
        if shutil.which("soffice") and shutil.which("pdftoppm"):
            pages(report, Path(folder))


def pages(report: bytes, folder: Path) -> None:
    source = folder / "bao-cao.docx"
    source.write_bytes(report)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{folder / 'profile'}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(folder), str(source)],
                   check=True, capture_output=True)
    pdf = source.with_suffix(".pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    appendix = next(n for n, page in enumerate(text.split("\f"), 1) if "PHỤ LỤC" in page)
    for first, name in ((1, "bao-cao-trang-1"), (appendix, "bao-cao-phu-luc")):
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", str(first), "-l", str(first),
                        "-singlefile", str(pdf), str(ROOT / "docs" / name)], check=True)
        print(ROOT / "docs" / f"{name}.png")


if __name__ == "__main__":
    main()
