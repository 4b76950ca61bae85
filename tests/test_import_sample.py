"""The sample plan, read from each format the office has it in, gives the expected items."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.plan.interpret import interpret
from bot.plan.tables import read_document
from tests.conftest import EXPECTED_JSON, FIXTURES, SAMPLE_DOCX, SAMPLE_TXT
from tests.helpers import docx_table_to_xlsx

EXPECTED = json.loads(EXPECTED_JSON.read_text(encoding="utf-8"))
FIELDS = ("section", "section_title", "row", "objective", "task", "code", "title", "owners",
          "coordinators", "deadline_text")

# The .pdf and .doc are LibreOffice's conversions of the .docx (tests/plan_files.py); reading
# a .doc converts it back, so without LibreOffice that format is left to test_formats.py.
FORMATS = ["txt", "docx", "xlsx", "pdf"] + (["doc"] if shutil.which("soffice") else [])


@pytest.fixture(scope="module", params=FORMATS)
def parsed(request, tmp_path_factory):
    if request.param == "txt":
        path = SAMPLE_TXT
    elif request.param == "docx":
        path = SAMPLE_DOCX
    elif request.param == "xlsx":
        path = tmp_path_factory.mktemp("xlsx") / "ke-hoach.xlsx"
        docx_table_to_xlsx(SAMPLE_DOCX, path)
    else:
        path = FIXTURES / f"{SAMPLE_DOCX.stem}.{request.param}"
    return interpret(read_document(Path(path)))


def test_it_finds_all_46_items_in_order(parsed):
    assert [item.code for item in parsed.items] == [item["code"] for item in EXPECTED["items"]]


@pytest.mark.parametrize("index", range(len(EXPECTED["items"])),
                         ids=[item["code"] for item in EXPECTED["items"]])
def test_each_item_matches_the_expected_import_field_by_field(parsed, index):
    want = EXPECTED["items"][index]
    got = parsed.items[index].as_json()
    for field in FIELDS:
        assert got[field] == want[field], field
    assert [{k: m[k] for k in ("label", "kind", "due")} for m in got["milestones"]] == want["milestones"]


def test_it_reads_the_plan_header(parsed):
    plan = EXPECTED["plan"]
    if parsed.source.endswith(".xlsx"):
        # The Excel copy holds only the appendix table; the year comes from its caption.
        assert parsed.year == plan["year"]
        return
    assert (parsed.unit, parsed.title, parsed.issued.isoformat(), parsed.year, parsed.signer,
            parsed.signer_title) == (plan["unit"], plan["title"], plan["issued"], plan["year"],
                                     plan["signer"], plan["signer_title"])


def test_it_reads_the_sections(parsed):
    assert parsed.sections == EXPECTED["sections"]


def test_the_text_dump_repairs_are_reported():
    plan = interpret(read_document(SAMPLE_TXT))
    codes = {(w.code, w.item) for w in plan.warnings}
    assert ("shifted_row", "2.33") in codes
    assert ("continuation", "3.3") in codes
    assert ("filled_down", "3.51") in codes
    assert ("filled_down", "3.55") in codes


def test_every_row_of_the_text_dump_is_accounted_for():
    document = read_document(SAMPLE_TXT)
    plan = interpret(document)
    table_lines = {row.line for table in document.tables for row in table.rows if any(row.cells)}
    assert table_lines == set(plan.row_outcomes)
    assert "ignored" not in plan.row_outcomes.values()
