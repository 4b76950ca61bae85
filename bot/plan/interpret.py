"""Turn a Document (any format) into plan items with milestones.

The rules follow how commune plans are actually laid out: a hierarchy of
objective (1.x) > task (2.x) > activity (3.x) columns, section rows in roman
numerals, and text dumps that break rows across pages or shift a row right.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from bot.plan import deadlines
from bot.plan.errors import PlanError
from bot.plan.sections import Headings, section_key
from bot.plan.tables import Document, Row, Table

HIERARCHY = ("objective", "task", "activity")
DATA = ("product", "owner", "coordinator", "deadline", "budget")

# Checked in this order: "Đơn vị phối hợp" must not read as an owner column,
# "Thời gian thực hiện" not as "Đơn vị thực hiện".
_HEADER_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("coordinator", ("phoi hop",)),
    ("deadline", ("thoi gian", "thoi han", "tien do", "han hoan thanh")),
    ("budget", ("kinh phi",)),
    ("owner", ("chu tri", "don vi thuc hien", "co quan thuc hien", "nguoi thuc hien",
               "chiu trach nhiem", "phu trach", "don vi thuc hien")),
    ("product", ("san pham", "ket qua")),
    ("objective", ("muc tieu",)),
    # "Nội dung nhiệm vụ" and "Tên nhiệm vụ" hold the items; "Nhóm nhiệm vụ" groups them.
    ("activity", ("hoat dong", "noi dung", "cong viec", "ten nhiem vu", "ten du an")),
    ("task", ("nhiem vu",)),
    ("note", ("ghi chu",)),
)
_TT_WORDS = {"tt", "stt", "so tt", "so thu tu", "tt."}
_NUMBERING = re.compile(r"^\(?\d{1,2}\)?\s*[-–—.:)]?\s+")
_CODE = re.compile(r"^(\d{1,2}(?:\.\d{1,3})+)\.?(?=\s|$)\s*(.*)$", re.S)
_ROMAN = re.compile(r"^(?=[IVXL])(L?X{0,3})(IX|IV|V?I{0,3})\.?$")
_LETTER = re.compile(r"^[A-HJ-UWYZ]\.?$")  # A., B. … sections; I, V and X are roman
_ROMAN_HEADING = re.compile(r"^((?=[IVXL])L?X{0,3}(?:IX|IV|V?I{0,3}))[.)]\s+(\S.*)$")
_ROW_NUMBER = re.compile(r"^\d{1,3}\.?$")
_COLUMN_NUMBER = re.compile(r"^\(?\d{1,2}\)?$")
_TRAILING = re.compile(r"[\s,;.:]+$")
_BULLET = re.compile(r"^[-–+•*]\s+")
_CAPTION_YEAR = re.compile(r"\bnăm\s+((?:19|20)\d\d)\b", re.I)
_CAPTION_DATE = re.compile(r"\bngày\s+\d{1,2}/\d{1,2}/((?:19|20)\d\d)\b", re.I)


def fold(text: str) -> str:
    """Case-, diacritics- and spacing-insensitive key used for matching words."""
    text = unicodedata.normalize("NFD", text.casefold().replace("đ", "d"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return " ".join(text.split())


@dataclass(slots=True)
class ImportWarning:
    code: str
    line: int | None = None
    item: str | None = None
    params: dict[str, object] = field(default_factory=dict)


@dataclass(slots=True)
class ParsedItem:
    code: str
    title: str
    line: int
    section: str | None = None
    section_title: str | None = None
    parent_section: str | None = None  # the upper heading ("B" over "II"), if the plan has two
    row: str | None = None
    objective: str | None = None
    objective_text: str | None = None
    task: str | None = None
    task_text: str | None = None
    product: str = ""
    owners: list[str] = field(default_factory=list)
    coordinators: list[str] = field(default_factory=list)
    deadline_text: str = ""
    budget: str = ""
    milestones: list[deadlines.Milestone] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "section": self.section, "section_title": self.section_title, "row": self.row,
            "objective": self.objective, "task": self.task, "code": self.code,
            "title": self.title, "product": self.product or None,
            "owners": self.owners, "coordinators": self.coordinators,
            "deadline_text": self.deadline_text, "budget": self.budget or None,
            "milestones": [m.as_json() for m in self.milestones],
            "parent_section": self.parent_section,
        }

    @property
    def section_key(self) -> str | None:
        return section_key(self.section, self.parent_section) if self.section else None


@dataclass(slots=True)
class ParsedPlan:
    source: str
    title: str | None = None
    unit: str | None = None
    issued: date | None = None
    year: int | None = None
    signer: str | None = None
    signer_title: str | None = None
    sections: dict[str, str] = field(default_factory=dict)  # section_key -> title
    section_parents: dict[str, str] = field(default_factory=dict)  # "B.II" -> "B"
    items: list[ParsedItem] = field(default_factory=list)
    warnings: list[ImportWarning] = field(default_factory=list)
    # What became of every non-empty source row: item, section, header, structure, continuation, ignored.
    row_outcomes: dict[int, str] = field(default_factory=dict)


# --------------------------------------------------------------------- header

def header_columns(row: Row) -> dict[str, int]:
    """Meaning -> column index for a header row; empty if the row is not a header."""
    found: dict[str, int] = {}
    for index, cell in enumerate(row.cells):
        label = fold(_NUMBERING.sub("", cell))
        if not label:
            continue
        if label in _TT_WORDS:
            found.setdefault("tt", index)
            continue
        if len(label) > 60:
            continue
        for meaning, words in _HEADER_WORDS:
            if any(word in label for word in words):
                found.setdefault(meaning, index)
                break
    titled = "activity" in found or "task" in found
    if len(found) < 3 or not titled:
        return {}
    if "activity" not in found:
        # With a single title column the task column carries the items.
        found["activity"] = found.pop("task")
    return found


def _find_header(table: Table) -> tuple[int, dict[str, int]] | None:
    for position, row in enumerate(table.rows[:15]):
        columns = header_columns(row)
        if columns:
            return position, columns
    return None


# ---------------------------------------------------------------- interpreter

@dataclass(slots=True)
class _Node:
    code: str | None
    text: str
    line: int
    used: bool = False  # some item hangs under it


@dataclass(slots=True)
class _State:
    plan: ParsedPlan
    columns: dict[str, int]
    uses_codes: bool
    prefixes: dict[str, Counter] = field(default_factory=dict)
    section: tuple[str, str] | None = None
    parent_section: tuple[str, str] | None = None
    headings: Headings = field(default_factory=Headings)
    row_no: str | None = None
    objective: _Node | None = None
    task: _Node | None = None
    last_item: ParsedItem | None = None
    # Text cells are collected raw and joined at the end, after continuations.
    parts: dict[int, dict[str, list[str]]] = field(default_factory=dict)


def interpret(document: Document, year: int | None = None) -> ParsedPlan:
    plan = ParsedPlan(source=document.source)
    _read_front_matter(document, plan)
    plan.year = year or _plan_year(document, plan)
    found_header = False
    for table in document.tables:
        located = _find_header(table)
        if located is None:
            continue
        found_header = True
        position, columns = located
        if "deadline" not in columns:
            raise PlanError("no_deadline_column", path=document.source)
        if "owner" not in columns:
            raise PlanError("no_owner_column", path=document.source)
        _interpret_table(table, position, columns, plan, document.merges_known)
    if not found_header:
        _interpret_prose(document, plan)
    if not plan.items:
        raise PlanError("no_items", path=document.source)
    if plan.year is None:
        plan.year = _year_of_deadlines(plan)
    _unique_codes(plan)
    for item in plan.items:
        _parse_milestones(item, plan)
    return plan


def document_year(document: Document) -> int | None:
    """The year the document itself states (title, issue line or caption), before any task is read."""
    plan = ParsedPlan(source=document.source)
    _read_front_matter(document, plan)
    return _plan_year(document, plan)


def _plan_year(document: Document, plan: ParsedPlan) -> int | None:
    if plan.title:
        found = deadlines.find_plan_year(plan.title)
        if found:
            return found
    if plan.issued:
        return plan.issued.year
    # A spreadsheet often carries only its caption ("… năm 2023", "ngày 05/01/2023").
    for table in document.tables:
        located = _find_header(table)
        if located:
            for row in table.rows[:located[0]]:
                for cell in row.cells:
                    found = _CAPTION_YEAR.search(cell) or _CAPTION_DATE.search(cell)
                    if found:
                        return int(found.group(1))
    return None


def _year_of_deadlines(plan: ParsedPlan) -> int | None:
    """With no year written anywhere, the year most dated deadlines fall in, said as a guess."""
    years: Counter[int] = Counter()
    for item in plan.items:
        try:
            milestones = deadlines.parse_deadline(item.deadline_text, None)
        except deadlines.DeadlineError:
            continue
        years.update(m.due.year for m in milestones if m.due is not None)
    if not years:
        return None
    year = years.most_common(1)[0][0]
    plan.warnings.append(ImportWarning("year_guessed", None, None, {"year": year}))
    return year


def _interpret_table(table: Table, position: int, columns: dict[str, int], plan: ParsedPlan,
                     merges_known: bool) -> None:
    header = table.rows[position]
    body = table.rows[position + 1:]
    plan.row_outcomes[header.line] = "header"
    uses_codes = any(
        _CODE.match(_cell(row, columns, m)) for row in body for m in ("task", "activity")
    )
    state = _State(plan=plan, columns=columns, uses_codes=uses_codes,
                   prefixes={m: Counter() for m in HIERARCHY})
    for row in body:
        if not any(row.cells):
            continue
        if header_columns(row) or _is_column_numbers(row):
            plan.row_outcomes[row.line] = "header"
            continue
        _interpret_row(_unshift(row, state), state)
    _close_objective(state)
    _finish_items(state, fill_down=not merges_known)


def _interpret_prose(document: Document, plan: ParsedPlan) -> None:
    from bot.plan.prose import prose_tasks

    tasks = prose_tasks(document.paragraphs)
    if not tasks:
        raise PlanError("no_table", path=document.source)
    for task in tasks:
        section = task.section
        if section is not None:
            _add_section(plan, section, task.parent_section)
        item = ParsedItem(
            code=task.code or str(task.line), title=" ".join(task.title.split()), line=task.line,
            section=section[0] if section else None, section_title=section[1] if section else None,
            parent_section=task.parent_section[0] if task.parent_section else None,
            owners=split_names(task.owner), coordinators=split_names(task.coordinators),
            deadline_text=task.deadline)
        plan.items.append(item)


def _finish_items(state: _State, fill_down: bool) -> None:
    """Join the collected text, split names and fill empty names down within a task."""
    previous: ParsedItem | None = None
    for item in state.plan.items:
        item_parts = state.parts.pop(id(item), None)
        if item_parts is None:
            continue
        joined = {name: ("; " if name == "deadline" else " ").join(pieces)
                  for name, pieces in item_parts.items()}
        item.title = _BULLET.sub("", joined.get("title", ""))
        item.product = joined.get("product", "")
        item.budget = joined.get("budget", "")
        item.deadline_text = joined.get("deadline", "")
        same_group = previous is not None and (
            (previous.section_key, previous.objective, previous.task)
            == (item.section_key, item.objective, item.task))
        for meaning, field_name in (("owner", "owners"), ("coordinator", "coordinators")):
            names = split_names(joined.get(meaning, ""))
            if not names and same_group and fill_down:
                names = list(getattr(previous, field_name))
                if names:
                    state.plan.warnings.append(ImportWarning(
                        "filled_down", item.line, item.code,
                        {"column": meaning, "value": "; ".join(names)}))
            setattr(item, field_name, names)
        previous = item


def _add_section(plan: ParsedPlan, section: tuple[str, str], parent: tuple[str, str] | None, *,
                 replace: bool = False) -> None:
    if parent is not None:
        plan.sections.setdefault(*parent)  # a prose plan's upper heading holds no task itself
    key = section_key(section[0], parent[0] if parent else None)
    if replace or key not in plan.sections:
        plan.sections[key] = section[1]
    if parent is not None:
        plan.section_parents[key] = parent[0]


def _cell(row: Row, columns: dict[str, int], meaning: str) -> str:
    index = columns.get(meaning)
    if index is None or index >= len(row.cells):
        return ""
    return row.cells[index]


def _is_column_numbers(row: Row) -> bool:
    filled = [c for c in row.cells if c]
    return len(filled) >= 3 and all(_COLUMN_NUMBER.match(c) for c in filled)


def _learned_prefix(state: _State, meaning: str) -> str | None:
    counts = state.prefixes.get(meaning)
    return counts.most_common(1)[0][0] if counts else None


def _unshift(row: Row, state: _State) -> Row:
    """Repair a row the export pushed one column right (a 2.x in the activity column)."""
    levels = [m for m in HIERARCHY if m in state.columns]
    for upper, lower in zip(levels, levels[1:]):
        upper_col, lower_col = state.columns[upper], state.columns[lower]
        if lower_col != upper_col + 1 or lower_col >= len(row.cells) or row.cells[upper_col]:
            continue
        match = _CODE.match(row.cells[lower_col])
        upper_prefix = _learned_prefix(state, upper)
        if (match and upper_prefix and upper_prefix != _learned_prefix(state, lower)
                and match.group(1).split(".")[0] == upper_prefix):
            cells = row.cells[:upper_col] + row.cells[upper_col + 1:] + [""]
            state.plan.warnings.append(ImportWarning("shifted_row", row.line, match.group(1)))
            return Row(cells, row.line, frozenset(
                c - 1 if c > upper_col else c for c in row.merged if c != upper_col))
    return row


def _section_of(row: Row, columns: dict[str, int]) -> tuple[str, str] | None:
    filled = [(i, c) for i, c in enumerate(row.cells) if c and i not in row.merged]
    if not filled:
        return None
    first_index, first = filled[0]
    texts = {c for _, c in filled[1:]}
    if first_index <= columns.get("tt", 0) + 1 and len(texts) == 1:
        title = next(iter(texts))
        if _ROMAN.match(first) or (_LETTER.match(first) and title.upper() == title):
            return first.rstrip("."), title
    if len(filled) == 1:
        heading = _ROMAN_HEADING.match(first)
        if heading and heading.group(2).upper() == heading.group(2):
            return heading.group(1), heading.group(2)
    return None


def _interpret_row(row: Row, state: _State) -> None:
    plan, columns = state.plan, state.columns
    section = _section_of(row, columns)
    if section:
        _close_objective(state)
        state.section = section
        state.parent_section = state.headings.enter(*section)
        _add_section(plan, section, state.parent_section, replace=True)
        state.last_item = None
        plan.row_outcomes[row.line] = "section"
        return

    def cell(meaning: str) -> str:
        index = columns.get(meaning)
        if index is None or index in row.merged:
            return ""
        return _cell(row, columns, meaning)

    tt = cell("tt")
    if _ROW_NUMBER.match(tt):
        state.row_no = tt.rstrip(".")
    outcome = "structure"
    introduced = False
    new_item: ParsedItem | None = None

    objective = cell("objective")
    if objective:
        match = _CODE.match(objective)
        if match:
            state.prefixes["objective"][match.group(1).split(".")[0]] += 1
            if state.objective is None or state.objective.code != match.group(1):
                _close_objective(state)
                state.objective = _Node(match.group(1), match.group(2), row.line)
                introduced = True
        elif state.objective is not None and state.uses_codes:
            state.objective.text = f"{state.objective.text} {objective}".strip()
            _note_continuation(state, row, "objective")
            outcome = "continuation"
        else:
            _close_objective(state)
            state.objective = _Node(None, objective, row.line)
            introduced = True

    task = cell("task")
    if task:
        match = _CODE.match(task)
        if match:
            state.prefixes["task"][match.group(1).split(".")[0]] += 1
            if state.task is None or state.task.code != match.group(1):
                _close_task(state)
                state.task = _Node(match.group(1), match.group(2), row.line)
                state.last_item = None
                introduced = True
        elif state.task is not None:
            state.task.text = f"{state.task.text} {task}".strip()
            _append_task_item_title(state, task)
            _note_continuation(state, row, "task")
            outcome = "continuation"

    activity = cell("activity")
    match = _CODE.match(activity) if activity else None
    if match:
        state.prefixes["activity"][match.group(1).split(".")[0]] += 1
        new_item = _new_item(state, row, match.group(1), match.group(2))
    elif activity and not state.uses_codes and (
            tt or state.last_item is None or cell("owner")
            or (cell("deadline") and "deadline" in state.parts.get(id(state.last_item), {}))):
        # A row of its own text with its own owner or deadline is a task, numbered or not;
        # only a row that adds to the one above is a page-break continuation.
        new_item = _new_item(state, row, state.row_no or str(row.line), activity)
    elif activity:
        if state.last_item is not None:
            _add_part(state, state.last_item, "title", activity)
            _note_continuation(state, row, "activity")
            outcome = "continuation"
        else:
            plan.warnings.append(ImportWarning("row_ignored", row.line, None, {"text": activity}))
            outcome = "ignored"
    elif (state.task is not None and state.task.code and not state.task.used
          and state.task.line == row.line and (cell("owner") or cell("deadline"))):
        # A task with no activity of its own is itself a trackable item.
        new_item = _new_item(state, row, state.task.code, state.task.text)
        new_item.task = state.task.code

    data = {m: _cell(row, columns, m) if columns.get(m) in row.merged else cell(m) for m in DATA}
    if new_item is not None:
        _fill_item(state, new_item, data, row)
        outcome = "item"
    elif any(data.values()):
        if state.last_item is not None:
            for meaning, value in data.items():
                if value and columns.get(meaning) not in row.merged:
                    _add_data_continuation(state, state.last_item, meaning, value)
            _note_continuation(state, row, "data")
            outcome = "continuation"
        else:
            plan.warnings.append(ImportWarning(
                "row_ignored", row.line, None, {"text": " | ".join(v for v in data.values() if v)}))
            outcome = "ignored"
    if outcome == "structure" and not introduced:
        plan.warnings.append(ImportWarning("row_ignored", row.line, None,
                                           {"text": " | ".join(c for c in row.cells if c)}))
        outcome = "ignored"
    plan.row_outcomes[row.line] = outcome


def _new_item(state: _State, row: Row, code: str, title: str) -> ParsedItem:
    section = state.section
    item = ParsedItem(
        code=code, title="", line=row.line,
        section=section[0] if section else None, section_title=section[1] if section else None,
        parent_section=state.parent_section[0] if state.parent_section else None,
        row=state.row_no,
        objective=state.objective.code if state.objective else None,
        objective_text=state.objective.text if state.objective else None,
        task=state.task.code if state.task else None,
        task_text=state.task.text if state.task else None,
    )
    _add_part(state, item, "title", title)
    state.plan.items.append(item)
    for node in (state.objective, state.task):
        if node is not None:
            node.used = True
    return item


def _fill_item(state: _State, item: ParsedItem, data: dict[str, str], row: Row) -> None:
    for meaning in DATA:
        if data[meaning]:
            _add_part(state, item, meaning, data[meaning])
    state.last_item = item


def _add_part(state: _State, item: ParsedItem, name: str, text: str) -> None:
    if name == "deadline":
        text = "; ".join(part.strip() for part in text.split("\n") if part.strip())
    elif name not in ("owner", "coordinator"):
        text = " ".join(text.split())
    state.parts.setdefault(id(item), {}).setdefault(name, []).append(text)


def _add_data_continuation(state: _State, item: ParsedItem, meaning: str, value: str) -> None:
    _add_part(state, item, meaning, value)


def _append_task_item_title(state: _State, text: str) -> None:
    item = state.last_item
    if item is not None and state.task is not None and item.code == state.task.code:
        _add_part(state, item, "title", text)


def _note_continuation(state: _State, row: Row, column: str) -> None:
    continued = {"objective": state.objective, "task": state.task}.get(column)
    code = continued.code if continued is not None else (
        state.last_item.code if state.last_item else None)
    state.plan.warnings.append(ImportWarning("continuation", row.line, code, {"column": column}))


def _close_task(state: _State) -> None:
    task = state.task
    if task is not None and task.code and not task.used:
        state.plan.warnings.append(ImportWarning("task_without_items", task.line, task.code,
                                                 {"text": task.text}))
        state.plan.row_outcomes[task.line] = "ignored"
    state.task = None


def _close_objective(state: _State) -> None:
    _close_task(state)
    objective = state.objective
    if objective is not None and not objective.used and state.plan.row_outcomes.get(
            objective.line) != "ignored":
        state.plan.warnings.append(ImportWarning("row_ignored", objective.line, objective.code,
                                                 {"text": objective.text}))
        state.plan.row_outcomes[objective.line] = "ignored"
    state.objective = None
    state.last_item = None


def split_names(cell: str) -> list[str]:
    """The Chủ trì / Phối hợp cell: names separated by ';', trailing punctuation dropped."""
    names = []
    for part in cell.replace("\n", ";").split(";"):
        name = _TRAILING.sub("", " ".join(part.split()))
        if name:
            names.append(name)
    return names


def _unique_codes(plan: ParsedPlan) -> None:
    """Codes are how re-imports find items again, so they must be unique in a plan."""
    counts = Counter(item.code for item in plan.items)
    repeated = {code for code, count in counts.items() if count > 1}
    for code in sorted(repeated):
        plan.warnings.append(ImportWarning("duplicate_code", None, code, {"count": counts[code]}))
    seen: Counter[str] = Counter()
    for item in plan.items:
        if item.code in repeated:
            base = f"{item.section_key}.{item.code}" if item.section else item.code
            seen[base] += 1
            item.code = base if seen[base] == 1 else f"{base}-{seen[base]}"


def _parse_milestones(item: ParsedItem, plan: ParsedPlan) -> None:
    try:
        milestones, understood = deadlines.parse_deadline_checked(item.deadline_text, plan.year)
    except deadlines.DeadlineError as exc:
        plan.warnings.append(ImportWarning("bad_deadline", item.line, item.code,
                                           {"text": item.deadline_text, "reason": str(exc)}))
        item.milestones = [deadlines.Milestone(None, "none", None)]
        return
    if not understood:
        plan.warnings.append(ImportWarning("unparsed_deadline", item.line, item.code,
                                           {"text": item.deadline_text}))
    item.milestones = milestones


# --------------------------------------------------------------- front matter

_DATE_LINE = re.compile(
    r"^(?:\*+)?\s*([^,\d]{2,40}),\s*ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I)
_UNIT_HEADING = re.compile(r"^(?:ỦY|UỶ)\s+BAN\s+NHÂN\s+DÂN\s+(XÃ|PHƯỜNG|THỊ TRẤN)\s+(.+)$", re.I)
_UNIT_IN_TEXT = re.compile(r"của\s+(UBND|Ủy ban nhân dân)\s+(xã|phường|thị trấn)\s+([^./,;]+)")
_TITLE = re.compile(r"^KẾ\s+HOẠCH\b\s*(.*)$")
_SIGNER_TITLE = re.compile(r"^(PHÓ\s+)?CHỦ\s+TỊCH$")


def _read_front_matter(document: Document, plan: ParsedPlan) -> None:
    lines = [p.strip("* ").strip() for p in document.paragraphs]
    for index, line in enumerate(lines):
        if plan.title is None:
            title = _TITLE.match(line)
            if title:
                rest = title.group(1).strip()
                if not rest and index + 1 < len(lines):
                    rest = lines[index + 1]
                plan.title = f"Kế hoạch {rest}".strip()
        if plan.issued is None:
            dated = _DATE_LINE.match(line)
            if dated:
                day, month, year = (int(dated.group(n)) for n in (2, 3, 4))
                try:
                    plan.issued = date(year, month, day)
                except ValueError:
                    pass
                place = dated.group(1).strip()
                if plan.unit is None and place:
                    plan.unit = f"UBND xã {place}"
        heading = _UNIT_HEADING.match(line)
        if heading is None and index and _UNIT_HEADING.match(f"{lines[index - 1]} {line}"):
            heading = _UNIT_HEADING.match(f"{lines[index - 1]} {line}")
        if heading and heading.group(2).isupper() and len(heading.group(2)) < 40:
            plan.unit = f"UBND {heading.group(1).lower()} {heading.group(2).strip().title()}"
        signer_title = _SIGNER_TITLE.match(line.upper()) if len(line) < 20 else None
        if signer_title and plan.signer is None:
            plan.signer_title = "Phó Chủ tịch" if signer_title.group(1) else "Chủ tịch"
            for following in lines[index + 1: index + 4]:
                if following and not following.isupper():
                    plan.signer = following
                    break
    if plan.unit is None:
        for line in lines:
            found = _UNIT_IN_TEXT.search(line)
            if found:
                plan.unit = f"UBND {found.group(2).lower()} {found.group(3).strip()}"
                break
