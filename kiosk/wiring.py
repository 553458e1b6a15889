"""Choosing the parts the app runs on: the reader backend and the store."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from kiosk.domain.config import Config
from kiosk.domain.i18n import Catalog
from store import Store, StoreCorruptError, StoreError
from store.paths import default_db_path

if TYPE_CHECKING:
    from kiosk.domain.accounts import Services
    from reader.monitor import PcscMonitor
    from reader.simulated import SimulatedMonitor


def pyscard_installed() -> bool:
    return importlib.util.find_spec("smartcard") is not None


def pcsc_has_readers() -> bool:
    """``auto`` uses PC/SC only when pcscd answers and a reader is attached."""
    from reader import pcsc
    from reader.errors import NoServiceError

    try:
        ctx = pcsc.establish()
    except NoServiceError:
        return False
    try:
        return bool(pcsc.list_readers(ctx))
    except NoServiceError:
        return False
    finally:
        pcsc.scard().SCardReleaseContext(ctx)


def choose_monitor(config: Config) -> tuple[PcscMonitor | SimulatedMonitor, bool]:
    """The monitor and whether the demo tray is on (imported here: only one is needed)."""
    from reader.simulated import SimulatedMonitor

    if config.demo or config.reader == "sim":
        return SimulatedMonitor(), True
    if config.reader == "pcsc" or pcsc_has_readers():
        from reader.monitor import PcscMonitor

        return PcscMonitor(), False
    return SimulatedMonitor(), True


def open_store(config: Config, catalog: Catalog) -> Store | None:
    """The store, or None after telling the user (in their language) why it cannot open."""
    path = config.db or default_db_path()
    try:
        return Store.open(path)
    except StoreCorruptError as exc:
        print(catalog.t("cli.store_corrupt", path=exc.path, reason=exc.reason), file=sys.stderr)
        if exc.backup:
            print(catalog.t("cli.store_backup", path=exc.backup), file=sys.stderr)
        else:
            print(catalog.t("cli.store_no_backup"), file=sys.stderr)
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
    sender, path = SmtpSender(settings), config.db or default_db_path()

    def deliver() -> object:
        with Store.open(path) as store:
            return Mailer(Outbox(store), SystemClock(), sender).deliver_pending()

    return deliver
