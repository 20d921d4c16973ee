"""`redfix fix --good REV` on a real git history: the commit that broke the test is found
by bisecting in the local sandbox, named in the outcome, and shown to the model; when no
candidate validates, its revert is offered instead."""

from __future__ import annotations

import json
from pathlib import Path

from bot.cli.main import main
from tests.e2e.conftest import MODEL, ScriptedModel
from tests.host_pytest import HOST_PYTEST_CMD
from tests.stages.culprit.history_repo import BUG, LATER, UNRELATED, history

FIX = '''Rectangles multiply their sides.

shapes/area.py
```python
<<<<<<< SEARCH
    return width + height
=======
    return width * height
>>>>>>> REPLACE
```
'''
WRONG = '''The square is wrong.

shapes/area.py
```python
<<<<<<< SEARCH
    return side ** 3
=======
    return side * side
>>>>>>> REPLACE
```
'''


def fix(repo: Path, model: ScriptedModel, tmp_path: Path, *extra: str) -> tuple[int, dict]:
    out = tmp_path / "result.json"
    argv = [
        "fix", "--repo", str(repo), "--connector", "openai", "--base-url", model.base_url,
        "--model", MODEL, "--sandbox", "local", "--test-cmd", HOST_PYTEST_CMD,
        "--max-attempts", "1", "--candidates", "1", "--reruns", "1", "--localizer",
        "traceback", "--no-regression-test", "--json", str(out), "--quiet", *extra,
    ]
    code = main(argv, env={"REDFIX_DATA_DIR": str(tmp_path / "data")})
    return code, json.loads(out.read_text()) if out.exists() else {}


def test_the_culprit_is_named_and_its_diff_is_in_the_prompt(scripted_model, tmp_path, capsys):
    repo = tmp_path / "repo"
    shas = history(repo, *UNRELATED, BUG, *LATER)
    scripted_model.script(FIX)
    code, result = fix(repo, scripted_model, tmp_path, "--good", shas[0][:8])
    assert code == 0 and result["status"] == "fixed" and not result["revert"]
    culprit = result["culprit"]
    assert culprit["good"] == shas[0]
    assert culprit["commit"]["sha"] == shas[3]
    assert culprit["commit"]["author"] == "Ada Lovelace <ada@example.org>"
    assert culprit["commit"]["message"] == "area: a simpler rectangle"
    assert culprit["commit"]["lines"] == {"shapes/area.py": [11]}
    assert result["timings"]["culprit"] > 0
    prompt = scripted_model.prompts()[0]
    assert "## The change that broke these tests" in prompt
    assert shas[3][:12] in prompt and "+    return width + height" in prompt
    printed = capsys.readouterr().out
    assert f"culprit: {shas[3][:12]} \"area: a simpler rectangle\" by Ada Lovelace" in printed


def test_without_a_validated_fix_the_revert_of_the_culprit_is_offered(
    scripted_model, tmp_path, capsys
):
    repo = tmp_path / "repo"
    shas = history(repo, *UNRELATED, BUG, *LATER)
    scripted_model.script(WRONG, WRONG, WRONG)
    code, result = fix(repo, scripted_model, tmp_path, "--good", shas[0])
    assert code == 0 and result["status"] == "fixed" and result["revert"]
    revert = result["attempts"][-1]
    assert revert["status"] == "validated"
    assert revert["detail"].startswith(f"revert of {shas[3][:12]}")
    assert "-    return width + height\n+    return width * height" in result["patch"]
    assert "reverts the commit that broke the tests" in result["explanation"]
    assert "(no candidate fix passed validation)" in result["explanation"]
    assert "REVERT of the culprit" in capsys.readouterr().out
    assert (repo / "shapes" / "area.py").read_text().count("width + height") == 1, (
        "the repository is untouched")


def test_no_revert_when_told_not_to(scripted_model, tmp_path):
    repo = tmp_path / "repo"
    shas = history(repo, *UNRELATED, BUG)
    scripted_model.script(WRONG, WRONG, WRONG)
    code, result = fix(repo, scripted_model, tmp_path, "--good", shas[0], "--revert", "never")
    assert code == 1 and result["status"] == "not-fixed" and not result["revert"]
    assert result["culprit"]["commit"]["sha"] == shas[3]


def test_revert_first_validates_the_revert_without_asking_the_model(scripted_model, tmp_path):
    repo = tmp_path / "repo"
    shas = history(repo, *UNRELATED, BUG, *LATER)
    code, result = fix(repo, scripted_model, tmp_path, "--good", shas[0], "--revert", "first")
    assert code == 0 and result["status"] == "fixed" and result["revert"]
    assert [(a["number"], a["status"]) for a in result["attempts"]] == [(0, "validated")]
    assert "(the configuration asks for the revert first)" in result["explanation"]
    assert scripted_model.requests == [], "the model was never asked"


def test_revert_first_that_does_not_validate_leaves_it_to_the_model(scripted_model, tmp_path):
    repo = tmp_path / "repo"
    rewritten = BUG[1]["shapes/area.py"].replace("width + height", "(width + height)")
    shas = history(repo, *UNRELATED, BUG, ("area: brackets", {"shapes/area.py": rewritten}))
    scripted_model.script(FIX.replace("    return width + height", "    return (width + height)"))
    code, result = fix(repo, scripted_model, tmp_path, "--good", shas[0], "--revert", "first")
    assert code == 0 and result["status"] == "fixed" and not result["revert"]
    assert [a["status"] for a in result["attempts"]] == ["edit-did-not-apply", "validated"]
    assert result["attempts"][0]["detail"].startswith(f"revert of {shas[3][:12]}")


def test_an_unknown_good_revision_is_bad_input(scripted_model, tmp_path, capsys):
    repo = tmp_path / "repo"
    history(repo, BUG)
    code, result = fix(repo, scripted_model, tmp_path, "--good", "nosuchrev")
    assert code == 2 and result == {}
    assert "--good nosuchrev: no such revision" in capsys.readouterr().err
    code, _ = fix(repo, scripted_model, tmp_path, "--good", "HEAD~1", "--bisect-steps", "1")
    assert code == 2
    assert "--bisect-steps 1: at least 2" in capsys.readouterr().err


def test_without_good_the_outcome_says_no_culprit_was_looked_for(scripted_model, tmp_path):
    repo = tmp_path / "repo"
    history(repo, BUG)
    scripted_model.script(FIX)
    code, result = fix(repo, scripted_model, tmp_path)
    assert code == 0
    assert result["culprit"]["commit"] is None
    assert "--good REV" in result["culprit"]["note"]
    assert "culprit" not in result["timings"], "nothing was searched"
    assert "The change that broke" not in scripted_model.prompts()[0]
