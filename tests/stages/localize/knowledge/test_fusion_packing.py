from __future__ import annotations

import pytest

from bot.core.results import CodeSpan
from bot.stages.localize.knowledge.fusion import Ranking, confidence, reciprocal_rank_fusion
from bot.stages.localize.knowledge.localization_report import RankedSpan, presentation_order
from bot.stages.localize.knowledge.packing import code_budget_tokens, pack_spans, span_tokens

WEIGHTS = {"a": 1.0, "b": 1.0, "c": 0.5}


def test_rrf_sums_weighted_reciprocal_ranks():
    fused = reciprocal_rank_fusion(
        [Ranking("a", ("x", "y")), Ranking("b", ("y", "z")), Ranking("c", ("x",))],
        weights=WEIGHTS, k=1.0,
    )
    scores = {f.item: f.score for f in fused}
    assert scores == pytest.approx({"x": 1 / 2 + 0.5 / 2, "y": 1 / 3 + 1 / 2, "z": 1 / 3})
    assert [f.item for f in fused] == ["y", "x", "z"]
    assert fused[0].ranks == {"a": 2, "b": 1}


def test_rrf_weight_decides_between_disagreeing_signals():
    rankings = [Ranking("a", ("x",)), Ranking("c", ("y",))]
    assert reciprocal_rank_fusion(rankings, weights=WEIGHTS)[0].item == "x"
    heavier = {"a": 1.0, "c": 2.0}
    assert reciprocal_rank_fusion(rankings, weights=heavier)[0].item == "y"


def test_rrf_ignores_items_below_depth_and_breaks_ties_by_best_rank():
    fused = reciprocal_rank_fusion(
        [Ranking("a", ("p", "q", "r")), Ranking("b", ("q", "p"))], weights=WEIGHTS, depth=2
    )
    assert [f.item for f in fused] == ["p", "q"]  # equal sums and best ranks: by name; r cut
    assert fused[0].ranks == {"a": 1, "b": 2}


def test_confidence_is_high_when_signals_agree_and_low_when_they_do_not():
    agree = [Ranking("a", ("x", "y")), Ranking("b", ("x", "z")), Ranking("c", ("x",))]
    split = [Ranking("a", ("x", "y")), Ranking("b", ("y", "x")), Ranking("c", ("z",))]
    high = confidence(reciprocal_rank_fusion(agree, weights=WEIGHTS, k=10.0), agree,
                      weights=WEIGHTS)
    low = confidence(reciprocal_rank_fusion(split, weights=WEIGHTS, k=10.0), split,
                     weights=WEIGHTS)
    # Everyone puts x first; the runner-up y has 1/12 against x's 2.5/11 (k = 10).
    assert high == pytest.approx(0.7 * 1.0 + 0.3 * (1 - (1 / 12) / (2.5 / 11)), abs=1e-3)
    assert 0.0 < low < 0.5
    assert high > low


def test_confidence_counts_silent_signals_against_the_winner():
    lonely = [Ranking("a", ("x",)), Ranking("b", ()), Ranking("c", ())]
    value = confidence(reciprocal_rank_fusion(lonely, weights=WEIGHTS), lonely, weights=WEIGHTS)
    assert value == pytest.approx(0.7 * (1.0 / 2.5) + 0.3)


def test_confidence_without_evidence_is_zero():
    assert confidence([], [Ranking("a", ())], weights=WEIGHTS) == 0.0


def _span(path, start, end, chars, score=1.0):
    return CodeSpan(path, start, end, "x" * chars, score=score)


def test_code_budget_leaves_room_for_answer_and_instructions():
    assert code_budget_tokens(8192) == 4915  # 60 % of the window
    assert code_budget_tokens(4096) == 4096 - 2560
    assert code_budget_tokens(2048) == 0


def test_pack_keeps_order_skips_overlaps_and_spans_that_do_not_fit():
    first = _span("a.py", 10, 20, 300)  # 100 + 12 tokens
    overlapping = _span("a.py", 15, 30, 30)
    too_big = _span("b.py", 1, 50, 3000)
    small = _span("c.py", 1, 5, 60)  # 20 + 12 tokens
    packed = pack_spans([first, overlapping, too_big, small], budget_tokens=150)
    assert packed == [first, small]
    assert span_tokens(first) == 112


def test_pack_of_nothing_or_no_budget_is_empty():
    assert pack_spans([], budget_tokens=100) == []
    assert pack_spans([_span("a.py", 1, 2, 3)], budget_tokens=0) == []


def test_presentation_order_puts_tests_after_the_best_suspect_with_falling_scores():
    from bot.stages.localize.knowledge.fusion import Fused

    suspects = [RankedSpan(_span("s.py", i * 10, i * 10 + 5, 10, score=1.0 / (i + 1)),
                           Fused(f"s.py:{i}", 1.0 / (i + 1))) for i in range(3)]
    tests = [_span("tests/test_s.py", 1, 4, 10, score=0.0)]
    ordered = presentation_order(suspects, tests)
    assert [s.path for s in ordered] == ["s.py", "tests/test_s.py", "s.py", "s.py"]
    scores = [s.score for s in ordered]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 4


def test_equal_scores_share_a_rank_so_other_signals_break_the_tie():
    spectrum = Ranking("a", ("x", "y", "z"), (1.0, 1.0, 0.5))
    assert spectrum.shared_ranks() == [1, 1, 3]
    assert Ranking("a", ("x", "y")).shared_ranks() == [1, 2]  # no scores: positions
    fused = reciprocal_rank_fusion([spectrum, Ranking("c", ("y",))], weights=WEIGHTS)
    assert [f.item for f in fused] == ["y", "x", "z"]
    assert fused[1].ranks == {"a": 1}
