"""Which deliveries become jobs: the real payloads of @octokit/webhooks-examples, routed."""

from __future__ import annotations

import pytest

from bot.app.router import Ignore, InstallationChange, Pong, Router, StartFix
from bot.app.routing import app_router
from bot.app.webhooks import WebhookEvent
from bot.core.jobs import FixJob
from tests.github_simulator.payloads import example

route = app_router().route


def event(name: str, payload: dict, delivery: str = "d-1") -> WebhookEvent:
    return WebhookEvent(name=name, delivery_id=delivery, payload=payload)


@pytest.fixture
def red_run(octokit) -> dict:
    payload = example("workflow_run", action="completed", workflow_run__conclusion="success")
    payload["workflow_run"]["conclusion"] = "failure"
    payload["installation"] = {"id": 7}
    return payload


def test_failed_workflow_run_becomes_a_job(red_run):
    decision = route(event("workflow_run", red_run))
    assert isinstance(decision, StartFix)
    job = decision.job
    run = red_run["workflow_run"]
    assert (job.repository, job.head_sha, job.head_branch) == (
        red_run["repository"]["full_name"], run["head_sha"], run["head_branch"])
    assert (job.run_id, job.installation_id, job.event) == (run["id"], 7, "workflow_run")
    assert job.clone_url == red_run["repository"]["clone_url"]
    assert job.workflow == (run["name"] or red_run["workflow"]["name"]) == "test"
    assert job.lock_key == f"{job.repository}@{job.head_branch}"
    assert FixJob.from_json(job.to_json()) == job


def test_successful_run_is_ignored(red_run):
    red_run["workflow_run"]["conclusion"] = "success"
    assert isinstance(route(event("workflow_run", red_run)), Ignore)


def test_build_of_a_redfix_branch_is_ignored_to_avoid_a_loop(red_run):
    red_run["workflow_run"]["head_branch"] = "redfix/main-0123456789ab"
    decision = route(event("workflow_run", red_run))
    assert isinstance(decision, Ignore) and "loop" in decision.reason


def test_payload_without_installation_is_ignored(red_run):
    del red_run["installation"]
    assert isinstance(route(event("workflow_run", red_run)), Ignore)


def test_pull_request_build_remembers_its_pull_requests(red_run):
    red_run["workflow_run"]["pull_requests"] = [{"number": 12}, {"number": 14}]
    decision = route(event("workflow_run", red_run))
    assert isinstance(decision, StartFix) and decision.job.pull_requests == (12, 14)


def test_fork_build_is_marked(red_run):
    red_run["workflow_run"]["head_repository"]["full_name"] = "stranger/fork"
    decision = route(event("workflow_run", red_run))
    assert isinstance(decision, StartFix) and decision.job.from_fork


def test_failed_check_run_of_another_ci_becomes_a_job(octokit):
    payload = example("check_run", action="completed", check_run__conclusion="failure")
    payload["check_run"]["app"]["slug"] = "jenkins"
    payload["installation"] = {"id": 7}
    decision = route(event("check_run", payload))
    assert isinstance(decision, StartFix)
    assert decision.job.head_branch == payload["check_run"]["check_suite"]["head_branch"]
    assert decision.job.pull_requests == (2,)


def test_actions_check_run_is_left_to_its_workflow_run(octokit):
    payload = example("check_run", action="completed", check_run__conclusion="failure")
    payload["installation"] = {"id": 7}
    decision = route(event("check_run", payload))
    assert isinstance(decision, Ignore) and "workflow_run" in decision.reason


def test_ping_answers_with_zen(octokit):
    payload = example("ping")
    decision = route(event("ping", payload))
    assert isinstance(decision, Pong) and decision.zen == payload["zen"]


def test_installation_created_lists_its_repositories(octokit):
    payload = example("installation", action="created")
    decision = route(event("installation", payload))
    assert isinstance(decision, InstallationChange)
    assert decision.added == tuple(r["full_name"] for r in payload["repositories"])
    assert not decision.uninstalled


def test_installation_deleted_is_an_uninstall(octokit):
    decision = route(event("installation", example("installation", action="deleted")))
    assert isinstance(decision, InstallationChange) and decision.uninstalled


def test_repositories_added_and_removed(octokit):
    added = route(event("installation_repositories",
                        example("installation_repositories", action="added")))
    removed = route(event("installation_repositories",
                          example("installation_repositories", action="removed")))
    assert isinstance(added, InstallationChange) and added.added
    assert isinstance(removed, InstallationChange) and removed.removed and not removed.added


def test_unknown_event_is_ignored():
    decision = route(event("star", {"action": "created"}))
    assert isinstance(decision, Ignore) and "star.created" in decision.reason


def test_routers_compose_and_the_qualified_name_wins():
    builds, pulls = Router(), Router()
    builds.on("check_run")(lambda e: Ignore("any check run"))
    pulls.on("check_run.completed")(lambda e: Ignore("a completed one"))
    composed = Router()
    composed.include(builds)
    composed.include(pulls)
    assert composed.route(event("check_run", {"action": "completed"})) == Ignore("a completed one")
    assert composed.route(event("check_run", {"action": "created"})) == Ignore("any check run")
    assert composed.route(event("star", {})) == Ignore("no handler for star")


def test_two_routers_may_not_claim_one_event():
    first, second = Router(), Router()
    first.on("issue_comment.created")(lambda e: Ignore("first"))
    second.on("issue_comment.created")(lambda e: Ignore("second"))
    composed = Router()
    composed.include(first)
    with pytest.raises(ValueError, match=r"issue_comment\.created"):
        composed.include(second)


def test_the_app_router_holds_the_pull_request_handlers():
    names = set(app_router().handlers)
    assert {"issue_comment.created", "pull_request.closed", "workflow_run.completed"} <= names


def comment(body: str, *, on_pull: bool, labels: tuple[str, ...] = ()) -> dict:
    payload = example("issue_comment", action="created")
    payload["installation"] = {"id": 7}
    payload["comment"].update(body=body, user={"login": "writer", "type": "User"})
    payload["sender"] = {"login": "writer", "type": "User"}
    payload["issue"]["labels"] = [{"name": name} for name in labels]
    if on_pull:
        payload["issue"]["pull_request"] = {"url": "https://api.github.com/x/pulls/1"}
    else:
        payload["issue"].pop("pull_request", None)
    return payload


@pytest.mark.parametrize("word", ["stop", "resume"])
def test_stop_and_resume_are_heard_on_an_issue(octokit, word):
    decision = route(event("issue_comment", comment(f"/redfix {word}", on_pull=False)))
    assert isinstance(decision, StartFix)
    assert (decision.job.command, decision.job.on_issue) == (word, True)


def test_other_commands_on_an_issue_are_ignored(octokit):
    decision = route(event("issue_comment", comment("/redfix fix", on_pull=False)))
    assert isinstance(decision, Ignore) and "only /redfix stop and resume" in decision.reason


def test_a_labelled_pull_request_takes_stop_and_resume_but_no_work(octokit):
    labelled = comment("/redfix retry", on_pull=True, labels=("bug", "redfix:off"))
    decision = route(event("issue_comment", labelled))
    assert isinstance(decision, Ignore) and "has the label redfix:off" in decision.reason
    labelled["comment"]["body"] = "/redfix resume"
    resumed = route(event("issue_comment", labelled))
    assert isinstance(resumed, StartFix) and not resumed.job.on_issue
    unlabelled = route(event("issue_comment", comment("/redfix retry", on_pull=True,
                                                      labels=("bug",))))
    assert isinstance(unlabelled, StartFix)
