"""KioskApp: owns the card monitor, routes reader events to screens, enforces kiosk rules.

The monitor blocks on a worker thread (``SCardGetStatusChange`` or the simulated tray's
queue) and posts :class:`ReaderChanged` messages, so the idle kiosk does no work at all
between events apart from a once-a-minute clock repaint.

The app keeps the lifecycle, the navigation between screens, the timers and the crash
guard. The domain services (and the one clock) are the :class:`~kiosk.wiring.Domain`'s;
staff mode is kiosk/staff_mode.py's, the demo's card tray kiosk/demo_tray.py's, and what a
card event does to the screens screens/card_policy.py's.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from rich.console import Console
from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer

import screens
from kiosk.demo_tray import ACTIONS as TRAY_ACTIONS
from kiosk.demo_tray import DemoTray
from kiosk.domain.clock import Clock
from kiosk.domain.config import Config
from kiosk.domain.errors import KioskError
from kiosk.domain.i18n import Catalog
from kiosk.domain.inactivity import Deadline
from kiosk.staff_mode import StaffMode
from kiosk.wiring import Domain
from reader.card import CardData
from reader.events import EventKind, ReaderEvent, ReadFailure
from screens.base import CardAware, LanguageAware, ShowsErrors, StoreChanged, card_policy_of
from screens.card_policy import CardAction, CardPolicy, route_card
from screens.errors import user_error
from screens.host import ReaderStatus
from screens.idle import IdleScreen
from screens.message import MessageScreen, Problem
from screens.store_away import StoreAwayScreen
from screens.too_small import TooSmallScreen
from screens.widgets.bars import TitleBar
from store.errors import StoreError

if TYPE_CHECKING:
    from kiosk.domain.accounts import Services
    from kiosk.domain.binding.devices import Devices
    from kiosk.domain.binding.phone_auth import PhoneAuth
    from kiosk.domain.binding.qr_login import QrLogin
    from kiosk.domain.counter.desk import Counter
    from kiosk.domain.counter.staff import Staff, StaffSession
    from kiosk.domain.registration.certificate_sign_in import CertificateSignIn
    from kiosk.domain.registration.forgot_password import ForgotPassword
    from kiosk.domain.registration.my_account import MyAccount
    from kiosk.domain.registration.register import Registration
    from kiosk.domain.registration.sign_in import SignIn
    from kiosk.domain.replacement.applications import Applications
    from kiosk.domain.replacement.payments import Payments
    from kiosk.domain.replacement.pickup import PickupBooking
    from kiosk.domain.session import Session
    from reader.demo import DemoCard

MIN_SIZE = (80, 24)
CONDITIONS = (Problem.NO_SERVICE, Problem.NO_READER)
#: screens over everything while the kiosk as a whole cannot go on (the window too small,
#: the database away); cards and screens are handled as if they were not there
COVERS = (TooSmallScreen, StoreAwayScreen)   # shown until the reader side is fixed
MONITOR_RESTART_S = 2.0
MAIL_INTERVAL_S = 10.0

_FAILURE_PROBLEM = {
    ReadFailure.NOT_NHI: Problem.NOT_NHI,
    ReadFailure.CERTIFICATE: Problem.NOT_NHI,   # on a kiosk that does not take them
    ReadFailure.REMOVED: Problem.REMOVED,
    ReadFailure.FAILED: Problem.FAILED,
    ReadFailure.MALFORMED: Problem.INVALID,
}


class Monitor(Protocol):
    name: str
    bound: str | None   # the one reader it watches (--reader-name), or None: all

    def events(self) -> Any: ...
    def close(self) -> None: ...


class _Nowhere(io.StringIO):
    """Keeps nothing of what is written to it."""

    def write(self, text: str) -> int:
        return len(text)


def _card_key(card: ReaderEvent | CardData) -> tuple[object, ...]:
    """What makes two reads the same card: its number and ID (a failed read, its kind, and
    a certificate card's token)."""
    if isinstance(card, ReaderEvent):
        if card.card is None:
            return (card.failure, card.token)
        card = card.card
    return (card.card_no, card.id_no)


class ReaderChanged(Message):
    def __init__(self, event: ReaderEvent) -> None:
        super().__init__()
        self.event = event


class StoreReachable(Message):
    """The store's database went out of reach (``up`` False) or came back."""

    def __init__(self, up: bool) -> None:
        super().__init__()
        self.up = up


class KioskApp(App[None]):
    CSS_PATH = str(Path(screens.__file__).with_name("kiosk.tcss"))
    ENABLE_COMMAND_PALETTE = False
    TITLE = "NHI Card Kiosk"
    BINDINGS = [
        # Public mode: no quit key, no interrupt; staff sign in with F10 and leave from
        # the staff menu.
        Binding("ctrl+q", "ignore", show=False, priority=True),
        Binding("ctrl+c", "ignore", show=False, priority=True, system=True),
        Binding("f2", "toggle_lang", "key.lang", priority=True),
        Binding("f7", "tray", "key.tray"),
        Binding("f8", "remove_card", "key.remove"),
        Binding("f10", "staff", "key.staff", show=False),
    ]

    def __init__(
        self,
        config: Config,
        monitor: Monitor,
        domain: Domain | Services,
        *,
        demo: bool = False,
        min_size: tuple[int, int] = MIN_SIZE,
        deliver_mail: Callable[[], object] | None = None,
    ) -> None:
        super().__init__()
        # Textual prints its crash report (every local variable: a typed password, a
        # citizen's data) here after the terminal is restored: nothing of it may show.
        # kiosk/crash.py logs types and places instead and exits non-zero.
        self.error_console = Console(file=_Nowhere(), markup=False, highlight=False)
        self.config = config
        self.monitor = monitor
        # The domain services are built on first use, or right after the first paint: the
        # idle screen needs none of them (bench_startup). Account services built already
        # (tests, benchmarks) are the domain's own.
        self.domain = domain if isinstance(domain, Domain) else Domain.over(config, domain)
        self.clock: Clock = self.domain.clock
        self.session: Session | None = None
        self.staff_mode = StaffMode(lambda: self.domain.staff,
                                    log_error=lambda text: self.log.error(text),
                                    ended=lambda: self._arm_idle(again=True))
        # One deadline for the public screens, the staff session's own in the domain, and
        # one timer that wakes when the nearer may be due (see _arm_idle).
        self.idle = Deadline(self.clock, timedelta(seconds=config.inactivity))
        self._idle_timer: Timer | None = None
        self.idle_check_s: float | None = None   # tests: wake at least this often
        self._deliver_mail = deliver_mail
        self.mail_interval_s = MAIL_INTERVAL_S
        self.catalog = Catalog(config.lang)
        self.demo = demo
        self.tray = DemoTray(monitor, demo=demo, changed=self.refresh_bindings)
        self.min_size = min_size
        self.status = ReaderStatus(backend=monitor.name, bound=monitor.bound)
        self._inserted: dict[str, ReaderEvent] = {}   # reader -> last insertion, while present
        self._clock_timer: Timer | None = None
        self._stopping = threading.Event()
        self.monitor_restart_s = MONITOR_RESTART_S
        self._unlisten: Callable[[], None] | None = None
        self.store_events = False
        self.store_away = False   # the store said its database is out of reach

    # -- the domain's services, for the screens (screens/host.py) -----------------------
    @property
    def services(self) -> Services:
        return self.domain.services

    @property
    def registration(self) -> Registration:
        return self.domain.registration

    @property
    def sign_in(self) -> SignIn:
        return self.domain.sign_in

    @property
    def certificate_sign_in(self) -> CertificateSignIn | None:
        return self.domain.certificate_sign_in

    @property
    def my_account(self) -> MyAccount:
        return self.domain.my_account

    @property
    def forgot_password(self) -> ForgotPassword:
        return self.domain.forgot_password

    @property
    def devices(self) -> Devices:
        return self.domain.devices

    @property
    def phone_auth(self) -> PhoneAuth:
        return self.domain.phone_auth

    @property
    def qr_login(self) -> QrLogin:
        return self.domain.qr_login

    @property
    def applications(self) -> Applications:
        return self.domain.applications

    @property
    def payments(self) -> Payments:
        return self.domain.payments

    @property
    def pickup(self) -> PickupBooking:
        return self.domain.pickup

    @property
    def staff(self) -> Staff:
        return self.domain.staff

    @property
    def counter(self) -> Counter:
        return self.domain.counter

    @property
    def papers_dir(self) -> Path:
        """Where slips and receipts are saved for printing: beside the store, private."""
        return self.domain.papers_dir

    @property
    def batch_root(self) -> Path:
        """Unit files are chosen from here and below (config ``batch_dir``)."""
        return self.config.batch_dir or Path.home()

    @property
    def photo_root(self) -> Path:
        """Card photos are chosen from here and below (config ``photo_dir``)."""
        return self.config.photo_dir or Path.home()

    @property
    def staff_session(self) -> StaffSession | None:
        return self.staff_mode.session

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Toasts often carry what someone typed (a staff ID, a file name): always literal,
        whatever a caller asks (screens/widgets/plain.py)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    async def run_action(self, action: Any, default_namespace: Any = None,
                         namespaces: Any = None) -> bool:
        """Every key-bound action of every screen passes here: one whose store fails — a
        write with ``OSError`` (disk full, read-only, permissions), a store held or
        unreadable — says so the way every screen says a failure (ShowsErrors, in the
        user's language) and the kiosk goes on, instead of the crash an uncaught error is
        (kiosk/crash.py). The store file keeps its last complete version (store/_fs.py).
        Calls made through ``attempt`` never get here; this is for the actions outside it."""
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except (OSError, StoreError) as exc:
            if isinstance(self.screen, ShowsErrors):
                self.screen.show_failure(exc)
            else:
                failed = user_error(exc, "an action")
                self.notify(self.catalog.t(failed.key, **failed.params), severity="error",
                            timeout=8)
            return True

    # -- lifecycle -----------------------------------------------------------------
    def get_default_screen(self) -> Screen[Any]:
        return IdleScreen()

    def on_mount(self) -> None:
        now = self.clock.now()
        self.set_timer(60 - now.second + 0.05, self._start_clock)
        self._check_size()
        self._pump_reader()
        self.call_after_refresh(self._services_and_events)  # ready before anyone can act
        if self._deliver_mail is not None:  # SMTP configured: send what the outbox holds
            self.set_interval(self.mail_interval_s, self._start_delivery)

    def _start_clock(self) -> None:
        self._repaint_clock()
        self._clock_timer = self.set_interval(60, self._repaint_clock)

    def _repaint_clock(self) -> None:
        for screen in self.screen_stack:
            for bar in screen.query(TitleBar):
                bar.refresh()

    def _start_delivery(self) -> None:
        self.run_worker(self._deliver, thread=True, exclusive=True, group="mail",
                        exit_on_error=False)

    def _deliver(self) -> None:
        try:
            assert self._deliver_mail is not None
            self._deliver_mail()
        except Exception as exc:  # the outbox keeps every mail; the next round retries
            self.log.error(f"mail delivery round failed: {type(exc).__name__}")

    def _services_and_events(self) -> None:
        """The services built, and the store's news (a PostgreSQL store's LISTEN): the
        commits forwarded to the screen on top, the database going and coming as the
        StoreAwayScreen over everything; a file's store has none."""
        def heard(table: str) -> None:   # on the listener's thread: post_message is safe
            self.post_message(StoreChanged(table))

        def reachable(up: bool) -> None:
            self.post_message(StoreReachable(up))

        self._unlisten = self.services.store.listen(heard, reachable)
        self.store_events = self._unlisten is not None

    def on_store_changed(self, message: StoreChanged) -> None:
        if not self.screen_stack:   # none while the app shuts down
            return
        if message.table == "staff" and self.staff_session is not None:
            self._check_staff_account(self.staff_session)
        self.screen.post_message(StoreChanged(message.table))

    def _check_staff_account(self, session: StaffSession) -> None:
        """An account disabled elsewhere (the shell, another counter) ends its staff mode
        here as soon as the store tells, not at the clerk's next operation; unless a
        screen is busy (an import running), whose end the next operation refuses."""
        if self._busy():
            return
        try:
            self.domain.staff.check_account(session)
        except KioskError as exc:
            self.end_staff(notice=exc.key)
        except StoreError as exc:   # not readable now: the next operation asks again
            self.log.error(f"staff account check failed: {type(exc).__name__}")

    def on_store_reachable(self, message: StoreReachable) -> None:
        if not self.screen_stack:   # the app shuts down
            return
        self.store_away = not message.up
        if self.store_away:
            self._cover_while_away()
        elif self._lift_cover():
            self._check_size()
            self._refresh_status()

    def _busy(self) -> bool:
        """A screen is in the middle of something that must finish (an import running)."""
        return any(getattr(screen, "busy", False) for screen in self.screen_stack)

    def _covered(self) -> bool:
        return any(isinstance(screen, StoreAwayScreen) for screen in self.screen_stack)

    def _lift_cover(self) -> bool:
        """Take the StoreAwayScreen (and the size notice over it) off the top; whether it
        was there. Only covers are ever above it (push_screen)."""
        if not isinstance(self.screen, COVERS) or not self._covered():
            return False
        while isinstance(self.screen, TooSmallScreen):
            self.pop_screen()
        self.pop_screen()
        return True

    def _cover_while_away(self) -> None:
        """The StoreAwayScreen on top (under the size notice) while the store is away."""
        if not self.store_away or self._covered():
            return
        if isinstance(self.screen, TooSmallScreen):
            self.pop_screen()
        self.push_screen(StoreAwayScreen())
        self._check_size()

    def on_unmount(self) -> None:
        self._stopping.set()
        self.monitor.close()
        if self._unlisten is not None:
            self._unlisten()

    @work(thread=True, exclusive=True, group="reader", exit_on_error=False)
    def _pump_reader(self) -> None:
        """Forward monitor events; a failing monitor shows as "service down" and restarts."""
        while not self._stopping.is_set():
            try:
                for event in self.monitor.events():
                    self.post_message(ReaderChanged(event))
                return  # closed
            except Exception as exc:  # a driver or library fault must not end card handling
                self.log.error(f"card monitor failed: {exc!r}")
                self.post_message(ReaderChanged(
                    ReaderEvent(EventKind.SERVICE_LOST, self.clock.now(), detail=repr(exc))
                ))
                self._stopping.wait(self.monitor_restart_s)

    # -- input, inactivity and size ------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.MouseDown):
            self._activity()
        await super().on_event(event)

    def _activity(self) -> None:
        """Someone is at the kiosk (a key, a click, a card, a new screen, a login): the
        public limit and the staff session's limit count from now."""
        self.idle.touch()
        self.staff_mode.touch()
        self._arm_idle()

    def inactivity_wait(self) -> timedelta | None:
        """Time until the wipe is due; None when nothing is on screen to wipe."""
        if self.staff_session is not None:
            return self.staff_mode.idle_left()
        if self.session is None and all(self._at_rest(s) for s in self.screen_stack):
            return None
        return self.idle.left()

    def _at_rest(self, screen: Screen[Any]) -> bool:
        return isinstance(screen, IdleScreen | TooSmallScreen | StoreAwayScreen) or (
            isinstance(screen, MessageScreen) and screen.problem in CONDITIONS)

    def _arm_idle(self, *, again: bool = False) -> None:
        """At most one timer. It wakes when the deadline may be due and checks the clock
        (an input meanwhile only moved the deadline later); ``again`` replaces it when the
        deadline may have come nearer (staff mode began or ended)."""
        if again and self._idle_timer is not None:
            self._idle_timer.stop()
            self._idle_timer = None
        if self._idle_timer is not None or (left := self.inactivity_wait()) is None:
            return
        delay = left.total_seconds()
        if self.idle_check_s is not None:
            delay = min(delay, self.idle_check_s)
        # Textual's Timer divides by its delay: never 0
        self._idle_timer = self.set_timer(max(delay, 0.01), self._inactivity_timer,
                                          name="inactivity")

    def _inactivity_timer(self) -> None:
        self._idle_timer = None   # it has fired: stopping it now would cancel this call
        self.check_inactivity()

    def check_inactivity(self) -> None:
        """Wipe (or sign staff out) if the deadline has passed; else look again later."""
        if self._idle_timer is not None:
            self._idle_timer.stop()
        self._idle_timer = None
        left = self.inactivity_wait()
        if left is None:
            return                   # wiped meanwhile: the next input arms it again
        if left > timedelta(0):
            self._arm_idle()         # someone was there meanwhile
        elif self.staff_session is not None:
            self.end_staff(timed_out=True, notice="staff.timed_out")
        else:
            self.action_go_idle()    # nobody for a while: wipe whatever is on screen

    def on_resize(self, event: events.Resize) -> None:
        # the event's size: this handler runs before Textual's own (App._on_resize) has
        # stored it in self.size, which then still said the size before, one resize behind
        self._check_size(event.size)

    def _too_small(self, size: Size | None = None) -> bool:
        width, height = size or self.size
        return width < self.min_size[0] or height < self.min_size[1]

    def _check_size(self, size: Size | None = None) -> None:
        screen = self.screen
        too_small = self._too_small(size)
        if not isinstance(screen, TooSmallScreen):
            if too_small:
                self.push_screen(TooSmallScreen(self.min_size, size))
        elif not too_small:
            self.pop_screen()
        elif size is not None:
            screen.show_size(size)   # still too small: it says the new size

    # -- screens -------------------------------------------------------------------
    def _show(self, screen: Screen[Any] | None) -> None:
        """Replace whatever is above the idle screen (wiping it, and any logged-in citizen
        or staff session) with ``screen``."""
        self.session = None
        if self.staff_session is not None:
            self.staff_mode.end(timed_out=False)
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if screen is not None:
            self.push_screen(screen)
        self._cover_while_away()
        self._check_size()
        self._refresh_status()

    def _condition(self) -> Problem | None:
        """A reader-side problem that must stay on screen until it is fixed."""
        if not self.status.service_up:
            return Problem.NO_SERVICE
        if self.status.backend == "pcsc" and not self.status.readers:
            return Problem.NO_READER
        return None

    def _condition_screen(self) -> Screen[Any] | None:
        problem = self._condition()
        if problem is Problem.NO_READER:
            return MessageScreen(problem, reader=self.status.bound)
        return MessageScreen(problem) if problem else None

    def action_go_idle(self) -> None:
        self._show(self._condition_screen())

    def _card_screen(self, event: ReaderEvent) -> Screen[Any]:
        if event.failure is ReadFailure.CERTIFICATE and self.certificate_sign_in is not None:
            from screens.registration.certificate_login import CertificateLoginScreen

            return CertificateLoginScreen()
        if event.failure is not None:
            return MessageScreen(_FAILURE_PROBLEM[event.failure],
                                 "invalid.format" if event.failure is ReadFailure.MALFORMED
                                 else None)
        assert event.card is not None
        from kiosk.domain.cards import card_problem

        problem = card_problem(event.card)
        if problem:
            return MessageScreen(Problem.INVALID, problem)
        from screens.card import CardScreen

        return CardScreen(event.card, event.reader or "")

    def show_current_card(self) -> bool:
        event = self._inserted.get(self.status.active or "")
        if event is None:
            return False
        self._show(self._card_screen(event))
        return True

    def _refresh_status(self) -> None:
        for screen in self.screen_stack:
            if hasattr(screen, "refresh_status"):
                screen.refresh_status()

    # -- reader events -------------------------------------------------------------
    def on_reader_changed(self, message: ReaderChanged) -> None:
        event, status = message.event, self.status
        kind, name = event.kind, event.reader or ""
        if kind is EventKind.SERVICE_LOST:
            status.service_up = False
            status.readers.clear()
            self._inserted.clear()
            status.active = None
            self._show(self._condition_screen())
            return
        self._activity()          # a card or reader came or went: someone is there
        status.service_up = True  # SERVICE_BACK, or the first events of a restarted monitor
        if kind is EventKind.READER_ATTACHED:
            status.readers[name] = False
        elif kind is EventKind.READER_DETACHED:
            status.readers.pop(name, None)
            self._inserted.pop(name, None)
        elif kind is EventKind.INSERTED:
            old = self._inserted.get(name)
            if old is not None and _card_key(old) != _card_key(event):
                # a re-read found another card (number or ID) with no removal between:
                # whatever the old card began ends exactly as if it had been pulled
                status.readers[name] = False
                self._inserted.pop(name)
                self._follow_active_card()
            status.readers[name] = True
            self._inserted[name] = event
        elif kind is EventKind.REMOVED:
            status.readers[name] = False
            self._inserted.pop(name, None)
        self._follow_active_card()

    def _follow_active_card(self) -> None:
        """Which reader's card the kiosk uses now, and what the screens do about it: the
        rules are screens/card_policy.py's; here they are only gathered and acted on."""
        status = self.status
        before = status.active
        status.active = next((r for r in status.readers if r in self._inserted), None)
        working = self._working_stack()
        top = working[-1]
        action = route_card(
            before=before, after=status.active, top=card_policy_of(top),
            below=[card_policy_of(screen) for screen in working[:-1]],
            staff_mode=self.staff_session is not None,
            cardless_session=self.session is not None and not self.session.card_bound,
            sticky=self._sticky(),
            condition_changed=self._showing_condition() != self._condition())
        if action is CardAction.NOTIFY_STAFF:
            # at the counter a card fills the staff forms in, under any dialog
            for screen in self.screen_stack:
                if isinstance(screen, CardAware) and screen.card_policy is CardPolicy.STAFF:
                    screen.card_changed(self.current_event())
        elif action is CardAction.NOTIFY_TOP:
            assert isinstance(top, CardAware)   # the others' policy asks for nothing else
            top.card_changed(self.current_event())
        elif action is CardAction.SHOW_CARD:
            event = self.current_event()
            assert event is not None
            self._show(self._card_screen(event))
        elif action is CardAction.END_SESSION:
            self._show(self._condition_screen())
        self._refresh_status()

    def current_event(self) -> ReaderEvent | None:
        """The insertion in the active reader, whatever card it was (a chip card too)."""
        return self._inserted.get(self.status.active or "")

    def ensure_session_card(self) -> None:
        """After a screen that let the card go (網路ATM), the session goes on only with
        that same card back in the reader: the NHI card, or the certificate card."""
        session = self.session
        if session is None:
            return
        if not session.card_bound:
            if self.current_card() is not None:     # an NHI card came in during a QR session
                self.action_go_idle()
            return
        if not session.holds_card_of(self.current_event()):
            from screens.replacement.payment import ReinsertScreen

            self.push_screen(ReinsertScreen())

    def current_card(self) -> CardData | None:
        """The valid card in the active reader, for workflows; None if there is none."""
        event = self._inserted.get(self.status.active or "")
        return event.card if event is not None and event.card is not None else None

    def start_session(self, session: Session) -> None:
        self.session = session
        self._activity()

    def services_menu(self) -> Screen[Any]:
        """The menu a signed-in holder starts from. The app builds it: the menu leads into
        every workflow, so the workflows' screens, below it, never import it."""
        from screens.services import ServicesScreen

        return ServicesScreen()

    def open_session(self, session: Session) -> None:
        """Log in from a screen that is not the login form (QR login): whatever was
        stacked for getting here goes, the services menu comes."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.session = session
        self.push_screen(self.services_menu())   # counts as activity
        self._cover_while_away()   # the database went meanwhile: the menu waits under it
        self._check_size()

    def keep_awake(self) -> None:
        """A screen waiting for something outside the kiosk (a phone's answer, a batch
        import) is not idle, though nobody presses a key."""
        self._activity()

    def push_screen(self, screen: Any, *args: Any, **kw: Any) -> Any:
        """The one door to screens. Without a staff session, whoever asks for a staff
        screen gets the staff sign-in instead. While the database is away, a screen a
        workflow opens (a timer's, a login's) goes under the cover, which stays on top."""
        if isinstance(screen, COVERS):
            return super().push_screen(screen, *args, **kw)   # a cover: nobody acted
        if card_policy_of(screen) is CardPolicy.STAFF and self.staff_session is None:
            from screens.counter.sign_in import StaffSignInScreen

            screen = StaffSignInScreen()
        lifted = self._lift_cover()
        pushed = super().push_screen(screen, *args, **kw)
        if lifted:
            self._cover_while_away()
        self._activity()   # a new screen: whoever opened it is there
        return pushed

    def _working_stack(self) -> list[Screen[Any]]:
        """The screens as the workflows left them, without the covers over them (the size
        notice, the database away): a card is handled as if they were not there."""
        return [screen for screen in self.screen_stack if not isinstance(screen, COVERS)]

    def _showing_condition(self) -> Problem | None:
        screen = self._working_stack()[-1]
        if isinstance(screen, MessageScreen) and screen.problem in CONDITIONS:
            return screen.problem
        return None

    def _sticky(self) -> bool:
        """A "removed during reading" message outlives the removal that follows it."""
        screen = self._working_stack()[-1]
        return isinstance(screen, MessageScreen) and screen.problem is Problem.REMOVED

    # -- language, demo tray, exit ---------------------------------------------------
    def toggle_language(self) -> None:
        self.catalog.toggle()
        for screen in self.screen_stack:
            if isinstance(screen, LanguageAware):
                screen.refresh_language()

    def action_toggle_lang(self) -> None:
        self.toggle_language()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.tray.allows(action) if action in TRAY_ACTIONS else True

    def demo_cards(self) -> tuple[DemoCard, ...]:
        return self.tray.cards()

    def demo_present(self) -> str | None:
        return self.tray.present()

    def insert_demo(self, key: str) -> None:
        self.tray.insert(key)

    def remove_demo(self) -> None:
        self.tray.remove()

    def action_tray(self) -> None:
        from screens.tray import TrayScreen

        if not isinstance(self.screen, TrayScreen):
            self.push_screen(TrayScreen())

    def action_remove_card(self) -> None:
        self.remove_demo()

    def action_ignore(self) -> None:
        """Swallow quit and interrupt keys in public mode."""

    # -- staff mode ------------------------------------------------------------------
    def action_staff(self) -> None:
        """F10: the staff sign-in, or back to the staff menu when signed in."""
        from screens.counter.home import StaffHomeScreen
        from screens.counter.sign_in import StaffSignInScreen

        if self.store_away:   # nothing at the counter works meanwhile
            return
        if self.staff_session is not None:
            if self._busy():
                self.notify(self.catalog.t("staff.busy"), severity="warning")
                return
            while len(self.screen_stack) > 2 and not isinstance(self.screen,
                                                                 StaffHomeScreen):
                self.pop_screen()
        elif not isinstance(self.screen, StaffSignInScreen | TooSmallScreen):
            self.push_screen(StaffSignInScreen())

    def start_staff(self, session: StaffSession) -> None:
        """Signed in: the public screens (and any citizen's session) go, the staff menu
        comes, and the staff idle limit starts counting."""
        from screens.counter.home import StaffHomeScreen

        self._show(None)
        self.staff_mode.begin(session)
        self.push_screen(StaffHomeScreen())
        self._arm_idle(again=True)   # the staff limit from now on

    def end_staff(self, *, timed_out: bool = False, notice: str | None = None) -> None:
        """Signed out (by choice, by the idle limit, or refused by the domain): back to the
        public idle screen, saying why."""
        self.staff_mode.end(timed_out=timed_out)   # the public limit again (_arm_idle)
        self.action_go_idle()
        if notice:
            self.notify(self.catalog.t(notice), timeout=8)

    def leave_kiosk_as_staff(self) -> None:
        self.staff_mode.leave_kiosk()
        self.leave_kiosk()

    def leave_kiosk(self) -> None:
        self._stopping.set()
        self.monitor.close()
        self.exit()
