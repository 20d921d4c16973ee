"""The dashboard as one HTML page: bot/app/templates/dashboard.html, autoescaped.

Repository names, branches and addresses come from GitHub and end up in the page, so
every value is escaped by Jinja2; nothing here builds markup by hand.
"""

from __future__ import annotations

import time
from functools import cache
from urllib.parse import urlencode

import jinja2

from bot.app.dashboard.charts import BarChart, bar_chart
from bot.app.dashboard.gather import PERIODS, Dashboard

# The page runs no script and loads nothing: styles are inline, the icon is empty.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)


@cache
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("bot.app", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
    )
    environment.filters.update(percent=percent, minutes=minutes, when=when)
    return environment


def percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f}%"


def minutes(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f} min" if value < 10 else f"{value:.0f} min"


def when(stamp: float | None) -> str:
    return "–" if stamp is None else time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(stamp))


def _percent_of_hundred(value: float) -> str:
    return f"{value:.0f}%"


def charts(view: Dashboard) -> list[BarChart]:
    """Fix rate, false-fix rate and time to PR, one bar per period."""
    periods = view.periods

    def share(value: float | None) -> float | None:
        return None if value is None else value * 100

    return [
        bar_chart("chart-fix-rate", "Fix rate (fixed / finished runs)",
                  [(p.period, share(p.tally.fix_rate)) for p in periods],
                  show=_percent_of_hundred, top=100),
        bar_chart("chart-false-fix-rate", "False-fix rate (closed unmerged / decided PRs)",
                  [(p.period, share(p.tally.false_fix_rate)) for p in periods],
                  show=_percent_of_hundred, top=100),
        bar_chart("chart-time-to-pr", "Time to PR (median)",
                  [(p.period, p.tally.median_minutes_to_pr) for p in periods], show=minutes),
    ]


def link(repository: str, period: str) -> str:
    """The dashboard's address for one repository (or all) and period."""
    query = {"repository": repository} if repository else {}
    return "?" + urlencode({**query, "period": period})


def render_dashboard(view: Dashboard) -> str:
    template = _environment().get_template("dashboard.html")
    return template.render(view=view, charts=charts(view), periods=PERIODS, link=link,
                           generated=when(view.now))
