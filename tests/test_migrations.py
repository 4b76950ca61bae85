"""Migrations: empty to head, down to base and up again, step by step, with no drift from the
models; and the previous release's schema with its data upgraded to head, where the current
code works on it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, inspect, insert, select

from bot.status import load_items
from db.migrate import MIGRATIONS, downgrade, upgrade
from db.models import Base, Milestone, Person, Reminder
from db.session import make_engine, make_sessionmaker
from jobs.schedule import refresh_schedule
from tests.conftest import NOW

SCRIPT = ScriptDirectory(str(MIGRATIONS))
HEAD = SCRIPT.get_current_head()
# Oldest first.
REVISIONS = [r.revision for r in reversed(list(SCRIPT.walk_revisions("base", "heads")))]
PREVIOUS_RELEASE = "0001_plan_import"

@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def tables(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def drift(engine: Engine) -> list:
    """What `alembic check` would report: differences between the models and the schema."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "compare_server_default": True})
        return compare_metadata(context, Base.metadata)


def test_the_revisions_form_one_line_from_the_previous_release():
    assert REVISIONS[0] == PREVIOUS_RELEASE
    assert REVISIONS[-1] == HEAD
    assert len(SCRIPT.get_heads()) == 1


def test_empty_to_head_to_base_and_back(engine):
    model_tables = set(Base.metadata.tables)
    upgrade(engine)
    assert revision(engine) == HEAD
    assert tables(engine) == model_tables | {"alembic_version"}
    assert drift(engine) == []

    downgrade(engine, "base")
    assert revision(engine) is None
    assert tables(engine) <= {"alembic_version"}

    upgrade(engine)
    assert tables(engine) == model_tables | {"alembic_version"}
    assert drift(engine) == []


def test_every_step_goes_down_and_up_again(engine):
    """Each revision's downgrade undoes exactly its upgrade (the schema after up-down-up is
    the one after up)."""
    seen: dict[str, dict[str, set[str]]] = {}
    for rev in REVISIONS:
        upgrade(engine, rev)
        seen[rev] = columns(engine)
    for below, rev in reversed(list(zip([None, *REVISIONS], REVISIONS, strict=False))):
        downgrade(engine, below or "base")
        assert columns(engine) == (seen[below] if below else {}), f"downgrade of {rev}"
        upgrade(engine, rev)
        assert columns(engine) == seen[rev], f"upgrade to {rev} after its downgrade"
        downgrade(engine, below or "base")
    upgrade(engine)
    assert drift(engine) == []


def columns(engine: Engine) -> dict[str, set[str]]:
    with engine.connect() as connection:
        found = inspect(connection)
        return {name: {c["name"] for c in found.get_columns(name)}
                for name in found.get_table_names() if name != "alembic_version"}


# -------------------------------------------------- the previous release's schema, with data

IMPORTED = datetime(2023, 1, 10, 2, 30, tzinfo=UTC)
CREATED = datetime(2023, 1, 10, 2, 30, 15, 250000, tzinfo=UTC)
REMOVED = datetime(2023, 1, 20, 9, 0, tzinfo=UTC)


def old_rows() -> dict[str, list[dict]]:
    """What release 0001 wrote after importing a small plan, in insertion order."""
    return {
        "unit": [{"id": 1, "name": "UBND xã Bằng Phúc"}],
        "role": [
            {"id": 1, "unit_id": 1, "name": "Chủ tịch UBND xã", "aliases": ["Chủ tịch"],
             "duty": "chairman"},
            {"id": 2, "unit_id": 1, "name": "Công chức VP-TK",
             "aliases": ["Văn phòng TK", "Văn phòng - Thống kê"], "duty": "coordinator"},
            {"id": 3, "unit_id": 1, "name": "Bộ phận 1 cửa", "aliases": ["Bộ phận Một cửa"],
             "duty": "official"},
            {"id": 4, "unit_id": 1, "name": "Công chức Tư pháp", "aliases": [], "duty": "official"},
        ],
        "person": [
            {"id": 1, "unit_id": 1, "name": "Hoàng Văn Thái"},
            {"id": 2, "unit_id": 1, "name": "Ma Thị Hoa"},
            {"id": 3, "unit_id": 1, "name": "Triệu Thị Mai"},
            {"id": 4, "unit_id": 1, "name": "Hà Thị Lan"},
        ],
        "person_role": [{"person_id": 1, "role_id": 1}, {"person_id": 2, "role_id": 2},
                        {"person_id": 3, "role_id": 3}, {"person_id": 4, "role_id": 4}],
        "plan": [{"id": 1, "unit_id": 1, "year": 2023, "issued_on": date(2023, 1, 10),
                  "title": "Kế hoạch Thực hiện công tác cải cách hành chính năm 2023",
                  "signer": "Hoàng Văn Thái", "signer_title": "Chủ tịch",
                  "source_name": "ke-hoach-cchc-2023.docx", "imported_at": IMPORTED}],
        "section": [
            {"id": 1, "plan_id": 1, "code": "1", "title": "Cải cách thể chế", "position": 0},
            {"id": 2, "plan_id": 1, "code": "3", "title": "Cải cách thủ tục hành chính",
             "position": 1},
        ],
        "item": [
            item(1, 1, 0, "1.1", "Rà soát văn bản quy phạm pháp luật", ["Công chức Tư pháp"],
                 ["Công chức VP-TK"], "Tháng 01/2023"),
            item(2, 2, 1, "3.7", "Xây dựng kế hoạch rà soát thủ tục hành chính",
                 ["Bộ phận 1 cửa"], [], "Ban hành Kế hoạch: 15/02/2023"),
            item(3, 2, 2, "3.8", "Niêm yết công khai thủ tục hành chính", ["Bộ phận một cửa"],
                 ["Các ban ngành đoàn thể"], "Thường xuyên"),
            {**item(4, 2, 3, "3.9", "Việc đã bỏ ở lần nhập sau", ["Bộ phận 1 cửa"], [], "Quý I"),
             "removed_at": REMOVED},
        ],
        "milestone": [
            {"id": 1, "item_id": 1, "position": 0, "label": None, "kind": "month",
             "due": date(2023, 1, 20), "recurrence": None},
            {"id": 2, "item_id": 2, "position": 0, "label": "Ban hành Kế hoạch", "kind": "date",
             "due": date(2023, 2, 15), "recurrence": None},
            {"id": 3, "item_id": 3, "position": 0, "label": None, "kind": "ongoing", "due": None,
             "recurrence": None},
            {"id": 4, "item_id": 4, "position": 0, "label": None, "kind": "quarter",
             "due": date(2023, 3, 31), "recurrence": None},
        ],
        "item_role": [
            {"item_id": 1, "role_id": 4, "part": "owner", "written_as": "Công chức Tư pháp",
             "matched": True},
            {"item_id": 1, "role_id": 2, "part": "coordinator", "written_as": "Công chức VP-TK",
             "matched": True},
            {"item_id": 2, "role_id": 3, "part": "owner", "written_as": "Bộ phận 1 cửa",
             "matched": True},
            {"item_id": 3, "role_id": 3, "part": "owner", "written_as": "Bộ phận một cửa",
             "matched": True},
            {"item_id": 3, "role_id": 2, "part": "coordinator",
             "written_as": "Các ban ngành đoàn thể", "matched": False},
            {"item_id": 4, "role_id": 3, "part": "owner", "written_as": "Bộ phận 1 cửa",
             "matched": True},
        ],
        "import_run": [{"id": 1, "plan_id": 1, "at": IMPORTED, "source_name": "ke-hoach-cchc-2023.docx",
                        "added": 4, "updated": 0, "removed": 0,
                        "warnings": ["[dòng 12, mục 3.8] Không rõ vai trò: Các ban ngành đoàn thể"]}],
    }


def item(id_: int, section: int, position: int, code: str, title: str, owners: list[str],
         coordinators: list[str], deadline: str) -> dict:
    return {"id": id_, "plan_id": 1, "section_id": section, "position": position, "code": code,
            "row_label": code.split(".")[-1], "objective_code": code.split(".")[0],
            "objective_text": None, "task_code": None, "task_text": None, "title": title,
            "product": "Kế hoạch", "budget_note": None, "owners": owners,
            "coordinators": coordinators, "deadline_text": deadline, "removed_at": None,
            "created_at": CREATED, "updated_at": CREATED}


def read_back(engine: Engine, name: str, keys: list[str]) -> list[dict]:
    """Rows of a table as the schema stores them, for the given columns, in key order."""
    with engine.connect() as connection:
        table = MetaData()
        table.reflect(connection, only=[name])
        found = table.tables[name]
        rows = connection.execute(select(*[found.c[k] for k in keys])
                                  .order_by(*found.primary_key.columns)).mappings()
        return [{k: _utc(v) for k, v in row.items()} for row in rows]



def _utc(value):
    # SQLite keeps UTC without a zone; PostgreSQL gives it back aware.
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def test_the_previous_release_with_data_upgrades_and_the_code_works_on_it(engine, config):
    upgrade(engine, PREVIOUS_RELEASE)
    rows = old_rows()
    # The 0001 schema as it is in the database, not as the models describe it now.
    with engine.begin() as connection:
        old = MetaData()
        old.reflect(connection)
        assert "is_admin" not in old.tables["person"].c
        assert "done_at" not in old.tables["milestone"].c
        assert "reminder" not in old.tables
        for name, values in rows.items():
            connection.execute(insert(old.tables[name]), values)
    before = {name: read_back(engine, name, list(values[0])) for name, values in rows.items()}

    upgrade(engine)
    assert revision(engine) == HEAD
    assert drift(engine) == []

    # Every old row is intact, column by column.
    for name, values in rows.items():
        assert read_back(engine, name, list(values[0])) == before[name], name
        assert sorted(map(repr, before[name])) == sorted(map(repr, values)), name
    # New columns have their defaults, and the new tables are empty.
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        assert [p.is_admin for p in session.scalars(select(Person).order_by(Person.id))] == [False] * 4
        for milestone in session.scalars(select(Milestone)):
            assert (milestone.done_at, milestone.original_due, milestone.event_on,
                    milestone.event_due_days) == (None, None, None, None)
    new_tables = tables(engine) - set(rows) - {"alembic_version"}
    assert "reminder" in new_tables and "message" in new_tables
    for name in new_tables:
        assert read_back(engine, name, [c.name for c in Base.metadata.tables[name].columns]) == [], name

    # The application works on the upgraded data.
    with sessions.begin() as session:
        result = refresh_schedule(session, NOW, config.reminders)
        assert result.added > 0
        planned = {(r.person.name, r.milestone_id, r.kind, r.scheduled_on)
                   for r in session.scalars(select(Reminder))}
        assert ("Triệu Thị Mai", 2, "lead", date(2023, 2, 8)) in planned
        assert ("Triệu Thị Mai", 2, "due", date(2023, 2, 15)) in planned
        assert any(name == "Hà Thị Lan" and milestone == 1 and kind == "overdue"
                   for name, milestone, kind, _ in planned)
        assert not any(milestone == 4 for _, milestone, _, _ in planned)  # its item is removed
        session.scalar(select(Person).where(Person.name == "Ma Thị Hoa")).is_admin = True
    with sessions() as session:
        items = load_items(session, [1], date(2023, 1, 30), config.reminders.zone)
        assert [(i.code, i.state) for i in items] == [
            ("1.1", "overdue"), ("3.7", "not_started"), ("3.8", "ongoing")]
        assert items[0].owners == ["Công chức Tư pháp"]
        assert items[1].next_due == date(2023, 2, 15)
        assert session.scalar(select(Person.is_admin).where(Person.name == "Ma Thị Hoa")) is True


# ------------------------------------------- every revision's data survives every later step

def sample_value(column, row_id: int):
    """A value of the column's type (foreign keys all point at row 1 of their table)."""
    from sqlalchemy import JSON, Boolean, Date, DateTime, Integer, String

    kind = column.type
    if column.foreign_keys:
        return 1
    if isinstance(kind, Boolean):
        return True
    if isinstance(kind, Integer):
        return row_id
    if isinstance(kind, DateTime):
        return datetime(2023, 1, 30, 1, 0, 0, 123000, tzinfo=UTC)
    if isinstance(kind, Date):
        return date(2023, 2, 15)
    if isinstance(kind, JSON):
        return ["một", {"hai": 2}]
    if isinstance(kind, String):  # Text too
        return f"{column.name} {row_id}"[: kind.length or None]
    raise AssertionError(f"no sample for {column.table.name}.{column.name}: {kind!r}")


@pytest.mark.parametrize("start", REVISIONS[:-1])
def test_rows_in_every_table_survive_the_upgrade_to_head(engine, start):
    upgrade(engine, start)
    with engine.begin() as connection:
        old = MetaData()
        old.reflect(connection)
        # Dependency order, the migration table aside.
        ordered = [t for t in old.sorted_tables if t.name != "alembic_version"]
        written = {}
        for table in ordered:
            row = {c.name: sample_value(c, 1) for c in table.columns}
            connection.execute(insert(table), [row])
            written[table.name] = row
    before = {name: read_back(engine, name, list(row)) for name, row in written.items()}
    assert all(len(rows) == 1 for rows in before.values())

    upgrade(engine)
    lost = {name: before[name] for name, row in written.items()
            if read_back(engine, name, list(row)) != before[name]}
    assert lost == {}, f"rows changed or lost by the upgrade from {start}"


def test_existing_milestones_get_the_keys_a_reimport_matches(engine, config):
    from bot.plan.importer import import_plan
    from bot.plan.interpret import interpret
    from bot.plan.tables import read_document
    from tests.conftest import SAMPLE_TXT

    upgrade(engine)
    sessions = make_sessionmaker(engine)
    parsed = interpret(read_document(SAMPLE_TXT))
    with sessions.begin() as session:
        import_plan(session, parsed, config.units[0], NOW)
    with sessions() as session:
        keys = {m.id: m.key for m in session.scalars(select(Milestone))}
    assert len(set(keys.values())) < len(keys)  # keys are per item: "~due#0" recurs
    downgrade(engine, "0004_digests")
    upgrade(engine)
    with sessions.begin() as session:
        assert {m.id: m.key for m in session.scalars(select(Milestone))} == keys
        result = import_plan(session, parsed, config.units[0], NOW)
        assert (result.added, result.changed, result.conflicts) == ([], {}, [])
    with sessions() as session:
        assert {m.id: m.key for m in session.scalars(select(Milestone))} == keys
