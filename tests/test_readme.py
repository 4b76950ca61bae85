"""Every command the README writes exists as written: its subcommand, its flags and their values.

On one machine the commands go through `python3 run.py` (the bootstrap forwards to
`python -m bot` inside .venv); `python -m bot` alone is only true inside the container.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from bot import texts
from bot.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMAND = re.compile(r"(?P<prefix>.*?)(?P<launcher>python3 run\.py|python -m bot)(?=\s|$)(?P<args>.*)")
IN_THE_CONTAINER = "docker compose exec bot "


def snippets(text: str) -> list[str]:
    """Inline code spans and the lines of fenced blocks, in order, comments dropped."""
    found = []
    blocks = re.split(r"^```.*$", text, flags=re.M)
    for index, block in enumerate(blocks):
        if index % 2:
            found += [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
        else:
            found += re.findall(r"`([^`\n]+)`", block)
    return found


def words(args: str) -> list[str]:
    """The arguments as typed, with `[--x]` optional parts kept and `a|b` read as its first choice."""
    tokens = shlex.split(args.replace("[", " ").replace("]", " ").replace("…", " "))
    return [token.split("|")[0] for token in tokens]


def readme_commands() -> list[tuple[str, str, list[str]]]:
    commands = []
    for snippet in snippets(README):
        found = COMMAND.fullmatch(snippet)
        if found:
            commands.append((found["prefix"], found["launcher"], words(found["args"])))
    return commands


def subcommands() -> dict[str, object]:
    parser = build_parser()
    return next(a for a in parser._actions if a.dest == "command").choices


def test_the_readme_writes_the_commands_this_test_reads():
    written = {args[0] if args else "" for _, _, args in readme_commands()}
    assert {"", "test", "import", "invite", "run", "schedule", "event", "report", "tongket",
            "check", "migrate", "backup", "restore"} <= written


@pytest.mark.parametrize("prefix, launcher, args", [
    pytest.param(*command, id=" ".join([command[0] + command[1], *command[2]]))
    for command in readme_commands()])
def test_every_readme_command_parses(prefix, launcher, args):
    if launcher == "python -m bot":
        assert prefix == IN_THE_CONTAINER, "`python -m bot` works only inside the container"
    else:
        assert prefix == ""
    if args[:1] == ["test"]:
        return  # run.py's own: pytest with the test extras
    if args[:1] == [texts.CLI_COMMAND]:
        return  # "python3 run.py LỆNH …": the usage line's own placeholder, no command
    try:
        build_parser().parse_args(args)
    except SystemExit as error:
        pytest.fail(f"{launcher} {' '.join(args)}: refused by the parser ({error})")


def test_every_flag_mentioned_alone_belongs_to_the_command_before_it():
    commands = subcommands()
    last = None
    for snippet in snippets(README):
        found = COMMAND.fullmatch(snippet)
        if found:
            args = words(found["args"])
            last = args[0] if args and args[0] in commands else None
        elif re.fullmatch(r"--[a-z][a-z-]*", snippet) and last is not None:
            options = {o for action in commands[last]._actions for o in action.option_strings}
            assert snippet in options, f"README: {snippet} is not an option of `{last}`"


def test_a_command_the_parser_does_not_know_is_caught():
    # The check is only worth something if a wrong README line would fail it.
    broken = README.replace("python3 run.py schedule --from", "python3 run.py schedule --since")
    commands = [COMMAND.fullmatch(s) for s in snippets(broken)]
    wrong = [words(c["args"]) for c in commands if c and "--since" in c["args"]]
    assert wrong
    with pytest.raises(SystemExit):
        build_parser().parse_args(wrong[0])


def test_the_commands_the_bot_itself_names_are_the_one_machine_ones_and_exist():
    source = (ROOT / "bot" / "texts.py").read_text(encoding="utf-8")
    named = re.findall(r"(python3 run\.py|python -m bot) ([a-z-]+)", source)
    assert named
    for launcher, command in named:
        assert launcher == "python3 run.py", f"texts.py names `{launcher} {command}`"
        assert command in subcommands(), f"texts.py names `{launcher} {command}`"
