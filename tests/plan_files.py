"""Lay a plan's text export out as offices make the files, in Word and in Excel.

The .txt of a plan (tests/fixtures/dev/README.md says how it was made) holds paragraphs and
tab-separated table rows. From it:
- .docx: landscape; paragraphs as Word paragraphs (prose plans stay prose); each table a
  Word table with its header row repeated on every page, section rows merged across the
  table, and the leading cells a row shares with the row above merged vertically;
- .xlsx: the heading lines as title rows above the table, one sheet per task table, section
  rows merged across, shared cells merged vertically, wrapped text, a spacer row before the
  header; a prose plan is one paragraph per row.

    python tests/plan_files.py    # rewrite the committed .pdf and .doc of the dev set and the sample
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEV = FIXTURES / "dev"
SAMPLE_DOCX = FIXTURES.parent.parent / "bot" / "samples" / "ke-hoach-cchc-2023-bang-phuc.docx"


@dataclass(slots=True)
class TextTable:
    rows: list[list[str]]

    @property
    def width(self) -> int:
        return max(len(row) for row in self.rows)

    @property
    def is_layout(self) -> bool:
        # The national heading and the signature block are two-column tables of a few rows.
        return len(self.rows) <= 3


def read_plan_text(path: Path) -> list[str | TextTable]:
    """The paragraphs and tables of a plan's .txt, in order, without its `# source:` line."""
    blocks: list[str | TextTable] = []
    rows: list[list[str]] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    if lines and lines[0].startswith("# source:"):
        lines = lines[1:]
    for line in lines:
        if "\t" in line:
            rows.append(line.split("\t"))
            continue
        if not line.strip():
            continue
        if rows:
            blocks.append(TextTable(rows))
            rows = []
        blocks.append(line.strip())
    if rows:
        blocks.append(TextTable(rows))
    return blocks


def _is_section_row(row: list[str], width: int) -> bool:
    filled = [cell for cell in row if cell.strip()]
    return 0 < len(filled) <= 2 and len(row) <= 2 < width


def write_docx(txt: Path, out: Path) -> Path:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    word = docx.Document()
    section = word.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for block in read_plan_text(txt):
        if isinstance(block, str):
            word.add_paragraph(block)
            continue
        width = block.width
        table = word.add_table(rows=len(block.rows), cols=width)
        if not block.is_layout:
            table.style = "Table Grid"
            header = table.rows[0]._tr.get_or_add_trPr()
            repeat = OxmlElement("w:tblHeader")
            repeat.set(qn("w:val"), "true")
            header.append(repeat)
        origins: dict[int, int] = {}  # column -> row its vertical merge starts at
        for r, row in enumerate(block.rows):
            cells = table.rows[r].cells
            if not block.is_layout and r and _is_section_row(row, width):
                cells[0].text = row[0]
                merged = cells[1].merge(cells[width - 1]) if len(row) == 2 else cells[0].merge(
                    cells[width - 1])
                merged.text = row[-1]
                origins.clear()
                continue
            leading = len(row) - len(row_lstrip(row))
            for c in range(width):
                value = row[c] if c < len(row) else ""
                if not block.is_layout and c < leading and r and c in origins:
                    # Empty leading cells under a filled one are the same cell, merged down.
                    table.cell(origins[c], c).merge(cells[c])
                    continue
                cells[c].text = value
                origins[c] = r
    if not isinstance(block, str):
        # Word ends a document with a paragraph; LibreOffice's .doc export flattens a last table.
        word.add_paragraph()
    word.save(str(out))
    return out


def row_lstrip(row: list[str]) -> list[str]:
    for index, cell in enumerate(row):
        if cell.strip():
            return row[index:]
    return []


def write_xlsx(txt: Path, out: Path) -> Path:
    import openpyxl
    from openpyxl.styles import Alignment, Font

    blocks = read_plan_text(txt)
    tables = [b for b in blocks if isinstance(b, TextTable) and not b.is_layout]
    book = openpyxl.Workbook()
    book.remove(book.active)
    wrap = Alignment(wrap_text=True, vertical="top")
    heading = [cell for b in blocks if isinstance(b, TextTable) and b.is_layout
               for row in b.rows[:2] for cell in row if cell.strip()][:4]
    titles = [b for b in blocks[:12] if isinstance(b, str)][:3]
    if not tables:
        sheet = book.create_sheet("Kế hoạch")
        for line in heading:
            sheet.append([line])
        for block in blocks:
            if isinstance(block, str):
                sheet.append([block])
        sheet.column_dimensions["A"].width = 120
        book.save(str(out))
        return out
    for number, table in enumerate(tables, start=1):
        sheet = book.create_sheet(f"Phụ lục {number}")
        width = table.width
        for line in [*heading, *titles]:
            sheet.append([line])
            sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row,
                              end_column=width)
            sheet.cell(sheet.max_row, 1).font = Font(bold=True)
        sheet.append([])  # spacer
        top = sheet.max_row + 1
        runs: dict[int, list[int]] = {}  # column -> [first, last] row of a shared leading cell

        def flush(column: int) -> None:
            first, last = runs.pop(column)
            if last > first:
                sheet.merge_cells(start_row=first, start_column=column + 1, end_row=last,
                                  end_column=column + 1)

        for r, row in enumerate(table.rows):
            excel_row = top + r
            if r and _is_section_row(row, width):
                for column in list(runs):
                    flush(column)
                sheet.cell(excel_row, 1, row[0])
                if len(row) == 2:
                    sheet.cell(excel_row, 2, row[1])
                    sheet.merge_cells(start_row=excel_row, start_column=2, end_row=excel_row,
                                      end_column=width)
                continue
            leading = len(row) - len(row_lstrip(row))
            for c in range(width):
                if c < leading and r and c in runs:
                    runs[c][1] = excel_row  # the same cell as above, merged down
                    continue
                if c in runs:
                    flush(c)
                value = row[c] if c < len(row) else ""
                sheet.cell(excel_row, c + 1, value or None).alignment = wrap
                runs[c] = [excel_row, excel_row]
        for column in list(runs):
            flush(column)
        for c in range(width):
            sheet.column_dimensions[openpyxl.utils.get_column_letter(c + 1)].width = 30
        sheet.append([])  # spacer after the table
    book.save(str(out))
    return out


def convert(source: Path, suffix: str, out_dir: Path) -> Path:
    """soffice's own conversion (to .pdf or to Word 97 .doc), as offices produce those files."""
    target = {"pdf": "pdf", "doc": "doc:MS Word 97"}[suffix]
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                        "--convert-to", target, "--outdir", str(out_dir), str(source)],
                       check=True, capture_output=True, timeout=300)
    return out_dir / f"{source.stem}.{suffix}"


def main() -> int:
    if shutil.which("soffice") is None:
        print("soffice (LibreOffice) is needed to write the .pdf and .doc fixtures", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        for txt in sorted(DEV.glob("*.txt")):
            word = write_docx(txt, Path(tmp) / f"{txt.stem}.docx")
            for suffix in ("pdf", "doc"):
                made = convert(word, suffix, Path(tmp))
                shutil.copyfile(made, DEV / made.name)
                print(f"{made.name}: {made.stat().st_size} B")
        import docx

        sample = docx.Document(str(SAMPLE_DOCX))
        sample.add_paragraph()  # LibreOffice's Word 97 export flattens a table that ends the file
        sample.save(str(Path(tmp) / SAMPLE_DOCX.name))
        for suffix in ("pdf", "doc"):
            made = convert(Path(tmp) / SAMPLE_DOCX.name, suffix, Path(tmp))
            shutil.copyfile(made, FIXTURES / made.name)
            print(f"{made.name}: {made.stat().st_size} B")
    return 0


if __name__ == "__main__":
    sys.exit(main())
