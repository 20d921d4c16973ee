"""Who may make redfix work: people with write access; bots are never answered.

The webhook tells who wrote the comment (`sender`, `comment.user.type`,
`author_association`); only the permission API (`GET /repos/{owner}/{repo}/
collaborators/{username}/permission`) tells whether they may write.
`author_association` alone cannot: a MEMBER of the organisation or a
COLLABORATOR may hold read access only.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})
# Associations that can never come with write access: no need to ask the API.
OUTSIDERS = frozenset({"NONE", "FIRST_TIMER", "FIRST_TIME_CONTRIBUTOR", "MANNEQUIN"})


class Verdict(StrEnum):
    ALLOWED = "allowed"
    REFUSED = "refused"  # a person without write access: a polite refusal, once
    IGNORED = "ignored"  # a bot (redfix itself among them): no answer at all


def is_bot(user: Mapping[str, Any]) -> bool:
    login = str(user.get("login", ""))
    return user.get("type") == "Bot" or login.endswith("[bot]")


def needs_permission_check(association: str) -> bool:
    """False when the association already rules write access out."""
    return association.upper() not in OUTSIDERS


def verdict_for(permission: str, *, role_name: str = "") -> Verdict:
    """From the permission API's answer (`permission`, and `role_name` for custom roles)."""
    if permission.lower() in WRITE_PERMISSIONS or role_name.lower() in WRITE_PERMISSIONS:
        return Verdict.ALLOWED
    return Verdict.REFUSED
