"""One table model for every format a plan arrives in, and the readers that fill it.

A reader only turns a file into paragraphs and tables of plain strings; it never
decides what a row means. The interpreter does that once, for all formats.
"""

from __future__ import annotations

import html
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError

from lxml.etree import XMLSyntaxError

from bot.plan.errors import PlanError

MAX_FILE_BYTES = 10 * 1024 * 1024
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
    doc = Document(source=path.name)
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
    doc = Document(source=path.name)
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
