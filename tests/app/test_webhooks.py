"""Verification and parsing of deliveries: pure functions over bytes and headers."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from bot.app.webhooks import parse_delivery, sign, verify_signature
from bot.core.github_errors import MalformedDelivery, PayloadTooLarge, SignatureMismatch

SECRET = "It's a Secret to Everybody"


def headers(body: bytes, **extra: str) -> dict[str, str]:
    return {"X-GitHub-Event": "ping", "X-GitHub-Delivery": "d-1",
            "X-Hub-Signature-256": sign(body, SECRET), **extra}


def test_signature_matches_githubs_documented_example():
    # docs.github.com "Validating webhook deliveries": secret and payload give this digest.
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert sign(b"Hello, World!", SECRET) == expected
    verify_signature(b"Hello, World!", expected, secret=SECRET)


@pytest.mark.parametrize("signature", [None, "", "sha1=abc", "sha256=" + "0" * 64])
def test_bad_or_missing_signature_is_refused(signature):
    with pytest.raises(SignatureMismatch) as caught:
        verify_signature(b"{}", signature, secret=SECRET)
    assert caught.value.status == 401


def test_signature_of_another_body_is_refused():
    other = sign(b'{"a": 1}', SECRET)
    with pytest.raises(SignatureMismatch):
        verify_signature(b'{"a": 2}', other, secret=SECRET)


def test_signature_with_another_secret_is_refused():
    digest = hmac.new(b"other secret", b"{}", hashlib.sha256).hexdigest()
    with pytest.raises(SignatureMismatch, match="REDFIX_WEBHOOK_SECRET"):
        verify_signature(b"{}", f"sha256={digest}", secret=SECRET)


def test_parse_gives_event_delivery_action_and_payload():
    body = json.dumps({"action": "completed", "zen": "x"}).encode()
    event = parse_delivery(headers(body, **{"X-GitHub-Event": "workflow_run"}), body,
                           secret=SECRET)
    assert (event.name, event.delivery_id, event.action) == ("workflow_run", "d-1", "completed")
    assert event.qualified_name == "workflow_run.completed"


def test_header_names_are_case_insensitive():
    body = b"{}"
    lowered = {k.lower(): v for k, v in headers(body).items()}
    assert parse_delivery(lowered, body, secret=SECRET).qualified_name == "ping"


def test_size_is_checked_before_the_signature():
    body = b"{" + b" " * 100 + b"}"
    with pytest.raises(PayloadTooLarge) as caught:
        parse_delivery({}, body, secret=SECRET, max_bytes=50)
    assert caught.value.status == 413


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe"])
def test_signed_garbage_is_malformed(body):
    with pytest.raises(MalformedDelivery):
        parse_delivery(headers(body), body, secret=SECRET)


def test_missing_delivery_id_is_malformed():
    body = b"{}"
    incomplete = {k: v for k, v in headers(body).items() if k != "X-GitHub-Delivery"}
    with pytest.raises(MalformedDelivery, match="X-GitHub-Delivery"):
        parse_delivery(incomplete, body, secret=SECRET)
