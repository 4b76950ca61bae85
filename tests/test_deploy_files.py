"""The Dockerfile, docker-compose.yml and .env.example agree with each other and with the code.

`docker build` cannot run in the tests, so the files are read: a small Dockerfile parser
(instructions and arguments) and yaml.safe_load for the compose file.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

from bot.cli import build_parser
from bot.config import DEFAULT_CONFIG, load_config

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("bot", "db", "jobs")
# Read by the postgres image itself, not by our code.
POSTGRES_IMAGE_VARIABLES = {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD",
                            "POSTGRES_INITDB_ARGS", "PGDATA"}


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str
    stage: int

    @property
    def exec_form(self) -> list[str] | None:
        return json.loads(self.args) if self.args.startswith("[") else None


def parse_dockerfile(path: Path) -> list[Instruction]:
    """Instructions with continuation lines joined; comments and blank lines dropped."""
    instructions: list[Instruction] = []
    stage, pending = -1, ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        keyword, _, args = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(keyword, " ".join(args.split()), stage))
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def env_pairs(args: str) -> dict[str, str]:
    parts = shlex.split(args)
    if len(parts) >= 2 and "=" not in parts[0]:  # legacy ENV NAME value
        return {parts[0]: " ".join(parts[1:])}
    return dict(part.split("=", 1) for part in parts)


@pytest.fixture(scope="module")
def dockerfile() -> list[Instruction]:
    return parse_dockerfile(ROOT / "Dockerfile")


@pytest.fixture(scope="module")
def final(dockerfile) -> list[Instruction]:
    last = max(i.stage for i in dockerfile)
    return [i for i in dockerfile if i.stage == last]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    pairs = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, sep, value = line.partition("=")
            assert sep, f".env.example: not NAME=value: {line!r}"
            pairs[name.strip()] = value.strip()
    return pairs


def code_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8")
                     for d in CODE_DIRS for p in sorted((ROOT / d).rglob("*.py")))


def variables_read_by_code() -> set[str]:
    text = code_text()
    names = set(re.findall(r"""secret\(\s*["']([A-Z0-9_]+)["']""", text))
    names |= set(re.findall(r"""os\.environ(?:\.get)?[\[(]\s*["']([A-Z0-9_]+)["']""", text))
    names |= set(re.findall(r"""os\.getenv\(\s*["']([A-Z0-9_]+)["']""", text))
    # secret(NAME) also reads NAME_FILE.
    names |= {f"{name}_FILE" for name in re.findall(r"""secret\(\s*["']([A-Z0-9_]+)["']""", text)}
    return names


def only(final: list[Instruction], keyword: str) -> Instruction:
    found = [i for i in final if i.keyword == keyword]
    assert len(found) == 1, f"expected one {keyword} in the final stage, found {len(found)}"
    return found[0]


def compose_environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def interpolated(text: str) -> set[str]:
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text))


def web_port() -> int:
    return load_config(DEFAULT_CONFIG).web.port



# ------------------------------------------------------------------------------ Dockerfile


def test_two_stages_from_python_3_11_slim(dockerfile):
    froms = [i.args for i in dockerfile if i.keyword == "FROM"]
    assert len(froms) == 2
    assert all(f.split()[0] == "python:3.11-slim" for f in froms)
    assert froms[0].lower().endswith("as builder")


def test_the_builder_installs_the_project_non_editable_with_the_lock(dockerfile):
    runs = [i.args for i in dockerfile if i.stage == 0 and i.keyword == "RUN"]
    commands = [c.strip() for r in runs for c in r.split("&&")]
    assert "pip wheel --no-deps --wheel-dir dist ." in commands
    # No extras: the image holds what tests/test_installed.py installs and runs.
    assert "pip install -c requirements.lock dist/nhacviec-*.whl" in commands
    assert not any(re.search(r"(^|\s)(-e|--editable)(\s|$)|\[", c) for c in commands
                   if "pip install" in c)
    assert any("venv /venv" in r for r in runs)


def test_the_builder_copies_what_the_build_needs(dockerfile):
    copied = {src for i in dockerfile if i.stage == 0 and i.keyword == "COPY"
              for src in copy_sources(i)}
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    needed = {"pyproject.toml", "requirements.lock", pyproject["project"]["readme"]}
    needed |= {pattern.rstrip("*") for pattern in
               pyproject["tool"]["setuptools"]["packages"]["find"]["include"]}
    assert needed <= copied


def copy_sources(instruction: Instruction) -> list[str]:
    parts = instruction.exec_form or shlex.split(instruction.args)
    parts = [p for p in parts if not p.startswith("--")]
    return [p.rstrip("/").removeprefix("./") for p in parts[:-1]]


def test_every_file_copied_from_the_context_exists_and_is_not_docker_ignored(dockerfile):
    ignored = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    for instruction in dockerfile:
        if instruction.keyword not in ("COPY", "ADD") or "--from=" in instruction.args:
            continue
        for source in copy_sources(instruction):
            assert (ROOT / source).exists(), f"{instruction.keyword} {source}: no such file"
            assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), \
                f"{source} is copied but .dockerignore leaves it out"


def test_the_image_runs_the_bot_with_migrations_at_start(final):
    cmd = only(final, "CMD").exec_form
    assert cmd == ["python", "-m", "bot", "run"]
    subcommands = next(a for a in build_parser()._actions if a.dest == "command").choices
    assert "run" in subcommands
    # `run` applies the migrations before anything else touches the database.
    import inspect

    from bot import cli

    source = inspect.getsource(cli.cmd_run)
    assert "upgrade(engine)" in source
    assert source.index("upgrade(engine)") < source.index("make_sessionmaker(engine)")


def test_the_final_stage_runs_as_an_unprivileged_user(final):
    user = only(final, "USER").args.split(":")[0]
    assert user not in ("root", "0")
    created = " ".join(i.args for i in final if i.keyword == "RUN")
    assert re.search(rf"useradd\b.*--uid 10001\b.*\b{user}\b", created)
    # The user comes last: nothing after it runs as root by mistake.
    keywords = [i.keyword for i in final]
    assert "RUN" not in keywords[keywords.index("USER"):]


def test_environment_workdir_and_data_volume(final):
    env: dict[str, str] = {}
    for instruction in final:
        if instruction.keyword == "ENV":
            env.update(env_pairs(instruction.args))
    assert env["NHACVIEC_CONFIG"] == "/app/config.toml"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["PATH"].split(":")[0] == "/venv/bin"
    assert "NHACVIEC_CONFIG" in variables_read_by_code()
    assert only(final, "WORKDIR").args == "/app"
    copies = [i for i in final if i.keyword == "COPY"]
    assert any(copy_sources(i) == ["config.toml"] and i.args.split()[-1] == env["NHACVIEC_CONFIG"]
               for i in copies)
    assert any("--from=builder" in i.args and i.args.split()[-2:] == ["/venv", "/venv"]
               for i in copies)
    volume = only(final, "VOLUME")
    assert (volume.exec_form or volume.args.split()) == ["/app/data"]
    # Relative paths in config.toml resolve under WORKDIR: data and the default SQLite file.
    config = load_config(DEFAULT_CONFIG)
    assert Path("/app") / config.storage.data_dir == Path("/app/data")
    default_db = make_url(config.database.url).database
    assert (Path("/app") / default_db).parent == Path("/app/data")


def exposed(final) -> set[int]:
    return {int(p.split("/")[0]) for i in final if i.keyword == "EXPOSE" for p in i.args.split()}


def test_exposed_ports_are_the_webhook_ports(final):
    assert exposed(final) == {8080, 8443}
    assert load_config(DEFAULT_CONFIG).telegram.webhook_port == 8443


def test_in_the_image_the_telegram_webhook_listens_on_the_published_port(final, tmp_path):
    edit = next(i.args for i in final if i.keyword == "RUN" and "webhook_listen" in i.args)
    pattern, replacement = re.search(r"sed -i 's/(.+?)/(.+?)/' /app/config.toml", edit).groups()
    shipped = DEFAULT_CONFIG.read_text(encoding="utf-8")
    in_image = re.sub(pattern.replace("\\.", "."), replacement, shipped, flags=re.M)
    (tmp_path / "config.toml").write_text(in_image, encoding="utf-8")
    assert load_config(DEFAULT_CONFIG).telegram.webhook_listen == "127.0.0.1"
    assert load_config(tmp_path / "config.toml").telegram.webhook_listen == "0.0.0.0"


def test_the_web_port_is_the_configured_one(final):
    assert web_port() in exposed(final)
    assert web_port() == 8080
    # Reachable from outside the container (published port, Zalo's webhook).
    assert load_config(DEFAULT_CONFIG).web.listen == "0.0.0.0"


def test_the_health_check_asks_the_path_the_code_serves(final):
    from bot.web import HEALTH_PATH

    check = only(final, "HEALTHCHECK").args
    assert "CMD" in check and "urllib" in check
    assert f"http://127.0.0.1:{web_port()}{HEALTH_PATH}" in check
    assert HEALTH_PATH == "/healthz"
    assert f'"{HEALTH_PATH}"' in (ROOT / "bot" / "web.py").read_text(encoding="utf-8")


# ------------------------------------------------------------------------- docker compose


def test_compose_services(compose):
    assert set(compose["services"]) == {"db", "bot"}
    db, bot = compose["services"]["db"], compose["services"]["bot"]
    assert db["image"] == "postgres:15"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(v.split(":")[0] in compose["volumes"] for v in db["volumes"])
    assert bot["build"] == "."
    assert bot["env_file"] == ".env"
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["restart"] == "unless-stopped"
    assert any(v.split(":")[1] == "/app/data" and v.split(":")[0] in compose["volumes"]
               for v in bot["volumes"])
    for volume in bot["volumes"]:
        source = volume.split(":")[0]
        if source.startswith("."):
            assert (ROOT / source).exists(), f"bind mount {source}: no such file"


def test_compose_ports_match_the_image(compose, final):
    ports = compose["services"]["bot"]["ports"]
    container = {int(str(p).split(":")[-1].split("/")[0]) for p in ports}
    assert container == exposed(final)
    assert all(str(p).split(":")[0] == str(p).split(":")[1] for p in ports)


def test_the_database_url_points_at_the_db_service(compose):
    db, bot = compose["services"]["db"], compose["services"]["bot"]
    db_env = compose_environment(db)
    url = compose_environment(bot)["DATABASE_URL"]
    assert url == "postgresql+psycopg://nhacviec:${POSTGRES_PASSWORD}@db:5432/nhacviec"
    parsed = make_url(url.replace("${POSTGRES_PASSWORD}", "secret"))
    assert parsed.drivername == "postgresql+psycopg"
    assert parsed.host == "db" and parsed.port == 5432
    assert parsed.username == db_env["POSTGRES_USER"]
    assert parsed.database == db_env["POSTGRES_DB"]
    assert "POSTGRES_PASSWORD" in interpolated(db_env["POSTGRES_PASSWORD"])
    assert "POSTGRES_PASSWORD" in (ROOT / ".env.example").read_text()


def test_every_variable_named_is_read_by_the_code_or_the_postgres_image(compose, env_example):
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    named = set(env_example) | interpolated(text)
    for service in compose["services"].values():
        named |= set(compose_environment(service))
    unread = named - variables_read_by_code() - POSTGRES_IMAGE_VARIABLES
    assert unread == set()


def test_every_secret_the_code_reads_is_set_somewhere(compose, env_example):
    text = code_text()
    secrets = set(re.findall(r"""secret\(\s*["']([A-Z0-9_]+)["']""", text))
    provided = set(env_example) | set(compose_environment(compose["services"]["bot"]))
    assert secrets - provided == set()


def test_env_example_holds_no_secret_and_env_is_not_committed(env_example):
    assert {"TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "ZALO_BOT_TOKEN",
            "ZALO_WEBHOOK_SECRET", "POSTGRES_PASSWORD"} <= set(env_example)
    for name, value in env_example.items():
        if name != "POSTGRES_PASSWORD":
            assert value == "", f"{name} has a value in .env.example"
    # The sample password goes into a URL unquoted.
    assert re.fullmatch(r"[A-Za-z0-9_-]*", env_example["POSTGRES_PASSWORD"])
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in ignored
    comments = [line for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
                if line.startswith("#")]
    assert any(re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", c)
               for c in comments), "the comments are for the office: in Vietnamese"


def test_dockerignore_keeps_tests_and_local_state_out():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")}
    assert {".git", ".venv", "data", "tests", ".env"} <= ignored
    assert any("__pycache__" in line for line in ignored)
