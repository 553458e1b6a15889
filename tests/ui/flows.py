"""Steps a citizen takes, for the workflow tests: each waits for the screen it expects."""

from __future__ import annotations

from screens.account import CodeScreen, LoginScreen, ServicesScreen
from screens.idle import IdleScreen
from screens.outbox import MailScreen, OutboxScreen
from screens.register import (
    AccountScreen,
    ConfirmScreen,
    DoneScreen,
    IdentityScreen,
    ReadCardScreen,
    TermsScreen,
)
from tests.ui.conftest import screen_text, wait_until

PASSWORD = "Nhi@2026x"


def on(app, cls):
    return lambda: isinstance(app.screen, cls)


def focused_id(app) -> str:
    return getattr(app.focused, "id", None) or ""


async def tab_to(pilot, selector: str, limit: int = 40) -> None:
    """Reach a field as a person does: Tab until it has the focus, and then it must be on
    the screen (not scrolled away or under the bars). Fails if Tab never gets there."""
    app = pilot.app
    target = app.screen.query_one(selector)
    for _ in range(limit):
        if app.focused is target or (app.focused is not None
                                     and target in app.focused.ancestors_with_self):
            break
        await pilot.press("tab")
    else:
        raise AssertionError(f"Tab never reaches {selector}")
    await pilot.pause()
    region = app.screen._compositor.visible_widgets.get(app.focused, (None, None))[1]
    assert region is not None and region.area > 0, f"{selector} has the focus but is not seen"


async def card_screen(pilot, key: str) -> None:
    """Insert a demo card and wait for its card screen."""
    from screens.card import CardScreen

    app = pilot.app
    await wait_until(pilot, lambda: app.status.readers, what="reader")
    app.monitor.insert(key)
    await wait_until(pilot, on(app, CardScreen), what=f"card screen for {key}")


async def back_to_idle(pilot) -> None:
    """Escape back out of whatever is open, as a citizen would."""
    app = pilot.app
    for _ in range(6):
        if isinstance(app.screen, IdleScreen):
            return
        await pilot.press("escape")
        await pilot.pause()
    await wait_until(pilot, on(app, IdleScreen), what="idle")


async def menu(pilot, item: str) -> None:
    app = pilot.app
    await back_to_idle(pilot)
    await pilot.press(str((app.screen.menu_items().index(item) + 1) % 10))


async def type_into(pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.pause()


async def shows(pilot, text: str, what: str | None = None) -> None:
    await wait_until(pilot, lambda: text in screen_text(pilot.app), what=what or repr(text))


async def pick_address(pilot, county: str, district: str, village: str, n: str) -> None:
    for text in (county, district, village):
        await type_into(pilot, text)
        await pilot.press("enter")
        await pilot.pause()
    await type_into(pilot, n)


async def through_terms_and_read(pilot) -> None:
    app = pilot.app
    await wait_until(pilot, on(app, TermsScreen), what="terms")
    await pilot.press("space", "f5")
    await wait_until(pilot, on(app, ReadCardScreen), what="read card step")
    await pilot.press("enter")


async def national_identity(pilot, household: str = "AB123456", n: str = "12") -> None:
    app = pilot.app
    await wait_until(pilot, on(app, IdentityScreen), what="identity step")
    await type_into(pilot, household)
    await pilot.press("enter")
    await pick_address(pilot, "台北", "中正", "水源", n)
    await pilot.press("enter")


async def account_step(pilot, email: str = "wang@example.com", phone: str = "0912000111",
                       password: str = PASSWORD, repeat: str | None = None) -> None:
    app = pilot.app
    await wait_until(pilot, on(app, AccountScreen), what="account step")
    for value in (password, repeat if repeat is not None else password, email, phone):
        await type_into(pilot, value)
        await pilot.press("enter")


async def confirm_and_send(pilot) -> None:
    app = pilot.app
    await wait_until(pilot, on(app, ConfirmScreen), what="confirm step")
    await pilot.press("enter")
    await wait_until(pilot, on(app, DoneScreen), what="done")


async def follow_newest_mail(pilot) -> None:
    """Open the outbox, the newest mail, and follow its link (F6)."""
    app = pilot.app
    await menu(pilot, "menu.outbox")
    await wait_until(pilot, on(app, OutboxScreen), what="outbox")
    await pilot.press("enter")
    await wait_until(pilot, on(app, MailScreen), what="mail")
    await pilot.press("f6")
    await wait_until(pilot, on(app, CodeScreen), what="code screen")
    await pilot.press("enter")


async def login(pilot, password: str = PASSWORD) -> None:
    app = pilot.app
    await menu(pilot, "menu.login")
    await wait_until(pilot, on(app, LoginScreen), what="login")
    await type_into(pilot, password)
    await pilot.press("enter")


async def logged_in(pilot) -> None:
    await wait_until(pilot, on(pilot.app, ServicesScreen), what="services")
