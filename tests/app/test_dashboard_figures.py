"""The dashboard's arithmetic and chart geometry, and the operator token's two forms."""

from __future__ import annotations

import base64
import fnmatch
import tomllib
from pathlib import Path

import pytest

from bot.app.dashboard.charts import HEIGHT, bar_chart, nice_top, short_period
from bot.app.dashboard.figures import Cap, caps_of, over_time, recent_outcomes, tally
from bot.app.operator_auth import sent_token
from bot.core.records import FixRecord, FixState, JobRun

ROOT = Path(__file__).resolve().parents[2]
DAY = 86400.0
MONDAY = 1796601600.0  # 2026-12-07 00:00 UTC


def run(start: float, status: str = "fixed", minutes: float = 10, pr: str = "",
        repository: str = "o/r", **limits: int) -> JobRun:
    return JobRun(repository, "a" * 40, start, status=status, pr_url=pr, limits=limits,
                  finished_at=None if status == "running" else start + minutes * 60)


def fix(state: FixState, created: float = MONDAY, number: int = 1) -> FixRecord:
    return FixRecord("o/r", number, 7, "sig", "t", "code bug", "d", "r", "m", "fix-3", created,
                     pr_url=f"https://github.com/o/r/pull/{number}", state=state)


def test_running_runs_are_not_finished_and_only_runs_with_a_pull_count_for_time_to_pr():
    counted = tally([run(MONDAY, "fixed", 10, pr="p"), run(MONDAY, "not-fixed", 99),
                     run(MONDAY, "running"), run(MONDAY, "fixed", 30, pr="q")],
                    [fix(FixState.ACCEPTED), fix(FixState.REJECTED), fix(FixState.OPEN)])
    assert (counted.finished, counted.fixed, counted.fix_rate) == (3, 2, 2 / 3)
    assert (counted.decided, counted.false_fix_rate, counted.open) == (2, 0.5, 1)
    assert counted.median_minutes_to_pr == 20


def test_a_held_back_fix_counts_as_found_and_a_capped_run_as_not_tried():
    counted = tally([run(MONDAY, "held-back"), run(MONDAY, "capped"), run(MONDAY, "not-fixed")],
                    [])
    assert (counted.finished, counted.fixed) == (2, 1)


def test_nothing_finished_has_no_rate():
    empty = tally([run(MONDAY, "running")], [fix(FixState.OPEN)])
    assert (empty.fix_rate, empty.false_fix_rate, empty.median_minutes_to_pr) == (
        None, None, None)


def test_periods_are_the_last_ones_with_a_run_or_a_pull_request():
    runs = [run(MONDAY + day * DAY, "fixed" if day % 2 else "not-fixed") for day in range(5)]
    periods = over_time(runs, [fix(FixState.REJECTED, MONDAY - DAY)], period="day", last=4)
    assert [(p.period, p.tally.fix_rate) for p in periods] == [
        ("2026-12-08", 1.0), ("2026-12-09", 0.0), ("2026-12-10", 1.0), ("2026-12-11", 0.0)]
    everything = over_time(runs, [fix(FixState.REJECTED, MONDAY - DAY)], period="week", last=9)
    assert [(p.period, p.tally.finished, p.tally.false_fix_rate) for p in everything] == [
        ("2026-W49", 0, 1.0), ("2026-W50", 5, None)]


def test_a_repository_is_at_a_cap_under_its_latest_runs_limits():
    old = run(MONDAY - 3 * DAY, max_jobs_per_day=1, max_open_pulls=1)
    recent = [run(MONDAY - 3600 * hours, max_jobs_per_day=5, max_open_pulls=2)
              for hours in (30, 2, 1)]
    caps = caps_of("o/r", [old, *recent], [fix(FixState.OPEN), fix(FixState.OPEN, number=2)],
                   day_start=MONDAY - DAY)
    assert (caps.jobs_today, caps.open_pulls) == (Cap(2, 5), Cap(2, 2))
    assert caps.at_cap and not caps.jobs_today.reached and caps.open_pulls.reached
    assert not Cap(50, 0).reached and not Cap(50, None).reached  # no cap; unknown
    assert caps_of("o/new", [], [fix(FixState.OPEN)], day_start=0).open_pulls == Cap(1, None)


def test_outcomes_are_newest_first_with_their_pull_requests_fate():
    pulls = [fix(FixState.ACCEPTED, number=1), fix(FixState.REJECTED, number=2)]
    outcomes = recent_outcomes([
        run(MONDAY, pr=pulls[0].pr_url), run(MONDAY + 60, pr=pulls[1].pr_url),
        run(MONDAY + 120, "running"), run(MONDAY + 180, pr="javascript:alert(1)"),
    ], pulls, limit=2)
    assert [(o.fate, o.link) for o in outcomes] == [("", ""), ("closed", pulls[1].pr_url)]


def test_a_bar_per_value_on_a_round_scale():
    chart = bar_chart("c", "t", [("2026-W01", 10.0), ("2026-W02", None), ("2026-W03", 40.0)],
                      show=lambda value: f"{value:g}x")
    assert [(b.period, b.text) for b in chart.bars] == [("2026-W01", "10x"), ("2026-W03", "40x")]
    assert [label.text for label in chart.y_labels] == ["0x", "25x", "50x"]
    assert chart.bars[1].height == 4 * chart.bars[0].height
    assert chart.bars[1].y + chart.bars[1].height == chart.baseline == HEIGHT - 26
    assert [label.text for label in chart.x_labels] == ["W01", "W02", "W03"]


@pytest.mark.parametrize(("largest", "top"), [(0, 1), (0.3, 0.5), (7, 10), (10, 10), (11, 20),
                                              (240, 500)])
def test_nice_top(largest, top):
    assert nice_top(largest) == pytest.approx(top)


def test_short_period():
    assert [short_period(p) for p in ("2026-12-08", "2026-W49", "2026-12")] == [
        "12-08", "W49", "2026-12"]


def basic(pair: str) -> str:
    return "Basic " + base64.b64encode(pair.encode()).decode()


@pytest.mark.parametrize(("header", "token"), [
    ("Bearer abc", "abc"), ("bearer  abc ", "abc"), (basic("ops:abc"), "abc"),
    (basic(":a:b"), "a:b"), (basic("abc"), ""), ("Basic %%%", ""), ("abc", ""), (None, ""),
    ("Digest abc", ""), ("Basic " + base64.b64encode(b"u:\xff").decode(), ""),
])
def test_the_token_sent(header, token):
    assert sent_token(header) == token


def test_the_dashboards_template_ships_in_the_wheel():
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"]["bot.app"]
    templates = ROOT / "bot" / "app" / "templates"
    files = [str(path.relative_to(templates.parent)) for path in templates.iterdir()]
    assert files and all(any(fnmatch.fnmatch(f, glob) for glob in package_data) for f in files)
