"""What every staff screen shares: it exists only inside a staff session, a card put in
the reader fills in a form instead of taking over the screen, and a refusal of the session
itself (idle too long, account disabled) ends staff mode instead of showing an error.
Every other failure takes the public screens' one path (``attempt``, screens/base.py)."""

from __future__ import annotations

from kiosk.domain.errors import KioskError
from kiosk.domain.mask import mask_id, mask_name
from reader.events import ReaderEvent
from screens.base import CardAware, KioskScreen, LanguageAware, ShowsErrors
from screens.card_policy import CardPolicy
from screens.forms import FormScreen
from screens.widgets.text import Tr

SESSION_ENDED = ("err.staff.expired", "err.staff.disabled", "err.staff.signed_out")


class StaffOnly(LanguageAware, CardAware, ShowsErrors):
    """Mixed into staff screens, before the screen class. Its policy ``STAFF`` is what the
    app checks when one is pushed: without a staff session it shows the sign-in instead."""

    card_policy = CardPolicy.STAFF

    def card_changed(self, event: ReaderEvent | None) -> None:
        """A card at the counter; forms fill themselves in from it."""

    def card_text(self, none_key: str = "staff.card_none") -> str:
        card = self.host.current_card()
        if card is None:
            return self.t(none_key)
        return self.t("staff.card_read", name=mask_name(card.name),
                      id=mask_id(card.id_no))

    def staff_line(self) -> Tr:
        session = self.host.staff_session
        return Tr("staff.signed_in_as", classes="note",
                  params={"name": session.name if session else "",
                          "staff_id": session.staff_id if session else ""})

    def session_refused(self, error: KioskError) -> bool:
        """True (and staff mode ended) when ``error`` is about the staff session."""
        if error.key in SESSION_ENDED:
            self.host.end_staff(timed_out=error.key == "err.staff.expired",
                                notice=error.key)
            return True
        return False

    def show_error(self, error: KioskError) -> None:
        if not self.session_refused(error):
            super().show_error(error)


class StaffScreen(StaffOnly, KioskScreen):
    """A staff screen that is not a form: a failure where the screen keeps its error notice
    (:attr:`error_notice`), else a toast."""


class StaffForm(StaffOnly, FormScreen):
    """A staff form: failures at their field or under the form, as on public forms."""
