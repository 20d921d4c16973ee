"""Checking the simulator's responses against GitHub's OpenAPI description.

`@octokit/openapi` ships GitHub's REST description as OpenAPI 3.0, where
`nullable: true` marks null-able values; it is turned into JSON Schema 2020-12
(`type: [t, "null"]`, or `anyOf [..., null]`) and each response body is
validated against the schema of its operation and status.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from tests.github_simulator.payloads import octokit_dir

_NON_SCHEMA = {"example", "examples", "discriminator", "xml", "externalDocs"}


def to_json_schema(node: Any) -> Any:
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {k: to_json_schema(v) for k, v in node.items()
                 if k not in _NON_SCHEMA and k != "nullable"}
    if not node.get("nullable"):
        return converted
    if "type" in converted and isinstance(converted["type"], str):
        converted["type"] = [converted["type"], "null"]
        if "enum" in converted:
            converted["enum"] = [*converted["enum"], None]
        return converted
    return {"anyOf": [converted, {"type": "null"}]}


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    operation_id: str
    pattern: re.Pattern[str]
    responses: dict[str, Any]


class GitHubOpenAPI:
    def __init__(self, spec_path: Path) -> None:
        spec = json.loads(spec_path.read_text())
        self.components = to_json_schema(spec["components"])
        self.operations = [
            Operation(method.upper(), template, op["operationId"], _pattern(template),
                      op["responses"])
            for template, item in spec["paths"].items()
            for method, op in item.items() if method != "parameters"
        ]

    def operation(self, method: str, path: str) -> Operation | None:
        matches = [op for op in self.operations
                   if op.method == method and op.pattern.fullmatch(path)]
        # the most literal template wins: /pulls/comments/{id} over /pulls/{number}/{x}
        return max(matches, key=lambda op: op.template.count("/") - op.template.count("{"),
                   default=None)

    def response_schema(self, operation: Operation, status: int) -> dict[str, Any] | None:
        response = operation.responses.get(str(status))
        if response is None:
            return None
        if "$ref" in response:
            response = self.components["responses"][response["$ref"].rsplit("/", 1)[-1]]
        content = response.get("content", {}).get("application/json")
        return to_json_schema(content["schema"]) if content else None

    def problems(self, method: str, path: str, status: int, body: Any) -> list[str]:
        operation = self.operation(method, path)
        if operation is None:
            return [f"{method} {path}: no such operation in GitHub's API"]
        schema = self.response_schema(operation, status)
        if schema is None and status >= 400:  # errors every operation may give (rate limits)
            schema = {"$ref": "#/components/schemas/basic-error"}
        if schema is None:
            return [f"{operation.operation_id}: GitHub documents no JSON {status} response"]
        validator = Draft202012Validator({**schema, "components": self.components})
        return [f"{operation.operation_id} {status} at /{'/'.join(map(str, e.absolute_path))}: "
                f"{e.message[:300]}" for e in validator.iter_errors(body)]


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)))


@cache
def github_openapi() -> GitHubOpenAPI:
    return GitHubOpenAPI(octokit_dir() / "openapi" / "generated" / "api.github.com.json")


def problems_in(exchanges: list[Any]) -> list[str]:
    """What in the recorded JSON responses disagrees with GitHub's OpenAPI description."""
    found: list[str] = []
    for exchange in exchanges:
        if exchange.body is not None:
            found += github_openapi().problems(exchange.method, exchange.path, exchange.status,
                                               exchange.body)
    return found
