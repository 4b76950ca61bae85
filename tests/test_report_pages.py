"""The reports as a chairman sees them: rendered to PDF by LibreOffice and read back.

Skipped where `soffice` or poppler's `pdftotext` is not installed (.ci/run installs both).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_reports import make, world  # noqa: F401  (the replayed plan)

pytestmark = pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                                reason="LibreOffice or poppler-utils not installed")


def to_pdf(content: bytes, name: str, folder: Path) -> Path:
    source = folder / name
    source.write_bytes(content)
    profile = folder / "lo-profile"  # a private profile: parallel runs do not share a lock
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(folder), str(source)],
                   check=True, capture_output=True, timeout=180)
    return source.with_suffix(".pdf")


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def words(pdf: Path) -> set[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    return {w for line in text.splitlines() for w in re.split(r"[\s\-]+", line) if w}


def cell_words(document_bytes: bytes) -> set[str]:
    """Every word of the appendix table (split where a line may break: spaces and hyphens)."""
    import io

    import docx

    table = docx.Document(io.BytesIO(document_bytes)).tables[2]
    found = set()
    for row in table.rows:
        for cell in row.cells:
            found.update(w for w in re.split(r"[\s\-]+", cell.text) if w)
    return found


def test_no_word_or_date_of_the_word_report_is_broken_across_lines(world, tmp_path):  # noqa: F811
    content = make(world, "docx")
    pdf = to_pdf(content, "bao-cao.docx", tmp_path)
    rendered = words(pdf)
    # A column narrower than a word splits it ("31/01/2 023", "T T"): the whole word is missing.
    broken = sorted(w for w in cell_words(content) if w not in rendered)
    assert broken == []
    assert {"05/04/2023", "CỘNG", "Hạnh", "TM.", "Nơi", "PHỤ"} <= rendered
    assert 3 <= pages(pdf) <= 14


def sheet_words(content: bytes) -> set[str]:
    import io

    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(content))["Phụ lục"]
    found = set()
    for row in sheet.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, str):
                found.update(w for w in re.split(r"[\s\-]+", cell.value) if w)
    return found


def test_the_spreadsheet_prints_on_several_pages_with_every_word_whole(  # noqa: F811
        world, tmp_path):
    content = make(world, "xlsx")
    pdf = to_pdf(content, "bao-cao.xlsx", tmp_path)
    assert pages(pdf) > 2  # the summary sheet, then the appendix over several pages
    rendered = words(pdf)
    assert {"05/04/2023", "09/06/2023", "03/03/2023"} <= rendered
    assert sorted(w for w in sheet_words(content) if w not in rendered) == []
