"""`redfix feedback accept|reject OUTCOME.json` and `redfix learn`: verdicts on fixes that
did not come from the App, recorded in the same database and fix memory as the App's.

A fix proposed with `redfix fix` has no pull request, so its record needs another key: a
negative number derived from the repository, the failures and the patch. Negative, so it
never meets a real pull request's record; derived from the outcome, so the same outcome
always lands on the same record and memory entry (a verdict given twice counts once, and a
changed mind replaces the first verdict).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.core.errors import UsageError
from bot.core.models import FixOutcome, FixStatus
from bot.core.records import EventKind, FixRecord, FixState
from bot.stages.publish.outcome_json import outcome_from_json
from bot.stages.publish.plans import outcome_digest
from bot.wiring.learning import (
    cli_repository,
    feedback_event,
    fix_record,
    open_records,
    record_verdict,
)
from bot.wiring.memory import fix_memory_factory
from bot.wiring.services import known_secrets
from bot.wiring.settings import data_dir

VERDICTS = {"accept": EventKind.MERGED, "reject": EventKind.CLOSED}
STATES = {EventKind.MERGED: FixState.ACCEPTED, EventKind.CLOSED: FixState.REJECTED}
NUMBERS = 2**31 - 1  # the record's key is a 32-bit integer column


def add_verdict_parsers(commands: Any) -> None:
    """Register `feedback` and `learn` on the CLI's subcommands."""
    feedback = commands.add_parser(
        "feedback", help="accept or reject a fix that `redfix fix --json FILE` wrote")
    feedback.add_argument("verdict", choices=sorted(VERDICTS))
    feedback.add_argument("outcome", type=Path, metavar="OUTCOME.json")
    feedback.add_argument("--comment", default="", help="why (kept as an objection on reject)")
    feedback.add_argument("--repository", default="",
                          help="owner/name (default: GITHUB_REPOSITORY, else 'local')")
    commands.add_parser(
        "learn", help="record a closed redfix pull request (in a workflow on pull_request: "
                      "closed; reads GITHUB_EVENT_PATH and GITHUB_TOKEN)")


def verdict_number(repository: str, outcome: FixOutcome) -> int:
    """The stable negative key of an outcome without a pull request (see the module)."""
    text = "\n".join((repository, outcome_digest(outcome), outcome.patch))
    return -(int(hashlib.sha256(text.encode()).hexdigest(), 16) % NUMBERS + 1)


def _digest(repository: str) -> str:
    return hashlib.sha256(repository.encode()).hexdigest()[:12]


def read_outcome(path: Path) -> tuple[FixOutcome, str]:
    """The outcome and its hint from a `redfix fix --json` file, or a UsageError saying what
    to pass instead."""
    again = "pass the file that `redfix fix --json FILE` wrote"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read it ({exc.strerror or exc}); {again}") from exc
    except ValueError as exc:
        raise UsageError(f"{path}: not JSON ({exc}); {again}") from exc
    try:
        outcome = outcome_from_json(record)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UsageError(f"{path}: not a redfix outcome record ({exc}); {again}") from exc
    return outcome, str(record.get("hint") or "")


def _checked(verdict: str, outcome: FixOutcome, path: Path) -> None:
    if verdict == "accept" and outcome.status is not FixStatus.FIXED:
        raise UsageError(
            f"{path}: the outcome is {outcome.status}, not fixed: there is no validated fix "
            "to accept (reject it, or run `redfix fix` again)")
    if not outcome.patch.strip():
        raise UsageError(f"{path}: the outcome ({outcome.status}) has no patch to {verdict}")


def run_verdict_command(args: argparse.Namespace, env: Mapping[str, str]) -> int:
    secrets = known_secrets(env)
    if args.command == "learn":
        from action.learn import learn

        print(f"redfix learn: {learn(env, secrets=secrets)}")
        return 0
    outcome, hint = read_outcome(args.outcome)
    _checked(args.verdict, outcome, args.outcome)
    repository = cli_repository(env, args.repository)
    number = verdict_number(repository, outcome)
    memory = fix_memory_factory(env, data_dir(env))
    records = open_records(env)
    try:
        record: FixRecord | None = records.fix(repository, number)
        if record is None:
            record = fix_record(outcome, repository=repository, number=number,
                                installation_id=0, branch="", pr_url="", secrets=secrets,
                                hint=hint)
            records.record_fix(record)
        kind = VERDICTS[args.verdict]
        updated = None
        if record.state is not STATES[kind]:  # the same verdict again changes nothing
            turn = len(records.events(repository, number))  # a changed mind is a new event
            event = feedback_event(
                repository, number, kind, actor=env.get("USER", ""), text=args.comment, at="",
                delivery_id=f"cli-{_digest(repository)}{number}-{turn}", secrets=secrets)
            updated = record_verdict(records, record, event, memory=memory)
    finally:
        records.close()
    if updated is None:
        print(f"redfix feedback: already recorded: {args.verdict} of {repository} fix {number}")
        return 0
    kept = ("fix memory is off (REDFIX_FIX_MEMORY)" if memory() is None
            else "kept in fix memory as a worked example" if updated.state is FixState.ACCEPTED
            else "kept in fix memory as an objection")
    print(f"redfix feedback: {repository} fix {number} is {updated.state} "
          f"(score {updated.score:.2f}); {kept}")
    return 0
