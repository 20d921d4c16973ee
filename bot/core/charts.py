"""Figures on matplotlib's Agg canvas, imported on use.

matplotlib is the `charts` extra: the Action's image leaves it out; the tables and
JSON that charts illustrate work without it.
"""

from __future__ import annotations

from typing import Any

from bot.core.errors import UsageError

CHARTS_HINT = "PNG charts need matplotlib: pip install 'redfix[charts]'"


def new_figure(**options: Any) -> Any:
    """A figure on the Agg canvas: no display, no pyplot global state (the service is threaded)."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise UsageError(CHARTS_HINT) from exc
    figure = Figure(**options)
    FigureCanvasAgg(figure)
    return figure
