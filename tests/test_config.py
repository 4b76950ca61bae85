"""The shipped config.toml loads, every key in it is read by the code, and mistakes are loud."""

from __future__ import annotations

import re
import tomllib

import pytest

from bot.config import DEFAULT_CONFIG, ConfigError, load_config, secret
from tests.conftest import ROOT

SOURCES = "\n".join(
    path.read_text(encoding="utf-8")
    for folder in ("bot", "db", "jobs")
    for path in (ROOT / folder).rglob("*.py")
)


def keys(data: dict, prefix: str = "") -> list[str]:
    found = []
    for key, value in data.items():
        found.append(f"{prefix}{key}")
        if isinstance(value, dict):
            found += keys(value, f"{prefix}{key}.")
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for element in value:
                found += keys(element, f"{prefix}{key}[].")
    return sorted(set(found))


def test_the_shipped_config_loads():
    config = load_config(DEFAULT_CONFIG)
    assert config.units[0].name == "UBND xã Bằng Phúc"


@pytest.mark.parametrize("key", keys(tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))))
def test_every_key_of_the_shipped_config_is_read_by_the_code(key):
    name = key.rsplit(".", 1)[-1].removesuffix("[]")
    assert re.search(rf"\.{name}\b", SOURCES), f"{key} is never read"


def test_the_config_has_no_secrets():
    text = DEFAULT_CONFIG.read_text(encoding="utf-8").lower()
    assert "token =" not in text and "password" not in text


@pytest.mark.parametrize("mistake, message", [
    ("[database]\nurl = 'sqlite://'\n", "units"),
    ("[[units]]\nname='X'\ncoordinator_role='A'\nchairman_role='B'\n"
     "[[units.roles]]\nname='A'\n", "chairman_role"),
    ("[[units]]\nname='X'\ncoordinator_role='A'\nchairman_role='A'\nemail='x'\n"
     "[[units.roles]]\nname='A'\n", "email"),
    ("[[units]\n", "không hợp lệ"),
    ("[telegram]\nwebhook_url = 'bot.example/hook'\n", "phải bắt đầu bằng https://"),
])
def test_a_bad_config_is_refused_with_a_message_naming_the_problem(tmp_path, mistake, message):
    path = tmp_path / "config.toml"
    path.write_text(mistake, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert message in str(error.value)
    assert str(path) in str(error.value)


def test_secrets_come_from_the_environment_or_a_file(tmp_path, monkeypatch):
    monkeypatch.delenv("ZALO_BOT_TOKEN", raising=False)
    assert secret("ZALO_BOT_TOKEN") is None
    token_file = tmp_path / "token"
    token_file.write_text("1234:abc\n")
    monkeypatch.setenv("ZALO_BOT_TOKEN_FILE", str(token_file))
    assert secret("ZALO_BOT_TOKEN") == "1234:abc"
    monkeypatch.setenv("ZALO_BOT_TOKEN", "5678:def")
    assert secret("ZALO_BOT_TOKEN") == "5678:def"


def test_the_database_url_can_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert load_config(DEFAULT_CONFIG).database.url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize("table, message", [
    ("[reports]\nquarter_cutoff_day = 32\n", "quarter_cutoff_day"),
    ("[reports]\nyear_cutoff_day = 0\n", "year_cutoff_day"),
])
def test_a_cut_off_day_outside_the_month_is_refused(tmp_path, table, message):
    shipped = DEFAULT_CONFIG.read_text(encoding="utf-8")
    start = shipped.index("[reports]")
    end = shipped.index("year_cutoff_day = 31\n") + len("year_cutoff_day = 31\n")
    path = tmp_path / "config.toml"
    path.write_text(shipped[:start] + table + shipped[end:], encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert message in str(error.value)


def test_a_unit_without_a_report_heading_gets_one_from_its_name(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[[units]]\nname='UBND phường Đức Xuân'\ncoordinator_role='A'\n"
                    "chairman_role='A'\n[[units.roles]]\nname='A'\n", encoding="utf-8")
    heading = load_config(path).units[0].report
    assert heading.issuing_body == ["ỦY BAN NHÂN DÂN", "PHƯỜNG ĐỨC XUÂN"]
    assert heading.place == "Đức Xuân" and heading.recipients == []


def test_an_overseer_must_be_a_person_of_the_unit(tmp_path):
    path = tmp_path / "config.toml"
    unit = ("[[units]]\nname='UBND xã A'\ncoordinator_role='A'\nchairman_role='A'\n{overseers}\n"
            "[[units.roles]]\nname='A'\npeople=['Ma Thị Hoa']\n")
    path.write_text(unit.format(overseers="overseers=['Ma Thi Hoa']"), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert "overseers có người không giữ vai trò nào: Ma Thi Hoa" in str(error.value)
    path.write_text(unit.format(overseers="overseers=['Ma Thị Hoa']"), encoding="utf-8")
    assert load_config(path).units[0].overseers == ["Ma Thị Hoa"]
