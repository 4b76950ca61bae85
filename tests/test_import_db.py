"""Importing into the database: stored once, re-imported by code, nothing half-written."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot import cli
from bot.config import Config
from bot.people import holders
from bot.plan import importer
from bot.plan.interpret import interpret
from bot.plan.tables import read_document, read_text
from db.migrate import upgrade
from db.models import Item, ItemRole, Milestone, Person, Plan, Role
from db.session import make_engine, make_sessionmaker
from tests.conftest import NOW, SAMPLE_DOCX, SAMPLE_TXT


@pytest.fixture
def db(db_url, config: Config):
    engine = make_engine(db_url)
    upgrade(engine)
    config = config.model_copy(update={"database": config.database.model_copy(update={"url": db_url})})
    yield engine, make_sessionmaker(engine), config
    engine.dispose()


def run_import(config, path, now=NOW, **options) -> tuple[int, str]:
    out = io.StringIO()
    code = cli.cmd_import(config, path, year=options.get("year"), unit=None,
                          dry_run=options.get("dry_run", False), as_json=options.get("as_json", False),
                          now=now, out=out)
    return code, out.getvalue()


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_it_stores_every_item_with_its_milestones_and_roles(db):
    engine, sessions, config = db
    code, report = run_import(config, SAMPLE_DOCX)
    assert code == 0
    assert "46 mục theo dõi" in report
    with sessions() as session:
        plan = session.scalar(select(Plan))
        assert (plan.title, plan.year, plan.signer) == (
            "Kế hoạch Thực hiện công tác cải cách hành chính năm 2023", 2023, "Hoàng Văn Thái")
        assert plan.imported_at == NOW
        assert count(session, Item) == 46
        item = session.scalar(select(Item).where(Item.code == "3.7"))
        assert [(m.label, m.kind, m.due.isoformat()) for m in item.milestones] == [
            ("Ban hành Kế hoạch", "date", "2023-02-15"),
            ("báo cáo kết quả thực hiện", "date", "2023-03-31")]
        assert {(a.part, a.role.name) for a in item.assignments} == {
            ("owner", "Bộ phận 1 cửa"), ("coordinator", "Văn phòng HĐND-UBND xã")}


def test_an_unknown_owner_is_routed_to_the_coordinator_and_reported(db):
    engine, sessions, config = db
    code, report = run_import(config, SAMPLE_TXT)
    assert "\"Phòng Nội vụ\" không khớp vai trò nào; tạm chuyển cho Công chức VP-TK" in report
    assert "thêm \"Phòng Nội vụ\" vào aliases của vai trò" in report
    with sessions() as session:
        item = session.scalar(select(Item).where(Item.code == "3.62"))
        owners = [(a.role.name, a.written_as, a.matched) for a in item.assignments if a.part == "owner"]
        assert owners == [("Công chức VP-TK", "Phòng Nội vụ; Phòng VH-TT", False)]


def test_spelling_variants_of_a_role_match_the_same_role(db):
    engine, sessions, config = db
    run_import(config, SAMPLE_TXT)
    with sessions() as session:
        def owner_role(code):
            item = session.scalar(select(Item).where(Item.code == code))
            return [(a.role.name, a.matched) for a in item.assignments if a.part == "owner"]

        assert owner_role("3.40") == [("Văn phòng HĐND-UBND xã", True)]  # written HDND
        assert owner_role("3.57") == [("Công chức VP-TK", True)]  # written "VP - TK"
        assert owner_role("3.5") == [("Bộ phận 1 cửa", True)]  # written "Bộ phận 1 cửa;"


def test_the_roles_and_people_of_the_config_are_stored(db):
    engine, sessions, config = db
    run_import(config, SAMPLE_TXT)
    with sessions() as session:
        chairman = session.scalar(select(Role).where(Role.duty == "chairman"))
        assert [session.get(Person, p).name for p in holders(session, NOW)[chairman.id]] \
            == ["Hoàng Văn Thái"]
        assert count(session, Person) == 7


def test_reimporting_the_same_plan_changes_nothing_and_adds_no_rows(db):
    engine, sessions, config = db
    run_import(config, SAMPLE_TXT)
    with sessions() as session:
        before = {m.id: (m.item.code, m.position) for m in session.scalars(select(Milestone))}
    code, report = run_import(config, SAMPLE_DOCX, now=NOW + timedelta(days=1))
    assert code == 0
    assert "thêm 0, cập nhật 0, giữ nguyên 46, không còn trong tệp 0" in report
    with sessions() as session:
        after = {m.id: (m.item.code, m.position) for m in session.scalars(select(Milestone))}
        assert after == before
        assert count(session, Plan) == 1
        assert count(session, Item) == 46


def test_reimporting_an_edited_plan_updates_items_by_code_and_keeps_their_ids(db, tmp_path):
    engine, sessions, config = db
    run_import(config, SAMPLE_TXT)
    with sessions() as session:
        ids = {item.code: item.id for item in session.scalars(select(Item))}
    edited = SAMPLE_TXT.read_text(encoding="utf-8")
    edited = edited.replace("báo cáo kết quả thực hiện trước 31/3/2023",
                            "báo cáo kết quả thực hiện trước 15/4/2023")
    edited = "\n".join(line for line in edited.split("\n") if "3.68." not in line)
    path = tmp_path / "ke-hoach-sua.txt"
    path.write_text(edited, encoding="utf-8")
    code, report = run_import(config, path, now=NOW + timedelta(days=3))
    assert code == 0
    assert "Mục 3.7 thay đổi: thời hạn." in report
    assert "Mục 3.68 không còn trong tệp mới" in report
    with sessions() as session:
        item = session.scalar(select(Item).where(Item.code == "3.7"))
        assert item.id == ids["3.7"]
        assert item.milestones[1].due.isoformat() == "2023-04-15"
        removed = session.scalar(select(Item).where(Item.code == "3.68"))
        assert removed.removed_at == NOW + timedelta(days=3)
    # The item comes back when the next file has it again.
    run_import(config, SAMPLE_TXT, now=NOW + timedelta(days=4))
    with sessions() as session:
        assert session.scalar(select(Item).where(Item.code == "3.68")).removed_at is None


def test_a_failure_midway_leaves_the_database_as_it_was(db, monkeypatch):
    engine, sessions, config = db
    calls = {"n": 0}
    original = importer._set_milestones

    def failing(*args):
        calls["n"] += 1
        if calls["n"] == 20:
            raise RuntimeError("disk full")
        return original(*args)

    monkeypatch.setattr(importer, "_set_milestones", failing)
    with pytest.raises(RuntimeError):
        run_import(config, SAMPLE_TXT)
    with sessions() as session:
        assert count(session, Item) == 0
        assert count(session, Plan) == 0


def test_a_dry_run_stores_nothing(db):
    engine, sessions, config = db
    code, report = run_import(config, SAMPLE_TXT, dry_run=True)
    assert code == 0
    assert "Chạy thử: chưa lưu gì" in report
    assert "Phòng Nội vụ" in report
    with sessions() as session:
        assert count(session, Item) == 0


def test_json_output_follows_the_expected_schema(db):
    engine, sessions, config = db
    code, output = run_import(config, SAMPLE_TXT, dry_run=True, as_json=True)
    data = json.loads(output)
    assert data["plan"]["unit"] == "UBND xã Bằng Phúc"
    first = data["items"][0]
    assert set(first) >= {"code", "title", "owners", "coordinators", "deadline_text", "milestones"}
    assert first["milestones"][0] == {"label": "Ban hành Kế hoạch", "kind": "month",
                                      "due": "2023-01-31", "recurrence": None}


def test_items_can_be_assigned_across_several_plans_and_units(db):
    engine, sessions, config = db
    second = config.units[0].model_copy(update={"name": "UBND xã Quảng Bạch"})
    many = config.model_copy(update={"units": [config.units[0], second]})
    parsed = interpret(read_document(SAMPLE_TXT))
    with sessions.begin() as session:
        importer.import_plan(session, parsed, many.units[0], NOW)
        importer.import_plan(session, parsed, many.units[1], NOW)
    with sessions() as session:
        assert count(session, Plan) == 2
        assert count(session, Item) == 92
        assert count(session, ItemRole) > 92


def test_a_prose_plan_is_read_too(db, tmp_path):
    engine, sessions, config = db
    text = "\n".join([
        "KẾ HOẠCH Phổ biến giáo dục pháp luật năm 2024",
        "Bằng Phúc, ngày 05 tháng 01 năm 2024",
        "I. NHIỆM VỤ CỤ THỂ",
        "1. Xây dựng kế hoạch phổ biến pháp luật",
        "- Cơ quan chủ trì: Công chức Tư pháp",
        "- Đơn vị phối hợp: Văn phòng UBND xã",
        "- Thời gian thực hiện: Quý I/2024",
        "2. Tổ chức hội nghị tuyên truyền",
        "cho người dân các thôn",
        "- Cơ quan chủ trì: Phòng Tư pháp huyện",
        "- Thời gian thực hiện: Thường xuyên",
        "II. TỔ CHỨC THỰC HIỆN",
        "1. Các ban ngành đoàn thể căn cứ kế hoạch triển khai thực hiện.",
    ])
    plan = interpret(read_text(text.encode(), "pbgdpl.txt"))
    assert [(i.code, i.title, i.owners, i.deadline_text) for i in plan.items] == [
        ("1", "Xây dựng kế hoạch phổ biến pháp luật", ["Công chức Tư pháp"], "Quý I/2024"),
        ("2", "Tổ chức hội nghị tuyên truyền cho người dân các thôn", ["Phòng Tư pháp huyện"],
         "Thường xuyên"),
    ]
    assert plan.items[0].milestones[0].due.isoformat() == "2024-03-31"
    assert plan.items[0].coordinators == ["Văn phòng UBND xã"]
