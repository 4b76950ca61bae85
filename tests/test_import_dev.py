"""The development set: six real plans never seen while the importer was written, labelled by hand.

Each is scored with the set's own grade.py (tests/fixtures/dev/README.md gives the conventions),
and the score of every file is printed; each plan must have 98% of its tasks exact.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.plan.errors import PlanError
from bot.plan.interpret import document_year, interpret
from bot.plan.report import plan_json
from bot.plan.tables import read_document
from tests.conftest import FIXTURES
from tests.plan_files import write_docx, write_xlsx

DEV = FIXTURES / "dev"
PLANS = sorted(path.stem for path in DEV.glob("*.txt"))
TARGET = 0.98
_SCORE = re.compile(r"items (\d+): found (\d+), owner (\d+), milestones (\d+), exact (\d+)")


def grade(stem: str, path: Path, tmp_path: Path) -> tuple[int, int, str]:
    got = tmp_path / f"{stem}.got.json"
    try:
        parsed = plan_json(interpret(read_document(path)))
    except PlanError as error:  # a refused plan scores zero, and says why
        parsed = {"items": [], "error": str(error)}
    got.write_text(json.dumps(parsed, ensure_ascii=False), encoding="utf-8")
    run = subprocess.run([sys.executable, str(DEV / "grade.py"), str(DEV / f"{stem}.expected.json"),
                          str(got)], capture_output=True, text=True, check=False)
    if not parsed["items"]:
        return len(json.loads((DEV / f"{stem}.expected.json").read_text("utf-8"))), 0, parsed["error"]
    total, *_, exact = (int(n) for n in _SCORE.search(run.stdout).groups())
    return total, exact, run.stdout


FORMATS = ("txt", "docx", "xlsx", "pdf", "doc")
HAS_SOFFICE = shutil.which("soffice") is not None


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    """Each plan written as a Word document and an Excel workbook, as offices make them."""
    folder = tmp_path_factory.mktemp("dev")
    for stem in PLANS:
        write_docx(DEV / f"{stem}.txt", folder / f"{stem}.docx")
        write_xlsx(DEV / f"{stem}.txt", folder / f"{stem}.xlsx")
    return folder


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("stem", PLANS)
def test_each_dev_plan_imports_as_labelled_from_every_format(stem, fmt, made, tmp_path):
    path = (made if fmt in ("docx", "xlsx") else DEV) / f"{stem}.{fmt}"
    if fmt == "doc" and not HAS_SOFFICE:
        with pytest.raises(PlanError) as refused:
            read_document(path)
        assert refused.value.code == "doc_needs_soffice"
        return
    total, exact, detail = grade(stem, path, tmp_path)
    print(f"\n{stem}.{fmt}: {exact}/{total} exact ({exact / total:.0%})\n{detail}")
    assert exact >= TARGET * total, detail


def test_every_dev_plan_is_labelled_and_scored():
    assert len(PLANS) == 6
    assert all((DEV / f"{stem}.expected.json").is_file() for stem in PLANS)


@pytest.mark.parametrize("stem", PLANS)
def test_the_year_of_each_dev_plan_comes_from_its_issue_line(stem):
    assert document_year(read_document(DEV / f"{stem}.txt")) == 2025
