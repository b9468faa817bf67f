"""The dashboard page's response: the rendered template under a Content-Security-Policy
that lets its script reach the WebSocket, wherever the stream is served."""

from __future__ import annotations

from urllib.parse import urlsplit

from gobstopper import HTMLResponse

__all__ = ["page_policy", "page_response"]


def page_policy(host: str, stream_url: str) -> str:
    """Same-origin everything, plus WebSockets to this ``host`` or to ``stream_url``'s."""
    if stream_url:
        parts = urlsplit(stream_url)
        sockets = f"{parts.scheme}://{parts.netloc}"
    else:
        sockets = f"ws://{host} wss://{host}"
    return (
        "default-src 'self'; "
        f"connect-src 'self' {sockets}; "
        "img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
    )


def page_response(html: str, host: str, stream_url: str) -> HTMLResponse:
    """``html`` with :func:`page_policy` (ECharts sets inline styles on its elements)."""
    return HTMLResponse(html, headers={"Content-Security-Policy": page_policy(host, stream_url)})
