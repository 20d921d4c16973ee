"""`python -m action`: one red build in, outputs, annotations, a report and a pull request out.

Exit codes: 0 when redfix did its job (whatever the outcome: the `status` output
says fixed, not-fixed, flaky, ... or skipped), 2 for a bad input, 3 when something
redfix needs (the model server, the sandbox, GitHub) does not answer, 1 for a bug.
Every failure is a `::error::` line with what to do, never a traceback (set
RUNNER_DEBUG=1, i.e. re-run the job with debug logging, to see one).
"""

from __future__ import annotations

import json
import os
import sys
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from action import workflow_commands as wc
from action.context import RunnerContext, read_context
from action.default_config import read_default_config
from action.inputs import ActionInputs, raw_secrets, read_inputs
from action.learn import record_published
from action.publish import ActionGateway, publish_fix
from action.reports import annotation_text, find_reports, locate, required_reports
from action.summary import Publication, problem_summary, step_summary
from bot.core.config import RepoConfig, Settings
from bot.core.errors import RedfixError, UsageError
from bot.core.models import FixOutcome
from bot.core.ports import LessonRecall
from bot.core.results import TestCase, TestReport
from bot.pipeline import FixRequest, run_fix
from bot.stages.ingest.junit import parse_report_files
from bot.stages.publish.outcome_json import outcome_to_json
from bot.stages.publish.terminal import TerminalProgress, summary
from bot.wiring.memory import fix_memory_factory, memory_asked, recall_from
from bot.wiring.requests import fix_request
from bot.wiring.services import build_services, known_secrets
from bot.wiring.settings import data_dir, resolve_settings

USAGE = """usage: python -m action

Runs redfix as a GitHub Actions step. Everything comes from the runner's environment:
GITHUB_WORKSPACE, GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_REF,
GITHUB_RUN_ID, GITHUB_API_URL, GITHUB_SERVER_URL, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and
the inputs of action.yml as INPUT_<NAME> (reports, github-token, ollama-url, model,
connector, base-url, test-command, max-attempts, open-pr, draft, sandbox, api-key).
Outputs: status, pr-url, patch-path, json-path."""


@dataclass
class Step:
    """The step's conversation with the runner: stdout commands and the runner's files."""

    output_file: Path | None = None
    summary_file: Path | None = None
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    secrets: tuple[str, ...] = ()
    context: RunnerContext | None = None
    locations: dict[str, str] = field(default_factory=dict)  # test key -> path:line

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Step:
        secrets = dict.fromkeys((*raw_secrets(env), *known_secrets(env)))
        return cls(
            output_file=Path(env["GITHUB_OUTPUT"]) if env.get("GITHUB_OUTPUT") else None,
            summary_file=(Path(env["GITHUB_STEP_SUMMARY"])
                          if env.get("GITHUB_STEP_SUMMARY") else None),
            secrets=tuple(secrets),
        )

    def say(self, line: str) -> None:
        print(line, file=self.stdout, flush=True)

    def outputs(self, **values: str) -> None:
        if self.output_file:
            named = {name.replace("_", "-"): value for name, value in values.items()}
            wc.append_to(self.output_file, wc.output_block(named), variable="GITHUB_OUTPUT")

    def summary(self, markdown: str) -> None:
        if self.summary_file:
            wc.append_to(self.summary_file, markdown, variable="GITHUB_STEP_SUMMARY")

    def annotate(self, cases: Sequence[TestCase]) -> None:
        """One error annotation per failing test, at the line where it failed, as soon as
        the failure is known (from the reports, or from redfix's own run of the suite)."""
        assert self.context is not None
        for case in cases:
            if case.key in self.locations:
                continue
            where = locate(case, self.context.workspace)
            self.locations[case.key] = f"{where.path or ''}:{where.line or ''}".strip(":")
            self.say(wc.error(annotation_text(case), file=where.path, line=where.line,
                              title=f"{case.key} {case.kind}"))


def _reports(inputs: ActionInputs, settings: Settings, step: Step) -> tuple[TestReport, ...]:
    assert step.context is not None
    workspace = step.context.workspace
    if inputs.reports:
        paths = required_reports(inputs.reports, workspace)
    else:
        paths = find_reports(settings.reports, workspace)
        if not paths:
            step.say("redfix: no JUnit report given or found: running the test suite to find "
                     "the failures")
    for path in paths:
        step.say(f"redfix: report {path}")
    return parse_report_files(paths)


def _repo_config(step: Step) -> RepoConfig:
    """The default branch's .github/redfix.yml: a pull request cannot loosen its own policy."""
    assert step.context is not None
    found = read_default_config(step.context.workspace, step.context.config_branch)
    step.say(wc.command("warning", found.note, title="redfix") if found.unreadable
             else found.note)
    return found.config


def _request(inputs: ActionInputs, env: Mapping[str, str], step: Step) -> FixRequest:
    assert step.context is not None
    workspace = step.context.workspace
    settings = resolve_settings(workspace, options=inputs.setting_options(), env=env,
                                config=_repo_config(step))
    step.say(f"redfix: test edits {'allowed' if settings.allow_test_edits else 'refused'} "
             f"({settings.sources.get('allow_test_edits', 'default')})")
    reports = _reports(inputs, settings, step)
    return fix_request(workspace, settings, reports=reports, secrets=step.secrets)


def _check_publishing(inputs: ActionInputs, context: RunnerContext) -> None:
    """Before any model time is spent: can a pull request be opened if one is earned?"""
    if not inputs.open_pr:
        return
    if not inputs.github_token:
        raise UsageError(
            "input github-token is empty: pass `github-token: ${{ secrets.GITHUB_TOKEN }}` "
            "(with permissions contents: write and pull-requests: write), or set "
            "open-pr: false to validate and report without a pull request"
        )
    if not context.target.repository or not context.target.head_sha:
        raise UsageError("GITHUB_REPOSITORY and GITHUB_SHA must be set to open a pull request; "
                         "set open-pr: false outside a workflow run")


def _write_files(
    outcome: FixOutcome, context: RunnerContext, *, secrets: Sequence[str] = ()
) -> tuple[str, str]:
    folder = (context.temp_dir or Path.cwd()) / f"redfix-{context.run_id or 'local'}"
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / "redfix.json"
    json_path.write_text(json.dumps(outcome_to_json(outcome, secrets=secrets), indent=2) + "\n")
    if not outcome.patch:
        return "", str(json_path)
    patch_path = folder / "redfix.patch"
    patch_path.write_text(outcome.patch)
    return str(patch_path), str(json_path)


def _publish(outcome: FixOutcome, inputs: ActionInputs, request: FixRequest,
             step: Step) -> tuple[Publication, RedfixError | None]:
    context = step.context
    assert context is not None
    if not inputs.open_pr:
        return Publication(reason="open-pr is false: validated and reported only"), None
    gateway = ActionGateway(inputs.github_token, api_url=context.api_url)
    try:
        publication = publish_fix(
            outcome, target=context.target, run_id=context.run_id, workspace=context.workspace,
            gateway=gateway, test_command=request.settings.test_command,
            secrets=request.secrets, draft=inputs.draft,
        )
    except RedfixError as exc:
        return Publication(reason=f"publishing failed: {exc}"), exc
    return publication, None


def run_action(env: Mapping[str, str], step: Step) -> int:
    inputs = read_inputs(env)
    context = step.context = read_context(env)
    guard = context.target.loop_guard(context.ref)
    if guard:
        step.say(wc.command("notice", f"redfix skipped this build: {guard}", title="redfix"))
        step.outputs(status="skipped", pr_url="", patch_path="", json_path="")
        step.summary(problem_summary("skipped", guard))
        return 0
    _check_publishing(inputs, context)
    request = _request(inputs, env, step)
    step.annotate([c for r in request.reports for c in r.failures])
    pipeline_env = {**env, "REDFIX_API_KEY": inputs.api_key} if inputs.api_key else env
    services = build_services(request.settings, pipeline_env, announce=True,
                              progress=TerminalProgress(step.stdout),
                              data_dir=data_dir(pipeline_env), recall=_recall(env, context))
    step.say("::group::redfix: reproduce, localize, generate, validate")
    try:
        outcome = run_fix(request, services)
    finally:
        step.say("::endgroup::")
    step.annotate(outcome.failures)
    patch_path, json_path = _write_files(outcome, context, secrets=request.secrets)
    publication, problem = _publish(outcome, inputs, request, step)
    if record_published(env, outcome, publication, target=context.target,
                        run_id=context.run_id, secrets=request.secrets):
        step.say("redfix: fix recorded in redfix's database for `redfix learn`")
    step.say(summary(outcome))
    if publication.pr_url:
        step.say(wc.command("notice", f"redfix proposed a validated fix: {publication.pr_url}",
                            title="redfix"))
    step.outputs(status=str(outcome.status), pr_url=publication.pr_url,
                 patch_path=patch_path, json_path=json_path)
    step.summary(step_summary(outcome, publication=publication, build=_build(context),
                              test_command=" ".join(request.settings.test_command),
                              locations=step.locations, secrets=request.secrets))
    if problem is not None:
        raise problem
    return 0


def _recall(env: Mapping[str, str], context: RunnerContext) -> LessonRecall | None:
    """Lessons from fix memory (shared with the App and the CLI) when REDFIX_FIX_MEMORY asks."""
    if not memory_asked(env):
        return None
    return recall_from(fix_memory_factory(env, data_dir(env)),
                       repository=context.target.repository)


def _build(context: RunnerContext) -> str:
    target = context.target
    sha = target.head_sha[:7] or "?"
    link = f"[{sha}]({target.build_url})" if target.build_url else sha
    return link + (f" of `{target.head_branch}`" if target.head_branch else "")


def _fail(step: Step, exc: BaseException, *, exit_code: int, env: Mapping[str, str]) -> int:
    """The one place a run ends badly: an annotation, the outputs and a summary saying why."""
    kind = "bad input" if isinstance(exc, UsageError) else "unreachable"
    if not isinstance(exc, RedfixError):
        kind = f"unexpected {type(exc).__name__} (a bug: please report it)"
        if env.get("RUNNER_DEBUG") == "1":
            step.say(wc.command("debug", "".join(traceback.format_exception(exc))))
    message = f"redfix: {kind}: {exc}"
    step.say(wc.error(message, title="redfix"))
    try:
        step.outputs(status="error", pr_url="", patch_path="", json_path="")
        step.summary(problem_summary("error", message, secrets=step.secrets))
    except RedfixError as also:
        step.say(wc.error(str(also), title="redfix"))
    return exit_code


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    if argv and argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0
    environment = os.environ if env is None else env
    step = Step.from_env(environment)
    for secret in step.secrets:
        step.say(wc.add_mask(secret))
    try:
        return run_action(environment, step)
    except RedfixError as exc:
        return _fail(step, exc, exit_code=exc.exit_code, env=environment)
    except KeyboardInterrupt:
        step.say(wc.error("redfix: interrupted", title="redfix"))
        return 130
    except Exception as exc:  # the step must end with a sentence, not a traceback
        return _fail(step, exc, exit_code=1, env=environment)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
