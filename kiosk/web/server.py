"""The web server of ``nhi-kiosk serve`` (aiohttp): the page, textual-serve's terminal
script beside it, and the WebSocket each page runs its own kiosk session over.

Every request is checked against :class:`kiosk.web.access.Access` first (its ``Host``;
a WebSocket's ``Origin`` too). Every response says: no framing by another site, no
referrer, and scripts only from this server or with this page's one-time nonce; nothing
is fetched from elsewhere (textual-serve's own page loads Google's fonts; this one does
not). A browser's messages are read as data: a message that is not one of the four the
page sends is ignored, keystrokes are capped by the WebSocket's message size, and a
terminal size is clamped (access.terminal_size).
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import secrets
import signal
from collections.abc import Awaitable, Callable
from importlib import resources
from string import Template
from typing import TypeVar

from aiohttp import WSMsgType, web

from kiosk.domain.i18n import Catalog
from kiosk.domain.rows import shown
from kiosk.web.access import Access, terminal_size
from kiosk.web.sessions import KioskProcess, Sessions

HEARTBEAT_S = 15.0          # a browser that stops answering is let go within two of these
MAX_MESSAGE = 64 * 1024     # a paste of keystrokes, at most
SHUTDOWN_S = 20.0           # sessions get this long to end when the server stops
FONT_SIZES = range(8, 49)
_FONT_SIZE = re.compile(r"[0-9]{1,2}")
STATIC = "/static"
_Answer = TypeVar("_Answer", bound=web.StreamResponse)


def _template(name: str) -> Template:
    return Template(resources.files("kiosk.web").joinpath(name).read_text(encoding="utf-8"))


class KioskSite:
    """The application's handlers over one :class:`Sessions` and one :class:`Access`."""

    def __init__(self, access: Access, sessions: Sessions, catalog: Catalog) -> None:
        self.access = access
        self.sessions = sessions
        self.catalog = catalog
        self._page = _template("page.html")
        self._busy = _template("busy.html")

    def application(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        static = resources.files("textual_serve").joinpath("static")
        app.add_routes([
            web.get("/", self.index),
            web.get("/ws", self.websocket),
            web.static(STATIC, str(static)),
        ])
        app.on_shutdown.append(self._let_go)
        return app

    # -- every request ------------------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request,
                     handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
                     ) -> web.StreamResponse:
        if not self.access.host_allowed(request.headers.get("Host")):
            return self._secured(web.Response(status=421,
                                              text=self.catalog.t("serve.wrong_host")))
        try:
            response = await handler(request)
        except web.HTTPException as answer:    # a 404, a redirect: secured as well
            self._secured(answer)
            raise
        return response if response.prepared else self._secured(response)

    def _secured(self, response: _Answer) -> _Answer:
        response.headers.setdefault("Content-Security-Policy", self._policy(None))
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @staticmethod
    def _policy(nonce: str | None, websocket: str | None = None) -> str:
        """Scripts, styles and fonts from this server only (textual.js injects its <style>
        elements, so styles may be inline); the page's own script by its nonce; the
        session's WebSocket: 'self' (CSP 3 lets it match ws: and wss:), and the address
        itself for browsers before that, unless it is an IPv6 literal, which a CSP source
        cannot name."""
        scripts = f"'self' 'nonce-{nonce}'" if nonce else "'self'"
        connect = "'self'" if websocket is None or "[" in websocket \
            else f"'self' {websocket}"
        return ("default-src 'none'; "
                f"script-src {scripts}; style-src 'self' 'unsafe-inline'; "
                f"font-src 'self'; img-src 'self' data:; connect-src {connect}; "
                "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")

    # -- the page -----------------------------------------------------------------------

    async def index(self, request: web.Request) -> web.Response:
        t = self.catalog.t
        texts = {"lang": self.catalog.lang, "title": t("serve.page_title")}
        if self.sessions.full:
            body = self._busy.substitute(self._escaped(
                texts | {"busy": t("serve.page_busy", most=self.sessions.most)}))
            return web.Response(status=503, text=body, content_type="text/html",
                                headers={"Cache-Control": "no-store", "Retry-After": "15"})
        nonce = secrets.token_urlsafe(16)
        size = request.query.get("fontsize", "")
        font_size = int(size) if _FONT_SIZE.fullmatch(size) and int(size) in FONT_SIZES \
            else 16
        websocket = self.access.websocket_url(request.headers["Host"])   # checked: _guard
        body = self._page.substitute(self._escaped(texts | {
            "static": STATIC, "websocket": websocket,
            "font_size": str(font_size), "nonce": nonce, "starting": t("serve.page_starting"),
            "ended": t("serve.page_ended"), "again": t("serve.page_again")}))
        return web.Response(text=body, content_type="text/html", headers={
            "Cache-Control": "no-store",
            "Content-Security-Policy": self._policy(nonce, websocket)})

    @staticmethod
    def _escaped(values: dict[str, str]) -> dict[str, str]:
        return {name: html.escape(value, quote=True) for name, value in values.items()}

    # -- a session ----------------------------------------------------------------------

    async def websocket(self, request: web.Request) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if not self.access.origin_allowed(origin):
            self.sessions.say("serve.refused_origin", origin=shown(origin or ""))
            return web.Response(status=403, text=self.catalog.t("serve.wrong_host"))
        socket = web.WebSocketResponse(heartbeat=HEARTBEAT_S, max_msg_size=MAX_MESSAGE)
        if not socket.can_prepare(request).ok:   # a person typed the address: the page
            raise web.HTTPFound("/")
        if not self.sessions.reserve():
            self.sessions.say("serve.refused_busy", most=self.sessions.most)
            return web.Response(status=503, text=self.catalog.t(
                "serve.page_busy", most=self.sessions.most))
        try:
            await socket.prepare(request)
            size = terminal_size(request.query.get("width"), request.query.get("height"))

            async def close() -> None:
                await socket.close()

            async with self.sessions.running(size, send_bytes=socket.send_bytes,
                                             send_str=socket.send_str, close=close) as kiosk:
                async for message in socket:
                    if message.type == WSMsgType.TEXT:
                        await self._from_browser(message.data, kiosk, socket)
        except (OSError, ConnectionError) as exc:   # a folder, a pipe, the socket itself
            self.sessions.say("serve.session_failed", detail=exc.strerror or type(exc).__name__)
        finally:
            self.sessions.release()
        return socket

    async def _from_browser(self, data: str, kiosk: KioskProcess,
                            socket: web.WebSocketResponse) -> None:
        try:
            envelope = json.loads(data)
        except (ValueError, RecursionError):   # not JSON, or nested beyond reason
            return
        if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
            return
        kind, body = envelope[0], envelope[1] if len(envelope) > 1 else None
        if kind == "stdin" and isinstance(body, str):
            await kiosk.send_bytes(body.encode("utf-8", "replace"))
        elif kind == "resize" and isinstance(body, dict):
            await kiosk.set_terminal_size(*terminal_size(body.get("width"), body.get("height")))
        elif kind == "ping" and isinstance(body, str) and not socket.closed:
            await socket.send_json(["pong", body[:32]])
        elif kind == "blur":
            await kiosk.blur()
        elif kind == "focus":
            await kiosk.focus()

    async def _let_go(self, app: web.Application) -> None:
        await self.sessions.close_all()


async def _serve(site: KioskSite, host: str, port: int, ready: Callable[[], None]) -> None:
    runner = web.AppRunner(site.application(), shutdown_timeout=SHUTDOWN_S)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await web.TCPSite(runner, host, port).start()   # OSError: the port is taken
        ready()
        await stop.wait()
    finally:
        await runner.cleanup()


def serve(site: KioskSite, host: str, port: int, ready: Callable[[], None]) -> None:
    """Listen on ``host``:``port`` until SIGINT or SIGTERM; ``ready`` is called once the
    port is open. Raises OSError when it cannot be (the port taken, the address not
    this machine's)."""
    asyncio.run(_serve(site, host, port, ready))
