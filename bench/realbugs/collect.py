"""Write bugs.jsonl: one record per chosen BugsInPy bug, from the BugsInPy and project mirrors.

    python -m bench.realbugs.collect --mirrors /work/.mirror --bugs httpie-1,tornado-9 \
        --out bench/realbugs/bugs.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.realbugs.bugsinpy import (
    bug_commits,
    decode,
    failing_tests,
    parse_info,
    requirements,
)
from bench.realbugs.repos import (
    BUGSINPY_MIRROR,
    PROJECTS,
    RepoError,
    git,
    mirror_dir,
    show,
    tree_paths,
)

_HUNK_CONTEXT = re.compile(r"^@@ [^@]* @@.*?\b(?:def|class)\s+(\w+)", re.MULTILINE)
_DEFINED = re.compile(r"^[+-]\s*(?:async\s+)?def\s+(\w+)", re.MULTILINE)


def is_test_path(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    return (any(p in ("test", "tests", "testing") for p in parts[:-1])
            or name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py")


def split_changes(paths: Sequence[str], tests: Sequence[str]) -> tuple[list[str], list[str]]:
    """(test-side files, source .py files) of a fix; docs and other files are left out."""
    test_side = sorted({*tests, *(p for p in paths if is_test_path(p))})
    source = sorted(p for p in paths if p.endswith(".py") and p not in test_side)
    return test_side, source


def changed_functions(diff: str) -> list[str]:
    """Functions the diff touches: hunk headers' enclosing defs and defs it adds or removes."""
    names = _HUNK_CONTEXT.findall(diff) + _DEFINED.findall(diff)
    return list(dict.fromkeys(names))


def bug_record(bugsinpy: Path, mirrors: Path, bug_id: str) -> dict[str, Any]:
    project_name, number = bug_id.rsplit("-", 1)
    project = PROJECTS[project_name]
    base = f"projects/{project_name}/bugs/{number}"
    where = f"BugsInPy {base}"
    info = parse_info(decode(show(bugsinpy, "HEAD", f"{base}/bug.info")))
    buggy, fixed, tests = bug_commits(info, where=where)
    repo = mirror_dir(mirrors, project.repository)
    changed = git(repo, "diff", "--name-only", buggy, fixed).decode().split()
    test_files, sources = split_changes(changed, tests)
    run_test = decode(show(bugsinpy, "HEAD", f"{base}/run_test.sh"))
    try:
        pinned = decode(show(bugsinpy, "HEAD", f"{base}/requirements.txt"))
    except RepoError:  # some bugs have none: the project needs nothing
        pinned = ""
    project_info = parse_info(
        decode(show(bugsinpy, "HEAD", f"projects/{project_name}/project.info"))
    )
    functions = {
        path: changed_functions(git(repo, "diff", "-U0", buggy, fixed, "--", path).decode())
        for path in sources
    }
    return {
        "id": bug_id,
        "project": project_name,
        "repository": project.repository,
        "bugsinpy_repository": project_info.get("github_url", ""),
        "buggy_commit": buggy,
        "fixed_commit": fixed,
        "test_files": test_files,
        "failing_tests": list(failing_tests(run_test, tree_paths(repo, fixed), where=where)),
        "changed_files": sources,
        "changed_functions": functions,
        "python": ".".join(info.get("python_version", "3.8").split(".")[:2]),
        "requirements": list(requirements(pinned, own_names=project.packages)),
        "deselect": [],
        "excluded": "",
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, required=True)
    parser.add_argument("--bugs", required=True, help="comma-separated ids, e.g. httpie-1")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    bugsinpy = mirror_dir(args.mirrors, "https://github.com/soarsmu/BugsInPy")
    assert BUGSINPY_MIRROR in str(bugsinpy) or bugsinpy.exists()
    with args.out.open("w", encoding="utf-8") as out:
        for bug_id in args.bugs.split(","):
            record = bug_record(bugsinpy, args.mirrors, bug_id.strip())
            out.write(json.dumps(record) + "\n")
            print(bug_id, record["changed_files"], record["failing_tests"], file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
