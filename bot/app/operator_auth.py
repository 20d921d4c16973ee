"""Who may read the operator endpoints: whoever sends REDFIX_OPERATOR_TOKEN.

As a Bearer token (`Authorization: Bearer <token>`, for scripts), or as the password of
HTTP Basic authentication with any user name (for a person in a browser, which asks for
it when a page answers 401 with a Basic challenge). Without a configured token the
endpoints are closed, never open: they name repositories.
"""

from __future__ import annotations

import base64
import binascii
import hmac

from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader

CLOSED = (
    "this endpoint is closed until REDFIX_OPERATOR_TOKEN is set on the service; then send it "
    "as 'Authorization: Bearer <token>'"
)
REFUSED = (
    "send the service's REDFIX_OPERATOR_TOKEN as 'Authorization: Bearer <token>', or as the "
    "password of HTTP Basic authentication (any user name)"
)
BEARER_CHALLENGE = "Bearer"
BASIC_CHALLENGE = 'Basic realm="redfix"'  # a browser asks for a user name and password

# The raw Authorization header (Bearer or Basic), documented in the OpenAPI description.
authorization_header = APIKeyHeader(
    name="Authorization", auto_error=False,
    description="'Bearer REDFIX_OPERATOR_TOKEN', or Basic with the token as the password",
)


def sent_token(authorization: str | None) -> str:
    """The token an Authorization header carries: a Bearer token or a Basic password; else ""."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() != "basic":
        return ""
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""
    _user, colon, password = decoded.partition(":")
    return password if colon else ""


def operator_refusal(
    configured: str, authorization: str | None, *, challenge: str = BEARER_CHALLENGE
) -> JSONResponse | None:
    """None when the Authorization header carries the configured token; else the answer to
    give instead (403 while no token is configured, 401 with `challenge` otherwise)."""
    if not configured:
        return JSONResponse({"error": CLOSED}, status_code=403)
    given = sent_token(authorization)
    if not given or not hmac.compare_digest(given.encode(), configured.encode()):
        return JSONResponse(
            {"error": REFUSED}, status_code=401, headers={"WWW-Authenticate": challenge}
        )
    return None
