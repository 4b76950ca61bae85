"""What an office file may hold before it is opened, and what comes out of its cells."""

from __future__ import annotations

import io
import logging
import struct
import tracemalloc
import unicodedata
import zipfile
import zlib

import docx
import openpyxl
import pytest
from sqlalchemy import select, text

from bot import cli
from bot.plan import tables
from bot.plan.errors import PlanError
from bot.plan.interpret import interpret
from bot.plan.tables import read_document
from db.migrate import upgrade
from db.models import Item
from db.session import make_engine, make_sessionmaker
from tests.conftest import NOW, SAMPLE_DOCX, SAMPLE_TXT

HEADER = ["TT", "Nội dung", "Chủ trì", "Phối hợp", "Thời gian thực hiện"]
ROWS = [
    ["1", "Rà soát thủ tục hành chính", "Công chức Tư pháp - Hộ tịch", "", "Quý II/2023"],
    ["2", "Tuyên truyền cải cách hành chính", "Văn phòng HĐND-UBND", "", "Thường xuyên"],
]


def plan_text(rows=ROWS) -> str:
    lines = ["KẾ HOẠCH Cải cách hành chính năm 2023", "\t".join(HEADER)]
    lines += ["\t".join(row) for row in rows]
    return "\r\n".join(lines) + "\r\n"


def write_zip(path, members: dict[str, tuple[bytes, int, int]]) -> None:
    """A zip from raw deflate streams: name -> (stream, crc32, uncompressed size)."""
    local, central = bytearray(), bytearray()
    for name, (stream, crc, size) in members.items():
        encoded = name.encode()
        fields = (20, 0, 8, 0, 0, crc, len(stream), size, len(encoded), 0)
        central += struct.pack("<IH", 0x02014B50, 20) + struct.pack("<HHHHHIIIHH", *fields)
        central += struct.pack("<HHHII", 0, 0, 0, 0, len(local)) + encoded
        local += struct.pack("<I", 0x04034B50) + struct.pack("<HHHHHIIIHH", *fields)
        local += encoded + stream
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central),
                      len(local), 0)
    path.write_bytes(bytes(local + central + end))


def deflated(data: bytes) -> tuple[bytes, int, int]:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(), zlib.crc32(data), len(data)


def zip_bomb(path):
    """A real, valid .docx of about 1.5 MB whose document.xml inflates to 1.5 GB of spaces."""
    with zipfile.ZipFile(SAMPLE_DOCX) as sample:
        members = {m.filename: deflated(sample.read(m)) for m in sample.infolist()
                   if m.filename != "word/document.xml"}
    head = (b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>')
    tail = b"</w:t></w:r></w:p></w:body></w:document>"
    chunk, copies = b" " * (16 * 1024 * 1024), 96
    # After a full flush the compressor starts afresh, so one compressed chunk repeats as is.
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    opening = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    closing = packer.compress(tail) + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(copies):
        crc = zlib.crc32(chunk, crc)
    members["word/document.xml"] = (opening + block * copies + closing, zlib.crc32(tail, crc),
                                    len(head) + len(chunk) * copies + len(tail))
    write_zip(path, members)
    return path


def test_the_zip_bomb_is_a_valid_docx(tmp_path):
    with zipfile.ZipFile(zip_bomb(tmp_path / "bom.docx")) as bomb:
        with bomb.open("word/document.xml") as xml:
            assert xml.read(200).startswith(b'<?xml version="1.0"?><w:document')
        assert bomb.getinfo("word/document.xml").file_size > 1.5e9


def test_a_zip_bomb_docx_is_refused_from_its_directory_without_inflating_it(tmp_path, config,
                                                                             capsys):
    path = zip_bomb(tmp_path / "bom.docx")
    assert path.stat().st_size < 2 * 1024 * 1024
    tracemalloc.start()
    code = cli.cmd_import(config, path, year=None, unit=None, dry_run=True, as_json=False,
                          now=NOW, out=io.StringIO())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert code == 2
    err = capsys.readouterr().err
    assert "khi giải nén quá lớn" in err and "Traceback" not in err
    assert peak < 20 * 1024 * 1024


@pytest.mark.parametrize("limit, value", [
    ("MAX_ZIP_MEMBERS", 5), ("MAX_UNZIPPED_BYTES", 10_000), ("MAX_MEMBER_BYTES", 10_000),
])
def test_each_zip_limit_refuses_a_file_beyond_it(limit, value, monkeypatch):
    read_document(SAMPLE_DOCX)
    monkeypatch.setattr(tables, limit, value)
    with pytest.raises(PlanError) as refused:
        read_document(SAMPLE_DOCX)
    assert refused.value.code == "zip_too_big"


def broken_xml_docx(path):
    with zipfile.ZipFile(SAMPLE_DOCX) as sample, zipfile.ZipFile(path, "w") as broken:
        for member in sample.infolist():
            data = sample.read(member)
            if member.filename == "word/document.xml":
                data = data[: len(data) // 2]
            broken.writestr(member, data)
    return path


def broken_xml_xlsx(path):
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    source = path.with_name("good.xlsx")
    book.save(source)
    with zipfile.ZipFile(source) as good, zipfile.ZipFile(path, "w") as broken:
        for member in good.infolist():
            data = good.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b"<row><c>")
            broken.writestr(member, data)
    return path


def truncated_docx(path):
    path.write_bytes(SAMPLE_DOCX.read_bytes()[:20_000])
    return path


def text_as_xlsx(path):
    path.write_text("không phải bảng tính", encoding="utf-8")
    return path


@pytest.mark.parametrize("make, message", [
    (broken_xml_docx, "Tệp Word bad.docx bị hỏng"),
    (truncated_docx, "Tệp Word bad.docx bị hỏng"),
    (broken_xml_xlsx, "Tệp Excel bad.xlsx bị hỏng"),
    (text_as_xlsx, "Tệp Excel bad.xlsx bị hỏng"),
], ids=["bad-xml-docx", "truncated-docx", "bad-xml-xlsx", "not-a-zip-xlsx"])
def test_a_broken_office_file_gets_the_usual_message(make, message, tmp_path):
    suffix = ".xlsx" if "xlsx" in make.__name__ else ".docx"
    with pytest.raises(PlanError) as refused:
        read_document(make(tmp_path / f"bad{suffix}"))
    assert str(refused.value).startswith(message)


# ------------------------------------------------------------------ control characters

def test_control_characters_leave_every_cell_but_tabs_and_line_breaks_stay():
    assert tables.clean_text("Rà\x00 soát\x07 thủ\x1b tục\x7f\x85\nhành\tchính") == (
        "Rà soát thủ tục\nhành chính")


def nul_docx(path):
    # XML has no NUL; C1 controls are legal XML, and converters leave them behind.
    word = docx.Document()
    word.add_paragraph("KẾ HOẠCH Cải cách hành chính năm 2023")
    table = word.add_table(rows=0, cols=len(HEADER))
    rows = [[value.replace("Rà soát", "Rà\u009f soát").replace("Quý II", "Quý\u0080 II")
             for value in row] for row in ROWS]
    for values in (HEADER, *rows):
        for cell, value in zip(table.add_row().cells, values):
            cell.text = value
    word.save(str(path))
    return path


def nul_txt(path):
    path.write_bytes(plan_text().replace("Rà soát", "Rà\x00 soát").encode("utf-8"))
    return path


def nul_xlsx(path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["KẾ HOẠCH Cải cách hành chính năm 2023"])
    for row in (HEADER, *ROWS):
        sheet.append(row)
    book.save(path)
    # openpyxl refuses to write control characters; XML allows C1 ones, so put them in.
    with zipfile.ZipFile(path) as good:
        parts = {m.filename: good.read(m) for m in good.infolist()}
    name = "xl/worksheets/sheet1.xml"
    parts[name] = parts[name].replace(b"R&#224; so&#225;t", b"R&#224;&#159;&#128; so&#225;t")
    with zipfile.ZipFile(path, "w") as out:
        for part, data in parts.items():
            out.writestr(part, data)
    return path


@pytest.mark.parametrize("make", [nul_txt, nul_xlsx, nul_docx], ids=["txt", "xlsx", "docx"])
def test_a_nul_in_a_cell_is_dropped_and_the_plan_is_stored(make, tmp_path, config, db_url,
                                                           caplog):
    config = config.model_copy(update={"database": config.database.model_copy(update={"url": db_url})})
    suffix = make.__name__.split("_")[1]
    path = make(tmp_path / f"ke-hoach.{suffix}")
    out = io.StringIO()
    code = cli.cmd_import(config, path, year=None, unit=None, dry_run=False, as_json=False,
                          now=NOW, out=out)
    assert code == 0, out.getvalue()
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        items = session.scalars(select(Item).order_by(Item.position)).all()
        assert [item.title for item in items] == ["Rà soát thủ tục hành chính",
                                                   "Tuyên truyền cải cách hành chính"]
        assert items[0].deadline_text == "Quý II/2023"
    engine.dispose()


def test_a_failed_statement_shows_no_sql_parameters(db_url, caplog):
    engine = make_engine(db_url)
    upgrade(engine)
    secret = "Bí mật của người dùng"
    with caplog.at_level(logging.DEBUG), pytest.raises(Exception) as failed:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO unit (id, name) VALUES (:id, :name)"),
                               [{"id": 1, "name": secret}, {"id": 1, "name": secret}])
    assert secret not in str(failed.value)
    assert secret not in caplog.text
    engine.dispose()


# ------------------------------------------------------------------ encodings

_TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(value: str) -> bytes:
    """Windows-1258 as Vietnamese Windows writes it: base letters plus combining tone marks."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", value):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            split = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in split if c not in _TONES))
            out += (base + "".join(c for c in split if c in _TONES)).encode("cp1258")
    return bytes(out)


ENCODED = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8-bom": lambda t: t.encode("utf-8-sig"),
    "utf-16-le-bom": lambda t: t.encode("utf-16"),  # Excel's "Unicode Text"
    "utf-16-le": lambda t: t.encode("utf-16-le"),
    "utf-16-be-bom": lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
    "utf-16-be": lambda t: t.encode("utf-16-be"),
    "cp1258": cp1258,
}


@pytest.mark.parametrize("encoding", ENCODED)
def test_a_text_export_is_read_in_its_encoding(encoding):
    document = tables.read_text(ENCODED[encoding](plan_text()), "ke-hoach.txt")
    plan = interpret(document)
    assert [(i.title, i.owners) for i in plan.items] == [
        ("Rà soát thủ tục hành chính", ["Công chức Tư pháp - Hộ tịch"]),
        ("Tuyên truyền cải cách hành chính", ["Văn phòng HĐND-UBND"]),
    ]
    assert plan.year == 2023


def test_the_whole_sample_reads_the_same_from_utf16_and_from_utf8():
    sample = SAMPLE_TXT.read_text(encoding="utf-8")
    utf16 = interpret(tables.read_text(sample.encode("utf-16"), "mau.txt"))
    utf8 = interpret(tables.read_text(sample.encode("utf-8"), "mau.txt"))
    assert [i.as_json() for i in utf16.items] == [i.as_json() for i in utf8.items]
    assert len(utf8.items) == 46


@pytest.mark.parametrize("line", [
    "Công chức Tư pháp - Hộ tịch\tQuý II/2023",
    "Thường xuyên",
    "Văn phòng",
    "Hằng năm",
])
def test_a_small_windows_1258_file_is_read_as_vietnamese(line):
    assert tables.decode_text(cp1258(line)) == line


def test_a_windows_1252_export_keeps_its_western_letters():
    # Notepad's "ANSI" on a Western Windows keeps what Latin-1 has and turns the rest to "?".
    line = "Phòng Văn hóa - Thông tin\tSở Nội vụ\tQuý IV/2023"
    data = line.encode("cp1252", errors="replace")
    assert tables.decode_text(data) == "Phòng V?n hóa - Thông tin\tS? N?i v?\tQuý IV/2023"


def test_binary_data_named_txt_is_not_text():
    with pytest.raises(PlanError) as refused:
        tables.read_text(bytes(range(256)) * 64, "anh.txt")
    assert refused.value.code == "not_text"


# ------------------------------------------------------------------ "khi"

def test_a_deadline_with_khi_but_no_event_is_a_warning_not_an_event():
    rows = [ROWS[0][:4] + ["khi nào rảnh thì làm"], ROWS[1][:4] + ["Khi có hướng dẫn của huyện"]]
    plan = interpret(tables.read_text(plan_text(rows).encode(), "ke-hoach.txt"))
    assert [m.kind for item in plan.items for m in item.milestones] == ["none", "event"]
    assert [(w.code, w.item) for w in plan.warnings] == [("unparsed_deadline", "1")]
