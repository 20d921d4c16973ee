"""The web app: POST /webhook answers 202 at once; the work happens in queue workers.

Also /healthz (the process answers), /readyz (queue, database, model server,
Docker), /metrics (Prometheus), /docs (OpenAPI, from FastAPI), and for operators /stats
and /dashboard.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from fastapi import FastAPI, Request, Response, Security
from fastapi.responses import HTMLResponse, JSONResponse

from bot import __version__
from bot.app.health import Check, run_checks
from bot.app.metrics import ServiceMetrics
from bot.app.operator_auth import BASIC_CHALLENGE, authorization_header, operator_refusal
from bot.app.queue import JobQueue
from bot.app.router import Decision, Ignore, InstallationChange, Pong, Router, StartFix
from bot.app.routing import app_router
from bot.app.settings import ServiceConfig
from bot.app.store import Store
from bot.app.webhooks import WebhookEvent, check_size, parse_delivery
from bot.core.errors import UsageError
from bot.core.github_errors import PayloadTooLarge, WebhookError
from bot.core.records_ports import Records

log = logging.getLogger("redfix.service")


@dataclass
class AppState:
    config: ServiceConfig
    store: Store
    queue: JobQueue
    checks: Mapping[str, Check] = field(default_factory=dict)
    records: Records | None = None
    router: Router = field(default_factory=app_router)  # every webhook handler


def _describe(decision: Decision) -> tuple[str, dict[str, str]]:
    if isinstance(decision, StartFix):
        return "queued", {"job_id": decision.job.job_id}
    if isinstance(decision, Pong):
        return "pong", {"zen": decision.zen}
    if isinstance(decision, InstallationChange):
        return "installation", {"installation_id": str(decision.installation_id)}
    return "ignored", {"reason": decision.reason}


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it grows past the limit (never buffered whole)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit():
        check_size(int(declared), limit=limit)
        return await request.body()
    body = bytearray()  # chunked: count as it arrives
    async for chunk in request.stream():
        body += chunk
        check_size(len(body), limit=limit)
    return bytes(body)


def _accept(state: AppState, event: WebhookEvent) -> tuple[str, dict[str, str]]:
    decision = state.router.route(event)
    outcome, details = _describe(decision)
    job = decision.job if isinstance(decision, StartFix) else None
    new = state.store.record_delivery(
        event.delivery_id, event=event.name, action=event.action, decision=outcome, job=job
    )
    if not new:
        return "duplicate", {}
    if isinstance(decision, InstallationChange):
        state.store.apply_installation(decision)
    if job is not None:
        state.queue.enqueue(job.job_id)
    if isinstance(decision, Ignore):
        log.info(
            "delivery %s (%s) ignored: %s", event.delivery_id, event.qualified_name, decision.reason
        )
    return outcome, details


def create_app(state: AppState) -> FastAPI:
    app = FastAPI(
        title="redfix", version=__version__, description="Webhooks in, validated pull requests out."
    )
    metrics = ServiceMetrics(state.store, state.queue.pending)

    @app.post("/webhook", status_code=202, summary="Receive a GitHub webhook delivery")
    async def webhook(request: Request) -> JSONResponse:
        started = time.perf_counter()
        event_name = request.headers.get("x-github-event", "unknown")
        try:
            body = await _read_body(request, state.config.max_body_bytes)
            event = parse_delivery(
                request.headers,
                body,
                secret=state.config.webhook_secret,
                max_bytes=state.config.max_body_bytes,
            )
        except WebhookError as exc:
            outcome = "too-large" if isinstance(exc, PayloadTooLarge) else "refused"
            metrics.deliveries.labels(event_name, outcome).inc()
            log.warning(
                "delivery %s refused: %s", request.headers.get("x-github-delivery", "?"), exc
            )
            return JSONResponse({"error": str(exc)}, status_code=exc.status)
        outcome, details = _accept(state, event)
        metrics.deliveries.labels(event.name, outcome).inc()
        metrics.ack_seconds.observe(time.perf_counter() - started)
        return JSONResponse(
            {"status": outcome, "delivery": event.delivery_id, **details}, status_code=202
        )

    _add_operations_routes(app, state, metrics)
    _add_stats_route(app, state)
    _add_dashboard_route(app, state)
    return app


def _add_dashboard_route(app: FastAPI, state: AppState) -> None:
    @app.get("/dashboard", response_class=HTMLResponse,
             summary="The operators' page: queue, outcomes, rates over time, caps")
    def dashboard(
        repository: str = "",
        period: str = "week",
        authorization: str | None = Security(authorization_header),
    ) -> Response:
        from bot.app.dashboard.gather import gather
        from bot.app.dashboard.page import CONTENT_SECURITY_POLICY, render_dashboard

        refusal = operator_refusal(state.config.operator_token, authorization,
                                   challenge=BASIC_CHALLENGE)
        if refusal is not None:
            return refusal
        if state.records is None:
            return JSONResponse({"error": "no records database"}, status_code=503)
        try:
            view = gather(state.store, state.records, repository=repository, period=period,
                          now=time.time())
        except UsageError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        return HTMLResponse(render_dashboard(view), headers={
            "Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-store"})


def _add_stats_route(app: FastAPI, state: AppState) -> None:
    @app.get("/stats", summary="Acceptance of redfix's pull requests (JSON, text or PNG)")
    def stats(
        by: str = "repository",
        period: str = "month",
        format: str = "json",
        authorization: str | None = Security(authorization_header),
    ) -> Response:
        from bot.stages.learn.stats import acceptance, rows_to_json, table

        refusal = operator_refusal(state.config.operator_token, authorization)
        if refusal is not None:
            return refusal
        if state.records is None:
            return JSONResponse({"error": "no feedback database"}, status_code=503)
        try:
            rows = acceptance(state.records.fixes(), by=by, period=period)
        except UsageError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        if format == "png":
            from bot.stages.learn.chart import acceptance_png

            try:
                return Response(acceptance_png(rows, by=by), media_type="image/png")
            except UsageError as exc:  # matplotlib (the `charts` extra) is not installed
                return JSONResponse({"error": str(exc)}, status_code=501)
        if format == "text":
            return Response(table(rows, by=by) + "\n", media_type="text/plain")
        return JSONResponse({"by": by, "period": period, "rows": rows_to_json(rows)})


def _add_operations_routes(app: FastAPI, state: AppState, metrics: ServiceMetrics) -> None:
    @app.get("/healthz", summary="The process answers")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", summary="Queue, database, model server and Docker answer")
    def readyz() -> JSONResponse:
        checks: dict[str, Check] = {
            "database": state.store.ping,
            "queue": lambda: "" if state.queue.pending() >= 0 else "queue unreadable",
            **state.checks,
        }
        results = run_checks(checks)
        ready = all(value == "ok" for value in results.values())
        return JSONResponse({"ready": ready, "checks": results}, status_code=200 if ready else 503)

    @app.get("/metrics", summary="Prometheus metrics")
    def prometheus() -> Response:
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")
