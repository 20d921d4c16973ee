"""One error tree for everything that is not an expected outcome.

    RedfixError                     exit code
    ├── UsageError                  2  bad input: say which input and what to do
    │   ├── ConfigError                .github/redfix.yml, environment, options
    │   ├── ReportError                a test report that cannot be read
    │   └── UnsafePathError            a path that leads outside the repository
    └── InfrastructureError         3  something redfix needs does not answer
        ├── ModelServiceError          the model server (Ollama, OpenAI-compatible)
        │   ├── ModelServiceUnreachable    retryable: connection refused, 5xx, cut stream
        │   ├── ModelNotFound              the model is not installed on the server
        │   └── ModelRequestRejected       a 4xx other than 404: not retried
        │       └── PromptTooLong          the prompt does not fit the context: shrink it
        └── SandboxError               the sandbox (Docker, local process)
            └── SandboxUnavailable         retryable: Docker is down, missing or was lost mid-run

Expected outcomes (flaky test, edit did not apply, still failing) are values in
bot.core.models, never exceptions. Adapters raise these with `from exc` and a
sentence that tells the user what to do; `retryable` decides what tenacity retries.
"""

from __future__ import annotations


class RedfixError(Exception):
    exit_code = 1
    retryable = False


class UsageError(RedfixError):
    exit_code = 2


class ConfigError(UsageError):
    pass


class ReportError(UsageError):
    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem


class UnsafePathError(UsageError):
    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"refusing path {path!r}: {problem}")
        self.path = path


class InfrastructureError(RedfixError):
    exit_code = 3


class ModelServiceError(InfrastructureError):
    pass


class ModelServiceUnreachable(ModelServiceError):
    retryable = True


class ModelNotFound(ModelServiceError):
    def __init__(self, model: str, hint: str) -> None:
        super().__init__(f"model {model!r} is not available: {hint}")
        self.model = model


class ModelRequestRejected(ModelServiceError):
    pass


class PromptTooLong(ModelRequestRejected):
    """The server refused the prompt for its length. Sending it again cannot help (never
    retried); a smaller prompt can. `limit` and `prompt_tokens` are the server's numbers,
    None when its answer did not give them."""

    def __init__(
        self, message: str, *, limit: int | None = None, prompt_tokens: int | None = None
    ) -> None:
        super().__init__(message)
        self.limit = limit
        self.prompt_tokens = prompt_tokens


class SandboxError(InfrastructureError):
    pass


class SandboxUnavailable(SandboxError):
    retryable = True  # a daemon restarting comes back; the service's queue tries again
