"""The instance's display zone for every request, pages and API documents alike."""

from typing import Any

from app.i18n.formatting import zone_of


class DisplayZone:
    """ASGI middleware: show times in `zone` while a request is handled and its response streamed.

    Set here, in the request's own task, the zone reaches the route's worker thread and the streamed
    body's chunks, which both run in copies of this context.
    """

    def __init__(self, app: Any, zone: str) -> None:
        self.app = app
        self.zone = zone

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Handle one connection's request with the instance's zone set."""
        with zone_of(self.zone):
            await self.app(scope, receive, send)
