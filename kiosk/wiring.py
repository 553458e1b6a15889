"""Choosing the parts the app runs on: the reader backend and the store."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.domain.config import Config
from kiosk.domain.i18n import Catalog
from store import Store, StoreCorruptError, StoreError, StorePurposeError
from store.core import DEMO, KIOSK
from store.paths import default_db_path, default_demo_db_path

if TYPE_CHECKING:
    from kiosk.domain.accounts import Services
    from reader.monitor import PcscMonitor
    from reader.simulated import SimulatedMonitor


def pyscard_installed() -> bool:
    return importlib.util.find_spec("smartcard") is not None


def choose_monitor(config: Config) -> tuple[PcscMonitor | SimulatedMonitor, bool]:
    """The monitor and whether this is the demo. Only ``demo`` makes the demo (the
    simulated reader and its tray); ``auto`` and ``pcsc`` always watch PC/SC, and with
    no pcscd or no reader the kiosk says so and waits for one."""
    if config.demo:
        from reader.simulated import SimulatedMonitor

        return SimulatedMonitor(), True
    from reader.monitor import PcscMonitor

    return PcscMonitor(), False


def store_path(config: Config) -> Path:
    """``--db``, else the demo's own file in the demo, else the kiosk's."""
    if config.db:
        return config.db
    return default_demo_db_path() if config.demo else default_db_path()


def open_store(config: Config, catalog: Catalog) -> Store | None:
    """The store, or None after telling the user (in their language) why it cannot open.
    The demo opens (or makes) only a demo store, a real kiosk only a real one."""
    path = store_path(config)
    try:
        return Store.open(path, purpose=DEMO if config.demo else KIOSK)
    except StoreCorruptError as exc:
        print(catalog.t("cli.store_corrupt", path=exc.path, reason=exc.reason), file=sys.stderr)
        if exc.backup:
            print(catalog.t("cli.store_backup", path=exc.backup), file=sys.stderr)
        else:
            print(catalog.t("cli.store_no_backup"), file=sys.stderr)
    except StorePurposeError as exc:
        key = "cli.store_is_demo" if exc.found == DEMO else "cli.store_not_demo"
        print(catalog.t(key, path=exc.path, demo=default_demo_db_path()), file=sys.stderr)
    except (StoreError, OSError) as exc:
        print(catalog.t("cli.store_other", path=path, detail=exc), file=sys.stderr)
    return None


def build_services(config: Config, store: Store, *, demo: bool) -> Services:
    """The account services over the store (mail is queued; :func:`mail_delivery` sends it).
    The demo registry is seeded in demo mode only: a real kiosk imports its registry."""
    from kiosk.domain.accounts import Services
    from kiosk.domain.clock import SystemClock
    from kiosk.domain.demo_people import seed_demo, seed_demo_staff
    from kiosk.domain.mail import Mailer
    from store.outbox import Outbox

    clock = SystemClock()
    if demo:
        seed_demo(store, clock.now())
        seed_demo_staff(store, clock)
    return Services(store, clock, Mailer(Outbox(store), clock))  # delivery: mail_delivery


def mail_delivery(config: Config) -> Callable[[], object] | None:
    """A delivery round for the app's worker thread, or None without SMTP. Each round opens
    its own Store on the file (the store is safe across processes, not across threads)."""
    if not config.smtp_host:
        return None  # before any import: smtplib and ssl cost start-up time
    from kiosk.domain.clock import SystemClock
    from kiosk.domain.mail import Mailer
    from kiosk.domain.smtp import SmtpSender, SmtpSettings
    from store.outbox import Outbox

    settings = SmtpSettings.from_config(config)
    if settings is None:
        return None
    sender, path = SmtpSender(settings), store_path(config)
    purpose = DEMO if config.demo else KIOSK

    def deliver() -> object:
        with Store.open(path, purpose=purpose) as store:
            return Mailer(Outbox(store), SystemClock(), sender).deliver_pending()

    return deliver
