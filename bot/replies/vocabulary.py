"""The words of the reply language, as patterns on the folded key (no diacritics, shorthand
spelled out). `bot.replies.language` decides what a message means from what these find.
"""

import re

CODE_HEAD = r"(?:[0-9]{1,2}|[ivx]{1,4})"
CODE_TAIL = r"(?:\.[0-9]{1,3})"
CODE_END = r"(?![\w/%]|\.[0-9])(?!\s*(?:%|phan\s+tram\b))"
CODE = re.compile(
    rf"(?<!\w)(?:muc|nhiem\s+vu|nv|stt|viec)\s*(?:so\s*)?"
    rf"(?P<marked>{CODE_HEAD}{CODE_TAIL}*){CODE_END}"
    rf"|(?<![\w./])(?P<plain>{CODE_HEAD}{CODE_TAIL}+){CODE_END}"
)
DATE_WORD_BEFORE = re.compile(r"(?<!\w)(?:ngay|mung|den|toi|sang|truoc|hom|vao|tu)\s*$")
TIME_WORD_BEFORE = re.compile(r"(?<!\w)luc\s*$")
VERB_BEFORE = re.compile(r"(?<!\w)(?:han|lui|hoan|doi)\s*$")
# "hết 2.5 triệu": an amount, neither an item nor a day.
AMOUNT_AFTER = re.compile(
    r"\s*(?:trieu|tr|ty|ti|ti\s+dong|nghin|ngan|k|dong|d|vnd|usd|m2|m|km|ha|kg|tan|lit"
    r"|nguoi|luot|ban|cuon|to|chiec|cai|bo)(?!\w)")
MONEY_BEFORE = re.compile(r"(?<!\w)(?:het|ton|gia|mat|tien|phi|kinh\s+phi|tong\s+cong)\s*$")

PERCENT = re.compile(
    r"(?<![\w.])(?<![0-9],)(?P<num>[0-9]+)(?:[.,][0-9]+)?\s*(?:%|phan\s+tram(?!\w))"
    r"|(?<!\w)(?:mot|phan|khoang|duoc|dat|moi|gan|tam|chung)\s+(?P<half>nua)(?!\w)"
    r"|(?<!\w)(?:duoc|khoang|moi|dat|tam|chung|xong)\s+(?:(?:khoang|tam|chung|co)\s+)?"
    r"(?P<fa>[1-3])\s*/\s*(?P<fb>[2-4])(?![\w/.])"
    r"|(?<!\w)(?P<qa>mot|hai|ba)\s+phan\s+(?P<qb>tu|ba|hai)(?!\w)"
)
PERCENT_LEAD = r"(?:(?:duoc|dat|khoang|tam|hon|gan|moi|chi|len|toi|den|la|xong)\s+)*"
DONE_PERCENT_GAP = re.compile(r"[\s,:\-]*(?:(?:duoc|dat|khoang|tam|roi|la)(?!\w)[\s,:\-]*)*")

WHO = r"(?:em|e|toi|minh|chung\s+em|xa|phep|duoc|anh|a|chi|c)"
TASK_VERB = (
    r"(?:lam|thuc\s+hien|trien\s+khai|tien\s+hanh|xu\s+ly|bat\s+dau|kip|xong|hoan\s+(?:thanh|tat))"
)
DONE_WORD = r"(?:xong(?:\s+xuoi)?|hoan\s+(?:thanh|tat)|done|finish(?:ed)?)"
# Verbs whose past tense closes an item ("đã gửi bc lên huyện") and whose future promises it.
# Ongoing work ("đã công khai đủ 12 thủ tục") is news about an item, not its end.
DELIVER = r"(?:gui|nop|trinh|ky|bao\s+cao|ban\s+hanh|phat\s+hanh|to\s+chuc|chuyen)"
DO = rf"(?:{DELIVER}|lam|xu\s+ly|thuc\s+hien|trien\s+khai|hoan\s+thien|{DONE_WORD})"
PAST = r"(?:da|vua|moi)"
WORKED = r"(?:lam|thuc\s+hien|trien\s+khai)"
SUBJECT = r"(?:(?:em|e|toi|minh|xa|anh|chi|ben\s+em)\s+)?"
MARKERS = re.compile(
    r"(?<!\w)(?:"
    r"(?P<undo>(?:bam|go|an|nhan|bao|ghi|gui|tra\s+loi|noi|chon)\s+(?:nham|lon|sai)(?:\s+roi)?"
    r"|nham(?:\s+roi)?|lon\s+roi|sai\s+roi|rut\s+lai|undo"
    r"|(?<!bi\s)huy(?:\s+(?:bo|tin|cau|tra\s+loi|bao\s+cao|di))?(?!\s+(?:bo\s+)?(?:ke\s+hoach|hoi\s+nghi)))"
    r"|(?P<snooze>(?<!dung\s)(?<!khoi\s)(?<!can\s)(?<!tin\s)nhac(?=\s+(?:lai|sau|em|e|toi|minh|anh|chi|giup|ho|lan\s+sau|nhe|nha|a|vao"
    r"|luc|thu|mai|tuan|ngay|chu|hom|sang|chieu|toi)(?!\w)|\s*$)"
    r"|(?:de|tinh|noi|bao|tra\s+loi|lam)\s+sau(?!\s+(?:[0-9]|mot|hai|ba|bon|nam|vai|khi|tet)))"
    r"|(?P<help>help|hdsd|xin\s+huong\s+dan"
    # questions about an item: "3.10 hết hạn chưa ạ", "bao giờ phải nộp 3.10"
    r"|(?:xong|het\s+han|den\s+han|gui|nop|lam|ky|hoan\s+thanh)\s+chua"
    r"(?=(?:\s+(?:a|em|e|anh|chi|nhi|ha|vay|the))*[\s?]*$)"
    r"|(?:bao\s+gio|khi\s+nao|ngay\s+nao|hom\s+nao)(?=.*\?\s*$|\s*$|\s+(?:(?:thi|la|phai)\s+)*"
    r"(?:het\s+han|den\s+han|nop|gui))"
    r"|huong\s+dan(?=\s+(?:su\s+dung|cach|em|e|toi|minh|voi|giup|di|nhe|nha|a)(?!\w)|\s*[?]*$)|tro\s+giup|cach\s+(?:dung|lam|tra\s+loi|bao\s+cao|go|su\s+dung)"
    r"|lam\s+(?:sao|the\s+nao|nhu\s+the\s+nao)|go\s+(?:gi|the\s+nao|sao|nhu\s+the\s+nao)"
    r"|(?:viec|muc|nhiem\s+vu)\s+(?:nao|gi)|con\s+(?:nhung\s+)?(?:viec|muc|nhiem\s+vu)"
    r"|(?:nhung\s+)?(?:viec|muc)\s+cua\s+(?:em|e|toi|minh)|danh\s+sach(?:\s+viec)?|menu)"
    rf"|(?P<extend>(?:(?:xin|de\s+nghi|cho|mong|muon)\s+(?:{WHO}\s+)*)?"
    r"(?:gia\s+han|gian\s+han|lui|hoan(?!\s+(?:thanh|tat|thien|chinh|tra|nghenh))|keo\s+dai"
    r"|doi\s+(?:sang|lai|den|toi|han|ngay)|them\s+thoi\s+gian)"
    rf"|(?:xin|can|cho)\s+(?:{WHO}\s+)*them(?=\s+(?:[0-9]|mot|hai|ba|bon|nam|vai|it|thoi\s+gian)))"
    rf"|(?P<not_yet>(?:van\s+(?:con\s+)?|hien\s+(?:tai\s+|gio\s+|van\s+)?)?chua(?:\s+{TASK_VERB})?"
    r"(?:\s+(?:xong|duoc|gi|het|ca))*"
    rf"|khong\s+(?:the\s+)?(?:(?:lam|thuc\s+hien|trien\s+khai)\s+)?(?:kip|xong|hoan\s+thanh|duoc))"
    r"|(?P<waiting>(?:dang|con|van\s+dang|van\s+con)(?=\s+(?:cho|doi)(?!\w)))"
    rf"|(?P<promise>(?:se|sap|du\s+kien(?:\s+se)?|chuan\s+bi|hua|de\s+{WHO})\s+{SUBJECT}"
    rf"(?:lam\s+)?{DO})"
    rf"|(?P<progress>gan\s+(?:nhu\s+)?(?:lam\s+)?{DONE_WORD}"
    rf"|{PAST}\s+bat\s+dau(?:\s+lam)?"
    r"|dang(?:\s+(?:lam|thuc\s+hien|trien\s+khai|tien\s+hanh|xu\s+ly)(?:\s+do)?)?)"
    rf"|(?P<done>{SUBJECT}(?:{PAST}\s+)?(?:(?:lam|thuc\s+hien|trien\s+khai)\s+)?{DONE_WORD}"
    r"(?:\s+(?:roi|het|ca|xong))*)"
    rf"|(?P<delivered>{PAST}\s+(?:{DELIVER}|{WORKED})|{WORKED}\s+roi"
    rf"|{DELIVER}(?:\s+[^\s%]+){{0,5}}?\s+roi)"
    r"|(?P<wait_word>cho|doi)"
    rf"|(?P<act>{DO})"
    r")(?!\w)"
)
PAST_MARK = re.compile(rf"^{PAST}\s|\broi\b")
ROI = re.compile(r"(?<!\w)roi(?!\w)")
# A chairman's word on an extension, at the start of the message (after fillers and codes).
DECISION = re.compile(
    r"(?<!\w)(?:"
    r"(?P<reject>khong(?=\s*(?:[,.!;]|$))|(?:khong|chua\s+the)\s+(?:(?:the|nen)\s+)?(?:duyet|dong\s+y|duoc|chap\s+(?:nhan|thuan)"
    r"|cho(?:\s+phep)?(?:\s+(?:lui|gia\s+han|hoan|doi|keo\s+dai))?)|tu\s+choi|bac(?:\s+bo)?)"
    r"|(?P<approve>(?:phe\s+)?duyet|dong\s+y|chap\s+(?:nhan|thuan)|nhat\s+tri|ok|duoc"
    r"|cho\s+(?:phep\s+)?(?:lui|gia\s+han|hoan|doi|keo\s+dai|them)(?!\s+(?:em|e|toi|minh)(?!\w)))"
    r")(?!\w)"
)

CHOICE = re.compile(
    r"[^\w%]*(?:(?:da|vang|em)\s+)?(?:(?:chon|so|phuong\s+an)\s*)*(?P<n>[0-9]{1,3})"
    r"(?:[^\w%]*(?:a|nhe|nha))?[^\w%]*"
)
QUESTION_ONLY = re.compile(r"[\s?]*\?[\s?]*")

REASON_SPLIT = re.compile(
    r"\s*[,;:]|\s+-\s|\.(?:\s|$)"
    r"|(?<!\w)(?:vi|do|ly\s+do|tai\s+vi|tai|boi\s+vi|boi\s+le|boi|de|nham)(?!\w)"
)
LEADING_PUNCT = re.compile(r"[\s,:;\-–—.!?]*")
LEADING_JUNK = re.compile(
    r"[^\w(\[\"']+"
    r"|(?:vi|do|ly\s+do|la|boi\s+vi|boi|tai\s+vi|tai|nen|nhung|con|va|roi"
    r"|a|ak|nhe|nha|dau|ma|voi)(?!\w)"
    r"|ca(?=\s+(?:muc\s+)?[0-9ivx])"
    rf"|{PERCENT_LEAD}(?:[0-9]+(?:[.,][0-9]+)?\s*(?:%|phan\s+tram)|(?:mot|phan)\s+nua)(?!\w)"
    rf"|(?:(?:muc|nhiem\s+vu|nv|stt)\s*)?{CODE_HEAD}{CODE_TAIL}+(?![\w/])"
    rf"|(?:muc|nhiem\s+vu|nv|stt)\s*{CODE_HEAD}(?![\w/])"
)
TRAILING_JUNK = re.compile(
    r"(?:[^\w)\]\"'%]+"
    r"|(?<!\w)(?:(?:anh|chi|em|sep)\s+)?(?:a|ak|ah|nhe|nha|nhi|dau|ha)"
    rf"|(?<!\w){PERCENT_LEAD}[0-9]+(?:[.,][0-9]+)?\s*(?:%|phan\s+tram)"
    rf"|(?<![\w./])(?<!luc\s){CODE_HEAD}{CODE_TAIL}+)$"
)
WORKED_ONLY = re.compile(rf"(?:{PAST}\s+)?{WORKED}(?!\w)")
PARTICLES = re.compile(r"(?:\s+(?:dau|a|ak|ah|nhe|nha|anh|chi|em|e|oi|sep|ha|nhi))+(?=[\s,;.:!?]|$)")
DONE_AGAIN = re.compile(rf"(?:(?:cung|deu)\s+)?{DONE_WORD}(?:\s+(?:roi|het|ca))*")
CAUSE_BEFORE = re.compile(r"(?:^|[.;!?]\s*)(?P<cause>[^.;!?]+?),?\s+nen\s*$")
ALPHA_WORD = re.compile(r"[^\W\d_]+")
SPACES = re.compile(r"\s+")
CONDITION_BEFORE = re.compile(r"(?<!\w)(?:khi\s+nao|bao\s+gio|neu|khi|chung\s+nao)\s+(?:\S+\s+){0,2}$")
THEN = re.compile(r"\s+thi(?!\w)")
MONTH_ONLY = re.compile(r"thang\s+[0-9]")
CLAUSE_BREAK = re.compile(r"[,;.!?]|(?<!\w)(?:con|nhung|va|con\s+lai)(?!\w)")
DATE_PREPOSITION = re.compile(r"(?<!\w)(?:truoc|den|toi|vao|trong|het|cuoi)\s*$")

FILLERS = frozenset(
    "ok uh uhm um u uk ukm vang da a ah ak ha roi alo chao xin hello hi e c "
    "bot em anh chi nhe nha cam on thanks thank you yes co khong duoc vay the sep ban oi "
    "hihi hehe haha hic nhi toi minh xa".split()
)
