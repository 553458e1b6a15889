"""Keyboard forms for the workflows: labelled inputs with inline, translated errors.

Enter moves to the next field and submits from the last one; Escape goes back. A form runs
its domain calls through ``attempt`` (screens/base.py, the one error path): a KioskError is
shown next to its field (InvalidInput) or under the form, in the user's language, and
re-rendered when the language changes. Nothing typed is lost on an error; password fields
are cleared when the screen closes.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input

from kiosk.domain.errors import InvalidInput, KioskError
from kiosk.domain.forms import national_proof, resident_proof
from kiosk.domain.mask import mask_id, mask_name
from kiosk.domain.registry import Proof
from kiosk.domain.validate import is_resident
from reader.card import CardData
from reader.events import ReaderEvent
from screens.base import KioskScreen
from screens.card_policy import CardPolicy
from screens.widgets.address_picker import AddressPicker
from screens.widgets.text import Computed, Notice, Tr, host_of


class KioskInput(Input):
    """A form's input. Its placeholder is a catalog key (``placeholder_key``): a format
    such as 「09 開頭 10 碼」, never an answer someone could give, styled as a hint in
    kiosk.tcss, and it follows the language toggle.

    A paste of several lines — Textual's Input keeps only the first and drops the rest
    silently — is joined into one line with ``paste_joiner`` ("" for a code, an address,
    a number or a date, which a narrow mail or a note wraps anywhere; " " for free text),
    and :class:`PasteJoined` tells the form to say so at the field. A password is never
    joined: a secret pasted in pieces is refused, and said so."""

    class PasteJoined(Message):
        def __init__(self, box: KioskInput, key: str) -> None:
            super().__init__()
            self.box, self.key = box, key

    def __init__(self, *, max_length: int, placeholder_key: str | None = None,
                 paste_joiner: str = "", **kw: Any) -> None:
        super().__init__(max_length=max_length, **kw)
        self.placeholder_key = placeholder_key
        self.paste_joiner = paste_joiner

    def on_mount(self) -> None:
        self.refresh_text()

    def refresh_text(self) -> None:
        if self.placeholder_key:
            self.placeholder = host_of(self).catalog.t(self.placeholder_key)

    def _on_paste(self, event: events.Paste) -> None:
        lines = [line.strip() for line in event.text.splitlines() if line.strip()]
        if len(lines) < 2:
            return   # one line: Textual's own paste (which runs after this one)
        event.prevent_default()
        event.stop()
        if self.password:
            self.post_message(self.PasteJoined(self, "form.paste_refused"))
            return
        text, before = self.paste_joiner.join(lines), self.value
        if self.selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *self.selection)
        # Input refuses a value over max_length (or outside ``restrict``) as a whole
        taken = self.value != before
        self.post_message(self.PasteJoined(self, "form.paste_joined" if taken
                                           else "form.paste_too_long"))


class SecretInput(KioskInput):
    """A password box: its text cannot be copied or cut to the clipboard, which outlives
    the citizen who typed it."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("copy", "cut"):
            return False
        return super().check_action(action, parameters)


FIELD_MAX = 254   # the longest value any form takes (an e-mail address, RFC 5321)


def field_row(name: str, label_key: str, *, password: bool = False, value: str = "",
              max_length: int = FIELD_MAX, restrict: str | None = None,
              placeholder_key: str | None = None, paste_joiner: str = "") -> ComposeResult:
    """A labelled input ``#f-<name>`` and its notice ``#e-<name>``. ``placeholder_key``
    names a format in the catalog (``form.ph_*``); ``paste_joiner`` joins a pasted text of
    several lines (" " for free text such as a name or a street)."""
    with Horizontal(classes="form-row"):
        yield Tr(label_key, classes="form-label")
        kind = SecretInput if password else KioskInput
        yield kind(value=value, password=password, max_length=max_length, restrict=restrict,
                   placeholder_key=placeholder_key, paste_joiner=paste_joiner,
                   id=f"f-{name}", compact=True)
    yield Notice(id=f"e-{name}", classes="field-error")


class FormScreen(KioskScreen):
    """Subclasses yield their :meth:`fields` (with :func:`field_row`) and implement
    :meth:`submit`; the template (screens/base.py) puts the title above them and the error
    notice and the keys' hint below."""

    BINDINGS = [Binding("escape", "back", "key.back")]
    card_policy = CardPolicy.BOUND   # workflows end when the card leaves the reader
    error_line = True
    hint_key: ClassVar[str | None] = "form.hint"

    def value(self, name: str) -> str:
        return self.query_one(f"#f-{name}", Input).value

    def take_secret(self, name: str) -> str:
        """A secret box's value (a password, a PIN), the box emptied as it is read: what
        was typed is not left on screen for the next person, whatever the outcome."""
        box = self.query_one(f"#f-{name}", Input)
        secret, box.value = box.value, ""
        return secret

    def clear_errors(self) -> None:
        """Every notice of the form: its errors and what the last try did."""
        for notice in self.query(Notice):
            notice.say(None)

    def show_error(self, error: KioskError) -> None:
        """Where :class:`ShowsErrors` shows it, and the focus to the field it is about."""
        super().show_error(error)
        if not isinstance(error, InvalidInput):
            return
        # the field it is about: an Input (#f-), a choice row (#c-), or a widget named as the
        # field (the address picker, which focuses its first box still to fill)
        name = error.field
        for field in self.query(f"#f-{name}, #c-{name}, #{name}"):
            if field.focusable or isinstance(field, AddressPicker):
                field.focus()
                break

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        """To the next field — a choice row too, so Enter never skips one — and submit
        from the last."""
        from screens.widgets.choice import Choice

        fields = [w for w in self.query("Input, Choice")
                  if isinstance(w, Input | Choice) and w.display and not w.disabled
                  and all(a.display for a in w.ancestors_with_self if hasattr(a, "display"))]
        index = fields.index(event.input) if event.input in fields else -1
        if 0 <= index < len(fields) - 1:
            fields[index + 1].focus()
        else:
            self.submit()

    @on(events.DescendantFocus)
    def _whole_code_row(self, event: events.DescendantFocus) -> None:
        """A code box brings its whole row into view, the picture of the code beside it
        too: scrolled only to the box, e-Bill's image code showed its top row alone (seen
        at 100×30), and the code could not be read."""
        row = event.widget.parent
        if isinstance(row, Widget) and row.has_class("code-row"):
            self.call_after_refresh(row.scroll_visible, animate=False)

    @on(KioskInput.PasteJoined)
    def _pasted(self, event: KioskInput.PasteJoined) -> None:
        """Said at the field (``#e-<name>``), else under the form, else as a toast."""
        name = (event.box.id or "").removeprefix("f-")
        place = next(self.query(f"#e-{name}, #form-error").results(Notice), None)
        if place is not None:
            place.say(event.key)
        else:
            self.notify(self.t(event.key), timeout=6)

    def submit(self) -> None:
        raise NotImplementedError

    def action_back(self) -> None:
        self.dismiss()

    def on_unmount(self) -> None:
        for box in self.query(Input):
            if box.password:
                box.value = ""   # a password never outlives its screen


class CardForm(FormScreen):
    """A form that needs the inserted card; it waits for one when there is none."""

    card_policy = CardPolicy.READS

    def card(self) -> CardData | None:
        card = self.host.current_card()
        if card is None:
            self.query_one("#form-error", Notice).say("reg.read_none")
        return card

    def card_line(self) -> Computed:
        def text() -> str:
            card = self.host.current_card()
            if card is None:
                return self.t("reg.read_none")
            return self.t("reg.read_found", name=mask_name(card.name), id=mask_id(card.id_no))

        return Computed(text, id="card-line")

    def card_changed(self, event: ReaderEvent | None) -> None:
        self.query_one("#card-line", Computed).refresh_text()
        self.query_one("#form-error", Notice).say(None)


class ProofForm(FormScreen):
    """The identity proof fields: the residence permit for residents, else the address
    picker (with the household number when ``with_household``)."""

    with_household = True

    def __init__(self, card: CardData) -> None:
        super().__init__()
        self.proof_card = card
        self.resident = is_resident(card.id_no)

    def proof_fields(self) -> ComposeResult:
        if self.resident:
            yield from field_row("issue", "reg.permit_issue", placeholder_key="form.ph_date")
            yield from field_row("expiry", "reg.permit_expiry", placeholder_key="form.ph_date")
            yield from field_row("serial", "reg.permit_serial", max_length=12)
            yield Tr("reg.date_hint", classes="note")
        else:
            if self.with_household:
                yield from field_row("household", "reg.household", max_length=8)
                # the seed's words at the field (001 Q1 step 3, Q13): where the number is;
                # shown while it has the focus, so the address picker keeps its room
                yield Tr("reg.household_hint", id="household-hint", classes="note")
            yield AddressPicker(id="address")

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    @on(events.DescendantFocus)
    @on(events.DescendantBlur)
    def _household_hint(self, event: events.DescendantFocus | events.DescendantBlur) -> None:
        for hint in self.query("#household-hint"):
            hint.display = (isinstance(event, events.DescendantFocus)
                            and event.widget.id == "f-household")

    def proof(self) -> Proof:
        if self.resident:
            return resident_proof(self.value("issue"), self.value("expiry"), self.value("serial"))
        household = self.value("household") if self.with_household else None
        return national_proof(household, self.query_one(AddressPicker).value)
