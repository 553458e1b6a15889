"""Over everything while the store's database cannot be reached (a PostgreSQL store whose
server restarts or whose network is down): the kiosk is paused, not broken, and says so in
both languages, as whoever walks up may read only one. The app covers the screens with it
when the store says its connection is lost, and takes it away by itself once the store
says it is back (KioskApp.on_store_reachable); what the screens under it hold stays. A
card put in or pulled meanwhile is handled as ever, under it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center

from screens.base import KioskModal
from screens.widgets.text import Tr


class StoreAwayScreen(KioskModal):
    def compose(self) -> ComposeResult:
        with Center(id="store-away", classes="bilingual"):
            yield Tr("away.title", classes="screen-title")
            yield Tr("away.body", classes="bilingual-body")
            yield Tr("away.title_secondary", classes="bilingual-title-secondary")
            yield Tr("away.body_secondary", classes="bilingual-body-secondary")
