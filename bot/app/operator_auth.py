"""Who may read the operator endpoints: whoever sends REDFIX_OPERATOR_TOKEN as a Bearer token.

Without a configured token the endpoints are closed, never open: they name repositories.
"""

from __future__ import annotations

import hmac

from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials

CLOSED = (
    "this endpoint is closed until REDFIX_OPERATOR_TOKEN is set on the service; then send it "
    "as 'Authorization: Bearer <token>'"
)
REFUSED = "send the service's REDFIX_OPERATOR_TOKEN as 'Authorization: Bearer <token>'"


def operator_refusal(
    configured: str, sent: HTTPAuthorizationCredentials | None
) -> JSONResponse | None:
    """None when `sent` carries the configured token; else the answer to give instead."""
    if not configured:
        return JSONResponse({"error": CLOSED}, status_code=403)
    given = sent.credentials if sent is not None else ""
    if not hmac.compare_digest(given.encode(), configured.encode()):
        return JSONResponse(
            {"error": REFUSED}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )
    return None
