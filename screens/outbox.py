"""The outbox, for the demo: read the mails the kiosk sent and follow their links, so a
registration can be confirmed or a password reset without a real mailbox."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import OptionList

from kiosk.domain.mail import mask_email
from kiosk.domain.records import Mail
from screens.base import KioskScreen
from screens.card_policy import CardPolicy
from screens.widgets.plain import PlainOptionList, option
from screens.widgets.text import Computed, Tr


class OutboxScreen(KioskScreen):
    card_policy = CardPolicy.UNBOUND
    BINDINGS = [Binding("escape", "app.go_idle", "key.back"),
                Binding("enter", "open", "key.open")]
    title_key = "outbox.title"
    error_line = True   # a store that cannot be read is said here

    def _mails(self) -> list[Mail]:
        return self.read(self.host.services.mails, default=[])

    def fields(self) -> ComposeResult:
        mails = self._mails()
        if not mails:
            yield Tr("outbox.empty", classes="message")
        yield PlainOptionList(*(option(self._line(m), id=str(m["id"])) for m in mails),
                         id="mails")

    @staticmethod
    def _line(mail: Mail) -> str:
        return f"{mail['created_at'][5:16].replace('T', ' ')}  {mask_email(mail['to'])}  " \
               f"{mail['subject']}"

    def on_mount(self) -> None:
        self.query_one("#mails", OptionList).focus()

    def action_open(self) -> None:
        mails = self.query_one("#mails", OptionList)
        if mails.highlighted is None:
            return
        option = mails.get_option_at_index(mails.highlighted)
        mail = self.host.services.mail_by_id(int(option.id or 0))
        if mail:
            self.app.push_screen(MailScreen(mail))

    def on_option_list_option_selected(self, _event: OptionList.OptionSelected) -> None:
        self.action_open()


class MailScreen(KioskScreen):
    card_policy = CardPolicy.UNBOUND
    BINDINGS = [Binding("escape", "close", "key.back"),
                Binding("f6", "follow", "key.follow")]

    def __init__(self, mail: Mail) -> None:
        super().__init__()
        self.mail = mail

    def body(self) -> ComposeResult:
        mail = self.mail
        with Vertical(classes="form"):
            yield Computed(lambda: mail["subject"], classes="screen-title")
            yield Computed(lambda: f"{self.t('outbox.to')}: {mask_email(mail['to'])}")
            with VerticalScroll(id="mail-body"):
                yield Computed(lambda: mail["body"])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "follow":
            return bool(self.mail.get("link"))
        return True

    def action_close(self) -> None:
        self.dismiss()

    def action_follow(self) -> None:
        from screens.registration.mail_code import CodeScreen

        self.app.switch_screen(CodeScreen(self.mail["link"]))
