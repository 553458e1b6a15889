"""The common frame of public screens: title bar, body, status bar, key bar.

Most bodies are one template, the form column: the screen's title, its fields, and a
footer (the error notice and the form hint, where the screen has them). A screen states
its title key and yields its fields; how the column looks is decided here once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widget import Widget

from kiosk.domain.errors import InvalidInput, KioskError
from screens.card_policy import CardPolicy
from screens.errors import FAILED, Failed, user_error
from screens.host import KioskHost
from screens.widgets.bars import KeyBar, StatusBar, TitleBar
from screens.widgets.text import Notice, Tr, host_of

if TYPE_CHECKING:
    from reader.events import ReaderEvent

    _Screen = Screen[Any]   # what the mixin below is mixed into
else:
    _Screen = object

T = TypeVar("T")
D = TypeVar("D")
Result = TypeVar("Result")   # what a screen dismisses with (None for most)


class LanguageAware:
    """Re-renders every catalog-backed widget of a screen on a language toggle."""

    @property
    def host(self) -> KioskHost:
        return host_of(self)

    def t(self, key: str, **params: object) -> str:
        return self.host.catalog.t(key, **params)

    def refresh_language(self) -> None:
        for widget in self.query(  # type: ignore[attr-defined]
                "Tr, Computed, KeyBar, TitleBar, Notice, AddressPicker, QrCode, KioskInput, "
                "Choice"):
            widget.refresh_text()


class CardAware:
    """What a screen does when a card comes or goes: one policy per screen class (the
    rules are in screens/card_policy.py, the app only acts on them)."""

    card_policy: ClassVar[CardPolicy] = CardPolicy.UNBOUND

    def card_changed(self, event: ReaderEvent | None) -> None:
        """The card in the reader changed (``READS``, ``SWAPS`` and ``STAFF`` screens are
        told): ``event`` is the insertion now in the active reader, None if none is."""


class ShowsErrors(_Screen):
    """The one error path of every screen: :meth:`attempt` runs a call and, when it fails,
    shows why on this screen (screens/errors.py says which message). Where: an
    :class:`InvalidInput` at its field's notice (``#e-<field>``) when the screen has one,
    anything else in :attr:`error_notice`, and a toast on a screen with neither. Forms
    (screens/forms.py) also move the focus to the field; staff screens end staff mode
    instead when the refusal is of the staff session itself (screens/counter/base.py)."""

    error_notice: ClassVar[str] = "#form-error"

    def attempt(self, action: Callable[..., T], *args: Any, **kw: Any) -> T | Failed:
        """``action(*args, **kw)``; on any failure, the message shown and :data:`FAILED`
        returned, so a call that returns nothing needs no ``or True``. (The arguments are
        not checked against ``action``: the staff session is passed as it is, ``None``
        included, for the domain to refuse.)"""
        self.clear_errors()
        try:
            return action(*args, **kw)
        except Exception as error:   # every failure is shown: screens/errors.py
            self.show_failure(error)
            return FAILED

    def read(self, action: Callable[..., T], *args: Any, default: D, **kw: Any) -> T | D:
        """For what a screen *shows* rather than what a person asked: ``action``'s answer,
        or ``default`` when it fails — a store that is busy or cannot be read must not
        take the screen down while it is being drawn. The failure is said as
        :meth:`attempt` says it, once the screen is up."""
        try:
            return action(*args, **kw)
        except Exception as error:   # every failure is shown: screens/errors.py
            if self.is_mounted:
                self.show_failure(error)
            else:
                self.call_after_refresh(self.show_failure, error)
            return default

    def show_failure(self, error: Exception) -> None:
        """A failure caught elsewhere (a worker's outcome, say), shown the same way."""
        self.show_error(self.error_message(error))

    def error_message(self, error: Exception) -> KioskError:
        return user_error(error, type(self).__name__)

    def show_error(self, error: KioskError) -> None:
        self.clear_errors()
        notice = self.error_place(error)
        if notice is not None:
            notice.say(error.key, **error.params)
            # a long form scrolls: the line that says what is wrong is brought into view
            # (seen at 100×30, where 儲存 otherwise seemed to do nothing)
            self.call_after_refresh(notice.scroll_visible, animate=False)
        else:
            self.notify(host_of(self).catalog.t(error.key, **error.params), severity="error",
                        timeout=8)

    def error_place(self, error: KioskError) -> Notice | None:
        if isinstance(error, InvalidInput):
            field = self.query(f"#e-{error.field}").results(Notice)
            if (notice := next(field, None)) is not None:
                return notice
        return next(self.query(self.error_notice).results(Notice), None)

    def clear_errors(self) -> None:
        for notice in self.query(f"{self.error_notice}, .field-error").results(Notice):
            notice.say(None)


def card_policy_of(screen: object) -> CardPolicy:
    """The policy of any screen on the stack; one not of this kiosk needs no card."""
    return screen.card_policy if isinstance(screen, CardAware) else CardPolicy.UNBOUND


class StoreChanged(Message, bubble=False):
    """A commit, here or at another terminal, changed the store's table ``table``: sent to
    the screen on top (by the app) when the store tells of commits (KioskHost.store_events);
    a screen waiting on another terminal (a QR login's approval) reads again at once.
    It does not bubble (a class keyword: Textual's __init_subclass__ would override a class
    attribute), so one that reached the screen never comes back to the app."""

    def __init__(self, table: str) -> None:
        super().__init__()
        self.table = table


class KioskScreen(LanguageAware, CardAware, ShowsErrors, Screen[Result]):
    """A full public screen. Its body is the form template unless it overrides
    :meth:`body`: in a column (:attr:`form_classes`), the title (:attr:`title_key`), then
    :meth:`fields`, then :meth:`footer` — the error notice (``#form-error``, where
    :class:`ShowsErrors` shows a failure) when :attr:`error_line`, and the note
    :attr:`hint_key` when set."""

    title_key: str = ""
    form_classes: ClassVar[str] = "form"
    error_line: ClassVar[bool] = False
    hint_key: ClassVar[str | None] = None

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield from self.body()
        with Vertical(classes="bottom-bars"):   # one dock of two rows: see kiosk.tcss
            yield StatusBar()
            yield KeyBar()

    def body(self) -> ComposeResult:
        with self.form_column():
            yield self.title_line()
            yield from self.fields()
            yield from self.footer()

    def form_column(self) -> Widget:
        return Vertical(classes=self.form_classes)

    def title_line(self) -> Widget:
        return Tr(self.title_key, classes="screen-title")

    def fields(self) -> ComposeResult:
        """What the screen shows between its title and its footer."""
        yield from ()

    def footer(self) -> ComposeResult:
        if self.error_line:
            yield Notice(id="form-error", classes="form-error")
        if self.hint_key:
            yield Tr(self.hint_key, classes="note")

    def refresh_status(self) -> None:
        for bar in self.query(StatusBar):
            bar.refresh_text()


class KioskModal(LanguageAware, CardAware, ShowsErrors, ModalScreen[Result]):
    """A dialog over the screen. Its template, like the full screens': a box
    (:attr:`box_id`, styled in kiosk.tcss) with the title (:attr:`title_key`) and then
    :meth:`fields`."""

    title_key: str = ""
    box_id: ClassVar[str] = "exit-box"

    def compose(self) -> ComposeResult:
        with Vertical(id=self.box_id):
            yield self.title_line()
            yield from self.fields()

    def title_line(self) -> Widget:
        return Tr(self.title_key, classes="screen-title")

    def fields(self) -> ComposeResult:
        """What the dialog shows under its title."""
        yield from ()

