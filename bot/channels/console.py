"""A local chat in the terminal: act as any person of the commune and reply as they would.

It drives the same conversation and reminder code as Telegram and Zalo; only the
transport is the terminal. Chat ids are "person:ID".
"""

from __future__ import annotations

import asyncio
import itertools
import re
import sys
import threading
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TextIO

from bot import texts
from bot.channels.base import Button, DeliveryError, Incoming, Sent, UpdateHandler


class ConsoleChannel:
    name = "console"
    max_text = 100_000
    # A terminal has nothing to press: the numbered lists in the texts serve instead.
    supports_buttons = False
    supports_files = True

    def __init__(self, people: Callable[[], dict[int, str]], now: Callable[[], datetime], *,
                 stdin: TextIO | None = None, stdout: TextIO | None = None,
                 save_file: Callable[[str, bytes], str] | None = None) -> None:
        self._people = people
        self._now = now
        self._stdin = stdin or sys.stdin
        self._stdout = stdout or sys.stdout
        self._save_file = save_file
        self._ids = itertools.count(1)
        self._task: asyncio.Task[None] | None = None
        self.current: int | None = None
        # Set by the run loop: "/ngay 16/02" moves the simulated clock and runs the days between
        # (the argument, and where to write each day's heading).
        self.travel: Callable[[str, Callable[[str], None]], Awaitable[str]] | None = None

    async def start(self, on_update: UpdateHandler) -> None:
        self._on_update = on_update
        self._write(texts.CONSOLE_WELCOME)
        self._task = asyncio.create_task(self._read_loop(), name="console-input")

    async def stop(self) -> None:
        # The bot stops on Ctrl+C: one line says so, on a line of its own after the echoed ^C.
        self._write("\n" + texts.CONSOLE_BYE)
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def send_text(self, chat_id: str, text: str, *, buttons: list[list[Button]] | None = None,
                        reply_to: str | None = None) -> Sent:
        message_id = str(next(self._ids))
        self._write("\n".join([texts.console_to(self._name_of(chat_id), message_id), text]))
        return Sent(message_id)

    async def send_file(self, chat_id: str, content: bytes, file_name: str,
                        caption: str | None = None) -> Sent:
        if self._save_file is None:
            raise DeliveryError("console cannot keep files", permanent=True)
        where = self._save_file(file_name, content)
        return await self.send_text(chat_id, texts.console_file(caption, where))

    async def send_photo(self, chat_id: str, content: bytes, caption: str | None = None, *,
                         file_name: str = "bieu-do.png") -> Sent:
        return await self.send_file(chat_id, content, file_name, caption)

    def _name_of(self, chat_id: str) -> str:
        try:
            return self._people().get(int(chat_id.removeprefix("person:")), chat_id)
        except ValueError:
            return chat_id

    def _write(self, text: str) -> None:
        self._stdout.write(text + "\n")
        self._stdout.flush()

    def _reader(self, loop: asyncio.AbstractEventLoop, lines: asyncio.Queue[str]) -> None:
        # A daemon thread: a blocked readline must never hold up shutdown.
        while True:
            line = self._stdin.readline()
            loop.call_soon_threadsafe(lines.put_nowait, line)
            if not line:
                return

    async def _read_loop(self) -> None:
        lines: asyncio.Queue[str] = asyncio.Queue()
        threading.Thread(target=self._reader, args=(asyncio.get_running_loop(), lines),
                         name="console-stdin", daemon=True).start()
        while True:
            line = await lines.get()
            if not line:
                return  # end of input: the operator closed the terminal
            line = line.strip()
            if not line:
                continue
            if line.split(maxsplit=1)[0] == "/as":
                self._switch(line[3:].strip())
                continue
            if line.split(maxsplit=1)[0] == "/ngay" and self.travel is not None:
                self._write(await self.travel(line[5:].strip(), self._write))
                continue
            if self.current is None:
                self._write(texts.CONSOLE_CHOOSE)
                continue
            chat_id = f"person:{self.current}"
            message_id = str(next(self._ids))
            await self._on_update(Incoming(
                channel=self.name, chat_id=chat_id, user_id=chat_id,
                display_name=self._people().get(self.current, ""), date=self._now(),
                text=line, message_id=message_id))

    def _switch(self, who: str) -> None:
        people = self._people()
        matches = choose_person(people, who)
        if len(matches) != 1:
            shown = matches or sorted(people)
            listing = "\n".join(f"  {pid}. {people[pid]}" for pid in shown)
            self._write(texts.CONSOLE_WHO.format(people=listing))
            return
        self.current = matches[0]
        self._write(texts.CONSOLE_NOW_AS.format(name=people[self.current]))


def choose_person(people: dict[int, str], who: str) -> list[int]:
    """The people "/as WHO" means: the number shown, else whole words of the name (without
    diacritics: "Hoa" is Ma Thị Hoa, not Hoàng), else whole words of the roles, else any part."""
    from bot.plan.interpret import fold

    wanted = re.findall(r"\w+", fold(who))
    if not wanted:
        return []
    if len(wanted) == 1 and wanted[0].isdigit():
        return [int(wanted[0])] if int(wanted[0]) in people else []
    names = {pid: re.findall(r"\w+", fold(text.split(" — ")[0])) for pid, text in people.items()}
    whole = {pid: re.findall(r"\w+", fold(text)) for pid, text in people.items()}
    for words in (names, whole):
        found = [pid for pid, have in words.items() if all(w in have for w in wanted)]
        if found:
            return sorted(found)
    return sorted(pid for pid, text in people.items() if " ".join(wanted) in fold(text))
