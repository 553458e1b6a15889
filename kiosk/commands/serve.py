"""``nhi-kiosk serve``: the kiosk in web browsers, for demos (kiosk/web/). Each browser
gets a kiosk process of its own: the demo, on a store of its own that is deleted when the
session ends — unless a store is given (``--db``, ``db`` in the config), when every
session is the kiosk on that store, as ``nhi-kiosk run`` would start it.

The server has no sign-in, so it listens on this machine only (127.0.0.1 by default);
another address needs ``--public``, and belongs behind an authenticating proxy
(docs/deploy.md). Everything the kiosk itself would refuse (kiosk/commands/run.py), and a
store that cannot be opened, is refused here once, before any browser arrives.

The demo's store is made and seeded once, at start, and each session starts on a copy:
seeding hashes the demo passwords with scrypt, more than a second of a core and 128 MiB
for a moment (benchmarks/bench_serve.py), which every new browser would cost again."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.commands.base import EXIT_NO_SERVICE, EXIT_STORE, EXIT_USAGE, Command, common_options
from kiosk.commands.run import refusal
from kiosk.domain.config import Config
from kiosk.domain.i18n import Catalog

if TYPE_CHECKING:
    from kiosk.web.access import Access

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000
DEFAULT_SESSIONS, MOST_SESSIONS = 4, 32   # a session's kiosk: ~40 MB (bench_serve.py)


def arguments(parser: argparse.ArgumentParser) -> None:
    common_options(parser)
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"the address to listen on (default {DEFAULT_HOST}: this "
                        "machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"the port to listen on (default {DEFAULT_PORT})")
    parser.add_argument("--public", action="store_true",
                        help="listen on an address other machines reach; the server has no "
                        "sign-in, so put it behind an authenticating proxy")
    parser.add_argument("--public-url", metavar="URL",
                        help="where browsers reach the server, when that is not "
                        "http://HOST:PORT (e.g. https://kiosk.example behind a proxy)")
    parser.add_argument("--max-sessions", type=int, default=DEFAULT_SESSIONS, metavar="N",
                        help=f"browsers served at once; one more is asked to come back "
                        f"(default {DEFAULT_SESSIONS})")


def session_command(config: Config, config_file: Path | None, demo_template: Path | None = None,
                    store_flag: str | None = None) -> Callable[[Path], Sequence[str]]:
    """The kiosk command for one session, given its private folder. Without a store, the
    demo on a store of the session's own, a copy of ``demo_template`` (or made afresh).
    With one, the kiosk finds it where serve did: in ``--db`` (``store_flag``), else in the
    config file or the environment, which the kiosk reads as serve did. Python runs with
    ``-P``: the server's working directory is not searched for the kiosk's modules."""
    from store.paths import default_demo_db_path

    demo_store = default_demo_db_path().name      # the demo's own name, in the folder
    kiosk = [sys.executable, "-P", "-m", "kiosk", "run"]
    common = ["--lang", config.lang]
    if config_file is not None:
        common += ["--config", str(config_file.resolve())]

    def command(folder: Path) -> Sequence[str]:
        if config.db is not None:
            return [*kiosk, *(["--db", store_flag] if store_flag else []), *common]
        if demo_template is not None:
            shutil.copytree(demo_template, folder, dirs_exist_ok=True)
        return [*kiosk, "--demo", "--db", str(folder / demo_store), *common]

    return command


@contextlib.contextmanager
def seeded_demo(config: Config, catalog: Catalog) -> Iterator[Path | None]:
    """A folder holding the demo's store, seeded, for the sessions to copy; None after
    saying why it could not be made. Deleted when the server stops."""
    from kiosk.wiring import build_services, open_store
    from store.paths import default_demo_db_path

    folder = Path(tempfile.mkdtemp(prefix="nhi-kiosk-demo-"))   # mode 0700
    try:
        demo = dataclasses.replace(config, demo=True,
                                   db=folder / default_demo_db_path().name)
        store = open_store(demo, catalog)
        if store is None:
            yield None
            return
        try:
            build_services(demo, store, demo=True)   # seeds the demo people and staff
        finally:
            store.close()
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _store_opens(config: Config, catalog: Catalog) -> bool:
    from kiosk.wiring import open_store

    store = open_store(config, catalog)
    if store is None:
        return False
    store.close()
    return True


def run(config: Config, catalog: Catalog, args: argparse.Namespace) -> int:
    from kiosk.web.access import Access, is_loopback, is_wildcard

    def say(key: str, **params: object) -> None:
        print(catalog.t(key, **params), flush=True)

    if not 0 < args.port < 65536 or not 0 < args.max_sessions <= MOST_SESSIONS:
        print(catalog.t("serve.bad_limits", most=MOST_SESSIONS), file=sys.stderr)
        return EXIT_USAGE
    if not is_loopback(args.host) and not args.public:
        print(catalog.t("serve.not_local", host=args.host), file=sys.stderr)
        return EXIT_USAGE
    if is_wildcard(args.host) and not args.public_url:
        print(catalog.t("serve.needs_public_url", host=args.host), file=sys.stderr)
        return EXIT_USAGE
    try:
        access = Access.listening(args.host, args.port, args.public_url)
    except ValueError:
        print(catalog.t("serve.bad_url", url=args.public_url or args.host), file=sys.stderr)
        return EXIT_USAGE
    demo = config.db is None
    refused = refusal(dataclasses.replace(config, demo=True) if demo else config, catalog)
    if refused is not None:
        return refused
    if not demo and not _store_opens(config, catalog):
        return EXIT_STORE
    try:
        import kiosk.web.server  # noqa: F401  (textual-serve and aiohttp, the serve extra)
    except ImportError:
        print(catalog.t("serve.no_package"), file=sys.stderr)
        return EXIT_NO_SERVICE
    with seeded_demo(config, catalog) if demo else contextlib.nullcontext(None) as template:
        if demo and template is None:
            return EXIT_STORE
        flag = None if args.db is None else \
            str(config.db.resolve()) if isinstance(config.db, Path) else str(config.db)
        return _serve(config, catalog, args, access, session_command(
            config, args.config, template, flag), say)


def _serve(config: Config, catalog: Catalog, args: argparse.Namespace, access: Access,
           command: Callable[[Path], Sequence[str]], say: Callable[..., None]) -> int:
    from kiosk.web.server import KioskSite, serve
    from kiosk.web.sessions import Sessions
    from store.paths import default_db_path

    sessions = Sessions(command, most=args.max_sessions,
                        crash_dir=default_db_path().parent / "serve-crashes", say=say)
    demo = config.db is None
    listening: list[bool] = []

    def ready() -> None:
        listening.append(True)
        say("serve.listening", url=access.origin, most=args.max_sessions)
        say("serve.mode_demo" if demo else "serve.mode_store", store=config.db)
        if args.public or not demo:
            say("serve.no_sign_in", url=access.origin)

    try:
        serve(KioskSite(access, sessions, catalog), args.host, args.port, ready)
    except OSError as exc:
        if listening:
            raise                  # not the port: kiosk/cli.py says which file and why
        print(catalog.t("serve.cannot_listen", host=args.host, port=args.port,
                        detail=exc.strerror or exc), file=sys.stderr)
        return EXIT_USAGE
    say("serve.stopped")
    return 0


COMMAND = Command("serve", "the kiosk in web browsers, for demos (docs/deploy.md)",
                  arguments, run)
