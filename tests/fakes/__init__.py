"""Fake chat-service servers for tests.

The project's rule is "fake at the HTTP edge": tests never touch the network, and the
real client libraries (python-telegram-bot, httpx) talk to real HTTP servers on
127.0.0.1 that speak the real Bot API shapes.

    from tests.fakes import FakeTelegram, FakeZalo

The shared plumbing (server lifecycle, change notification) lives here; it is defined
*before* the re-exports at the bottom because the fake modules import it from this
package while it is still being initialised.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

from aiohttp import web

__all__ = ["FakeTelegram", "FakeZalo"]

LOCALHOST = "127.0.0.1"


class ChangeSignal:
    """Wakes every coroutine waiting for "something changed".

    `notify()` is synchronous so that the test-side helpers (`user_says` and friends),
    which are plain functions, can wake long polls without awaiting anything. Must be
    used from the event-loop thread.
    """

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        # Swap in a fresh event so that later waiters block until the *next* change.
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float) -> None:
        """Return on the next change or after `timeout` seconds, whichever comes first."""
        event = self._event
        try:
            await asyncio.wait_for(event.wait(), timeout=max(timeout, 0.0))
        except TimeoutError:
            pass


class LocalHttpServer:
    """An aiohttp server on 127.0.0.1 with a kernel-chosen free port.

    Subclasses build the `web.Application`; this class owns start/stop, the closing
    flag that ends pending long polls, and `wait_until` for test-side waits.
    """

    #: Seconds aiohttp waits for in-flight handlers on shutdown. Long polls are woken
    #: explicitly before that, so this only bounds a misbehaving handler.
    SHUTDOWN_TIMEOUT = 2.0

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = False
        self._changed = ChangeSignal()

    # -- lifecycle -------------------------------------------------------------------

    def _build_app(self) -> web.Application:
        raise NotImplementedError

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError(f"{type(self).__name__} is already running")
        self._closing = False
        # handler_cancellation: when a client gives up on a long poll, its handler is
        # cancelled instead of lingering (and, for Zalo, swallowing an event).
        runner = web.AppRunner(
            self._build_app(),
            handler_cancellation=True,
            access_log=None,
            shutdown_timeout=self.SHUTDOWN_TIMEOUT,
        )
        await runner.setup()
        # Binding port 0 ourselves lets the kernel pick a free port atomically, so
        # several tests can start servers in parallel without collisions.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind((LOCALHOST, 0))
            self._port = sock.getsockname()[1]
            await web.SockSite(runner, sock).start()
        except BaseException:
            sock.close()
            await runner.cleanup()
            raise
        self._runner = runner

    async def close(self) -> None:
        if self._runner is None:
            return
        # Wake pending long polls first so that they answer (empty) instead of being
        # cut off by the shutdown timeout.
        self._closing = True
        self._changed.notify()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- helpers ---------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError(f"{type(self).__name__} is not started; use `async with`")
        return self._port

    @property
    def origin(self) -> str:
        """`http://127.0.0.1:PORT`, without a trailing slash."""
        return f"http://{LOCALHOST}:{self.port}"

    async def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait (without polling) until `predicate()` holds; False on timeout."""
        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._closing:
                return predicate()
            await self._changed.wait(remaining)
        return True


from tests.fakes.telegram_server import FakeTelegram  # noqa: E402  (needs the base above)
from tests.fakes.zalo_server import FakeZalo  # noqa: E402
