"""Plans that list their tasks as prose instead of a table.

    1. Rà soát văn bản quy phạm pháp luật
    - Cơ quan chủ trì: Công chức Tư pháp
    - Thời gian thực hiện: Quý II/2023

Such a list is turned into the same table model, so one interpreter reads every format.
"""

from __future__ import annotations

import re

from bot.plan.tables import Row, Table

_COLUMNS = ("TT", "Nội dung", "Cơ quan chủ trì", "Đơn vị phối hợp", "Thời gian thực hiện",
            "Sản phẩm", "Kinh phí")
_ITEM = re.compile(r"^(\d{1,2}(?:\.\d{1,3})*)[.)]\s+(\S.*)$")
_SECTION = re.compile(r"^((?=[IVXL])L?X{0,3}(?:IX|IV|V?I{0,3}))[.)]\s+(\S.*)$")
_FIELD = re.compile(r"^[-–+•*]\s*([^:]{2,40}):\s*(.*)$")


def _column_of(label: str) -> int | None:
    from bot.plan.interpret import fold

    label = fold(label)
    for index, words in enumerate((
        (), (), ("chu tri", "thuc hien", "trach nhiem", "phu trach"), ("phoi hop",),
        ("thoi gian", "thoi han", "tien do"), ("san pham", "ket qua"), ("kinh phi",),
    )):
        if any(word in label for word in words):
            # "Đơn vị phối hợp thực hiện" names coordinators, "Thời gian thực hiện" a deadline.
            if index == 2 and any(w in label for w in ("phoi hop", "thoi gian", "thoi han")):
                continue
            return index
    return None


def prose_table(paragraphs: list[str]) -> Table | None:
    """A table with one row per numbered item that has at least one field line."""
    rows: list[Row] = [Row(list(_COLUMNS), 0)]
    current: list[str] | None = None
    has_fields = False
    pending_section: list[str] | None = None
    found = 0

    def flush() -> None:
        nonlocal current, has_fields, pending_section, found
        if current is not None and has_fields:
            if pending_section is not None:
                rows.append(Row(pending_section, len(rows)))
                pending_section = None
            rows.append(Row(current, len(rows)))
            found += 1
        current, has_fields = None, False

    for paragraph in paragraphs:
        for line in paragraph.split("\n"):
            line = line.strip()
            section = _SECTION.match(line)
            if section and section.group(2).upper() == section.group(2):
                flush()
                pending_section = [section.group(1), section.group(2)] + [""] * (len(_COLUMNS) - 2)
                continue
            item = _ITEM.match(line)
            if item:
                flush()
                number, title = item.groups()
                if "." in number:
                    current = ["", f"{number}. {title}"] + [""] * (len(_COLUMNS) - 2)
                else:
                    current = [number, title] + [""] * (len(_COLUMNS) - 2)
                continue
            field = _FIELD.match(line)
            if field and current is not None:
                column = _column_of(field.group(1))
                if column is not None:
                    current[column] = f"{current[column]}; {field.group(2)}".strip("; ")
                    has_fields = True
                continue
            if current is not None and not has_fields and line:
                current[1] = f"{current[1]} {line}"
    flush()
    return Table(rows) if found else None
