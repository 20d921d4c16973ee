"""`redfix config check|schema` and `redfix init`: a .github/redfix.yml that explains itself."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bot.cli.fix_command import checked_repo
from bot.core.config import REPO_CONFIG_PATH
from bot.core.errors import UsageError
from bot.wiring.config_file import config_problems, config_schema, starter_config


def add_config_parsers(commands: Any) -> None:
    config = commands.add_parser("config", help="check .github/redfix.yml or print its schema")
    actions = config.add_subparsers(dest="config_command", required=True)
    check = actions.add_parser("check", help="list each problem of the file with key and line")
    check.add_argument("file", type=Path, nargs="?",
                       help=f"the file to check (default: REPO/{REPO_CONFIG_PATH})")
    check.add_argument("--repo", type=Path, default=Path("."))
    actions.add_parser("schema", help=f"print the JSON Schema of {REPO_CONFIG_PATH}")
    init = commands.add_parser("init", help=f"write a commented {REPO_CONFIG_PATH}")
    init.add_argument("--repo", type=Path, default=Path("."))
    init.add_argument("--force", action="store_true", help="replace the file if there is one")


def run_config_command(args: argparse.Namespace) -> int:
    if args.command == "init":
        return init_command(checked_repo(args.repo), force=args.force)
    if args.config_command == "schema":
        print(json.dumps(config_schema(), indent=2))
        return 0
    return check_command(args.file or checked_repo(args.repo) / REPO_CONFIG_PATH)


def check_command(path: Path) -> int:
    """0 when the file is valid; 1, with one `FILE:LINE: key: problem` line each, if not."""
    if not path.is_file():
        raise UsageError(f"{path}: no such file; `redfix init` writes a commented one")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text ({exc}); save it as UTF-8") from exc
    problems = config_problems(text)
    for problem in problems:
        print(f"{path}:{problem.line or 1}: {problem.what}")
    if problems:
        print(f"{path}: {len(problems)} problem(s)")
        return 1
    print(f"{path}: valid")
    return 0


def init_command(repo: Path, *, force: bool) -> int:
    path = repo / REPO_CONFIG_PATH
    if path.exists() and not force:
        raise UsageError(
            f"{path} exists; `redfix config check` checks it, `redfix init --force` replaces it"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(starter_config(repo), encoding="utf-8")
    print(f"wrote {path}; edit it, then check it with `redfix config check`")
    return 0
