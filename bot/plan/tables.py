"""One table model for every format a plan arrives in, and the readers that fill it.

A reader only turns a file into paragraphs and tables of plain strings; it never
decides what a row means. The interpreter does that once, for all formats.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

from lxml.etree import XMLSyntaxError

from bot.plan.errors import PlanError

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_PDF_PAGES = 200
SOFFICE_SECONDS = 120
# An office file is a zip of XML parts; these bounds are read from its directory before
# anything is inflated, so a zip bomb is refused without being opened.
MAX_ZIP_MEMBERS = 2000
MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_UNZIPPED_BYTES = 128 * 1024 * 1024
MAX_RATIO = 200  # real XML parts compress 5-50×; bombs compress about 1000×
_RATIO_FROM_BYTES = 1024 * 1024
# Whatever a broken office file makes zipfile, lxml or the XML readers raise.
_BROKEN = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, KeyError, ValueError,
           OSError, XMLSyntaxError, ParseError)
_TAG = re.compile(r"<[^>]{1,200}>")
_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f\u200b]+")
# C0 and C1 controls except tab and line ends: a NUL is refused by PostgreSQL, the rest is noise.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ELISION = re.compile(r"^[.…\s]{3,}$")
_SECTION_LINE = re.compile(r"^(?:[IVXL]{1,5}|[A-HJ-UWYZ])\.?\s+\S.{2,}$")
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


@dataclass(slots=True)
class Row:
    cells: list[str]
    line: int  # 1-based line (text) or row (docx, xlsx) number in the source, for warnings
    # Columns whose cell continues a vertical merge: the text is the merge origin's.
    merged: frozenset[int] = frozenset()


@dataclass(slots=True)
class Table:
    rows: list[Row]


@dataclass(slots=True)
class Document:
    source: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    # Word, Excel and ruled PDF tables say which cells are merged; a text export cannot, so
    # only there does an empty cell under a filled one mean "the same as above".
    merges_known: bool = False


def clean_text(text: str) -> str:
    """NFC, no HTML remnants, no control characters, single spaces; keeps line breaks."""
    text = _TAG.sub("", html.unescape(text)).replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", _CONTROLS.sub("", text))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def read_document(path: Path) -> Document:
    if not path.is_file():
        raise PlanError("file_missing", path=str(path))
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise PlanError("file_too_big", path=path.name, size_mb=size / 1024 / 1024,
                        limit_mb=MAX_FILE_BYTES // 1024 // 1024)
    if size == 0:
        raise PlanError("file_empty", path=path.name)
    suffix = path.suffix.lower()
    if suffix in (".docx", ".xlsx", ".xlsm"):
        code = "corrupt_docx" if suffix == ".docx" else "corrupt_xlsx"
        check_zip(path, code)
        try:
            return read_docx(path) if suffix == ".docx" else read_xlsx(path)
        except _BROKEN as exc:
            raise PlanError(code, path=path.name, reason=f"{type(exc).__name__}: {exc}") from exc
    if suffix in (".txt", ".tsv", ".text", ".md"):
        return read_text(path.read_bytes(), path.name)
    if suffix == ".pdf":
        return read_pdf(path)
    if suffix == ".doc":
        return read_doc(path)
    raise PlanError("unsupported_format", path=path.name, suffix=suffix or "(không có)")


def check_zip(path: Path, code: str) -> None:
    """Refuse an office file whose zip directory promises more than a plan ever holds."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise PlanError(code, path=path.name, reason=f"{type(exc).__name__}: {exc}") from exc
    total = sum(member.file_size for member in members)
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > MAX_MEMBER_BYTES or (
                member.file_size > _RATIO_FROM_BYTES and ratio > MAX_RATIO):
            raise PlanError("zip_too_big", path=path.name,
                            reason=f"{member.filename}: {member.file_size} B, ratio {ratio:.0f}")
    if len(members) > MAX_ZIP_MEMBERS or total > MAX_UNZIPPED_BYTES:
        raise PlanError("zip_too_big", path=path.name,
                        reason=f"{len(members)} members, {total} B unzipped")


def decode_text(data: bytes) -> str | None:
    """The text of a plain-text export, or None when the bytes are not text.

    BOMs first; UTF-16 without a BOM by its NUL bytes (ASCII letters have a zero high
    byte); then strict UTF-8; then Windows-1258 if its tone marks all land on vowels,
    else Windows-1252. Detectors guess the short files clerks send badly.
    """
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"),
                          (b"\xfe\xff", "utf-16-be")):
        if data.startswith(bom):
            return _decoded(data[len(bom):], encoding)
    head = data[:4096]
    pairs = max(len(head) // 2, 1)
    zero_even, zero_odd = head[0::2].count(0) / pairs, head[1::2].count(0) / pairs
    if zero_odd > 0.2 and zero_even < 0.05:
        return _decoded(data, "utf-16-le")
    if zero_even > 0.2 and zero_odd < 0.05:
        return _decoded(data, "utf-16-be")
    text = _decoded(data, "utf-8")
    if text is not None:
        return text
    text = _decoded(data, "cp1258")
    vietnamese = _vietnamese_1258(text) if text is not None else None
    return vietnamese if vietnamese is not None else _decoded(data, "cp1252")


def _decoded(data: bytes, encoding: str) -> str | None:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        return None
    # Binary data decodes too, as a soup of control characters.
    controls = len(_CONTROLS.findall(text[:4096]))
    return None if controls > max(8, len(text[:4096]) // 50) else text


def _vietnamese_1258(text: str) -> str | None:
    # Windows-1258 writes tones as combining marks, and in Vietnamese every tone sits on a
    # vowel. Read as Windows-1258, a Windows-1252 file puts them elsewhere ("Phòng" -> "Pḥng").
    composed = unicodedata.normalize("NFC", text)
    toned = False
    for ch in composed:
        if ch < "\x80":
            continue
        parts = unicodedata.normalize("NFD", ch)
        if any(part in _TONE_MARKS for part in parts):
            if parts[0] not in "aeiouyAEIOUY":
                return None
            toned = True
    return composed if toned else None


def read_text(data: bytes, source: str) -> Document:
    """Text exports: tab-separated lines are table rows, everything else is prose."""
    text = decode_text(data)
    if text is None:
        raise PlanError("not_text", path=source)
    doc = Document(source=source)
    rows: list[Row] = []
    gap = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if "\t" in raw:
            rows.append(Row([clean_text(c) for c in raw.split("\t")], number))
            gap = 0
            continue
        line = clean_text(raw)
        if not line:
            # Exports put page breaks inside the table as blank lines.
            gap += 1
            continue
        if rows and _ELISION.match(line):
            continue  # "……" where a row was left out: the table goes on
        if rows and _SECTION_LINE.match(line) and line.upper() == line:
            # A section row spans the table, so its export has no tab to hold it in.
            rows.append(Row(line.split(None, 1), number))
            continue
        if rows:
            _add_table(doc, Table(rows))
            rows = []
        doc.paragraphs.append(line)
    if rows:
        _add_table(doc, Table(rows))
    return doc


def _add_table(doc: Document, table: Table) -> None:
    doc.tables.append(table)
    # The national heading (unit, number, place and date) lives in a layout table.
    if len(table.rows) <= 3:
        doc.paragraphs.extend(
            line for row in table.rows for cell in row.cells for line in cell.split("\n") if line)


def read_docx(path: Path) -> Document:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.oxml.ns import qn

    try:
        word = docx.Document(str(path))
    except PackageNotFoundError as exc:
        raise PlanError("corrupt_docx", path=path.name, reason=str(exc)) from exc
    doc = Document(source=path.name, merges_known=True)
    body = word.element.body
    for element in body.iterchildren():
        if element.tag == qn("w:p"):
            text = clean_text(_xml_text(element))
            if text:
                doc.paragraphs.append(text)
        elif element.tag == qn("w:tbl"):
            _add_table(doc, _docx_table(element))
    return doc


def _xml_text(element) -> str:
    from docx.oxml.ns import qn

    parts: list[str] = []
    for node in element.iter(qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:p")):
        if node.tag == qn("w:t"):
            parts.append(node.text or "")
        elif node.tag == qn("w:tab"):
            parts.append(" ")
        else:
            parts.append("\n")
    return "".join(parts)


def _docx_table(tbl) -> Table:
    from docx.oxml.ns import qn

    rows: list[Row] = []
    above: list[str] = []
    for number, tr in enumerate(tbl.iter(qn("w:tr")), start=1):
        cells: list[str] = []
        merged: set[int] = set()
        for tc in tr.iter(qn("w:tc")):
            if tc.getparent() is not tr and tc.getparent().tag != qn("w:sdtContent"):
                continue  # cells of a nested table belong to that table
            column = len(cells)
            text = clean_text(_xml_text(tc))
            if tc.vMerge == "continue":
                text = above[column] if column < len(above) else ""
                merged.add(column)
            cells.append(text)
            # A horizontal span is one cell; the spanned columns stay empty.
            cells.extend("" for _ in range(tc.grid_span - 1))
        rows.append(Row(cells, number, frozenset(merged)))
        above = cells
    return Table(rows)


def read_xlsx(path: Path) -> Document:
    import openpyxl

    book = openpyxl.load_workbook(str(path), read_only=False, data_only=True)
    doc = Document(source=path.name, merges_known=True)
    for sheet in book.worksheets:
        merges = {}
        for merged_range in sheet.merged_cells.ranges:
            origin = (merged_range.min_row, merged_range.min_col)
            for r in range(merged_range.min_row, merged_range.max_row + 1):
                for c in range(merged_range.min_col, merged_range.max_col + 1):
                    if (r, c) != origin:
                        merges[(r, c)] = origin
        rows: list[Row] = []
        values: dict[tuple[int, int], str] = {}
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is not None:
                    values[(cell.row, cell.column)] = _xlsx_value(cell.value)
        for r in range(1, (sheet.max_row or 0) + 1):
            cells: list[str] = []
            merged: set[int] = set()
            for c in range(1, (sheet.max_column or 0) + 1):
                origin = merges.get((r, c))
                if origin is None:
                    cells.append(clean_text(values.get((r, c), "")))
                elif origin[0] < r and origin[1] == c:
                    cells.append(clean_text(values.get(origin, "")))
                    merged.add(c - 1)
                else:
                    cells.append("")
            if any(cells):
                rows.append(Row(cells, r, frozenset(merged)))
                own = [cell for c, cell in enumerate(cells) if cell and c not in merged]
                if len(own) == 1 and len([cell for cell in cells if cell]) == 1:
                    # A line alone in its row is a paragraph: a caption, or a plan typed as prose.
                    doc.paragraphs.append(own[0])
        if rows:
            doc.tables.append(Table(rows))
    return doc


def _xlsx_value(value: object) -> str:
    import datetime as dt

    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value.day}/{value.month}/{value.year}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ------------------------------------------------------------------ .pdf

def read_pdf(path: Path) -> Document:
    """A PDF with a text layer: tables by their ruling lines, the other lines as paragraphs."""
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        with pdfplumber.open(str(path)) as pdf:
            if len(pdf.pages) > MAX_PDF_PAGES:
                raise PlanError("pdf_too_long", path=path.name, pages=len(pdf.pages),
                                limit=MAX_PDF_PAGES)
            doc = Document(source=path.name, merges_known=True)
            has_text = False
            for page in pdf.pages:
                has_text = _read_pdf_page(page, doc) or has_text
    except (PdfminerException, PDFSyntaxError, *_BROKEN) as exc:
        raise PlanError("corrupt_pdf", path=path.name, reason=f"{type(exc).__name__}: {exc}") from exc
    if not has_text:
        raise PlanError("pdf_scanned", path=path.name)
    return doc


def _read_pdf_page(page, doc: Document) -> bool:
    found = page.find_tables()
    boxes = [table.bbox for table in found]

    def outside(obj) -> bool:
        middle_x, middle_y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= middle_x <= x1 and top <= middle_y <= bottom
                       for x0, top, x1, bottom in boxes)

    lines = page.filter(outside).extract_text_lines(keep_blank_chars=False)
    doc.paragraphs.extend(_pdf_paragraphs(lines))
    for number, table in enumerate(found):
        rows = _pdf_rows(table, len(doc.tables) * 1000 + 1)
        previous = doc.tables[-1] if doc.tables else None
        continues = (number == 0 and previous is not None and previous.rows
                     and len(previous.rows[-1].cells) == len(rows[0].cells)
                     and not [ln for ln in lines if ln["top"] < table.bbox[1]])
        if continues:
            _continue_pdf_table(previous, rows)
        else:
            _add_table(doc, Table(rows))
    return bool(page.chars)


def _pdf_cell_text(page, box: tuple[float, float, float, float]) -> str:
    """A cell's lines joined as one text: in a PDF they are wraps, not paragraphs.

    Lines join with a space, except where the line before ends in a hyphen ("HĐND-" "UBND")
    or was cut inside a word too long for a narrow column: such a line is one word filled
    to the edge, leaving less room than the next letter needs.
    """
    lines: list[list[dict]] = []
    from pdfplumber.utils import extract_words

    x0, top, x1, bottom = box
    # Letters reach past a cell's ruling lines; each belongs where its middle is.
    chars = [c for c in page.chars if x0 <= (c["x0"] + c["x1"]) / 2 <= x1
             and top <= (c["top"] + c["bottom"]) / 2 <= bottom]
    for word in extract_words(chars, use_text_flow=True):
        if lines and abs(word["top"] - lines[-1][-1]["top"]) < 2:
            lines[-1].append(word)
        else:
            lines.append([word])
    text = ""
    for index, line in enumerate(lines):
        words = " ".join(word["text"] for word in line)
        glued = False
        if index:
            before, first = lines[index - 1], line[0]
            right = box[2] - (before[0]["x0"] - box[0])
            letter = (first["x1"] - first["x0"]) / max(len(first["text"]), 1)
            # A cut leaves a letter or digit on both sides: "MobileMo|ney", "30/11/202|3".
            cut = (len(before) == 1 and right - before[0]["x1"] < letter
                   and text[-1:].isalnum() and (first["text"][:1].islower()
                                                or first["text"][:1].isdigit()))
            glued = text.endswith("-") or cut
        text = f"{text}{words}" if glued else f"{text} {words}".lstrip()
    return clean_text(text)


def _continue_pdf_table(table: Table, rows: list[Row]) -> None:
    """The same table on the next page: drop the repeated header, rejoin a row cut by the page."""
    if rows and table.rows and rows[0].cells == table.rows[0].cells:
        rows = rows[1:]
    if rows and not rows[0].cells[0] and any(cell[:1].islower() for cell in rows[0].cells):
        last, cut = table.rows[-1], rows.pop(0)
        last.cells = [_joined(a, b) if c not in cut.merged else a
                      for c, (a, b) in enumerate(zip(last.cells, cut.cells))]
        for row in rows:
            # Cells merged down from the cut row hold its half; they hold the whole text now.
            row.cells = [last.cells[c] if c in row.merged and text == cut.cells[c] else text
                         for c, text in enumerate(row.cells)]
    # A cell merged down across the page break is drawn again, empty, at the top of the page.
    carried = list(table.rows[-1].cells) if table.rows else []
    for index, row in enumerate(rows):
        leading = len(row.cells) - len(_lstrip(row.cells)) if index == 0 else 0
        fill = {c for c in row.merged if not row.cells[c]} | set(range(leading))
        fill = {c for c in fill if c < len(carried)}
        if not fill:
            break
        row.cells = [carried[c] if c in fill else text for c, text in enumerate(row.cells)]
        row.merged = frozenset(row.merged | fill)
        carried = list(row.cells)
    table.rows.extend(rows)


def _lstrip(cells: list[str]) -> list[str]:
    for index, cell in enumerate(cells):
        if cell:
            return cells[index:]
    return []


def _joined(before: str, after: str) -> str:
    if not before or not after:
        return before or after
    return f"{before}{after}" if before.endswith("-") else f"{before} {after}"


def _pdf_paragraphs(lines: list[dict]) -> list[str]:
    """Lines back into paragraphs: a line that fills the width continues onto the next one."""
    from bot.plan.prose import starts_block

    if not lines:
        return []
    right = max(line["x1"] for line in lines)
    left = min(line["x0"] for line in lines)
    paragraphs: list[str] = []
    previous = None
    for line in lines:
        text = clean_text(line["text"])
        if not text:
            continue
        if previous is not None:
            height = previous["bottom"] - previous["top"]
            full = previous["x1"] >= right - 0.12 * (right - left)
            close = line["top"] - previous["bottom"] < 0.8 * height
            if full and close and not starts_block(text):
                paragraphs[-1] = f"{paragraphs[-1]} {text}"
                previous = line
                continue
        paragraphs.append(text)
        previous = line
    return paragraphs


_FROM_PAGE_ABOVE = ("", float("inf"))


def _spanned_from_left(boxes: list, column: int, lefts: dict[int, float]) -> bool:
    left = lefts.get(column)
    return left is not None and any(box is not None and box[2] > left + 1 for box in boxes[:column])


def _pdf_rows(table, first_line: int) -> list[Row]:
    rows: list[Row] = []
    texts = table.extract()
    lefts: dict[int, float] = {}  # column -> its left edge
    for row in table.rows:
        for column, box in enumerate(row.cells):
            if box is not None:
                lefts.setdefault(column, box[0])
    above: list[tuple[str, float] | None] = []  # per column: the text and bottom of the cell above
    for number, row in enumerate(table.rows):
        cells: list[str] = []
        merged: set[int] = set()
        current: list[tuple[str, float] | None] = []
        for column, box in enumerate(row.cells):
            if box is None:
                origin = above[column] if column < len(above) else None
                if origin is not None and origin[1] >= row.bbox[3] - 1:
                    cells.append(origin[0])  # a cell merged down from the row above
                    merged.add(column)
                    current.append(origin)
                elif not _spanned_from_left(row.cells, column, lefts):
                    # Merged down from the page before; _continue_pdf_table fills it in.
                    cells.append("")
                    merged.add(column)
                    current.append(_FROM_PAGE_ABOVE)
                else:
                    cells.append("")  # spanned by the cell on its left
                    current.append(None)
                continue
            text = _pdf_cell_text(table.page, box) if texts[number][column] else ""
            cells.append(text)
            current.append((text, box[3]))
        rows.append(Row(cells, first_line + number, frozenset(merged)))
        above = current
    return rows


# ------------------------------------------------------------------ .doc

def read_doc(path: Path) -> Document:
    """Word 97 files, converted to .docx by LibreOffice when it is installed."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise PlanError("doc_needs_soffice", path=path.name)
    with tempfile.TemporaryDirectory(prefix="nhacviec-doc-") as tmp:
        profile = Path(tmp) / "profile"
        try:
            subprocess.run(
                [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
                 "--convert-to", "docx", "--outdir", tmp, str(path)],
                check=True, capture_output=True, timeout=SOFFICE_SECONDS)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            raise PlanError("corrupt_doc", path=path.name, reason=f"{type(exc).__name__}") from exc
        converted = Path(tmp) / f"{path.stem}.docx"
        if not converted.is_file():
            raise PlanError("corrupt_doc", path=path.name, reason="no output")
        check_zip(converted, "corrupt_doc")
        try:
            doc = read_docx(converted)
        except _BROKEN as exc:
            raise PlanError("corrupt_doc", path=path.name, reason=f"{type(exc).__name__}") from exc
    doc.source = path.name
    return doc
