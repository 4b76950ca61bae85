"""Plans that give their tasks as prose: numbered items, points, bullets and field lines.

    II. NỘI DUNG
    1. Rà soát văn bản quy phạm pháp luật
    - Cơ quan chủ trì: Công chức Tư pháp
    - Thời gian thực hiện: Quý II/2023

The paragraphs are read once into blocks (what each line is: a section, an item "1.2.",
a point "a)", a bullet "-" or "+", a field "label: value", or text), the blocks into a tree
by their markers, and every assignment in the tree (a node with its own owner or deadline)
becomes a task. Fields belong to the nearest node above them with a shallower marker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.plan.sections import Headings

_SECTION = re.compile(r"^((?=[IVXL])L?X{0,3}(?:IX|IV|V?I{0,3})|[A-HJ-UWYZ])[.)]\s+(\S.*)$")
_ITEM = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)(?:[.)]\s*|\s+)(?=\D)(\S.*)$")
_POINT = re.compile(r"^([a-zđ])\)\s*(\S.*)$")
_BULLET = re.compile(r"^([-–—•*+])\s*(\S.*)$")
_FIELD = re.compile(r"^([^:]{2,80}?)\s*:\s*(.*)$", re.S)
# "Thời gian thực hiện sau khi …": a deadline label may come without its colon.
_BARE_DEADLINE = re.compile(
    r"^(thoi\s*(?:gian|han)(?:\s*(?:thuc\s*hien|hoan\s*thanh|ban\s*hanh))?)\s+"
    r"(?=(?:sau|truoc|trong|tu|nam|quy|thang|ngay|hang|thuong|khi|den|giai)\b)")
# A deadline written at the end of a bullet: "… gửi Bộ Tài chính. Thời gian hoàn thành: …".
_INLINE_DEADLINE = re.compile(r"(?<=[.;])\s+(?=(?:Thời gian|Thời hạn)[^:.;]{0,40}:)")
_OWNER_HEADING = re.compile(r"^(?:trách nhiệm của|nhiệm vụ của)\s+", re.I)
_TEXT_DEPTH = 99


@dataclass(slots=True)
class Block:
    kind: str  # section, item, point, bullet, text
    marker: str | None
    text: str
    line: int
    meaning: str | None = None  # a field's: owner, coordinator, deadline, content
    label: str | None = None
    value: str = ""
    open: bool = False  # a field written empty takes the deeper lines below as its value

    @property
    def depth(self) -> int:
        if self.kind == "item":
            return 1 + self.marker.count(".")
        return {"point": 10, "bullet": 21 if self.marker == "+" else 20}.get(self.kind, _TEXT_DEPTH)


@dataclass(slots=True)
class Node:
    block: Block
    parent: Node | None
    section: tuple[str, str] | None
    parent_section: tuple[str, str] | None
    fields: dict[str, Block] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)


@dataclass(slots=True)
class ProseTask:
    code: str | None
    title: str
    line: int
    section: tuple[str, str] | None
    parent_section: tuple[str, str] | None
    owner: str
    coordinators: str
    deadline: str


def field_meaning(label: str) -> str | None:
    from bot.plan.interpret import fold

    key = fold(label)
    if len(key.split()) > 8 or any(ch.isdigit() for ch in key):
        return None
    if key.startswith(("thoi gian", "thoi han", "tien do", "han hoan thanh")):
        return "deadline"
    if "phoi hop" in key:
        return "coordinator"
    if "chu tri" in key or (key.startswith(("co quan", "don vi")) and key.endswith("thuc hien")):
        return "owner"
    if key in ("noi dung", "noi dung thuc hien", "nhiem vu", "noi dung nhiem vu", "noi dung cong viec"):
        return "content"
    return None


def starts_block(line: str) -> bool:
    """Whether a line opens a block of its own (a numbered item, a point, a bullet, a field)."""
    block = _blocks_of(line, 0)[0]
    return block.kind != "text" or block.meaning is not None


def read_blocks(paragraphs: list[str]) -> list[Block]:
    """What each line of the document is, in order."""
    blocks: list[Block] = []
    for number, paragraph in enumerate(paragraphs, start=1):
        for line in paragraph.split("\n"):
            line = line.strip()
            if line:
                blocks.extend(_blocks_of(line, number))
    return blocks


def _blocks_of(line: str, number: int) -> list[Block]:
    section = _SECTION.match(line)
    if section and section.group(2).upper() == section.group(2):
        return [Block("section", section.group(1), section.group(2), number)]
    for kind, pattern in (("item", _ITEM), ("point", _POINT), ("bullet", _BULLET)):
        found = pattern.match(line)
        if found:
            marker, text = found.group(1), found.group(2)
            if kind == "bullet" and marker != "+":
                marker = "-"
            break
    else:
        kind, marker, text = "text", None, line
    tail = None
    if kind != "item":
        parts = _INLINE_DEADLINE.split(text, maxsplit=1)
        if len(parts) == 2 and field_meaning(parts[1].split(":", 1)[0]) == "deadline":
            text, tail = parts
    block = Block(kind, marker, text, number)
    _read_field(block)
    blocks = [block]
    if tail is not None:
        inline = Block("text", None, tail, number)
        _read_field(inline)
        blocks.append(inline)
    return blocks


def _read_field(block: Block) -> None:
    from bot.plan.interpret import fold

    found = _FIELD.match(block.text)
    if found:
        meaning = field_meaning(found.group(1))
        if meaning is not None:
            block.meaning, block.label, block.value = meaning, found.group(1), found.group(2).strip()
            block.open = not block.value
        return
    bare = _BARE_DEADLINE.match(fold(block.text))
    if bare:
        words = len(bare.group(1).split())
        parts = block.text.split(maxsplit=words)
        block.meaning, block.label = "deadline", " ".join(parts[:words])
        block.value = parts[words] if len(parts) > words else ""
        block.open = not block.value


def read_tree(blocks: list[Block]) -> list[Node]:
    """The nodes (items, points, bullets) in order, each with its fields attached."""
    nodes: list[Node] = []
    stack: list[Node | Block] = []
    section: tuple[str, str] | None = None
    headings, parent_section = Headings(), None
    for block in blocks:
        if block.kind == "section":
            section, stack = (block.marker, block.text), []
            parent_section = headings.enter(block.marker, block.text)
            continue
        awaiting = _awaiting_field(stack)
        if awaiting is not None and block.meaning is None and (
                block.depth > awaiting.depth or block.kind == "text"):
            # An empty field takes the lines below it as its value ("Thời gian thực hiện:" then "+ …").
            if awaiting.meaning != "content":
                awaiting.value = f"{awaiting.value} {block.text}".strip()
            continue
        if block.kind == "text" and block.meaning is None:
            _add_text(stack, block)
            continue
        depth = block.depth
        if block.kind != "text":
            while stack and _depth(stack[-1]) >= depth:
                stack.pop()
        if block.meaning is not None:
            owner = next((n for n in reversed(stack) if isinstance(n, Node) and n.block.depth < depth),
                         None)
            if owner is not None:
                _attach(owner, block)
            stack.append(block)
            continue
        parent = next((n for n in reversed(stack) if isinstance(n, Node)), None)
        if block.kind == "bullet" and parent is not None and parent.block.kind == "bullet":
            parent.block.text = f"{parent.block.text} {block.text}"  # "+" lines under a "-" bullet
            continue
        node = Node(block, parent, section, parent_section)
        if parent is not None:
            parent.children.append(node)
        nodes.append(node)
        stack.append(node)
    return nodes


def _depth(entry: Node | Block) -> int:
    return entry.block.depth if isinstance(entry, Node) else entry.depth


def _awaiting_field(stack: list[Node | Block]) -> Block | None:
    top = stack[-1] if stack else None
    if isinstance(top, Block) and top.open:
        return top
    return None


def _add_text(stack: list[Node | Block], block: Block) -> None:
    top = stack[-1] if stack else None
    if isinstance(top, Block):
        top.value = f"{top.value} {block.text}".strip()  # a field value wrapped onto the next line
    elif isinstance(top, Node) and not top.fields and block.text[:1].islower():
        top.block.text = f"{top.block.text} {block.text}"


def _attach(node: Node, block: Block) -> None:
    held = node.fields.get(block.meaning)
    if held is None:
        node.fields[block.meaning] = block
    elif block.value:
        # Two owner or deadline lines ("Đơn vị chủ trì", "Cơ quan chủ trì") are one value.
        merged = Block(held.kind, held.marker, held.text, held.line, held.meaning, held.label,
                       "; ".join(v for v in (held.value, block.value) if v))
        node.fields[block.meaning] = merged


def prose_tasks(paragraphs: list[str]) -> list[ProseTask]:
    nodes = read_tree(read_blocks(paragraphs))
    return [_task(node) for node in nodes if _is_task(node, nodes)]


def _assigned(node: Node) -> bool:
    return any(_value(node, m) is not None for m in ("owner", "deadline"))


def _value(node: Node, meaning: str) -> str | None:
    found = node.fields.get(meaning)
    return found.value if found is not None else None


def _has_task_below(node: Node) -> bool:
    return any(_assigned(child) or _has_task_below(child) for child in node.children)


def _is_task(node: Node, nodes: list[Node]) -> bool:
    if _has_task_below(node):
        return False
    if _assigned(node):
        return True
    # A numbered item among numbered tasks is a task even when it names no owner or deadline.
    if node.block.kind != "item" or node.fields:
        return False
    if node.parent is not None:
        siblings = node.parent.children
    else:
        siblings = [n for n in nodes if n.parent is None
                    and (n.section, n.parent_section) == (node.section, node.parent_section)]
    return any(s is not node and s.block.kind == "item" and _assigned(s) for s in siblings)


def _task(node: Node) -> ProseTask:
    content = _value(node, "content")
    title = content if content else node.block.text
    owner = _inherited(node, "owner")
    if owner is None and node.block.kind != "item":
        heading = _heading_above(node)
        if heading is not None:
            owner = _OWNER_HEADING.sub("", heading.block.text).rstrip(" :")
    return ProseTask(
        code=_code(node), title=title.rstrip(" :") if not content else title, line=node.block.line,
        section=node.section, parent_section=node.parent_section, owner=owner or "",
        coordinators=_inherited(node, "coordinator") or "", deadline=_inherited(node, "deadline") or "",
    )


def _inherited(node: Node | None, meaning: str) -> str | None:
    while node is not None:
        value = _value(node, meaning)
        if value is not None:
            return value
        node = node.parent
    return None


def _heading_above(node: Node) -> Node | None:
    """A numbered item with no fields of its own above a task names its owner ("1.2. Sở Tài chính")."""
    parent = node.parent
    if parent is not None and parent.block.kind == "item" and not parent.fields:
        return parent
    return None


def _code(node: Node) -> str | None:
    item = node
    while item is not None and item.block.kind != "item":
        item = item.parent
    if item is None:
        return None
    if node.block.kind == "point" and node is not item:
        return f"{item.block.marker}.{node.block.marker}"
    return item.block.marker
