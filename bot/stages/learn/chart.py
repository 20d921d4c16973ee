"""The acceptance rate over time as a PNG (without matplotlib, only the table and JSON)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from bot.core.charts import new_figure
from bot.stages.learn.stats import StatsRow


def acceptance_png(rows: Sequence[StatsRow], *, by: str) -> bytes:
    figure = new_figure(figsize=(8, 4.5), dpi=100)
    axes = figure.subplots()
    periods = sorted({r.period for r in rows})
    for group in sorted({r.group for r in rows}):
        points = {r.period: r.rate for r in rows if r.group == group and r.rate is not None}
        xs = [periods.index(p) for p in periods if p in points]
        ys = [100 * (points[p] or 0.0) for p in periods if p in points]
        axes.plot(xs, ys, marker="o", label=group)
    axes.set_xticks(range(len(periods)), periods, rotation=30, ha="right")
    axes.set_ylim(-5, 105)
    axes.set_ylabel("accepted (% of closed redfix PRs)")
    axes.set_title(f"redfix acceptance rate by {by}")
    if rows:
        axes.legend(loc="best", fontsize="small")
    else:
        axes.text(0.5, 0.5, "no closed redfix pull requests yet", ha="center",
                  transform=axes.transAxes)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
