"""Settings from CLI flags > environment (NHI_KIOSK_*) > TOML file > defaults.

The TOML file is ``--config FILE``, else ``$NHI_KIOSK_CONFIG``, else ``config.toml`` in the
platform config dir when it exists. Every value is checked here, so a typo stops the kiosk
with a message instead of a surprise at the counter.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from platformdirs import user_config_dir

from kiosk.domain.i18n import DEFAULT_LANG, LANGS
from kiosk.domain.store_address import PostgresAddress, is_postgres, postgres_address

READERS = ("auto", "pcsc", "sim")
ENV_PREFIX = "NHI_KIOSK_"
MIN_INACTIVITY = 5.0
MAX_READER_NAME = 128   # PC/SC's own limit on a reader's name (MAX_READERNAME)
# Defaults that a domain service also falls back on when it is built without a Config: each
# is written here once, and the service's own default reads it.
DEVICE_CODE_MINUTES = 10.0    # the lifetime of a 裝置認證碼 (binding/devices.py)
QR_LOGIN_MINUTES = 3.0        # the lifetime of a login QR (binding/qr_login.py)
STAFF_IDLE_MINUTES = 10.0     # a staff session ends after this long idle (counter/staff.py)
SMTP_PORT = 587               # submission with STARTTLS (mail/smtp.py)
MAIL_FROM = "nhi-kiosk@localhost"


class ConfigError(ValueError):
    """A setting has a value the kiosk cannot use; the message names it and its source."""


@dataclass(frozen=True, slots=True)
class Config:
    # a file (the TinyDB store) or a PostgreSQL database (kiosk.domain.store_address);
    # None: the platform data dir (store.paths)
    db: Path | PostgresAddress | None = None
    reader: str = "auto"
    # the one PC/SC reader this process watches and reads (None: every reader, the first
    # holding a card); by its whole name, e.g. "Virtual PCD 00 01"
    reader_name: str | None = None
    lang: str = DEFAULT_LANG
    demo: bool = False
    inactivity: float = 120.0       # seconds without input before the kiosk wipes to idle
    staff_idle_minutes: float = STAFF_IDLE_MINUTES
    device_code_minutes: float = DEVICE_CODE_MINUTES
    qr_login_minutes: float = QR_LOGIN_MINUTES
    photo_dir: Path | None = None      # where card photos are chosen from (None: home)
    batch_dir: Path | None = None      # where staff pick batch files from (None: home)
    smtp_host: str | None = None    # None: mail stays in the outbox only
    smtp_port: int = SMTP_PORT
    smtp_starttls: bool = True
    smtp_user: str | None = None
    mail_from: str = MAIL_FROM
    printer: str | None = None      # the CUPS queue papers print to (None: no printer)
    # 自然人憑證 login (kiosk.domain.moica): the card's PKCS#11 module (HiCOS on a counter),
    # the folder of trusted CA certificates (MOICA's and GRCA's), the CRL file if any
    pkcs11_module: Path | None = None
    moica_ca_dir: Path | None = None
    moica_crl: Path | None = None
    # Only from $NHI_KIOSK_SMTP_PASSWORD (never a file or a flag) and never in repr().
    smtp_password: str | None = field(default=None, repr=False)


def default_config_file() -> Path:
    return Path(user_config_dir("nhi-kiosk")) / "config.toml"


SECRET_FROM_ENV_ONLY = ("smtp_password",)
_MINUTES = {"device_code_minutes": (1, 60), "qr_login_minutes": (1, 10),
            "staff_idle_minutes": (1, 60)}
RETIRED = {"exit_pin": "the exit PIN was replaced by staff accounts: add one with "
                       "'nhi-kiosk staff add', then leave through F10 and the staff menu"}
_QUEUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,126}")   # what lpadmin -p accepts
_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>.][^@\s<>]*")  # "localhost" domains are fine here


def _coerce(name: str, value: Any, source: str) -> Any:
    if name in RETIRED:
        raise ConfigError(f"{name} in {source}: {RETIRED[name]}")
    if name in SECRET_FROM_ENV_ONLY:  # the value is never put into a message
        env_name = f"${ENV_PREFIX}{name.upper()}"
        if source != env_name:
            raise ConfigError(f"{name} from {source}: secrets are read only from {env_name}")
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{name} from {source} is empty")
        return value
    if name == "db" and is_postgres(str(value)):
        try:
            return postgres_address(str(value))
        except ValueError as exc:   # never repeats the value: it may hold a password
            raise ConfigError(f"db from {source} names a PostgreSQL database, but {exc}"
                              ) from None
    try:
        if name in ("db", "photo_dir", "batch_dir", "pkcs11_module", "moica_ca_dir",
                    "moica_crl"):
            return Path(str(value)).expanduser()
        if name == "reader":
            if str(value) not in READERS:
                raise ValueError(f"choose one of {', '.join(READERS)}")
            return str(value)
        if name == "reader_name":
            text = str(value).strip()
            if not 0 < len(text) <= MAX_READER_NAME or not text.isprintable():
                raise ValueError(f"expected a reader's name as PC/SC lists it "
                                 f"(up to {MAX_READER_NAME} characters)")
            return text
        if name == "lang":
            if str(value) not in LANGS:
                raise ValueError(f"choose one of {', '.join(LANGS)}")
            return str(value)
        if name in ("demo", "smtp_starttls"):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off", ""):
                return False
            raise ValueError("expected true or false")
        if name == "inactivity":
            seconds = float(value)
            if seconds < MIN_INACTIVITY:
                raise ValueError(f"must be at least {MIN_INACTIVITY:g} seconds")
            return seconds
        if name in _MINUTES:
            minutes, (low, high) = float(value), _MINUTES[name]
            if not low <= minutes <= high:
                raise ValueError(f"must be {low} to {high} minutes")
            return minutes
        if name == "smtp_host":
            host = str(value).strip()
            if not host or any(ch.isspace() or ch in "/@" for ch in host):
                raise ValueError("expected a host name or IP address")
            return host
        if name == "smtp_port":
            if isinstance(value, bool):
                raise ValueError("expected a port number")
            port = int(str(value).strip())
            if not 1 <= port <= 65535:
                raise ValueError("must be 1 to 65535")
            return port
        if name == "printer":
            queue = str(value).strip()
            if not _QUEUE.fullmatch(queue):
                raise ValueError("expected a CUPS queue name (letters, digits, - _ .)")
            return queue
        if name == "smtp_user":
            user = str(value).strip()
            if not user or any(ch in "\r\n" for ch in user):
                raise ValueError("expected a user name")
            return user
        if name == "mail_from":
            text = str(value).strip()
            from email.utils import parseaddr  # only when a sender is configured

            address = parseaddr(text)[1]
            if any(ch in "\r\n" for ch in text) or not _ADDRESS.fullmatch(address):
                raise ValueError("expected an address like kiosk@example.com or "
                                 "'NHI Kiosk <kiosk@example.com>'")
            return text
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name} from {source}: {value!r} is not usable ({exc})") from exc
    raise ConfigError(f"unknown setting {name!r} in {source}")


def store_location(value: str, source: str) -> Path | PostgresAddress:
    """A store named on its own (``nhi-kiosk db copy FROM TO``), read as ``db`` is: a file
    path, or a PostgreSQL address holding no password. ConfigError names ``source``."""
    location: Path | PostgresAddress = _coerce("db", value, source)
    return location


def _from_file(path: Path) -> dict[str, Any]:
    import tomllib  # only with a config file: start-up without one does not pay for it

    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} does not exist") from exc
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc}") from exc
    return {k: _coerce(k, v, str(path)) for k, v in data.items()}


def load_config(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Config:
    """Merge the sources; ``flags`` holds only what the user actually passed."""
    flags = {k: v for k, v in (flags or {}).items() if v is not None}
    env = os.environ if env is None else env
    names = [f.name for f in fields(Config)]

    path = config_file or (Path(env[f"{ENV_PREFIX}CONFIG"]) if env.get(f"{ENV_PREFIX}CONFIG")
                           else None)
    if path is None and default_config_file().is_file():
        path = default_config_file()
    values: dict[str, Any] = _from_file(path) if path else {}
    for name in [*names, *RETIRED]:
        raw = env.get(ENV_PREFIX + name.upper())
        if raw is not None and raw != "":
            values[name] = _coerce(name, raw, f"${ENV_PREFIX}{name.upper()}")
    for name, raw in flags.items():
        values[name] = _coerce(name, raw, f"--{name.replace('_', '-')}")
    return replace(Config(), **values)
