"""Grades, sentiment, diff survival, statistics, the chart and the export (the SQL store:
tests/connectors/records/)."""

from __future__ import annotations

import json
import time

import pytest

from bot.core.errors import UsageError
from bot.core.records import EventKind, FeedbackEvent, FixRecord, FixState
from bot.stages.learn.chart import acceptance_png
from bot.stages.learn.export import export_lines
from bot.stages.learn.grading import fix_score, grade, rejection_reasons
from bot.stages.learn.sentiment import sentiment
from bot.stages.learn.stats import acceptance, table
from bot.stages.learn.survival import survival

DIFF = """\
diff --git a/shop/cart.py b/shop/cart.py
--- a/shop/cart.py
+++ b/shop/cart.py
@@ -1,2 +1,2 @@
 def total(prices):
-    return sum(prices) - 1
+    return sum(prices)
"""
MERGED_AS_IS = "def total(prices):\n    return sum(prices)\n"
REWRITTEN = "def total(prices):\n    return math.fsum(prices)\n"


def test_survival_counts_added_lines_kept_and_removed_lines_gone():
    assert survival(DIFF, {"shop/cart.py": MERGED_AS_IS}) == 1.0
    assert survival(DIFF, {"shop/cart.py": REWRITTEN}) == 0.5  # the bad line is gone
    assert survival(DIFF, {"shop/cart.py": "def total(prices):\n    return sum(prices) - 1\n"
                           }) == 0.0
    assert survival(DIFF, {"shop/cart.py": None}) == 0.5
    with pytest.raises(UsageError, match="unified diff"):
        survival("@@ -1 +1 @@\n-a\n+b\n@@ broken", {})


def test_sentiment_and_grades():
    assert sentiment("Looks great, thanks!") > 0.5
    assert sentiment("This is wrong and breaks the API, terrible.") < -0.3
    assert sentiment("   ") == 0.0
    assert grade(EventKind.MERGED) == 1.0 and grade(EventKind.CLOSED) == -1.0
    assert grade(EventKind.APPROVED, 0.8) == pytest.approx(0.7)
    assert grade(EventKind.REVIEW_COMMENT, -0.8) == pytest.approx(-0.2)


def event(kind, text="", tone=None, at=1.0):
    return FeedbackEvent("o/r", 1, kind, f"d-{kind}-{at}", "rev", grade(kind, tone), tone, text,
                         at)


def test_score_rises_with_survival_and_praise():
    praise = [event(EventKind.APPROVED, "great", 0.8)]
    whole = fix_score(FixState.ACCEPTED, survival=1.0, events=praise)
    half = fix_score(FixState.ACCEPTED, survival=0.5, events=praise)
    cold = fix_score(FixState.ACCEPTED, survival=1.0, events=[])
    rejected = fix_score(FixState.REJECTED, survival=None, events=[])
    assert whole > cold > half > 0 > rejected
    objections = [event(EventKind.CHANGES_REQUESTED, "Do not swallow the exception", 0.0, 2),
                  event(EventKind.REVIEW_COMMENT, "This is wrong, terrible hack", -0.7, 3),
                  event(EventKind.REVIEW_COMMENT, "Nice, thanks", 0.6, 4)]
    assert rejection_reasons(objections) == ("This is wrong, terrible hack",
                                             "Do not swallow the exception")


def record(number, state, *, repo="o/r", model="m1", cls="code bug", at=None, score=0.5):
    return FixRecord(repo, number, 7, f"sig{number}", "tests.t::test_x\nAssertionError",
                     cls, DIFF, "the sum was off by one", model, "fix-2",
                     at or time.mktime((2026, 1, 5, 0, 0, 0, 0, 0, 0)), state=state, score=score)


def test_acceptance_by_group_and_period_with_chart():
    march = time.mktime((2026, 3, 2, 0, 0, 0, 0, 0, 0))
    rows = acceptance([record(1, FixState.ACCEPTED), record(2, FixState.REJECTED),
                       record(3, FixState.OPEN), record(4, FixState.ACCEPTED, model="m2"),
                       record(5, FixState.ACCEPTED, at=march)], by="model", period="month")
    summary = {(r.group, r.period): (r.accepted, r.rejected, r.open, r.rate) for r in rows}
    assert summary == {("m1", "2026-01"): (1, 1, 1, 0.5), ("m1", "2026-03"): (1, 0, 0, 1.0),
                       ("m2", "2026-01"): (1, 0, 0, 1.0)}
    text = table(rows, by="model")
    assert "m1     2026-01          1         1     1     50%" in text
    png = acceptance_png(rows, by="model")
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    with pytest.raises(UsageError, match="--by"):
        acceptance([], by="colour")


def test_export_writes_accepted_fixes_as_chat_jsonl():
    leaky = record(9, FixState.ACCEPTED)
    leaky = leaky.__class__(**{**leaky.__dict__, "rationale": "token ghp_" + "b" * 36})
    lines = export_lines([record(1, FixState.ACCEPTED), record(2, FixState.REJECTED),
                          record(3, FixState.ACCEPTED, score=-0.1), leaky], min_score=0.0)
    assert len(lines) == 2
    first = json.loads(lines[0])
    roles = [m["role"] for m in first["messages"]]
    assert roles == ["system", "user", "assistant"]
    assert "<data>\ntests.t::test_x" in first["messages"][1]["content"]
    assert "+    return sum(prices)" in first["messages"][2]["content"]
    assert "ghp_" not in lines[1]
