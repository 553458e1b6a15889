"""``nhi-kiosk``: the composition root. It reads the config, opens the store, picks the
reader backend and starts the app, or runs one of the technicians' subcommands."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import __version__, cli_store
from kiosk.cli_store import EXIT_STORE, EXIT_USAGE, add_store_commands, io_failed
from kiosk.domain.config import READERS, Config, ConfigError, load_config
from kiosk.domain.dates import roc_date
from kiosk.domain.errors import KioskError
from kiosk.domain.i18n import LANGS, Catalog
from kiosk.domain.mask import mask_card_no, mask_id, mask_name
from reader.card import CardData, CardFormatError
from reader.demo import DEMO_BY_KEY
from reader.errors import (
    CardRemovedError,
    NoCardError,
    NoReaderError,
    NoServiceError,
    NotNhiCardError,
    ReaderError,
)

if TYPE_CHECKING:
    from kiosk.domain.accounts import Services

EXIT_NO_SERVICE, EXIT_NO_READER, EXIT_NO_CARD = 3, 4, 5
EXIT_NOT_NHI, EXIT_READ_FAILED = 6, 7
SUBCOMMANDS = ("run", "card", "virtual-card", "outbox", "registry", "carriers", "payments",
               "batch", "staff", "qr", "app")
STORE_COMMANDS = {"outbox": cli_store.outbox, "registry": cli_store.registry,
                  "carriers": cli_store.carriers, "payments": cli_store.payments,
                  "batch": cli_store.batch, "staff": cli_store.staff, "app": cli_store.app}


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, help="TOML config file")
    common.add_argument("--lang", choices=LANGS, help="language of screens and messages")
    common.add_argument("--db", help="store file (default: the platform data dir)")

    parser = argparse.ArgumentParser(prog="nhi-kiosk", description=__doc__)
    parser.add_argument("--version", action="version", version=f"nhi-kiosk {__version__}")
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", parents=[common], help="start the kiosk (the default)")
    run.add_argument("--reader", choices=READERS, help="card reader backend")
    run.add_argument("--demo", action="store_const", const=True,
                     help="simulated reader with the demo card tray")
    run.add_argument("--inactivity", type=float, help="seconds before the kiosk wipes to idle")

    card = sub.add_parser("card", parents=[common], help="read the card in the first reader")
    card.add_argument("--json", action="store_true", help="print JSON (unmasked)")
    card.add_argument("--show-personal", action="store_true", help="unmask in human output")
    card.add_argument("--watch", action="store_true", help="print one line per reader event")

    virtual = sub.add_parser("virtual-card", parents=[common],
                             help="insert a virtual NHI card into pcscd through vpcd")
    virtual.add_argument("--slot", type=int, default=0, help="vpcd slot (port 35963 + slot)")
    virtual.add_argument("--port", type=int, help="vpcd port (overrides --slot)")
    what = virtual.add_mutually_exclusive_group()
    what.add_argument("--demo", default="national", metavar="NAME",
                      help="demo card: " + ", ".join(DEMO_BY_KEY))
    what.add_argument("--card", type=Path, metavar="FILE.json", help="card data as JSON")

    add_store_commands(sub, common)

    qr = sub.add_parser("qr", parents=[common],
                        help="print a QR code exactly as the kiosk draws it (font check)")
    qr.add_argument("text", help="the payload")
    qr.add_argument("--png", type=Path, metavar="FILE", help="also save a PNG for printing")
    qr.add_argument("--invert", action="store_true",
                    help="draw the light modules (for a light-on-dark terminal theme)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit code. A file that cannot be read or written in any of
    them (``OSError``: disk full, read-only, permissions) ends it with a message naming
    the file in the user's language and exit 74, never a traceback (cli_store.io_failed)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] not in (*SUBCOMMANDS, "-h", "--help", "--version"):
        args_list.insert(0, "run")
    args = _parser().parse_args(args_list)
    flags: dict[str, Any] = {"lang": args.lang, "db": args.db}
    if args.command == "run":
        flags |= {"reader": args.reader, "demo": args.demo, "inactivity": args.inactivity}
    elif args.command in STORE_COMMANDS:
        seeding = args.command == "registry" and args.verb == "seed-demo"
        flags["demo"] = True if seeding else getattr(args, "demo_store", None)
    try:
        config = load_config(flags, config_file=args.config)
    except ConfigError as exc:
        print(Catalog(args.lang or "en").t("cli.config_error", detail=exc), file=sys.stderr)
        return EXIT_USAGE
    catalog = Catalog(config.lang)
    try:
        return _dispatch(config, catalog, args)
    except OSError as exc:
        return io_failed(catalog, exc)
    except KioskError as error:   # a refusal no command expected, e.g. a missing machine key
        cli_store.refused(catalog, error)
        return EXIT_STORE


def _dispatch(config: Config, catalog: Catalog, args: argparse.Namespace) -> int:
    if args.command == "card":
        return _watch(catalog, args.json) if args.watch else _card(catalog, args)
    if args.command == "virtual-card":
        return _virtual_card(catalog, args)
    if args.command in STORE_COMMANDS:
        return STORE_COMMANDS[args.command](config, catalog, args)
    if args.command == "qr":
        return _qr(catalog, args)
    return _run(config, catalog)


# -- run -------------------------------------------------------------------------
def _run(config: Config, catalog: Catalog) -> int:
    from kiosk.app import KioskApp
    from kiosk.crash import LOG_NAME, run_guarded
    from kiosk.domain.clock import SystemClock
    from kiosk.wiring import (
        build_services,
        choose_monitor,
        mail_delivery,
        open_store,
        pyscard_installed,
    )

    if config.reader == "sim" and not config.demo:
        print(catalog.t("cli.sim_needs_demo"), file=sys.stderr)
        return EXIT_USAGE
    if not config.demo and not pyscard_installed():
        print(catalog.t("cli.no_pyscard"), file=sys.stderr)
        return EXIT_NO_SERVICE
    store = open_store(config, catalog)
    if store is None:
        return EXIT_STORE
    monitor, demo = choose_monitor(config)
    def services() -> Services:
        return build_services(config, store, demo=demo)

    try:
        app = KioskApp(config, monitor, services, demo=demo,
                       deliver_mail=mail_delivery(config))
        return run_guarded(app, store.path.parent / LOG_NAME, catalog, SystemClock().now)
    finally:
        monitor.close()
        store.close()


# -- card ------------------------------------------------------------------------
def _fail(catalog: Catalog, exc: Exception) -> int:
    table: list[tuple[type[Exception], str, int]] = [
        (NoServiceError, "cli.no_service", EXIT_NO_SERVICE),
        (NoReaderError, "cli.no_reader", EXIT_NO_READER),
        (NoCardError, "cli.no_card", EXIT_NO_CARD),
        (NotNhiCardError, "cli.not_nhi", EXIT_NOT_NHI),
        (CardRemovedError, "cli.removed", EXIT_READ_FAILED),
        (CardFormatError, "cli.malformed", EXIT_READ_FAILED),
        (ReaderError, "cli.read_failed", EXIT_READ_FAILED),
    ]
    for kind, key, code in table:
        if isinstance(exc, kind):
            print(catalog.t(key, detail=exc), file=sys.stderr)
            return code
    raise exc


def _card(catalog: Catalog, args: argparse.Namespace) -> int:
    import json

    from kiosk.domain.cards import card_problem
    from reader import pcsc

    try:
        reader, card = pcsc.read_first_card()
    except (ReaderError, CardFormatError) as exc:
        return _fail(catalog, exc)
    problem = card_problem(card)
    if args.json:
        out: dict[str, Any] = {"reader": reader, **card.to_json(), "valid": problem is None}
        print(json.dumps(out, ensure_ascii=False))
    else:
        print(_human_card(catalog, card, reader, unmasked=args.show_personal))
    if problem:
        print(catalog.t("cli.invalid", reason=catalog.t(problem)), file=sys.stderr)
        return EXIT_READ_FAILED
    return 0


def _human_card(catalog: Catalog, card: CardData, reader: str, *, unmasked: bool) -> str:
    t = catalog.t
    rows = [
        (t("card.name"), card.name if unmasked else mask_name(card.name)),
        (t("card.id"), card.id_no if unmasked else mask_id(card.id_no)),
        (t("card.birth"), roc_date(card.birth_date, catalog)),
        (t("card.sex"), t(f"card.sex_{card.sex}")),
        (t("card.card_no"), card.card_no if unmasked else mask_card_no(card.card_no)),
        (t("card.issued"), roc_date(card.issue_date, catalog)),
        (t("card.reader"), reader),
    ]
    return "\n".join(f"{label}: {value}" for label, value in rows)


def _watch(catalog: Catalog, as_json: bool) -> int:
    import json
    import queue

    from reader.monitor import PcscMonitor

    monitor = PcscMonitor()
    items: queue.Queue[Any] = queue.Queue()

    def pump() -> None:  # the blocking SCardGetStatusChange stays off the main thread
        try:
            for event in monitor.events():
                items.put(event)
        except NoServiceError as exc:
            items.put(exc)
        finally:
            items.put(None)

    _close_on_signals(monitor.close)
    threading.Thread(target=pump, name="pcsc-watch", daemon=True).start()
    while (event := items.get()) is not None:  # interruptible: the signal handler runs
        if isinstance(event, NoServiceError):
            return _fail(catalog, event)
        if as_json:
            print(json.dumps(event.to_json(), ensure_ascii=False), flush=True)
        else:
            card = event.card
            what = f"{mask_name(card.name)} {mask_id(card.id_no)}" if card else ""
            failure = event.failure.value if event.failure else ""
            print(f"{event.at:%H:%M:%S} {event.kind.value} {event.reader or ''} "
                  f"{what}{failure}".rstrip(), flush=True)
    return 0


def _close_on_signals(close: Any) -> None:
    def handler(signum: int, frame: object) -> None:
        close()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)


# -- virtual-card ------------------------------------------------------------------
def _virtual_card(catalog: Catalog, args: argparse.Namespace) -> int:
    import json

    from reader.virtual import VirtualCard, VirtualCardError

    if args.card:
        from reader.applet import NhiApplet
        from reader.card import encode_profile

        try:
            data = CardData.from_json(json.loads(args.card.read_text("utf-8")))
            card = VirtualCard(NhiApplet(encode_profile(data)), slot=args.slot, port=args.port)
        except (OSError, ValueError) as exc:
            print(catalog.t("cli.virtual_bad_card", path=args.card, detail=exc), file=sys.stderr)
            return EXIT_USAGE
        label = data.name
    else:
        if args.demo not in DEMO_BY_KEY:
            print(catalog.t("cli.unknown_demo", name=args.demo, names=", ".join(DEMO_BY_KEY)),
                  file=sys.stderr)
            return EXIT_USAGE
        card = VirtualCard.from_demo(args.demo, slot=args.slot, port=args.port)
        label = catalog.t(f"demo.{args.demo}")
    stop = threading.Event()
    _close_on_signals(stop.set)
    try:
        card.insert()
    except VirtualCardError as exc:
        print(catalog.t("cli.virtual_unreachable", detail=exc), file=sys.stderr)
        return EXIT_NO_SERVICE
    host, port = card.address
    print(catalog.t("cli.virtual_inserted", card=label, host=host, port=port), flush=True)
    threading.Thread(target=lambda: (card.closed.wait(), stop.set()), daemon=True).start()
    stop.wait()
    if card.closed.is_set():
        print(catalog.t("cli.virtual_pulled"), file=sys.stderr)
    card.remove()
    print(catalog.t("cli.virtual_removed"), flush=True)
    return 0


# -- qr ------------------------------------------------------------------------------
def _qr(catalog: Catalog, args: argparse.Namespace) -> int:
    """The kiosk's half-block drawing, plain (no colours): by default the glyphs are the
    dark modules (a light terminal, paper); ``--invert`` for light-on-dark themes."""
    from kiosk.domain.qr import qr_lines, qr_png

    try:
        lines = qr_lines(args.text, invert=args.invert)
    except ValueError as exc:  # segno's DataOverflowError
        print(catalog.t("qr.too_long", detail=exc), file=sys.stderr)
        return EXIT_USAGE
    print("\n".join(lines), flush=True)
    if args.png:
        try:
            qr_png(args.text, args.png)
        except OSError as exc:
            print(catalog.t("qr.png_failed", path=args.png, detail=exc), file=sys.stderr)
            return EXIT_USAGE
        print(catalog.t("qr.png_saved", path=args.png), file=sys.stderr)
    return 0
