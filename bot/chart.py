"""Progress by section as a PNG: one bar per section split by state, ongoing work apart.

Items with a deadline make the main bar (done, late, in progress, not started, overdue: the
colours the office uses); "thường xuyên" items have no end to reach, so they get a thin hatched
bar of their own under it instead of reading as progress. Matplotlib's object API on an Agg
canvas only: no pyplot, no global settings touched, so it is safe inside the bot's process and
gives the same picture for the same input.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.plan.interpret import fold
from bot.reports import STATE_COLOURS, plans_title
from bot.status import ItemView, load_items
from db.models import Section

# Stacking order, left to right: finished work first, then what is moving, then what is stuck.
ORDER = ("done_on_time", "done_late", "in_progress", "not_started", "waiting_event",
         "no_deadline", "overdue")
APART = "ongoing"
WIDTH_PX, HEIGHT_PX, DPI = 900, 500, 100
# DejaVu Sans ships with matplotlib and has every Vietnamese letter.
FONT = "DejaVu Sans"


def chart_for(session: Session, plan_ids: list[int], today: date,
              zone: ZoneInfo) -> tuple[str, bytes]:
    """The plans' chart as of `today` and its file name (one per plan and day)."""
    _, title = plans_title(session, plan_ids)
    views = load_items(session, plan_ids, today, zone)
    titles = dict(session.execute(select(Section.code, Section.title)
                                  .where(Section.plan_id.in_(plan_ids))).all())
    slug = re.sub(r"[^a-z0-9]+", "-", fold(title)).strip("-")[:60].rstrip("-")
    return (texts.chart_file_name(slug, today),
            progress_chart(views, today, title=title, sections=titles))


def section_label(code: str, title: str | None) -> str:
    if not title:
        return code
    return texts.shorten(f"{code}. {texts.sentence_case(title)}", texts.CHART_SECTION_MAX)


def progress_chart(views: list[ItemView], today: date, *, title: str,
                   sections: dict[str, str] | None = None) -> bytes:
    sections = sections or {}
    by_section: dict[str, Counter[str]] = {}
    for view in views:
        by_section.setdefault(view.section or texts.CHART_NO_SECTION, Counter())[view.state] += 1
    names = list(by_section)
    states = [s for s in ORDER if any(counts[s] for counts in by_section.values())]
    totals = Counter(view.state for view in views)

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    font = FontProperties(family=FONT, size=10)
    small = FontProperties(family=FONT, size=9)
    positions = list(range(len(names)))
    left = [0] * len(names)
    for state in states:
        widths = [by_section[name][state] for name in names]
        axes.barh([y - 0.12 for y in positions], widths, left=left, height=0.55,
                  color="#" + STATE_COLOURS[state], edgecolor="#7f7f7f", linewidth=0.6)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ongoing = [by_section[name][APART] for name in names]
    if any(ongoing):
        axes.barh([y + 0.3 for y in positions], ongoing, height=0.22,
                  color="#" + STATE_COLOURS[APART], edgecolor="#7f7f7f", linewidth=0.6,
                  hatch="///", hatchcolor="white")
    for y, name in enumerate(names):
        counts = by_section[name]
        done = counts["done_on_time"] + counts["done_late"]
        axes.text(left[y] + 0.15, y - 0.12, texts.CHART_DONE.format(done=done, total=left[y]),
                  va="center", ha="left", fontproperties=font, color="#333333")
        if ongoing[y]:
            axes.text(ongoing[y] + 0.15, y + 0.3, texts.CHART_ONGOING.format(count=ongoing[y]),
                      va="center", ha="left", fontproperties=small, color="#3d6f9e")

    labels = [section_label(name, sections.get(name)) for name in names]
    axes.set_yticks(positions, labels, fontproperties=FontProperties(family=FONT, size=10,
                                                                    weight="bold"))
    axes.invert_yaxis()  # I at the top, as in the plan
    widest = max(left + [o + 3 for o in ongoing], default=0)
    axes.set_xlim(0, widest * 1.1 + 1.5)  # room for the "x/y xong" labels
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_xlabel(texts.CHART_AXIS, fontproperties=font)
    for label in axes.get_xticklabels():
        label.set_fontproperties(font)
    axes.grid(axis="x", color="#e0e0e0", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.suptitle(f"{texts.shorten(title, 90)}\n"
                    f"{texts.REPORT_AS_OF.format(day=texts.show_date(today))}",
                    fontproperties=FontProperties(family=FONT, size=13, weight="bold"))
    handles = [Patch(facecolor="#" + STATE_COLOURS[s], edgecolor="#7f7f7f",
                     label=f"{texts.chart_state_name(s)} ({totals[s]})") for s in states]
    if totals[APART]:
        handles.append(Patch(facecolor="#" + STATE_COLOURS[APART], edgecolor="#7f7f7f",
                             hatch="///", hatchcolor="white",
                             label=f"{texts.chart_state_name(APART)} ({totals[APART]})"))
    if handles:
        figure.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4),
                      frameon=False, prop=FontProperties(family=FONT, size=10))

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
