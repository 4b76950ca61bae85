"""Every text a user reads, in Vietnamese, in one place.

The office may want other wording; changing it here must not touch any logic.
Templates use str.format with named fields.
"""

from __future__ import annotations

from datetime import date

# ------------------------------------------------------------------ plan import

PLAN_ERRORS = {
    "file_missing": "Không tìm thấy tệp {path}.",
    "file_empty": "Tệp {path} rỗng.",
    "file_too_big": "Tệp {path} quá lớn ({size_mb:.1f} MB); giới hạn là {limit_mb} MB.",
    "unsupported_format": (
        "Không đọc được định dạng {suffix} của tệp {path}. "
        "Hãy dùng tệp Word (.docx, .doc), Excel (.xlsx), PDF hoặc văn bản (.txt)."
    ),
    "not_text": "Tệp {path} không phải là văn bản.",
    "corrupt_docx": "Tệp Word {path} bị hỏng hoặc không phải tệp .docx thật.",
    "corrupt_xlsx": "Tệp Excel {path} bị hỏng hoặc không phải tệp .xlsx thật.",
    "pdf_scanned": (
        "Tệp PDF này là ảnh chụp, chưa có chữ để đọc; hãy gửi tệp Word hoặc PDF gốc."
    ),
    "pdf_too_long": "Tệp PDF {path} có {pages} trang, quá dài so với một kế hoạch (tối đa {limit}).",
    "corrupt_pdf": "Tệp PDF {path} bị hỏng hoặc không mở được; hãy gửi tệp Word hoặc PDF gốc.",
    "doc_needs_soffice": (
        "Máy chủ chưa cài LibreOffice nên chưa đọc được tệp Word cũ {path} (.doc). Hãy mở tệp bằng "
        "Word, chọn Tệp > Lưu thành > \"Tài liệu Word (*.docx)\" rồi gửi tệp .docx."
    ),
    "corrupt_doc": (
        "Không chuyển được tệp Word cũ {path} (.doc); hãy mở bằng Word, lưu thành .docx rồi gửi lại."
    ),
    "zip_too_big": (
        "Tệp {path} khi giải nén quá lớn so với một kế hoạch, có thể là tệp hỏng hoặc độc hại; "
        "hãy mở bằng Word hoặc Excel, lưu lại rồi gửi lại."
    ),
    "no_table": (
        "Không tìm thấy bảng nhiệm vụ trong {path}: cần một bảng có các cột "
        "Nội dung/Nhiệm vụ, Chủ trì và Thời gian thực hiện."
    ),
    "no_deadline_column": "Bảng nhiệm vụ trong {path} không có cột thời hạn (Thời gian thực hiện).",
    "no_owner_column": "Bảng nhiệm vụ trong {path} không có cột đơn vị chủ trì (Chủ trì).",
    "no_items": "Bảng nhiệm vụ trong {path} không có nhiệm vụ nào.",
    "no_year": "Không xác định được năm của kế hoạch {path}; hãy chỉ rõ bằng --year.",
    "unknown_unit": "Chưa khai báo đơn vị {unit} trong config.toml.",
    "no_conflict": "Mục {item} của kế hoạch số {plan} không có thời hạn nào đang chờ văn phòng quyết định.",
    "nothing_approved": (
        "Mục {item} chưa có gia hạn nào được duyệt, nên không có quyết định để giữ: "
        "chọn «document» (theo tệp) hoặc chờ Chủ tịch duyệt."
    ),
    "unknown_plan": "Không có kế hoạch «{plan}» đang theo dõi (xem: python3 run.py plan list).",
    "ambiguous_plan": "«{plan}» ứng với nhiều kế hoạch: {plans}. Hãy dùng số kế hoạch.",
}

WARNINGS = {
    "unparsed_deadline": (
        "không hiểu thời hạn \"{text}\" ở ô Thời gian thực hiện. Cách sửa: viết lại ô đó theo "
        "một trong các cách \"Trước 30/6/2023\", \"Tháng 3/2023\", \"Quý II/2023\", "
        "\"Năm 2023\", \"Thường xuyên\", \"Hằng tháng\", \"Sau khi có …\" rồi nhập lại"
    ),
    "year_guessed": (
        "không thấy năm của kế hoạch (dòng \"…, ngày … tháng … năm …\"); lấy năm {year} theo "
        "các thời hạn, nếu sai hãy nhập lại với --year"
    ),
    "bad_deadline": (
        "thời hạn sai \"{text}\": {reason}. Cách sửa: sửa ngày ở ô Thời gian thực hiện "
        "(ví dụ \"Trước 30/6/2023\") rồi nhập lại"
    ),
    "unknown_owner": (
        "\"{name}\" không khớp vai trò nào; tạm chuyển cho {routed_to}. Cách sửa: trong "
        "config.toml, thêm \"{name}\" vào aliases của vai trò \"{role}\" (hoặc của vai trò "
        "đúng) rồi nhập lại"
    ),
    "no_owner": "không có đơn vị chủ trì; chuyển cho {routed_to}",
    "filled_down": "ô {column} trống, lấy theo dòng trên: {value}",
    "shifted_row": "dòng bị lệch một cột sang phải, đã sửa",
    "continuation": "nối phần chữ bị ngắt sang dòng này vào {column}",
    "row_ignored": "bỏ qua dòng không thuộc nhiệm vụ nào: \"{text}\"",
    "task_without_items": "nhiệm vụ không có hoạt động và không có thời hạn: \"{text}\"",
    "duplicate_code": "mã bị trùng {count} lần; đã thêm số mục để phân biệt",
}

COLUMN_NAMES = {
    "owner": "Chủ trì", "coordinator": "Phối hợp", "objective": "Mục tiêu",
    "task": "Nhiệm vụ", "activity": "Hoạt động", "data": "các cột còn lại",
    "product": "Sản phẩm", "deadline": "Thời gian thực hiện", "budget": "Kinh phí",
}

KIND_NAMES = {
    "date": "ngày", "month": "tháng", "quarter": "quý", "half": "6 tháng", "year": "năm",
    "ongoing": "thường xuyên", "recurring": "định kỳ", "event": "theo sự kiện", "none": "không có hạn",
}


def plan_error(code: str, params: dict[str, object]) -> str:
    return PLAN_ERRORS.get(code, "Lỗi khi đọc kế hoạch ({code}).").format(code=code, **params)


def warning_text(code: str, line: int | None, item: str | None, params: dict[str, object]) -> str:
    shown = dict(params)
    if "column" in shown:
        shown["column"] = COLUMN_NAMES.get(str(shown["column"]), shown["column"])
    body = WARNINGS.get(code, code).format(**shown)
    where = []
    if line:
        where.append(f"dòng {line}")
    if item:
        where.append(f"mục {item}")
    return f"[{', '.join(where)}] {body}" if where else body


def show_date(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "—"


def milestone_text(label: str | None, kind: str, due: date | None) -> str:
    text = KIND_NAMES.get(kind, kind)
    if due:
        text = f"{text}, hạn {show_date(due)}"
    return f"{label}: {text}" if label else text


IMPORT_HEADER = "Kế hoạch: {title}\nĐơn vị: {unit}\nNăm: {year} · Ban hành: {issued} · Người ký: {signer}"
IMPORT_COUNTS = "{items} mục theo dõi, {milestones} mốc thời hạn, {sections} phần, {warnings} cảnh báo."
IMPORT_KINDS = "Theo loại thời hạn: {kinds}."
IMPORT_WARNINGS_TITLE = "Cảnh báo (kèm cách sửa):"
TABLE_CODE, TABLE_TASK, TABLE_OWNER, TABLE_DEADLINE = "Mã", "Nhiệm vụ", "Chủ trì", "Thời hạn"
IMPORT_DRY_RUN = "Chạy thử: chưa lưu gì vào cơ sở dữ liệu."
IMPORT_SAVED = (
    "Đã lưu kế hoạch (số {plan_id}): thêm {added}, cập nhật {updated}, giữ nguyên {unchanged}, "
    "không còn trong tệp {removed}, thời hạn chờ quyết định {conflicts}."
)
IMPORT_CHANGED = "Mục {code} thay đổi: {fields}."
IMPORT_REMOVED = "Mục {code} không còn trong tệp mới; giữ lại lịch sử, đánh dấu là đã bỏ."
IMPORT_FAILED = "Không nhập được kế hoạch: {reason}"
FIELD_NAMES = {
    "title": "tên", "owners": "chủ trì", "coordinators": "phối hợp",
    "deadline_text": "thời hạn", "product": "sản phẩm", "budget": "kinh phí",
    "section": "phần", "objective": "mục tiêu", "task": "nhiệm vụ",
    "removed": "có lại trong tệp mới",
    "roles": "người phụ trách", "milestones": "các mốc thời hạn",
}
IMPORT_CONFLICTS_TITLE = "Thời hạn trong tệp khác với quyết định đã có (giữ quyết định, chờ văn phòng chọn):"
IMPORT_CONFLICT = (
    "Mục {code}{label}: tệp ghi hạn {document} (trước đây {plan_due}), nhưng {decision}. "
    "Giữ hạn {due}. Chọn: python3 run.py plan resolve {plan} {code} document (theo tệp) "
    "hoặc decision (giữ gia hạn)."
)
# The same conflict on the web page, where the office decides on the item's page.
WEB_IMPORT_CONFLICT = (
    "Việc {code}{label}: tệp mới ghi hạn {document} (trước đây {plan_due}), nhưng {decision}. "
    "Khi lưu, bot giữ hạn {due} và nhắc theo hạn đó; sau đó văn phòng mở trang của việc "
    "để chọn theo tệp hay giữ gia hạn."
)
IMPORT_CONFLICT_APPROVED = "Chủ tịch đã duyệt gia hạn"
IMPORT_CONFLICT_PENDING = "đang có yêu cầu gia hạn chờ Chủ tịch duyệt"


def import_conflict(plan_id: int, code: str, label: str | None, plan_due: date | None,
                    document_due: date | None, due: date | None, pending: bool,
                    web: bool = False) -> str:
    return (WEB_IMPORT_CONFLICT if web else IMPORT_CONFLICT).format(
        code=code, label=f" ({label})" if label else "", document=show_date(document_due),
        plan_due=show_date(plan_due), due=show_date(due), plan=plan_id,
        decision=IMPORT_CONFLICT_PENDING if pending else IMPORT_CONFLICT_APPROVED)


# ------------------------------------------------------------------------- CLI

CLI_DESCRIPTION = "Nhắc việc: theo dõi kế hoạch năm của UBND xã qua Zalo và Telegram."
CLI_CONFIG = "đường dẫn tệp cấu hình (mặc định: config.toml)"
CLI_IMPORT = "đọc tệp kế hoạch (.docx, .xlsx, .txt) và lưu các mục cần theo dõi"
CLI_IMPORT_FILE = "tệp kế hoạch"
CLI_IMPORT_YEAR = "năm của kế hoạch (mặc định: đọc từ văn bản)"
CLI_IMPORT_UNIT = "tên đơn vị (xã) trong config.toml (mặc định: đơn vị đầu tiên)"
CLI_IMPORT_DRY_RUN = "chỉ xem trước, không lưu"
CLI_IMPORT_JSON = "in các mục dưới dạng JSON"
CLI_PARSE_DEADLINE = "đọc thử một hay nhiều ô thời hạn, in mỗi ô một dòng JSON"
CLI_PARSE_TEXT = "các ô thời hạn (không có thì đọc từng dòng từ đầu vào chuẩn)"
CLI_UNDERSTAND = "đọc thử tin trả lời: mỗi dòng đầu vào một tin, in ý bot hiểu thành một dòng JSON"
CLI_TODAY = "ngày nhận tin (YYYY-MM-DD), để hiểu \"mai\", \"tuần sau\", \"cuối tháng\""
CLI_REPLY_YEAR = "năm của kế hoạch: ngày không ghi năm không rơi vào trước năm này"
CLI_ROLE = "người gửi: official (cán bộ), chairman hoặc admin (được duyệt, từ chối gia hạn)"
CLI_CODES = "mã việc trong kế hoạch của người gửi, cách nhau bằng dấu phẩy, ví dụ 3.1,3.4"
CLI_JSONL = "mỗi dòng đầu vào là một đối tượng JSON {\"text\", \"today\", \"role\"}"
UNDERSTAND_BAD_LINE = "Dòng {line} không đọc được: {error}"
UNDERSTAND_BAD_OBJECT = "cần một đối tượng JSON có \"text\" là chuỗi"
UNDERSTAND_BAD_TODAY = "\"today\" phải là ngày dạng YYYY-MM-DD"
UNDERSTAND_BAD_ROLE = "\"role\" phải là một trong: {roles}"
CLI_MIGRATE = "tạo hoặc nâng cấp cơ sở dữ liệu"
CLI_RUN = "chạy bot"
CLI_PREVIEW_SAMPLE = (
    "Chưa cấu hình kênh chat nào: đang xem trước kế hoạch mẫu {path}.\n"
    "Dùng `python3 run.py import TỆP` để nhập kế hoạch của xã."
)
CLI_BAD_CONFIG = "Cấu hình {path} không hợp lệ:\n{details}"
MIGRATED = "Cơ sở dữ liệu đã ở phiên bản mới nhất: {url}"

# ------------------------------------------------------------------- reminders

REMINDER_HEADER = "🔔 Nhắc việc kế hoạch ngày {day}"
REMINDER_CATCH_UP_HEADER = (
    "🔔 Nhắc việc kế hoạch ngày {day}\n"
    "Hệ thống vừa hoạt động lại; đây là các việc đã đến hạn hoặc quá hạn trong thời gian tạm dừng."
)
REMINDER_SECTIONS = {
    "escalation": "Việc quá hạn cần đôn đốc:",
    "overdue": "Quá hạn:",
    "due": "Đến hạn hôm nay:",
    "lead": "Sắp đến hạn:",
    "asked": "Anh/chị hẹn bot hỏi lại hôm nay:",
    "checkin": "Việc thường xuyên — tháng này có gì cần báo cáo không?",
}
REMINDER_FOOTER = (
    "Trả lời: \"xong {code}\" khi đã hoàn thành, \"đang làm 50%\", \"chưa, lý do…\" "
    "hoặc \"gia hạn {code} 15/3\"."
)
TITLE_MAX = 70


def day_name(day: date) -> str:
    """ "thứ Sáu 17/02": the weekday and the day, the way people say it."""
    return f"{WEEKDAYS[day.weekday()].replace('Thứ', 'thứ')} {day:%d/%m}"


def short_title(title: str) -> str:
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1].rstrip() + "…"


def left_text(left: int | None) -> str:
    if left is None:
        return ""
    if left > 0:
        return f"còn {left} ngày"
    if left == 0:
        return "hạn hôm nay"
    return f"trễ {-left} ngày làm việc"


def reminder_line(line) -> str:
    text = f"• {line.code} {short_title(line.title)}"
    details = []
    if line.due is not None:
        due = f"hạn {show_date(line.due)}"
        details.append(f"{line.label}: {due}" if line.label else due)
    if line.left is not None:
        details.append(left_text(line.left))
    if line.holders:
        details.append("chủ trì: " + "; ".join(line.holders))
    return f"{text} — {', '.join(details)}" if details else text


def reminder_message(lines, catch_up: bool, day: date | None = None) -> str:
    header = (REMINDER_CATCH_UP_HEADER if catch_up else REMINDER_HEADER).format(
        day=show_date(day) if day else "hôm nay")
    parts = [header]
    kind = None
    for line in lines:
        if line.kind != kind:
            kind = line.kind
            parts.append("")
            parts.append(REMINDER_SECTIONS[kind])
        parts.append(reminder_line(line))
    parts += ["", REMINDER_FOOTER.format(code=lines[0].code if lines else "3.7")]
    return "\n".join(parts)


CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo", "console": "bảng điều khiển"}
DELIVERY_REASONS = {
    "no_chat": "người này chưa kết nối Zalo hoặc Telegram với bot",
    "blocked": "người này đã chặn bot",
}


def reason_text(reason: str) -> str:
    if reason in DELIVERY_REASONS:
        return DELIVERY_REASONS[reason]
    lowered = reason.lower()
    if "block" in lowered or "forbidden" in lowered:
        return DELIVERY_REASONS["blocked"]
    if "not found" in lowered:
        return "không còn tìm thấy cuộc trò chuyện với người này"
    return f"dịch vụ chat từ chối gửi ({reason})"


def delivery_failed_notice(failures) -> str:
    """failures: (name, channel, reason) of everyone who could not be reached."""
    lines = ["⚠️ Không gửi được tin nhắc việc cho:"]
    for name, channel, reason in failures:
        where = CHANNEL_NAMES.get(channel or "", channel or "")
        lines.append(f"• {name}{f' qua {where}' if where else ''}: {reason_text(reason)}")
    lines.append("Đề nghị liên hệ trực tiếp và mời họ kết nối lại (python3 run.py invite TÊN).")
    return "\n".join(lines)


def back_in_reach_notice(name: str, channel: str) -> str:
    """To the office: someone who could not be reached has written to the bot again."""
    where = CHANNEL_NAMES.get(channel, channel)
    return (f"✅ {name} đã liên lạc lại với bot qua {where}. "
            "Từ sáng làm việc tới, tin nhắc việc lại gửi đến người này như thường.")


CLI_SCHEDULE = "xem trước các tin nhắc mà kế hoạch sẽ gửi"
CLI_FROM = "từ ngày (31/01/2023 hoặc 2023-01-31, mặc định hôm nay)"
CLI_TO = "đến ngày (31/01/2023 hoặc 2023-01-31, mặc định 30 ngày sau)"
CLI_PERSON = "chỉ người có tên này"
CLI_JSON = "in dạng JSON"
CLI_EVENT = "ghi nhận sự kiện mà một việc \"Sau khi …\" đang chờ đã xảy ra"
CLI_CODE = "mã việc, ví dụ 3.66"
CLI_EVENT_ON = "ngày sự kiện xảy ra (31/01/2023 hoặc 2023-01-31)"
CLI_EVENT_DAYS = "số ngày được làm sau sự kiện (mặc định theo config.toml)"
SCHEDULE_EMPTY = "Không có tin nhắc nào từ {start} đến {end}."
EVENT_NOT_FOUND = "Không tìm thấy việc {code} có thời hạn theo sự kiện."
EVENT_MARKED = "Đã ghi nhận sự kiện của việc {code} ngày {on}; hạn hoàn thành {due}."
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
REMINDER_KIND_NAMES = {
    "lead": "nhắc trước", "due": "đến hạn", "overdue": "quá hạn", "checkin": "hỏi tình hình",
    "escalation": "báo quá hạn", "catch_up": "tổng hợp sau thời gian tạm dừng",
    "asked": "hỏi lại theo hẹn",
}


def schedule_heading(day: date, at: str, person: str) -> str:
    return f"{WEEKDAYS[day.weekday()]} {show_date(day)} {at} · {person}"


def schedule_entry(entry: dict) -> str:
    kind = str(entry["kind"])
    name = REMINDER_KIND_NAMES.get(kind, kind)
    if kind == "lead":
        name = f"{name} {entry['step']} ngày"
    elif kind in ("overdue", "escalation"):
        name = f"{name} {entry['step']} ngày làm việc"
    label = f" {entry['label']}:" if entry.get("label") else ""
    due = f" hạn {show_date(date.fromisoformat(entry['due']))}" if entry.get("due") else ""
    return f"{name:<28} {entry['code']}{label}{due}"

# ---------------------------------------------------------------- conversation

BUTTON_DONE = "✅ Xong"
BUTTON_PROGRESS = "⏳ Đang làm"
BUTTON_EXTEND = "📅 Gia hạn"
BUTTON_APPROVE = "✅ Duyệt"
BUTTON_DECLINE = "❌ Không duyệt"

UNKNOWN_USER = (
    "Xin chào! Bot này chỉ phục vụ cán bộ, công chức của xã đã được mời. "
    "Nếu anh/chị có mã mời, hãy gửi mã đó cho bot."
)
WELCOME = (
    "Chào {name}! Tài khoản {channel} này đã được kết nối. "
    "Bot sẽ nhắc việc theo kế hoạch vào buổi sáng các ngày làm việc.\n"
    "Gõ /huongdan để xem cách trả lời."
)
HELLO_AGAIN = "Chào {name}!"
# A chat that had been unreachable (the person had blocked the bot) wrote again.
REACHABLE_AGAIN = "Bot đã kết nối lại với tài khoản {channel} này; nhắc việc sẽ gửi đến đây như trước."
HELP = (
    "Cách dùng bot nhắc việc:\n"
    "• Trả lời tin nhắc: \"xong\", \"xong 3.7\", \"đang làm 50%\", \"chưa, chờ huyện\", "
    "\"gia hạn 3.7 15/3\".\n"
    "• Gửi ảnh hoặc tệp kèm mã việc (ví dụ \"3.7\") để lưu làm tài liệu kiểm chứng.\n"
    "• /viec — các việc của tôi chưa xong\n"
    "• /xong 3.7 — báo đã xong việc 3.7\n"
    "• /giahan 3.7 15/3 lý do — xin gia hạn\n"
    "• /lich — các tin nhắc sắp tới của tôi\n"
    "• /kenh — chọn nhận tin qua Zalo hay Telegram\n"
    "• /tongket — tình hình thực hiện kế hoạch; /tongket II, /tongket 3.7, /tongket Tư pháp "
    "(Chủ tịch, văn phòng)\n"
    "• /baocao — báo cáo kết quả thực hiện (Excel; /baocao word cho bản Word)\n"
    "• /web — đường dẫn đăng nhập trang theo dõi kế hoạch (Chủ tịch, văn phòng)"
)
SOMETHING_WRONG = "Xin lỗi, bot gặp lỗi khi xử lý tin này. Tin đã được lưu; văn phòng sẽ kiểm tra."
NOT_UNDERSTOOD = (
    "Bot chưa hiểu ý anh/chị. Có thể trả lời \"xong 3.7\", \"đang làm 50%\", "
    "\"chưa, lý do…\" hoặc \"gia hạn 3.7 15/3\". Gõ /huongdan để xem thêm."
)
WHAT_ABOUT = "Việc {code} thì sao ạ? Trả lời ví dụ \"xong {code}\", \"{code} đang làm 50%\" hoặc \"gia hạn {code} 15/3\"."
UNKNOWN_COMMAND = "Không có lệnh này. Gõ /huongdan để xem các lệnh."
NO_SUCH_ITEM = "Không có việc mã {code} trong kế hoạch hiện hành."
NOT_YOURS = "Việc {code} không do anh/chị chủ trì nên bot không thay đổi gì."
ALREADY_DONE = "Việc {code} đã được ghi nhận hoàn thành trước đó."
NOTHING_OPEN = "Anh/chị không còn việc nào chưa xong trong kế hoạch."
NOTHING_PENDING = "Không có câu hỏi nào đang chờ trả lời."
WHICH_ITEM = "Anh/chị đang nói về việc nào? Trả lời bằng số:\n{options}"
OF_PLAN_YEAR = " (kế hoạch {year})"
SAME_CODE_IN_PLANS = (
    "Mã {code} có trong nhiều kế hoạch đang theo dõi. Anh/chị gửi riêng tin cho mục {code} "
    "để chọn đúng kế hoạch; chưa ghi nhận gì."
)
BAD_CHOICE = "Hãy trả lời một số từ 1 đến {count}."
ASK_DATE = "Xin gia hạn việc {code} đến ngày nào? Ví dụ \"15/3\" hoặc \"thứ sáu tuần sau\"."
EXTEND_NOT_LATER = "Ngày xin gia hạn phải sau hạn hiện tại của việc {code} ({due})."
ACK_DONE = "✅ Đã ghi nhận: {code} {title}{label} — hoàn thành. Cảm ơn anh/chị!"
ACK_NEXT = "Mốc tiếp theo: {label}, hạn {due}."
ACK_PROGRESS = "⏳ Đã ghi nhận: {code} {title}{label} — đang thực hiện{percent}."
ACK_NOT_YET = "Đã ghi nhận: {code} {title}{label} — chưa xong{reason}. Bot sẽ nhắc lại theo lịch."
ACK_NOTE = "📝 Đã ghi chú vào việc {code} {title}{label}: \"{note}\"."
ACK_PERCENT = ", đang được {percent}%"
ACK_PROMISE = (
    "📌 Đã ghi: {code} {title}{label}{percent} — sẽ xong {day}. Bot sẽ hỏi lại hôm đó. "
    "Cảm ơn anh/chị!")
ACK_PROMISE_SOON = (
    "📌 Đã ghi: {code} {title}{label}{percent} — sắp xong (chưa ghi hoàn thành). "
    "Bot nhắc tiếp theo lịch. Cảm ơn anh/chị!")
ACK_SNOOZE = "⏰ Đã ghi: {code} {title}{label} — bot sẽ nhắc lại {day}."
CHOSEN_ITEM = "Bot hiểu là việc {code} (theo tin nhắc anh/chị trả lời). Nhầm thì trả lời \"nhầm\"."
UNDO_HINT = "Nhầm thì trả lời \"nhầm\"."
NOTHING_TO_UNDO = "Trong {hours} giờ qua anh/chị không có trả lời nào để huỷ; bot không thay đổi gì."
UNDO_DECIDED = (
    "Đề nghị gia hạn việc {code} đã được Chủ tịch quyết định nên không huỷ được; "
    "anh/chị liên hệ văn phòng nếu cần.")
ACK_UNDO = "↩️ Đã huỷ trả lời trước về việc {code} ({what}); việc trở lại như trước đó."
UNDONE_NAMES = {
    "done": "hoàn thành", "progress": "đang thực hiện", "not_yet": "chưa xong",
    "promise": "hẹn ngày xong", "snooze": "hẹn nhắc lại", "extend": "xin gia hạn",
    "note": "ghi chú",
}
UNDO_NOTICE = "↩️ {name} báo trả lời trước về việc {codes} ({what}) là nhầm; đã huỷ, việc trở lại như trước."
ACK_EXTEND = "📅 Đã gửi Chủ tịch đề nghị gia hạn việc {code} đến {new_due}. Bot sẽ báo kết quả."
ACK_EVIDENCE = "📎 Đã lưu tài liệu kiểm chứng \"{name}\" cho việc {code}."
EXTENSION_REQUEST = (
    "📅 {name} xin gia hạn việc {code} {title}\n"
    "Hạn hiện tại: {due} → xin đến: {new_due}{reason}\n"
    "Trả lời \"duyệt {code}\" hoặc \"không duyệt {code}\"."
)
EXTENSION_APPROVED = "✅ Chủ tịch đã duyệt gia hạn việc {code} đến {new_due}."
EXTENSION_DECLINED = "❌ Chủ tịch không duyệt gia hạn việc {code} (xin đến {new_due}); giữ hạn cũ."
ACK_DECISION = "Đã ghi nhận quyết định. {decision}"
NO_PENDING_EXTENSION = "Không có đề nghị gia hạn nào đang chờ cho việc {code}."
NO_PENDING_EXTENSIONS = "Không có đề nghị gia hạn nào đang chờ quyết định."
WHICH_EXTENSION = (
    "Đang có nhiều đề nghị gia hạn chờ quyết định ({codes}). Anh/chị trả lời ngay vào tin đề nghị, "
    "hoặc ghi kèm mã việc, ví dụ \"duyệt 3.4\"; chưa ghi nhận gì.")
DECLINE_REASON = " Lý do: {reason}"
ALREADY_DECIDED = "Đề nghị gia hạn việc {code} đã được quyết định trước đó."
CHAIRMAN_ONLY = "Lệnh này chỉ dành cho Chủ tịch UBND xã và văn phòng theo dõi kế hoạch."
GIAHAN_USAGE = "Cách dùng: /giahan 3.7 15/3 lý do"
NO_SCHEDULE = "Trong 30 ngày tới anh/chị không có tin nhắc nào."
CHANNELS = "Các kênh đã kết nối: {channels}. Gõ \"/kenh zalo\" hoặc \"/kenh telegram\" để chọn kênh nhận tin nhắc."
CHANNEL_CHOSEN = "Từ nay tin nhắc việc sẽ gửi qua {channel}."
CHANNEL_NOT_LINKED = "Anh/chị chưa kết nối kênh \"{channel}\" với bot."
FILE_TYPE_REFUSED = "Bot chỉ nhận tệp loại: {types}. Tệp này chưa được lưu."
FILE_TOO_BIG = "Tệp lớn hơn {limit} MB nên chưa được lưu."
FILE_FETCH_FAILED = "Không tải được tệp từ máy chủ chat; anh/chị gửi lại giúp."
FILE_SAVE_FAILED = (
    "Bot chưa lưu được tệp này (máy chủ gặp lỗi khi ghi tệp, có thể đã đầy ổ đĩa). "
    "Tệp chưa được ghi nhận; anh/chị vui lòng gửi lại sau ít phút.")


def my_items(views, today: date) -> str:
    lines = ["Các việc của anh/chị chưa xong:"]
    for view in views:
        due = view.next_due
        when = f"hạn {show_date(due)}" if due else KIND_NAMES.get(view.open_milestones[0].kind, "")
        lines.append(f"• {view.code} {short_title(view.title)} — {when}")
    return "\n".join(lines)


def my_schedule(by_day: dict, at: str) -> str:
    lines = ["Các tin nhắc sắp tới (lúc " + at + "):"]
    for day, entries in by_day.items():
        lines.append(f"• {WEEKDAYS[day.weekday()]} {show_date(day)}: {', '.join(entries)}")
    return "\n".join(lines)


# --------------------------------------------------------------------- console

CONSOLE_WELCOME = (
    "Nhắc việc — chế độ thử trên máy (không cần Zalo/Telegram).\n"
    "Gõ \"/as TÊN\" để đóng vai một người (ví dụ /as Mai, /as Chủ tịch), rồi trả lời như trên điện thoại.\n"
    "Gõ \"/ngay 16/02\" hoặc \"/ngay +7\" để cho thời gian trôi đến ngày đó.\n"
    "Nhấn Ctrl+C để thoát."
)
CONSOLE_CHOOSE = "Hãy chọn người trước: /as TÊN (ví dụ /as Mai)."
CONSOLE_WHO = "Chọn một người (gõ /as và số, ví dụ /as 3):\n{people}"
CONSOLE_DAY_USAGE = (
    "Cách dùng: /ngay 16/02 (đến ngày đó) hoặc /ngay +7 (thêm 7 ngày); chỉ đi tới, "
    "không lùi lại. Bot gửi các tin nhắc của từng ngày đi qua.")
CONSOLE_DAY_REAL = "Bot đang chạy theo giờ thật nên không đổi ngày được."
CONSOLE_DAY = "\n📆 {day}"
CONSOLE_DAY_NOW = "Bây giờ là {day}. Trả lời các tin nhắc như trên điện thoại."
CONSOLE_NOW_AS = "Bây giờ anh/chị là {name}."
CONSOLE_BYE = "Đã thoát chế độ thử; mọi trả lời đã được lưu."


def console_to(name: str, message_id: str) -> str:
    return f"\n📨 Gửi {name} (tin #{message_id}):"


def console_file(caption: str | None, where: str) -> str:
    return f"{caption or 'Tệp'} — đã lưu tại {where}"

# --------------------------------------------------------------------- summary

STATE_NAMES = {
    "overdue": "quá hạn", "not_started": "chưa thực hiện", "in_progress": "đang thực hiện",
    "done_late": "xong trễ hạn", "done_on_time": "xong đúng hạn", "ongoing": "thường xuyên",
    "waiting_event": "chờ sự kiện", "no_deadline": "không có hạn",
}
STATE_MARKS = {
    "overdue": "🔴", "not_started": "⚪", "in_progress": "🟡", "done_late": "🟠",
    "done_on_time": "🟢", "ongoing": "🔵", "waiting_event": "⏸", "no_deadline": "▫️",
}
SUMMARY_NO_PLAN = "Chưa có kế hoạch nào đang theo dõi (chưa nhập, hoặc văn phòng đã đóng hết)."
SUMMARY_TITLE = "📊 Tổng kết thực hiện kế hoạch đến ngày {day}"
SUMMARY_PLANS = "Gồm {count} kế hoạch:"
SUMMARY_PLAN_LINE = "• Số {id} ({year}) {title}: {total} việc"
SUMMARY_PLAN_TITLE = "📊 Kế hoạch số {id} ({year}) — đến ngày {{day}}"
SUMMARY_YEAR_TITLE = "📊 Các kế hoạch năm {year} — đến ngày {{day}}"
SUMMARY_SECTION_TITLE = "📊 Phần {code}. {title} — đến ngày {{day}}"
SUMMARY_HOLDER_TITLE = "📊 Việc do {who} chủ trì — đến ngày {{day}}"
SUMMARY_COUNTS = "{total} việc: {counts}"
SUMMARY_BY_SECTION = "Theo phần:"
SUMMARY_OVERDUE = "Quá hạn ({count}), lâu nhất trước:"
SUMMARY_SOON = "Đến hạn trong {days} ngày tới:"
SUMMARY_QUIET = "Việc thường xuyên chưa báo cáo tháng này ({count}):"
SUMMARY_EXTENSIONS = "Đề nghị gia hạn chờ duyệt ({count}):"
SUMMARY_NOTHING_FOR = "Không có việc nào cho \"{what}\"."
ITEM_OWNERS = "Chủ trì: {owners}\nPhối hợp: {coordinators}"
ITEM_DEADLINE = "Thời hạn ghi trong kế hoạch: {text}"
ITEM_HISTORY = "Diễn biến:"
ITEM_EVIDENCE = "Tài liệu kiểm chứng ({count}):"
INTENT_NAMES = {
    "done": "báo đã xong", "progress": "báo đang làm", "not_yet": "báo chưa xong",
    "extend": "xin gia hạn", "note": "ghi chú", "evidence": "gửi tài liệu",
    "approve": "duyệt gia hạn", "decline": "không duyệt gia hạn",
    "promise": "hẹn ngày xong", "snooze": "hẹn nhắc lại", "undo": "báo trả lời trước là nhầm",
}


def state_counts(counts) -> str:
    return ", ".join(f"{STATE_MARKS[s]} {STATE_NAMES[s]} {counts[s]}"
                     for s in STATE_NAMES if counts.get(s))


def section_line(code: str, counts) -> str:
    total = sum(counts.values())
    done = counts.get("done_on_time", 0) + counts.get("done_late", 0)
    late = counts.get("overdue", 0)
    extra = f", {STATE_MARKS['overdue']} {late} quá hạn" if late else ""
    return f"• {code}: {done}/{total} xong{extra}"


def overdue_line(code: str, title: str, label: str | None, due: date, late: int, holders) -> str:
    what = f" ({label})" if label else ""
    return (f"• {code} {short_title(title)}{what} — hạn {show_date(due)}, trễ {late} ngày làm việc"
            f" — {', '.join(holders)}")


def soon_line(code: str, title: str, label: str | None, due: date, left: int, holders) -> str:
    what = f" ({label})" if label else ""
    when = "hôm nay" if left == 0 else f"còn {left} ngày"
    return f"• {code} {short_title(title)}{what} — hạn {show_date(due)}, {when} — {', '.join(holders)}"


def extension_line(code: str, name: str, previous: date | None, requested: date,
                   reason: str | None) -> str:
    why = f" ({reason})" if reason else ""
    return f"• {code}: {name} xin từ {show_date(previous)} đến {show_date(requested)}{why}"


def item_heading(code: str, title: str, state: str) -> str:
    return f"{STATE_MARKS[state]} {code} {title}\nTrạng thái: {STATE_NAMES[state]}"


def milestone_status_line(m) -> str:
    name = m.label or KIND_NAMES.get(m.kind, m.kind)
    due = f", hạn {show_date(m.due)}" if m.due else ""
    moved = (f" (hạn gốc {show_date(m.planned_due)})"
             if m.planned_due and m.due and m.planned_due != m.due else "")
    done = f", xong {show_date(m.done_on)}" if m.done_on else ""
    return f"• {name}{due}{moved}{done}: {STATE_NAMES[m.state]}{progress_note(m)}"


def progress_note(m) -> str:
    """ " (đang được 50%, hẹn xong 17/02/2023)": the latest progress of an open milestone."""
    if m.done_on is not None:
        return ""
    parts = []
    if m.last_percent is not None:
        parts.append(f"đang được {m.last_percent}%")
    if m.promised_on is not None:
        parts.append(f"hẹn xong {show_date(m.promised_on)}")
    return f" ({', '.join(parts)})" if parts else ""


def history_reminder(kind: str, person: str) -> str:
    return f"bot gửi tin {REMINDER_KIND_NAMES.get(kind, kind)} cho {person}"


def history_reply(person: str, intent: str, percent: int | None, note: str | None,
                  on_date: date | None = None, undone: bool = False) -> str:
    text = f"{person} {INTENT_NAMES.get(intent, intent)}"
    if percent is not None:
        text += f" {percent}%"
    if on_date is not None:
        text += f" ({show_date(on_date)})"
    if note and intent != "undo":
        text += f": {note}"
    if undone:
        text += HISTORY_UNDONE
    return text


HISTORY_UNDONE = " — đã huỷ vì nhầm"


def evidence_line(name: str, size: int, at) -> str:
    return f"• {name} ({max(1, round(size / 1024))} KB, {at.strftime('%d/%m/%Y')})"

CLI_START_AT = ("chạy với đồng hồ giả lập bắt đầu từ thời điểm này (giờ của xã, ví dụ "
                "08/02/2023 07:25, hoặc ISO như 2023-02-08T07:25:00+07:00)")
CLI_SPEED = "đồng hồ giả lập chạy nhanh gấp N lần"
CLI_WEB_LINK = "in đường dẫn đăng nhập trang web (dùng một lần, 10 phút) cho một người"
CLI_INVITE = "tạo mã mời để một người kết nối Zalo hoặc Telegram với bot"
CLI_INVITE_PERSON = "tên người (một phần của tên cũng được)"
CLI_SAMPLE_LOADED = "Đã nạp kế hoạch mẫu {path}."
CLI_SIMULATED = "Đồng hồ giả lập: bắt đầu {start}, nhanh gấp {speed:g} lần."


def invite_text(name: str, code: str, link: str | None) -> str:
    lines = [f"Mã mời cho {name}: {code} (dùng một lần, hết hạn sau 7 ngày)."]
    if link:
        lines.append(f"Telegram: mở {link}")
    else:
        lines.append(f"Telegram: gửi cho bot tin \"/start {code}\".")
    lines.append(f"Zalo: gửi cho bot tin \"{code}\".")
    return "\n".join(lines)

# --------------------------------------------------------------------- digests

DIGEST_WEEKLY_HEADER = "🗓 Bản tổng kết tuần gửi Chủ tịch"
DIGEST_DAILY_HEADER = "📰 Bản tin ngày {day}: {count} trả lời mới của cán bộ"


def digest_line(at, name: str, intent: str, code: str, percent: int | None, note: str | None) -> str:
    text = f"• {at.strftime('%d/%m %H:%M')} {name} {INTENT_NAMES.get(intent, intent)} {code}"
    if percent is not None:
        text += f" ({percent}%)"
    if note:
        text += f": {note}"
    return text

# --------------------------------------------------------------------- reports

REPORT_TITLE = "Báo cáo kết quả thực hiện {title}"
REPORT_PLAN_HEADING = "Kế hoạch số {id} ({year}): {title}"
REPORT_SEVERAL_PLANS = "các kế hoạch đang theo dõi ({years})"
REPORT_UNIT = "Đơn vị: {unit}"
REPORT_AS_OF = "Tình hình đến ngày {day}"
REPORT_SHEET = "Phụ lục"
REPORT_SUMMARY_SHEET = "Tổng hợp"
REPORT_COLUMNS = (
    "TT", "Mục tiêu", "Nhiệm vụ", "Hoạt động", "Sản phẩm", "Chủ trì", "Phối hợp",
    "Thời gian thực hiện", "Kinh phí", "Trạng thái", "Tiến độ (%)", "Ngày hoàn thành",
    "Trễ (ngày làm việc)", "Ghi chú mới nhất", "Tài liệu kiểm chứng",
)
REPORT_INTENT_NAMES = {**INTENT_NAMES, "event": "ghi nhận sự kiện", "reopen": "mở lại việc"}
# The administrative document (Nghị định 30/2020/NĐ-CP, Phụ lục I).
REPORT_PEOPLES_COMMITTEE = "ỦY BAN NHÂN DÂN"
REPORT_NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
REPORT_MOTTO = "Độc lập - Tự do - Hạnh phúc"
REPORT_NUMBER = "Số: ……/BC-UBND"
REPORT_PLACE_DATE = "{place}, ngày … tháng … năm …"
REPORT_KIND = "BÁO CÁO"
REPORT_SUBJECT = "Kết quả thực hiện {title}, {period}"
REPORT_INTRO = (
    "Thực hiện {title}{issued}, {unit} báo cáo kết quả thực hiện {period} "
    "(số liệu từ ngày {start} đến ngày {end}) như sau:"
)
REPORT_ISSUED = " ban hành ngày {day}"
REPORT_PART_RESULTS = "1. Kết quả chung đến ngày {day}"
REPORT_PART_PERIOD = "2. Trong kỳ báo cáo"
REPORT_PART_OVERDUE = "3. Các nhiệm vụ quá hạn chưa hoàn thành"
REPORT_TOTAL = "Tổng số nhiệm vụ của Kế hoạch: {total}."
REPORT_COUNT_LINES = (
    ("done_on_time", "Hoàn thành đúng hạn"),
    ("done_late", "Hoàn thành nhưng trễ hạn"),
    ("in_progress", "Đang thực hiện, chưa đến hạn"),
    ("overdue", "Quá hạn, chưa hoàn thành"),
    ("not_started", "Chưa đến hạn, chưa thực hiện"),
    ("ongoing", "Thực hiện thường xuyên"),
    ("waiting_event", "Chờ sự kiện phát sinh"),
    ("no_deadline", "Không có thời hạn"),
)
REPORT_DONE_IN_PERIOD = "Hoàn thành trong kỳ: {count} nhiệm vụ{codes}."
REPORT_OVERDUE_IN_PERIOD = (
    "Đến hạn trong kỳ nhưng không hoàn thành đúng hạn: {count} nhiệm vụ{codes}.")
REPORT_NO_OVERDUE = "Không có nhiệm vụ quá hạn."
REPORT_APPENDIX_NOTE = "(Chi tiết từng nhiệm vụ tại Phụ lục kèm theo.)"
REPORT_CLOSING = "Trên đây là báo cáo kết quả thực hiện {title}, {period} của {unit}./."
REPORT_RECIPIENTS = "Nơi nhận:"
REPORT_ARCHIVE = "Lưu: VT."
REPORT_SIGN_FOR = "TM. ỦY BAN NHÂN DÂN"
REPORT_SIGN_TITLE = "CHỦ TỊCH"
REPORT_APPENDIX = "PHỤ LỤC"
REPORT_APPENDIX_TITLE = "Kết quả thực hiện từng nhiệm vụ của {title}, {period}"
REPORT_APPENDIX_REF = "(Kèm theo Báo cáo số ……/BC-UBND ngày …… tháng …… năm …… của {unit})"
REPORT_SUMMARY_COLUMNS = ("Nội dung", "Số nhiệm vụ", "Tỷ lệ (%)")
REPORT_SUMMARY_PERIOD = "Kỳ báo cáo: {period} (số liệu từ ngày {start} đến ngày {end})"
REPORT_SUMMARY_TOTAL = "Tổng số nhiệm vụ của Kế hoạch"
REPORT_SUMMARY_DONE_IN = "Hoàn thành trong kỳ"
REPORT_SUMMARY_DONE_LATE_IN = "trong đó hoàn thành trễ hạn"
REPORT_SUMMARY_OVERDUE_IN = "Đến hạn trong kỳ nhưng không hoàn thành đúng hạn"
PLAN_UNTITLED = "Kế hoạch năm {year}"
CHART_DONE = "{done}/{total} xong"
CHART_ONGOING = "{count} thường xuyên"
CHART_AXIS = "Số nhiệm vụ có thời hạn (việc thường xuyên: thanh gạch chéo bên dưới)"
CHART_NO_SECTION = "Khác"
CHART_SECTION_MAX = 34

PERIOD_NAMES = {
    "Q1": "quý I năm {year}", "Q2": "quý II năm {year}", "Q3": "quý III năm {year}",
    "Q4": "quý IV năm {year}", "H1": "6 tháng đầu năm {year}", "9M": "9 tháng đầu năm {year}",
    "year": "năm {year}", "day": "từ đầu năm đến ngày {end}",
}
PERIOD_UNKNOWN = (
    "Không hiểu kỳ báo cáo \"{text}\". Ví dụ: quý I, quý 2, 6 tháng, 9 tháng, năm "
    "(hoặc 2023-Q1, 2023-H1, 2023-9M, 2023)."
)
SUMMARY_PERIOD_TITLE = "📊 Tổng kết {period} (số liệu từ {start} đến {{day}})"
SUMMARY_IN_PERIOD = (
    "Trong kỳ: xong {done} việc ({late} trễ hạn); {overdue} việc đến hạn mà không xong đúng hạn.")


def period_name(kind: str, year: int, end: date) -> str:
    return PERIOD_NAMES[kind].format(year=year, end=show_date(end))


def percent(part: int, total: int) -> str:
    """Vietnamese decimal comma: 26,1."""
    return f"{100 * part / total:.1f}".replace(".", ",") if total else "0"


def report_count_line(name: str, count: int, total: int) -> str:
    return f"{name}: {count} nhiệm vụ ({percent(count, total)}%)."


def report_codes(codes: list[str]) -> str:
    return f" ({', '.join(codes)})" if codes else ""


def report_overdue_line(code: str, title: str, due: date, late: int, owners: list[str]) -> str:
    who = f"; chủ trì: {', '.join(owners)}" if owners else ""
    return (f"{code} {short_title(title)}: hạn {show_date(due)}, trễ {late} ngày làm việc{who}.")


def shorten(text: str, limit: int) -> str:
    """At a word boundary, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;-")
    return cut + "…"


def sentence_case(text: str) -> str:
    """'CẢI CÁCH THỂ CHẾ' -> 'Cải cách thể chế' (a heading typed in capitals)."""
    return text[:1].upper() + text[1:].lower() if text.isupper() else text


def report_coded(code: str | None, text: str | None) -> str:
    """'1.1 Văn bản QPPL …': a code and its text, either may be missing."""
    return " ".join(part for part in (code, text) if part)


def report_note(day: date, person: str, intent: str, percent: int | None, note: str | None) -> str:
    text = f"{show_date(day)}: {person} {REPORT_INTENT_NAMES.get(intent, intent)}"
    if percent is not None:
        text += f" {percent}%"
    if note and intent in ("approve", "decline"):
        try:  # the decision's note is the requested date, ISO
            note = f"đến {show_date(date.fromisoformat(note))}"
        except ValueError:
            pass
    if note:
        text += f": {note}"
    return text


def chart_state_name(state: str) -> str:
    name = STATE_NAMES.get(state, state)
    return name[:1].upper() + name[1:]


# --------------------------------------------------------------------- backups

BACKUP_ERRORS = {
    "missing": "Không tìm thấy tệp sao lưu {path}.",
    "not_backup": "Tệp {path} không phải là bản sao lưu của Nhắc việc.",
    "unsupported_version": "Bản sao lưu {path} có định dạng phiên bản {version}, "
                           "chương trình này chưa đọc được; hãy cập nhật chương trình.",
    "corrupt": "Tệp sao lưu {path} bị hỏng (dòng {line}: {details}); không khôi phục gì cả.",
    "unknown_revision": "Bản sao lưu {path} được tạo từ cơ sở dữ liệu phiên bản {revision}, "
                        "chương trình này không biết phiên bản đó; hãy cập nhật chương trình "
                        "rồi khôi phục lại.",
    "database_unknown_revision": "Cơ sở dữ liệu đang ở phiên bản {revision}, chương trình này "
                                 "không biết phiên bản đó; hãy cập nhật chương trình.",
    "not_migrated": "Cơ sở dữ liệu chưa được khởi tạo (chưa chạy migrate): không có gì để sao lưu.",
    "not_empty": "Cơ sở dữ liệu đích đã có dữ liệu (bảng {tables}). Khôi phục sẽ xoá toàn bộ "
                 "dữ liệu này; nếu chắc chắn, hãy chạy lại với --force.",
    "rejected": "Cơ sở dữ liệu không nhận dữ liệu của bản sao lưu {path} ({details}); "
                "không có dòng nào được ghi.",
}


def backup_error(code: str, params: dict[str, object]) -> str:
    return BACKUP_ERRORS.get(code, "Lỗi sao lưu/khôi phục ({code}).").format(code=code, **params)

REPORT_SENT = "📄 Báo cáo kết quả thực hiện kế hoạch: {name}"
REPORT_SAVED = (
    "📄 Đã lập báo cáo kết quả thực hiện kế hoạch. Zalo không gửi được tệp, "
    "báo cáo được lưu trên máy chủ tại: {path}"
)
CLI_REPORT = "lập báo cáo kết quả thực hiện (bảng phụ lục kèm trạng thái từng việc)"
CLI_FORMAT = "định dạng: xlsx (Excel) hoặc docx (Word)"
CLI_AS_OF = "tình hình đến ngày (31/01/2023 hoặc 2023-01-31, mặc định hôm nay)"
CLI_PERIOD = ("kỳ báo cáo: 2023-Q1 … 2023-Q4, 2023-H1 (6 tháng), 2023-9M (9 tháng), 2023 (cả năm); "
              "số liệu tính đến ngày chốt của kỳ (mục [reports] trong config.toml)")
CLI_OUTPUT = "nơi lưu tệp (mặc định: thư mục data/reports)"
CLI_TONGKET = "in bản tổng kết như lệnh /tongket; --all: toàn bộ các xã"
CLI_ALL_UNITS = "tổng kết tất cả các xã trong cơ sở dữ liệu"
CLI_DRILL = "như tham số của /tongket: phần (II), vai trò, người hoặc mã việc"
PROVINCE_TITLE = "📊 Tổng kết {count} xã đến ngày {day}"
PROVINCE_TOTAL = "Toàn bộ {total} việc: {counts}"
PROVINCE_BY_UNIT = "Theo xã (nhiều việc quá hạn nhất trước):"


def report_file_name(year: int, period_kind: str, day: date, kind: str) -> str:
    which = "" if period_kind == "day" else f"{period_kind.lower()}-"
    return f"bao-cao-ke-hoach-{year}-{which}den-{day.isoformat()}.{kind}"


def chart_file_name(plan_slug: str, day: date) -> str:
    return f"bieu-do-{plan_slug}-{day.isoformat()}.png"


def province_line(unit: str, counts) -> str:
    total = sum(counts.values())
    done = counts.get("done_on_time", 0) + counts.get("done_late", 0)
    late = counts.get("overdue", 0)
    return f"• {unit}: {done}/{total} xong, {STATE_MARKS['overdue']} {late} quá hạn"
REPORT_SAVED_CLI = "Đã lưu báo cáo: {path}"

# ----------------------------------------------------------------- operations

CLI_CHECK = "kiểm tra cấu hình, cơ sở dữ liệu, kênh chat và những người chưa nhận được tin"
CHECK_CONFIG = "Cấu hình: hợp lệ — {units} xã, {roles} vai trò, {people} người."
CHECK_DB_OK = "Cơ sở dữ liệu: {url} — kết nối được, lược đồ {current} (mới nhất)."
CHECK_DB_BEHIND = (
    "Cơ sở dữ liệu: {url} — lược đồ {current}, bản mới nhất là {head}: "
    "chạy `python3 run.py migrate`."
)
CHECK_DB_DOWN = "Cơ sở dữ liệu: {url} — KHÔNG kết nối được (xem nhật ký để biết chi tiết)."
CHECK_CHANNEL = "{name}: {state}."
CHECK_POLLING = "có token, nhận tin bằng long polling"
CHECK_WEBHOOK = "có token, nhận tin qua webhook {url}"
CHECK_NO_TOKEN = "chưa cấu hình (đặt biến môi trường {variable})"
CHECK_PLAN = "Kế hoạch: {unit} — {title}: {items} việc."
CLI_PLAN = "xem, đóng các kế hoạch đang theo dõi; quyết định thời hạn tệp khác với gia hạn"
CLI_PLAN_LIST = "liệt kê các kế hoạch (số kế hoạch, năm, tên, đang theo dõi hay đã đóng)"
CLI_PLAN_CLOSE = "đóng một kế hoạch: thôi nhắc, thôi tổng kết (lịch sử giữ nguyên)"
CLI_PLAN_WHICH = "số kế hoạch, hoặc năm, hoặc tên (một phần) của kế hoạch"
CLI_PLAN_RESOLVE = "chọn thời hạn cho mục có thời hạn tệp khác với gia hạn đã duyệt"
CLI_PLAN_CODE = "mã mục, ví dụ 3.7"
CLI_PLAN_USE = "document: theo tệp; decision: giữ gia hạn đã duyệt"
PLAN_LIST_EMPTY = "Chưa có kế hoạch nào."
PLAN_LIST_LINE = "Số {id} · {year} · {unit} — {title}: {items} việc, {state}"
PLAN_LIST_OPEN = "đang theo dõi"
PLAN_LIST_CLOSED = "đã đóng ngày {day}"
PLAN_LIST_DISPUTED = "; {count} thời hạn chờ văn phòng quyết định"
PLAN_CLOSED = "Đã đóng kế hoạch số {id} ({year}) — {title}. Thôi nhắc việc và tổng kết; lịch sử giữ nguyên."
PLAN_ALREADY_CLOSED = "Kế hoạch số {id} đã đóng từ ngày {day}."
PLAN_RESOLVED = "Mục {code}: hạn nay là {due} (hạn theo kế hoạch {plan_due})."
CHECK_EMPTY_ROLES = "Vai trò chưa có người giữ: {roles}."
CHECK_UNLINKED = "{count} người chưa kết nối Zalo/Telegram (python3 run.py invite TÊN): {names}."
CHECK_TICK_RUNNING = "Lịch nhắc: đang do tiến trình {holder} chạy."
CHECK_TICK_IDLE = "Lịch nhắc: chưa có tiến trình nào đang chạy."
CLI_BACKUP = "sao lưu toàn bộ dữ liệu ra một tệp (dùng được cho cả SQLite và PostgreSQL)"
CLI_RESTORE = "khôi phục dữ liệu từ tệp sao lưu vào cơ sở dữ liệu đang cấu hình"
CLI_BACKUP_FILE = "tệp sao lưu (.jsonl.gz)"
CLI_FORCE = "xoá dữ liệu đang có trước khi khôi phục"
BACKUP_DONE = "Đã sao lưu {rows} dòng (lược đồ {revision}) vào {path}."
RESTORE_DONE = "Đã khôi phục {rows} dòng từ {path}."

# ------------------------------------------------------- deadlines and config

BAD_DAY = "Ngày không hợp lệ: {day}"
BAD_MONTH = "Tháng không hợp lệ: {month}"
BAD_QUARTER = "Quý không hợp lệ: {quarter}"
MISSING_YEAR = "Thiếu năm: «{text}» không ghi năm và chưa biết năm của kế hoạch"
BAD_PLAN_YEAR = "Năm của kế hoạch không hợp lệ: {year}"
CONFIG_BAD_ZONE = "múi giờ không tồn tại: {zone}"
CONFIG_BAD_LEADS = "mỗi số ngày nhắc trước phải từ 1 đến 60"
CONFIG_BLANK_HEADING = "tên cơ quan ban hành báo cáo không được có dòng trống"
CONFIG_UNKNOWN_ROLE = "{key} = {value!r} không có trong danh sách roles"
CONFIG_DUPLICATE_ROLE = "tên vai trò bị trùng"
CONFIG_DUPLICATE_UNIT = "tên đơn vị bị trùng"
CONFIG_UNKNOWN_ADMIN = "admins có người không giữ vai trò nào: {names}"
CONFIG_UNKNOWN_OVERSEER = "overseers có người không giữ vai trò nào: {names}"
CONFIG_MISSING_FILE = "không tìm thấy tệp"
CONFIG_BAD_PAGE_URL = "địa chỉ trang web phải bắt đầu bằng https:// (hoặc http://): {url}"
CONFIG_BAD_WEBHOOK_URL = "địa chỉ webhook phải bắt đầu bằng https:// (hoặc http://): {url}"
EXTENSION_REASON = "\nLý do: {reason}"
CHANNEL_IN_USE = " (đang dùng)"
NEXT_MILESTONE = "mốc tiếp theo"


# ------------------------------------------------------- log lines for the office

LOG_CHANNEL_DOWN = "Kênh {channel} chưa kết nối được ({reason}); thử lại sau {seconds:.0f} giây."
LOG_CHANNEL_BACK = "Kênh {channel} đã kết nối lại sau {failures} lần thử."
# The command line's own words: argparse's usage line, headings and errors.
CLI_USAGE = "Cách dùng: "
CLI_COMMAND = "LỆNH"
CLI_DAY = "NGÀY"
CLI_MOMENT = "THỜI_ĐIỂM"
CLI_POSITIONALS = "tham số"
CLI_OPTIONALS = "tuỳ chọn"
CLI_HELP = "in hướng dẫn này rồi thoát"
CLI_ERROR = "{prog}: lỗi: {reason}"
CLI_BAD_DATE = "ngày “{value}” không hợp lệ; ghi dạng 31/01/2023 hoặc 2023-01-31"
CLI_BAD_MOMENT = ("thời điểm “{value}” không hợp lệ; ghi dạng 08/02/2023 07:25 (giờ của xã) "
                  "hoặc 2023-02-08T07:25:00+07:00")
CLI_ARGPARSE_ERRORS = {
    "invalid_choice": "{argument}: không có {value}; chọn một trong: {choices}",
    "invalid_value": "{argument}: giá trị {value} không hợp lệ",
    "expected_value": "{argument}: thiếu giá trị",
    "unexpected_value": "{argument}: không nhận giá trị {value}",
    "required": "thiếu tham số bắt buộc: {arguments}",
    "unrecognized": "không hiểu tham số: {arguments}",
    "ambiguous": "tuỳ chọn {option} có thể là {matches}",
    "argument": "{argument}: {detail}",
    "other": "lệnh không hợp lệ ({detail})",
}

# run.py, the bootstrap of a fresh machine.
RUN_FIRST_INSTALL = "Đang cài đặt lần đầu vào {venv} (tải và cài các thư viện, khoảng 1–2 phút)…"
RUN_UPDATING = "Đang cập nhật thư viện trong {venv} vì pyproject.toml hoặc requirements.lock đã đổi…"
RUN_INSTALL_STOPPED = "Đã dừng cài đặt. Chạy lại lệnh để cài tiếp."
RUN_INSTALL_FAILED = "Cài đặt không thành công (xem thông báo của pip ở trên). Chạy lại lệnh khi đã khắc phục."
CLI_INTERRUPTED = "Đã dừng theo yêu cầu (Ctrl+C)."

# ------------------------------------------------------------ the office's web page
WEB_LINK = ("Đường dẫn đăng nhập trang theo dõi kế hoạch (dùng một lần, hết hạn sau {minutes} "
            "phút):\n{url}")
WEB_LINK_CLI = "Đường dẫn đăng nhập cho {name} (dùng một lần, hết hạn sau {minutes} phút):\n{url}"
WEB_NOT_FOR_YOU = ("Trang theo dõi kế hoạch dành cho văn phòng, Chủ tịch và quản trị viên. "
                   "Việc của anh/chị: gõ /viec.")
WEB_NOT_SET_UP = ("Trang theo dõi kế hoạch chưa được bật: quản trị viên cần ghi địa chỉ trang "
                  "vào [web] public_url trong config.toml.")
WEB_TOO_MANY_LINKS = ("Anh/chị đã xin {count} đường dẫn trong một giờ qua. Dùng đường dẫn mới "
                      "nhất, hoặc thử lại sau.")
WEB_LINK_INVALID = ("Đường dẫn đăng nhập không dùng được: đã dùng rồi, đã hết hạn hoặc sai. "
                    "Gõ /web cho bot để nhận đường dẫn mới.")
WEB_SIGNED_OUT = "Anh/chị đã đăng xuất."
WEB_SIGN_IN_NEEDED = "Để xem trang này, gõ /web cho bot trong Zalo hoặc Telegram để nhận đường dẫn đăng nhập."
WEB_SESSION_ENDED = "Phiên làm việc đã hết hạn hoặc đã đăng xuất. Gõ /web cho bot để đăng nhập lại."
WEB_BAD_CSRF = "Biểu mẫu đã cũ hoặc không hợp lệ. Tải lại trang rồi làm lại."
WEB_FORBIDDEN = "Anh/chị không có quyền làm việc này."
WEB_NOT_FOUND = "Không tìm thấy trang này."
WEB_BAD_FILTER = "Bộ lọc “{field}” không hợp lệ; đang hiển thị không có bộ lọc đó."
WEB_NO_PLAN = ("Xã chưa có kế hoạch đang theo dõi. Văn phòng nhập kế hoạch ở trang “Nhập kế hoạch” "
               "(hoặc bằng lệnh python3 run.py import TỆP).")
WEB_CLI_WHO = "Không tìm thấy đúng một người tên “{who}”. Những người có trong danh sách: {names}"
WEB_BOARD_TITLE = "Các kế hoạch đang theo dõi"
WEB_FILTER_NAMES = {"plan": "Kế hoạch", "year": "Năm", "quarter": "Quý", "state": "Trạng thái",
                    "person": "Người phụ trách", "days": "Số ngày", "kind": "Định dạng"}
WEB_BAD_REPORT_DAY = ("Ngày “{value}” không hợp lệ: ghi dạng 30/06/2023, không sau hôm nay. "
                      "Chưa tạo báo cáo.")
WEB_DECISION_UNKNOWN = "Chưa chọn duyệt hay không duyệt. Không có gì thay đổi."
WEB_DECLINE_NEEDS_REASON = "Không duyệt thì cần ghi lý do để người xin biết. Không có gì thay đổi."
WEB_REASON_TOO_LONG = "Lý do dài quá {limit} ký tự. Không có gì thay đổi."
WEB_EXTENSION_GONE = "Không tìm thấy đề nghị gia hạn này."
WEB_DELIVERY_STATUS = {"pending": "đang chờ gửi", "sending": "đang gửi", "retry": "sẽ gửi lại",
                       "sent": "đã gửi", "failed": "không gửi được"}
WEB_DELIVERY_PURPOSE = {"reminder": "tin nhắc", "catch_up": "tin tổng hợp", "message": "tin nhắn",
                        "notice": "báo văn phòng"}
WEB_EXTENSION_STATUS = {"pending": "đang chờ", "approved": "đã duyệt", "declined": "không duyệt"}
WEB_FILE_MISSING = "Không còn tệp này trên máy chủ. Văn phòng kiểm tra thư mục dữ liệu."
WEB_OWNER_NEEDED = "Cần chọn ít nhất một đơn vị chủ trì. Không có gì thay đổi."
WEB_UNKNOWN_ROLE = "Vai trò đã chọn không có trong xã. Tải lại trang rồi chọn lại. Không có gì thay đổi."
WEB_BAD_EVENT_DATE = ("Ngày sự kiện “{value}” không hợp lệ (ghi dạng 02/10/2023, không sau hôm nay). "
                      "Không có gì thay đổi.")
WEB_BAD_EVENT_DAYS = "Số ngày phải làm xong phải từ 1 đến {limit}. Không có gì thay đổi."
WEB_RETIRE_CONFIRM = "Để bỏ việc {code}, gõ đúng mã việc “{code}” vào ô xác nhận. Không có gì thay đổi."
WEB_DEADLINE_EMPTY = "Chưa ghi thời hạn. Không có gì thay đổi."
WEB_DEADLINE_NOT_UNDERSTOOD = ("Bot chưa hiểu thời hạn này nên sẽ không nhắc được. Ghi rõ hơn, "
                               "ví dụ: “Trước 15/3”, “Quý II”, “Hằng tháng”, “Sau khi có văn bản của huyện”.")
WEB_ITEM_NOTICES = {"holders": "Đã lưu người phụ trách; lịch nhắc đã cập nhật.",
                    "deadline": "Đã lưu thời hạn mới; lịch nhắc đã cập nhật.",
                    "deadline_conflict": ("Đã lưu thời hạn mới; mốc đang được gia hạn giữ hạn đã duyệt, "
                                          "văn phòng quyết định (xem cột Hạn hiện tại)."),
                    "event": "Đã ghi nhận sự kiện; lịch nhắc đã cập nhật.",
                    "retired": "Đã bỏ việc này: không nhắc nữa, lịch sử vẫn giữ.",
                    "document": "Đã lấy hạn theo tệp mới; lịch nhắc đã cập nhật.",
                    "decision": ("Đã giữ hạn đã gia hạn; ngày trong tệp mới là hạn theo kế hoạch "
                                 "(để chấm đúng hạn). Lịch nhắc đã cập nhật.")}
WEB_DISPUTED_TITLE = "Thời hạn chờ văn phòng chọn"
WEB_DISPUTED_HELP = ("Tệp mới ghi hạn khác với gia hạn đã có. Bot đang giữ hạn đã gia hạn và nhắc theo "
                     "hạn đó cho đến khi văn phòng chọn.")
WEB_RESOLVE_UNKNOWN = "Chưa chọn theo tệp hay giữ gia hạn. Không có gì thay đổi."
WEB_RESOLVE_NONE = "Việc {code} không có thời hạn nào đang chờ văn phòng chọn. Không có gì thay đổi."
WEB_RESOLVE_NOTHING_APPROVED = ("Việc {code} chưa có gia hạn nào được duyệt nên không có gì để giữ: "
                                "chọn theo tệp, hoặc chờ Chủ tịch duyệt. Không có gì thay đổi.")
WEB_UPLOAD_TOO_BIG = "Tệp lớn quá {mb} MB. Chưa nhập gì."
WEB_UPLOAD_TYPE = "Chọn một tệp kế hoạch ({types}). Chưa nhập gì."
WEB_UPLOAD_YEAR = "Năm “{value}” không hợp lệ (ví dụ 2024). Chưa nhập gì."
WEB_UPLOAD_NO_YEAR = "Không tìm thấy năm của kế hoạch trong tệp: ghi năm ở ô “Năm” khi tải tệp lên."
WEB_IMPORT_NOT_SAVED = "Chưa lưu gì. Sửa ở bảng dưới nếu cần, bấm “Xem lại”, rồi bấm “Lưu kế hoạch”."
WEB_IMPORT_BAD_OWNER = "Việc {code}: đơn vị chủ trì đã chọn không có trong danh sách vai trò."
WEB_IMPORT_BAD_DEADLINE = "Việc {code}: {reason}"


# ------------------------------------------------------------ people and roles

PEOPLE_ERRORS = {
    "blank_name": "Tên người không được để trống.",
    "long_name": "Tên quá dài (tối đa 200 ký tự).",
    "blank_role": "Tên vai trò không được để trống.",
    "blank_alias": "Tên gọi khác không được để trống.",
    "exists": "Đã có người tên «{name}» trong {unit}: không thêm người trùng tên.",
    "same_unfolded": (
        "Đã có «{name}» trong {unit}: «{typed}» đọc giống hệt khi bỏ dấu. Nếu là cùng một người, "
        "dùng tên «{name}»; nếu đúng là người khác, gõ lại đủ dấu và xác nhận «người khác»."),
    "unknown_person": "Không có người «{typed}» trong {unit}. Những người đang có: {names}.",
    "ambiguous_person": "«{typed}» khớp nhiều người trong {unit}: {names}. Gõ đủ tên.",
    "unknown_role": "Không có vai trò «{typed}» trong {unit}. Các vai trò: {roles}.",
    "role_exists": "«{alias}» đã là tên hoặc tên gọi khác của vai trò «{role}» trong {unit}.",
    "retired": "{name} đã nghỉ: không giao vai trò hay tạo mã mời cho người đã nghỉ.",
    "already_retired": "{name} đã nghỉ rồi.",
    "holds_already": "{name} đã giữ (hoặc sắp giữ) vai trò «{role}».",
    "does_not_hold": "{name} không giữ vai trò «{role}» vào ngày {day}.",
    "not_holder": "{name} không giữ vai trò «{role}» nên không thể giao lại từ người này.",
    "past_day": "Ngày {day} đã qua: chỉ giao hoặc thôi vai trò từ hôm nay ({today}) trở đi.",
    "alias_taken": "Tên gọi «{alias}» đã dùng cho vai trò «{role}».",
    "alias_missing": "Vai trò «{role}» không có tên gọi khác «{alias}».",
    "alias_is_name": "«{alias}» là tên chính của vai trò «{role}», không bỏ được.",
    "same_person": "Người nhận vai trò phải khác người đang giữ.",
    "same_name": "Tên mới giống tên cũ.",
}
PEOPLE_ADDED = "Đã thêm {name} vào {unit}."
PEOPLE_RENAMED = "Đã đổi tên «{old}» thành «{new}»."
PEOPLE_RETIRED = "{name} đã nghỉ từ {day}: lịch sử được giữ, không nhắc nữa."
PEOPLE_HAND_OVER = ("⚠️ Các vai trò sau không còn ai giữ, cần giao cho người khác "
                    "(python3 run.py role assign VAI_TRÒ NGƯỜI): {roles}.")
PEOPLE_ASSIGNED = "{name} giữ vai trò «{role}» từ {day}."
PEOPLE_HANDED = "Vai trò «{role}»: {old} giữ đến hết {last}, {name} giữ từ {day}."
PEOPLE_TAKEN = "{name} thôi giữ vai trò «{role}» từ {day}."
PEOPLE_ROLE_ADDED = "Đã thêm vai trò «{role}» vào {unit}."
PEOPLE_ALIAS_ADDED = "Vai trò «{role}» có thêm tên gọi «{alias}»."
PEOPLE_ALIAS_REMOVED = "Đã bỏ tên gọi «{alias}» của vai trò «{role}»."
PEOPLE_NOBODY = "chưa có ai"

CLI_PERSON = "thêm, đổi tên, cho nghỉ một người (lưu trong cơ sở dữ liệu)"
CLI_PERSON_ADD = "thêm một người"
CLI_PERSON_RENAME = "đổi tên một người"
CLI_PERSON_RETIRE = "cho một người nghỉ: giữ lịch sử, không nhắc nữa; vai trò của họ phải giao lại"
CLI_PERSON_NAME = "tên người, đủ dấu"
CLI_PERSON_NEW_NAME = "tên mới, đủ dấu"
CLI_PERSON_ROLE = "vai trò giao cho người này ngay (tên hoặc tên gọi khác)"
CLI_PERSON_DISTINCT = "đây là người khác dù tên giống một người đã có khi bỏ dấu"
CLI_ROLE_GROUP = "giao, thôi, bàn giao vai trò; tên gọi khác của vai trò; liệt kê"
CLI_ROLE_ADD = "thêm một vai trò"
CLI_ROLE_ASSIGN = "giao vai trò cho một người từ một ngày (mặc định hôm nay)"
CLI_ROLE_TAKE = "một người thôi giữ vai trò từ một ngày (mặc định hôm nay)"
CLI_ROLE_ALIAS = "thêm (hoặc bỏ, với --remove) một tên gọi khác của vai trò, như kế hoạch hay ghi"
CLI_ROLE_LIST = "liệt kê các vai trò, tên gọi khác và người giữ"
CLI_ROLE_NAME = "vai trò (tên hoặc tên gọi khác)"
CLI_ROLE_NEW = "tên vai trò mới"
CLI_ROLE_PERSON = "người (tên đủ dấu, hoặc không dấu nếu chỉ khớp một người)"
CLI_ROLE_FROM = "từ ngày này (dd/mm/yyyy); mặc định hôm nay"
CLI_ROLE_PERSON_METAVAR = "NGƯỜI_CŨ"
CLI_ROLE_REPLACE = "bàn giao: người này thôi giữ vai trò từ cùng ngày"
CLI_ROLE_ALIAS_NAME = "tên gọi khác"
CLI_ROLE_REMOVE = "bỏ tên gọi này thay vì thêm"
ROLE_LIST_LINE = "• {role}{duty}: {holders}"
ROLE_LIST_ALIASES = "    tên gọi khác: {aliases}"
ROLE_LIST_FUTURE = "    từ {day}: {name}"
ROLE_DUTIES = {"coordinator": " (văn phòng theo dõi kế hoạch)", "chairman": " (Chủ tịch)",
               "official": ""}

CHECK_PEOPLE_DIFFER = (
    "Người và vai trò của {unit}: config.toml khác cơ sở dữ liệu — bot dùng cơ sở dữ liệu "
    "(sửa bằng trang «Người và vai trò» hoặc `python3 run.py person …`/`role …`; "
    "config.toml chỉ được nạp lần đầu):")
CHECK_PEOPLE_SAME = "Người và vai trò của {unit}: config.toml và cơ sở dữ liệu giống nhau."
CHECK_PEOPLE_NOT_SEEDED = "Người và vai trò của {unit}: chưa nạp; lần chạy đầu sẽ nạp từ config.toml."
CHECK_DIFF = {
    "person_config": "  - người chỉ có trong config.toml: {names}",
    "person_db": "  - người chỉ có trong cơ sở dữ liệu: {names}",
    "role_config": "  - vai trò chỉ có trong config.toml: {names}",
    "role_db": "  - vai trò chỉ có trong cơ sở dữ liệu: {names}",
    "alias_config": "  - «{role}»: tên gọi chỉ có trong config.toml: {names}",
    "alias_db": "  - «{role}»: tên gọi chỉ có trong cơ sở dữ liệu: {names}",
    "holders": "  - «{role}»: config.toml ghi {config}, cơ sở dữ liệu ghi {db}",
}

WEB_PEOPLE_NOTICES = {
    "added": "Đã thêm người. Tạo mã mời để họ kết nối Zalo hoặc Telegram.",
    "renamed": "Đã đổi tên.",
    "retired": "Đã cho nghỉ: lịch sử được giữ, không nhắc nữa; lịch nhắc đã cập nhật.",
    "retired_orphans": ("Đã cho nghỉ. ⚠️ Có vai trò không còn ai giữ (xem bên dưới): "
                        "hãy giao cho người khác."),
    "invited": "Đã tạo mã mời (dùng một lần, hết hạn sau 7 ngày).",
    "assigned": "Đã giao vai trò; lịch nhắc đã cập nhật.",
    "handed": "Đã bàn giao vai trò: tin nhắc từ ngày đó gửi người mới; lịch nhắc đã cập nhật.",
    "taken": "Đã thôi giao vai trò; lịch nhắc đã cập nhật.",
    "role_added": "Đã thêm vai trò.",
    "alias": "Đã lưu tên gọi khác của vai trò.",
}
WEB_RETIRE_PERSON_CONFIRM = ("Để cho {name} nghỉ, gõ đúng tên «{name}» vào ô xác nhận. "
                             "Không có gì thay đổi.")
WEB_RETIRE_SELF = "Anh/chị không thể tự cho mình nghỉ trên trang này. Không có gì thay đổi."
WEB_UNKNOWN_ROLE_OR_PERSON = ("Vai trò hoặc người đã chọn không có trong xã. Tải lại trang rồi "
                              "chọn lại. Không có gì thay đổi.")
WEB_BAD_DAY = "Không hiểu ngày «{value}»: ghi kiểu 31/01/2024. Không có gì thay đổi."
WEB_BLOCKED_ADVICE = ("Bot bị chặn hoặc cuộc trò chuyện đã bị xoá (lỗi 403): tạo mã mời mới, "
                      "nhờ người này mở lại bot và gửi mã.")
WEB_NEVER_CONNECTED = "Chưa kết nối: tạo mã mời và gửi cho người này."
WEB_NOTHING_CHANGED = "Không có gì thay đổi."
