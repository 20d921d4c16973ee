"""PyGithub's and git's failures as redfix errors, with what to do."""

from __future__ import annotations

from github import GithubException, RateLimitExceededException

from bot.core.github_errors import GitHubError, GitHubRequestRejected, GitHubUnavailable


def translated(exc: GithubException, doing: str) -> GitHubError:
    message = exc.data.get("message") if isinstance(exc.data, dict) else exc.data
    if isinstance(exc, RateLimitExceededException):
        return GitHubUnavailable(
            f"{doing}: GitHub's rate limit is still exhausted; retrying later", status=exc.status
        )
    if exc.status is None or exc.status >= 500:
        return GitHubUnavailable(
            f"{doing}: GitHub answered {exc.status} ({message}); will retry", status=exc.status
        )
    hint = {
        401: "check REDFIX_APP_ID and the private key",
        403: "check the app's permissions in app.yml and on the installation",
        404: "is the app installed on this repository?",
        422: "GitHub refused the request as invalid",
    }.get(exc.status, "not retried")
    return GitHubRequestRejected(
        f"{doing}: GitHub answered {exc.status} ({message}): {hint}", status=exc.status
    )
