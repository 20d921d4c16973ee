from __future__ import annotations

from bot.cli.localize_view import report_to_json, report_to_text
from bot.core.results import CodeSpan
from bot.stages.localize.knowledge.fusion import Fused, Ranking
from bot.stages.localize.knowledge.localization_report import LocalizationReport, RankedSpan
from bot.stages.localize.knowledge.packing import span_tokens

BUGGY = CodeSpan("pkg/calc.py", 10, 14, "def mean(xs):\n    return sum(xs) / 2", score=0.3,
                 why=("spectrum #1", "bm25 #2"), symbol="mean")
OTHER = CodeSpan("pkg/calc.py", 1, 3, "def add(a, b):\n    return a + b", score=0.1,
                 why=("bm25 #1",), symbol="add")
TEST = CodeSpan("tests/test_calc.py", 4, 5, "def test_mean():\n    assert mean([1, 3]) == 2",
                score=0.2, why=("failing test",), symbol="test_mean")
REPORT = LocalizationReport(
    snapshot="abc123",
    ranked=(RankedSpan(BUGGY, Fused("pkg/calc.py:10", 0.3, {"bm25": 2, "spectrum": 1})),
            RankedSpan(OTHER, Fused("pkg/calc.py:1", 0.1, {"bm25": 1}))),
    tests=(TEST,),
    rankings=(Ranking("bm25", ("pkg/calc.py:1", "pkg/calc.py:10")),),
    packed=(BUGGY, TEST),
    confidence=0.72,
    notes=("spectrum: something to say",),
    seconds={"bm25": 0.01234},
)


def test_text_lists_what_the_model_sees_with_scores_and_signals():
    text = report_to_text(REPORT)
    assert text.splitlines()[:5] == [
        f"confidence 0.72; 2 span(s), ~{span_tokens(BUGGY) + span_tokens(TEST)} tokens, "
        "shown to the model in this order:",
        "  1.   0.3000  pkg/calc.py:10-14 mean",
        "     spectrum #1, bm25 #2",
        "  2.   0.2000  tests/test_calc.py:4-5 test_mean",
        "     failing test",
    ]
    assert "next suspects, left out by the token budget:" in text
    assert "pkg/calc.py:1-3 add" in text
    assert text.endswith("note: spectrum: something to say")


def test_json_has_the_shown_spans_and_every_ranked_suspect_with_its_signal_ranks():
    document = report_to_json(REPORT)
    assert [s["symbol"] for s in document["shown"]] == ["mean", "test_mean"]
    assert document["ranked"][0]["signals"] == {"spectrum": 1, "bm25": 2}
    assert [r["shown"] for r in document["ranked"]] == [True, False]
    assert document["confidence"] == 0.72 and document["seconds"] == {"bm25": 0.0123}
