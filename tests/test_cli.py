"""The command line as the office types it: dates the Vietnamese way, and Vietnamese errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone

import pytest

from bot import texts
from bot.cli import build_parser
from tests.conftest import ROOT

ENGLISH = re.compile(r"usage:|error:|\bargument\b|invalid|expected|required|unrecognized|"
                     r"choose from|ambiguous|options:|show this help")


def parse(capsys, *argv: str):
    """The parsed arguments, or (exit code, what was printed) when argparse refuses them."""
    try:
        return build_parser().parse_args(list(argv))
    except SystemExit as stopped:
        captured = capsys.readouterr()
        return stopped.code, captured.out + captured.err


@pytest.mark.parametrize("argv, field", [
    (["schedule", "--from", "{day}"], "start"),
    (["schedule", "--to", "{day}"], "end"),
    (["event", "3.66", "--on", "{day}"], "on"),
    (["report", "--as-of", "{day}"], "as_of"),
    (["tongket", "--as-of", "{day}"], "as_of"),
])
@pytest.mark.parametrize("written", ["01/02/2023", "1/2/2023", "2023-02-01"])
def test_dates_are_read_the_vietnamese_way_and_in_iso(capsys, argv, field, written):
    args = parse(capsys, *[a.format(day=written) for a in argv])
    assert getattr(args, field) == date(2023, 2, 1)


@pytest.mark.parametrize("written, expected", [
    ("08/02/2023 07:25", datetime(2023, 2, 8, 7, 25)),
    ("08/02/2023 07:25:30", datetime(2023, 2, 8, 7, 25, 30)),
    ("08/02/2023", datetime(2023, 2, 8)),
    ("2023-02-08T07:25:00", datetime(2023, 2, 8, 7, 25)),
    ("2023-02-08T07:25:00+07:00", datetime(2023, 2, 8, 7, 25, tzinfo=timezone(timedelta(hours=7)))),
])
def test_the_start_of_the_simulated_clock_is_read_both_ways(capsys, written, expected):
    # Without a zone it is the commune's own time; `run` applies the configured zone.
    assert parse(capsys, "run", "--start-at", written).start_at == expected


@pytest.mark.parametrize("argv, reason", [
    (["schedule", "--from", "31/02/2023"],
     "python -m bot schedule: lỗi: --from: ngày “31/02/2023” không hợp lệ; "
     "ghi dạng 31/01/2023 hoặc 2023-01-31"),
    (["event", "3.66", "--on", "mai"], "--on: ngày “mai” không hợp lệ"),
    (["run", "--start-at", "sáng mai"], "--start-at: thời điểm “sáng mai” không hợp lệ"),
    (["schedul"], "python -m bot: lỗi: LỆNH: không có 'schedul'; chọn một trong: 'run', "),
    (["event", "3.66"], "lỗi: thiếu tham số bắt buộc: --on"),
    (["import"], "lỗi: thiếu tham số bắt buộc: file"),
    (["import", "--year", "x", "f.docx"], "lỗi: --year: giá trị 'x' không hợp lệ"),
    (["report", "--format", "pdf"], "lỗi: --format: không có 'pdf'; chọn một trong: 'xlsx', 'docx'"),
    (["schedule", "--from"], "lỗi: --from: thiếu giá trị"),
    (["--bogus"], "lỗi: không hiểu tham số: --bogus"),
    (["migrate", "--dry-run"], "lỗi: không hiểu tham số: --dry-run"),
])
def test_a_mistyped_command_gets_a_vietnamese_usage_and_error(capsys, argv, reason):
    code, shown = parse(capsys, *argv)
    assert code == 2
    assert shown.startswith(texts.CLI_USAGE + "python -m bot")
    assert reason in shown
    assert not ENGLISH.search(shown), shown


def test_help_is_vietnamese_for_every_command(capsys):
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    for argv in [[], *([name] for name in commands)]:
        code, shown = parse(capsys, *argv, "-h")
        assert code == 0
        assert shown.startswith(texts.CLI_USAGE)
        assert texts.CLI_OPTIONALS + ":" in shown
        assert not ENGLISH.search(shown), (argv, shown)


def test_an_unknown_argparse_message_still_reads_vietnamese():
    from bot.cli import argparse_reason

    assert argparse_reason("something new") == "lệnh không hợp lệ (something new)"
    assert argparse_reason("argument --x: expected at most one argument") == "--x: thiếu giá trị"


def test_the_usage_line_names_the_command_the_user_typed(capsys):
    try:
        build_parser("python3 run.py").parse_args(["schedule", "--to", "x"])
    except SystemExit:
        pass
    shown = capsys.readouterr().err
    assert shown.startswith("Cách dùng: python3 run.py schedule")
    assert "python3 run.py schedule: lỗi: --to:" in shown


def test_run_py_s_name_for_the_bot_reaches_the_usage_line():
    done = subprocess.run([sys.executable, "-m", "bot", "schedule", "--to", "x"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NHACVIEC_PROG": "python3 run.py"})
    assert done.returncode == 2
    assert done.stderr.startswith("Cách dùng: python3 run.py schedule")



def test_a_reader_that_stops_early_gets_no_traceback():
    """`python3 run.py parse-deadline < many | head -1`: the pipe closes under the command."""
    process = subprocess.Popen([sys.executable, "-m", "bot", "parse-deadline"], cwd=ROOT,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    # Far more than a pipe's buffer, so the command is still writing when the reader goes.
    process.stdin.write("trước 15/2/2023\n" * 20_000)
    process.stdin.close()
    assert process.stdout.readline().startswith("{")
    process.stdout.close()
    assert process.wait(timeout=120) == 1
    assert "Traceback" not in process.stderr.read()

PEOPLE = {1: "Hoàng Văn Thái — Chủ tịch UBND xã", 2: "Ma Thị Hoa — Văn phòng HĐND-UBND xã",
          3: "Hà Thị Lan — Công chức Tư pháp", 4: "Hoàng Thị Hoa — Công chức Văn hoá"}


@pytest.mark.parametrize(("who", "chosen"), [
    ("Hoa", [2, 4]),          # whole words, without diacritics: not "Hoàng"
    ("ma thi hoa", [2]),
    ("Chủ tịch", [1]),        # a role when no name has the words
    ("3", [3]),               # the number shown in the list
    ("Lan", [3]),
    ("oan", [1, 4]),          # any part of a name only when nothing else matches
    ("", []),
])
def test_as_picks_whole_words_of_names_first(who, chosen):
    from bot.channels.console import choose_person

    assert choose_person(PEOPLE, who) == chosen
