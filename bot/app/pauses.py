"""Stop and go, set by people on GitHub: the label `redfix:off` and `/redfix stop`.

On a pull request either pauses redfix's work on that pull request's builds and
commands; on an issue, on the whole repository. `/redfix resume` where it was stopped,
or removing the label, lets redfix go on. Reviews and merges are still learned from.
"""

from __future__ import annotations

import logging

from bot.core.github import GitHubGateway, LabelledIssue
from bot.core.github_errors import GitHubRequestRejected
from bot.core.jobs import FixJob
from bot.core.records_ports import ConversationState

log = logging.getLogger("redfix.worker")
PAUSE_LABEL = "redfix:off"
RESUME_HINT = "`/redfix resume` where it was stopped lets it go on"


def why_paused(job: FixJob, gateway: GitHubGateway, state: ConversationState | None) -> str:
    """Why people asked redfix not to act on this job, or "" when nobody did."""
    pulls = set(job.pull_requests) | ({job.issue_number} if job.issue_number else set())
    if state is not None:
        for pause in state.pauses(job.repository):
            if pause.number == 0:
                return (f"@{pause.by} paused redfix in {job.repository} with `/redfix stop` on "
                        f"an issue; {RESUME_HINT}")
            if pause.number in pulls:
                return (f"@{pause.by} paused redfix on #{pause.number} with `/redfix stop`; "
                        f"{RESUME_HINT}")
    for issue in _labelled(job, gateway):
        if not issue.is_pull:
            return (f"issue #{issue.number} has the label {PAUSE_LABEL}: redfix is paused in "
                    f"{job.repository} until it is removed or the issue closed")
        if issue.number in pulls:
            return (f"pull request #{issue.number} has the label {PAUSE_LABEL}: redfix is paused "
                    "on it until the label is removed")
    return ""


def _labelled(job: FixJob, gateway: GitHubGateway) -> list[LabelledIssue]:
    """The labelled issues; none when the installation may not read issues (it was installed
    before redfix asked for `issues`): the label cannot work there, the rest still does."""
    try:
        return gateway.labelled(job.repository, PAUSE_LABEL)
    except GitHubRequestRejected as refused:
        if refused.status != 403:
            raise
        log.warning("cannot read the label %s in %s (%s): accept the app's new `issues` "
                    "permission on the installation's page", PAUSE_LABEL, job.repository, refused)
        return []
