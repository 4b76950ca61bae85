"""The reply language, table-driven: messages as people type them on a phone, and what they mean.

Every row runs through `read_reply`, and all rows at once through `python -m bot understand
--jsonl`, which must print the same answers.
"""

from __future__ import annotations

import json
import subprocess
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from bot.replies import INTENTS, read_reply

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2023, 3, 8)  # a Wednesday
YEAR = 2023
# The item codes of the writer's plans; a row may give others.
KNOWN = ("2.5", "2.8", "3.1", "3.4", "3.7", "3.10", "3.11", "3.31", "II.1")

THU, FRI, SAT, SUN = "2023-03-09", "2023-03-10", "2023-03-11", "2023-03-12"
NEXT_MON, NEXT_WED, NEXT_FRI = "2023-03-13", "2023-03-15", "2023-03-17"
END_OF_MONTH = "2023-03-31"


@dataclass(frozen=True)
class Row:
    text: str
    intent: str
    codes: tuple[str, ...] = ()
    percent: int | None = None
    date: str | None = None
    reason: str | None = None
    role: str = "official"
    today: date = TODAY
    known: tuple[str, ...] = KNOWN
    choice: int | None = None
    expected: dict = field(init=False, compare=False)

    def __post_init__(self):
        expected = {"intent": self.intent, "codes": list(self.codes), "percent": self.percent,
                    "date": self.date, "reason": self.reason}
        if self.intent == "choice":
            expected["choice"] = self.choice
        object.__setattr__(self, "expected", expected)


def R(text, intent, codes="", percent=None, date=None, reason=None, **extra) -> Row:  # noqa: N802
    return Row(text, intent, tuple(c for c in codes.split() if c), percent, date, reason, **extra)


def chair(text, intent, codes="", percent=None, date=None, reason=None, **extra) -> Row:
    return R(text, intent, codes, percent, date, reason, role="chairman", **extra)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


ROWS = [
    # --- done: it is finished
    R("xong", "done"),
    R("đã xong", "done"),
    R("xong rồi", "done"),
    R("xong r", "done"),
    R("xong roi", "done"),
    R("xog r", "done"),
    R("xonh roi a", "done"),
    R("ok xong r", "done"),
    R("Ok xong rui", "done"),
    R("ok xong", "done"),
    R("oke xong", "done"),
    R("xong ạ", "done"),
    R("xong a", "done"),
    R("xong nhé", "done"),
    R("xong nha", "done"),
    R("dạ xong rồi ạ", "done"),
    R("da xong roi a", "done"),
    R("em xong rồi", "done"),
    R("e xong r", "done"),
    R("hoàn thành", "done"),
    R("đã hoàn thành", "done"),
    R("da hoan thanh", "done"),
    R("hoàn tất", "done"),
    R("đã hoàn tất", "done"),
    R("done", "done"),
    R("XONG", "done"),
    R("đã làm xong", "done"),
    R("làm xong hết rồi ạ", "done"),
    R("lam xong het r", "done"),
    R("đã thực hiện xong 3.7", "done", "3.7"),
    R("xong 3.7", "done", "3.7"),
    R("3.7 xong", "done", "3.7"),
    R("3.7 đã hoàn thành", "done", "3.7"),
    R("ĐÃ HOÀN THÀNH 3.7", "done", "3.7"),
    R("Xong cả 3.7 và 3.10", "done", "3.7 3.10"),
    R("3.7,3.10 xong", "done", "3.7 3.10"),
    R("3.7 và 3.10 đều xong rồi ạ", "done", "3.7 3.10"),
    R("xong 3.1", "done", "3.1"),
    R("3.4 xong r a", "done", "3.4"),
    R("✅ 3.4", "done", "3.4"),
    R("✅", "done"),
    R("3.10 ✅", "done", "3.10"),
    R("xong 👍", "done"),
    R("3.7 xong 👍👍", "done", "3.7"),
    R(nfd("đã xong"), "done"),
    R(nfd("Đã hoàn thành 3.10 rồi ạ"), "done", "3.10"),
    R("   đã    xong   ", "done"),
    R("xong   3.7 .", "done", "3.7"),
    R("dạ em báo cáo đã xong ạ", "done"),
    R("Báo cáo anh: 3.7 em đã hoàn thành rồi ạ", "done", "3.7"),
    R("II.1 xong", "done", "II.1"),
    R("ii.1 xong", "done", "II.1"),
    R("mục 2 xong", "done", "2"),
    R("hoàn thành 100%", "done", percent=100),
    R("xong 100% r", "done", percent=100),
    R("xong rồi, đã gửi huyện", "done", reason="đã gửi huyện"),
    R("xong. cảm ơn", "done"),
    R("hoàn thành 3.7 lúc 8.30", "done", "3.7", reason="lúc 8.30"),
    R("đã gửi bc lên huyện", "done", reason="đã gửi bc lên huyện"),
    R("da gui bc len huyen", "done", reason="da gui bc len huyen"),
    R("ok đã gửi báo cáo", "done", reason="đã gửi báo cáo"),
    R("đã gửi báo cáo lên huyện", "done", reason="đã gửi báo cáo lên huyện"),
    R("3.7 đã gửi bản mềm qua email", "done", "3.7", reason="đã gửi bản mềm qua email"),
    R("em nộp hồ sơ rồi ạ", "done", reason="nộp hồ sơ rồi"),
    R("nop hs r", "done", reason="nop hs r"),
    R("gửi rồi nhé", "done", reason="gửi rồi"),
    R("đã ký", "done", reason="đã ký"),
    R("3.31 đã ban hành quyết định", "done", "3.31", reason="đã ban hành quyết định"),
    R("đã tổ chức hội nghị xong", "done"),
    R("xong hôm qua", "done", reason="hôm qua"),
    R("13/2 xong", "done"),
    R("em xong từ hôm thứ 2 rồi", "done", reason="từ hôm thứ 2 rồi"),
    R("xong từ tuần trước", "done", reason="từ tuần trước"),
    R("tuần trước đã gửi", "done", reason="đã gửi"),
    R("khi nào xong em báo", "promise"),
    R("xong thì em báo", "promise"),
    R("nếu xong em sẽ báo ạ", "promise"),
    R("xong 3.1 ngày 5/3", "done", "3.1", reason="ngày 5/3"),
    R("đã xong, tuần sau em gửi bản ký", "unknown"),
    R("em làm rồi", "done"),
    R("đã gửi 3.1 qua email", "done", "3.1", reason="đã gửi 3.1 qua email"),
    R("đã thực hiện", "done"),
    R("e gui bc r nhe", "done", reason="gui bc r"),
    R("đã nộp 3.7", "done", "3.7", reason="đã nộp"),
    R("3.7 hoàn thành, 3.10 hoàn thành", "done", "3.7 3.10"),
    R("hôm qua em gửi rồi", "done", reason="gửi rồi"),
    R("gửi hôm 5/3 rồi", "done", reason="gửi hôm 5/3 rồi"),
    R("chuyển văn thư rồi", "done", reason="chuyển văn thư rồi"),
    # --- progress: being worked on, with the percent when given
    R("đang làm", "progress"),
    R("dang lam", "progress"),
    R("dag lam", "progress"),
    R("đang làm 40%", "progress", percent=40),
    R("dang lam 40%", "progress", percent=40),
    R("dang lam 50%", "progress", percent=50),
    R("đang làm 50%", "progress", percent=50),
    R("đang làm, 50%", "progress", percent=50),
    R("đang thực hiện", "progress"),
    R("đang triển khai được 70%", "progress", percent=70),
    R("DANG TRIEN KHAI 70 %", "progress", percent=70),
    R("được 30%", "progress", percent=30),
    R("dc 30%", "progress", percent=30),
    R("50%", "progress", percent=50),
    R("được 50 phần trăm", "progress", percent=50),
    R("làm được khoảng nửa", "progress", percent=50),
    R("lam dc khoang nua", "progress", percent=50),
    R("đã làm được một nửa", "progress", percent=50),
    R("được một nửa rồi", "progress", percent=50),
    R("mới được 1/4", "progress", percent=25),
    R("moi dc 1/4", "progress", percent=25),
    R("được khoảng 3/4", "progress", percent=75),
    R("mới được một phần tư", "progress", percent=25),
    R("gần xong", "progress"),
    R("gan xong r", "progress"),
    R("gần xong rồi anh ạ", "progress"),
    R("đang soạn dự thảo", "progress", reason="soạn dự thảo"),
    R("Dạ em đang hoàn thiện dự thảo", "progress", reason="hoàn thiện dự thảo"),
    R("3.7 đang làm 40%", "progress", "3.7", 40),
    R("3.7: 60%", "progress", "3.7", 60),
    R("3.10 đang làm được 60% ạ", "progress", "3.10", 60),
    R("3.4 dc 80% r", "progress", "3.4", 80),
    R("3.4 làm được 60% rồi ạ", "progress", "3.4", 60),
    R("đang làm 50%, chờ ký", "progress", percent=50, reason="chờ ký"),
    R("xong 80%", "progress", percent=80),
    R("150%", "progress"),
    R("xong 150%", "progress"),
    R("chưa xong, mới được 30%", "progress", percent=30),
    R("đã bắt đầu làm", "progress"),
    R("vừa bắt đầu", "progress"),
    # --- not yet: not done, with the reason; waiting is not progress
    R("chưa", "not_yet"),
    R("chua", "not_yet"),
    R("chx", "not_yet"),
    R("chưa làm", "not_yet"),
    R("chưa xong", "not_yet"),
    R("chua xong a", "not_yet"),
    R("chưa, chờ huyện", "not_yet", reason="chờ huyện"),
    R("chua, cho huyen", "not_yet", reason="cho huyen"),
    R("chưa, đợi văn bản của huyện", "not_yet", reason="đợi văn bản của huyện"),
    R("chua, doi van ban cua huyen", "not_yet", reason="doi van ban cua huyen"),
    R("còn chờ số liệu thống kê", "not_yet", reason="chờ số liệu thống kê"),
    R("con cho so lieu thong ke", "not_yet", reason="cho so lieu thong ke"),
    R("đang chờ huyện duyệt", "not_yet", reason="chờ huyện duyệt"),
    R("dang doi ky", "not_yet", reason="doi ky"),
    R("chưa có hướng dẫn của huyện", "not_yet", reason="chưa có hướng dẫn của huyện"),
    R("chưa làm được vì thiếu kinh phí", "not_yet", reason="thiếu kinh phí"),
    R("chua lam duoc vi thieu kinh phi", "not_yet", reason="thieu kinh phi"),
    R("chưa làm dc vì thiếu kp", "not_yet", reason="thiếu kp"),
    R("vẫn chưa", "not_yet"),
    R("chưa bắt đầu", "not_yet"),
    R("chưa xong đâu", "not_yet"),
    R("dạ chưa ạ", "not_yet"),
    R("Chưa làm được gì cả", "not_yet"),
    R("chưa làm đâu, đang chờ kinh phí", "not_yet", reason="đang chờ kinh phí"),
    R("vẫn chưa có kinh phí anh ạ", "not_yet", reason="chưa có kinh phí"),
    R("chưa xong, còn thiếu hồ sơ của 2 thôn", "not_yet", reason="thiếu hồ sơ của 2 thôn"),
    R("chưa, đợi họp", "not_yet", reason="đợi họp"),
    R("không kịp", "not_yet"),
    R("ko kịp", "not_yet"),
    R("k kip a", "not_yet"),
    R("không làm được vì mưa bão", "not_yet", reason="mưa bão"),
    R("ko lam dc vi mua bao", "not_yet", reason="mua bao"),
    R("thiếu kinh phí nên chưa làm được", "not_yet", reason="thiếu kinh phí"),
    R("mục II.1 chưa làm", "not_yet", "II.1"),
    R("3.1 chưa xong", "not_yet", "3.1"),
    R("chưa đâu anh ơi, đang đợi xã bên", "not_yet", reason="đang đợi xã bên"),
    R("3.10 chờ ký", "not_yet", "3.10", reason="chờ ký"),
    R("đợi chủ tịch ký", "not_yet", reason="đợi chủ tịch ký"),
    R("e chua lam dc", "not_yet"),
    R(nfd("CHƯA,   chờ   Huyện 🙏"), "not_yet", reason="chờ Huyện"),
    # --- promise: it will be finished, with that day when given; never done
    R("tuần sau xong", "promise", date=NEXT_FRI),
    R("tuan sau xong", "promise", date=NEXT_FRI),
    R("tuần tới là xong", "promise", date=NEXT_FRI),
    R("tuan toi la xong a", "promise", date=NEXT_FRI),
    R("3.1 tuần sau xong", "promise", "3.1", date=NEXT_FRI),
    R("mai em làm", "promise", date=THU),
    R("mai e lam", "promise", date=THU),
    R("mai em xong", "promise", date=THU),
    R("sáng mai em gửi", "promise", date=THU),
    R("sang mai e gui", "promise", date=THU),
    R("chiều mai em nộp bc", "promise", date=THU),
    R("tối nay em xong", "promise", date="2023-03-08"),
    R("toi nay e xong nhe", "promise", date="2023-03-08"),
    R("hôm nay em gửi", "promise", date="2023-03-08"),
    R("thứ 5 này nộp", "promise", date=THU),
    R("thu 5 nay nop", "promise", date=THU),
    R("t5 nộp ạ", "promise", date=THU),
    R("thứ 6 này em xong", "promise", date=FRI),
    R("thứ sáu tuần sau em gửi", "promise", date=NEXT_FRI),
    R("thứ 2 tuần sau nộp", "promise", date=NEXT_MON),
    R("trước cuối tháng em xong", "promise", date=END_OF_MONTH),
    R("truoc cuoi thang e xong", "promise", date=END_OF_MONTH),
    R("cuối tuần em gửi", "promise", date=FRI),
    R("sắp xong", "promise"),
    R("sap xong r", "promise"),
    R("sắp xong rồi ạ", "promise"),
    R("sẽ hoàn thành", "promise"),
    R("em sẽ gửi sớm", "promise"),
    R("sẽ xong trước 15/3", "promise", date="2023-03-15"),
    R("se xong truoc 15/3", "promise", date="2023-03-15"),
    R("3 ngày nữa em xong", "promise", date=SAT),
    R("2 hôm nữa e gửi", "promise", date="2023-03-10"),
    R("mùng 8 Tết em gửi", "promise", date="2024-02-17"),
    R("mung 8 tet e gui", "promise", date="2024-02-17"),
    R("trước Tết em xong", "promise", date="2024-02-09"),
    R("sau Tết em làm nhé", "promise"),
    R("vài hôm nữa em gửi", "promise"),
    R("3.4 tuần sau xong", "promise", "3.4", date=NEXT_FRI),
    R("3.7 thứ 6 xong", "promise", "3.7", date=FRI),
    R("đang làm 50%, thứ 6 xong", "promise", percent=50, date=FRI),
    R("đang làm, dự kiến cuối tháng xong", "promise", date=END_OF_MONTH),
    R("em đang ốm, tuần sau em làm", "promise", date=NEXT_FRI),
    R("mai em gui bc 3.1", "promise", "3.1", date=THU),
    R("chưa xong, tuần sau xong", "promise", date=NEXT_FRI),
    R("chưa, mai em làm", "promise", date=THU),
    R("tuần sau họp sẽ báo cáo", "promise", date=NEXT_FRI),
    R("để em gửi", "promise"),
    R("xong 15/3", "promise", date="2023-03-15"),
    R("gửi 20/3", "promise", date="2023-03-20"),
    R("tháng sau xong", "promise", date="2023-04-30"),
    R("đầu tuần sau em gửi", "promise", date=NEXT_MON),
    R("trong tuần em xong", "promise", date=FRI),
    R("dự kiến thứ 6 xong", "promise", date=FRI),
    R("ngày kia em xong", "promise", date=FRI),
    R("đến 20/3 xong", "promise", date="2023-03-20"),
    # --- extend: move the deadline, with the new day and the reason
    R("gia hạn 15/3", "extend", date="2023-03-15"),
    R("gia han 15/3", "extend", date="2023-03-15"),
    R("gia hạn đến 15/3", "extend", date="2023-03-15"),
    R("gia hạn 3.1 15/3", "extend", "3.1", date="2023-03-15"),
    R("gia han 3.1 15/3", "extend", "3.1", date="2023-03-15"),
    R("gia hạn 3.4 15/12", "extend", "3.4", date="2023-12-15"),
    R("gia hạn 3.4 đến 15/12", "extend", "3.4", date="2023-12-15"),
    R("gia hạn 3.12 15/3", "extend", "3.12", date="2023-03-15"),
    R("gia hạn 3.1 cuối tháng", "extend", "3.1", date=END_OF_MONTH),
    R("lùi 3.11 tới 20.1.2024", "extend", "3.11", date="2024-01-20"),
    R("lui 3.11 toi 20.1.2024", "extend", "3.11", date="2024-01-20"),
    R("gia hạn 3.1", "extend", "3.1"),
    R("gia hạn 3.5 15/4", "extend", "3.5", date="2023-04-15", known=()),
    R("gia hạn 3.5", "extend", date="2023-05-03", known=()),
    R("xin gia hạn đến ngày 15/3/2023", "extend", date="2023-03-15"),
    R("xin lùi đến thứ sáu tuần sau", "extend", date=NEXT_FRI),
    R("xin gia han den thu 6 tuan sau", "extend", date=NEXT_FRI),
    R("gia hạn 2 tuần", "extend", date="2023-03-22"),
    R("xin thêm 1 tuần", "extend", date="2023-03-15"),
    R("xin gia hạn thêm 1 tuần", "extend", date="2023-03-15"),
    R("cho em lùi sang 20/4 vì chờ số liệu", "extend", date="2023-04-20", reason="chờ số liệu"),
    R("cho e lui sang 20/4 vi cho so lieu", "extend", date="2023-04-20", reason="cho so lieu"),
    R("gia hạn 15/3 vì chờ số liệu", "extend", date="2023-03-15", reason="chờ số liệu"),
    R("3.7 gia hạn 30/4", "extend", "3.7", date="2023-04-30"),
    R("gia hạn 3.7 đến 30/4", "extend", "3.7", date="2023-04-30"),
    R("xin hoãn đến cuối tháng", "extend", date=END_OF_MONTH),
    R("keo dai den cuoi thang", "extend", date=END_OF_MONTH),
    R("cho em gia han den cuoi thang", "extend", date=END_OF_MONTH),
    R("dời lại 2 tuần", "extend", date="2023-03-22"),
    R("em xin phép lùi sang tuần sau", "extend", date=NEXT_FRI),
    R("xin lùi sang tuần sau", "extend", date=NEXT_FRI),
    R("XIN GIA HẠN ĐẾN 20/4", "extend", date="2023-04-20"),
    R("gia hạn 15.3", "extend", date="2023-03-15"),
    R("gia hạn đến ngày 15.3", "extend", date="2023-03-15"),
    R("20/4 em xin lùi", "extend", date="2023-04-20"),
    R("xin gia hạn", "extend"),
    R("cho xin thêm ít hôm", "extend"),
    R("gia hạn 31/2", "extend"),
    R("xin gia hạn vì chờ số liệu", "extend", reason="chờ số liệu"),
    R("do chờ số liệu nên xin gia hạn 2 tuần", "extend", date="2023-03-22", reason="chờ số liệu"),
    R("chưa xong, xin gia hạn 2 tuần", "extend", date="2023-03-22"),
    R("Em xin gia hạn 3.7 sang ngày 30/4/2023 do chờ hướng dẫn của huyện ạ", "extend", "3.7",
      date="2023-04-30", reason="chờ hướng dẫn của huyện"),
    R("xin gia hạn 3.1 đến mùng 10 Tết", "extend", "3.1", date="2024-02-19"),
    R("xin lùi đến sau Tết", "extend"),
    R("gia hạn 15/1", "extend", date="2024-01-15"),
    R("gia hạn 15/1", "extend", date="2024-01-15", today=date(2023, 12, 20)),
    R("gia hạn đến 5/1", "extend", date="2024-01-05", today=date(2023, 12, 28)),
    R("gia hạn tới tháng 4", "extend", date="2023-04-30"),
    # --- snooze: remind me later, with the day when given
    R("để sau nhắc em", "snooze"),
    R("de sau nhac e", "snooze"),
    R("nhắc lại sau", "snooze"),
    R("nhac lai sau nhe", "snooze"),
    R("mai nhắc lại nhé", "snooze", date=THU),
    R("mai nhac lai nha", "snooze", date=THU),
    R("thứ 2 nhắc em", "snooze", date=NEXT_MON),
    R("t2 nhac e", "snooze", date=NEXT_MON),
    R("tuần sau nhắc em", "snooze", date=NEXT_MON),
    R("nhắc em sau 3 ngày", "snooze", date=SAT),
    R("đang họp, nhắc em sau", "snooze"),
    R("bận, để sau", "snooze"),
    R("đừng nhắc nữa, không cần nhắc em", "note"),
    R("chưa làm, mai nhắc lại", "snooze", date=THU),
    R("3.7 thứ 6 nhắc lại", "snooze", "3.7", date=FRI),
    R("nhắc em vào thứ 6", "snooze", date=FRI),
    R("lát nhắc em", "snooze"),
    # --- undo: the previous answer was a mistake
    R("nhầm rồi", "undo"),
    R("nham roi", "undo"),
    R("bấm nhầm ạ", "undo"),
    R("bam nham a", "undo"),
    R("chưa xong đâu, em gõ nhầm", "undo"),
    R("nhầm rồi, 3.1 chưa xong", "undo", "3.1"),
    R("gõ lộn", "undo"),
    R("lộn rồi", "undo"),
    R("huỷ", "undo"),
    R("hủy 3.7", "undo", "3.7"),
    R("sai rồi, chưa xong", "undo"),
    # --- help: how to use, what to type, which items are mine; nothing is stored
    R("help", "help"),
    R("Help", "help"),
    R("?", "help"),
    R("??", "help"),
    R("hdsd", "help"),
    R("hướng dẫn", "help"),
    R("huong dan", "help"),
    R("hướng dẫn em với", "help"),
    R("việc nào?", "help"),
    R("việc nào nhỉ", "help"),
    R("viec nao nhi", "help"),
    R("em còn việc gì", "help"),
    R("e con viec gi", "help"),
    R("em còn việc gì chưa xong", "help"),
    R("việc của em", "help"),
    R("gõ gì bây giờ", "help"),
    R("làm sao để báo cáo", "help"),
    R("3.7 là việc gì", "help", "3.7"),
    R("danh sach viec", "help"),
    R("làm thế nào", "help"),
    R("3.10 het han chua a", "help", "3.10"),
    R("bao giờ phải nộp 3.10", "help", "3.10"),
    R("hạn 3.10 là ngày nào?", "help", "3.10"),
    chair("3.4 xong chưa em", "help", "3.4"),
    # --- approve / reject: a chairman's (or an admin's) word on an extension
    chair("duyệt", "approve"),
    chair("duyet", "approve"),
    chair("đồng ý", "approve"),
    chair("dong y", "approve"),
    chair("ok", "approve"),
    chair("👍", "approve"),
    chair("ok cho lùi", "approve"),
    chair("ok cho lui", "approve"),
    chair("đồng ý gia hạn 3.4", "approve", "3.4"),
    chair("dong y gia han 3.4", "approve", "3.4"),
    chair("duyệt 3.7", "approve", "3.7"),
    chair("duyệt 3.7 đến 30/4", "approve", "3.7", date="2023-04-30"),
    chair("cho gia hạn 3.1", "approve", "3.1"),
    chair("Anh đồng ý", "approve"),
    chair("được, cho lùi", "approve"),
    chair("3.4 duyệt", "approve", "3.4"),
    R("duyệt 3.7", "approve", "3.7", role="admin"),
    chair("không duyệt", "reject"),
    chair("ko duyet", "reject"),
    chair("không được, phải xong trước 20/12", "reject", reason="phải xong trước 20/12"),
    chair("k dc, phai xong truoc 20/12", "reject", reason="phai xong truoc 20/12"),
    chair("không duyệt 3.4 vì phải xong trước khi tổng kết năm", "reject", "3.4",
          reason="phải xong trước khi tổng kết năm"),
    chair("không đồng ý", "reject"),
    chair("không, phải xong đúng hạn", "reject", reason="phải xong đúng hạn"),
    chair("không đồng ý gia hạn 3.7 vì đã lùi 2 lần", "reject", "3.7", reason="đã lùi 2 lần"),
    chair("ko duyệt, lý do: cần xong trước Tết", "reject", reason="cần xong trước Tết"),
    chair("duyệt cho 3.4 lùi đến 20/12", "approve", "3.4", date="2023-12-20"),
    chair("từ chối 3.7", "reject", "3.7"),
    chair("tu choi vi can gap", "reject", reason="can gap"),
    chair("không cho lùi, cần báo cáo huyện", "reject", reason="cần báo cáo huyện"),
    chair("duyệt 3.4, không duyệt 3.7", "unknown", "3.4 3.7"),
    # A chairman's report on an item of their own is a report, not a decision.
    chair("đang chờ huyện duyệt", "not_yet", reason="chờ huyện duyệt"),
    chair("xong 3.1", "done", "3.1"),
    chair("cho em gia hạn 3.1 đến 20/3", "extend", "3.1", date="2023-03-20"),
    chair("xin gia hạn 15.3", "extend", date="2023-03-15"),
    # An official's "ok", "duyệt" or "đồng ý" approves nothing.
    R("ok", "unknown"),
    R("duyệt", "note"),
    R("đồng ý", "note"),
    R("👍", "unknown"),
    # --- note: information without a status
    R("in băng rôn hết 2.5 triệu", "note"),
    R("in bang ron het 2.5 trieu", "note"),
    R("mua văn phòng phẩm 1.5tr", "note"),
    R("tổng kinh phí 3.1 tỷ", "note"),
    R("ngày 15.3 họp", "note"),
    R("một nữa", "note"),
    R("huyện đổi mẫu báo cáo mới", "note"),
    R("em đã nhận được tin nhắc", "note"),
    R("3.5 tháng này đã công khai đủ 12 thủ tục mới", "note", "3.5"),
    R("3.7 có 12 hộ chưa nộp hồ sơ", "not_yet", "3.7", reason="chưa nộp hồ sơ"),
    R("3.7 đã gửi bản mềm, bản cứng gửi sau", "done", "3.7", reason="đã gửi bản mềm, bản cứng gửi sau"),
    # --- unknown: cannot tell, or two statuses in one message
    R("", "unknown"),
    R("   ", "unknown"),
    R("👍👍", "unknown"),
    R("...", "unknown"),
    R("chào bot", "unknown"),
    R("alo", "unknown"),
    R("rồi", "unknown"),
    R("cảm ơn bot", "unknown"),
    R("0", "unknown"),
    R("100", "unknown"),
    R("3.7", "unknown", "3.7"),
    R("2.8", "unknown", "2.8"),
    R("3.7 ok", "unknown", "3.7"),
    R("15.3.2023", "unknown"),
    R("xong 3.7 còn 3.10 đang làm", "unknown", "3.7 3.10"),
    R("đã hoàn thành 3.7, đang làm 3.10", "unknown", "3.7 3.10"),
    R("3.7 chưa, 3.10 xong", "unknown", "3.7 3.10"),
    R("xong 3.7, 3.10 mới 50%", "unknown", "3.7 3.10", 50),
    R("xong 3.1, 3.4 tuần sau xong", "unknown", "3.1 3.4"),
    R("3.1 được 30%, 3.4 được 60%", "unknown", "3.1 3.4", 30),
    # --- choice: a lone number answers the numbered list the bot sent
    R("2", "choice", choice=2),
    R("số 2", "choice", choice=2),
    R("#2", "choice", choice=2),
    R("2.", "choice", choice=2),
    R(" 2 ", "choice", choice=2),
    R("2 ạ", "choice", choice=2),
    R("chọn 3", "choice", choice=3),
    R("số 12", "choice", choice=12),
    R("99", "choice", choice=99),
    R("1", "choice", choice=1),
]


def test_the_table_is_big_and_covers_every_intent():
    assert len(ROWS) >= 250
    assert {row.intent for row in ROWS} == set(INTENTS)
    assert len({(row.text, row.role, row.today, row.known) for row in ROWS}) == len(ROWS)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row.role[0]}:{row.text}")
def test_a_message_means_what_its_writer_meant(row):
    got = read_reply(row.text, row.today, year=YEAR, role=row.role, known_codes=row.known)
    assert got.as_json() == row.expected


def test_the_understand_command_gives_the_same_answers():
    requests = []
    for row in ROWS:
        request = {"text": row.text, "today": row.today.isoformat(), "role": row.role}
        if row.known != KNOWN:
            request["codes"] = list(row.known)
        requests.append(json.dumps(request, ensure_ascii=False))
    done = understand("--today", TODAY.isoformat(), "--year", str(YEAR), "--codes", ",".join(KNOWN),
                      "--jsonl", lines="\n".join(requests) + "\n")
    assert done.returncode == 0, done.stderr
    printed = [json.loads(line) for line in done.stdout.splitlines()]
    assert printed == [row.expected for row in ROWS]


def understand(*options: str, lines: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", "understand", *options], input=lines,
                          capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)


@pytest.mark.parametrize(("options", "codes", "day"), [
    ((), [], "2023-04-03"),
    (("--codes", "3.1,3.4"), ["3.4"], None),
])
def test_plain_lines_are_read_with_the_codes_given(options, codes, day):
    done = understand("--today", "2023-03-08", *options, lines="gia hạn 3.4\n")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"intent": "extend", "codes": codes, "percent": None,
                                       "date": day, "reason": None}


@pytest.mark.parametrize(("role", "intent"), [("official", "note"), ("chairman", "approve")])
def test_plain_lines_are_read_in_the_role_given(role, intent):
    done = understand("--today", "2023-03-08", "--role", role, lines="duyệt\n")
    assert json.loads(done.stdout)["intent"] == intent


def test_a_bad_jsonl_line_is_named_and_the_others_still_answered():
    done = understand("--today", "2023-03-08", "--jsonl",
                      lines='{"text": "xong"}\nnot json\n{"text": "xong", "today": "8/3"}\n'
                            '{"text": "duyệt", "role": "boss"}\n')
    assert done.returncode == 1
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert lines[0]["intent"] == "done"
    assert [list(line) for line in lines[1:]] == [["error"]] * 3
    assert "Dòng 2" in lines[1]["error"] and "today" in lines[2]["error"]
    assert "official" in lines[3]["error"]
