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
        "items": [item.as_json() for item in plan.items],
        "warnings": [texts.warning_text(w.code, w.line, w.item, w.params) for w in plan.warnings],
    }


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
    section = None
    for item in plan.items:
        if item.section != section:
            section = item.section
            lines.append(f"{item.section}. {item.section_title}")
        owners = "; ".join(item.owners) or "—"
        lines.append(f"  {item.code}  {item.title}")
        lines.append(f"        Chủ trì: {owners}")
        for milestone in item.milestones:
            lines.append("        → " + texts.milestone_text(milestone.label, milestone.kind, milestone.due))
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
