"""Steps a citizen takes, for the workflow tests: each waits for the screen it expects."""

from __future__ import annotations

import unicodedata

from screens.idle import IdleScreen
from screens.outbox import MailScreen, OutboxScreen
from screens.registration.mail_code import CodeScreen
from screens.registration.register import (
    AccountScreen,
    ConfirmScreen,
    DoneScreen,
    IdentityScreen,
    ReadCardScreen,
    TermsScreen,
)
from screens.registration.sign_in import LoginScreen
from screens.services import ServicesScreen
from tests.ui.conftest import screen_text, wait_until

PASSWORD = "Nhi@2026x"


def on(app, cls):
    return lambda: isinstance(app.screen, cls)


def focused_id(app) -> str:
    return getattr(app.focused, "id", None) or ""


def assert_seen(pilot, widget, what: str) -> None:
    """A person can see ``widget``: the compositor shows some of it (not scrolled away,
    not hidden, not squeezed to nothing)."""
    region = pilot.app.screen._compositor.visible_widgets.get(widget, (None, None))[1]
    assert region is not None and region.area > 0, f"{what} is not seen"


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
    assert_seen(pilot, app.focused, f"{selector} has the focus but")


def _field(name: str) -> str:
    """A form field's selector: ``#…`` as given, else the form's ``#f-<name>``."""
    return name if name.startswith("#") else f"#f-{name}"


async def fill(pilot, field: str, text: str) -> None:
    """Tab to an input, empty it with keys (End, then Ctrl+U: delete all to the left) and
    type ``text``."""
    from textual.widgets import Input

    await tab_to(pilot, _field(field))
    box = pilot.app.screen.query_one(_field(field), Input)
    await pilot.press("end", "ctrl+u")
    assert box.value == "", f"{field} cannot be emptied with keys: {box.value!r}"
    await type_into(pilot, text)
    assert box.value == text[:box.max_length or None], f"{field} holds {box.value!r}"


async def choose(pilot, name: str, value: str) -> None:
    """Tab to a choice row (``#c-<name>``, or a ``#…`` selector) and press → until
    ``value`` is the one marked."""
    from screens.widgets.choice import Choice

    selector = name if name.startswith("#") else f"#c-{name}"
    await tab_to(pilot, selector)
    choice = pilot.app.screen.query_one(selector, Choice)
    assert value in [v for v, _ in choice.options], f"{selector} has no option {value!r}"
    for _ in range(len(choice.options)):
        if choice.value == value:
            break
        await pilot.press("right")
    assert choice.value == value, f"→ never marks {value!r} in {selector}"
    await pilot.pause()


async def pick(pilot, selector: str, value: str) -> None:
    """Tab to a Select, open its list with Enter, go Home (the blank prompt line) and
    Down to the option whose value is ``value``, and Enter it."""
    from textual.widgets import Select

    app = pilot.app
    await tab_to(pilot, selector)
    select = app.screen.query_one(selector, Select)
    # Select._options is what the open list shows, line for line: the blank prompt first
    # (allow_blank), then the options (textual/widgets/_select.py)
    values = [v for _, v in select._options]
    assert value in values, f"{selector} has no option {value!r}"
    index = values.index(value)
    await pilot.press("enter")
    overlay = select.query_one("SelectOverlay")
    await wait_until(pilot, lambda: select.expanded and overlay.has_focus,
                     what=f"{selector}'s list open")
    await pilot.press("home", *["down"] * index)
    assert overlay.highlighted == index, f"{selector}: Down stops at {overlay.highlighted}"
    assert_seen(pilot, overlay, f"{selector}'s list")
    prompt = overlay.get_option_at_index(index).prompt
    shown = getattr(prompt, "plain", str(prompt))
    assert shown in screen_text(app), f"{selector}: {shown!r} is not seen in its list"
    await pilot.press("enter")
    await wait_until(pilot, lambda: not select.expanded, what=f"{selector}'s list closed")
    assert select.value == value, f"{selector} holds {select.value!r}, not {value!r}"


async def _arrow_to(pilot, selector: str, here, there: int, count: int) -> None:
    """Tab to a list and press Down or Up until ``here()`` (its cursor) is ``there``."""
    await tab_to(pilot, selector)
    for _ in range(2 * count + 1):
        at = here()
        if at == there:
            break
        await pilot.press("down" if at is None or at < there else "up")
    assert here() == there, f"the arrows never bring the cursor of {selector} to {there}"
    await pilot.pause()


async def to_row(pilot, selector: str, row: int, seen: str | None = None) -> None:
    """In a table: the cursor on ``row`` by the arrow keys. ``seen``, a cell of that row,
    must then be on the screen (else the caller checks what is seen)."""
    app = pilot.app
    table = app.screen.query_one(selector)
    await _arrow_to(pilot, selector, lambda: table.cursor_row, row, table.row_count)
    if seen is None:
        return
    await wait_until(pilot, lambda: seen in screen_text(app),
                     what=f"row {row} of {selector}, with the cursor, seen ({seen!r})")


async def to_option(pilot, selector: str, index: int) -> None:
    """In an option list: the highlight on option ``index`` by the arrow keys."""
    listing = pilot.app.screen.query_one(selector)
    await _arrow_to(pilot, selector, lambda: listing.highlighted, index, listing.option_count)


async def to_node(pilot, selector: str, node) -> None:
    """In a tree: the cursor on ``node`` (a shown one) by the arrow keys."""
    tree = pilot.app.screen.query_one(selector)
    assert node.line >= 0, f"{node.label} is not shown in {selector}"
    await _arrow_to(pilot, selector, lambda: tree.cursor_line, node.line, tree.last_line + 1)


async def pick_file(pilot, selector: str, path) -> None:
    """In a directory tree: the cursor on ``path`` by the arrow keys; its name must be on
    the screen; then Enter."""
    tree = pilot.app.screen.query_one(selector)
    node = next(n for n in tree.root.children if n.data is not None and n.data.path == path)
    await to_node(pilot, selector, node)
    assert path.name in screen_text(pilot.app), f"{path.name} has the cursor but is not seen"
    await pilot.press("enter")


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


def _pressable(char: str) -> bool:
    """Pilot.press sends this character as itself (it names keys by their Unicode names,
    and finds no character for a name such as "mobile_phone" or "white_circle")."""
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    key = _character_to_key(char) if not char.isalnum() else char
    try:
        sent = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        sent = key if len(key) == 1 else None
    return sent == char


async def keystroke(pilot, char: str) -> None:
    """One character as a terminal sends it when it is typed (an emoji from the keyboard's
    picker or an IME): the Key event Textual's input parser makes of it."""
    from textual import events
    from textual.keys import _character_to_key

    event = events.Key(_character_to_key(char), char)
    event.set_sender(pilot.app)
    pilot.app._driver.send_message(event)
    await pilot.pause()


async def type_into(pilot, text: str) -> None:
    """Type ``text`` key by key into whatever has the focus."""
    run = ""
    for char in text:
        if _pressable(char):
            run += char
            continue
        if run:
            await pilot.press(*run)
            run = ""
        await keystroke(pilot, char)
    if run:
        await pilot.press(*run)
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
    await tab_to(pilot, "#agree")                        # the box to tick, seen
    await pilot.press("space", "f5")
    await wait_until(pilot, on(app, ReadCardScreen), what="read card step")
    await pilot.press("enter")


async def registering(pilot, key: str = "national") -> None:
    """The demo card ``key`` in, [1] Register, the terms read: the identity step next."""
    await card_screen(pilot, key)
    await pilot.press("1")
    await through_terms_and_read(pilot)


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


async def staff_sign_in(pilot, staff_id: str, password: str) -> None:
    """F10, then the staff ID and the password typed and sent on the sign-in screen."""
    from screens.counter.sign_in import StaffSignInScreen

    await pilot.press("f10")
    await wait_until(pilot, on(pilot.app, StaffSignInScreen), what="staff sign-in")
    await type_into(pilot, staff_id)
    await pilot.press("enter")
    await type_into(pilot, password)
    await pilot.press("enter")


async def staff_signed_in(pilot, staff_id: str, password: str) -> None:
    """:func:`staff_sign_in`, and the staff menu up."""
    from screens.counter.home import StaffHomeScreen

    await staff_sign_in(pilot, staff_id, password)
    await wait_until(pilot, on(pilot.app, StaffHomeScreen), what="staff menu")
