"""Portable backup and restore: one consistent snapshot as gzip'd JSON lines.

The file is the same whatever the database: a backup of SQLite restores into PostgreSQL and
the other way round.

    {"format": "nhacviec-backup", "version": 1, "alembic": "<revision>", "tables": [...],
     "counts": {table: rows}}
    {"t": "unit", "r": {"id": 1, "name": "UBND xã …"}}
    …

Rows come in dependency order (`Base.metadata.sorted_tables`); dates and datetimes are ISO
strings (datetimes aware UTC); JSON columns keep their structure. The header's counts let a
restore notice a file that lost rows.

A restore brings the target to the backup's revision first (the rows fit that schema), inserts
every row in one transaction, resets PostgreSQL's sequences, then upgrades to head, so a backup
taken by an older release restores into a newer one. On SQLite those migrations run with
foreign keys off (see `_migration_engine`). The whole file is read and checked before the
database is touched.
"""

from __future__ import annotations

import gzip
import json
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import (
    JSON, Connection, Date, DateTime, Engine, Table, TypeDecorator, column, create_engine, delete,
    event, func, insert, inspect, select, table, text,
)
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.pool import NullPool
from sqlalchemy.sql.type_api import TypeEngine

from db import migrate
from db.models import Base, UTCDateTime

FORMAT = "nhacviec-backup"
VERSION = 1
# Rows per INSERT batch on restore.
BATCH = 1000


class BackupError(Exception):
    """A refused backup or restore: a code and its parameters, shown in Vietnamese by bot.texts."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params

    def __str__(self) -> str:
        from bot import texts

        return texts.backup_error(self.code, self.params)


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    revision: str
    # Rows per table, in dependency order; tables the revision does not have are left out.
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


# ------------------------------------------------------------------------------------- backup

def backup(engine: Engine, path: Path) -> BackupInfo:
    """Write one consistent snapshot of the database to `path` (gzip'd JSON lines)."""
    path = Path(path)
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        connection = connection.execution_options(isolation_level="REPEATABLE READ",
                                                  postgresql_readonly=True)
    partial = path.with_name(path.name + ".partial")
    try:
        with connection.begin():
            if engine.dialect.name == "sqlite":
                # pysqlite opens no transaction for a SELECT; without BEGIN every query would
                # read its own moment. In WAL mode the first read fixes the snapshot.
                connection.exec_driver_sql("BEGIN")
            revision = MigrationContext.configure(connection).get_current_revision()
            if revision is None:
                raise BackupError("not_migrated")
            _known_revision(engine, revision, path, code="database_unknown_revision")
            tables = _present_tables(connection)
            counts = {name: connection.scalar(select(func.count()).select_from(table(name)))
                      for name, _ in tables}
            header = {"format": FORMAT, "version": VERSION, "alembic": revision,
                      "tables": [name for name, _ in tables], "counts": counts}
            path.parent.mkdir(parents=True, exist_ok=True)
            with gzip.open(partial, "wt", encoding="utf-8", newline="\n") as out:
                out.write(_dump(header))
                for name, columns in tables:
                    for row in _read_rows(connection, name, columns):
                        out.write(_dump({"t": name, "r": row}))
        os.replace(partial, path)
    finally:
        connection.close()
        partial.unlink(missing_ok=True)
    return BackupInfo(path, revision, counts)


def _present_tables(connection: Connection) -> list[tuple[str, list[str]]]:
    """The model tables this database has, in dependency order, each with its columns
    in model order (an older revision may lack tables and columns)."""
    inspector = inspect(connection)
    existing = set(inspector.get_table_names())
    found = []
    for model_table in Base.metadata.sorted_tables:
        if model_table.name not in existing:
            continue
        present = {c["name"] for c in inspector.get_columns(model_table.name)}
        names = [c.name for c in model_table.columns if c.name in present]
        # Columns a future model no longer has still belong to the backup.
        names += sorted(present - set(names))
        found.append((model_table.name, names))
    return found


def _read_rows(connection: Connection, name: str, columns: list[str]) -> Iterator[dict[str, Any]]:
    source = _light_table(name, columns)
    model_table = Base.metadata.tables[name]
    order = [source.c[c.name] for c in model_table.primary_key.columns if c.name in columns]
    if len(order) != len(model_table.primary_key.columns):
        # An older revision keyed the table otherwise (person_role before 0010): every column.
        order = [source.c[name] for name in columns]
    result = connection.execution_options(yield_per=BATCH).execute(select(source).order_by(*order))
    for row in result.mappings():
        yield {key: _encode(value) for key, value in row.items()}


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError("binary values are not part of the schema")
    return value


def _dump(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"


# ------------------------------------------------------------------------------------ restore

def restore(engine: Engine, path: Path, *, force: bool = False) -> BackupInfo:
    """Load a backup into `engine`'s database, then upgrade it to head.

    Refuses a file that is not a whole backup, a revision this code does not know, and a
    database that already holds data unless `force` (which deletes that data).
    """
    path = Path(path)
    header = _check_file(path)
    revision = header["alembic"]
    _known_revision(engine, revision, path)
    current = _current_revision(engine)
    if current is not None:
        _known_revision(engine, current, path, code="database_unknown_revision")
    filled = _filled_tables(engine)
    if filled and not force:
        raise BackupError("not_empty", tables=", ".join(filled))

    with _migration_engine(engine, path) as migrating:
        _to_revision(migrating, current, revision, filled)
    try:
        with engine.begin() as connection:
            if force:
                _delete_all(connection)
            counts = _insert_rows(connection, path, header["tables"])
            if connection.dialect.name == "postgresql":
                _reset_sequences(connection, header["tables"])
    except (DBAPIError, StatementError) as exc:
        # Rolled back: the target keeps what it had (its schema stays at the backup's revision).
        details = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise BackupError("rejected", path=path, details=details) from exc
    with _migration_engine(engine, path) as migrating:
        migrate.upgrade(migrating)
    return BackupInfo(path, revision, counts)


@contextmanager
def _migration_engine(engine: Engine, path: Path) -> Iterator[Engine]:
    """The engine to migrate with. On SQLite one with foreign keys off: batch mode rebuilds a
    table by DROP and rename, and with them on the DROP cascades into every table pointing at
    it (0003 rebuilding `person` would empty person_role, chat_link, reminder, …)."""
    if engine.dialect.name != "sqlite":
        yield engine
        return
    plain = create_engine(engine.url, poolclass=NullPool, connect_args={"timeout": 30})
    event.listen(plain, "connect", _foreign_keys_off)
    try:
        yield plain
        with plain.connect() as connection:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise BackupError("rejected", path=path,
                              details=f"khoá ngoại không khớp ở bảng {broken[0][0]}")
    finally:
        plain.dispose()


def _foreign_keys_off(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=OFF")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _check_file(path: Path) -> dict[str, Any]:
    """Read the whole file once before touching the database: header, every row, the counts."""
    if not path.is_file():
        raise BackupError("missing", path=path)
    counts: dict[str, int] = {}
    header: dict[str, Any] | None = None
    line_no = 0
    try:
        for line_no, record in _records(path):
            if header is None:
                header = _check_header(path, record)
                tables, order = header["tables"], 0
                continue
            if not isinstance(record, dict) or set(record) != {"t", "r"} \
                    or not isinstance(record["r"], dict):
                raise BackupError("corrupt", path=path, line=line_no, details="dòng không đúng dạng")
            name = record["t"]
            if name not in tables:
                raise BackupError("corrupt", path=path, line=line_no,
                                  details=f"bảng {name!r} không có trong phần đầu")
            # Rows must come table by table, in the header's (dependency) order.
            if tables.index(name) < order:
                raise BackupError("corrupt", path=path, line=line_no,
                                  details=f"bảng {name} sai thứ tự")
            order = tables.index(name)
            try:
                _decode_row(name, record["r"])
            except (TypeError, ValueError) as exc:
                raise BackupError("corrupt", path=path, line=line_no, details=str(exc)) from exc
            counts[name] = counts.get(name, 0) + 1
    except BackupError:
        raise
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, json.JSONDecodeError) as exc:
        if header is None:
            raise BackupError("not_backup", path=path) from exc
        raise BackupError("corrupt", path=path, line=line_no + 1, details=str(exc)) from exc
    if header is None:
        raise BackupError("not_backup", path=path)
    expected = {name: n for name, n in header["counts"].items() if n}
    if counts != expected:
        missing = sorted(name for name in set(expected) | set(counts)
                         if counts.get(name, 0) != expected.get(name, 0))
        raise BackupError("corrupt", path=path, line=line_no,
                          details="thiếu hoặc thừa dòng ở bảng " + ", ".join(missing))
    return header


def _check_header(path: Path, record: Any) -> dict[str, Any]:
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise BackupError("not_backup", path=path)
    if record.get("version") != VERSION:
        raise BackupError("unsupported_version", path=path, version=record.get("version"))
    tables, counts = record.get("tables"), record.get("counts")
    if not isinstance(record.get("alembic"), str) or not isinstance(tables, list) \
            or not all(isinstance(t, str) for t in tables) or not isinstance(counts, dict) \
            or set(counts) - set(tables) \
            or not all(isinstance(n, int) and n >= 0 for n in counts.values()):
        raise BackupError("corrupt", path=path, line=1, details="phần đầu không đầy đủ")
    return record


def _records(path: Path) -> Iterator[tuple[int, Any]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="\n") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield number, json.loads(line)


def _known_revision(engine: Engine, revision: str, path: Path, code: str = "unknown_revision") -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config(engine))
    try:
        known = script.get_revision(revision) is not None
    except CommandError:
        known = False
    if not known:
        raise BackupError(code, path=path, revision=revision)


def _current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _filled_tables(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        existing = set(inspect(connection).get_table_names())
        return [t.name for t in Base.metadata.sorted_tables if t.name in existing
                and connection.scalar(select(1).select_from(table(t.name)).limit(1)) is not None]


def _to_revision(engine: Engine, current: str | None, revision: str, filled: list[str]) -> None:
    """Bring the target's schema to the backup's revision, up or (an empty or forced target
    already past it) down."""
    if current == revision:
        return
    script = ScriptDirectory.from_config(migrate.alembic_config(engine))
    below = {r.revision for r in script.iterate_revisions(revision, "base")}
    if current is None or current in below:
        migrate.upgrade(engine, revision)
        return
    if filled:
        # The target is newer than the backup and its data is to go anyway: empty it before
        # the downgrade so no down-migration has to carry rows.
        with engine.begin() as connection:
            _delete_all(connection)
    migrate.downgrade(engine, revision)


def _delete_all(connection: Connection) -> None:
    existing = set(inspect(connection).get_table_names())
    for model_table in reversed(Base.metadata.sorted_tables):
        if model_table.name in existing:
            connection.execute(delete(table(model_table.name)))


def _insert_rows(connection: Connection, path: Path, tables: list[str]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(tables, 0)
    batch: list[dict[str, Any]] = []
    batch_key: tuple[str, tuple[str, ...]] | None = None

    def flush() -> None:
        if batch and batch_key is not None:
            connection.execute(insert(_light_table(batch_key[0], list(batch_key[1]))), batch)
            batch.clear()

    first = True
    for line_no, record in _records(path):
        if first:
            first = False
            continue
        name, row = record["t"], record["r"]
        key = (name, tuple(row))
        if key != batch_key or len(batch) >= BATCH:
            flush()
            batch_key = key
        try:
            batch.append(_decode_row(name, row))
        except (TypeError, ValueError) as exc:
            raise BackupError("corrupt", path=path, line=line_no, details=str(exc)) from exc
        counts[name] = counts.get(name, 0) + 1
    flush()
    return counts


def _decode_row(name: str, row: dict[str, Any]) -> dict[str, Any]:
    model_table = Base.metadata.tables.get(name)
    decoded = {}
    for key, value in row.items():
        model_column = model_table.columns.get(key) if model_table is not None else None
        if value is not None and model_column is not None:
            kind = _base_type(model_column.type)
            if isinstance(kind, DateTime):
                value = datetime.fromisoformat(value)
                if isinstance(model_column.type, UTCDateTime) and value.tzinfo is None:
                    raise ValueError(f"{name}.{key}: thời điểm thiếu múi giờ")
            elif isinstance(kind, Date):
                value = date.fromisoformat(value)
        decoded[key] = value
    return decoded


def _reset_sequences(connection: Connection, tables: list[str]) -> None:
    """Rows came with their ids; the sequences must continue after the largest one."""
    for name in tables:
        model_table = Base.metadata.tables.get(name)
        if model_table is None or "id" not in model_table.columns \
                or [c.name for c in model_table.primary_key.columns] != ["id"]:
            continue
        quoted = connection.dialect.identifier_preparer.quote(name)
        connection.execute(text(
            f"SELECT setval(pg_get_serial_sequence(:name, 'id'), COALESCE(MAX(id), 1), "
            f"MAX(id) IS NOT NULL) FROM {quoted}"), {"name": quoted})


# ------------------------------------------------------------------------------------ helpers

def _light_table(name: str, columns: list[str]) -> Any:
    """A bare table of just these columns with the models' types: no Python-side defaults
    (an older revision has no column for them) and JSON None as SQL NULL."""
    model_table: Table | None = Base.metadata.tables.get(name)
    cols = []
    for column_name in columns:
        model_column = model_table.columns.get(column_name) if model_table is not None else None
        type_: TypeEngine[Any] | None = model_column.type if model_column is not None else None
        if isinstance(type_, JSON):
            type_ = JSON(none_as_null=True)
        cols.append(column(column_name, type_))
    return table(name, *cols)


def _base_type(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    return type_.impl_instance if isinstance(type_, TypeDecorator) else type_
