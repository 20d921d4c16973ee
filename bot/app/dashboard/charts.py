"""Bar charts as geometry for an inline SVG: the template draws, no script, no matplotlib."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 380, 180
LEFT, RIGHT, TOP, BOTTOM = 52, 8, 10, 26  # margins around the plot, in pixels


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    period: str
    value: float
    text: str  # the value as the page shows it


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class BarChart:
    chart_id: str
    title: str
    bars: tuple[Bar, ...]
    x_labels: tuple[Label, ...]  # one per period, bar or not
    y_labels: tuple[Label, ...]  # 0, half and top of the scale
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    baseline: float = HEIGHT - BOTTOM


def short_period(period: str) -> str:
    """2026-12-08 -> 12-08, 2026-W49 -> W49; a month stays whole."""
    _, _, rest = period.partition("-")
    return rest if "-" in rest or rest.startswith("W") else period


def nice_top(largest: float) -> float:
    """A round top of scale at or above `largest` (1, 2 or 5 times a power of ten)."""
    if largest <= 0:
        return 1.0
    power: float = 10.0 ** math.floor(math.log10(largest))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= largest)


def bar_chart(chart_id: str, title: str, values: Sequence[tuple[str, float | None]], *,
              show: Callable[[float], str], top: float | None = None) -> BarChart:
    """One bar per period with a value; a period without one (None) keeps its empty slot."""
    present = [value for _, value in values if value is not None]
    scale = top if top is not None else nice_top(max(present, default=0.0))
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(values), 1)
    bars, x_labels = [], []
    for index, (period, value) in enumerate(values):
        middle = LEFT + slot * (index + 0.5)
        x_labels.append(Label(middle, HEIGHT - BOTTOM + 14, short_period(period)))
        if value is None:
            continue
        height = plot_height * min(value, scale) / scale
        bars.append(Bar(middle - slot * 0.3, HEIGHT - BOTTOM - height, slot * 0.6, height,
                        period, value, show(value)))
    y_labels = tuple(
        Label(LEFT - 4, HEIGHT - BOTTOM - plot_height * share + 3, show(scale * share))
        for share in (0.0, 0.5, 1.0)
    )
    return BarChart(chart_id, title, tuple(bars), tuple(x_labels), y_labels)
