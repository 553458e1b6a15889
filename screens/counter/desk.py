"""Counter operations for the citizen at the counter: registration after the document
check, and one person's registration (look up, 停用 with a reason, reactivation, releasing
locks, binding a device). A card in the reader fills the person in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Input

from kiosk.domain.codes import Code
from kiosk.domain.counter.desk import REASON_MAX, Person, suspend_reason
from kiosk.domain.id_documents import DocKind, IdDocument, likely_kind
from kiosk.domain.mail import mask_email
from kiosk.domain.mask import mask_id, mask_name, mask_phone
from reader.events import ReaderEvent
from screens.base import KioskModal
from screens.code_qr import CodeQrScreen
from screens.counter.base import StaffForm, StaffOnly
from screens.errors import FAILED, Failed
from screens.forms import CardForm, Notice, field_row
from screens.widgets.choice import Choice
from screens.widgets.text import Computed, Tr

T = TypeVar("T")

DOC_OPTIONS = [(kind.value, f"doc.{kind.value}") for kind in DocKind]


def preselect_kind(screen: StaffForm) -> None:
    """The document kind the card's holder most likely shows (resident, under 14)."""
    card = screen.host.current_card()
    if card is not None:
        kind = likely_kind(card.id_no, card.birth_date, screen.host.clock.now().date())
        screen.query_one("#f-doc_kind", Choice).select(kind.value)


def document_fields() -> ComposeResult:
    with Horizontal(classes="form-row"):
        yield Tr("counter.doc_kind", classes="form-label")
        yield Choice(DOC_OPTIONS, id="f-doc_kind")
    yield Notice(id="e-doc_kind", classes="field-error")
    yield from field_row("doc_number", "counter.doc_number", max_length=12)


class CounterRegisterScreen(StaffForm, CardForm):
    """臨櫃註冊: staff checked an identity document, so the account is active at once and
    the e-mail address optional."""

    title_key = "counter.register_title"
    form_classes = "form staff-form"

    def fields(self) -> ComposeResult:
        yield self.card_line()
        yield from document_fields()
        yield from field_row("password", "reg.password", password=True, max_length=12)
        yield from field_row("password2", "reg.password2", password=True, max_length=12)
        yield from field_row("email", "counter.email_optional", max_length=254)
        yield from field_row("phone", "reg.phone", max_length=20)

    def card_line(self) -> Computed:
        return Computed(lambda: self.card_text("reg.read_none"), id="card-line")

    def on_mount(self) -> None:
        preselect_kind(self)
        self.query_one("#f-doc_kind").focus()

    def card_changed(self, event: ReaderEvent | None) -> None:
        """Another card: another person, so nothing typed for the last one stays."""
        CardForm.card_changed(self, event)   # the card line (StaffOnly's does nothing)
        for box in self.query(Input):
            box.value = ""
        self.clear_errors()
        preselect_kind(self)

    def submit(self) -> None:
        card = self.card()
        if card is None:
            return
        counter, session = self.host.counter, self.host.staff_session
        doc = self.attempt(counter.document, card.id_no,
                           self.query_one("#f-doc_kind", Choice).value,
                           self.value("doc_number"), card)
        if doc is FAILED:
            return
        account = self.attempt(counter.register, session, card, doc, self.value("password"),
                               self.value("password2"), self.value("email"),
                               self.value("phone"))
        if account is not FAILED:
            for box in self.query(Input):
                box.value = ""

            def closed(_result: object) -> None:
                self.dismiss()   # not returned: the app would await it from this screen

            self.app.push_screen(DoneModal("counter.registered", name=mask_name(card.name),
                                           id=mask_id(card.id_no)), closed)


class PersonScreen(StaffForm):
    """One person's registration: Enter looks it up (after the document check); the F keys
    act on it."""

    BINDINGS = [Binding("escape", "back", "key.back"),
                Binding("f3", "suspend", "key.suspend"),
                Binding("f4", "reactivate", "key.reactivate"),
                Binding("f5", "release", "key.release"),
                Binding("f6", "bind", "key.bind")]
    title_key = "counter.person_title"
    form_classes = "form staff-form"

    def __init__(self) -> None:
        super().__init__()
        self.doc: IdDocument | None = None
        self.person: Person | None = None

    def fields(self) -> ComposeResult:
        yield from field_row("id_no", "counter.id_no", max_length=10)
        yield from document_fields()

    def footer(self) -> ComposeResult:
        """The person found, under the form's own footer."""
        yield from super().footer()
        yield Computed(self._panel, id="person")
        yield Notice(id="done", classes="hint")

    def on_mount(self) -> None:
        self._fill_from_card()
        self.query_one("#f-id_no").focus()

    def _fill_from_card(self) -> None:
        card = self.host.current_card()
        box = self.query_one("#f-id_no", Input)
        if card is not None and card.id_no != box.value:
            box.value = card.id_no
            self.query_one("#f-doc_number", Input).value = ""   # the last person's
            preselect_kind(self)

    def card_changed(self, event: ReaderEvent | None) -> None:
        self._fill_from_card()

    @on(Input.Changed)
    @on(Choice.Changed)
    def _forget(self, _event: Any) -> None:
        """A changed person or document must be checked (and looked up) again."""
        if self.doc is not None:
            self.doc, self.person = None, None
            self._show()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("suspend", "reactivate", "release", "bind"):
            return self.person is not None
        return True

    def submit(self) -> None:
        doc = self.attempt(self.host.counter.document, self.value("id_no"),
                           self.query_one("#f-doc_kind", Choice).value,
                           self.value("doc_number"), self.host.current_card())
        if doc is FAILED:
            return
        person = self.attempt(self.host.counter.person, self.host.staff_session, doc)
        if person is not FAILED:
            self.doc, self.person = doc, person
            self._show()

    def _show(self, done: str | None = None, **params: Any) -> None:
        self.query_one("#person", Computed).refresh_text()
        self.query_one("#done", Notice).say(done, **params)
        self.refresh_bindings()

    def _panel(self) -> str:
        p = self.person
        if p is None:
            return self.t("counter.look_up_hint")
        state = self.t(f"card.state_{p.state.value if p.state else 'none'}")
        if p.reason:
            state = f"{state} — {p.reason}"
        lines = [self.t("counter.person_line", name=mask_name(p.name) or "—",
                        id=mask_id(p.id_no), state=state)]
        if p.state is not None:
            lines.append(self.t("counter.contact_line",
                                email=mask_email(p.email) if p.email else "—",
                                phone=mask_phone(p.phone) if p.phone else "—",
                                via=self._via(p.via), devices=p.devices))
        locks = ", ".join(self.t(f"counter.lock_{name}") for name in p.locks)
        lines.append(self.t("counter.locks_line", locks=locks or self.t("counter.no_locks")))
        return "\n".join(lines)

    def _via(self, via: str) -> str:
        if not via:
            return "—"
        kind, _, unit = via.partition(":")
        return self.t(f"counter.via_{kind}", unit=unit) if kind in (
            "online", "counter", "phone", "batch") else via

    def _on_person(self, action: Callable[..., T], *args: Any) -> T:
        """``action`` on the person looked up, in this staff session (the domain refuses
        one that is over)."""
        return action(self.host.staff_session, self.doc, *args)

    def _act(self, action: Callable[..., T], *args: Any) -> T | Failed:
        return self.attempt(self._on_person, action, *args)

    def action_suspend(self) -> None:
        def reason_given(reason: str | None) -> None:
            if reason is None:
                return
            person = self._act(self.host.counter.suspend, reason)
            if person is not FAILED:
                self.person = person
                self._show("counter.suspended")

        self.app.push_screen(ReasonModal(), reason_given)

    def action_reactivate(self) -> None:
        person = self._act(self.host.counter.reactivate)
        if person is not FAILED:
            self.person = person
            self._show("counter.reactivated" if person.state else "counter.reactivated_none")

    def action_release(self) -> None:
        released = self._act(self.host.counter.release_locks)
        if released is FAILED or self.person is None:
            return
        self.person = replace(self.person, locks=())   # every lock was released
        if released:
            names = ", ".join(self.t(f"counter.lock_{name}") for name in released)
            self._show("counter.released", locks=names)
        else:
            self._show("counter.nothing_locked")

    def action_bind(self) -> None:
        code = self._act(self.host.counter.bind_device)
        if code is not FAILED:
            # F5 there makes the next one, refused (or not saved) on that screen, not here
            self.app.push_screen(StaffCodeScreen(
                code, lambda: self._on_person(self.host.counter.bind_device)))


class ReasonModal(KioskModal[str]):
    """停用 needs a reason; it is kept with the registration and in the audit log."""

    BINDINGS = [Binding("escape", "close", "key.cancel")]

    title_key = "counter.suspend_title"

    def fields(self) -> ComposeResult:
        yield Tr("counter.reason_prompt")
        yield Input(max_length=REASON_MAX, id="reason")
        yield Notice(id="e-reason", classes="field-error")
        yield Tr("counter.reason_hint", classes="note")

    @on(Input.Submitted, "#reason")
    def _given(self, event: Input.Submitted) -> None:
        """A reason that would be refused keeps the dialog open, saying why."""
        reason = self.attempt(suspend_reason, event.value)   # at #e-reason
        if reason is not FAILED:
            self.dismiss(reason)

    def action_close(self) -> None:
        self.dismiss(None)


class DoneModal(KioskModal):
    BINDINGS = [Binding("enter", "close", "key.confirm"),
                Binding("escape", "close", "key.back", show=False)]

    def __init__(self, key: str, **params: object) -> None:
        super().__init__()
        self.key, self.params = key, params

    title_key = "counter.done_title"

    def fields(self) -> ComposeResult:
        yield Tr(self.key, params=self.params, classes="message")
        yield Tr("form.enter_ok", classes="hint")   # a dialog has no key bar to say it

    def action_close(self) -> None:
        self.dismiss()


class StaffCodeScreen(StaffOnly, CodeQrScreen):
    """The device code staff made for the holder's phone; F5 a new one, F9 (demo) plays
    the app."""

    title_key, intro_key = "counter.bind_title", "dev.code_intro"
    BINDINGS = [Binding("escape", "close", "key.back"),
                Binding("f5", "new_code", "key.new_code"),
                Binding("f9", "app_panel", "key.demo_app")]

    def __init__(self, code: Code, renew: Callable[[], Code]) -> None:
        super().__init__()
        self.code, self.renew = code, renew

    def on_mount(self) -> None:
        self.show_code(self.code.code, self.code.expires_at)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.host.demo if action == "app_panel" else True

    def action_new_code(self) -> None:
        code = self.attempt(self.renew)   # under the code; staff mode ends if it is over
        if code is not FAILED:
            self.code = code
            self.show_code(code.code, code.expires_at)

    def action_app_panel(self) -> None:
        from screens.phone_app import AppPanelScreen

        self.app.push_screen(AppPanelScreen(self.code.code))

    def action_close(self) -> None:
        self.dismiss()
