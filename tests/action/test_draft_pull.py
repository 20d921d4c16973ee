"""A plan's `draft` reaches GitHub's create-pull-request call (a real HTTP server speaking
the documented REST API, which the request is checked against)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from action.publish import ActionGateway
from bot.core.github import PullRequestPlan
from tests.github_simulator import objects
from tests.github_simulator.world import SimPull, SimRepo

PLAN = PullRequestPlan(branch="redfix/main-abc", base="main", title="redfix: fix x", body="b")


@pytest.fixture
def github(httpserver: HTTPServer, tmp_path: Path) -> list[dict[str, object]]:
    base = httpserver.url_for("").rstrip("/")
    repo = SimRepo("octo", "shop", 1, 2, tmp_path, f"{base}/git/octo/shop.git")
    posted: list[dict[str, object]] = []

    def create(request: Request) -> Response:
        posted.append(json.loads(request.get_data()))
        pull = SimPull(7, PLAN.branch, PLAN.base, PLAN.title, PLAN.body, "a" * 40, "b" * 40)
        return Response(json.dumps(objects.pull_request(base, repo, pull, full=True)),
                        status=201, content_type="application/json")

    httpserver.expect_request("/repos/octo/shop").respond_with_json(
        objects.repository(base, repo))
    httpserver.expect_request("/repos/octo/shop/pulls", method="POST").respond_with_handler(
        create)
    return posted


@pytest.mark.parametrize("draft", [True, False])
def test_the_plans_draft_flag_reaches_the_create_pull_request_call(httpserver, github, draft):
    gateway = ActionGateway("ghs_token", api_url=httpserver.url_for("").rstrip("/"))

    pull = gateway.create_pull("octo/shop", replace(PLAN, draft=draft))

    assert pull.number == 7
    (sent,) = github
    assert {k: sent[k] for k in ("head", "base", "title", "body")} == {
        "head": PLAN.branch, "base": "main", "title": PLAN.title, "body": "b"}
    assert sent.get("draft", False) is draft
