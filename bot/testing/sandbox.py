"""A scripted, in-process SandboxRunner: runs answered from a script, every spec recorded.

    sandbox = ScriptedSandbox([
        junit_outcome({"tests/test_cart.py::test_total": "failed"}),
        junit_outcome({"tests/test_cart.py::test_total": "passed"}),
    ])

Nothing runs and `spec.source` is never read. Like the real runners, the report reaches
redfix only when the command says where to write it: an argv with no `{report}` gives
`report_xml=None`, whatever the script says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from bot.core.results import RunOutcome, RunSpec
from bot.testing.junit import SANDBOX
from bot.testing.script import Script

REPORT_PLACEHOLDER = "{report}"
RunScript = Callable[[RunSpec], RunOutcome] | Iterable[RunOutcome]


def writes_report(spec: RunSpec) -> bool:
    return any(REPORT_PLACEHOLDER in part for part in spec.argv)


class ScriptedSandbox:
    """SandboxRunner answering `run(spec)` with a function of the spec, or with the
    outcomes of a list in order (ScriptExhausted past its end)."""

    def __init__(self, script: RunScript, *, kind: str = SANDBOX) -> None:
        self.kind = kind
        self.runs: list[RunSpec] = []
        self._answer: Callable[[RunSpec], RunOutcome]
        if callable(script):
            self._answer = script
            self._script: Script[RunOutcome] | None = None
        else:
            self._script = Script(f"ScriptedSandbox {kind!r}", script)
            self._answer = self._next

    @property
    def remaining(self) -> int | None:
        """Outcomes not asked for yet; None for a function script."""
        return None if self._script is None else self._script.remaining

    def run(self, spec: RunSpec) -> RunOutcome:
        self.runs.append(spec)
        outcome = self._answer(spec)
        return outcome if writes_report(spec) else replace(outcome, report_xml=None)

    def _next(self, spec: RunSpec) -> RunOutcome:
        assert self._script is not None
        return self._script.take("run()", detail=f"argv {' '.join(spec.argv)}")
