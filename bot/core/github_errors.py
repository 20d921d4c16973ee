"""Errors of the service, in the one tree of bot.core.errors.

UsageError
└── WebhookError               a delivery the service refuses (HTTP status in `status`)
    ├── SignatureMismatch          401: missing or wrong X-Hub-Signature-256
    ├── PayloadTooLarge            413: body over the size limit
    └── MalformedDelivery          400: headers or JSON GitHub would never send
InfrastructureError
└── GitHubError                the GitHub API or git remote refused or failed
    ├── GitHubUnavailable          retryable: 5xx, rate limit still hit after waiting
    └── GitHubRequestRejected      a 4xx: not retried
"""

from __future__ import annotations

from bot.core.errors import InfrastructureError, UsageError


class WebhookError(UsageError):
    status = 400


class SignatureMismatch(WebhookError):
    status = 401


class PayloadTooLarge(WebhookError):
    status = 413


class MalformedDelivery(WebhookError):
    status = 400


class GitHubError(InfrastructureError):
    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # GitHub's HTTP status, when it answered


class GitHubUnavailable(GitHubError):
    retryable = True


class GitHubRequestRejected(GitHubError):
    pass
