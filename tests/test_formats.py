"""Reading .pdf and .doc files, and the Word and Excel files the generator lays out."""

from __future__ import annotations

import shutil
import zipfile

import openpyxl
import pytest

from bot.plan import tables
from bot.plan.errors import PlanError
from bot.plan.interpret import interpret
from bot.plan.tables import read_document
from tests.conftest import FIXTURES
from tests.plan_files import write_docx, write_xlsx

DEV = FIXTURES / "dev"
TABLE_PLAN = DEV / "02_ttg-2530-khhd-khongkhi.txt"
PROSE_PLAN = DEV / "06_quangngai-1627-kiemke-taisan.txt"


def test_a_scanned_pdf_is_refused_with_the_scan_message(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure = pyplot.figure(figsize=(8.27, 11.69))
    figure.figimage([[0.2, 0.8], [0.8, 0.2]], resize=False)
    figure.savefig(tmp_path / "scan.pdf")
    pyplot.close(figure)
    with pytest.raises(PlanError) as refused:
        read_document(tmp_path / "scan.pdf")
    assert str(refused.value) == (
        "Tệp PDF này là ảnh chụp, chưa có chữ để đọc; hãy gửi tệp Word hoặc PDF gốc.")


def test_a_pdf_reads_its_table_across_pages_and_rejoins_a_row_the_page_cut():
    plan = interpret(read_document(DEV / "02_ttg-2530-khhd-khongkhi.pdf"))
    cut = next(i for i in plan.items if i.title.startswith("Giám sát chặt chẽ"))
    assert cut.owners == ["Bộ Nông nghiệp và Môi trường"]
    assert cut.deadline_text == "Thực hiện thường xuyên, liên tục"


def test_a_word_cut_by_a_narrow_pdf_column_is_whole_again():
    plan = interpret(read_document(FIXTURES / "ke-hoach-cchc-2023-bang-phuc.pdf"))
    items = {item.code: item for item in plan.items}
    assert items["3.4"].deadline_text == "Trước 30/11/2023"
    assert items["3.55"].title.endswith("MobileMoney")
    assert items["3.31"].owners == ["Công chức Kế toán -TC"]


def test_without_libreoffice_a_doc_gets_the_save_as_docx_message(monkeypatch):
    monkeypatch.setattr(tables.shutil, "which", lambda name: None)
    with pytest.raises(PlanError) as refused:
        read_document(DEV / "03_ttg-2623-luat-bvdlcn.doc")
    assert refused.value.code == "doc_needs_soffice"
    assert "Lưu thành" in str(refused.value) and ".docx" in str(refused.value)


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
def test_a_doc_is_converted_in_a_temporary_folder_with_a_time_limit(monkeypatch, tmp_path):
    calls = []
    run = tables.subprocess.run

    def watched(command, **options):
        calls.append((command, options))
        return run(command, **options)

    monkeypatch.setattr(tables.subprocess, "run", watched)
    plan = interpret(read_document(DEV / "03_ttg-2623-luat-bvdlcn.doc"))
    assert len(plan.items) == 9
    (command, options), = calls
    assert command[command.index("--convert-to") + 1] == "docx"
    assert options["timeout"] == tables.SOFFICE_SECONDS
    assert "nhacviec-doc-" in command[command.index("--outdir") + 1]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice")
def test_a_broken_doc_gets_a_vietnamese_message(tmp_path):
    # LibreOffice opens nearly anything as text; what it cannot turn into a plan is refused.
    (tmp_path / "hong.doc").write_bytes(b"\xd0\xcf\x11\xe0 not really a Word file" * 20)
    with pytest.raises(PlanError) as refused:
        interpret(read_document(tmp_path / "hong.doc"))
    assert refused.value.code in ("corrupt_doc", "no_table")


def test_the_word_copy_has_merged_cells_a_repeated_header_and_a_landscape_page(tmp_path):
    path = write_docx(TABLE_PLAN, tmp_path / "kh.docx")
    with zipfile.ZipFile(path) as word:
        xml = word.read("word/document.xml").decode()
    assert 'w:vMerge w:val="restart"' in xml and "<w:vMerge/>" in xml
    assert "w:gridSpan" in xml and "w:tblHeader" in xml and 'w:orient="landscape"' in xml


def test_the_excel_copy_has_title_rows_merged_sections_and_wrapped_text(tmp_path):
    sheet = openpyxl.load_workbook(write_xlsx(TABLE_PLAN, tmp_path / "kh.xlsx")).worksheets[0]
    assert "Hà Nội, ngày 19 tháng 11 năm 2025" in [row[0] for row in sheet.iter_rows(values_only=True)]
    merged = [r for r in sheet.merged_cells.ranges]
    assert any(r.min_row == r.max_row and r.max_col > r.min_col + 3 for r in merged)  # sections
    assert any(r.max_row > r.min_row for r in merged)  # shared leading cells
    assert any(cell.alignment.wrap_text for row in sheet.iter_rows() for cell in row)


def test_a_prose_plan_stays_prose_in_word_and_is_one_paragraph_per_row_in_excel(tmp_path):
    word = read_document(write_docx(PROSE_PLAN, tmp_path / "kh.docx"))
    excel = read_document(write_xlsx(PROSE_PLAN, tmp_path / "kh.xlsx"))
    assert "1.2. Sở Tài chính - Cơ quan thường trực Ban Chỉ đạo" in word.paragraphs
    assert "1.2. Sở Tài chính - Cơ quan thường trực Ban Chỉ đạo" in excel.paragraphs
