"""Whether the App acts on a build at all: `enabled`, `branches` and `workflows` of the
default branch's .github/redfix.yml. A declined build costs a clone, never a model call."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

from bot.core.config import Settings
from bot.core.errors import RedfixError
from bot.core.jobs import FixJob


class Declined(RedfixError):
    """The repository's settings say redfix does not act on this build."""


def why_declined(job: FixJob, settings: Settings) -> str:
    """Why the settings rule this build out, or "" when redfix may act on it."""
    if not settings.enabled:
        return f"redfix is turned off here (enabled: false in {_origin(settings, 'enabled')})"
    if settings.branches and not _matches(job.head_branch, settings.branches):
        return (f"branch {job.head_branch!r} matches none of branches: "
                f"{', '.join(settings.branches)} ({_origin(settings, 'branches')})")
    if job.workflow and settings.workflows and not _matches(job.workflow, settings.workflows):
        return (f"workflow {job.workflow!r} matches none of workflows: "
                f"{', '.join(settings.workflows)} ({_origin(settings, 'workflows')})")
    return ""


def _matches(name: str, globs: Sequence[str]) -> bool:
    return any(fnmatchcase(name, glob) for glob in globs)


def _origin(settings: Settings, name: str) -> str:
    return settings.sources.get(name, "the defaults")
