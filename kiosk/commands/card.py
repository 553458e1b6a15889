"""``nhi-kiosk card``: read the card in the first reader, or watch the readers."""

from __future__ import annotations

import argparse
import sys
import threading
from typing import Any

from kiosk.commands.base import (
    EXIT_NO_CARD,
    EXIT_NO_READER,
    EXIT_NO_SERVICE,
    EXIT_NOT_NHI,
    EXIT_READ_FAILED,
    Command,
    close_on_signals,
    common_options,
    reader_name_option,
)
from kiosk.domain.config import Config
from kiosk.domain.dates import roc_date
from kiosk.domain.i18n import Catalog
from kiosk.domain.mask import mask_card_no, mask_id, mask_name
from reader.card import CardData, CardFormatError
from reader.errors import (
    CardRemovedError,
    NoCardError,
    NoReaderError,
    NoServiceError,
    NotNhiCardError,
    ReaderError,
    UnknownReaderError,
)


def arguments(parser: argparse.ArgumentParser) -> None:
    common_options(parser)
    parser.add_argument("--json", action="store_true", help="print JSON (unmasked)")
    parser.add_argument("--show-personal", action="store_true", help="unmask in human output")
    parser.add_argument("--watch", action="store_true", help="print one line per reader event")
    reader_name_option(parser)


def settings(args: argparse.Namespace) -> dict[str, Any]:
    return {"reader_name": args.reader_name}


def run(config: Config, catalog: Catalog, args: argparse.Namespace) -> int:
    if args.watch:
        return _watch(catalog, args.json, config.reader_name)
    return _card(catalog, args, config.reader_name)


def reader_failed(catalog: Catalog, exc: Exception) -> int:
    """A reader or card problem: its message on stderr and its exit code."""
    if isinstance(exc, UnknownReaderError):
        print(catalog.t("cli.unknown_reader", name=exc.name,
                        attached=", ".join(exc.attached) or catalog.t("cli.no_readers")),
              file=sys.stderr)
        return EXIT_NO_READER
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


def _card(catalog: Catalog, args: argparse.Namespace, only: str | None) -> int:
    import json

    from kiosk.domain.cards import card_problem
    from reader import pcsc

    try:
        reader, card = pcsc.read_first_card(only)
    except (ReaderError, CardFormatError) as exc:
        return reader_failed(catalog, exc)
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


def _watch(catalog: Catalog, as_json: bool, only: str | None) -> int:
    import json
    import queue

    from reader.monitor import PcscMonitor

    monitor = PcscMonitor(only=only)
    items: queue.Queue[Any] = queue.Queue()

    def pump() -> None:  # the blocking SCardGetStatusChange stays off the main thread
        try:
            for event in monitor.events():
                items.put(event)
        except NoServiceError as exc:
            items.put(exc)
        finally:
            items.put(None)

    close_on_signals(monitor.close)
    threading.Thread(target=pump, name="pcsc-watch", daemon=True).start()
    while (event := items.get()) is not None:  # interruptible: the signal handler runs
        if isinstance(event, NoServiceError):
            return reader_failed(catalog, event)
        if as_json:
            print(json.dumps(event.to_json(), ensure_ascii=False), flush=True)
        else:
            card = event.card
            what = f"{mask_name(card.name)} {mask_id(card.id_no)}" if card else ""
            failure = event.failure.value if event.failure else ""
            print(f"{event.at:%H:%M:%S} {event.kind.value} {event.reader or ''} "
                  f"{what}{failure}".rstrip(), flush=True)
    return 0


COMMAND = Command("card", "read the card in the first reader (or the one named)", arguments,
                  run, settings)
