"""What the App decides about one webhook event, and the routers that decide it.

Handlers are pure: they read the payload and return a decision; the web app
records and queues it. Unknown events are acknowledged and ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.app.webhooks import WebhookEvent
from bot.core.jobs import FixJob


@dataclass(frozen=True)
class StartFix:
    job: FixJob


@dataclass(frozen=True)
class Ignore:
    reason: str


@dataclass(frozen=True)
class Pong:
    zen: str


@dataclass(frozen=True)
class InstallationChange:
    installation_id: int
    account: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    uninstalled: bool = False


Decision = StartFix | Ignore | Pong | InstallationChange
Handler = Callable[[WebhookEvent], Decision]


class Router:
    """Handlers by `event` or `event.action` name; routers compose by `include`."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}

    def on(self, *names: str) -> Callable[[Handler], Handler]:
        """Register a handler for `event` or `event.action` names."""

        def register(handler: Handler) -> Handler:
            for name in names:
                self._add(name, handler)
            return handler

        return register

    def include(self, other: Router) -> None:
        for name, handler in other.handlers.items():
            self._add(name, handler)

    def route(self, event: WebhookEvent) -> Decision:
        handler = self.handlers.get(event.qualified_name) or self.handlers.get(event.name)
        if handler is None:
            return Ignore(f"no handler for {event.qualified_name}")
        return handler(event)

    def _add(self, name: str, handler: Handler) -> None:
        if name in self.handlers:
            raise ValueError(f"two handlers for the webhook event {name}")
        self.handlers[name] = handler
