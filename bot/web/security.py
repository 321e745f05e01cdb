"""Security headers on every HTTP response, from this one middleware: a strict CSP and its companions.

The policy allows only the app's own scripts, styles, images and connections
(``default-src 'self'``, no inline script or style), so a message that slipped through
as HTML could still not run code. Who may frame our pages is the one thing that varies:
``frame-ancestors 'none'`` by default, or the origins a page lists (the chat widget is
embedded in the centre's own website). Private areas (the staff console) also send no
referrer and are never cached, except their static files. Pure ASGI, so server-sent
event streams pass through untouched. Routes and mounts add no security headers of
their own: one place to read, one place to change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BASE_POLICY = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
)

PRIVATE_PREFIXES = ("/staff",)

STATIC_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def content_security_policy(frame_ancestors: Sequence[str] = ()) -> str:
    """The policy; ``frame_ancestors`` are origins (``https://example.gov.vn``) allowed to frame the page."""
    ancestors = " ".join(["'self'", *frame_ancestors]) if frame_ancestors else "'none'"
    return "; ".join([*BASE_POLICY, f"frame-ancestors {ancestors}"])


class SecurityHeaders:
    """Adds the headers to every response; ``framing(path)`` gives the origins that may frame that path.

    The policy headers replace whatever a route set, so no page can loosen them; only
    Cache-Control is left to a route that sets its own (the chat's event stream).
    """

    def __init__(
        self,
        app: ASGIApp,
        framing: Callable[[str], Sequence[str]] = lambda _path: (),
        hsts: bool = False,
        private: Sequence[str] = PRIVATE_PREFIXES,
    ) -> None:
        self.app = app
        self.framing = framing
        self.hsts = hsts
        self.private = tuple(private)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        ancestors = list(self.framing(path))
        private = any(path == p or path.startswith(p + "/") for p in self.private)
        cache = "public, max-age=3600" if "/static/" in path else "no-store"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = content_security_policy(ancestors)
                if not ancestors:  # old browsers without frame-ancestors
                    headers["X-Frame-Options"] = "DENY"
                for name, value in STATIC_HEADERS.items():
                    headers[name] = value
                if private:  # pages with personal data: no referrer leaves them, nothing is kept
                    headers["Referrer-Policy"] = "no-referrer"
                    headers.setdefault("Cache-Control", cache)
                if self.hsts:
                    headers["Strict-Transport-Security"] = "max-age=31536000"
            await send(message)

        await self.app(scope, receive, with_headers)
