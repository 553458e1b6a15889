"""Where the kiosk keeps its store: a file (the TinyDB store) or a PostgreSQL database.

A setting names a PostgreSQL database when it is a libpq URI (``postgresql://…`` or
``postgres://…``) or a libpq keyword/value string whose every keyword is one libpq knows
(``host=/run/postgresql dbname=kiosk``); anything else is a file path. The keyword test is
strict because a path may hold ``=`` (``/srv/a=b.json``), and because a URL once taken for a
path made a directory tree named ``postgresql:`` beside the process.

A password (or an SSL key's password) in the address is refused wherever it comes from: a
flag is shown by ``ps`` to every user of the machine, and the settings file is read by
whoever may read the kiosk's settings. libpq takes the password from ``PGPASSWORD``,
``~/.pgpass`` or a service file (``PGSERVICEFILE``) instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

SCHEMES = ("postgresql", "postgres")
#: libpq's connection keywords (PostgreSQL 16's list; a newer one's extra keyword is refused
#: as a path, never sent): https://www.postgresql.org/docs/current/libpq-connect.html
KEYWORDS = frozenset("""
    host hostaddr port dbname user password passfile require_auth channel_binding
    connect_timeout client_encoding options application_name fallback_application_name
    keepalives keepalives_idle keepalives_interval keepalives_count tcp_user_timeout
    replication gssencmode sslmode requiressl sslcompression sslcert sslkey sslpassword
    sslcertmode sslrootcert sslcrl sslcrldir sslsni requirepeer ssl_min_protocol_version
    ssl_max_protocol_version krbsrvname gsslib gssdelegation service target_session_attrs
    load_balance_hosts
""".split())
SECRET_KEYWORDS = frozenset({"password", "sslpassword"})
MAX_CHARS = 1024
# keyword = value, the value bare or single-quoted (a backslash escapes ' and \)
_PAIR = re.compile(r"\s*([A-Za-z_]+)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s']+)")


@dataclass(frozen=True, slots=True)
class PostgresAddress:
    """A PostgreSQL database as libpq takes it (a URI or keyword/value string), checked to
    hold no password."""

    conninfo: str

    def __str__(self) -> str:
        return self.conninfo


def is_postgres(text: str) -> bool:
    """Does ``text`` name a PostgreSQL database rather than a file?"""
    return _scheme(text) in SCHEMES or _keywords(text) is not None


def postgres_address(text: str) -> PostgresAddress:
    """``text`` (which :func:`is_postgres`) as an address; ValueError saying what is wrong
    (never repeating a password it holds)."""
    text = text.strip()
    if len(text) > MAX_CHARS:
        raise ValueError(f"longer than {MAX_CHARS} characters")
    if any(ch in text for ch in "\r\n\0"):
        raise ValueError("a line break or NUL in the address")
    if _scheme(text) in SCHEMES:
        secret = _uri_secret(text)
    else:
        pairs = _keywords(text)
        if pairs is None:
            raise ValueError("not a PostgreSQL address")
        secret = next((k for k in pairs if k in SECRET_KEYWORDS), None)
    if secret:
        raise ValueError(f"it holds a {secret}: put it in PGPASSWORD, ~/.pgpass or a "
                         "service file instead, never in the store's address")
    return PostgresAddress(text)


def _scheme(text: str) -> str:
    head, sep, _rest = text.strip().partition("://")
    return head.lower() if sep else ""


def _keywords(text: str) -> list[str] | None:
    """The keywords of a libpq keyword/value string; None if ``text`` is not one."""
    keys, at, text = [], 0, text.strip()
    while at < len(text):
        match = _PAIR.match(text, at)
        if match is None or match[1] not in KEYWORDS:
            return None
        keys.append(match[1])
        at = match.end()
        if at < len(text) and not text[at].isspace():
            return None
    return keys or None


def _uri_secret(text: str) -> str | None:
    """"password" if the URI carries one (``user:secret@`` or ``?password=``)."""
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise ValueError(f"not a usable URI ({exc})") from None
    userinfo, at, _hosts = parts.netloc.rpartition("@")
    if at and ":" in userinfo:
        return "password"
    return next((k for k, _v in parse_qsl(parts.query) if k in SECRET_KEYWORDS), None)
