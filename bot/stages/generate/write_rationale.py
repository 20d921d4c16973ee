"""The rationale stage: after validation, ask the model why the chosen diff is right, and
publish its answer only when it agrees with the diff (bot/stages/generate/rationale.py)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.errors import ModelServiceError
from bot.core.models import Attempt, GenerationOptions
from bot.core.ports import AIServiceConnector, Progress
from bot.core.results import TestCase
from bot.stages.generate.prompting import rationale_messages
from bot.stages.generate.rationale import GivenLines, check_rationale, left_out, parse_rationale

OPTIONS = GenerationOptions(temperature=0.0, seed=0, max_tokens=300)


def write_rationale(
    chosen: Attempt,
    failures: Sequence[TestCase],
    *,
    connector: AIServiceConnector,
    model: str,
    progress: Progress,
    secrets: Sequence[str] = (),
) -> str:
    """The checked explanation of `chosen`, or a sentence saying why it was left out."""
    progress.stage("rationale: asking the model to explain the validated fix")
    messages = rationale_messages(
        failures, diff=chosen.diff, results=_results(chosen), secrets=secrets
    )
    try:
        answer = connector.complete(messages, model=model, options=OPTIONS).text
    except ModelServiceError as exc:  # an explanation is never worth losing a validated fix
        progress.stage(f"rationale: none ({exc})")
        return left_out(f"the model server did not answer ({exc})")
    parsed = parse_rationale(answer, GivenLines.of(chosen.diff))
    problem = parsed if isinstance(parsed, str) else check_rationale(parsed, chosen.diff)
    if problem or isinstance(parsed, str):
        progress.stage(f"rationale: left out: {problem}")
        return left_out(problem)
    progress.stage("rationale: checked against the diff")
    return parsed.text()


def _results(chosen: Attempt) -> str:
    if chosen.validation is None:
        return "(not recorded)"
    changed = [v for v in chosen.validation.verdicts if v.before is not v.after]
    lines = [f"{v.key}: {v.before or 'absent'} -> {v.after or 'absent'}" for v in changed]
    same = len(chosen.validation.verdicts) - len(changed)
    return "\n".join([*lines, f"{same} other test(s): same outcome before and after"])
