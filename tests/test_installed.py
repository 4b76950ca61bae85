"""The package as users get it: built, installed without extras into a fresh virtualenv, run.

The install commands are the Dockerfile's own (its builder stage's `RUN pip …` lines, read
from the file and run by sh in a copy of the files it copies), so the image and this test
cannot drift apart. pip reaches the package index; its cache keeps repeated runs short.
One virtualenv serves the whole session.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import tomllib
import venv
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from db.models import Item, Milestone
from db.session import make_engine, make_sessionmaker
from tests.conftest import ROOT, SAMPLE_DOCX
from tests.fakes import FakeTelegram, FakeZalo
from tests.test_deploy_files import copy_sources, env_pairs, parse_dockerfile
from tests.test_processes import (CHATS, bot_env, deliveries, prepare, stop, wait_for,
                                  write_config)

pytestmark = pytest.mark.installed

CODE_DIRS = ("bot", "db", "jobs")
# Left to pip's defaults here: the image wants no cache, a test session wants pip's cache.
NOT_FOR_THE_TEST = {"PATH", "PIP_NO_CACHE_DIR"}
MAI, HOA_ZALO = CHATS["Triệu Thị Mai"], "z-hoa"


def builder_install() -> tuple[list[str], dict[str, str], list[str]]:
    """The builder stage's sources to copy, its environment, and its `pip` commands."""
    builder = [i for i in parse_dockerfile(ROOT / "Dockerfile") if i.stage == 0]
    sources = [s for i in builder if i.keyword == "COPY" for s in copy_sources(i)]
    env = {k: v for i in builder if i.keyword == "ENV" for k, v in env_pairs(i.args).items()}
    commands = [i.args for i in builder if i.keyword == "RUN" and re.search(r"\bpip\b", i.args)]
    return sources, {k: v for k, v in env.items() if k not in NOT_FOR_THE_TEST}, commands


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Path:
    """The python of a fresh virtualenv holding the package, installed as the image installs it."""
    work = tmp_path_factory.mktemp("installed")
    sources, docker_env, commands = builder_install()
    assert commands, "the Dockerfile's builder stage installs nothing with pip"
    context = work / "src"
    for source in sources:
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, context / source,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            context.mkdir(exist_ok=True)
            shutil.copy2(ROOT / source, context / source)
    target = work / "venv"
    venv.EnvBuilder(with_pip=True).create(target)
    env = installed_env(os.environ)
    env.update(docker_env, PATH=f"{target / 'bin'}{os.pathsep}{os.environ['PATH']}",
               VIRTUAL_ENV=str(target))
    for command in commands:
        done = subprocess.run(["/bin/sh", "-c", command], cwd=context, env=env,
                              capture_output=True, text=True, timeout=1200)
        assert done.returncode == 0, f"{command}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return target / "bin" / "python"


def installed_env(env: dict[str, str]) -> dict[str, str]:
    """No way back to the source tree: the installed package or nothing."""
    return {k: v for k, v in env.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}


def source_modules() -> set[str]:
    found = set()
    for top in CODE_DIRS:
        for path in (ROOT / top).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            packages = (ROOT.joinpath(*parts[:n]) for n in range(1, len(parts)))
            if all((package / "__init__.py").exists() for package in packages):
                found.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


IMPORT_ALL = """
import importlib, json, pkgutil
found = {}
for top in %r:
    package = importlib.import_module(top)
    found[top] = package.__file__
    for info in pkgutil.walk_packages(package.__path__, top + "."):
        found[info.name] = importlib.import_module(info.name).__file__
print(json.dumps(found))
""" % (CODE_DIRS,)


def test_every_module_imports_from_the_installed_package_alone(installed, tmp_path):
    done = subprocess.run([str(installed), "-c", IMPORT_ALL], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env=installed_env(os.environ))
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout)
    assert set(modules) == source_modules()
    site = installed.parent.parent
    outside = {name: path for name, path in modules.items() if not Path(path).is_relative_to(site)}
    assert outside == {}, "imported from somewhere else than the fresh virtualenv"


def test_the_installed_importer_reads_the_word_sample(installed, tmp_path):
    shutil.copy2(ROOT / "config.toml", tmp_path / "config.toml")  # as the image does, in /app
    env = installed_env({**os.environ, "NHACVIEC_CONFIG": str(tmp_path / "config.toml")})
    done = subprocess.run([str(installed), "-m", "bot", "import", "--dry-run", str(SAMPLE_DOCX)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    assert "3.7" in done.stdout


def web_port(config_path: Path) -> int:
    return tomllib.loads(config_path.read_text(encoding="utf-8"))["web"]["port"]


async def health(port: int) -> int | None:
    try:
        async with aiohttp.ClientSession() as client, \
                client.get(f"http://127.0.0.1:{port}/healthz") as response:
            return response.status
    except aiohttp.ClientConnectionError:
        return None


async def installed_command(installed: Path, env: dict[str, str], cwd: Path, *argv: str
                            ) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        str(installed), "-m", "bot", *argv, cwd=cwd, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode, output.decode()


async def test_the_installed_bot_serves_health_reminds_and_answers_on_both_channels(
        installed, db_url, config, tmp_path):
    # On PostgreSQL too (CI's `-m db` run): the installed psycopg is the one the image has.
    prepare(db_url, config)
    async with FakeTelegram() as tg, FakeZalo() as zl:
        config_path = write_config(tmp_path, tg.base_url, 2)
        text = config_path.read_text(encoding="utf-8")
        config_path.write_text(text.replace('api_base_url = "https://bot-api.zaloplatforms.com"',
                                            f'api_base_url = "{zl.base_url}"'), encoding="utf-8")
        env = installed_env(bot_env(db_url, config_path, tg.token))
        env["ZALO_BOT_TOKEN"] = zl.token
        code, invitation = await installed_command(installed, env, tmp_path, "invite", "Ma Thị Hoa")
        assert code == 0, invitation
        invite_code = re.search(r"Zalo: gửi cho bot tin \"(\S+)\"", invitation)[1]
        log = tmp_path / "bot.log"
        with log.open("wb") as handle:
            # The office's way of writing a moment: the commune's time, day first.
            bot = await asyncio.create_subprocess_exec(
                str(installed), "-u", "-m", "bot", "run", "--start-at", "08/02/2023 07:29:57",
                "--speed", "1", cwd=tmp_path, env=env, stdout=handle, stderr=subprocess.STDOUT)
        try:
            port = web_port(config_path)
            statuses: list[int | None] = []

            async def healthy() -> bool:
                statuses.append(await health(port))
                return statuses[-1] == 200

            for _ in range(300):
                if await healthy() or bot.returncode is not None:
                    break
                await asyncio.sleep(0.1)
            assert statuses[-1] == 200, log.read_text()
            [reminder] = await tg.wait_for_messages(MAI, 1, timeout=60)
            assert "3.7" in reminder["text"] and "còn 7 ngày" in reminder["text"]
            # A person answers once the bot has recorded what it sent, as on a real phone.
            await wait_for(lambda: ("Triệu Thị Mai", "reminder", "sent") in deliveries(db_url), 30,
                           "the reminder's delivery row")
            tg.user_says(MAI, "xong", first_name="Mai", reply_to_message_id=reminder["message_id"])
            answers = await tg.wait_for_messages(MAI, 2, timeout=30)
            assert answers[1]["text"].startswith("✅ Đã ghi nhận: 3.7"), answers[1]["text"]
            zl.user_says(HOA_ZALO, invite_code, display_name="Hoa")
            [welcome] = await zl.wait_for_messages(HOA_ZALO, 1, timeout=60)
            assert welcome["text"].startswith("Chào Ma Thị Hoa!"), welcome["text"]
        finally:
            await stop(bot)
        assert bot.returncode == 0, log.read_text()
        code, report = await installed_command(installed, env, tmp_path, "check")
    assert code == 0, report
    assert "Telegram" in report and "Zalo" in report
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        done = session.scalar(select(Milestone.done_at).join(Item).where(
            Item.code == "3.7", Milestone.position == 0))
    engine.dispose()
    assert done is not None
