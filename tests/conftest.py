from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.config import DEFAULT_CONFIG, Config, load_config

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "bot" / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE_TXT = SAMPLES / "ke-hoach-cchc-2023-bang-phuc.txt"
SAMPLE_DOCX = SAMPLES / "ke-hoach-cchc-2023-bang-phuc.docx"
EXPECTED_JSON = FIXTURES / "ke-hoach-cchc-2023-bang-phuc.expected.json"
NOW = datetime(2023, 1, 30, 1, 0, tzinfo=UTC)

# Set to a PostgreSQL URL (e.g. postgresql+psycopg://postgres@127.0.0.1/test) to run the
# database tests there; every test then gets a schema of its own.
PG_URL = os.environ.get("TEST_DATABASE_URL")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Tests that touch a database run a second time on PostgreSQL in CI (`-m db`).
    for item in items:
        if "db_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)


@pytest.fixture
def config() -> Config:
    return load_config(DEFAULT_CONFIG)


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
