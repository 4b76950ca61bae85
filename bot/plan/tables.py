"""One table model for every format a plan arrives in, and the readers that fill it.

A reader only turns a file into paragraphs and tables of plain strings; it never
decides what a row means. The interpreter does that once, for all formats.
"""

from __future__ import annotations

import html
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from bot.plan.errors import PlanError

MAX_FILE_BYTES = 10 * 1024 * 1024
_TAG = re.compile(r"<[^>]{1,200}>")
_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f\u200b]+")


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
    """NFC, no HTML remnants, single spaces; keeps line breaks."""
    text = _TAG.sub("", html.unescape(text))
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
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
    if suffix == ".docx":
        return read_docx(path)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    if suffix in (".txt", ".tsv", ".text", ".md"):
        return read_text(path.read_bytes(), path.name)
    raise PlanError("unsupported_format", path=path.name, suffix=suffix or "(không có)")


def read_text(data: bytes, source: str) -> Document:
    """Text exports: tab-separated lines are table rows, everything else is prose."""
    if b"\x00" in data[:4096]:
        raise PlanError("not_text", path=source)
    for encoding in ("utf-8-sig", "utf-16", "cp1258"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1258 decodes almost anything
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
            doc.tables.append(Table(rows))
            rows = []
        doc.paragraphs.append(line)
    if rows:
        doc.tables.append(Table(rows))
    return doc


def read_docx(path: Path) -> Document:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.oxml.ns import qn

    try:
        word = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise PlanError("corrupt_docx", path=path.name, reason=str(exc)) from exc
    doc = Document(source=path.name)
    body = word.element.body
    for element in body.iterchildren():
        if element.tag == qn("w:p"):
            text = clean_text(_xml_text(element))
            if text:
                doc.paragraphs.append(text)
        elif element.tag == qn("w:tbl"):
            table = _docx_table(element)
            doc.tables.append(table)
            # The national heading (unit, number, place and date) lives in a layout table.
            if len(table.rows) <= 3:
                doc.paragraphs.extend(
                    line for row in table.rows for cell in row.cells for line in cell.split("\n")
                )
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

    try:
        book = openpyxl.load_workbook(str(path), read_only=False, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise PlanError("corrupt_xlsx", path=path.name, reason=str(exc)) from exc
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
