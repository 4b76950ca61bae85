"""Bad files get one clear Vietnamese sentence, a non-zero exit, and change nothing."""

from __future__ import annotations

import io

import docx
import pytest
from sqlalchemy import func, select

from bot import cli
from db.migrate import upgrade
from db.models import Item, Plan
from db.session import make_engine, make_sessionmaker
from tests.conftest import NOW, SAMPLE_TXT


def word_file(path, header, rows=()):
    document = docx.Document()
    document.add_paragraph("KẾ HOẠCH Thực hiện công tác năm 2023")
    table = document.add_table(rows=0, cols=len(header))
    for values in (header, *rows):
        cells = table.add_row().cells
        for cell, value in zip(cells, values):
            cell.text = value
    document.save(str(path))
    return path


def not_a_plan(tmp_path):
    path = tmp_path / "thu-moi.txt"
    path.write_text("Kính mời các đồng chí dự họp giao ban lúc 8 giờ.\n", encoding="utf-8")
    return path


def corrupt_docx(tmp_path):
    path = tmp_path / "hong.docx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip archive" * 10)
    return path


def empty_table(tmp_path):
    return word_file(tmp_path / "trong.docx",
                     ["TT", "Nội dung", "Chủ trì", "Phối hợp", "Thời gian thực hiện"])


def huge_file(tmp_path):
    path = tmp_path / "lon.txt"
    with path.open("wb") as handle:
        handle.truncate(20 * 1024 * 1024)
    return path


def no_deadline_column(tmp_path):
    return word_file(tmp_path / "khong-thoi-han.docx", ["TT", "Nội dung", "Chủ trì", "Phối hợp"],
                     [["1", "Rà soát thủ tục hành chính", "Bộ phận 1 cửa", ""]])


def unsupported(tmp_path):
    path = tmp_path / "ke-hoach.odt"
    path.write_bytes(b"PK\x03\x04 ...")
    return path


def broken_pdf(tmp_path):
    path = tmp_path / "ke-hoach.pdf"
    path.write_bytes(b"%PDF-1.4 ...")
    return path


CASES = {
    "not_a_plan": (not_a_plan, "Không tìm thấy bảng nhiệm vụ"),
    "corrupt_docx": (corrupt_docx, "bị hỏng"),
    "empty_table": (empty_table, "không có nhiệm vụ nào"),
    "huge_file": (huge_file, "quá lớn"),
    "no_deadline_column": (no_deadline_column, "không có cột thời hạn"),
    "unsupported": (unsupported, "Không đọc được định dạng .odt"),
    "broken_pdf": (broken_pdf, "Tệp PDF ke-hoach.pdf bị hỏng"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_bad_file_is_refused_with_a_clear_message_and_nothing_is_stored(case, tmp_path, config,
                                                                          db_url, capsys):
    engine = make_engine(db_url)
    upgrade(engine)
    config = config.model_copy(update={"database": config.database.model_copy(update={"url": db_url})})
    out = io.StringIO()
    cli.cmd_import(config, SAMPLE_TXT, year=None, unit=None, dry_run=False, as_json=False, now=NOW,
                   out=out)
    make, message = CASES[case]
    code = cli.cmd_import(config, make(tmp_path), year=None, unit=None, dry_run=False,
                          as_json=False, now=NOW, out=out)
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("Không nhập được kế hoạch: ")
    assert message in err
    assert "Traceback" not in err
    with make_sessionmaker(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Item)) == 46
        assert session.scalar(select(func.count()).select_from(Plan)) == 1
    engine.dispose()

