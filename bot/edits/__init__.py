"""From a model's answer to new file contents: parse, apply, and which paths are fair game."""

from bot.edits.apply import apply_edits
from bot.edits.parse import parse_edits
from bot.edits.paths import is_protected_path, is_test_path, path_problem, resolve_repo_path
from bot.edits.symbols import IMPORTS_SYMBOL

__all__ = [
    "IMPORTS_SYMBOL",
    "apply_edits",
    "is_protected_path",
    "is_test_path",
    "parse_edits",
    "path_problem",
    "resolve_repo_path",
]
