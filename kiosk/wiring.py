"""Choosing the parts the app runs on: the reader backend and the store; and
:class:`Domain`, the domain services over an open store. The kiosk (kiosk/app.py), every
``nhi-kiosk`` command (kiosk/commands/) and the mail worker take theirs from it: each
service is assembled here only, from the settings in the config, on one clock."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.domain.clock import Clock, SystemClock
from kiosk.domain.config import Config
from kiosk.domain.i18n import Catalog
from kiosk.domain.store_address import PostgresAddress
from store import Store, StoreCorruptError, StoreError, StorePurposeError
from store.api import DEMO, KIOSK, OutboxRepo, StoreBackend
from store.errors import StoreUnreachable
from store.paths import PG_PATH_NAME, default_db_path, default_demo_db_path

if TYPE_CHECKING:
    from kiosk.domain.accounts import Services
    from kiosk.domain.binding.carriers import CarrierDirectory
    from kiosk.domain.binding.devices import Devices
    from kiosk.domain.binding.phone_auth import PhoneAuth
    from kiosk.domain.binding.qr_login import QrLogin
    from kiosk.domain.counter.audit import Audit
    from kiosk.domain.counter.batch import Batch
    from kiosk.domain.counter.desk import Counter
    from kiosk.domain.counter.staff import Staff
    from kiosk.domain.mail import Attachment, Mailer, Sender
    from kiosk.domain.mail.smtp import SmtpSender
    from kiosk.domain.records import Mail
    from kiosk.domain.registration.certificate_sign_in import CertificateSignIn
    from kiosk.domain.registration.forgot_password import ForgotPassword
    from kiosk.domain.registration.my_account import MyAccount
    from kiosk.domain.registration.register import Registration
    from kiosk.domain.registration.sign_in import SignIn
    from kiosk.domain.registry import Registry
    from kiosk.domain.replacement.applications import Applications
    from kiosk.domain.replacement.payments import Payments
    from kiosk.domain.replacement.pickup import PickupBooking
    from reader.monitor import PcscMonitor
    from reader.simulated import SimulatedMonitor

log = logging.getLogger(__name__)


def pyscard_installed() -> bool:
    return importlib.util.find_spec("smartcard") is not None


def choose_monitor(config: Config) -> tuple[PcscMonitor | SimulatedMonitor, bool]:
    """The monitor and whether this is the demo. Only ``demo`` makes the demo (the
    simulated reader and its tray); ``auto`` and ``pcsc`` always watch PC/SC, and with
    no pcscd or no reader the kiosk says so and waits for one."""
    probe = certificate_probe(config)
    if config.demo:
        from reader.simulated import SimulatedMonitor

        return SimulatedMonitor(certificates=probe), True
    from reader.monitor import PcscMonitor

    return PcscMonitor(only=config.reader_name, certificates=probe), False


def certificate_probe(config: Config) -> Callable[[str], str | None] | None:
    """How the monitor tells a certificate card in a reader, when the kiosk takes them.
    On a counter, the module's slot named after that reader must hold a token; the demo's
    token is a SoftHSM one, whose slot names no reader: the tray's certificate card stands
    for it, so its first token is the card. None when the kiosk takes no certificates:
    that needs both the card's module and the trusted MOICA CAs (Domain's rule too)."""
    module = config.pkcs11_module
    if module is None or config.moica_ca_dir is None:
        return None

    def probe(reader: str) -> str | None:
        from reader.token import Pkcs11Token, TokenError

        token = Pkcs11Token(module)
        if not config.demo:
            return token.in_reader(reader)
        try:
            return next(iter(token.present()), None)
        except TokenError:
            return None

    return probe


def store_path(config: Config) -> Path:
    """The store's file: ``--db``, else the demo's own file in the demo, else the kiosk's.
    For a PostgreSQL store, the file its store names in :func:`pg_files` (what the kiosk
    keeps beside the store goes beside it)."""
    if isinstance(config.db, PostgresAddress):
        return pg_files(config.db) / PG_PATH_NAME
    if config.db:
        return config.db
    return default_demo_db_path() if config.demo else default_db_path()


def pg_files(address: PostgresAddress) -> Path:
    """This counter's folder for a PostgreSQL store: ``pg-<digest of the address>`` in the
    platform data dir, so two databases never share a machine key or an audit head file.
    The machine key in it must be the same on every counter of the database (copied there:
    docs/postgresql.md); a counter without it is refused (err.key.missing)."""
    digest = hashlib.sha256(address.conninfo.encode()).hexdigest()[:12]
    return default_db_path().parent / f"pg-{digest}"


def open_at(config: Config) -> StoreBackend:
    """The store the config names, opened for its purpose (demo or kiosk); raises what the
    store raises (StoreError, OSError)."""
    purpose = DEMO if config.demo else KIOSK
    if isinstance(config.db, PostgresAddress):
        from store.pg import PgStore

        return PgStore.open(config.db.conninfo, files=pg_files(config.db), purpose=purpose)
    return Store.open(store_path(config), purpose=purpose)


def reopen(store: StoreBackend) -> StoreBackend:
    """Another handle on the same store (its file, or its database), for its purpose."""
    if isinstance(store, Store):
        return Store.open(store.path, purpose=store.purpose)
    from store.pg import PgStore

    if not isinstance(store, PgStore):
        raise TypeError(f"cannot open another handle on {store!r}")
    return PgStore.open(store.conninfo, files=store.path.parent, purpose=store.purpose)


def open_store(config: Config, catalog: Catalog) -> StoreBackend | None:
    """The store, or None after telling the user (in their language) why it cannot open.
    The demo opens (or makes) only a demo store, a real kiosk only a real one."""
    where = config.db if isinstance(config.db, PostgresAddress) else store_path(config)
    try:
        return open_at(config)
    except StoreCorruptError as exc:
        print(catalog.t("cli.store_corrupt", path=exc.path, reason=exc.reason), file=sys.stderr)
        if exc.backup:
            print(catalog.t("cli.store_backup", path=exc.backup), file=sys.stderr)
        else:
            print(catalog.t("cli.store_no_backup"), file=sys.stderr)
    except StorePurposeError as exc:
        key = "cli.store_is_demo" if exc.found == DEMO else "cli.store_not_demo"
        shown = exc.path if isinstance(where, Path) else where
        print(catalog.t(key, path=shown, demo=default_demo_db_path()), file=sys.stderr)
    except StoreUnreachable as exc:
        print(catalog.t("cli.store_unreachable", where=where, detail=exc), file=sys.stderr)
    except ImportError as exc:   # a PostgreSQL store without the postgres extra
        if not isinstance(where, PostgresAddress):
            raise                    # a file's store imports nothing optional: a bug
        print(catalog.t("cli.store_no_driver", where=where, detail=exc), file=sys.stderr)
    except (StoreError, OSError) as exc:
        print(catalog.t("cli.store_other", path=where, detail=exc), file=sys.stderr)
    return None


def build_services(config: Config, store: StoreBackend, *, demo: bool,
                   clock: Clock | None = None) -> Services:
    """The account services over the store (mail is queued; :func:`mail_delivery` sends it).
    The demo registry is seeded in demo mode only: a real kiosk imports its registry."""
    from kiosk.domain.accounts import Services
    from kiosk.domain.demo_people import seed_demo, seed_demo_staff
    from kiosk.domain.mail import Mailer

    clock = clock or SystemClock()
    if demo:
        seed_demo(store, clock.now())
        seed_demo_staff(store, clock)
    return Services(store, clock, Mailer(store.outbox(), clock))  # delivery: mail_delivery


def smtp_sender(config: Config) -> SmtpSender | None:
    """What delivers mail through the configured SMTP server, or None without one."""
    from kiosk.domain.mail.smtp import SmtpSender, SmtpSettings

    settings = SmtpSettings.from_config(config)
    return None if settings is None else SmtpSender(settings)


class Domain:
    """The domain services over one open store, each built on first use and kept: a
    command that lists staff accounts builds no account services, and start-up imports
    none of their modules. One clock for all of them; the settings come from ``config``.
    ``demo`` seeds the demo people and staff when the account services are first built
    (the demo kiosk only; commands work on a demo store without seeding it)."""

    def __init__(self, config: Config, store: StoreBackend, *, demo: bool = False,
                 clock: Clock | None = None) -> None:
        self.config = config
        self.store = store
        self.demo = demo
        self.clock: Clock = clock or SystemClock()
        self._services: Services | None = None

    @classmethod
    def over(cls, config: Config, services: Services) -> Domain:
        """The domain around account services built already (tests: a seeded store and a
        fixed clock), on their store and their clock."""
        domain = cls(config, services.store, clock=services.clock)
        domain._services = services
        return domain

    @property
    def services(self) -> Services:
        if self._services is None:
            self._services = build_services(self.config, self.store, demo=self.demo,
                                            clock=self.clock)
        return self._services

    @cached_property
    def certificate_sign_in(self) -> CertificateSignIn | None:
        """自然人憑證 login, on a kiosk configured for it (else None: not offered)."""
        module, ca_dir = self.config.pkcs11_module, self.config.moica_ca_dir
        if module is None or ca_dir is None:
            return None
        from kiosk.domain.moica import Trust
        from kiosk.domain.registration.certificate_sign_in import CertificateSignIn
        from reader.token import Pkcs11Token

        if self.config.moica_crl is None:
            log.warning("自然人憑證 login without moica_crl: revoked cards are not refused")
        return CertificateSignIn(self.services, Pkcs11Token(module),
                                 Trust.reader(ca_dir, self.config.moica_crl))

    @property
    def papers_dir(self) -> Path:
        """Where slips and receipts are saved for printing: beside the store, private."""
        return self.store.path.parent / "papers"

    @property
    def photos_dir(self) -> Path:
        """The photos for new cards, beside the store."""
        return self.store.path.parent / "photos"

    @property
    def reports_dir(self) -> Path:
        """Where a batch import writes its report file, beside the store."""
        return self.store.path.parent / "reports"

    @cached_property
    def registry(self) -> Registry:
        from kiosk.domain.registry import Registry

        return Registry(self.store)

    @cached_property
    def carriers(self) -> CarrierDirectory:
        from kiosk.domain.binding.carriers import CarrierDirectory

        return CarrierDirectory(self.store)

    @cached_property
    def devices(self) -> Devices:
        from kiosk.domain.binding.devices import Devices

        return Devices(self.services, timedelta(minutes=self.config.device_code_minutes))

    @cached_property
    def registration(self) -> Registration:
        from kiosk.domain.registration.register import Registration

        return Registration(self.services)

    @cached_property
    def sign_in(self) -> SignIn:
        from kiosk.domain.registration.sign_in import SignIn

        return SignIn(self.services)

    @cached_property
    def my_account(self) -> MyAccount:
        from kiosk.domain.registration.my_account import MyAccount

        return MyAccount(self.services)

    @cached_property
    def forgot_password(self) -> ForgotPassword:
        from kiosk.domain.registration.forgot_password import ForgotPassword

        return ForgotPassword(self.services)

    @cached_property
    def phone_auth(self) -> PhoneAuth:
        from kiosk.domain.binding.phone_auth import PhoneAuth

        return PhoneAuth(self.services, self.devices)

    @cached_property
    def qr_login(self) -> QrLogin:
        from kiosk.domain.binding.qr_login import QrLogin

        return QrLogin(self.services, self.devices,
                       timedelta(minutes=self.config.qr_login_minutes))

    @cached_property
    def applications(self) -> Applications:
        from kiosk.domain.replacement.applications import Applications
        from kiosk.domain.replacement.photos import PhotoStore

        return Applications(self.services, PhotoStore(self.photos_dir))

    @cached_property
    def payments(self) -> Payments:
        from kiosk.domain.replacement.payments import Payments

        return Payments(self.applications)

    @cached_property
    def pickup(self) -> PickupBooking:
        from kiosk.domain.replacement.pickup import PickupBooking

        return PickupBooking(self.applications)

    @cached_property
    def batch(self) -> Batch:
        from kiosk.domain.counter.batch import Batch

        return Batch(self.services)

    @cached_property
    def staff(self) -> Staff:
        from kiosk.domain.counter.staff import Staff

        return Staff(self.store, self.clock, timedelta(minutes=self.config.staff_idle_minutes))

    @cached_property
    def counter(self) -> Counter:
        from kiosk.domain.counter.desk import Counter

        return Counter(self.services, self.staff, self.registration, self.devices,
                       self.on_own_store)

    @contextmanager
    def on_own_store(self) -> Iterator[Domain]:
        """The domain over a store of its own on the same file or database, with the same
        settings and clock, for a worker thread (a TinyDB Store is shared between
        processes, not threads)."""
        store = reopen(self.store)
        try:
            yield Domain(self.config, store, clock=self.clock)
        finally:
            store.close()

    @cached_property
    def audit(self) -> Audit:
        from kiosk.domain.counter.audit import Audit

        return Audit(self.store, self.clock)

    @cached_property
    def outbox(self) -> OutboxRepo:
        return self.store.outbox()

    def mailer(self, sender: Sender | None = None) -> Mailer:
        """The mail over the outbox; with a ``sender`` (:func:`smtp_sender`) it delivers."""
        from kiosk.domain.mail import Mailer

        return Mailer(self.outbox, self.clock, sender, attachments=self.mail_attachments)

    def mail_attachments(self, mail: Mail) -> list[Attachment]:
        """The receipt mail carries its receipt (夾寄繳費收據), drawn from the paid
        application now; an application no longer there carries nothing."""
        from kiosk.domain.mail import Attachment
        from kiosk.domain.replacement.papers import receipt_pdf

        atm_no = mail.get("attach", {}).get("receipt")
        app = self.applications.paid(atm_no) if atm_no else None
        if app is None:
            return []
        return [Attachment(f"receipt-{atm_no}.pdf", receipt_pdf(app))]


def mail_delivery(config: Config) -> Callable[[], object] | None:
    """A delivery round for the app's worker thread, or None without SMTP. Each round opens
    its own Store on the file (the store is safe across processes, not across threads)."""
    if not config.smtp_host:
        return None  # before any import: smtplib and ssl cost start-up time
    sender = smtp_sender(config)
    if sender is None:
        return None
    def deliver() -> object:
        store = open_at(config)
        try:
            return Domain(config, store).mailer(sender).deliver_pending()
        finally:
            store.close()

    return deliver
