"""What redfix publishes for a finished job, decided from values (no I/O).

The branch of a fix is derived from the failure signatures, so a retried job,
a redelivery or the same failure seen again finds the pull request it opened
before and updates it instead of opening another. Nothing is ever pushed to a
branch that does not start with `redfix/`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.core.github import (
    BRANCH_PREFIX,
    CheckRunPlan,
    CommentPlan,
    PullRequestPlan,
    require_redfix_branch,
)
from bot.core.jobs import FixJob
from bot.core.models import Attempt, FixOutcome, FixStatus
from bot.core.redact import redact
from bot.stages.generate.prompting import render
from bot.stages.publish.culprit_text import culprit_line

MAX_PATCH_CHARS = 30_000
MAX_MESSAGE_CHARS = 200
MAX_CHECK_TEXT_CHARS = 60_000  # GitHub refuses check run output text over 65535
MAX_TABLE_ROWS = 50


def failure_digest(signatures: Iterable[str]) -> str:
    joined = "\n".join(sorted(set(signatures)))
    return hashlib.sha1(joined.encode(), usedforsecurity=False).hexdigest()[:12]


def outcome_digest(outcome: FixOutcome) -> str:
    return failure_digest(case.signature or case.key for case in outcome.failures)


def fix_branch(job: FixJob, digest: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", job.head_branch).strip("-.")[:40] or "branch"
    return f"{BRANCH_PREFIX}{slug}-{digest}"


def marker(digest: str) -> str:
    return f"<!-- redfix:signature={digest} -->"


def _build_link(job: FixJob) -> str:
    return f"[{job.head_sha[:7]}]({job.build_url})" if job.build_url else job.head_sha[:12]


def _failing_tests(outcome: FixOutcome) -> list[dict[str, str]]:
    rows = []
    for case in outcome.failures:
        first = case.message.strip().splitlines()[0] if case.message.strip() else ""
        rows.append(
            {
                "key": case.key,
                "where": f"{case.file}:{case.line}" if case.file and case.line else "",
                "reproduction": str(outcome.reproduction.get(case.key, "reported")),
                "message": first[:MAX_MESSAGE_CHARS].replace("`", "'"),
            }
        )
    return rows


def changed_files(patch: str) -> list[dict[str, object]]:
    """Per file of a git diff: how many lines it adds and removes (the diff in words)."""
    files: list[dict[str, object]] = []
    for line in patch.splitlines():
        if line.startswith("diff --git "):
            files.append({"path": line.split(" b/", 1)[-1], "added": 0, "removed": 0})
        elif files and line.startswith("+") and not line.startswith("+++"):
            files[-1]["added"] = int(str(files[-1]["added"])) + 1
        elif files and line.startswith("-") and not line.startswith("---"):
            files[-1]["removed"] = int(str(files[-1]["removed"])) + 1
    return files


@dataclass(frozen=True)
class ValidationTable:
    rows: list[dict[str, str]]  # the tests whose outcome changed, failing ones first
    unchanged: int  # the others, same outcome before and after
    total: int
    regressions: int
    seconds: str


def validation_table(attempt: Attempt | None) -> ValidationTable:
    if attempt is None or attempt.validation is None:
        return ValidationTable([], 0, 0, 0, "")
    result = attempt.validation
    changed = [v for v in result.verdicts if v.before != v.after or v.regressed]
    rows = [
        {"key": v.key, "before": str(v.before or "absent"), "after": str(v.after or "absent")}
        for v in sorted(changed, key=lambda v: (not v.regressed, v.key))[:MAX_TABLE_ROWS]
    ]
    return ValidationTable(
        rows,
        unchanged=len(result.verdicts) - len(rows),
        total=len(result.verdicts),
        regressions=len(result.regressions),
        seconds=f"{result.seconds:.1f}",
    )


def _culprit(outcome: FixOutcome) -> str:
    """The culprit, or why none was found when a last green revision was known."""
    known = outcome.culprit is not None and bool(outcome.culprit.good)
    return culprit_line(outcome.culprit).removeprefix("culprit: ") if known else ""


def _title(outcome: FixOutcome) -> str:
    if outcome.revert and outcome.culprit and outcome.culprit.culprit:
        commit = outcome.culprit.culprit.commit
        return f"redfix: revert {commit.short} \"{commit.subject}\""[:200]
    keys = ", ".join(case.name for case in outcome.failures[:2])
    more = f" and {len(outcome.failures) - 2} more" if len(outcome.failures) > 2 else ""
    return f"redfix: fix {keys}{more}"[:200]


def pull_request_plan(
    job: FixJob,
    outcome: FixOutcome,
    *,
    test_command: Sequence[str],
    secrets: Sequence[str] = (),
) -> PullRequestPlan | None:
    """The PR for a validated fix into the failing branch; None when there is none to open."""
    if outcome.status is not FixStatus.FIXED or not outcome.patch or job.from_fork:
        return None
    digest = outcome_digest(outcome)
    branch = require_redfix_branch(fix_branch(job, digest))
    best = outcome.chosen
    table = validation_table(best)
    timings = ", ".join(f"{name} {value:.1f} s" for name, value in outcome.timings.items())
    body = render(
        "pr_body.j2",
        signature=digest,
        build_link=_build_link(job),
        head_branch=job.head_branch,
        head_sha=job.head_sha,
        failing_tests=_failing_tests(outcome),
        root_cause=outcome.explanation.strip() or "The model gave no rationale.",
        changed_files=changed_files(outcome.patch),
        patch=outcome.patch[:MAX_PATCH_CHARS].rstrip(),
        test_command=" ".join(test_command),
        sandbox=(best.validation.sandbox if best and best.validation else outcome.sandbox),
        table=table,
        timings=timings or "not measured",
        model=outcome.model or "unknown",
        attempts=len(outcome.attempts),
        branch=branch,
        regression_tests=[f"{t.path}::{t.name}" for t in outcome.regression_tests if t.kept],
        change_coverage=outcome.change_coverage.text() if outcome.change_coverage else "",
        culprit=_culprit(outcome),
        revert=outcome.revert,
    )
    return PullRequestPlan(
        branch=branch,
        base=job.head_branch,
        title=redact(_title(outcome), known_secrets=secrets),
        body=redact(body, known_secrets=secrets),
    )


def _tried(outcome: FixOutcome) -> list[str]:
    return [
        f"attempt {a.number}: {a.status}"
        + (f" — {a.detail.splitlines()[0][:160]}" if a.detail.strip() else "")
        for a in outcome.attempts
    ]


def check_run_plan(
    job: FixJob,
    outcome: FixOutcome,
    *,
    pr_url: str = "",
    secrets: Sequence[str] = (),
    unproposed: str = "",
) -> CheckRunPlan:
    """The `redfix` check on the failing commit: success with a PR, neutral without one
    (`unproposed` says why a validated fix got none: a cap, comment mode)."""
    if outcome.status is FixStatus.FIXED and pr_url:
        title = f"validated fix proposed in {pr_url}"
        conclusion = "success"
    elif outcome.status is FixStatus.FIXED and unproposed:
        title = f"validated fix not proposed: {unproposed}"
        conclusion = "neutral"
    elif outcome.status is FixStatus.FIXED:
        title = "validated fix found; the build is from a fork, so no pull request was opened"
        conclusion = "neutral"
    elif outcome.status is FixStatus.CAPPED:
        title = "not tried again: this failure is at the repository's cap"
        conclusion = "neutral"
    else:
        title = f"no validated fix ({outcome.status})"
        conclusion = "neutral"
    lines = [f"Build: {_build_link(job)}", ""]
    lines += [f"- `{row['key']}`: {row['reproduction']}" for row in _failing_tests(outcome)]
    lines += ["", *_tried(outcome)]
    if outcome.explanation:
        lines += ["", outcome.explanation]
    if outcome.patch and not pr_url:
        lines += ["", "```diff", outcome.patch[:MAX_PATCH_CHARS].rstrip(), "```"]
    summary = "\n".join(lines)[:MAX_CHECK_TEXT_CHARS]
    return CheckRunPlan(
        head_sha=job.head_sha,
        conclusion=conclusion,
        title=redact(title, known_secrets=secrets),
        summary=redact(summary, known_secrets=secrets),
    )


def comment_plans(
    job: FixJob, outcome: FixOutcome, *, pr_url: str = "", secrets: Sequence[str] = ()
) -> tuple[CommentPlan, ...]:
    """One comment per pull request the build belongs to (none for a branch build)."""
    if not job.pull_requests:
        return ()
    digest = outcome_digest(outcome)
    if pr_url:
        regressions = validation_table(outcome.chosen).regressions
        body = render(
            "fix_comment.j2",
            signature=digest,
            pr_url=pr_url,
            build_link=_build_link(job),
            fixed=len(outcome.failures),
            regressions=regressions,
            head_branch=job.head_branch,
        )
    else:
        body = render(
            "no_fix_comment.j2",
            signature=digest,
            build_link=_build_link(job),
            status=str(outcome.status),
            explanation=outcome.explanation or "",
            tried=_tried(outcome),
            failing_keys=[case.key for case in outcome.failures],
        )
    safe = redact(body, known_secrets=secrets)
    return tuple(CommentPlan(number, marker(digest), safe) for number in job.pull_requests)


def dry_run_comment_plans(
    job: FixJob, outcome: FixOutcome, *, test_command: Sequence[str], secrets: Sequence[str] = ()
) -> tuple[CommentPlan, ...]:
    """Comment mode: the pull request redfix would open, as a comment on the build's pull
    requests (its diff and validation table included); the usual comments otherwise."""
    plan = pull_request_plan(job, outcome, test_command=test_command, secrets=secrets)
    if plan is None:
        return comment_plans(job, outcome, secrets=secrets)
    digest = outcome_digest(outcome)
    body = (
        f"{marker(digest)}\n**redfix validated a fix** for this build. The repository's "
        "`.github/redfix.yml` says `mode: comment`, so no branch was pushed and no pull "
        "request opened; this is what it would propose.\n\n"
        f"### {plan.title}\n\n{plan.body}"
    )
    return tuple(CommentPlan(number, marker(digest), body) for number in job.pull_requests)


def failure_check_run(job: FixJob, error: str, *, secrets: Sequence[str] = ()) -> CheckRunPlan:
    """The check when redfix itself could not finish (model server down, clone refused...)."""
    summary = (
        f"Build: {_build_link(job)}\n\nredfix stopped before it could judge this failure:\n\n"
        f"{error}\n\nNothing was pushed. Fix the cause above, then re-run the build."
    )
    return CheckRunPlan(
        head_sha=job.head_sha,
        conclusion="neutral",
        title="redfix could not finish",
        summary=redact(summary, known_secrets=secrets)[:MAX_CHECK_TEXT_CHARS],
    )


def capped_check_run(job: FixJob, reason: str, *, secrets: Sequence[str] = ()) -> CheckRunPlan:
    """The check when a cap of the repository's settings kept redfix from trying at all."""
    summary = f"Build: {_build_link(job)}\n\n{reason}\n\nNothing was run and nothing was pushed."
    return CheckRunPlan(
        head_sha=job.head_sha,
        conclusion="neutral",
        title="not tried: the repository's cap is reached",
        summary=redact(summary, known_secrets=secrets)[:MAX_CHECK_TEXT_CHARS],
    )
