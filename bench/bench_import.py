"""Importing the dev set in each format, against opening and walking the same files alone.

Run: python bench/bench_import.py
For each format the six dev plans (tests/fixtures/dev) are read and interpreted as an import
does (`interpret(read_document(path))`, no database), and the same files are opened and
walked with the library alone in the same run: python-docx over every paragraph and cell,
openpyxl over every cell, pdfplumber over every page's tables and text, plain decoding for
.txt; a .doc is converted by LibreOffice either way. Best of REPEAT runs. Exits non-zero if
an import of a Word, Excel, PDF or .doc file takes more than MAX_RATIO times the library's own
walk (a .txt has no library to compare with: decoding alone is the floor), or if an import
gives fewer items than the 91 labelled tasks (tests/test_import_dev.py grades each field).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REPEAT = 3
MAX_RATIO = 2.0
ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "tests" / "fixtures" / "dev"


def ours(path: Path) -> int:
    from bot.plan.interpret import interpret
    from bot.plan.tables import read_document

    return len(interpret(read_document(path)).items)


def walk_text(path: Path) -> int:
    return len(path.read_bytes().decode("utf-8").splitlines())


def walk_docx(path: Path) -> int:
    import docx

    count = 0
    for block in docx.Document(str(path)).iter_inner_content():
        if hasattr(block, "rows"):
            count += sum(len(cell.text) for row in block.rows for cell in row.cells)
        else:
            count += len(block.text)
    return count


def walk_xlsx(path: Path) -> int:
    import openpyxl

    book = openpyxl.load_workbook(str(path), data_only=True)
    return sum(1 for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
               for value in row if value is not None)


def walk_pdf(path: Path) -> int:
    import pdfplumber

    count = 0
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            count += sum(len(t) for t in page.extract_tables())
            count += len(page.extract_text() or "")
    return count


def walk_doc(path: Path) -> int:
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                        "--convert-to", "docx", "--outdir", tmp, str(path)],
                       check=True, capture_output=True, timeout=300)
        return walk_docx(Path(tmp) / f"{path.stem}.docx")


BASELINES: dict[str, Callable[[Path], int]] = {
    "txt": walk_text, "docx": walk_docx, "xlsx": walk_xlsx, "pdf": walk_pdf, "doc": walk_doc,
}


def best_ms(fn: Callable[[Path], int], paths: list[Path]) -> float:
    best = float("inf")
    for _ in range(REPEAT):
        start = time.perf_counter()
        for path in paths:
            fn(path)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> int:
    from tests.plan_files import write_docx, write_xlsx

    labelled = sum(len(json.loads(p.read_text("utf-8"))) for p in DEV.glob("*.expected.json"))
    formats = [f for f in BASELINES if f != "doc" or shutil.which("soffice")]
    status = 0
    print(f"| format | files | items imported ({labelled} labelled) | import ms "
          "| baseline: walk alone ms | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        made = Path(tmp)
        for txt in sorted(DEV.glob("*.txt")):
            write_docx(txt, made / f"{txt.stem}.docx")
            write_xlsx(txt, made / f"{txt.stem}.xlsx")
        for fmt in formats:
            folder = made if fmt in ("docx", "xlsx") else DEV
            paths = sorted(folder.glob(f"*.{fmt}"))
            tasks = sum(ours(path) for path in paths)
            mine, theirs = best_ms(ours, paths), best_ms(BASELINES[fmt], paths)
            ratio = mine / theirs
            print(f"| {fmt} | {len(paths)} | {tasks} | {mine:,.1f} | {theirs:,.1f} | {ratio:.1f}× |")
            if (fmt != "txt" and ratio > MAX_RATIO) or tasks < labelled:
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
