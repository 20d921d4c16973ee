"""A local GitHub API simulator: a real HTTP server speaking the REST endpoints redfix
calls, with repository contents in real bare git repositories served over git's smart
HTTP protocol. Its responses are checked against GitHub's OpenAPI description
(tests/app/test_simulator_openapi.py)."""

from tests.github_simulator.server import GitHubSimulator
from tests.github_simulator.world import SimRepo, World

__all__ = ["GitHubSimulator", "SimRepo", "World"]
