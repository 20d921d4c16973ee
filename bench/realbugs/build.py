"""Check the bugs of bugs.jsonl out of the projects' mirrors, ready for `redfix eval realbugs`.

    python -m bench.realbugs.build --mirrors /work/.mirror --out ~/.cache/redfix/realbugs/built

For each bug: OUT/<id>/ is a git clone at the buggy commit with the fixed commit's test
files written over it (the tree CI ran); OUT/_reference/<id>/ holds the fixed commit's
version of the source files the developers changed (for scoring only); OUT/bugs.jsonl
is bugs.jsonl again with each bug's test interpreter (its project's cached venv).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.realbugs.repos import PROJECTS, RepoError, git, mirror_dir, show, tree_paths
from bench.realbugs.venvs import cache_root, ensure_venv
from bot.evaluation.jsonl import jsonl_records

BUGS = Path(__file__).with_name("bugs.jsonl")
REFERENCE = "_reference"


def read_bugs(path: Path) -> list[dict[str, Any]]:
    return [record for _, record in jsonl_records(path, what="bug list")]


def overlay_commit(repo: Path, mirror: Path, commit: str, paths: Sequence[str],
                   dest: Path) -> None:
    """Write `paths` as they are at `commit` under `dest` (removed where `commit` lacks them)."""
    present = tree_paths(mirror, commit)
    for path in paths:
        target = dest / path
        if path in present:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(show(mirror, commit, path))
        elif target.exists():
            target.unlink()


def checkout(mirror: Path, bug: Mapping[str, Any], dest: Path) -> None:
    """A clone of the mirror at the buggy commit (hard-linked objects: cheap and standalone)."""
    if dest.exists():
        shutil.rmtree(dest)
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(mirror), str(dest)],
                   check=True, capture_output=True)
    git(dest, "-c", "advice.detachedHead=false", "checkout", "--quiet", bug["buggy_commit"])
    overlay_commit(dest, mirror, bug["fixed_commit"], bug["test_files"], dest)


def build_bug(bug: Mapping[str, Any], *, mirrors: Path, out: Path, venvs: Path | None
              ) -> dict[str, Any]:
    """Check out one bug; the record again, with `interpreter` when its venv is ready."""
    record = dict(bug)
    mirror = mirror_dir(mirrors, PROJECTS[bug["project"]].repository)
    checkout(mirror, bug, out / bug["id"])
    reference = out / REFERENCE / bug["id"]
    if reference.exists():
        shutil.rmtree(reference)
    overlay_commit(out / bug["id"], mirror, bug["fixed_commit"], bug["changed_files"], reference)
    if venvs is not None:
        venv = ensure_venv(venvs, bug["project"], bug["python"], bug["requirements"])
        record["interpreter"] = "" if venv.problem else str(venv.python)
        record["excluded"] = venv.problem or bug.get("excluded", "")
    return record


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, required=True,
                        help="the directory `fetch` fills: <owner>+<name>/repo per project")
    parser.add_argument("--out", type=Path, required=True, help="the built suite (REDFIX_REALBUGS)")
    parser.add_argument("--bugs", type=Path, default=BUGS, help="the bug list (bugs.jsonl)")
    parser.add_argument("--only", default="", help="comma-separated bug ids to build")
    parser.add_argument("--no-venvs", dest="venvs", action="store_false",
                        help="skip the test environments (the suite cannot run without them)")
    args = parser.parse_args(argv)
    wanted = {b for b in args.only.split(",") if b}
    bugs = [b for b in read_bugs(args.bugs) if not wanted or b["id"] in wanted]
    args.out.mkdir(parents=True, exist_ok=True)
    venvs = cache_root(os.environ) if args.venvs else None
    built = []
    for bug in bugs:
        try:
            built.append(build_bug(bug, mirrors=args.mirrors, out=args.out, venvs=venvs))
        except RepoError as exc:
            print(f"{bug['id']}: {exc}", file=sys.stderr)
            return 2
        status = built[-1].get("excluded") or "ok"
        print(f"{bug['id']}: {status}", file=sys.stderr, flush=True)
    with (args.out / "bugs.jsonl").open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(record) + "\n" for record in built)
    return 0


if __name__ == "__main__":
    sys.exit(main())
