"""``nhi-kiosk db check|compact|migrate``: look into the store's files, compact its
journal, or bring a PostgreSQL store's schema to this program's version.

``check`` reads the snapshot and every journal record without writing anything and says
what they hold, or which file is damaged and where (exit 8). ``compact`` rewrites the
snapshot with every commit in it and starts a short journal, which the kiosk otherwise does
by itself when the journal outgrows a quarter of the snapshot; kiosks may keep running.
Both are about a store's files: on a PostgreSQL store they say so (exit 2). ``migrate``
applies a PostgreSQL store's schema migrations (a kiosk refuses to open an older schema);
a store file is migrated by the first kiosk that opens it, and ``migrate`` says so.
``copy FROM TO`` moves a store into an empty one, file or database (kiosk/commands/db_copy.py)."""

from __future__ import annotations

import argparse
import sys

from kiosk.commands.base import (
    EXIT_STORE,
    EXIT_USAGE,
    Command,
    io_failed,
    store_options,
    store_settings,
)
from kiosk.domain.config import Config
from kiosk.domain.i18n import Catalog
from kiosk.domain.store_address import PostgresAddress


def arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=("check", "compact", "migrate", "copy"),
                        help="check: read every file and report; compact: fold the journal "
                             "into the snapshot; migrate: bring a PostgreSQL store's schema "
                             "up to date; copy FROM TO: a store into an empty one")
    parser.add_argument("places", nargs="*", metavar="FROM TO",
                        help="for copy: the store and the empty store it goes into, each a "
                             "file or a PostgreSQL address")
    store_options(parser)


def run(config: Config, catalog: Catalog, args: argparse.Namespace) -> int:
    if args.action == "copy" or args.places:
        if args.action != "copy" or len(args.places) != 2:
            print(catalog.t("cli.db.copy_places"), file=sys.stderr)
            return EXIT_USAGE
        from kiosk.commands.db_copy import copy_stores

        return copy_stores(config, catalog, *args.places)
    on_server = isinstance(config.db, PostgresAddress)
    if args.action == "migrate":
        return _migrate(config, catalog) if on_server else _file_migrates(config, catalog)
    if on_server:
        print(catalog.t("cli.db.files_only", action=args.action), file=sys.stderr)
        return EXIT_USAGE
    if args.action == "check":
        return _check(config, catalog)
    return _compact(config, catalog, args)


def _file_migrates(config: Config, catalog: Catalog) -> int:
    from kiosk.wiring import store_path

    print(catalog.t("cli.db.file_migrates", path=store_path(config)))
    return 0


def _migrate(config: Config, catalog: Catalog) -> int:
    from kiosk.wiring import pg_files
    from store.api import DEMO, KIOSK
    from store.errors import StoreError, StoreUnreachable

    assert isinstance(config.db, PostgresAddress)
    try:
        from store.pg import PgStore

        before, now = PgStore.migrate(config.db.conninfo, files=pg_files(config.db),
                                      purpose=DEMO if config.demo else KIOSK)
    except ImportError as exc:
        print(catalog.t("cli.store_no_driver", where=config.db, detail=exc), file=sys.stderr)
        return EXIT_STORE
    except StoreUnreachable as exc:
        print(catalog.t("cli.store_unreachable", where=config.db, detail=exc),
              file=sys.stderr)
        return EXIT_STORE
    except StoreError as exc:
        print(catalog.t("cli.store_other", path=config.db, detail=exc), file=sys.stderr)
        return EXIT_STORE
    key = "cli.db.up_to_date" if before == now else "cli.db.migrated"
    print(catalog.t(key, where=config.db, before=before, now=now))
    return 0


def _check(config: Config, catalog: Catalog) -> int:
    from kiosk.wiring import store_path
    from store.check import check
    from store.errors import StoreCorruptError, StoreError

    t = catalog.t
    path = store_path(config)
    try:
        report = check(path)
    except StoreCorruptError as exc:
        print(t("cli.store_corrupt", path=exc.path, reason=exc.reason), file=sys.stderr)
        return EXIT_STORE
    except StoreError as exc:
        print(t("cli.store_other", path=path, detail=exc), file=sys.stderr)
        return EXIT_STORE
    except OSError as exc:
        return io_failed(catalog, exc)
    if report.store_id is None:
        print(t("cli.db.old_format", path=report.path))
    else:
        print(t("cli.db.files", path=report.path, journal=report.journal,
                records=report.records, size=f"{report.journal_bytes:,}",
                seq=report.seq))
    if report.torn:
        print(t("cli.db.torn", journal=report.journal, bytes=report.torn))
    for table, count in report.documents.items():
        print(t("cli.db.table", table=table, count=f"{count:,}"))
    print(t("cli.db.ok"))
    return 0


def _compact(config: Config, catalog: Catalog, args: argparse.Namespace) -> int:
    from kiosk.wiring import open_store

    store = open_store(config, catalog)
    if store is None:
        return EXIT_STORE
    from store import Store
    from store.errors import StoreError

    assert isinstance(store, Store)   # a file: run() sent a PostgreSQL store elsewhere

    try:
        store.compact()    # kiosks go on committing: the lock may stay busy (StoreLockedError)
        size = store.path.stat().st_size
    except OSError as exc:
        return io_failed(catalog, exc)
    except StoreError as exc:
        print(catalog.t("cli.store_other", path=store.path, detail=exc), file=sys.stderr)
        return EXIT_STORE
    finally:
        store.close()
    print(catalog.t("cli.db.compacted", path=store.path, seq=store.seq, size=f"{size:,}"))
    return 0


COMMAND = Command("db", "check the store's files, or compact its journal into the snapshot",
                  arguments, run, store_settings)
