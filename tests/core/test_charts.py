import sys

import pytest

from bot.core.charts import new_figure
from bot.core.errors import UsageError


def test_a_figure_draws_on_the_agg_canvas():
    figure = new_figure(figsize=(2, 1))
    assert type(figure.canvas).__name__ == "FigureCanvasAgg"


def test_without_matplotlib_the_error_says_which_extra_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import fails as if absent
    with pytest.raises(UsageError, match=r"pip install 'redfix\[charts\]'"):
        new_figure()
