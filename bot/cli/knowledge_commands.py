"""Entry points for `redfix index` and `redfix localize` (wired by bot/cli/main.py).

They build the adapters (Chroma, the embedding model, git) the pure code takes
as ports; the adapters are imported lazily so that commands which do not search
the code start without loading torch.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from bot.cli.localize_view import report_to_json, report_to_text
from bot.core.config import Settings
from bot.core.errors import UsageError
from bot.core.knowledge_ports import Embedder
from bot.core.languages.registry import detect_project
from bot.core.ports import SandboxRunner
from bot.core.results import TestCase
from bot.stages.ingest.junit import parse_report_files
from bot.stages.localize.knowledge.hybrid_localizer import HybridLocalizer, LocalizerOptions
from bot.stages.localize.knowledge.indexing import IndexStats
from bot.stages.localize.knowledge.localization_report import LocalizationReport
from bot.stages.localize.knowledge.packing import code_budget_tokens
from bot.stages.localize.knowledge.spectrum import TestSuite
from bot.wiring.localizers import open_knowledge
from bot.wiring.settings import resolve_settings

DEFAULT_CONTEXT_WINDOW = 8192


def _checked(repo: Path) -> Path:
    resolved = repo.resolve()
    if not resolved.is_dir():
        raise UsageError(f"--repo {repo}: not a directory; give the repository's root")
    return resolved


def index_command(
    repo: Path,
    *,
    data_dir: Path,
    chroma_url: str | None,
    embedder: Embedder | None = None,
    emit: Callable[[str], None] = print,
) -> IndexStats:
    """`redfix index --repo DIR`: index the working tree incrementally; print and return stats."""
    repo = _checked(repo)
    knowledge = open_knowledge(repo, data_dir=data_dir, chroma_url=chroma_url, embedder=embedder,
                               embed_on_demand=False)
    stats = knowledge.snapshot(repo).stats
    emit(f"indexed {stats.files} files, {stats.chunks} chunks of {repo} in {stats.seconds:.1f}s: "
          f"{stats.parsed_files} file(s) parsed, {stats.embedded} chunk(s) embedded, "
          f"{stats.pruned} stale chunk(s) removed (snapshot {stats.snapshot[:12]}"
          f"{', commit ' + stats.commit[:12] if stats.commit else ''})")
    return stats


def _failures(report_paths: Sequence[Path]) -> list[TestCase]:
    if not report_paths:
        raise UsageError("give the failing run's JUnit XML report with --report FILE")
    seen: dict[str, TestCase] = {}
    for report in parse_report_files(report_paths):
        for case in report.failures:
            seen.setdefault(case.key, case)
    if not seen:
        names = ", ".join(str(p) for p in report_paths)
        raise UsageError(f"{names}: no failing test case, so there is nothing to localize")
    return list(seen.values())


def localize_suite(
    repo: Path, sandbox: str | None, test_command: str | None, env: Mapping[str, str]
) -> tuple[Settings, TestSuite]:
    """The settings (for the sandbox) and the suite the coverage run uses, as `fix` would."""
    options = {"sandbox": sandbox, "test_command": test_command}
    settings = resolve_settings(repo, options=options, env=env)
    detected = detect_project(repo)
    setup = settings.setup if settings.setup is not None else detected.setup
    suite = TestSuite(settings.test_command, settings.test_timeout_s, {}, tuple(setup),
                      tuple(detected.dependency_files))
    return settings, suite


def localize_command(
    repo: Path,
    report_paths: Sequence[Path],
    *,
    as_json: bool,
    data_dir: Path,
    chroma_url: str | None,
    runner: SandboxRunner | None,
    suite: TestSuite | None = None,
    context_window: int = DEFAULT_CONTEXT_WINDOW,
    embedder: Embedder | None = None,
    emit: Callable[[str], None] = print,
) -> LocalizationReport:
    """`redfix localize --repo DIR --report FILE [--json]`: print the ranked spans.

    `runner` runs the coverage for the spectrum signal (None leaves it out);
    `context_window` is the model's, from which the code budget is derived.
    """
    repo = _checked(repo)
    failures = _failures(report_paths)
    localizer = HybridLocalizer(
        knowledge=open_knowledge(repo, data_dir=data_dir, chroma_url=chroma_url,
                                 embedder=embedder),
        runner=runner,
        suite=suite,
        options=LocalizerOptions(budget_tokens=code_budget_tokens(context_window)),
    )
    report = localizer.analyse(failures, repo=repo)
    emit(json.dumps(report_to_json(report), indent=2) if as_json else report_to_text(report))
    return report
