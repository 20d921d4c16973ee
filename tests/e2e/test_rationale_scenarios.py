"""The explanation printed with a fix (and put into the PR) is written after validation and
published only when it agrees with the diff."""

from __future__ import annotations

from tests.e2e.conftest import BOOKSHOP_RATIONALE
from tests.e2e.test_fix_scenarios import CORRECT_SEARCH_REPLACE, fix

INVERTED = """WRONG: `start = (page - 1) * per_page`
FIXED: `start = page * per_page`
WHY: It should be calculated as `start = page * per_page`, but it seems to be using
`(page - 1) * per_page`."""


def test_an_inverted_explanation_is_left_out_and_said_so(bookshop, scripted_model, tmp_path):
    scripted_model.rationale = INVERTED
    scripted_model.script(CORRECT_SEARCH_REPLACE)
    code, result = fix(bookshop, scripted_model, tmp_path)
    assert code == 0 and result["status"] == "fixed"
    explanation = result["explanation"]
    assert explanation.startswith("The model's explanation was left out: it calls "
                                  "`start = (page - 1) * per_page` the wrong code")
    assert "It should be calculated as" not in explanation
    assert not scripted_model.exhausted


def test_a_right_explanation_is_written_from_the_validated_diff(bookshop, scripted_model,
                                                                 tmp_path):
    scripted_model.rationale = None  # scripted, to see that it is asked exactly once
    scripted_model.script(CORRECT_SEARCH_REPLACE, BOOKSHOP_RATIONALE)
    code, result = fix(bookshop, scripted_model, tmp_path)
    assert code == 0
    assert "What was wrong: `start = page * per_page`" in result["explanation"]
    assert "The fix: `start = (page - 1) * per_page`" in result["explanation"]
    (asked,) = scripted_model.rationale_prompts()
    assert "+    start = (page - 1) * per_page" in asked, "the chosen diff is what it explains"
    assert "test_first_page_starts_with_first_item: failed -> passed" in asked
    assert "WRONG: `start = page * per_page`\nFIXED: `start = (page - 1) * per_page`" in asked, \
        "the lines to quote are given, to be copied"
    assert result["timings"]["rationale"] >= 0


def test_no_answer_from_the_model_loses_no_fix(bookshop, scripted_model, tmp_path):
    scripted_model.rationale = None
    scripted_model.script(CORRECT_SEARCH_REPLACE)  # nothing scripted for the rationale
    code, result = fix(bookshop, scripted_model, tmp_path)
    assert code == 0 and result["status"] == "fixed" and result["patch"]
    assert result["explanation"].startswith(
        "The model's explanation was left out: the model server did not answer")
    assert scripted_model.exhausted
    scripted_model.exhausted = False  # asked once more than scripted, as this test intends
