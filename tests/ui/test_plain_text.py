"""Typed and stored text is shown as text, never parsed as Textual markup.

Two halves. The guard reads every module under screens/ (no terminal) and names each place
that goes around screens/widgets/plain.py: an OptionList, Option, DataTable or Tree built
or subclassed directly, a Static or Label without ``markup=False``, ``markup=True``, an
explicit ``from_markup``, a border title or tooltip set from a plain value. The sweep feeds
markup-shaped names, device names, streets, reasons, staff names, audit entries, mail
subjects and file names through every screen that shows them, in both languages at 80×24:
the kiosk must keep running, and the value must be on the terminal as typed (or masked,
where the screen masks names: kiosk/domain/mask.py). ``[@click=app.quit]`` is clicked too.
"""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest
from rich.cells import cell_len

from kiosk.domain.mask import mask_id, mask_name
from tests.ui.conftest import NOW, ScriptedMonitor, make_app, make_services, wait_until
from tests.ui.flows import (
    back_to_idle,
    card_screen,
    choose,
    fill,
    logged_in,
    login,
    menu,
    to_node,
    to_option,
    to_row,
    type_into,
)

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ROOT / "screens"
PLAIN = SCREENS / "widgets" / "plain.py"

# -- the guard -------------------------------------------------------------------------

#: Textual widgets that parse a ``str`` as markup unless built through plain.py.
PARSING = {"OptionList", "Option", "DataTable", "DirectoryTree", "Tree"}
#: Widgets that take ``markup=``: always False for the kiosk.
STATIC = {"Static", "Label"}
#: Attributes whose ``str`` value Textual parses as markup (Widget.render_str).
MARKUP_ATTRS = {"border_title", "border_subtitle", "tooltip"}


def _textual_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> Textual's name, for ``from textual... import X [as Y]``."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("textual"):
            for alias in node.names:
                names[alias.asname or alias.name] = alias.name
    return names


def _called(func: ast.expr, names: dict[str, str]) -> str | None:
    """The Textual name ``func`` refers to: ``OptionList`` or ``widgets.OptionList``."""
    if isinstance(func, ast.Name):
        return names.get(func.id)
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _markup_false(call: ast.Call) -> bool:
    return any(k.arg == "markup" and isinstance(k.value, ast.Constant) and k.value.value is False
               for k in call.keywords)


def _is_super_init(call: ast.Call) -> bool:
    func = call.func
    return (isinstance(func, ast.Attribute) and func.attr == "__init__"
            and isinstance(func.value, ast.Call) and isinstance(func.value.func, ast.Name)
            and func.value.func.id == "super")


def _is_literal_call(value: ast.expr) -> bool:
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) \
        and value.func.id == "literal"


def markup_problems(source: str, filename: str = "<source>") -> list[str]:
    """``file:line: what`` for each place in ``source`` where text could be read as markup."""
    tree = ast.parse(source, filename)
    names = _textual_names(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = _called(node.func, names)
            if called in PARSING:
                found.append((node.lineno, f"{called}(...) built directly: use "
                              "screens/widgets/plain.py (PlainOptionList, option, PlainTable, "
                              "PlainDirectoryTree)"))
            if called in STATIC and not _markup_false(node):
                found.append((node.lineno, f"{called}(...) without markup=False"))
            if isinstance(node.func, ast.Attribute) and node.func.attr == "from_markup":
                found.append((node.lineno, "from_markup(...) parses its text as markup"))
            for keyword in node.keywords:
                if keyword.arg == "markup" and not (isinstance(keyword.value, ast.Constant)
                                                    and keyword.value.value is False):
                    found.append((node.lineno, f"markup={ast.unparse(keyword.value)}"))
        elif isinstance(node, ast.ClassDef):
            bases = {_called(base, names) for base in node.bases}
            for base in sorted(bases & PARSING):
                found.append((node.lineno, f"class {node.name}({base}) subclasses Textual's "
                              f"{base} directly: subclass the plain.py one"))
            if bases & STATIC:
                inits = [c for c in ast.walk(node) if isinstance(c, ast.Call)
                         and _is_super_init(c)]
                if not inits or not all(_markup_false(c) for c in inits):
                    found.append((node.lineno, f"class {node.name} is a Static whose "
                                  "super().__init__ does not pass markup=False"))
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr in MARKUP_ATTRS \
                        and node.value is not None and not _is_literal_call(node.value):
                    found.append((node.lineno, f"{target.attr} = ... is parsed as markup: "
                                  "wrap the value in literal()"))
    return [f"{filename}:{line}: {what}" for line, what in sorted(found)]


def screen_modules() -> list[Path]:
    return sorted(p for p in SCREENS.rglob("*.py") if p != PLAIN)


def test_no_screen_module_goes_around_the_plain_widgets():
    problems = [problem for path in screen_modules()
                for problem in markup_problems(path.read_text(encoding="utf-8"),
                                               str(path.relative_to(ROOT)))]
    assert len(screen_modules()) > 20      # the walk found the screens
    assert problems == []


def unbounded_inputs(source: str, filename: str = "<source>") -> list[str]:
    """Every text box has a size limit: ``Input(...)`` and the ``super().__init__`` of an
    Input subclass pass ``max_length``."""
    tree = ast.parse(source, filename)
    problems = []
    inputs = {"Input", "SecretInput"} | {
        node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
        and any(isinstance(b, ast.Name) and b.id in ("Input", "SecretInput")
                for b in node.bases)}
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef) and n.name in inputs):
        methods = [m for m in cls.body if isinstance(m, ast.FunctionDef)]   # not nested classes
        for call in (c for m in methods for c in ast.walk(m) if isinstance(c, ast.Call)):
            if _is_super_init(call) and not any(k.arg == "max_length" for k in call.keywords):
                problems.append(f"{filename}:{call.lineno}: {cls.name} without max_length")
    for call in (c for c in ast.walk(tree) if isinstance(c, ast.Call)):
        name = call.func.id if isinstance(call.func, ast.Name) else None
        if name in ("Input", "SecretInput") and not any(k.arg == "max_length"
                                                        for k in call.keywords):
            if not any(k.arg is None for k in call.keywords):   # **kw from a helper
                problems.append(f"{filename}:{call.lineno}: {name}(...) without max_length")
    return problems


def test_every_text_box_has_a_size_limit():
    problems = [p for path in screen_modules()
                for p in unbounded_inputs(path.read_text("utf-8"), str(path.relative_to(ROOT)))]
    assert not problems, "\n".join(problems)
    assert unbounded_inputs("class A(Input):\n    def __init__(self):\n"
                            "        super().__init__(id='x')\n")
    assert unbounded_inputs("x = Input(value='')\n")
    assert not unbounded_inputs("x = Input(value='', max_length=3)\n")


BAD_SOURCES = {
    "option list": ("from textual.widgets import OptionList\n"
                    "from textual.widgets.option_list import Option\n"
                    "def compose(self, name):\n"
                    "    yield OptionList(Option(name))\n", [4, 4]),
    "aliased table": ("from textual.widgets import DataTable as Table\n"
                      "t = Table()\n", [2]),
    "module attribute": ("from textual import widgets\n"
                         "t = widgets.DirectoryTree('.')\n", [2]),
    "subclass": ("from textual.widgets import Tree, DirectoryTree\n"
                 "class Files(DirectoryTree):\n    pass\n"
                 "class Things(Tree):\n    pass\n", [2, 4]),
    "static": ("from textual.widgets import Static, Label\n"
               "a = Static(name)\nb = Label(name, markup=True)\nc = Static(name, **kw)\n",
               [2, 3, 3, 4]),
    "static subclass": ("from textual.widgets import Static\n"
                        "class Shows(Static):\n"
                        "    def __init__(self, text):\n"
                        "        super().__init__(text)\n"
                        "class Plain(Static):\n    pass\n", [2, 5]),
    "markup anywhere": ("self.notify(name, markup=True)\nx = Thing(markup=flag)\n", [1, 2]),
    "from markup": ("from textual.content import Content\nc = Content.from_markup(name)\n",
                    [2]),
    "border title": ("self.border_title = name\nself.tooltip = name\n", [1, 2]),
}


@pytest.mark.parametrize("source, lines", BAD_SOURCES.values(), ids=list(BAD_SOURCES))
def test_the_guard_names_each_way_around_the_plain_widgets(source, lines):
    problems = markup_problems(source, "screens/x.py")
    assert [int(p.split(":")[1]) for p in problems] == lines, problems
    assert all(p.startswith("screens/x.py:") for p in problems)


def test_the_guard_lets_the_plain_widgets_and_event_classes_through():
    source = (
        "from textual import on\n"
        "from textual.widgets import DataTable, OptionList, Static\n"
        "from screens.widgets.plain import PlainOptionList, PlainTable, literal, option\n"
        "class Picker(PlainOptionList):\n    pass\n"
        "class Note(Static):\n"
        "    def __init__(self, **kw):\n"
        "        super().__init__('', markup=False, **kw)\n"
        "def compose(self, name):\n"
        "    yield PlainOptionList(option(name), id='x')\n"
        "    yield PlainTable(id='t')\n"
        "    yield Static(name, markup=False)\n"
        "    self.query_one('#x', OptionList).focus()\n"
        "    self.border_title = literal(name)\n"
        "@on(DataTable.RowSelected)\n"
        "def picked(self, event: OptionList.OptionSelected) -> None:\n"
        "    OptionList.OptionSelected\n"
    )
    assert markup_problems(source) == []


# -- the sweep ----------------------------------------------------------------------------

LANGS = ["zh-TW", "en"]
SIZE = (80, 24)
CLICK = "[@click=app.quit]Tap me[/]"
CJK60 = ("臺北市中正區水源里汀州路一段健保卡申請作業行動裝置管理" * 3)[:60]
#: What a citizen, a clerk or an import might type: each must reach the screen as typed.
VALUES = ("[b]bold[/b]", "[/nope]x", CLICK, "\\[esc", "📱手機", CJK60)
#: Names are masked on screen; "[張]" masks to "[○]", a tag-shaped mask.
NAMES = (*VALUES, "[張]")
#: File names cannot hold "/", so no closing tag; the rest of the shapes.
FILES = ("[b]bold", "[@click=app.quit]Tap me", "\\[esc", "📱手機", CJK60)
CHANG, CHANG_CARD, CHANG_MAIL = "J128765432", "000077778888", "chang.demo@example.com"
STAFF_PASSWORD = "Counter#2026"


def shown(app) -> list[str]:
    """The terminal's lines as the active screen paints them."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def part_on_screen(text: str, width: int = 40) -> str:
    """What must be visible: all of a text that fits ``width`` cells, else its start (it
    wraps, or is cut at the column's edge)."""
    if cell_len(text) <= width:
        return text
    while cell_len(text) > min(width, 20):
        text = text[:-1]
    return text


def assert_shown(app, text: str, width: int = 40) -> None:
    """``text`` is painted, perhaps wrapped at a space or between wide characters."""
    assert app.is_running, "the kiosk exited"
    part = part_on_screen(text, width)
    lines = shown(app)
    cut = [line.strip() for line in lines]
    assert any(part in joined for joined in (" ".join(cut), "".join(cut))), \
        f"{part!r} is not on the screen:\n" + "\n".join(lines)


async def click_text(pilot, text: str, width: int = 40) -> None:
    """Click where ``text`` starts on the screen (it must be painted: shown as text, not
    as a link)."""
    start = part_on_screen(text, width).split(" ")[0]
    for y, line in enumerate(shown(pilot.app)):
        if (x := line.find(start)) >= 0:
            await pilot.click(offset=(cell_len(line[:x]) + 1, y))
            await pilot.pause()
            return
    pytest.fail(f"{start!r} is not on the screen to click")


def still_on(app, cls) -> None:
    assert app.is_running and app.return_code is None, "the kiosk exited"
    assert isinstance(app.screen, cls), f"{type(app.screen).__name__} instead of {cls.__name__}"


def plain(cell) -> str:
    return cell.plain if hasattr(cell, "plain") else str(cell)


@pytest.mark.parametrize("lang", LANGS)
async def test_the_card_screen_shows_a_holder_name_masked_never_as_markup(lang):
    """The simulated tray encodes names into the card's 20 cp950 bytes (no emoji, no 60
    characters), so the cards come through a scripted PC/SC monitor, as any card could."""
    from reader.demo import DEMO_BY_KEY
    from reader.events import EventKind
    from screens.card import CardScreen
    from screens.idle import IdleScreen

    monitor = ScriptedMonitor()
    app = make_app(lang=lang, demo=False, monitor=monitor)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        monitor.push(EventKind.READER_ATTACHED, "R0")
        for name in NAMES:
            card = replace(DEMO_BY_KEY["national"].card, name=name)
            monitor.push(EventKind.INSERTED, "R0", card=card)
            await wait_until(pilot, lambda card=card: isinstance(app.screen, CardScreen)
                             and app.screen.card == card, what=f"card of {name!r}")
            assert_shown(app, mask_name(name))
            if name == CLICK:
                await click_text(pilot, mask_name(name))
                still_on(app, CardScreen)
            monitor.push(EventKind.REMOVED, "R0")
            await wait_until(pilot, lambda: isinstance(app.screen, IdleScreen), what="idle")
        for value in (CLICK, "[/nope]x"):                   # a toast (KioskApp.notify)
            app.notify(value, timeout=30)
            await wait_until(pilot, lambda v=value: part_on_screen(v) in "".join(shown(app)),
                             what=f"toast {value!r}")
            await click_text(pilot, value)                   # a click dismisses it
            still_on(app, IdleScreen)


def jpeg(path: Path) -> Path:
    from PIL import Image

    Image.effect_noise((300, 400), 40).convert("RGB").save(path, "JPEG")
    return path


def application_form(street: str):
    from kiosk.domain import address
    from kiosk.domain.replacement.applications import Form, MailAddress

    county = address.find_county("臺北市")
    district = next(d for d in address.districts(county.code) if d.name == "中正區")
    village = next(v for v in address.villages(district.code) if v.name == "水源里")
    return Form(reason="lost", email=CHANG_MAIL, phone_area="02", phone_number="23456789",
                phone_ext="", pickup="mail", with_photo=False,
                mail_address=MailAddress(address.Address(county, district, village, 12),
                                         street))


def seed_mails(services) -> None:
    """Receipts naming the holder in their body (as paying does), and mails whose subject
    is markup-shaped, as another writer of the outbox could leave them."""
    from kiosk.domain.mail import MailKind, compose
    from store.outbox import Outbox

    for name in VALUES:
        services.mail.queue(MailKind.CARD_RECEIPT, CHANG_MAIL, name=name, atm_no="9500",
                            amount=200, receipt_no="R1", paid_at=NOW, insured_until=NOW)
    outbox = Outbox(services.store)
    for subject in VALUES:
        outbox.add({**compose(MailKind.REGISTERED, CHANG_MAIL, NOW), "subject": subject})


def seed_citizen(app) -> None:
    """張志明's applications, each with a markup-shaped holder name (the logged-in name)
    and mailing street, and mails."""
    from kiosk.domain.session import Session

    for value in NAMES:
        session = Session(CHANG, CHANG_CARD, value, NOW)
        app.applications.apply(session, application_form(value))
    seed_mails(app.services)


async def bind_devices(pilot) -> dict[str, str]:
    """Each value as a device name, typed into the demo app (行動裝置認證, F9); device ID
    -> name. A device name has at most 40 characters."""
    from kiosk.domain.binding.devices import MAX_NAME
    from screens.binding.devices import DeviceCodeScreen
    from screens.phone_app import AppPanelScreen
    from screens.services import ServicesScreen

    app = pilot.app
    for value in VALUES:
        name = value[:MAX_NAME]
        await pilot.press("1")                               # 行動裝置認證
        await wait_until(pilot, lambda: isinstance(app.screen, DeviceCodeScreen), what="code")
        await pilot.press("f5", "f9")                        # 【產生裝置認證碼】, the app
        await wait_until(pilot, lambda: isinstance(app.screen, AppPanelScreen), what="app")
        await fill(pilot, "device", name)                    # typed, key by key
        await pilot.press("enter")
        await wait_until(pilot, lambda n=name: app.devices.named(CHANG, n) is not None,
                         what=f"{name!r} bound")
        assert_shown(app, name)                              # "<name>" is now bound
        if name == CLICK:
            await click_text(pilot, name)
            still_on(app, AppPanelScreen)
        await pilot.press("escape", "escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ServicesScreen), what="services")
    return {d["device_id"]: d["name"] for d in app.devices.of_holder(CHANG)}


async def check_devices(pilot, names: dict[str, str]) -> None:
    from screens.binding.devices import ConfirmUnbind, DevicesScreen

    app = pilot.app
    await pilot.press("2")                                   # 行動裝置管理作業
    await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen), what="devices")
    listing = app.screen.query_one("#devices")
    assert listing.option_count == len(names)
    for device_id, name in names.items():
        index = listing.get_option_index(device_id)
        assert name in str(listing.get_option_at_index(index).prompt)
        await to_option(pilot, "#devices", index)
        assert_shown(app, name)
        await pilot.press("delete")                          # 解除綁定? then no
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmUnbind), what="confirm")
        assert_shown(app, name)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen), what="list")
        if name == CLICK:
            await click_text(pilot, name)
            still_on(app, DevicesScreen)
    unbind = next(i for i, n in names.items() if n == "[/nope]x")
    await to_option(pilot, "#devices", listing.get_option_index(unbind))
    await pilot.press("delete")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmUnbind), what="confirm")
    await pilot.press("enter")                               # this one goes
    await wait_until(pilot, lambda: isinstance(app.screen, DevicesScreen)
                     and listing.option_count == len(names) - 1, what="unbound")
    assert_shown(app, "[/nope]x")                            # "... is no longer bound"
    await pilot.press("escape")


async def check_applications(pilot) -> None:
    from screens.replacement.applications import ActionsModal, ApplicationsScreen
    from screens.services import ServicesScreen

    app = pilot.app
    await wait_until(pilot, lambda: isinstance(app.screen, ServicesScreen), what="services")
    await pilot.press("5")                                   # 健保卡申請作業
    await wait_until(pilot, lambda: isinstance(app.screen, ApplicationsScreen), what="list")
    screen = app.screen
    table = screen.query_one("#apps")
    assert table.row_count == len(NAMES)
    for row, application in enumerate(screen.rows):
        holder, street = application["holder_name"], application["mail_address"]["street"]
        assert holder == street and holder in NAMES
        cells = [plain(cell) for cell in table.get_row_at(row)]
        assert cells[0] == mask_name(holder) and cells[6].endswith("12鄰" + street)
        await to_row(pilot, "#apps", row)
        assert_shown(app, mask_name(holder))                 # the list
        assert_shown(app, street)                            # the detail line under it
        if holder == CLICK:
            await click_text(pilot, street)                  # on the detail line
            still_on(app, ApplicationsScreen)
            await click_text(pilot, mask_name(holder))       # on the row: its actions
            await wait_until(pilot, lambda: isinstance(app.screen, ActionsModal),
                             what="actions")
            assert_shown(app, application["atm_no"])
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, ApplicationsScreen),
                             what="list again")


async def pick_in_tree(pilot, tree_id: str, suffix: str) -> str:
    """A file picker lists every file name as typed, and a click on one picks it."""
    app = pilot.app
    tree = app.screen.query_one(tree_id)
    files = {f"{stem}{suffix}" for stem in FILES} | {"[red]folder"}
    await wait_until(pilot, lambda: {n.label.plain for n in tree.root.children} == files,
                     what="files listed")
    assert_shown(app, Path(tree.path).name)                  # the root: a "[b]..." folder
    for node in tree.root.children:
        await to_node(pilot, tree_id, node)
        assert_shown(app, node.label.plain, width=tree.size.width - 8)   # guides, icon
    chosen = f"{FILES[1]}{suffix}"
    await to_node(pilot, tree_id, next(n for n in tree.root.children if n.label.plain == chosen))
    await click_text(pilot, chosen, width=tree.size.width - 8)
    return chosen


async def check_photo_picker(pilot, folder: Path) -> None:
    from screens.replacement.apply_form import ApplyFormScreen
    from screens.replacement.photo_picker import PhotoPickerScreen, PreviewScreen

    app = pilot.app
    await pilot.press("f5")                                  # 新增
    await wait_until(pilot, lambda: isinstance(app.screen, ApplyFormScreen), what="form")
    await choose(pilot, "kind", "photo")
    await pilot.press("f4")
    await wait_until(pilot, lambda: isinstance(app.screen, PhotoPickerScreen), what="picker")
    chosen = await pick_in_tree(pilot, "#tree", ".jpg")       # a click picks the file
    await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen), what="preview")
    assert_shown(app, chosen)                                # "<name>: 300×400 pixels"
    await pilot.press("escape")
    await wait_until(pilot, lambda: isinstance(app.screen, PhotoPickerScreen), what="picker")


async def check_outbox(pilot) -> None:
    from screens.idle import IdleScreen
    from screens.outbox import MailScreen, OutboxScreen

    app = pilot.app
    await back_to_idle(pilot)
    await menu(pilot, "menu.outbox")
    await wait_until(pilot, lambda: isinstance(app.screen, OutboxScreen), what="outbox")
    mails = {m["id"]: m for m in app.services.mails()}
    listing = app.screen.query_one("#mails")
    for value in VALUES:
        (by_subject,) = [i for i, m in mails.items() if m["subject"] == value]
        (by_body,) = [i for i, m in mails.items() if value in m["body"]]
        await to_option(pilot, "#mails", listing.get_option_index(str(by_subject)))
        assert value in str(listing.get_option_at_index(listing.highlighted).prompt)
        assert_shown(app, value)
        await to_option(pilot, "#mails", listing.get_option_index(str(by_body)))
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MailScreen), what="mail")
        assert_shown(app, value)                             # "... a new NHI card for <name>"
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, OutboxScreen), what="outbox")
    (click,) = [i for i, m in mails.items() if m["subject"] == CLICK]
    await to_option(pilot, "#mails", listing.get_option_index(str(click)))
    await click_text(pilot, CLICK)                           # a click opens the mail
    await wait_until(pilot, lambda: isinstance(app.screen, MailScreen), what="clicked mail")
    assert_shown(app, CLICK)                                 # its subject is the title
    await click_text(pilot, CLICK)
    still_on(app, MailScreen)
    await back_to_idle(pilot)
    still_on(app, IdleScreen)


@pytest.mark.parametrize("lang", LANGS)
async def test_a_citizens_devices_applications_photos_and_mail_show_text_as_typed(
        lang, tmp_path):
    from kiosk.domain.demo_people import DEMO_PASSWORD

    folder = tmp_path / "[b]photos"
    folder.mkdir()
    (folder / "[red]folder").mkdir()
    for stem in FILES:
        jpeg(folder / f"{stem}.jpg")
    app = make_app(lang=lang, photo_dir=folder)
    async with app.run_test(size=SIZE) as pilot:
        seed_citizen(app)
        app.services.accounts.modify(CHANG, lambda _account: {"name": "[張]"})
        await card_screen(pilot, "registered")
        await pilot.press("escape")
        await login(pilot, DEMO_PASSWORD)
        await logged_in(pilot)
        assert_shown(app, mask_name("[張]"))                 # "Welcome, [○]"
        await check_devices(pilot, await bind_devices(pilot))
        await check_applications(pilot)
        await check_photo_picker(pilot, folder)
        await check_outbox(pilot)


def staff_services(names) -> tuple[object, list[str]]:
    """A store with one clerk per markup-shaped name, and mails with such subjects."""
    from kiosk.domain.counter.staff import Staff

    services = make_services()
    staff = Staff(services.store, services.clock)
    ids = [f"clerk{n}" for n, _ in enumerate(names)]
    for staff_id, name in zip(ids, names, strict=True):
        staff.add(staff_id, name, STAFF_PASSWORD)
    seed_mails(services)
    return services, ids


async def sign_in(pilot, staff_id: str) -> None:
    from screens.counter.home import StaffHomeScreen
    from screens.counter.sign_in import StaffSignInScreen

    app = pilot.app
    await pilot.press("f10")
    await wait_until(pilot, lambda: isinstance(app.screen, StaffSignInScreen), what="sign-in")
    await fill(pilot, "staff_id", staff_id)
    await fill(pilot, "password", STAFF_PASSWORD)
    await pilot.press("enter")                               # the last field: signs in
    await wait_until(pilot, lambda: isinstance(app.screen, StaffHomeScreen), what="staff menu")


async def check_person(pilot) -> None:
    """張志明 suspended with each reason, then reactivated: the reason is on his panel."""
    from screens.counter.desk import PersonScreen, ReasonModal

    app = pilot.app
    await pilot.press("2")
    await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen), what="person")
    await type_into(pilot, CHANG)
    await pilot.press("enter", "enter")                      # past the document kind
    await type_into(pilot, CHANG)
    await pilot.press("enter")
    await wait_until(pilot, lambda: app.screen.person is not None, what="looked up")
    screen = app.screen
    assert_shown(app, mask_name(screen.person.name))
    for reason in VALUES:
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, ReasonModal), what="reason")
        await fill(pilot, "#reason", reason)
        await pilot.press("enter")
        await wait_until(pilot, lambda r=reason: app.screen is screen and screen.person.reason
                         == r, what=f"suspended for {reason!r}")
        assert_shown(app, reason)                            # "... Suspended — <reason>"
        if reason == CLICK:
            await click_text(pilot, reason)
            still_on(app, PersonScreen)
        await pilot.press("f4")
        await wait_until(pilot, lambda: screen.person.reason is None, what="reactivated")
    await pilot.press("escape")


def seed_audit(app) -> None:
    """Entries the log may hold from elsewhere (an older kiosk, a script): markup-shaped
    staff IDs, actions, persons (masked: "[/nope]x" is kept as "[/n**e]x") and detail keys
    and values. The log shows what it holds."""
    for value in VALUES:
        app.staff.audit.record(value, value, value, **{value: value})


async def check_audit(pilot) -> None:
    from screens.counter.audit import AuditScreen

    app = pilot.app
    await pilot.press("4")
    await wait_until(pilot, lambda: isinstance(app.screen, AuditScreen), what="audit log")
    table = app.screen.query_one("#audit")
    rows = [[plain(cell) for cell in table.get_row_at(r)] for r in range(table.row_count)]
    for value in VALUES:
        (row,) = [r for r, cells in enumerate(rows) if cells[1] == value]   # seeded
        assert rows[row][2:] == [value, mask_id(value), f"{value}={value}"]
        assert any(cells[2] != value and f"={value} " in cells[4]           # a suspension
                   for cells in rows)
        await to_row(pilot, "#audit", row)
        assert_shown(app, value)                             # staff, action: on the left
        if value == CLICK:
            await click_text(pilot, value)
            still_on(app, AuditScreen)
    await fill(pilot, "staff", "[/nope]x")                   # a filter typed as markup
    await pilot.press("enter")
    await wait_until(pilot, lambda: table.row_count == 1, what="filtered")
    assert plain(table.get_row_at(0)[1]) == "[/nope]x"
    assert_shown(app, "[/nope]x")
    await pilot.press("escape")


async def check_staff_outbox(pilot) -> None:
    from screens.counter.outbox import StaffOutboxScreen

    app = pilot.app
    await pilot.press("5")
    await wait_until(pilot, lambda: isinstance(app.screen, StaffOutboxScreen), what="outbox")
    table = app.screen.query_one("#outbox")
    subjects = [plain(table.get_row_at(r)[2]) for r in range(table.row_count)]
    for value in VALUES:
        await to_row(pilot, "#outbox", subjects.index(value))
        assert_shown(app, value)
        if value == CLICK:
            await click_text(pilot, value)
            still_on(app, StaffOutboxScreen)
    await pilot.press("escape")


async def check_batch(pilot) -> None:
    from screens.counter.batch import BatchScreen

    app = pilot.app
    await pilot.press("3")
    await wait_until(pilot, lambda: isinstance(app.screen, BatchScreen), what="batch")
    await pick_in_tree(pilot, "#batch-tree", ".zip")          # a click imports it
    await wait_until(pilot, lambda: app.screen.busy or app.screen.query_one(
        "#batch-result").display, what="import started")
    await wait_until(pilot, lambda: not app.screen.busy, what="import done")
    still_on(app, BatchScreen)                               # not a zip: refused, said so
    await pilot.press("escape")


@pytest.mark.parametrize("lang", LANGS)
async def test_staff_screens_show_names_reasons_logs_subjects_and_files_as_typed(
        lang, tmp_path):
    from reader.demo import DEMO_BY_KEY
    from reader.events import EventKind
    from screens.counter.home import StaffHomeScreen
    from screens.idle import IdleScreen

    folder = tmp_path / "[b]units"                        # shown in the hint and the tree
    folder.mkdir()
    (folder / "[red]folder").mkdir()
    for stem in FILES:
        (folder / f"{stem}.zip").write_bytes(b"not a zip")
    services, ids = staff_services(VALUES)
    monitor = ScriptedMonitor()
    app = make_app(lang=lang, demo=False, monitor=monitor, services=services,
                   batch_dir=folder)
    async with app.run_test(size=SIZE) as pilot:
        monitor.push(EventKind.READER_ATTACHED, "R0")
        for staff_id, name in zip(ids, VALUES, strict=True):  # "Signed in: <name> (<id>)"
            await sign_in(pilot, staff_id)
            assert_shown(app, name)
            if name == CLICK:
                await click_text(pilot, name)
                still_on(app, StaffHomeScreen)
            await pilot.press("6")                           # sign out
            await wait_until(pilot, lambda: isinstance(app.screen, IdleScreen), what="idle")
        await sign_in(pilot, ids[0])
        for name in NAMES:                                   # a card at the counter
            card = replace(DEMO_BY_KEY["national"].card, name=name)
            monitor.push(EventKind.INSERTED, "R0", card=card)
            await wait_until(pilot, lambda card=card: app.current_card() == card,
                             what=f"card of {name!r}")
            await pilot.pause()
            still_on(app, StaffHomeScreen)
            assert_shown(app, mask_name(name))
            monitor.push(EventKind.REMOVED, "R0")
            await wait_until(pilot, lambda: app.current_card() is None, what="card out")
        app.services.accounts.modify(CHANG, lambda _account: {"name": "[b]bold[/b]"})
        await check_person(pilot)
        seed_audit(app)
        await check_audit(pilot)
        await check_staff_outbox(pilot)
        await check_batch(pilot)
        still_on(app, StaffHomeScreen)


def test_literal_keeps_a_texts_styles_and_never_parses():
    from rich.text import Text

    from screens.widgets.plain import literal, option

    styled = Text("中正區 ")
    styled.append("[b]100[/b]", style="dim")
    content = literal(styled)
    assert content.plain == "中正區 [b]100[/b]" and content.spans     # dim postal code kept
    assert literal("[/nope]x").plain == "[/nope]x" and not literal("[/nope]x").spans
    assert str(option(CLICK).prompt) == CLICK
