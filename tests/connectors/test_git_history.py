"""The git `History` adapter on real repositories: trees of old commits and reverts, with
the repository's own work tree, index and refs left as they were."""

from __future__ import annotations

from connectors.git_history import GitHistory
from tests.stages.culprit.history_repo import BROKEN_RECTANGLE, BUG, LATER, git, history


def test_a_checkout_holds_the_old_tree_and_leaves_the_repository_alone(tmp_path):
    repo = tmp_path / "repo"
    shas = history(repo, BUG)
    status = git(repo, "status", "--porcelain")
    with GitHistory().checkout(repo, shas[0]) as tree:
        assert "width * height" in (tree / "shapes" / "area.py").read_text()
        assert not (tree / ".git").exists()
    assert not tree.exists()
    assert git(repo, "status", "--porcelain") == status
    assert git(repo, "rev-parse", "HEAD") == shas[1]


def test_the_revert_applies_over_later_changes(tmp_path):
    repo = tmp_path / "repo"
    shas = history(repo, BUG, *LATER)
    files = GitHistory().reverted(repo, shas[1])
    assert files is not None and list(files) == ["shapes/area.py"]
    assert "width * height" in files["shapes/area.py"]
    assert "Triangles are halved" in files["shapes/area.py"], "the later change stays"
    assert "width + height" in (repo / "shapes" / "area.py").read_text(), "nothing written"


def test_a_revert_that_conflicts_or_adds_files_is_not_offered(tmp_path):
    repo = tmp_path / "repo"
    rewritten = BROKEN_RECTANGLE.replace("width + height", "(width + height) * 1")
    shas = history(repo, BUG, ("area: rewrite it again", {"shapes/area.py": rewritten}),
                   ("docs", {"README.md": "x\n"}))
    assert GitHistory().reverted(repo, shas[1]) is None, "the line changed since"
    assert GitHistory().reverted(repo, shas[3]) is None, "it added a file"


def test_commits_are_listed_oldest_first_with_author_and_subject(tmp_path):
    repo = tmp_path / "repo"
    shas = history(repo, BUG, *LATER)
    listed = GitHistory().commits(repo, shas[0], shas[-1])
    assert [c.sha for c in listed] == shas[1:]
    assert listed[0].subject == "area: a simpler rectangle"
    assert listed[0].author == "Ada Lovelace <ada@example.org>"
