"""Bootstrap for a fresh machine that has only Python 3.11+.

    python3 run.py [ARGS...]        install into .venv, then `python -m bot ARGS...`
    python3 run.py test [ARGS...]   install with the test extras, then `pytest ARGS...`

The virtualenv is rebuilt only when pyproject.toml or requirements.lock change.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

if sys.version_info < (3, 11):
    raise SystemExit("Cần Python 3.11 trở lên.")

from bot import texts  # noqa: E402  (after the check: the texts need a current Python)

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("NHACVIEC_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _stamp(extras: str) -> str:
    digest = hashlib.sha256(extras.encode())
    for name in ("pyproject.toml", "requirements.lock"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_installed(extras: str) -> None:
    stamp_file = VENV / ".nhacviec-stamp"
    wanted = _stamp(extras)
    if stamp_file.exists() and stamp_file.read_text() == wanted:
        return
    # pip is quiet and takes a while: say what is happening before the screen goes still.
    note = texts.RUN_UPDATING if stamp_file.exists() else texts.RUN_FIRST_INSTALL
    print(note.format(venv=VENV), file=sys.stderr, flush=True)
    if not PYTHON.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    target = f".[{extras}]" if extras else "."
    subprocess.run(
        [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-c", str(ROOT / "requirements.lock"), "-e", target],
        cwd=ROOT, check=True,
    )
    stamp_file.write_text(wanted)


def main(argv: list[str]) -> int:
    try:
        if argv[:1] == ["test"]:
            ensure_installed("test")
            command, env = [str(PYTHON), "-m", "pytest", *argv[1:]], dict(os.environ)
        else:
            ensure_installed("test" if (VENV / ".nhacviec-stamp").exists() and _has_test_extras()
                             else "")
            # The bot's usage lines then name the command the user typed.
            command = [str(PYTHON), "-m", "bot", *argv]
            env = {**os.environ, "NHACVIEC_PROG": "python3 run.py"}
    except KeyboardInterrupt:
        print(texts.RUN_INSTALL_STOPPED, file=sys.stderr)
        return 130
    except subprocess.CalledProcessError:
        print(texts.RUN_INSTALL_FAILED, file=sys.stderr)
        return 1
    child = subprocess.Popen(command, cwd=ROOT, env=env)
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            # Ctrl+C reached the child too (same terminal): let it finish its own shutdown.
            continue


def _has_test_extras() -> bool:
    # Keep a venv that already has the test extras instead of reinstalling without them.
    return (VENV / ".nhacviec-stamp").read_text() == _stamp("test")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
