"""Readiness: can this service do its work right now (queue, database, model server, Docker)?"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from connectors.ai.factory import probe_ollama, probe_openai_compatible
from connectors.ai.ollama import DEFAULT_OLLAMA_URL

from bot.core.errors import SandboxError

Check = Callable[[], str]  # "" when fine, else what is wrong


def model_server_check(env: Mapping[str, str]) -> Check:
    url = env.get("REDFIX_BASE_URL") or DEFAULT_OLLAMA_URL
    kind = env.get("REDFIX_CONNECTOR", "auto")

    def check() -> str:
        if kind in ("auto", "ollama") and probe_ollama(url.removesuffix("/v1")):
            return ""
        if kind in ("auto", "openai") and probe_openai_compatible(
            url, api_key=env.get("REDFIX_API_KEY")
        ):
            return ""
        return f"no model server answers at {url}"

    return check


def docker_check(env: Mapping[str, str]) -> Check:
    def check() -> str:
        if env.get("REDFIX_SANDBOX") == "local":
            return ""
        from connectors.sandbox.docker import DockerRunner  # heavy: only when asked

        runner = DockerRunner()
        try:
            runner.ping()
        except SandboxError as exc:
            return f"Docker does not answer: {exc}"
        finally:
            runner.close()
        return ""

    return check


def run_checks(checks: Mapping[str, Check]) -> dict[str, str]:
    results = {}
    for name, check in checks.items():
        try:
            problem = check()
        except Exception as exc:  # a broken check is a failed check, not a 500
            problem = f"check failed: {exc}"
        results[name] = problem or "ok"
    return results
