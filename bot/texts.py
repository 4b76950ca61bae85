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
        "Hãy dùng tệp Word (.docx), Excel (.xlsx) hoặc văn bản (.txt)."
    ),
    "not_text": "Tệp {path} không phải là văn bản.",
    "corrupt_docx": "Tệp Word {path} bị hỏng hoặc không phải tệp .docx thật.",
    "corrupt_xlsx": "Tệp Excel {path} bị hỏng hoặc không phải tệp .xlsx thật.",
    "no_table": (
        "Không tìm thấy bảng nhiệm vụ trong {path}: cần một bảng có các cột "
        "Nội dung/Nhiệm vụ, Chủ trì và Thời gian thực hiện."
    ),
    "no_deadline_column": "Bảng nhiệm vụ trong {path} không có cột thời hạn (Thời gian thực hiện).",
    "no_owner_column": "Bảng nhiệm vụ trong {path} không có cột đơn vị chủ trì (Chủ trì).",
    "no_items": "Bảng nhiệm vụ trong {path} không có nhiệm vụ nào.",
    "no_year": "Không xác định được năm của kế hoạch {path}; hãy chỉ rõ bằng --year.",
    "unknown_unit": "Chưa khai báo đơn vị {unit} trong config.toml.",
}

WARNINGS = {
    "unparsed_deadline": "không hiểu thời hạn \"{text}\"",
    "bad_deadline": "thời hạn sai \"{text}\": {reason}",
    "unknown_owner": "\"{name}\" không khớp vai trò nào; chuyển cho {routed_to}",
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
IMPORT_WARNINGS_TITLE = "Cảnh báo:"
IMPORT_DRY_RUN = "Chạy thử: chưa lưu gì vào cơ sở dữ liệu."
IMPORT_SAVED = "Đã lưu kế hoạch (mã {plan_id}): thêm {added}, cập nhật {updated}, giữ nguyên {unchanged}, không còn trong tệp {removed}."
IMPORT_CHANGED = "Mục {code} thay đổi: {fields}."
IMPORT_REMOVED = "Mục {code} không còn trong tệp mới; giữ lại lịch sử, đánh dấu là đã bỏ."
IMPORT_FAILED = "Không nhập được kế hoạch: {reason}"
FIELD_NAMES = {
    "title": "tên", "owners": "chủ trì", "coordinators": "phối hợp",
    "deadline_text": "thời hạn", "product": "sản phẩm", "budget": "kinh phí",
    "section": "phần", "objective": "mục tiêu", "task": "nhiệm vụ",
    "removed": "có lại trong tệp mới",
}

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
CLI_MIGRATE = "tạo hoặc nâng cấp cơ sở dữ liệu"
CLI_RUN = "chạy bot"
CLI_PREVIEW_SAMPLE = (
    "Chưa cấu hình kênh chat nào: đang xem trước kế hoạch mẫu {path}.\n"
    "Dùng `python -m bot import TỆP` để nhập kế hoạch của xã."
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
    "checkin": "Việc thường xuyên — tháng này có gì cần báo cáo không?",
}
REMINDER_FOOTER = (
    "Trả lời: \"xong 3.7\" khi đã hoàn thành, \"đang làm 50%\", \"chưa, lý do…\" "
    "hoặc \"gia hạn 3.7 15/3\"."
)
TITLE_MAX = 70


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
    parts += ["", REMINDER_FOOTER]
    return "\n".join(parts)


CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo", "console": "bảng điều khiển"}
DELIVERY_REASONS = {
    "no_chat": "người này chưa kết nối Zalo hoặc Telegram với bot",
    "blocked": "người này đã chặn bot",
}


def delivery_failed_notice(name: str, channel: str | None, reason: str) -> str:
    where = CHANNEL_NAMES.get(channel or "", channel or "")
    why = DELIVERY_REASONS.get(reason, reason)
    via = f" qua {where}" if where else ""
    return f"⚠️ Không gửi được tin nhắc việc cho {name}{via}: {why}. Đề nghị liên hệ trực tiếp."

CLI_SCHEDULE = "xem trước các tin nhắc mà kế hoạch sẽ gửi"
CLI_FROM = "từ ngày (YYYY-MM-DD, mặc định hôm nay)"
CLI_TO = "đến ngày (YYYY-MM-DD, mặc định 30 ngày sau)"
CLI_PERSON = "chỉ người có tên này"
CLI_JSON = "in dạng JSON"
CLI_EVENT = "ghi nhận sự kiện mà một việc \"Sau khi …\" đang chờ đã xảy ra"
CLI_CODE = "mã việc, ví dụ 3.66"
CLI_EVENT_ON = "ngày sự kiện xảy ra (YYYY-MM-DD)"
CLI_EVENT_DAYS = "số ngày được làm sau sự kiện (mặc định theo config.toml)"
SCHEDULE_EMPTY = "Không có tin nhắc nào từ {start} đến {end}."
EVENT_NOT_FOUND = "Không tìm thấy việc {code} có thời hạn theo sự kiện."
EVENT_MARKED = "Đã ghi nhận sự kiện của việc {code} ngày {on}; hạn hoàn thành {due}."
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
REMINDER_KIND_NAMES = {
    "lead": "nhắc trước", "due": "đến hạn", "overdue": "quá hạn", "checkin": "hỏi tình hình",
    "escalation": "báo quá hạn",
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
