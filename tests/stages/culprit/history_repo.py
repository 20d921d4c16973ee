"""Real git repositories with a history for the culprit tests: a small package whose tests
pass at the first commit, and later commits that change it (one of them breaks a test)."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

AREA = '''"""Areas of shapes."""


def square(side):
    return side * side


def rectangle(width, height):
    return width * height


def triangle(base, height):
    return base * height / 2
'''
BROKEN_RECTANGLE = AREA.replace("return width * height", "return width + height")
NAMES = '''"""Names of shapes."""


def describe(kind):
    return f"a {kind}"
'''
INIT = "from shapes.area import rectangle, square, triangle\nfrom shapes.names import describe\n"
TESTS = '''from shapes import describe, rectangle, square, triangle


def test_square():
    assert square(3) == 9


def test_rectangle():
    assert rectangle(2, 5) == 10


def test_triangle():
    assert triangle(4, 3) == 6


def test_describe():
    assert describe("circle") == "a circle"
'''
GREEN = {"shapes/__init__.py": INIT, "shapes/area.py": AREA, "shapes/names.py": NAMES,
         "tests/test_shapes.py": TESTS}


def git(repo: Path, *args: str) -> str:
    identity = ["-c", "user.name=Ada Lovelace", "-c", "user.email=ada@example.org"]
    done = subprocess.run(["git", "-C", str(repo), *identity, *args], capture_output=True,
                          text=True, check=True)
    return done.stdout.strip()


def commit(repo: Path, message: str, files: Mapping[str, str]) -> str:
    for path, text in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def history(repo: Path, *changes: tuple[str, Mapping[str, str]]) -> list[str]:
    """A repository at `repo`: the green commit, then `changes` in order; all the shas."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    shas = [commit(repo, "green: shapes and their tests", GREEN)]
    shas += [commit(repo, message, files) for message, files in changes]
    return shas


def names(text: str) -> dict[str, str]:
    return {"shapes/names.py": text}


UNRELATED = [
    ("names: say it with an article", names(NAMES.replace('"""Names', '"""The names'))),
    ("names: describe many", names(NAMES + "\n\ndef describe_all(kinds):\n"
                                   "    return [describe(k) for k in kinds]\n")),
]
BUG = ("area: a simpler rectangle", {"shapes/area.py": BROKEN_RECTANGLE})
LATER = [
    ("docs: a readme", {"README.md": "shapes\n"}),
    ("area: a note on triangles", {"shapes/area.py": BROKEN_RECTANGLE.replace(
        '"""Areas of shapes."""', '"""Areas of shapes.\n\nTriangles are halved."""')}),
]
