"""Small builders the tests share."""

from __future__ import annotations

from pathlib import Path


def docx_table_to_xlsx(docx_path: Path, xlsx_path: Path) -> None:
    """Lay the plan's appendix table out in Excel the way offices do: same cells, same merges."""
    import docx
    import openpyxl
    from docx.oxml.ns import qn

    word = docx.Document(str(docx_path))
    table = word.tables[-1]._tbl
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Phụ lục"
    sheet.append(["Các mục tiêu, nhiệm vụ cụ thể triển khai công tác cải cách hành chính năm 2023"])
    sheet.append([])
    first_row = 3
    starts: dict[int, int] = {}  # column -> row where its vertical merge began
    for r, tr in enumerate(table.iter(qn("w:tr")), start=first_row):
        column = 1
        for tc in tr.iter(qn("w:tc")):
            text = "\n".join(
                "".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.iter(qn("w:p")))
            span = tc.grid_span
            if tc.vMerge == "continue":
                top = starts[column]
                sheet.merge_cells(start_row=top, start_column=column, end_row=r, end_column=column)
            else:
                sheet.cell(row=r, column=column, value=text or None)
                starts[column] = r
                if span > 1:
                    sheet.merge_cells(start_row=r, start_column=column, end_row=r,
                                      end_column=column + span - 1)
            column += span
    book.save(str(xlsx_path))
