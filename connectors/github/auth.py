"""GitHub App authentication: the app's JWT, installation tokens cached until they expire."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import requests
from github import Auth, GithubException, GithubIntegration, GithubRetry

from bot.core.errors import ConfigError
from bot.core.github_errors import GitHubUnavailable
from connectors.github.errors import translated

DEFAULT_API_URL = "https://api.github.com"
REFRESH_MARGIN_S = 300.0  # renew a token this long before GitHub says it expires


@dataclass(frozen=True)
class AppCredentials:
    app_id: int
    private_key: str
    api_url: str = DEFAULT_API_URL

    def __repr__(self) -> str:  # never print the key
        return f"AppCredentials(app_id={self.app_id}, api_url={self.api_url!r})"


def credentials_from_env(env: Mapping[str, str]) -> AppCredentials:
    """REDFIX_APP_ID, REDFIX_PRIVATE_KEY_PATH or REDFIX_PRIVATE_KEY, REDFIX_GITHUB_API_URL."""
    app_id = env.get("REDFIX_APP_ID", "").strip()
    if not app_id.isdigit():
        raise ConfigError(
            "REDFIX_APP_ID must be the numeric id of the GitHub App (its settings page shows it)"
        )
    key = env.get("REDFIX_PRIVATE_KEY", "")
    key_path = env.get("REDFIX_PRIVATE_KEY_PATH", "")
    if not key and key_path:
        try:
            key = Path(key_path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"REDFIX_PRIVATE_KEY_PATH={key_path}: cannot read the app's private key ({exc})"
            ) from exc
    if "PRIVATE KEY" not in key:
        raise ConfigError(
            "set REDFIX_PRIVATE_KEY_PATH to the .pem file GitHub generated for the app "
            "(or REDFIX_PRIVATE_KEY to its contents)"
        )
    api_url = env.get("REDFIX_GITHUB_API_URL", "").strip() or DEFAULT_API_URL
    return AppCredentials(int(app_id), key, api_url.rstrip("/"))


def retry_policy(*, total: int = 5, backoff_s: float = 1.0) -> GithubRetry:
    """Honour Retry-After and the rate-limit headers, retry 5xx with backoff, never other 4xx."""
    return GithubRetry(
        total=total,
        backoff_factor=backoff_s,
        secondary_rate_wait=60,
        max_rate_limit_wait=900,
        status_forcelist=[429, *range(500, 600)],
    )


class InstallationTokens:
    """Installation access tokens, one per installation, reused until near expiry."""

    def __init__(
        self,
        credentials: AppCredentials,
        *,
        retry: GithubRetry | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.credentials = credentials
        self._integration = GithubIntegration(
            auth=Auth.AppAuth(credentials.app_id, credentials.private_key),
            base_url=credentials.api_url,
            retry=retry or retry_policy(),
        )
        self._clock = clock
        self._lock = threading.Lock()
        self._cache: dict[int, tuple[str, float]] = {}
        self.issued = 0

    def token(self, installation_id: int) -> str:
        with self._lock:
            cached = self._cache.get(installation_id)
            if cached and cached[1] - REFRESH_MARGIN_S > self._clock():
                return cached[0]
            doing = f"creating a token for installation {installation_id}"
            try:
                access = self._integration.get_access_token(installation_id)
            except GithubException as exc:
                raise translated(exc, doing) from exc
            except requests.RequestException as exc:
                raise GitHubUnavailable(f"{doing}: GitHub cannot be reached ({exc})") from exc
            self.issued += 1
            self._cache[installation_id] = (access.token, access.expires_at.timestamp())
            return access.token
