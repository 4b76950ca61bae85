"""`python3 run.py` on a person's machine: what the first install says, and how Ctrl+C ends things.

run.py is driven as a process. Where installing for real would take minutes, its virtualenv is
a folder whose `bin/python` is a small shell script standing in for pip and the bot.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import socket
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from bot import texts
from tests.conftest import ROOT
from tests.test_processes import bot_env, write_config

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX terminal")

FAKE_PYTHON = """#!/bin/sh
echo "$*" >> "$(dirname "$0")/../calls"
if [ "$1 $2" = "-m pip" ] && [ -n "$FAKE_PIP_FAILS" ]; then
  echo "pip: no network" >&2
  exit 1
fi
[ "$1 $2" = "-m bot" ] && echo "$NHACVIEC_PROG" > "$(dirname "$0")/../prog"
if [ "$1 $2 $3" = "-m bot wait" ]; then
  trap 'echo "bot: stopped cleanly"; exit 0' INT
  echo "bot: running"
  while :; do sleep 0.05; done
fi
exit 0
"""


@pytest.fixture
def fake_venv(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    python = venv / "bin" / "python"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    return venv


def run_py(venv: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *argv], capture_output=True,
                          text=True, timeout=60,
                          env={**os.environ, "NHACVIEC_VENV": str(venv), **env})


def calls(venv: Path) -> list[str]:
    path = venv / "calls"
    return path.read_text().splitlines() if path.exists() else []


def test_the_first_install_says_what_it_does_before_pip_starts(fake_venv):
    first = run_py(fake_venv, "check")
    assert first.returncode == 0, first.stderr
    assert first.stderr.splitlines()[0] == texts.RUN_FIRST_INSTALL.format(venv=fake_venv)
    assert "khoảng 1–2 phút" in first.stderr
    pip, bot = calls(fake_venv)
    assert pip.startswith("-m pip install")
    assert pip.endswith(f"-c {ROOT / 'requirements.lock'} -e .")
    assert bot == "-m bot check"
    # The bot's usage lines name what the user typed.
    assert (fake_venv / "prog").read_text() == "python3 run.py\n"
    again = run_py(fake_venv, "check")
    assert again.stderr == "" and calls(fake_venv)[2:] == ["-m bot check"]


def test_changed_dependencies_are_announced_as_an_update(fake_venv):
    (fake_venv / ".nhacviec-stamp").write_text("an older pyproject.toml")
    result = run_py(fake_venv, "check")
    assert result.stderr.splitlines()[0] == texts.RUN_UPDATING.format(venv=fake_venv)


def test_a_failed_install_says_so_in_one_line_and_is_retried_next_time(fake_venv):
    result = run_py(fake_venv, "check", FAKE_PIP_FAILS="1")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-2:] == ["pip: no network", texts.RUN_INSTALL_FAILED]
    assert "Traceback" not in result.stderr
    assert not (fake_venv / ".nhacviec-stamp").exists()
    assert calls(fake_venv) == [calls(fake_venv)[0]]  # pip only; the bot was not started


class Terminal:
    """A process on a pseudo-terminal that is its controlling terminal, so ^C is a real Ctrl+C."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.primary, secondary = pty.openpty()

        def own_terminal() -> None:
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
            # As in a terminal, however pytest was started (a background job ignores SIGINT).
            signal.signal(signal.SIGINT, signal.SIG_DFL)

        self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=secondary,
                                        stdout=secondary, stderr=secondary,
                                        preexec_fn=own_terminal, close_fds=True)
        os.close(secondary)
        self.screen = ""

    @property
    def tail(self) -> str:
        return self.screen[-3000:]

    def read_until(self, needle: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while needle not in self.screen and time.monotonic() < deadline:
            if select.select([self.primary], [], [], 0.2)[0]:
                try:
                    self.screen += os.read(self.primary, 65536).decode("utf-8", "replace")
                except OSError:  # the process is gone and the terminal closed
                    break
        assert needle in self.screen, f"{needle!r} not shown; the screen had:\n{self.tail}"
        return self.screen

    def ctrl_c_and_wait(self, timeout: float) -> int:
        os.write(self.primary, b"\x03")
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running after Ctrl+C; the screen had:\n{self.tail}") from None
        finally:
            if self.process.poll() is None:
                self.process.kill()
        while select.select([self.primary], [], [], 0.2)[0]:
            try:
                chunk = os.read(self.primary, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.screen += chunk.decode("utf-8", "replace")
        os.close(self.primary)
        return code


def test_ctrl_c_through_run_py_lets_the_bot_stop_and_prints_no_traceback(fake_venv):
    assert run_py(fake_venv, "check").returncode == 0  # installs (fakely) and writes the stamp
    terminal = Terminal([sys.executable, str(ROOT / "run.py"), "wait"],
                        {**os.environ, "NHACVIEC_VENV": str(fake_venv)})
    terminal.read_until("bot: running", 30)
    code = terminal.ctrl_c_and_wait(20)
    assert "bot: stopped cleanly" in terminal.screen
    assert "Traceback" not in terminal.screen and "KeyboardInterrupt" not in terminal.screen
    assert code == 0


def test_ctrl_c_ends_the_terminal_demo_with_one_vietnamese_line(tmp_path):
    env = bot_env(f"sqlite:///{tmp_path / 'demo.db'}",
                  write_config(tmp_path, "https://api.telegram.org/bot", 60), None)
    terminal = Terminal([sys.executable, "-m", "bot"], env)
    terminal.read_until("Nhấn Ctrl+C để thoát.", 60)
    terminal.read_until("(tin #3)", 30)  # the morning's reminders are out
    code = terminal.ctrl_c_and_wait(20)
    assert code == 0
    assert "Traceback" not in terminal.screen and "KeyboardInterrupt" not in terminal.screen
    # The terminal echoes ^C; what follows it is the bot's goodbye and nothing else.
    after = terminal.screen.rpartition("^C")[2]
    assert [line for line in after.splitlines() if line.strip()] == [texts.CONSOLE_BYE]


def test_ctrl_c_in_a_command_prints_one_vietnamese_line_and_no_traceback(tmp_path):
    # A database server that accepts and never answers: the command is surely past its start-up.
    with socket.create_server(("127.0.0.1", 0)) as server:
        url = f"postgresql+psycopg://nhacviec@127.0.0.1:{server.getsockname()[1]}/nhacviec"
        terminal = Terminal([sys.executable, "-m", "bot", "check"],
                            {**os.environ, "NHACVIEC_CONFIG": str(ROOT / "config.toml"),
                             "NHACVIEC_DATABASE_URL": url})
        server.settimeout(60)
        connection, _ = server.accept()
        with connection:
            code = terminal.ctrl_c_and_wait(20)
    assert code == 130
    assert "Traceback" not in terminal.screen and "KeyboardInterrupt" not in terminal.screen
    after = terminal.screen.rpartition("^C")[2]
    assert [line for line in after.splitlines() if line.strip()] == [texts.CLI_INTERRUPTED]
