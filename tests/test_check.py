"""`python -m bot check` tells the office what the installation has and what is missing."""

from __future__ import annotations

import io

from sqlalchemy import select

from bot import cli
from db.migrate import upgrade
from db.models import ChatLink, Person
from db.session import make_engine, make_sessionmaker
from tests.conftest import NOW, SAMPLE_TXT


def with_db(config, url):
    return config.model_copy(update={"database": config.database.model_copy(update={"url": url})})


def test_check_reports_channels_plans_and_people_without_a_chat(db_url, config, monkeypatch):
    config = with_db(config, db_url)
    cli.cmd_import(config, SAMPLE_TXT, year=None, unit=None, dry_run=False, as_json=False, now=NOW,
                   out=io.StringIO())
    engine = make_engine(db_url)
    with make_sessionmaker(engine).begin() as session:
        for person in session.scalars(select(Person).where(Person.name != "Hà Thị Lan")):
            session.add(ChatLink(person_id=person.id, channel="zalo", chat_id=person.name,
                                 created_at=NOW))
    engine.dispose()
    monkeypatch.setenv("ZALO_BOT_TOKEN", "1234:secret")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    out = io.StringIO()
    assert cli.cmd_check(config, NOW, out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "Cấu hình: hợp lệ — 1 xã, 9 vai trò, 7 người."
    assert lines[1].startswith("Cơ sở dữ liệu: ") and lines[1].endswith("(mới nhất).")
    assert "Telegram: chưa cấu hình (đặt biến môi trường TELEGRAM_BOT_TOKEN)." in lines
    assert "Zalo: có token, nhận tin bằng long polling." in lines
    assert ("Kế hoạch: UBND xã Bằng Phúc — Kế hoạch Thực hiện công tác cải cách hành chính "
            "năm 2023: 46 việc.") in lines
    assert "1 người chưa kết nối Zalo/Telegram (python3 run.py invite TÊN): Hà Thị Lan." in lines
    assert lines[-1] == "Lịch nhắc: chưa có tiến trình nào đang chạy."
    assert "1234:secret" not in out.getvalue()


def test_check_fails_when_the_schema_is_behind(db_url, config):
    engine = make_engine(db_url)
    upgrade(engine, "0001_plan_import")
    engine.dispose()
    out = io.StringIO()
    assert cli.cmd_check(with_db(config, db_url), NOW, out) == 1
    assert "chạy `python3 run.py migrate`" in out.getvalue()


def test_check_fails_when_the_database_cannot_be_reached(config, tmp_path):
    out = io.StringIO()
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    assert cli.cmd_check(with_db(config, url), NOW, out) == 1
    assert "KHÔNG kết nối được" in out.getvalue()
