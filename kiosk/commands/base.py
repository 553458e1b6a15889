"""What the ``nhi-kiosk`` commands share: how a command is declared (:class:`Command`),
the options most of them take, the exit codes, and how a refusal or a file that cannot be
read or written becomes a message.

Exit codes (scripts rely on them): 0 done; 1 the command ran but refused something or an
import had rejected rows; 2 a usage error (a wrong option or setting, an unreadable input
file); 3 no PC/SC service; 4 no reader; 5 no card; 6 not an NHI card; 7 the card could not
be read (or is not valid); 8 the store cannot be opened; 74 a file could not be read or
written (disk full, read-only, permissions)."""

from __future__ import annotations

import argparse
import functools
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.domain.config import Config
from kiosk.domain.i18n import LANGS, Catalog

if TYPE_CHECKING:
    from kiosk.domain.errors import KioskError
    from kiosk.wiring import Domain

EXIT_USAGE = 2
EXIT_NO_SERVICE, EXIT_NO_READER, EXIT_NO_CARD = 3, 4, 5
EXIT_NOT_NHI, EXIT_READ_FAILED = 6, 7
EXIT_STORE = 8
EXIT_IO = 74   # EX_IOERR: a file could not be read or written (disk full, read-only, ...)

#: a command's work: the settings, the user's language, the parsed arguments -> exit code
Handler = Callable[[Config, Catalog, argparse.Namespace], int]
#: the same for a command on the store: it gets the domain over the open store instead
StoreHandler = Callable[["Domain", Catalog, argparse.Namespace], int]


def no_settings(args: argparse.Namespace) -> dict[str, Any]:
    return {}


@dataclass(frozen=True, slots=True)
class Command:
    """One subcommand, declared once: kiosk/cli.py makes its parser from ``name`` and
    ``help`` (its line in ``nhi-kiosk --help``), lets ``arguments`` add what it takes and
    calls ``run``. ``settings`` picks the options that override the config (``--lang``
    and ``--db`` are taken for every command)."""

    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Handler
    settings: Callable[[argparse.Namespace], dict[str, Any]] = no_settings


def common_options(parser: argparse.ArgumentParser) -> None:
    """``--config``, ``--lang`` and ``--db``: every command takes them."""
    parser.add_argument("--config", type=Path, help="TOML config file")
    parser.add_argument("--lang", choices=LANGS, help="language of screens and messages")
    parser.add_argument("--db", help="store file, or a PostgreSQL address (postgresql://… or "
                        "host=… dbname=…; the password from PGPASSWORD or ~/.pgpass); "
                        "default: a file in the platform data dir")


def reader_name_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reader-name", metavar="NAME",
                        help="watch and read only this PC/SC reader, by its whole name "
                        "(e.g. 'Virtual PCD 00 01'); a card in any other is ignored")


def store_options(parser: argparse.ArgumentParser) -> None:
    """The common options and ``--demo`` for a command that works on the store."""
    common_options(parser)
    parser.add_argument("--demo", dest="demo_store", action="store_const", const=True,
                        help="work on the demo's store (demo.json) instead of the kiosk's")


def store_settings(args: argparse.Namespace) -> dict[str, Any]:
    return {"demo": args.demo_store}


def on_store(handler: StoreHandler) -> Handler:
    """Open the store for a command (or exit 8 after saying why), hand the command the
    domain over it (:class:`kiosk.wiring.Domain`) and close the store after."""

    @functools.wraps(handler)
    def run(config: Config, catalog: Catalog, args: argparse.Namespace) -> int:
        from kiosk.wiring import Domain, open_store

        store = open_store(config, catalog)
        if store is None:
            return EXIT_STORE
        try:
            return handler(Domain(config, store), catalog, args)
        finally:
            store.close()

    return run


def io_failed(catalog: Catalog, exc: OSError) -> int:
    """A file that could not be read or written, in the user's language: which file and
    why, on stderr, and :data:`EXIT_IO`. No traceback: nothing is wrong with the program,
    and the store keeps its last complete version (store/_fs.py), so nothing saved is
    lost; the technician frees space or fixes the mount and runs the command again."""
    from store.errors import io_reason

    reason = io_reason(exc)
    text = catalog.t(f"err.io.{reason}", detail=exc.strerror or type(exc).__name__)
    if exc.filename is not None:
        print(catalog.t("cli.io_failed", path=exc.filename, reason=text), file=sys.stderr)
    else:
        print(catalog.t("cli.io_failed_nofile", reason=text), file=sys.stderr)
    return EXIT_IO


def refused(catalog: Catalog, error: KioskError) -> None:
    """Why a command refused, in the user's language, on stderr."""
    print(catalog.t(error.key, **error.params), file=sys.stderr)


def close_on_signals(close: Callable[[], object]) -> None:
    """Ctrl-C and SIGTERM call ``close`` (which ends a command that waits) instead of
    raising in the middle of it."""

    def handler(signum: int, frame: object) -> None:
        close()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)
