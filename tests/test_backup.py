"""Backup and restore: every row of every table comes back, on SQLite and PostgreSQL either way
round; a database with data, a broken file and an unknown revision are refused untouched."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, func, insert, inspect, select

import db.backup as backup_module
from bot import texts
from bot.plan.importer import import_plan
from bot.plan.interpret import interpret
from bot.plan.tables import read_document
from db.backup import BackupError, backup, restore
from db.migrate import MIGRATIONS, downgrade, upgrade
from db.models import (
    AuditEntry, Base, ChatLink, Delivery, DeliveryAttempt, Digest, Evidence, Extension, Invitation,
    Item, ItemReply, Message, Milestone, PendingQuestion, Person, Plan, Reminder, Section,
    TickLease, Unit, WebLink, WebSession,
)
from db.session import make_engine, make_sessionmaker
from jobs.schedule import refresh_schedule
from tests.conftest import NOW, SAMPLE_TXT
from tests.test_migrations import REVISIONS, read_back, sample_value

HEAD = ScriptDirectory(str(MIGRATIONS)).get_current_head()
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
# Aware, not UTC, with microseconds: must come back as the same instant.
ODD_MOMENT = datetime(2023, 2, 3, 8, 15, 30, 123456, tzinfo=HANOI)


def fill(engine: Engine, config) -> None:
    """The sample plan, its reminders, and a row or more in every other table."""
    with make_sessionmaker(engine).begin() as session:
        import_plan(session, interpret(read_document(SAMPLE_TXT)), config.units[0], NOW)
        refresh_schedule(session, NOW, config.reminders)
        hoa = session.scalar(select(Person).where(Person.name == "Ma Thị Hoa"))
        thai = session.scalar(select(Person).where(Person.name == "Hoàng Văn Thái"))
        milestone = session.scalar(select(Milestone).join(Item).where(Item.code == "3.7")
                                   .order_by(Milestone.position))
        milestone.done_at = ODD_MOMENT
        milestone.original_due = date(2023, 2, 15)
        milestone.ask_on = date(2023, 2, 10)
        retired = session.scalar(select(Milestone).join(Item).where(Item.code == "3.7")
                                 .order_by(Milestone.position.desc()))
        retired.retired_at, retired.disputed_due = ODD_MOMENT, date(2023, 4, 15)
        last_year = Plan(unit_id=hoa.unit_id, title="Kế hoạch năm trước", year=2022,
                         source_name="ke-hoach-2022.docx", imported_at=NOW, closed_at=ODD_MOMENT)
        upper = Section(plan=last_year, code="B", title="NHIỆM VỤ CỤ THỂ", position=0)
        session.add_all([last_year, upper, Section(plan=last_year, code="B.II", position=1,
                                                   title="CHUYỂN ĐỔI SỐ", parent=upper)])
        session.add(ChatLink(person_id=hoa.id, channel="telegram", chat_id="100200300",
                             created_at=NOW, unreachable_at=ODD_MOMENT))
        session.add(ChatLink(person_id=thai.id, channel="zalo", chat_id="zalo-abc",
                             preferred=False, created_at=NOW))
        message = Message(channel="telegram", chat_id="100200300", user_id="100200300",
                          display_name="Hoa", person_id=hoa.id, text="Xong 3.7 rồi nhé ✅",
                          provider_message_id="77", received_at=ODD_MOMENT,
                          outcome={"intent": "done", "items": ["3.7"], "ghi chú": [1, None, True]},
                          update_key="telegram:100200300:77", answer="✅ Đã ghi nhận: 3.7")
        stranger = Message(channel="zalo", chat_id="z-1", user_id="z-1", display_name="Ai đó",
                           text="xin chào", received_at=NOW)
        session.add_all([message, stranger])
        session.flush()
        session.add(ItemReply(milestone_id=milestone.id, person_id=hoa.id, message_id=message.id,
                              intent="done", percent=100, note="đã ban hành", at=ODD_MOMENT,
                              on_date=date(2023, 2, 10), undone_at=ODD_MOMENT,
                              before={"done_at": None, "ask_on": "2023-02-09"}))
        delivery = Delivery(person_id=hoa.id, channel="telegram", chat_id="100200300",
                            text="Nhắc việc: 3.7", purpose="reminder", status="sent", attempts=1,
                            next_attempt_at=NOW, provider_message_id="78", created_at=NOW,
                            sent_at=NOW + timedelta(seconds=1),
                            buttons=[["Xong", "done:1"], ["Chưa", "not_yet:1"]],
                            message_id=message.id)
        session.add(delivery)
        session.flush()
        session.add(DeliveryAttempt(delivery_id=delivery.id, started_at=NOW,
                                    finished_at=NOW + timedelta(seconds=1), outcome="sent",
                                    holder="host:1"))
        reminder = session.scalar(select(Reminder).order_by(Reminder.id).limit(1))
        reminder.status, reminder.delivery_id = "sent", delivery.id
        session.add(TickLease(name="tick", holder="host:1", expires_at=NOW + timedelta(minutes=2),
                              refreshed_on=date(2023, 1, 30)))
        session.add(Invitation(person_id=thai.id, code="ABC123", created_at=NOW,
                               expires_at=NOW + timedelta(days=7)))
        session.add(Extension(milestone_id=milestone.id, person_id=hoa.id,
                              requested_due=date(2023, 3, 1), previous_due=date(2023, 2, 15),
                              reason="chờ số liệu", status="approved", requested_at=NOW,
                              decided_by=thai.id, decided_at=ODD_MOMENT))
        session.add(Evidence(milestone_id=milestone.id, person_id=hoa.id, file_name="kế hoạch.pdf",
                             mime_type="application/pdf", size=1234, sha256="ab" * 32,
                             path="evidence/1/ke-hoach.pdf", received_at=NOW))
        session.add(PendingQuestion(person_id=thai.id, kind="choose_item",
                                    payload={"reply": {"intent": "done"}, "offered": [1, 2]},
                                    asked_at=NOW))
        session.add(Digest(unit_id=hoa.unit_id, kind="weekly", day=date(2023, 1, 30),
                           created_at=NOW))
        session.add(WebLink(person_id=hoa.id, token_hash="a" * 64, created_at=NOW,
                            expires_at=NOW + timedelta(minutes=10), used_at=NOW))
        session.add(WebSession(person_id=hoa.id, token_hash="b" * 64, csrf="c" * 43,
                               created_at=NOW, seen_at=NOW))
        session.add(AuditEntry(unit_id=hoa.unit_id, person_id=hoa.id, at=NOW,
                               action="web.sign_in", target="session:1",
                               before=None, after={"link": 1}))


def snapshot(engine: Engine) -> dict[str, list[dict]]:
    """Every row of every model table, all the columns it has, in primary-key order."""
    with engine.connect() as connection:
        inspector = inspect(connection)
        existing = set(inspector.get_table_names())
        found = {}
        for t in Base.metadata.sorted_tables:
            if t.name not in existing:
                continue
            present = {c["name"] for c in inspector.get_columns(t.name)}
            columns = [c for c in t.columns if c.name in present]
            # person_role was keyed by its two columns before 0010 gave it an id.
            order = [c for c in t.primary_key.columns if c.name in present] or columns
            found[t.name] = [dict(row) for row in connection.execute(
                select(*columns).order_by(*order)).mappings()]
        return found


def revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def assert_same(source: dict[str, list[dict]], target: dict[str, list[dict]]) -> None:
    assert list(target) == list(source)
    for name, rows in source.items():
        assert len(target[name]) == len(rows), name
        for expected, got in zip(rows, target[name], strict=True):
            assert got == expected, name
            for column, value in got.items():
                if isinstance(value, datetime):
                    assert value.tzinfo is not None, f"{name}.{column} came back naive"


@pytest.fixture
def source(db_url, config):
    engine = make_engine(db_url)
    upgrade(engine)
    fill(engine, config)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path):
    engines = []

    def make(name: str) -> Engine:
        engine = make_engine(f"sqlite:///{tmp_path / name}")
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


def test_every_table_has_rows_to_back_up(source):
    # A table the fill leaves empty would not be proved by the round trip below.
    empty = [name for name, rows in snapshot(source).items() if not rows]
    assert empty == [], f"fill() puts no rows in {empty}: add some"


def test_round_trip_into_a_fresh_sqlite_file(source, sqlite_engine, tmp_path, config):
    before = snapshot(source)
    info = backup(source, tmp_path / "nhacviec.jsonl.gz")
    assert info.revision == revision(source) == HEAD
    assert info.counts == {name: len(rows) for name, rows in before.items()}
    assert snapshot(source) == before  # a backup only reads

    target = sqlite_engine("restored.db")
    restored = restore(target, info.path)
    assert restored.counts == info.counts
    after = snapshot(target)
    assert_same(before, after)
    assert revision(target) == revision(source)
    moment = next(m["done_at"] for m in after["milestone"] if m["done_at"])
    assert moment == ODD_MOMENT and moment.tzinfo is not None
    assert moment.astimezone(HANOI).hour == 8 and moment.microsecond == 123456
    assert_new_rows_get_new_ids(target, config, after)


def test_round_trip_from_sqlite_into_the_test_database(sqlite_engine, db_url, tmp_path, config):
    # With TEST_DATABASE_URL set this is SQLite -> PostgreSQL (the other test goes back).
    origin = sqlite_engine("origin.db")
    upgrade(origin)
    fill(origin, config)
    before = snapshot(origin)
    info = backup(origin, tmp_path / "from-sqlite.jsonl.gz")

    target = make_engine(db_url)
    try:
        restore(target, info.path)
        after = snapshot(target)
        assert_same(before, after)
        assert_new_rows_get_new_ids(target, config, after)
    finally:
        target.dispose()


def assert_new_rows_get_new_ids(engine: Engine, config, restored: dict[str, list[dict]]) -> None:
    """The sequences continue after the restored ids (PostgreSQL does not do it by itself)."""
    top = {name: max((row["id"] for row in rows), default=0)
           for name, rows in restored.items() if rows and "id" in rows[0]}
    with make_sessionmaker(engine).begin() as session:
        unit = Unit(name="UBND xã Mới")
        hoa = session.scalar(select(Person).where(Person.name == "Ma Thị Hoa"))
        message = Message(channel="telegram", chat_id="1", user_id="1", display_name="Hoa",
                          person_id=hoa.id, text="tiến độ 3.7: 50%", received_at=NOW)
        session.add_all([unit, message])
        session.flush()
        milestone = session.scalar(select(Milestone).order_by(Milestone.id).limit(1))
        reply = ItemReply(milestone_id=milestone.id, person_id=hoa.id, message_id=message.id,
                          intent="progress", percent=50, at=NOW)
        session.add(reply)
        session.flush()
        assert unit.id > top["unit"] and message.id > top["message"]
        assert reply.id > top["item_reply"]
        added = refresh_schedule(session, NOW + timedelta(days=60), config.reminders).added
        assert added > 0
        newest = session.scalar(select(func.max(Reminder.id)))
        assert newest == top["reminder"] + added


def test_a_database_with_data_is_refused_untouched_unless_forced(source, db_url, sqlite_engine,
                                                                 tmp_path, config):
    other = sqlite_engine("other.db")
    upgrade(other)
    with make_sessionmaker(other).begin() as session:
        session.add(Unit(name="UBND xã Khác"))
    info = backup(other, tmp_path / "other.jsonl.gz")

    before = snapshot(source)
    with pytest.raises(BackupError) as refused:
        restore(source, info.path)
    assert refused.value.code == "not_empty"
    assert "unit" in refused.value.params["tables"]
    assert str(refused.value) == texts.BACKUP_ERRORS["not_empty"].format(**refused.value.params)
    assert "--force" in str(refused.value)
    assert snapshot(source) == before
    assert revision(source) == HEAD

    restore(source, info.path, force=True)
    assert_same(snapshot(other), snapshot(source))


def test_forced_restore_over_the_same_data_gives_the_backup_back(source, tmp_path):
    before = snapshot(source)
    info = backup(source, tmp_path / "same.jsonl.gz")
    with make_sessionmaker(source).begin() as session:
        session.add(Unit(name="thêm sau khi sao lưu"))
    restore(source, info.path, force=True)
    assert_same(before, snapshot(source))


def test_the_backup_is_one_snapshot(source, tmp_path, monkeypatch):
    """Rows committed by someone else while the backup runs are not in it, in part or whole."""
    read = backup_module._read_rows
    writer = make_engine(source.url.render_as_string(hide_password=False))

    def read_then_write(connection, name, columns):
        rows = list(read(connection, name, columns))
        if name == "unit":
            with make_sessionmaker(writer).begin() as session:
                unit = Unit(name="giữa chừng")
                session.add(unit)
                session.flush()
                session.add(Person(unit_id=unit.id, name="Người mới"))
        return iter(rows)

    monkeypatch.setattr(backup_module, "_read_rows", read_then_write)
    try:
        info = backup(source, tmp_path / "snap.jsonl.gz")
    finally:
        writer.dispose()
    with gzip.open(info.path, "rt", encoding="utf-8") as lines:
        names = [json.loads(line)["r"].get("name") for line in list(lines)[1:]]
    assert "giữa chừng" not in names and "Người mới" not in names
    assert info.counts["person"] == 7
    # The counts in the header agree with the rows, so the file restores.
    target = make_engine(f"sqlite:///{tmp_path / 'snap.db'}")
    try:
        assert restore(target, info.path).counts == info.counts
    finally:
        target.dispose()


def test_an_older_revision_restores_into_a_database_already_at_head(db_url, sqlite_engine,
                                                                     tmp_path, config):
    """A backup from the previous release (0003) into a fresh install that migrated itself."""
    old = make_engine(db_url)
    try:
        # Today's code writes the rows; the schema then goes back to what that release had.
        upgrade(old)
        with make_sessionmaker(old).begin() as session:
            import_plan(session, interpret(read_document(SAMPLE_TXT)), config.units[0], NOW)
            refresh_schedule(session, NOW, config.reminders)
        downgrade(old, "0003_conversations")
        before = snapshot(old)
        info = backup(old, tmp_path / "old.jsonl.gz")
    finally:
        old.dispose()
    assert info.revision == "0003_conversations"
    assert "digest" not in info.counts

    target = sqlite_engine("new.db")
    upgrade(target)
    restore(target, info.path)
    assert revision(target) == HEAD
    after = snapshot(target)
    newer = [name for name in after if name not in before]
    assert "digest" in newer
    for name in newer:
        assert after.pop(name) == [], name
    # Columns added since come with what the upgrade gives them: milestone keys, else empty.
    assert all(row["key"] and row["retired_at"] is None for row in after["milestone"])
    for name, rows in after.items():
        known = set(before[name][0]) if before[name] else set()
        for row in rows if before[name] else ():
            assert not any(row[column] for column in set(row) - known - {"key", "id"}), name
    assert_same(before, {name: [{column: row[column] for column in before[name][0]} for row in rows]
                         if before[name] else rows for name, rows in after.items()})


def write_gzip(path: Path, lines: list[object]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for line in lines:
            out.write((line if isinstance(line, str) else json.dumps(line)) + "\n")
    return path


def test_broken_and_foreign_files_are_refused_untouched(source, db_url, tmp_path):
    good = backup(source, tmp_path / "good.jsonl.gz").path
    raw = gzip.decompress(good.read_bytes()).decode().splitlines()
    header = json.loads(raw[0])

    cases: dict[str, tuple[Path, str]] = {}
    plain = tmp_path / "plain.txt"
    plain.write_text("đây không phải bản sao lưu\n", encoding="utf-8")
    cases["plain text"] = (plain, "not_backup")
    cases["plain JSON lines"] = (write_gzip(tmp_path / "other.gz", [{"hello": 1}]), "not_backup")
    cases["empty gzip"] = (write_gzip(tmp_path / "empty.gz", []), "not_backup")
    cases["random bytes"] = (tmp_path / "random.gz", "not_backup")
    (tmp_path / "random.gz").write_bytes(bytes(range(256)) * 4)
    truncated = tmp_path / "truncated.gz"
    truncated.write_bytes(good.read_bytes()[: len(good.read_bytes()) * 2 // 3])
    cases["truncated gzip"] = (truncated, "corrupt")
    cases["a row lost"] = (write_gzip(tmp_path / "lost.gz", raw[:-1]), "corrupt")
    cases["a broken line"] = (write_gzip(tmp_path / "broken.gz", raw[:5] + ["{\"t\": \"unit\""]
                                         + raw[5:]), "corrupt")
    cases["an unknown table"] = (write_gzip(tmp_path / "table.gz", raw + [
        json.dumps({"t": "secrets", "r": {"id": 1}})]), "corrupt")
    cases["rows out of order"] = (write_gzip(tmp_path / "order.gz", [raw[0]] + raw[1:][::-1]),
                                  "corrupt")
    cases["a future revision"] = (write_gzip(tmp_path / "future.gz", [
        {**header, "alembic": "9999_from_the_future"}] + raw[1:]), "unknown_revision")
    cases["a future format"] = (write_gzip(tmp_path / "v2.gz", [{**header, "version": 2}] + raw[1:]),
                                "unsupported_version")
    cases["no file"] = (tmp_path / "nowhere.gz", "missing")

    target = make_engine(f"sqlite:///{tmp_path / 'target.db'}")
    try:
        for what, (path, code) in cases.items():
            with pytest.raises(BackupError) as refused:
                restore(target, path)
            assert refused.value.code == code, what
            assert str(refused.value) and "{" not in str(refused.value), what
            # Nothing was created, not even the migration table.
            assert inspect(target).get_table_names() == [], what
        # And a database with data stays as it was.
        before = snapshot(source)
        for what, (path, code) in cases.items():
            with pytest.raises(BackupError):
                restore(source, path, force=True)
        assert snapshot(source) == before
    finally:
        target.dispose()


def test_rows_the_database_rejects_leave_it_as_it_was(source, tmp_path):
    good = backup(source, tmp_path / "good.jsonl.gz").path
    raw = gzip.decompress(good.read_bytes()).decode().splitlines()
    # Two people with the same id: the file reads fine, the database says no.
    person = next(line for line in raw[1:] if json.loads(line)["t"] == "person")
    at = raw.index(person)
    header = json.loads(raw[0])
    header["counts"]["person"] += 1
    bad = write_gzip(tmp_path / "dup.gz", [header] + raw[1:at] + [person] + raw[at:])
    before = snapshot(source)
    with pytest.raises(BackupError) as refused:
        restore(source, bad, force=True)
    assert refused.value.code == "rejected"
    assert snapshot(source) == before


def test_an_unmigrated_database_has_nothing_to_back_up(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'blank.db'}")
    try:
        with pytest.raises(BackupError) as refused:
            backup(engine, tmp_path / "blank.jsonl.gz")
    finally:
        engine.dispose()
    assert refused.value.code == "not_migrated"
    assert not (tmp_path / "blank.jsonl.gz").exists()
    assert not (tmp_path / "blank.jsonl.gz.partial").exists()


@pytest.mark.parametrize("start", REVISIONS[:-1])
def test_a_backup_of_every_older_revision_restores_every_row(db_url, sqlite_engine, tmp_path, start):
    """Restore upgrades an old backup to head; on SQLite the table rebuilds of that upgrade
    must not cascade-delete what was just restored."""
    old = make_engine(db_url)
    try:
        upgrade(old, start)
        with old.begin() as connection:
            reflected = MetaData()
            reflected.reflect(connection)
            written = {}
            for found in reflected.sorted_tables:
                if found.name != "alembic_version":
                    written[found.name] = {c.name: sample_value(c, 1) for c in found.columns}
                    connection.execute(insert(found), [written[found.name]])
        before = {name: read_back(old, name, list(row)) for name, row in written.items()}
        info = backup(old, tmp_path / f"{start}.jsonl.gz")
    finally:
        old.dispose()
    assert info.revision == start
    assert {name for name, n in info.counts.items() if n} == set(written)

    target = sqlite_engine(f"{start}.db")
    restore(target, info.path)
    assert revision(target) == HEAD
    lost = {name: before[name] for name, row in written.items()
            if read_back(target, name, list(row)) != before[name]}
    assert lost == {}


def test_a_value_of_the_wrong_type_is_refused_before_anything_is_written(source, tmp_path):
    good = backup(source, tmp_path / "good.jsonl.gz").path
    raw = gzip.decompress(good.read_bytes()).decode().splitlines()
    at = next(n for n, line in enumerate(raw[1:], start=1) if json.loads(line)["t"] == "plan")
    plan = json.loads(raw[at])
    for bad in ("30/01/2023", 20230130):
        plan["r"]["issued_on"] = bad
        broken = write_gzip(tmp_path / "bad-date.gz", raw[:at] + [json.dumps(plan)] + raw[at + 1:])
        target = make_engine(f"sqlite:///{tmp_path / 'untouched.db'}")
        try:
            with pytest.raises(BackupError) as refused:
                restore(target, broken)
            assert refused.value.code == "corrupt"
            assert refused.value.params["line"] == at + 1
            assert inspect(target).get_table_names() == []
        finally:
            target.dispose()
    # A moment without its zone in a UTC column is refused too.
    at = next(n for n, line in enumerate(raw[1:], start=1) if json.loads(line)["t"] == "item")
    item = json.loads(raw[at])
    assert item["r"]["created_at"].endswith("+00:00")
    item["r"]["created_at"] = item["r"]["created_at"].removesuffix("+00:00")
    naive = write_gzip(tmp_path / "naive.gz", raw[:at] + [json.dumps(item)] + raw[at + 1:])
    with pytest.raises(BackupError) as refused:
        restore(source, naive, force=True)
    assert refused.value.code == "corrupt" and "item.created_at" in refused.value.params["details"]


def test_the_backup_and_restore_commands_speak_vietnamese_and_refuse_to_overwrite(
        db_url, config, tmp_path, capsys):
    import io

    from bot import cli

    source = config.model_copy(update={"database": config.database.model_copy(update={"url": db_url})})
    cli.cmd_import(source, SAMPLE_TXT, year=None, unit=None, dry_run=False, as_json=False, now=NOW,
                   out=io.StringIO())
    file = tmp_path / "sao-luu.jsonl.gz"
    out = io.StringIO()
    assert cli.cmd_backup(source, file, out) == 0
    assert out.getvalue().startswith("Đã sao lưu ")
    target = source.model_copy(update={"database": source.database.model_copy(
        update={"url": f"sqlite:///{tmp_path / 'khac.db'}"})})
    assert cli.cmd_restore(target, file, False, out) == 0
    assert cli.cmd_restore(target, file, False, out) == 2
    assert "hãy chạy lại với --force" in capsys.readouterr().err
    assert cli.cmd_restore(target, file, True, out) == 0
