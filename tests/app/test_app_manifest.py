"""app.yml asks for exactly the events redfix handles and the permissions its calls need."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.app.routing import app_router

MANIFEST = Path(__file__).resolve().parents[2] / "app.yml"
SENT_WITHOUT_SUBSCRIBING = {"installation", "installation_repositories", "ping"}


def test_subscribed_events_are_the_handled_ones():
    manifest = yaml.safe_load(MANIFEST.read_text())
    handled = {name.split(".")[0] for name in app_router().handlers}
    assert set(manifest["default_events"]) == handled - SENT_WITHOUT_SUBSCRIBING


def test_permissions_are_minimal_and_cover_the_calls():
    permissions = yaml.safe_load(MANIFEST.read_text())["default_permissions"]
    # issues: the label redfix:off is read from the issues list, and /redfix stop and
    # resume in an issue are answered there.
    assert permissions == {"actions": "read", "checks": "write", "contents": "write",
                           "issues": "write", "metadata": "read", "pull_requests": "write"}


def test_webhook_points_at_the_service_endpoint():
    hook = yaml.safe_load(MANIFEST.read_text())["hook_attributes"]
    assert hook["url"].endswith("/webhook") and hook["active"] is True
