"""Staff mode at the terminal: the F10 door, the menu, each counter operation with its
audit entry, the session's end by idleness, and no way in for the public."""

from __future__ import annotations

from pathlib import Path

from kiosk.domain.counter.audit import Audit
from kiosk.domain.counter.staff import Staff
from screens.base import card_policy_of
from screens.card_policy import CardPolicy
from screens.counter.audit import AuditScreen
from screens.counter.batch import BatchScreen
from screens.counter.desk import (
    CounterRegisterScreen,
    DoneModal,
    PersonScreen,
    ReasonModal,
    StaffCodeScreen,
)
from screens.counter.home import LeaveScreen, StaffHomeScreen
from screens.counter.outbox import StaffOutboxScreen
from screens.counter.sign_in import StaffSignInScreen
from screens.idle import IdleScreen
from tests.ui.conftest import make_app, make_services, screen_text, wait_until
from tests.ui.flows import fill, on, staff_signed_in, tab_to, type_into

SIZE = (80, 24)
STAFF_PASSWORD = "Counter#2026"


def staffed_app(**kw):
    services = make_services()
    Staff(services.store, services.clock).add("chen01", "陳櫃員", STAFF_PASSWORD)
    return make_app(services=services, **kw)


def actions(app) -> list[str]:
    return [e["action"] for e in Audit(app.services.store, app.services.clock).entries()]


async def signed_in(pilot, password: str = STAFF_PASSWORD) -> None:
    await staff_signed_in(pilot, "chen01", password)


MENU = {CounterRegisterScreen: "1", PersonScreen: "2", BatchScreen: "3", AuditScreen: "4",
        StaffOutboxScreen: "5"}


async def staff_item(pilot, screen: type) -> None:
    """From the staff menu, the item that opens ``screen``."""
    await pilot.press(MENU[screen])
    await wait_until(pilot, on(pilot.app, screen), what=screen.__name__)


async def import_first_file(pilot) -> None:
    """On the batch screen: the first file the picker lists, imported (Enter)."""
    tree = pilot.app.screen.query_one("#batch-tree")
    await wait_until(pilot, lambda: tree.root.children, what="files listed")
    await pilot.press("down", "enter")


async def person_form(pilot, id_no: str = "J128765432", submit: bool = True) -> None:
    """From the staff menu: the person screen, the ID and their ID card's number."""
    await staff_item(pilot, PersonScreen)
    await type_into(pilot, id_no)
    await pilot.press("enter", "enter")    # past the document kind: ID card
    await type_into(pilot, id_no)
    if submit:
        await pilot.press("enter")
        await wait_until(pilot, lambda: pilot.app.screen.person is not None, what="looked up")


async def test_sign_in_refuses_a_wrong_password_and_staff_leave_the_kiosk():
    app = staffed_app(lang="en", demo=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f10")
        await wait_until(pilot, on(app, StaffSignInScreen))
        await type_into(pilot, "chen01")
        await pilot.press("enter")
        await type_into(pilot, "not the password")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "4" in screen_text(app) and "password" in
                         screen_text(app).lower(), what="tries left")
        assert app.screen.query_one("#f-password").value == ""   # not kept on screen
        assert app.staff_session is None
        await type_into(pilot, STAFF_PASSWORD)
        await pilot.press("enter")
        await wait_until(pilot, on(app, StaffHomeScreen))
        assert "陳櫃員 (chen01)" in screen_text(app)
        await pilot.press("0")
        await wait_until(pilot, on(app, LeaveScreen))
        await pilot.press("escape")
        await wait_until(pilot, on(app, StaffHomeScreen))
        await pilot.press("0", "enter")
        await wait_until(pilot, lambda: not app.is_running, what="exit")
    assert actions(app)[:3] == ["exit", "sign_out", "sign_in"]


async def test_the_demo_names_its_staff_and_f10_twice_leaves():
    app = make_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f10")
        await wait_until(pilot, on(app, StaffSignInScreen))
        assert "Counter@2026" in screen_text(app)
        await pilot.press("f10")
        await wait_until(pilot, lambda: not app.is_running, what="exit")


async def test_the_public_never_reaches_a_staff_screen():
    app = staffed_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        for screen in (StaffHomeScreen(), AuditScreen(), PersonScreen(), BatchScreen(),
                       StaffOutboxScreen(), CounterRegisterScreen()):
            app.push_screen(screen)     # whatever a bug or a key might push
            await wait_until(pilot, on(app, StaffSignInScreen), what="the sign-in instead")
            assert not any(card_policy_of(s) is CardPolicy.STAFF for s in app.screen_stack)
            await pilot.press("escape")
            await wait_until(pilot, on(app, IdleScreen))
        for key in "1234567890":        # every public menu item, then back out
            await pilot.press(key)
            await pilot.pause()
            assert not any(card_policy_of(s) is CardPolicy.STAFF for s in app.screen_stack)
            while not isinstance(app.screen, IdleScreen):
                app.action_go_idle()
                await pilot.pause()


async def test_an_idle_staff_session_ends_by_itself():
    app = staffed_app(lang="en")
    app.idle_check_s = 0.02
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        await staff_item(pilot, AuditScreen)
        app.services.clock.advance(minutes=10)
        await wait_until(pilot, on(app, IdleScreen), what="staff idle timeout")
        assert app.staff_session is None
        assert actions(app)[0] == "sign_out_idle"


async def test_a_clerk_pressing_keys_is_not_idle():
    app = staffed_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        await staff_item(pilot, AuditScreen)
        for _ in range(12):                       # twelve minutes reading the log
            app.services.clock.advance(minutes=1)
            await pilot.press("down")
        await pilot.press("escape")
        await person_form(pilot)
        assert app.staff_session is not None


async def test_an_action_after_the_idle_limit_is_refused_and_signs_out():
    """The domain keeps the limit too: a kiosk clock jump cannot keep a session alive."""
    app = staffed_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        await person_form(pilot, submit=False)
        app.services.clock.advance(minutes=11)
        await pilot.press("enter")
        await wait_until(pilot, on(app, IdleScreen), what="signed out")
        assert app.staff_session is None


async def test_a_card_under_a_dialog_neither_ends_staff_mode_nor_is_missed():
    app = staffed_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        await staff_item(pilot, CounterRegisterScreen)
        app.monitor.insert("child")
        await wait_until(pilot, lambda: "林○美" in screen_text(app), what="card line")
        assert app.screen.query_one("#f-doc_kind").value == "household"   # under 14
        await pilot.press("escape", "0")
        await wait_until(pilot, on(app, LeaveScreen))
        app.monitor.remove()
        app.monitor.insert("national")
        await wait_until(pilot, lambda: app.current_card() is not None
                         and app.current_card().id_no == "A123456789", what="second card")
        assert isinstance(app.screen, LeaveScreen) and app.staff_session is not None
        await pilot.press("escape")
        await wait_until(pilot, lambda: "A12****789" in screen_text(app), what="home line")


async def test_counter_registration_from_the_card_in_the_reader():
    app = staffed_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        app.monitor.insert("national")
        await wait_until(pilot, lambda: "A12****789" in screen_text(app), what="card line")
        assert isinstance(app.screen, StaffHomeScreen)   # the card did not end staff mode
        await staff_item(pilot, CounterRegisterScreen)
        await pilot.press("enter")                        # document: ID card
        await type_into(pilot, "A123456780")              # a typo: someone else's number
        await pilot.press("enter")
        for text in ("Nhi@2026x", "Nhi@2026x", "", ""):
            await type_into(pilot, text)
            await pilot.press("enter")
        await wait_until(pilot, lambda: "not this person" in screen_text(app))
        assert app.registration.state_of(app.current_card()) is None
        await fill(pilot, "doc_number", "A123456789")    # nothing else is lost
        await tab_to(pilot, "#f-phone")
        await pilot.press("enter")
        await wait_until(pilot, on(app, DoneModal))
        assert "王○明 (A12****789) is registered and active" in screen_text(app)
        await pilot.press("enter")
        await wait_until(pilot, on(app, StaffHomeScreen))
        assert app.registration.state_of(app.current_card()).value == "active"
        assert actions(app)[0] == "register"


async def test_suspend_reactivate_release_and_bind_for_a_person():
    app = staffed_app(lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        await staff_item(pilot, PersonScreen)
        app.monitor.insert("registered")                 # the card fills the ID in
        await wait_until(pilot, lambda: app.screen.query_one("#f-id_no").value ==
                         "J128765432", what="ID from the card")
        await tab_to(pilot, "#f-doc_number")
        await type_into(pilot, "J128765432")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "J12****432" in screen_text(app), what="person")
        assert "c***@example.com" in screen_text(app) and "registered" in screen_text(app)
        await pilot.press("f3")
        await wait_until(pilot, on(app, ReasonModal))
        await type_into(pilot, "lost wallet")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Suspended." in screen_text(app))
        assert "lost wallet" in screen_text(app)
        await pilot.press("f4")
        await wait_until(pilot, lambda: "Reactivated." in screen_text(app))
        await pilot.press("f5")
        await wait_until(pilot, lambda: "Nothing was locked" in screen_text(app))
        await pilot.press("f6")
        await wait_until(pilot, on(app, StaffCodeScreen))
        assert len(app.screen.shown_code) == 8
        assert actions(app)[:5] == ["bind_device", "release_locks", "reactivate", "suspend",
                                    "look_up"]


async def test_the_audit_log_filters_by_action_in_either_language():
    app = staffed_app(lang="zh-TW")
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        await staff_item(pilot, AuditScreen)
        table = app.screen.query_one("#audit")
        assert table.row_count == 2                      # staff added, signed in
        await tab_to(pilot, "#f-action")
        await type_into(pilot, "登入")
        await pilot.press("enter")
        await wait_until(pilot, lambda: table.row_count == 1, what="filtered")
        assert "完整" in screen_text(app)                # the hash chain is whole


async def test_a_running_import_is_not_abandoned(tmp_path: Path, monkeypatch):
    import threading

    from kiosk.domain.counter.batch import Batch

    folder = tmp_path / "units"
    folder.mkdir()
    (folder / "11000000120260801.csv").write_text("A123456789,a@example.com\n")
    release, original = threading.Event(), Batch.import_file

    def held(self, *args, **kw):
        release.wait(10)
        return original(self, *args, **kw)

    monkeypatch.setattr(Batch, "import_file", held)
    app = staffed_app(lang="en", batch_dir=folder)
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        await staff_item(pilot, BatchScreen)
        await import_first_file(pilot)
        await wait_until(pilot, lambda: app.screen.busy, what="import running")
        await pilot.press("f10", "escape")
        await pilot.pause()
        assert isinstance(app.screen, BatchScreen)       # neither key leaves it
        release.set()
        await wait_until(pilot, lambda: "1 registered" in screen_text(app), what="summary")
        assert actions(app)[0] == "batch_import"


async def test_batch_import_from_the_staff_screen(tmp_path: Path):
    folder = tmp_path / "units"
    folder.mkdir()
    (folder / "11000000120260801.csv").write_text(
        "身分證號,電子郵件\nA123456789,a@example.com\nB220123455,b@example.com\nbad,x\n",
        encoding="utf-8")
    (folder / "notes.txt").write_text("not a unit file")
    app = staffed_app(lang="en", batch_dir=folder)
    async with app.run_test(size=SIZE) as pilot:
        await signed_in(pilot)
        await staff_item(pilot, BatchScreen)
        tree = app.screen.query_one("#batch-tree")
        await import_first_file(pilot)
        assert [n.label.plain for n in tree.root.children] == ["11000000120260801.csv"]
        await wait_until(pilot, lambda: "2 registered" in screen_text(app), timeout=15,
                         what="import summary")
        assert "1 rejected" in screen_text(app)
        # the rejected row counts as a person submitted (issue 15): 2 of 3
        assert "110000001" in screen_text(app) and "2/3 67%" in screen_text(app)
        assert actions(app)[0] == "batch_import"
