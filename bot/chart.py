"""Progress by section as a PNG: one horizontal bar per section, split by state.

Matplotlib's object API on an Agg canvas only: no pyplot, no global settings touched, so it is
safe inside the bot's process and gives the same picture for the same input.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from bot import texts
from bot.reports import STATE_COLOURS
from bot.status import ItemView

# Stacking order, left to right: finished work first, then what is moving, then what is stuck.
ORDER = ("done_on_time", "done_late", "in_progress", "ongoing", "not_started", "waiting_event",
         "no_deadline", "overdue")
WIDTH_PX, HEIGHT_PX, DPI = 900, 500, 100
# DejaVu Sans ships with matplotlib and has every Vietnamese letter.
FONT = "DejaVu Sans"


def progress_chart(views: list[ItemView], today: date, *, title: str) -> bytes:
    sections: dict[str, Counter[str]] = {}
    for view in views:
        sections.setdefault(view.section or texts.CHART_NO_SECTION, Counter())[view.state] += 1
    names = list(sections)
    states = [s for s in ORDER if any(counts[s] for counts in sections.values())]
    totals = Counter(view.state for view in views)

    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    font = FontProperties(family=FONT, size=10)
    positions = range(len(names))
    left = [0] * len(names)
    for state in states:
        widths = [sections[name][state] for name in names]
        axes.barh(positions, widths, left=left, height=0.62, color="#" + STATE_COLOURS[state],
                  edgecolor="#7f7f7f", linewidth=0.6,
                  label=f"{texts.chart_state_name(state)} ({totals[state]})")
        left = [a + b for a, b in zip(left, widths, strict=True)]
    for y, name in enumerate(names):
        counts = sections[name]
        done = counts["done_on_time"] + counts["done_late"]
        axes.text(left[y] + 0.15, y, texts.CHART_DONE.format(done=done, total=left[y]),
                  va="center", ha="left", fontproperties=font, color="#333333")

    axes.set_yticks(list(positions), names, fontproperties=FontProperties(family=FONT, size=11,
                                                                         weight="bold"))
    axes.invert_yaxis()  # I at the top, as in the plan
    axes.set_xlim(0, max(left, default=0) * 1.1 + 1.5)  # room for the "x/y xong" labels
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_xlabel(texts.CHART_AXIS, fontproperties=font)
    for label in axes.get_xticklabels():
        label.set_fontproperties(font)
    axes.grid(axis="x", color="#e0e0e0", linewidth=0.8)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    figure.suptitle(f"{title}\n{texts.REPORT_AS_OF.format(day=texts.show_date(today))}",
                    fontproperties=FontProperties(family=FONT, size=13, weight="bold"))
    if states:
        figure.legend(loc="outside lower center", ncols=min(len(states), 4), frameon=False,
                      prop=FontProperties(family=FONT, size=10))

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()
