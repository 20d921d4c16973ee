"""JSON bodies shaped like GitHub's, built from the simulator's state.

Each builder fills every field GitHub's OpenAPI schema for it requires; the
OpenAPI test validates what the server actually sent.
"""

from __future__ import annotations

from typing import Any

STAMP = "2026-01-02T03:04:05Z"


def user(base: str, login: str, user_id: int, *, kind: str = "User") -> dict[str, Any]:
    url = f"{base}/users/{login}"
    return {
        "login": login, "id": user_id, "node_id": f"U_{user_id}",
        "avatar_url": f"{base}/avatars/{login}", "gravatar_id": "", "url": url,
        "html_url": f"{base}/web/{login}", "followers_url": f"{url}/followers",
        "following_url": f"{url}/following{{/other_user}}",
        "gists_url": f"{url}/gists{{/gist_id}}",
        "starred_url": f"{url}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{url}/subscriptions", "organizations_url": f"{url}/orgs",
        "repos_url": f"{url}/repos", "events_url": f"{url}/events{{/privacy}}",
        "received_events_url": f"{url}/received_events", "type": kind, "site_admin": False,
    }


_TEMPLATED = {
    "archive_url": "/{archive_format}{/ref}", "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}", "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}", "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}", "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}", "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}", "git_tags_url": "/git/tags{/sha}",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}", "keys_url": "/keys{/key_id}", "labels_url": "/labels{/name}",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}", "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}", "statuses_url": "/statuses/{sha}",
    "trees_url": "/git/trees{/sha}",
}
_PLAIN = ("contributors", "deployments", "downloads", "events", "forks", "hooks", "languages",
          "merges", "stargazers", "subscribers", "subscription", "tags", "teams")


def repository(base: str, repo: Any) -> dict[str, Any]:
    """The full-repository shape (valid where `repository` or `minimal-repository` is asked)."""
    api = f"{base}/repos/{repo.full_name}"
    body: dict[str, Any] = {key: api + suffix for key, suffix in _TEMPLATED.items()}
    body.update({f"{name}_url": f"{api}/{name}" for name in _PLAIN})
    body.update({
        "id": repo.repo_id, "node_id": f"R_{repo.repo_id}", "name": repo.name,
        "full_name": repo.full_name,
        "owner": user(base, repo.owner, repo.owner_id, kind="Organization"),
        "private": True, "html_url": f"{base}/web/{repo.full_name}", "description": None,
        "fork": False, "url": api, "clone_url": repo.clone_url, "git_url": repo.clone_url,
        "ssh_url": f"git@127.0.0.1:{repo.full_name}.git", "svn_url": f"{base}/web/{repo.full_name}",
        "mirror_url": None, "homepage": None, "language": "Python", "forks": 0, "forks_count": 0,
        "stargazers_count": 0, "watchers_count": 0, "watchers": 0, "size": 1,
        "default_branch": repo.default_branch, "open_issues": 0, "open_issues_count": 0,
        "has_issues": True, "has_projects": False, "has_wiki": False, "has_pages": False,
        "has_downloads": True, "has_discussions": False, "archived": False, "disabled": False,
        "visibility": "private", "license": None, "pushed_at": STAMP, "created_at": STAMP,
        "updated_at": STAMP, "network_count": 0, "subscribers_count": 0,
        "topics": [], "is_template": False,
    })
    return body


def _link(href: str) -> dict[str, str]:
    return {"href": href}


def _pull_links(api: str, url: str, html: str, issue: str, sha: str) -> dict[str, Any]:
    return {
        "self": _link(url), "html": _link(html), "issue": _link(issue),
        "comments": _link(f"{issue}/comments"), "review_comments": _link(f"{url}/comments"),
        "review_comment": _link(f"{api}/pulls/comments{{/number}}"),
        "commits": _link(f"{url}/commits"), "statuses": _link(f"{api}/statuses/{sha}"),
    }


def pull_request(base: str, repo: Any, pull: Any, *, full: bool) -> dict[str, Any]:
    api = f"{base}/repos/{repo.full_name}"
    url = f"{api}/pulls/{pull.number}"
    issue = f"{api}/issues/{pull.number}"
    html = f"{base}/web/{repo.full_name}/pull/{pull.number}"
    owner = user(base, repo.owner, repo.owner_id, kind="Organization")
    bot = user(base, "redfix[bot]", 9000, kind="Bot")

    def side(ref: str, sha: str) -> dict[str, Any]:
        return {"label": f"{repo.owner}:{ref}", "ref": ref, "sha": sha, "user": owner,
                "repo": repository(base, repo)}

    body: dict[str, Any] = {
        "url": url, "id": 100000 + pull.number, "node_id": f"PR_{pull.number}",
        "html_url": html, "diff_url": f"{html}.diff", "patch_url": f"{html}.patch",
        "issue_url": issue, "commits_url": f"{url}/commits",
        "review_comments_url": f"{url}/comments",
        "review_comment_url": f"{api}/pulls/comments{{/number}}",
        "comments_url": f"{issue}/comments", "statuses_url": f"{api}/statuses/{pull.head_sha}",
        "number": pull.number, "state": pull.state, "locked": False, "title": pull.title,
        "user": bot, "body": pull.body, "milestone": None,
        "labels": [label(base, repo, name) for name in repo.labels.get(pull.number, [])],
        "active_lock_reason": None, "created_at": STAMP, "updated_at": STAMP,
        "closed_at": STAMP if pull.state == "closed" else None,
        "merged_at": STAMP if pull.merged else None, "merge_commit_sha": pull.merge_commit_sha,
        "assignee": None, "assignees": [],
        "requested_reviewers": [], "requested_teams": [],
        "head": side(pull.head, pull.head_sha), "base": side(pull.base, pull.base_sha),
        "_links": _pull_links(api, url, html, issue, pull.head_sha),
        "author_association": "NONE", "auto_merge": None, "draft": pull.draft,
    }
    if full:  # the pull-request shape; lists carry pull-request-simple
        body.update({
            "merged": pull.merged, "mergeable": True, "rebaseable": True,
            "mergeable_state": "clean",
            "merged_by": None, "comments": 0, "review_comments": 0,
            "maintainer_can_modify": False, "commits": 1, "additions": pull.additions,
            "deletions": pull.deletions, "changed_files": pull.changed_files,
        })
    return body


def label(base: str, repo: Any, name: str) -> dict[str, Any]:
    return {"id": abs(hash(name)) % 10**6, "node_id": f"LA_{name}", "name": name,
            "url": f"{base}/repos/{repo.full_name}/labels/{name}", "color": "ededed",
            "default": False, "description": None}


def issue(base: str, repo: Any, number: int, title: str, *, pull: bool) -> dict[str, Any]:
    """The `issue` shape of the issues list (a pull request carries `pull_request`)."""
    api = f"{base}/repos/{repo.full_name}"
    kind = "pull" if pull else "issues"
    url, html = f"{api}/issues/{number}", f"{base}/web/{repo.full_name}/{kind}/{number}"
    body: dict[str, Any] = {
        "id": 200000 + number, "node_id": f"I_{number}", "url": url, "repository_url": api,
        "labels_url": f"{url}/labels{{/name}}", "comments_url": f"{url}/comments",
        "events_url": f"{url}/events", "html_url": html, "number": number, "state": "open",
        "title": title, "body": None, "user": user(base, "dev", 4242),
        "labels": [label(base, repo, name) for name in repo.labels.get(number, [])],
        "assignee": None, "assignees": [], "milestone": None, "locked": False,
        "active_lock_reason": None, "comments": 0, "closed_at": None, "created_at": STAMP,
        "updated_at": STAMP, "author_association": "MEMBER",
    }
    if pull:
        pulls = f"{api}/pulls/{number}"
        body["pull_request"] = {"url": pulls, "html_url": f"{base}/web/{repo.full_name}/pull/"
                                f"{number}", "diff_url": f"{pulls}.diff",
                                "patch_url": f"{pulls}.patch", "merged_at": None}
    return body


def issue_comment(base: str, repo: Any, comment: Any) -> dict[str, Any]:
    api = f"{base}/repos/{repo.full_name}"
    return {
        "id": comment.comment_id, "node_id": f"IC_{comment.comment_id}",
        "url": f"{api}/issues/comments/{comment.comment_id}",
        "html_url": f"{base}/web/{repo.full_name}/issues/{comment.issue}#issuecomment-"
                    f"{comment.comment_id}",
        "issue_url": f"{api}/issues/{comment.issue}", "body": comment.body,
        "user": (user(base, comment.user.login, comment.user.user_id, kind=comment.user.kind)
                 if comment.user else user(base, "redfix[bot]", 9000, kind="Bot")),
        "created_at": STAMP, "updated_at": STAMP, "author_association": comment.association,
    }


def reaction(base: str, reaction_id: int, content: str, who: Any) -> dict[str, Any]:
    return {"id": reaction_id, "node_id": f"REA_{reaction_id}", "content": content,
            "created_at": STAMP, "user": user(base, who.login, who.user_id, kind=who.kind)}


def permission(base: str, login: str, user_id: int, level: str) -> dict[str, Any]:
    body = user(base, login, user_id)
    body["permissions"] = {"admin": level == "admin", "maintain": level in ("admin", "maintain"),
                           "push": level in ("admin", "maintain", "write"),
                           "triage": level != "read" and level != "none", "pull": level != "none"}
    body["role_name"] = level
    return {"permission": level, "role_name": level, "user": body}


def app(base: str, app_id: int) -> dict[str, Any]:
    return {
        "id": app_id, "slug": "redfix", "node_id": f"A_{app_id}", "client_id": "Iv1.redfix",
        "owner": user(base, "redfix-dev", 8000, kind="Organization"), "name": "redfix",
        "description": "Validated fixes for red builds", "external_url": base,
        "html_url": f"{base}/web/apps/redfix", "created_at": STAMP, "updated_at": STAMP,
        "permissions": {"checks": "write", "contents": "write", "pull_requests": "write"},
        "events": ["workflow_run", "check_run"],
    }


def check_run(base: str, repo: Any, run: Any, app_id: int) -> dict[str, Any]:
    api = f"{base}/repos/{repo.full_name}"
    return {
        "id": run.check_id, "node_id": f"CR_{run.check_id}", "head_sha": run.head_sha,
        "external_id": "", "url": f"{api}/check-runs/{run.check_id}",
        "html_url": f"{base}/web/{repo.full_name}/runs/{run.check_id}", "details_url": None,
        "status": run.status, "conclusion": run.conclusion, "started_at": STAMP,
        "completed_at": STAMP if run.status == "completed" else None,
        "output": {"title": run.title, "summary": run.summary, "text": None,
                   "annotations_count": 0,
                   "annotations_url": f"{api}/check-runs/{run.check_id}/annotations"},
        "name": run.name, "check_suite": {"id": 5000 + run.check_id},
        "app": app(base, app_id), "pull_requests": [],
    }


def workflow_run(base: str, repo: Any, run: Any) -> dict[str, Any]:
    api = f"{base}/repos/{repo.full_name}/actions/runs/{run.run_id}"
    minimal = repository(base, repo)
    return {
        "id": run.run_id, "name": "tests", "node_id": f"WFR_{run.run_id}",
        "check_suite_id": 7000 + run.run_id, "check_suite_node_id": f"CS_{run.run_id}",
        "head_branch": run.head_branch, "head_sha": run.head_sha,
        "path": ".github/workflows/tests.yml", "run_number": 1, "run_attempt": 1,
        "referenced_workflows": [], "event": run.event, "status": "completed",
        "conclusion": run.conclusion, "workflow_id": 42, "url": api,
        "html_url": f"{base}/web/{repo.full_name}/actions/runs/{run.run_id}",
        "pull_requests": [], "created_at": STAMP, "updated_at": STAMP, "run_started_at": STAMP,
        "jobs_url": f"{api}/jobs", "logs_url": f"{api}/logs",
        "check_suite_url": f"{base}/repos/{repo.full_name}/check-suites/{7000 + run.run_id}",
        "artifacts_url": f"{api}/artifacts", "cancel_url": f"{api}/cancel",
        "rerun_url": f"{api}/rerun", "previous_attempt_url": None,
        "workflow_url": f"{base}/repos/{repo.full_name}/actions/workflows/42",
        "head_commit": {"id": run.head_sha, "tree_id": run.head_sha, "message": "red",
                        "timestamp": STAMP, "author": {"name": "dev", "email": "dev@example.com"},
                        "committer": {"name": "dev", "email": "dev@example.com"}},
        "repository": minimal, "head_repository": minimal, "display_title": "red build",
    }


def artifact(base: str, repo: Any, art: Any) -> dict[str, Any]:
    api = f"{base}/repos/{repo.full_name}/actions/artifacts/{art.artifact_id}"
    return {
        "id": art.artifact_id, "node_id": f"MDg_{art.artifact_id}", "name": art.name,
        "size_in_bytes": len(art.data), "url": api, "archive_download_url": f"{api}/zip",
        "expired": False, "created_at": STAMP, "expires_at": "2099-01-01T00:00:00Z",
        "updated_at": STAMP,
    }


def job(base: str, repo: Any, run: Any, sim_job: Any) -> dict[str, Any]:
    api = f"{base}/repos/{repo.full_name}/actions"
    return {
        "id": sim_job.job_id, "run_id": run.run_id, "run_url": f"{api}/runs/{run.run_id}",
        "node_id": f"J_{sim_job.job_id}", "head_sha": run.head_sha,
        "url": f"{api}/jobs/{sim_job.job_id}",
        "html_url": f"{base}/web/{repo.full_name}/actions/runs/{run.run_id}/job/{sim_job.job_id}",
        "status": "completed", "conclusion": sim_job.conclusion, "created_at": STAMP,
        "started_at": STAMP, "completed_at": STAMP, "name": sim_job.name, "steps": [],
        "check_run_url": f"{base}/repos/{repo.full_name}/check-runs/{sim_job.job_id}",
        "labels": ["ubuntu-latest"], "runner_id": 1, "runner_name": "runner",
        "runner_group_id": 1, "runner_group_name": "default", "workflow_name": "tests",
        "head_branch": run.head_branch,
    }


def git_ref(base: str, repo: Any, ref: str, sha: str) -> dict[str, Any]:
    api = f"{base}/repos/{repo.full_name}"
    return {"ref": ref, "node_id": f"REF_{sha[:8]}", "url": f"{api}/git/{ref}",
            "object": {"type": "commit", "sha": sha, "url": f"{api}/git/commits/{sha}"}}


def error(message: str, *, status: int) -> dict[str, Any]:
    return {"message": message, "documentation_url": "https://docs.github.com/rest",
            "status": str(status)}
