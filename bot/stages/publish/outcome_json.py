"""The machine-readable record of a fix run (`--json FILE`).

The record is often uploaded as a build artifact, so every string in it is redacted:
test output and model answers can quote tokens and keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.core.models import Attempt, ChangeCoverage, FixOutcome, FixStatus, LocalizerMethod
from bot.core.redact import redact
from bot.core.results import Outcome, Reproduction, TestCase, ValidationResult
from bot.stages.ingest.junit import case_to_json
from bot.stages.publish.culprit_text import culprit_json

SCHEMA_VERSION = 1


def _validation(result: ValidationResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "passed": result.passed,
        "targets_pass": result.targets_pass,
        "sandbox": result.sandbox,
        "seconds": round(result.seconds, 3),
        "termination": str(result.termination),
        "regressions": [v.key for v in result.regressions],
        "tests": [
            {"test": v.key, "before": v.before and str(v.before), "after": v.after and str(v.after)}
            for v in result.verdicts
        ],
    }


def _attempt(attempt: Attempt) -> dict[str, Any]:
    completion = attempt.candidate.completion if attempt.candidate else None
    return {
        "number": attempt.number,
        "status": str(attempt.status),
        "detail": attempt.detail,
        "diff": attempt.diff,
        "rationale": attempt.candidate.rationale if attempt.candidate else "",
        "model": completion.model if completion else None,
        "prompt_tokens": completion.prompt_tokens if completion else 0,
        "completion_tokens": completion.completion_tokens if completion else 0,
        "model_seconds": round(completion.seconds, 3) if completion else 0.0,
        "validation": _validation(attempt.validation),
    }


def outcome_to_json(
    outcome: FixOutcome, *, secrets: Sequence[str] = (), hint: str = ""
) -> dict[str, Any]:
    """The record, with `secrets` and anything shaped like a credential redacted; `hint`:
    what the person running redfix told it (kept with the fix when it is accepted)."""
    record = _record(outcome)
    if hint.strip():
        record["hint"] = hint.strip()
    redacted: dict[str, Any] = _redacted(record, secrets)
    return redacted


def outcome_from_json(record: Mapping[str, Any]) -> FixOutcome:
    """What learning needs back from a record: status, failures, patch, explanation, model
    and how each failure reproduced (attempts and timings are left out). Raises KeyError,
    TypeError or ValueError on a record of another shape."""
    if record.get("schema") != SCHEMA_VERSION or not isinstance(record.get("failures"), list):
        raise ValueError("not a redfix outcome record (no schema 1 and failures)")
    failures = tuple(
        TestCase(
            classname=str(case["classname"]), name=str(case["name"]),
            outcome=Outcome(case["outcome"]), file=case.get("file"), line=case.get("line"),
            message=str(case.get("message") or ""), traceback=str(case.get("traceback") or ""),
            seconds=case.get("seconds"), signature=str(case.get("signature") or ""),
        )
        for case in record["failures"]
    )
    return FixOutcome(
        status=FixStatus(record["status"]),
        failures=failures,
        patch=str(record.get("patch") or ""),
        explanation=str(record.get("explanation") or ""),
        model=str(record.get("model") or ""),
        reproduction={key: Reproduction(value)
                      for key, value in dict(record.get("reproduction") or {}).items()},
    )


def _redacted(value: Any, secrets: Sequence[str]) -> Any:
    if isinstance(value, str):
        return redact(value, known_secrets=secrets)
    if isinstance(value, dict):
        return {key: _redacted(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item, secrets) for item in value]
    return value


def _record(outcome: FixOutcome) -> dict[str, Any]:
    completions = [a.candidate.completion for a in outcome.attempts if a.candidate]
    return {
        "schema": SCHEMA_VERSION,
        "status": str(outcome.status),
        "explanation": outcome.explanation,
        "model": outcome.model,
        "sandbox": outcome.sandbox,
        "failures": [case_to_json(case) for case in outcome.failures],
        "reproduction": {key: str(value) for key, value in outcome.reproduction.items()},
        "attempts": [_attempt(attempt) for attempt in outcome.attempts],
        "patch": outcome.patch,
        "chosen_attempt": outcome.chosen.number if outcome.chosen else None,
        "regression_tests": [
            {"path": t.path, "name": t.name, "kept": t.kept, "reason": t.reason}
            for t in outcome.regression_tests
        ],
        "change_coverage": _change_coverage(outcome.change_coverage),
        "localizer": _localizer(outcome.localizer),
        "culprit": culprit_json(outcome.culprit),
        "revert": outcome.revert,
        "tokens": {
            "prompt": sum(c.prompt_tokens for c in completions),
            "completion": sum(c.completion_tokens for c in completions),
        },
        "timings": {name: round(seconds, 3) for name, seconds in outcome.timings.items()},
    }


def _localizer(method: LocalizerMethod | None) -> dict[str, Any] | None:
    if method is None:
        return None
    return {
        "name": method.name,
        "signals": list(method.signals),
        "index": method.index,
        "chunks": method.chunks,
    }


def _change_coverage(measured: ChangeCoverage | None) -> dict[str, Any] | None:
    if measured is None:
        return None
    return {
        "executable_lines": measured.executable,
        "covered_before": measured.before,
        "covered_after": measured.after,
        "files": list(measured.files),
    }
