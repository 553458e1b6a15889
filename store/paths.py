"""Where the kiosk keeps its database by default (per-user data dir, e.g. ~/.local/share)."""

from __future__ import annotations

from pathlib import Path

import platformdirs


def default_db_path() -> Path:
    """Return the default database file: ``<user data dir>/nhi-kiosk/kiosk.json``."""
    return Path(platformdirs.user_data_dir("nhi-kiosk", appauthor=False)) / "kiosk.json"


def default_demo_db_path() -> Path:
    """The demo's own file beside the default one: ``demo.json``. The demo seeds people and
    staff with published passwords, so it never shares a file with a real kiosk."""
    return default_db_path().with_name("demo.json")


#: the file a PostgreSQL store names in its folder of files kept beside it (store/pg/):
#: ``<folder>/kiosk.pg.audit-head`` and the like, as a TinyDB store's file names them
PG_PATH_NAME = "kiosk.pg"
