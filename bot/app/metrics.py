"""Prometheus metrics of one service process (its own registry, so tests can make many)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.app.store import Store


class _StoreCollector(Collector):
    def __init__(self, store: Store, pending: object) -> None:
        self.store = store
        self.pending = pending

    def collect(self) -> Iterator[GaugeMetricFamily]:
        counts = self.store.counts()
        jobs = GaugeMetricFamily("redfix_jobs", "Jobs recorded, by state", labels=["state"])
        for name, value in counts.items():
            if name.startswith("jobs_"):
                jobs.add_metric([name.removeprefix("jobs_")], value)
        yield jobs
        yield GaugeMetricFamily(
            "redfix_deliveries_recorded", "Distinct deliveries recorded", value=counts["deliveries"]
        )
        pending = self.pending() if callable(self.pending) else 0
        yield GaugeMetricFamily(
            "redfix_queue_pending", "Messages waiting in the queue", value=float(pending)
        )


class ServiceMetrics:
    def __init__(self, store: Store, pending: object) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "redfix_webhook_deliveries",
            "Webhook deliveries by event and what became of them",
            ["event", "outcome"],
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "redfix_webhook_ack_seconds",
            "Time from request to acknowledgement",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
            registry=self.registry,
        )
        self.registry.register(_StoreCollector(store, pending))

    def render(self) -> bytes:
        return generate_latest(self.registry)
