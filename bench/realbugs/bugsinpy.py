"""BugsInPy's per-bug files read as data: bug.info, run_test.sh, requirements.txt.

Pure functions: the callers read the files (from a git mirror) and pass the text in.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection, Iterable

_ASSIGNMENT = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_ ]*?)\s*=\s*"?(.*?)"?\s*$')
# A requirement line naming the project itself (the checkout is the code under test).
_EDITABLE = re.compile(r"^\s*-e\s+")


class BugsInPyError(ValueError):
    """A BugsInPy file this benchmark cannot read."""


def decode(data: bytes) -> str:
    """BugsInPy files are ASCII, UTF-8 or (some requirements.txt) UTF-16 with a BOM."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16").replace("\r\n", "\n")
    return data.decode("utf-8").replace("\r\n", "\n")


def parse_info(text: str) -> dict[str, str]:
    """`key="value"` lines (bug.info, project.info) as a dict, keys lower-cased."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        match = _ASSIGNMENT.match(line)
        if match:
            fields[match.group(1).strip().lower()] = match.group(2).strip()
    return fields


def bug_commits(info: dict[str, str], *, where: str) -> tuple[str, str, tuple[str, ...]]:
    """(buggy commit, fixed commit, test files) of a bug.info; test files are `;`-separated."""
    missing = [k for k in ("buggy_commit_id", "fixed_commit_id", "test_file") if not info.get(k)]
    if missing:
        raise BugsInPyError(f"{where}: bug.info lacks {', '.join(missing)}")
    tests = tuple(t.strip() for t in info["test_file"].split(";") if t.strip())
    return info["buggy_commit_id"], info["fixed_commit_id"], tests


def _unittest_node(dotted: str, paths: Collection[str]) -> str | None:
    """`pkg.mod.Class.test` as `pkg/mod.py::Class::test`, the module found among `paths`."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        module = "/".join(parts[:cut]) + ".py"
        if module in paths:
            return "::".join([module, *parts[cut:]])
    return None


def _command_nodes(words: list[str], paths: Collection[str], *, where: str) -> list[str]:
    if words[:1] in (["pytest"], ["py.test"]) or words[:3] == ["python", "-m", "pytest"]:
        start = 1 if words[0] in ("pytest", "py.test") else 3
        return [w for w in words[start:] if not w.startswith("-")]
    if words[:3] == ["python", "-m", "unittest"]:
        nodes = []
        for target in (w for w in words[3:] if not w.startswith("-")):
            node = _unittest_node(target, paths)
            if node is None:
                raise BugsInPyError(f"{where}: no test module for {target!r} in the checkout")
            nodes.append(node)
        return nodes
    raise BugsInPyError(f"{where}: cannot read the test command {' '.join(words)!r}")


def failing_tests(run_test: str, paths: Collection[str], *, where: str) -> tuple[str, ...]:
    """The pytest node ids a run_test.sh runs (pytest or unittest lines; `paths`: the tree)."""
    nodes: list[str] = []
    for line in run_test.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith(("cd ", "export ")):
            continue
        nodes.extend(_command_nodes(shlex.split(line), paths, where=where))
    if not nodes:
        raise BugsInPyError(f"{where}: run_test.sh names no test")
    return tuple(dict.fromkeys(nodes))


def requirements(text: str, *, own_names: Iterable[str]) -> tuple[str, ...]:
    """The pinned requirements, without the project's own package (the checkout is tested)."""
    own = {name.lower().replace("_", "-") for name in own_names}
    kept = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or _EDITABLE.match(line):
            continue
        name = re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0]
        if name.lower().replace("_", "-") in own:
            continue
        kept.append(line)
    return tuple(kept)
