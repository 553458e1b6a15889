"""``nhi-kiosk db copy FROM TO``: a store into an empty one, a file into a PostgreSQL
database or back (store/copy.py), with its machine key.

The key goes with the documents: default passwords, code digests and the audit seal are
made with it, and a store without its key is refused by every kiosk. So the source's key
file is put beside the target when the target has none; a target with another key is
refused before anything is copied. The counts of both stores are printed, collection by
collection, once they agree."""

from __future__ import annotations

import hmac
import sys
from dataclasses import replace

from kiosk.commands.base import EXIT_STORE, EXIT_USAGE
from kiosk.domain.config import Config, ConfigError, store_location
from kiosk.domain.i18n import Catalog
from kiosk.domain.keyring import KEY_FILE


def copy_stores(config: Config, catalog: Catalog, source_at: str, target_at: str) -> int:
    from kiosk.wiring import open_store
    from store.copy import copy
    from store.errors import StoreError
    from store.keys import place_key

    t = catalog.t
    try:
        places = [store_location(at, f"db copy {what}")
                  for at, what in ((source_at, "FROM"), (target_at, "TO"))]
    except ConfigError as exc:
        print(t("cli.config_error", detail=exc), file=sys.stderr)
        return EXIT_USAGE
    source = open_store(replace(config, db=places[0]), catalog)
    if source is None:
        return EXIT_STORE
    try:
        target = open_store(replace(config, db=places[1]), catalog)
        if target is None:
            return EXIT_STORE
        try:
            keys = [store.path.with_name(KEY_FILE) for store in (source, target)]
            mine = keys[0].read_bytes() if keys[0].exists() else None
            theirs = keys[1].read_bytes() if keys[1].exists() else None
            if mine is not None and theirs is not None and not hmac.compare_digest(mine,
                                                                                   theirs):
                print(t("cli.db.key_differs", target=keys[1], source=keys[0]),
                      file=sys.stderr)
                return EXIT_STORE
            copied = copy(source, target)
            if mine is not None and theirs is None:
                place_key(keys[1], mine)
        except StoreError as exc:
            print(t("cli.store_other", path=places[1], detail=exc), file=sys.stderr)
            return EXIT_STORE
        finally:
            target.close()
    finally:
        source.close()
    print(t("cli.db.copied", source=places[0], target=places[1]))
    for table, count in sorted(copied.counts.items()):
        print(t("cli.db.table", table=table, count=f"{count:,}"))
    return 0
