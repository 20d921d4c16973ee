"""The PNG chart: fix rate by attempt number, and time per task (model, tests, the rest)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.charts import new_figure
from bot.evaluation.metrics import Summary
from bot.evaluation.report import TITLES
from bot.evaluation.results import Mode, TaskRun

if TYPE_CHECKING:
    from matplotlib.axes import Axes

COLOURS = {Mode.REDFIX: "#c0392b", Mode.BASELINE: "#7f8c8d"}


def write_chart(summaries: Sequence[Summary], runs: Sequence[TaskRun], path: Path) -> None:
    figure = new_figure(figsize=(13, 5))
    rates, times = figure.subplots(1, 2, width_ratios=(1, 2))
    for summary in summaries:
        attempts = range(1, len(summary.fix_rate_by_attempt) + 1)
        values = [100 * rate for rate in summary.fix_rate_by_attempt]
        style = "o-" if summary.mode is Mode.REDFIX else "s--"
        note = ", one attempt" if summary.mode is Mode.BASELINE else ""
        rates.plot(attempts, values, style, color=COLOURS[summary.mode],
                   label=f"{TITLES[summary.mode]} (n={summary.scored}{note})")
    rates.set(title="Fix rate by attempt (hidden tests pass)", xlabel="attempt (round)",
              ylabel="% of scored tasks", ylim=(0, 100))
    rates.xaxis.get_major_locator().set_params(integer=True)
    rates.legend(loc="upper left")
    _time_bars(times, summaries, runs)
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)


def _time_bars(axes: Axes, summaries: Sequence[Summary], runs: Sequence[TaskRun]) -> None:
    modes = [s.mode for s in summaries]
    tasks = list(dict.fromkeys(r.task_id for r in runs if r.scored))
    width = 0.8 / max(1, len(modes))
    for offset, mode in enumerate(modes):
        mine = {r.task_id: r for r in runs if r.mode is mode and r.scored}
        xs = [i + offset * width for i in range(len(tasks))]
        parts = (("model_seconds", "model"), ("test_seconds", "tests"),
                 ("overhead_seconds", "other"))
        bottom = [0.0] * len(tasks)
        for shade, (name, label) in enumerate(parts):
            heights = [float(getattr(mine[t], name)) if t in mine else 0.0 for t in tasks]
            axes.bar(xs, heights, width, bottom=bottom, color=COLOURS[mode],
                     alpha=1.0 - 0.3 * shade, label=f"{TITLES[mode]}: {label}")
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set(title="Time per task", ylabel="seconds")
    axes.set_xticks([i + width * (len(modes) - 1) / 2 for i in range(len(tasks))])
    axes.set_xticklabels(tasks, rotation=90, fontsize=7)
    axes.legend(fontsize=7, loc="upper right")
