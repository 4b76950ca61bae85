"""Two heading levels (A/B over I/II): both kept, "B / II" apart from "A / II", everywhere."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from sqlalchemy import select

from bot import cli
from bot.plan.importer import import_plan
from bot.plan.interpret import interpret
from bot.plan.tables import read_document
from bot.reports import report_rows
from bot.status import load_items
from bot.summary import summary_text
from db.migrate import upgrade
from db.models import Item, Plan, Section
from db.session import make_engine, make_sessionmaker
from tests.conftest import NOW
from tests.plan_files import write_docx

FRONT = ["KẾ HOẠCH Cải cách hành chính năm 2023", "Bằng Phúc, ngày 05 tháng 01 năm 2023", ""]
TABLE = FRONT + [
    "TT\tNội dung\tChủ trì\tThời gian thực hiện",
    "A.\tNHIỆM VỤ CHUNG",
    "I\tCẢI CÁCH THỂ CHẾ",
    "1\tRà soát văn bản quy phạm\tCông chức Tư pháp\tQuý I/2023",
    "II\tCẢI CÁCH THỦ TỤC",
    "1\tNiêm yết thủ tục hành chính\tCông chức Văn hóa Xã hội\tQuý II/2023",
    "B.\tNHIỆM VỤ CỤ THỂ",
    "I\tTUYÊN TRUYỀN",
    "1\tTuyên truyền cải cách hành chính\tCông chức Văn hóa Xã hội\tQuý III/2023",
    "II\tCẢI CÁCH THỦ TỤC",
    "1\tSố hóa hồ sơ thủ tục\tCông chức Tư pháp\tQuý IV/2023",
]
PROSE = FRONT + [
    "A. NHIỆM VỤ CHUNG",
    "I. CẢI CÁCH THỂ CHẾ",
    "1. Rà soát văn bản quy phạm",
    "- Cơ quan chủ trì: Công chức Tư pháp",
    "- Thời gian thực hiện: Quý I/2023",
    "B. NHIỆM VỤ CỤ THỂ",
    "I. TUYÊN TRUYỀN",
    "1. Tuyên truyền cải cách hành chính",
    "- Cơ quan chủ trì: Công chức Văn hóa Xã hội",
    "- Thời gian thực hiện: Quý III/2023",
]
TABLE_SECTIONS = {"A": "NHIỆM VỤ CHUNG", "A.I": "CẢI CÁCH THỂ CHẾ", "A.II": "CẢI CÁCH THỦ TỤC",
                  "B": "NHIỆM VỤ CỤ THỂ", "B.I": "TUYÊN TRUYỀN", "B.II": "CẢI CÁCH THỦ TỤC"}
TABLE_HEADINGS = ["A. NHIỆM VỤ CHUNG", "I. CẢI CÁCH THỂ CHẾ", "II. CẢI CÁCH THỦ TỤC",
                  "B. NHIỆM VỤ CỤ THỂ", "I. TUYÊN TRUYỀN", "II. CẢI CÁCH THỦ TỤC"]


def written(tmp_path, lines, name="kh.txt"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def placed(parsed):
    return [(i.parent_section, i.section, i.section_title, i.title) for i in parsed.items]


@pytest.mark.parametrize("suffix", ["txt", "docx"])
def test_a_table_keeps_both_heading_levels_and_two_sections_ii_apart(tmp_path, suffix):
    txt = written(tmp_path, TABLE)
    path = txt if suffix == "txt" else write_docx(txt, tmp_path / "kh.docx")
    parsed = interpret(read_document(path))
    assert placed(parsed) == [
        ("A", "I", "CẢI CÁCH THỂ CHẾ", "Rà soát văn bản quy phạm"),
        ("A", "II", "CẢI CÁCH THỦ TỤC", "Niêm yết thủ tục hành chính"),
        ("B", "I", "TUYÊN TRUYỀN", "Tuyên truyền cải cách hành chính"),
        ("B", "II", "CẢI CÁCH THỦ TỤC", "Số hóa hồ sơ thủ tục"),
    ]
    assert parsed.sections == TABLE_SECTIONS
    assert parsed.section_parents == {"A.I": "A", "A.II": "A", "B.I": "B", "B.II": "B"}
    assert [i.code for i in parsed.items] == ["A.I.1", "A.II.1", "B.I.1", "B.II.1"]


def test_a_plan_with_one_heading_level_has_no_parent_sections(tmp_path):
    lines = [line for line in TABLE if not line.startswith(("A.", "B."))]
    parsed = interpret(read_document(written(tmp_path, lines[:9])))
    assert [(i.parent_section, i.section) for i in parsed.items] == [(None, "I"), (None, "II")]
    assert parsed.section_parents == {}


def test_a_prose_plan_keeps_both_heading_levels(tmp_path):
    parsed = interpret(read_document(written(tmp_path, PROSE)))
    assert placed(parsed) == [
        ("A", "I", "CẢI CÁCH THỂ CHẾ", "Rà soát văn bản quy phạm"),
        ("B", "I", "TUYÊN TRUYỀN", "Tuyên truyền cải cách hành chính"),
    ]
    assert parsed.sections == {"A": "NHIỆM VỤ CHUNG", "A.I": "CẢI CÁCH THỂ CHẾ",
                               "B": "NHIỆM VỤ CỤ THỂ", "B.I": "TUYÊN TRUYỀN"}
    assert parsed.section_parents == {"A.I": "A", "B.I": "B"}


def test_the_dry_run_and_its_json_show_the_upper_heading(config, tmp_path):
    path = written(tmp_path, TABLE)
    out = io.StringIO()
    assert cli.cmd_import(config, path, year=None, unit=None, dry_run=True, as_json=False,
                          now=NOW, out=out) == 0
    headings = [line for line in out.getvalue().splitlines()
                if line.split(". ", 1)[0] in ("A", "B", "I", "II")]
    assert headings == TABLE_HEADINGS
    out = io.StringIO()
    cli.cmd_import(config, path, year=None, unit=None, dry_run=True, as_json=True, now=NOW, out=out)
    shown = json.loads(out.getvalue())
    assert [(i["parent_section"], i["section"]) for i in shown["items"]] == [
        ("A", "I"), ("A", "II"), ("B", "I"), ("B", "II")]
    assert shown["section_parents"]["B.II"] == "B"


@pytest.fixture
def stored(db_url, config, tmp_path):
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        import_plan(session, interpret(read_document(written(tmp_path, TABLE))), config.units[0], NOW)
    with sessions() as session:
        yield session, config, session.scalar(select(Plan))
    engine.dispose()


def test_both_levels_are_stored_and_each_item_sits_in_its_own_section(stored):
    session, _, plan = stored
    assert [(s.code, s.number, s.parent.code if s.parent else None, s.title)
            for s in plan.sections] == [
        ("A", "A", None, "NHIỆM VỤ CHUNG"), ("A.I", "I", "A", "CẢI CÁCH THỂ CHẾ"),
        ("A.II", "II", "A", "CẢI CÁCH THỦ TỤC"), ("B", "B", None, "NHIỆM VỤ CỤ THỂ"),
        ("B.I", "I", "B", "TUYÊN TRUYỀN"), ("B.II", "II", "B", "CẢI CÁCH THỦ TỤC")]
    assert {i.title: i.section.code for i in session.scalars(select(Item))} == {
        "Rà soát văn bản quy phạm": "A.I", "Niêm yết thủ tục hành chính": "A.II",
        "Tuyên truyền cải cách hành chính": "B.I", "Số hóa hồ sơ thủ tục": "B.II"}


def test_a_reimport_of_the_same_plan_changes_nothing(stored, tmp_path):
    session, config, plan = stored
    result = import_plan(session, interpret(read_document(written(tmp_path, TABLE))),
                         config.units[0], NOW)
    assert (result.added, result.changed, result.removed) == ([], {}, [])
    assert session.scalar(select(Section).where(Section.code == "B.II")).parent.code == "B"


def test_the_report_shows_each_upper_heading_once_above_its_sections(stored):
    session, config, plan = stored
    rows = report_rows(session, [plan.id], date(2023, 12, 31), config.reminders.zone)
    assert [r.heading for r in rows if r.kind == "section"] == TABLE_HEADINGS


def test_tongket_narrows_to_one_section_with_its_upper_heading_or_to_every_section_ii(stored):
    session, config, plan = stored
    today = date(2023, 12, 31)

    def summary(args):
        return summary_text(session, plan.unit_id, [plan.id], today, config, args)

    views = {v.code: v.section for v in load_items(session, [plan.id], today, config.reminders.zone)}
    assert views == {"A.I.1": "A.I", "A.II.1": "A.II", "B.I.1": "B.I", "B.II.1": "B.II"}
    one = summary("B.II").splitlines()
    assert one[:2] == ["📊 Phần B.II. CẢI CÁCH THỦ TỤC — đến ngày 31/12/2023",
                       "1 việc: ⚪ chưa thực hiện 1"]
    both = summary("II").splitlines()
    assert both[0] == "📊 Phần II. CẢI CÁCH THỦ TỤC — đến ngày 31/12/2023"
    assert both[1].startswith("2 việc:")
    assert [line.split(":")[0] for line in both if line.startswith("• ") and ":" in line[:9]] == [
        "• A.II", "• B.II"]
    history = summary("B.II.1")
    assert "Số hóa hồ sơ thủ tục" in history and "Niêm yết" not in history
