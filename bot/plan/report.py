"""The import report the office clerk reads after `import`, as text or JSON."""

from __future__ import annotations

from collections import Counter

from bot import texts
from bot.plan.importer import ImportResult, conflict_text
from bot.plan.interpret import ParsedPlan


def plan_json(plan: ParsedPlan) -> dict[str, object]:
    """The schema of the sample's expected.json: plan, sections, items (extra keys allowed)."""
    return {
        "plan": {
            "unit": plan.unit, "title": plan.title,
            "issued": plan.issued.isoformat() if plan.issued else None, "year": plan.year,
            "signer": plan.signer, "signer_title": plan.signer_title, "source": plan.source,
        },
        "sections": plan.sections,
        "section_parents": plan.section_parents,
        "items": [item.as_json() for item in plan.items],
        "warnings": [texts.warning_text(w.code, w.line, w.item, w.params) for w in plan.warnings],
    }


_WIDTHS = (10, 46, 28)  # code, task, owner; the deadlines take the rest of the line


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


def item_table(plan: ParsedPlan) -> list[str]:
    """What will be saved, one row per item under its section, as the clerk checks it."""
    code_w, title_w, owner_w = _WIDTHS
    head = " | ".join((_fit(texts.TABLE_CODE, code_w), _fit(texts.TABLE_TASK, title_w),
                       _fit(texts.TABLE_OWNER, owner_w), texts.TABLE_DEADLINE))
    lines = [head, "-" * len(head)]
    section = upper = None
    for item in plan.items:
        if item.section_key != section:
            section = item.section_key
            if item.parent_section and item.parent_section != upper:
                lines.append(f"{item.parent_section}. {plan.sections.get(item.parent_section, '')}")
            upper = item.parent_section or item.section
            lines.append(f"{item.section}. {item.section_title}")
        due = "; ".join(texts.milestone_text(m.label, m.kind, m.due) for m in item.milestones)
        lines.append(" | ".join((_fit(item.code, code_w), _fit(item.title, title_w),
                                 _fit("; ".join(item.owners) or "—", owner_w), due)))
    return lines


def render_report(plan: ParsedPlan, result: ImportResult | None) -> str:
    lines = [texts.IMPORT_HEADER.format(
        title=plan.title or "—", unit=plan.unit or "—", year=plan.year or "—",
        issued=texts.show_date(plan.issued), signer=plan.signer or "—")]
    milestones = [m for item in plan.items for m in item.milestones]
    lines.append(texts.IMPORT_COUNTS.format(
        items=len(plan.items), milestones=sum(1 for m in milestones if m.kind != "none"),
        sections=len(plan.sections), warnings=len(plan.warnings)))
    kinds = Counter(m.kind for m in milestones)
    lines.append(texts.IMPORT_KINDS.format(kinds=", ".join(
        f"{texts.KIND_NAMES[kind]} {count}" for kind, count in kinds.most_common())))
    lines.append("")
    lines += item_table(plan)
    if plan.warnings:
        lines += ["", texts.IMPORT_WARNINGS_TITLE]
        lines += ["  - " + texts.warning_text(w.code, w.line, w.item, w.params) for w in plan.warnings]
    lines.append("")
    if result is None:
        lines.append(texts.IMPORT_DRY_RUN)
    else:
        lines.append(texts.IMPORT_SAVED.format(
            plan_id=result.plan_id, added=len(result.added), updated=len(result.changed),
            unchanged=len(result.unchanged), removed=len(result.removed),
            conflicts=len(result.conflicts)))
        for code, fields in result.changed.items():
            names = ", ".join(texts.FIELD_NAMES.get(f, f) for f in fields)
            lines.append("  - " + texts.IMPORT_CHANGED.format(code=code, fields=names))
        for code in result.removed:
            lines.append("  - " + texts.IMPORT_REMOVED.format(code=code))
        if result.conflicts:
            lines += ["", texts.IMPORT_CONFLICTS_TITLE]
            lines += ["  - " + conflict_text(result.plan_id, c) for c in result.conflicts]
    return "\n".join(lines)
