"""What screens may ask of the app, without importing it (the app sits above screens)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # types only: importing the account domain would slow the first paint
    from pathlib import Path

    from kiosk.domain.accounts import Services
    from kiosk.domain.binding.devices import Devices
    from kiosk.domain.binding.phone_auth import PhoneAuth
    from kiosk.domain.binding.qr_login import QrLogin
    from kiosk.domain.clock import Clock
    from kiosk.domain.config import Config
    from kiosk.domain.counter.desk import Counter
    from kiosk.domain.counter.staff import Staff, StaffSession
    from kiosk.domain.i18n import Catalog
    from kiosk.domain.registration.certificate_sign_in import CertificateSignIn
    from kiosk.domain.registration.forgot_password import ForgotPassword
    from kiosk.domain.registration.my_account import MyAccount
    from kiosk.domain.registration.register import Registration
    from kiosk.domain.registration.sign_in import SignIn
    from kiosk.domain.replacement.applications import Applications
    from kiosk.domain.replacement.payments import Payments
    from kiosk.domain.replacement.pickup import PickupBooking
    from kiosk.domain.session import Session
    from reader.card import CardData
    from reader.demo import DemoCard
    from reader.events import ReaderEvent


@dataclass
class ReaderStatus:
    backend: str                       # "pcsc" or "sim"
    service_up: bool = True
    readers: dict[str, bool] = field(default_factory=dict)   # name -> card present
    active: str | None = None          # the reader whose card the kiosk is using
    bound: str | None = None           # the one reader watched (--reader-name), if any


class KioskHost(Protocol):
    catalog: Catalog
    clock: Clock
    demo: bool
    #: the store says when another terminal commits (StoreChanged reaches the screen)
    store_events: bool
    status: ReaderStatus
    services: Services
    registration: Registration
    sign_in: SignIn
    #: 自然人憑證 login, on a kiosk configured for it (``pkcs11_module``, ``moica_ca_dir``)
    certificate_sign_in: CertificateSignIn | None
    my_account: MyAccount
    forgot_password: ForgotPassword
    devices: Devices
    phone_auth: PhoneAuth
    qr_login: QrLogin
    applications: Applications
    payments: Payments
    pickup: PickupBooking
    papers_dir: Path
    photo_root: Path
    session: Session | None

    def current_card(self) -> CardData | None: ...
    def current_event(self) -> ReaderEvent | None: ...
    def ensure_session_card(self) -> None: ...
    def start_session(self, session: Session) -> None: ...
    def open_session(self, session: Session) -> None: ...
    def services_menu(self) -> Any: ...
    def keep_awake(self) -> None: ...

    def demo_cards(self) -> tuple[DemoCard, ...]: ...
    def demo_present(self) -> str | None: ...
    def insert_demo(self, key: str) -> None: ...
    def remove_demo(self) -> None: ...
    def action_tray(self) -> None: ...
    def show_current_card(self) -> bool: ...
    def toggle_language(self) -> None: ...
    def leave_kiosk(self) -> None: ...

    # staff mode
    staff_session: StaffSession | None
    staff: Staff
    counter: Counter
    batch_root: Path
    config: Config

    def start_staff(self, session: StaffSession) -> None: ...
    def end_staff(self, *, timed_out: bool = False, notice: str | None = None) -> None: ...
    def leave_kiosk_as_staff(self) -> None: ...
    def action_go_idle(self) -> None: ...
