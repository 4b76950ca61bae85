"""Updates that arrived while the database could not be reached, kept on local disk.

One JSON line per update in `journal.jsonl` in the data folder, appended with write,
flush and fsync before the update is acknowledged to the platform. Replayed in order,
before anything newer, once the database answers again; `journal.done` counts the lines
already replayed, so a crash in the middle neither loses an update nor answers it twice.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import fields, replace
from datetime import datetime
from pathlib import Path

from bot.channels.base import Attachment, Incoming

Fetch = Callable[[], Awaitable[bytes]]
# (channel name, attachment source) -> a fetch for it again
Refetch = Callable[[str, str], Fetch]

log = logging.getLogger(__name__)

_INCOMING = [f.name for f in fields(Incoming) if f.name != "attachment"]
_ATTACHMENT = [f.name for f in fields(Attachment) if f.name != "fetch"]


class Journal:
    def __init__(self, folder: Path) -> None:
        self.path = folder / "journal.jsonl"
        self._done_path = folder / "journal.done"

    def pending(self) -> bool:
        return self.path.exists()

    def append(self, incoming: Incoming, received_at: datetime) -> None:
        """Durable when this returns; raises OSError when the disk refuses."""
        record: dict = {name: getattr(incoming, name) for name in _INCOMING}
        record["date"] = incoming.date.isoformat()
        record["received_at"] = received_at.isoformat()
        if incoming.attachment is not None:
            record["attachment"] = {name: getattr(incoming.attachment, name)
                                    for name in _ATTACHMENT}
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        created = not self.path.exists()
        if not created and not _ends_a_line(self.path):
            line = b"\n" + line  # after a line cut by a crash, start a fresh one
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            fsync_folder(self.path.parent)

    def entries(self, refetch: Refetch) -> list[tuple[int, Incoming, datetime]]:
        """(line number, update, when it arrived) for every line not yet replayed, in order."""
        if not self.path.exists():
            return []
        done = self._done()
        result = []
        with self.path.open("rb") as file:
            for number, raw in enumerate(file):
                if number < done:
                    continue
                try:
                    record = json.loads(raw)
                except ValueError:
                    # Cut by a crash while written: it was never acknowledged to the platform.
                    log.warning("journal: skipped line %s, cut short", number + 1)
                    continue
                received_at = datetime.fromisoformat(record.pop("received_at"))
                attachment = record.pop("attachment", None)
                record["date"] = datetime.fromisoformat(record["date"])
                incoming = Incoming(**record)
                if attachment is not None:
                    fetch = refetch(incoming.channel, attachment["source"])
                    incoming = replace(incoming, attachment=Attachment(fetch=fetch, **attachment))
                result.append((number, incoming, received_at))
        if not result:
            self._clear()  # only lines cut short were left: nothing waits any more
        return result

    def mark_done(self, number: int) -> None:
        """Line `number` is replayed; after the last line the journal is removed."""
        with self.path.open("rb") as file:
            lines = sum(1 for _ in file)
        if number + 1 >= lines:
            self._clear()
            return
        temporary = self._done_path.with_suffix(".tmp")
        with temporary.open("w") as file:
            file.write(str(number + 1))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self._done_path)

    def _clear(self) -> None:
        # The count goes first: a crash between the two removals replays the lines
        # (duplicates, answered from the database), never skips new ones.
        self._done_path.unlink(missing_ok=True)
        self.path.unlink(missing_ok=True)

    def _done(self) -> int:
        try:
            return int(self._done_path.read_text())
        except (FileNotFoundError, ValueError):
            return 0


def _ends_a_line(path: Path) -> bool:
    with path.open("rb") as file:
        file.seek(0, os.SEEK_END)
        if file.tell() == 0:
            return True
        file.seek(-1, os.SEEK_END)
        return file.read(1) == b"\n"


def fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
