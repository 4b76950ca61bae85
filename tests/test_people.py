"""People, roles and aliases in the database: the seed from config.toml (once), hand-overs
by date that reminders follow, retiring, names without diacritics, aliases, and the CLI."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot import cli, people, texts
from bot.people import PeopleError
from bot.plan.importer import import_plan
from bot.plan.interpret import interpret
from bot.plan.tables import read_document
from db.migrate import upgrade
from db.models import AuditEntry, Invitation, Item, Person, Reminder, Role
from db.session import make_engine, make_sessionmaker
from jobs.schedule import refresh_schedule, wanted_reminders
from tests.conftest import NOW, SAMPLE_TXT

LAN, MAI, HOA = "Hà Thị Lan", "Triệu Thị Mai", "Ma Thị Hoa"
TU_PHAP = "Công chức Tư pháp"


@pytest.fixture
def db(db_url, config):
    engine = make_engine(db_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    config = config.model_copy(update={"database": config.database.model_copy(update={"url": db_url})})
    with sessions.begin() as session:
        import_plan(session, interpret(read_document(SAMPLE_TXT)), config.units[0], NOW)
    yield sessions, config
    engine.dispose()


def unit_of(session, config):
    return people.ensure_unit(session, config.units[0])


def names_holding(session, role_name: str, at: datetime) -> list[str]:
    role = session.scalar(select(Role).where(Role.name == role_name))
    return people.holder_names(session, [role.id], at).get(role.id, [])


# ------------------------------------------------------------------ the seed

def test_config_seeds_a_unit_once_and_never_writes_over_the_database(db, config):
    sessions, config = db
    changed = config.units[0].model_copy(update={"roles": [
        r.model_copy(update={"people": ["Người Trong Config"]}) if r.name == TU_PHAP else r
        for r in config.units[0].roles]})
    with sessions.begin() as session:
        unit = people.ensure_unit(session, changed)
        assert names_holding(session, TU_PHAP, NOW) == [LAN]
        assert session.scalar(select(Person).where(Person.name == "Người Trong Config")) is None
        assert [p.name for p in session.scalars(select(Person).where(Person.is_admin))] == [HOA]
        lines = people.config_differences(session, changed, NOW)
        assert people.config_differences(session, config.units[0], NOW) == []
        assert unit.name == config.units[0].name
    assert lines == [
        texts.CHECK_DIFF["person_config"].format(names="Người Trong Config"),
        texts.CHECK_DIFF["person_db"].format(names=LAN),
        texts.CHECK_DIFF["holders"].format(role=TU_PHAP, config="Người Trong Config", db=LAN),
    ]


def test_check_says_in_vietnamese_that_config_and_database_differ_and_the_database_counts(db):
    sessions, config = db
    with sessions.begin() as session:
        unit = unit_of(session, config)
        people.add_alias(session, people.find_role(session, unit, TU_PHAP), "Tư pháp xã")
    out = io.StringIO()
    cli.cmd_check(config, NOW, out)
    text = out.getvalue()
    assert texts.CHECK_PEOPLE_DIFFER.format(unit=config.units[0].name) in text
    assert "bot dùng cơ sở dữ liệu" in text
    assert texts.CHECK_DIFF["alias_db"].format(role=TU_PHAP, names="Tư pháp xã") in text


# ------------------------------------------------------------ hand-over by date

def test_a_hand_over_from_a_day_sends_that_roles_reminders_to_the_new_holder_from_then_on(db):
    sessions, config = db
    zone = config.reminders.zone
    day = date(2023, 3, 15)
    with sessions.begin() as session:
        unit = unit_of(session, config)
        role = people.find_role(session, unit, "Tư pháp - Hộ tịch")  # by an alias
        minh = people.add_person(session, unit, "Nguyễn Văn Minh")
        lan = people.find_person(session, unit, LAN)
        people.assign_role(session, role, minh, day, NOW, zone, replace=lan)
        wanted = wanted_reminders(session, date(2023, 2, 1), date(2023, 4, 30), config.reminders)
        owned = set(session.scalars(select(Item.id).where(Item.assignments.any(role_id=role.id))))
        before = people.holders(session, datetime(2023, 3, 14, 12, tzinfo=UTC), role_ids=[role.id])
        after = people.holders(session, people.day_start(day, zone), role_ids=[role.id])
    theirs = [(w.person_id, w.planned.day) for w in wanted if w.item_id in owned
              and w.planned.audience == "owners"]
    earlier = {p for p, d in theirs if d < day}
    later = {p for p, d in theirs if d >= day}
    assert lan.id in earlier and minh.id not in earlier
    assert minh.id in later and lan.id not in later
    assert before == {role.id: [lan.id]} and after == {role.id: [minh.id]}


def test_a_role_given_and_taken_back_holds_for_the_days_between(db):
    sessions, config = db
    zone = config.reminders.zone
    with sessions.begin() as session:
        unit = unit_of(session, config)
        role = people.find_role(session, unit, TU_PHAP)
        mai = people.find_person(session, unit, MAI)
        people.assign_role(session, role, mai, date(2023, 2, 1), NOW, zone)
        with pytest.raises(PeopleError, match="đã giữ"):
            people.assign_role(session, role, mai, date(2023, 2, 5), NOW, zone)
        people.take_role(session, role, mai, date(2023, 2, 10), NOW, zone)
        during = names_holding(session, TU_PHAP, people.day_start(date(2023, 2, 9), zone))
        later = names_holding(session, TU_PHAP, people.day_start(date(2023, 2, 10), zone))
        with pytest.raises(PeopleError, match="đã qua"):
            people.take_role(session, role, mai, date(2023, 1, 1), NOW, zone)
    assert during == [LAN, MAI] and later == [LAN]


# ---------------------------------------------------------------------- retire

def test_a_retired_person_is_kept_reminded_of_nothing_and_their_roles_must_be_handed_over(db):
    sessions, config = db
    with sessions.begin() as session:
        refresh_schedule(session, NOW, config.reminders)
        unit = unit_of(session, config)
        lan = people.find_person(session, unit, LAN)
        assert session.scalar(select(Reminder.id).where(Reminder.person_id == lan.id,
                                                        Reminder.status == "planned"))
        orphaned = people.retire_person(session, lan, NOW)
        people.reschedule(session, unit.id, NOW, config.reminders)
        # This morning's reminder went out before she left; none after it.
        planned = session.scalar(select(Reminder.id).where(
            Reminder.person_id == lan.id, Reminder.status == "planned", Reminder.send_at > NOW))
        with pytest.raises(PeopleError, match="đã nghỉ"):
            people.assign_role(session, orphaned[0], lan, date(2023, 2, 1), NOW, config.reminders.zone)
        with pytest.raises(PeopleError, match="đã nghỉ rồi"):
            people.retire_person(session, lan, NOW)
        still_there = session.get(Person, lan.id)
    assert [r.name for r in orphaned] == [TU_PHAP]
    assert planned is None and still_there.retired_at == NOW


def test_a_retired_persons_invitation_no_longer_connects_a_chat(db):
    from bot.channels.base import Incoming
    from bot.talk.intake import create_invitation, stranger

    sessions, config = db
    with sessions.begin() as session:
        lan = people.find_person(session, unit_of(session, config), LAN)
        code = create_invitation(session, lan, NOW)
        people.retire_person(session, lan, NOW)
        incoming = Incoming(channel="zalo", chat_id="z-1", user_id="z-1", display_name="Lan",
                            date=NOW, text=code)
        answer = stranger(session, incoming, code, NOW)
        used = session.scalar(select(Invitation.used_at))
    assert answer.text == texts.UNKNOWN_USER and used is None


# ----------------------------------------------------------------- names

@pytest.mark.parametrize("typed, distinct, code", [
    ("Ha Thi Lan", False, "same_unfolded"),
    ("ha thi lan", True, "same_unfolded"),  # no diacritics at all: that is her, even if told not
    ("hà thị lan", False, "exists"),
    ("Hạ Thị Lân", False, "same_unfolded"),
    ("  ", False, "blank_name"),
])
def test_a_name_that_reads_as_someone_already_there_is_refused_naming_them(db, typed, distinct, code):
    sessions, config = db
    with sessions.begin() as session:
        unit = unit_of(session, config)
        count = len(unit.people)
        with pytest.raises(PeopleError) as refused:
            people.add_person(session, unit, typed, distinct=distinct)
        assert len(session.scalars(select(Person).where(Person.unit_id == unit.id)).all()) == count
    assert refused.value.code == code
    if code != "blank_name":
        assert LAN in str(refused.value)


def test_a_different_person_with_a_name_alike_without_diacritics_is_added_when_the_office_says_so(db):
    sessions, config = db
    with sessions.begin() as session:
        added = people.add_person(session, unit_of(session, config), "Hạ Thị Lân", distinct=True)
    assert added.name == "Hạ Thị Lân"


def test_people_are_found_by_the_name_typed_without_diacritics_when_it_names_one(db):
    sessions, config = db
    with sessions.begin() as session:
        unit = unit_of(session, config)
        assert people.find_person(session, unit, "ha thi lan").name == LAN
        assert people.find_person(session, unit, "Lan", partial=True).name == LAN
        with pytest.raises(PeopleError, match="Không có người «Lan»"):
            people.find_person(session, unit, "Lan")
        with pytest.raises(PeopleError, match="khớp nhiều người"):
            people.find_person(session, unit, "Thị", partial=True)


def test_aliases_are_added_and_removed_and_never_shared_between_roles(db):
    sessions, config = db
    with sessions.begin() as session:
        unit = unit_of(session, config)
        role = people.find_role(session, unit, TU_PHAP)
        assert people.add_alias(session, role, " Tư  pháp xã ") == "Tư pháp xã"
        assert people.find_role(session, unit, "tu phap xa").id == role.id
        with pytest.raises(PeopleError, match="Công chức Kế toán -TC"):
            people.add_alias(session, role, "Kế toán")
        with pytest.raises(PeopleError, match="tên chính"):
            people.remove_alias(session, role, TU_PHAP)
        assert people.remove_alias(session, role, "TƯ PHÁP XÃ") == "Tư pháp xã"
        with pytest.raises(PeopleError, match="không có tên gọi khác"):
            people.remove_alias(session, role, "Tư pháp xã")


# --------------------------------------------------------------------- CLI

def run(config, *argv) -> tuple[int, str]:
    import contextlib

    from bot.__main__ import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exit:  # argparse refuses a bad value
            code = exit.code
    return code, out.getvalue() + err.getvalue()


def test_the_cli_adds_a_person_with_a_role_hands_it_over_and_lists_the_roles(db, monkeypatch, tmp_path):
    sessions, config = db
    now = datetime.now(UTC)
    today = now.astimezone(config.reminders.zone).date()
    later = (today + timedelta(days=10)).strftime("%d/%m/%Y")
    monkeypatch.setenv("NHACVIEC_DATABASE_URL", config.database.url)
    code, text = run(config, "person", "add", "Nguyễn Văn Minh", "--role", "Tư pháp - Hộ tịch")
    assert code == 0 and "Đã thêm Nguyễn Văn Minh" in text and TU_PHAP in text
    code, text = run(config, "person", "add", "nguyen van minh")
    assert code == 2 and "Đã có «Nguyễn Văn Minh»" in text
    code, text = run(config, "role", "assign", "Bộ phận 1 cửa", "Nguyễn Văn Minh", "--from", later,
                     "--replace", "Triệu Thị Mai")
    assert code == 0 and "Triệu Thị Mai giữ đến hết" in text
    code, text = run(config, "role", "alias", TU_PHAP, "Hộ tịch")
    assert code == 0 and "Hộ tịch" in text
    code, text = run(config, "role", "list")
    assert code == 0 and f"• {TU_PHAP}: Hà Thị Lan, Nguyễn Văn Minh" in text
    assert f"từ {later}: Nguyễn Văn Minh" in text and "Hộ tịch" in text
    code, text = run(config, "role", "take", TU_PHAP, "Ai Đó")
    assert code == 2 and "Không có người «Ai Đó»" in text
    code, text = run(config, "person", "retire", LAN)
    assert code == 0 and "Hà Thị Lan đã nghỉ" in text and "cần giao cho người khác" not in text
    code, text = run(config, "person", "retire", "Triệu Thị Mai")
    assert code == 0 and "cần giao cho người khác" in text and "Bộ phận 1 cửa" in text
    code, text = run(config, "person", "rename", "Nguyễn Văn Minh", "Nguyễn Văn Minh Anh")
    assert code == 0 and "Nguyễn Văn Minh Anh" in text
    with sessions() as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert "cli.person.add" in actions and "cli.role.assign" in actions


def test_the_cli_errors_are_vietnamese_and_name_the_choices(db, monkeypatch):
    sessions, config = db
    monkeypatch.setenv("NHACVIEC_DATABASE_URL", config.database.url)
    code, text = run(config, "role", "assign", "Phòng Không Có", LAN)
    assert code == 2 and "Không có vai trò «Phòng Không Có»" in text and TU_PHAP in text
    code, text = run(config, "role", "assign", TU_PHAP, LAN, "--from", "31/02/2024")
    assert code == 2 and "31/02/2024" in text


# ---------------------------------------------------------------- migration

def test_the_migration_keeps_who_held_what_as_spans_open_since_always(db_url):
    from sqlalchemy import inspect, text

    from db.migrate import downgrade

    engine = make_engine(db_url)
    try:
        upgrade(engine)
        downgrade(engine, "0009_parent_sections")
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO unit (id, name) VALUES (1, 'UBND xã A')"))
            connection.execute(text("INSERT INTO role (id, unit_id, name, aliases, duty) "
                                    "VALUES (1, 1, 'Tư pháp', '[]', 'official'), "
                                    "(2, 1, 'Văn phòng', '[]', 'coordinator')"))
            connection.execute(text("INSERT INTO person (id, unit_id, name, is_admin) "
                                    "VALUES (1, 1, 'Lan', false), (2, 1, 'Hoa', true)"))
            connection.execute(text("INSERT INTO person_role (person_id, role_id) "
                                    "VALUES (1, 1), (2, 2), (2, 1)"))
        upgrade(engine)
        with make_sessionmaker(engine)() as session:
            held = people.holders(session, NOW)
            columns = {c["name"] for c in inspect(session.connection()).get_columns("person")}
        downgrade(engine, "0009_parent_sections")
        with engine.connect() as connection:
            back = sorted(connection.execute(text("SELECT person_id, role_id FROM person_role")).all())
    finally:
        engine.dispose()
    assert held == {1: [2, 1], 2: [2]}  # by name: Hoa before Lan
    assert "retired_at" in columns
    assert back == [(1, 1), (2, 1), (2, 2)]
