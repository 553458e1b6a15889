"""Who may reach ``nhi-kiosk serve``, decided without the web server, so each rule is
tested on its own (tests/unit/test_web_access.py).

The server has no authentication of its own (docs/deploy.md: put it behind an
authenticating proxy). What it does refuse:

- listening beyond this machine unless ``--public`` says so: a loopback address, or the
  name ``localhost``, is the only default (no name is resolved: a name may point anywhere);
- a request whose ``Host`` is not this server's public address or, when it listens on
  loopback, a loopback name: a web page elsewhere cannot reach the kiosk through a DNS
  name it points at 127.0.0.1 (DNS rebinding);
- a WebSocket whose ``Origin`` is another site's: a page the user happens to open cannot
  drive a kiosk session in the background (cross-site WebSocket hijacking). Browsers
  always send ``Origin`` on a WebSocket; a client without one is not a browser page.
- a terminal size out of bounds: a session's kiosk lays out what it is told, so
  100000 columns would be a way to stall the machine.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
MAX_HOST = 253       # a DNS name's longest
MAX_COLUMNS, MAX_ROWS = 400, 150
DEFAULT_COLUMNS, DEFAULT_ROWS = 80, 24
_LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
_DNS_NAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*")


def is_loopback(host: str) -> bool:
    """Whether listening on ``host`` stays on this machine: 127.0.0.0/8, ::1, localhost."""
    host = host.strip().lower().removeprefix("[").removesuffix("]")
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    """Whether ``host`` is every address of the machine (0.0.0.0, ::): no browser reaches
    the server under that name, so the page's own address must be given."""
    try:
        return ipaddress.ip_address(host.strip().removeprefix("[").removesuffix("]")) \
            .is_unspecified
    except ValueError:
        return False


def _host_name(host: str) -> str:
    """A URL's host as browsers send it: an IP address, or a DNS name of letters, digits,
    hyphens and dots (an international one in its punycode form); ValueError otherwise.
    The origin goes into the page and its Content-Security-Policy."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        name = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValueError(host) from exc
    if not _DNS_NAME.fullmatch(name):
        raise ValueError(host)
    return name


def _bracketed(host: str) -> str:
    """The host as it appears in a URL or a ``Host`` header (an IPv6 one in brackets)."""
    return f"[{host}]" if ":" in host else host


def public_origin(text: str) -> str:
    """``--public-url`` as an origin, ``http(s)://host[:port]`` in lower case; ValueError
    for anything else (a path, a query, credentials, another scheme). The page's own
    addresses are built on it, so a proxy serving the kiosk at a sub-path is not offered."""
    text = text.strip()
    if len(text) > MAX_HOST + 16:
        raise ValueError(text)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname \
            or parts.username is not None or parts.password is not None \
            or parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(text)
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(text) from exc
    default = 443 if parts.scheme == "https" else 80
    netloc = _bracketed(_host_name(parts.hostname))
    if port is not None and port != default:
        netloc = f"{netloc}:{port}"
    return f"{parts.scheme}://{netloc}"


@dataclass(frozen=True, slots=True)
class Access:
    """The addresses one server answers to. ``origin`` is where browsers reach it
    (``--public-url``, else ``http://HOST:PORT``); ``port`` is where it listens;
    ``loopback`` whether it listens on loopback only, where ``localhost``, 127.0.0.1
    and ::1 on that port are this server too."""

    origin: str
    port: int
    loopback: bool
    given: bool = False     # the origin is --public-url's: the page is always there

    @classmethod
    def listening(cls, host: str, port: int, public_url: str | None = None) -> Access:
        origin = public_origin(public_url) if public_url \
            else public_origin(f"http://{_bracketed(host)}:{port}")
        return cls(origin=origin, port=port, loopback=is_loopback(host),
                   given=bool(public_url))

    def page_origin(self, host: str) -> str:
        """Where the page a request with ``host`` (checked: :meth:`host_allowed`) gets is:
        the public URL when one is given (a proxy may pass its own ``Host``), else the
        address the browser used, ``localhost`` or 127.0.0.1 alike."""
        return self.origin if self.given else f"http://{host.strip().lower()}"

    @property
    def hosts(self) -> frozenset[str]:
        """Every ``Host`` header value this server answers, in lower case."""
        found = {urlsplit(self.origin).netloc}
        if self.loopback:
            for name in ("localhost", "127.0.0.1", "[::1]"):
                found.add(f"{name}:{self.port}")
                if self.port == 80:   # a browser leaves out the default port
                    found.add(name)
        return frozenset(found)

    @property
    def origins(self) -> frozenset[str]:
        """Every ``Origin`` a page of this server's has."""
        own = urlsplit(self.origin).netloc
        return frozenset({self.origin} | {f"http://{host}" for host in self.hosts
                                          if host != own})

    def host_allowed(self, host: str | None) -> bool:
        return host is not None and host.strip().lower() in self.hosts

    def origin_allowed(self, origin: str | None) -> bool:
        """A WebSocket's ``Origin``: one of this server's pages, or none (not a browser)."""
        return origin is None or origin.strip().lower() in self.origins

    def websocket_url(self, host: str) -> str:
        """Where the page a request with ``host`` gets opens its session: ``/ws`` of
        :meth:`page_origin`, on ws: or wss:."""
        scheme, rest = self.page_origin(host).split("://", 1)
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}/ws"


def terminal_size(width: object, height: object) -> tuple[int, int]:
    """A size the browser asks for, as whole cells within bounds (1 to 400 columns, 1 to
    150 rows); what is not a number becomes 80×24."""
    def cells(value: object, default: int, most: int) -> int:
        try:
            number = int(str(value)[:8])
        except ValueError:
            return default
        return max(1, min(number, most))

    return cells(width, DEFAULT_COLUMNS, MAX_COLUMNS), cells(height, DEFAULT_ROWS, MAX_ROWS)
