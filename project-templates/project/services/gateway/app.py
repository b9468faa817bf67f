"""The gateway: one address for clients; ``/<service>/<path>`` is passed to that service.

Peers are found through the configured registry (``APP_DISCOVERY``) and called with
:class:`discovery.PeerClient`; ``/services`` reports every peer's health.
"""

from __future__ import annotations

import msgspec
from gobstopper import Gobstopper, Request, Response, abort

from config import Config
from discovery import PeerClient, registry_from
from factory import create_app
from services import SERVICES

__all__ = ["Health", "create_gateway"]

#: Request headers passed on to a peer; everything else stays at the gateway.
FORWARDED = ("accept", "authorization", "content-type", "cookie", "if-none-match", "x-csrf-token")
#: Response headers passed back to the client: cookies, redirects, caching, auth
#: challenges and a page's own Content-Security-Policy (which origins its scripts may
#: reach, the service's to set). Length and encoding are the gateway's own.
RETURNED = (
    "cache-control",
    "content-security-policy",
    "content-disposition",
    "etag",
    "last-modified",
    "location",
    "retry-after",
    "set-cookie",
    "www-authenticate",
)
PROXY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


class Health(msgspec.Struct):
    """What a peer's ``/health`` answers."""

    status: str
    service: str


def create_gateway() -> Gobstopper:
    """The gateway application, with a client for every other service."""
    app = create_app("gateway")
    registry = registry_from(Config.from_env("gateway"))
    peers = {name: PeerClient(registry, name) for name in SERVICES if name != "gateway"}

    @app.get("/services")
    async def services() -> dict[str, str]:
        """Each peer's health: ``ok``, or why it could not be asked."""
        report: dict[str, str] = {}
        for name, client in peers.items():
            try:
                report[name] = (await client.get("/health", Health)).status
            except Exception as error:  # an unreachable peer is reported, not raised
                report[name] = f"unavailable: {getattr(error, 'description', error)}"
        return report

    async def forward(request: Request, service: str, path: str) -> Response:
        client = peers.get(service)
        if client is None:
            abort(404, f"no service named {service!r}")
        query = f"?{request.query_string}" if request.query_string else ""
        headers = {key: request.headers.get(key) for key in FORWARDED if key in request.headers}
        # Who is asking, for peers that trust the gateway (GOBSTOPPER_TRUSTED_PROXIES):
        # limits per address then count the client, not the gateway.
        chain = request.headers.get("x-forwarded-for")
        headers["x-forwarded-for"] = f"{chain}, {request.client_ip}" if chain else request.client_ip
        reply = await client.send(
            request.method, f"{path}{query}", content=await request.body(), headers=headers
        )
        returned = [(name, value) for name in RETURNED for value in reply.headers.get_list(name)]
        return Response(
            reply.content,
            status=reply.status_code,
            headers=returned,
            content_type=reply.headers.get("content-type"),
        )

    @app.route("/<service>/", methods=PROXY_METHODS)
    async def forward_to_root(request: Request, service: str) -> Response:
        """Pass ``/<service>/`` to the service's ``/``."""
        return await forward(request, service, "/")

    @app.route("/<service>/<path:rest>", methods=PROXY_METHODS)
    async def forward_to_path(request: Request, service: str, rest: str) -> Response:
        """Pass ``/<service>/<rest>`` to the service's ``/<rest>`` and its answer back."""
        return await forward(request, service, f"/{rest}")

    @app.on_shutdown
    async def close_peers() -> None:
        for client in peers.values():
            await client.aclose()
        await registry.aclose()

    return app


app = create_gateway()
