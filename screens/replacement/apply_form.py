"""新增: the application form (applicant, card, photo, delivery), then 注意事項 and 繳費提醒.

Fields that do not apply are hidden, never just ignored: the dependant's ID, name and
birth date appear for 眷屬, the mailing address for 郵寄, the photo line for 有照片.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget

from kiosk.domain.records import Account
from kiosk.domain.replacement.applications import FEE, UNPAID_LIFETIME, Dependant, Form, MailAddress
from kiosk.domain.replacement.photos import Photo
from screens.base import KioskModal
from screens.errors import FAILED
from screens.forms import FormScreen, KioskInput, Notice, field_row
from screens.widgets.address_picker import AddressPicker
from screens.widgets.choice import Choice
from screens.widgets.text import Computed, Tr, day_phrase


def choice_row(name: str, label_key: str, options: list[tuple[str, str]]) -> ComposeResult:
    with Horizontal(classes="form-row"):
        yield Tr(label_key, classes="form-label")
        yield Choice(options, id=f"c-{name}")
    yield Notice(id=f"e-{name}", classes="field-error")


class ApplyFormScreen(FormScreen):
    BINDINGS = [Binding("escape", "back", "key.back"),
                Binding("f4", "photo", "apply.key_photo"),
                Binding("f5", "save", "apply.key_save"),
                Binding("f9", "offices", "apply.key_offices")]
    title_key = "apply.title"

    def __init__(self) -> None:
        super().__init__()
        self.photo: Photo | None = None

    def form_column(self) -> Widget:
        return VerticalScroll(classes=self.form_classes)   # longer than the screen

    def fields(self) -> ComposeResult:
        session = self.host.session
        none: dict[str, str] = {}   # the form opens empty; saving says what is wrong
        account: Account | dict[str, str] = (
            self.read(self.host.sign_in.account, session, default=none) if session else none)
        yield from choice_row("target", "apply.target",
                              [("self", "apply.self"), ("dependant", "apply.dependant")])
        with Vertical(id="dependant-fields"):
            yield from field_row("dep_id", "apply.dep_id", max_length=10)
            yield from field_row("dep_name", "apply.dep_name", max_length=20)
            yield from field_row("dep_birth", "apply.dep_birth", max_length=10,
                                 placeholder_key="form.ph_date")
        yield from choice_row("reason", "apply.reason",
                              [("lost", "apply.lost"), ("damaged", "apply.damaged"),
                               ("photo", "apply.new_photo")])
        yield from field_row("email", "apply.email", value=account.get("email", ""),
                             max_length=254)
        yield Tr("apply.email_note", classes="note")
        area, number, ext = phone_parts(account.get("phone", ""))   # as the e-mail: prefilled
        with Horizontal(classes="form-row"):
            yield Tr("apply.phone", classes="form-label")
            yield KioskInput(id="f-phone_area", max_length=4, placeholder_key="form.ph_area",
                             value=area, restrict=r"\d*", compact=True, classes="phone-area")
            yield KioskInput(id="f-phone_number", max_length=10,
                             placeholder_key="form.ph_number", value=number,
                             restrict=r"[\d-]*", compact=True)
            yield KioskInput(id="f-phone_ext", max_length=6, placeholder_key="form.ph_ext",
                             value=ext, restrict=r"\d*", compact=True, classes="phone-ext")
        yield Notice(id="e-phone_number", classes="field-error")
        yield from choice_row("pickup", "apply.pickup",
                              [("mail", "apply.by_mail"), ("onsite", "apply.onsite")])
        with Vertical(id="mail-fields"):
            yield Tr("apply.mail_note", classes="note")
            yield AddressPicker(id="address")
            yield Notice(id="e-address", classes="field-error")
            yield from field_row("street", "apply.street", max_length=60)
            yield Tr("apply.mail_late", classes="note")
        with Vertical(id="onsite-fields"):
            yield Tr("apply.onsite_note", classes="hint")
        yield from choice_row("kind", "apply.kind",
                              [("no_photo", "apply.no_photo"), ("photo", "apply.with_photo")])
        yield Tr("apply.kind_note", id="kind-note", classes="note")
        with Vertical(id="photo-fields"):
            yield Computed(self._photo_line, id="photo-line", classes="hint")
            yield Notice(id="e-photo", classes="field-error")
        yield Tr("apply.notes", params={"days": UNPAID_LIFETIME.days}, classes="note")

    def on_mount(self) -> None:
        self._show_fields()
        self.query_one("#c-target", Choice).focus()

    def _photo_line(self) -> str:
        if self.photo is None:
            return self.t("apply.photo_none")
        return self.t("apply.photo_chosen", width=self.photo.width, height=self.photo.height)

    @on(Choice.Changed)
    def _show_fields(self) -> None:
        self.query_one("#dependant-fields").display = self._choice("target") == "dependant"
        self.query_one("#mail-fields").display = self._choice("pickup") == "mail"
        self.query_one("#onsite-fields").display = self._choice("pickup") == "onsite"
        self.query_one("#photo-fields").display = self._choice("kind") == "photo"

    def _choice(self, name: str) -> str:
        return self.query_one(f"#c-{name}", Choice).value

    def action_photo(self) -> None:
        if self._choice("kind") != "photo":
            self.query_one("#c-kind", Choice).select("photo")
        from screens.replacement.photo_picker import PhotoPickerScreen

        def chosen(photo: Photo | None) -> None:
            if photo is not None:
                self.photo = photo
                line = self.query_one("#photo-line", Computed)
                line.refresh_text()
                self.query_one("#e-photo", Notice).say(None)
                # the person sees which photo the form now holds, once it is back on top
                self.call_after_refresh(line.scroll_visible)

        self.app.push_screen(PhotoPickerScreen(self.host.photo_root), chosen)

    def action_save(self) -> None:
        self.submit()

    def action_offices(self) -> None:
        """查詢領卡地點, from the form itself (as the NHIA's form has it beside 領卡方式)."""
        from screens.replacement.applications import OfficesModal

        self.app.push_screen(OfficesModal())

    def form(self) -> Form:
        dependant = None
        if self._choice("target") == "dependant":
            dependant = Dependant(self.value("dep_id"), self.value("dep_name"),
                                  self.value("dep_birth"))
        mail = None
        if self._choice("pickup") == "mail":
            picked = self.query_one(AddressPicker).value
            mail = MailAddress(picked, self.value("street")) if picked else None
        with_photo = self._choice("kind") == "photo"
        return Form(reason=self._choice("reason"), email=self.value("email"),
                    phone_area=self.value("phone_area"),
                    phone_number=self.value("phone_number"), phone_ext=self.value("phone_ext"),
                    pickup=self._choice("pickup"), with_photo=with_photo, dependant=dependant,
                    mail_address=mail, photo=self.photo.data if with_photo and self.photo
                    else None)

    def submit(self) -> None:
        session = self.host.session
        if session is None:
            return
        app = self.attempt(lambda: self.host.applications.apply(session, self.form()))
        if app is FAILED:
            return
        due = self.host.applications.due(app)

        def reminded(_: object) -> None:
            self.dismiss()

        def noticed(_: object) -> None:
            self.app.push_screen(SavedModal("apply.reminder_title", "apply.reminder",
                                            atm=app["atm_no"], fee=FEE,
                                            due=day_phrase(due.date())),
                                 reminded)

        from kiosk.domain.replacement.payments import ATM_FEE

        self.app.push_screen(SavedModal("apply.saved_title", "apply.saved_notice",
                                        days=UNPAID_LIFETIME.days, fee=ATM_FEE), noticed)


def phone_parts(phone: str) -> tuple[str, str, str]:
    """A stored phone (0912345678, 02-23456789#123, 0223456789) as the form's three boxes:
    area code, number, extension — what the domain's ``_phone`` joins back."""
    phone, _, ext = phone.partition("#")
    area, dash, number = phone.partition("-")
    return (area, number.replace("-", ""), ext) if dash else ("", phone, ext)


class SavedModal(KioskModal):
    """注意事項, then 繳費提醒: read, then Enter (確定)."""

    BINDINGS = [Binding("enter", "ok", "key.confirm"), Binding("escape", "ok", "key.confirm")]

    def __init__(self, title_key: str, text_key: str, **params: object) -> None:
        super().__init__()
        self.title_key, self.text_key, self.params = title_key, text_key, params

    def fields(self) -> ComposeResult:
        yield Tr(self.text_key, params=self.params, classes="message")
        yield Tr("form.enter_ok", classes="hint")   # the NHIA's 確定 button: no key bar here

    def action_ok(self) -> None:
        self.dismiss()
