"""The address picker, driven from the keyboard only (Pilot), and how it looks at 80×24.

Snapshots: ``pytest tests/ui/test_address_picker.py --snapshot-update``, then review the SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.binding import Binding
from textual.widgets import Input, OptionList, Static

import screens
from kiosk.domain import address as addr
from kiosk.domain.clock import FixedClock
from kiosk.domain.i18n import Catalog
from screens.base import KioskScreen
from screens.host import ReaderStatus
from screens.widgets.address_picker import AddressPicker
from screens.widgets.text import Tr
from tests.ui.conftest import NOW, wait_until


class PickerScreen(KioskScreen):
    def body(self):
        yield Tr("address.title", classes="screen-title")
        yield AddressPicker(id="picker")

    def on_mount(self) -> None:
        self.query_one(AddressPicker).focus()


class PickerApp(App[None]):
    """Just enough of the kiosk host for the frame (title, status and key bars) and the picker."""

    CSS_PATH = str(Path(screens.__file__).with_name("kiosk.tcss"))
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("f2", "toggle_lang", "key.lang", priority=True)]

    def __init__(self, lang: str = "zh-TW") -> None:
        super().__init__()
        self.catalog = Catalog(lang)
        self.clock = FixedClock(NOW)
        self.demo = False
        self.status = ReaderStatus(backend="sim", readers={"Simulated NHI reader 00": False})
        self.changes: list[addr.Address | None] = []

    def get_default_screen(self) -> PickerScreen:
        return PickerScreen()

    def on_address_picker_changed(self, event: AddressPicker.Changed) -> None:
        assert event.control is self.picker
        self.changes.append(event.value)

    def action_toggle_lang(self) -> None:
        self.catalog.toggle()
        self.screen.refresh_language()
        for picker in self.screen.query(AddressPicker):
            picker.refresh_text()

    @property
    def picker(self) -> AddressPicker:
        return self.screen.query_one(AddressPicker)


# -- helpers ---------------------------------------------------------------------------------
def box(app: PickerApp, kind: str) -> Input:
    return app.picker.query_one(f"#address-{kind}", Input)


def options(app: PickerApp) -> list[str]:
    dropdown = app.picker.query_one(OptionList)
    if not dropdown.display or not dropdown.has_class("-open"):
        return []
    return [" ".join(str(o.prompt).split()) for o in dropdown.options]


def highlighted(app: PickerApp) -> str:
    dropdown = app.picker.query_one(OptionList)
    return " ".join(str(dropdown.get_option_at_index(dropdown.highlighted).prompt).split())


def message(app: PickerApp) -> str:
    return str(app.picker.query_one("#address-message", Static).render())


def focused_kind(app: PickerApp) -> str | None:
    focused = app.focused
    return focused.id.removeprefix("address-") if focused and focused.id else None


async def started(pilot) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: focused_kind(app) == "county", what="county focused")


async def type_text(pilot, text: str) -> None:
    await pilot.press(*text)
    await pilot.pause()


async def choose(pilot, text: str, next_kind: str) -> None:
    """Type to filter, Enter, and wait for the next field to take the focus."""
    await type_text(pilot, text)
    await pilot.press("enter")
    await wait_until(pilot, lambda: focused_kind(pilot.app) == next_kind, what=next_kind)


async def up_to_neighborhood(pilot) -> None:
    await started(pilot)
    await choose(pilot, "台北", "district")
    await choose(pilot, "中正", "village")
    await choose(pilot, "幸福", "neighborhood")


def xingfu(n: int = 12) -> addr.Address:
    county = addr.find_county("臺北市")
    district = next(d for d in addr.districts(county.code) if d.name == "中正區")
    village = next(v for v in addr.villages(district.code) if v.name == "幸福里")
    return addr.Address(county, district, village, n)


# -- behaviour -------------------------------------------------------------------------------
async def test_type_to_filter_and_enter_picks_a_whole_address():
    app = PickerApp("zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        assert app.picker.value is None
        assert box(app, "district").disabled and box(app, "village").disabled
        assert box(app, "neighborhood").disabled
        assert options(app)[:3] == ["臺北市", "基隆市", "新北市"]   # postal order, all 22
        assert len(options(app)) == 22

        await type_text(pilot, "台北")
        assert options(app) == ["臺北市"]
        await pilot.press("enter")
        await wait_until(pilot, lambda: focused_kind(app) == "district", what="district")
        assert box(app, "county").value == "臺北市"
        assert not box(app, "district").disabled and box(app, "village").disabled
        assert options(app)[0] == "中正區 100"

        await choose(pilot, "中正", "village")
        assert box(app, "district").value == "中正區"
        await type_text(pilot, "幸")
        assert options(app) == ["幸福里", "幸市里"]
        await pilot.press("enter")
        await wait_until(pilot, lambda: focused_kind(app) == "neighborhood", what="鄰")
        assert box(app, "village").value == "幸福里"
        assert options(app) == []          # no dropdown for the neighbourhood
        assert app.picker.value is None

        await type_text(pilot, "12")
        value = app.picker.value
        assert value == xingfu(12)
        assert value.postal_code == "100"
        assert value.format("zh-TW") == "臺北市中正區幸福里12鄰"
        assert message(app) == "郵遞區號 100　臺北市中正區幸福里12鄰"
        assert app.changes[-1] == value
        assert app.changes == [xingfu(1), xingfu(12)]   # one Changed per change


async def test_up_down_move_and_postal_code_filters_districts():
    app = PickerApp("zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await choose(pilot, "臺北市", "district")
        assert highlighted(app) == "中正區 100"
        await pilot.press("down", "down")
        assert highlighted(app) == "中山區 104"
        await pilot.press("up")
        assert highlighted(app) == "大同區 103"
        await pilot.press("enter")
        await wait_until(pilot, lambda: focused_kind(app) == "village", what="village")
        assert box(app, "district").value == "大同區"

        await pilot.press("shift+tab")
        await wait_until(pilot, lambda: focused_kind(app) == "district", what="district")
        assert highlighted(app) == "大同區 103"   # the current choice, all entries shown
        await type_text(pilot, "114")
        assert options(app) == ["內湖區 114"]
        await pilot.press("enter")
        await wait_until(pilot, lambda: focused_kind(app) == "village", what="village")
        assert box(app, "district").value == "內湖區"


async def test_long_lists_scroll_and_page():
    app = PickerApp("zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        dropdown = app.picker.query_one(OptionList)
        assert dropdown.size.height <= 10
        await pilot.press(*["down"] * 21)
        await pilot.pause()
        assert highlighted(app) == "花蓮縣"       # the last county, scrolled into view
        assert dropdown.scroll_y > 0
        await pilot.press("down")                 # wraps round, as Textual's lists do
        await pilot.pause()
        assert highlighted(app) == "臺北市"
        assert dropdown.scroll_y == 0
        await pilot.press("pagedown")
        await pilot.pause()
        assert dropdown.highlighted >= 7
        await pilot.press("pageup")
        await pilot.pause()
        assert dropdown.highlighted == 0
        await pilot.press("up", "enter")
        await wait_until(pilot, lambda: focused_kind(app) == "district", what="district")
        assert box(app, "county").value == "花蓮縣"


async def test_english_shows_english_names():
    app = PickerApp("en")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        labels = [str(w.render()) for w in app.picker.query(".address-label")]
        assert labels == ["City/County", "District", "Village", "Neighborhood"]
        assert options(app)[0] == "Taipei City 臺北市"
        await type_text(pilot, "taipei")
        assert options(app) == ["Taipei City 臺北市", "New Taipei City 新北市"]
        await pilot.press("enter")
        await wait_until(pilot, lambda: focused_kind(app) == "district", what="district")
        assert box(app, "county").value == "Taipei City"
        assert options(app)[0] == "Zhongzheng District 中正區 100"
        await choose(pilot, "zhongz", "village")
        assert box(app, "district").value == "Zhongzheng District"
        await choose(pilot, "xingfu", "neighborhood")
        assert box(app, "village").value == "Xingfu Vil."
        await type_text(pilot, "12")
        assert app.picker.value == xingfu(12)
        assert message(app) == ("Postal code 100: 12th Neighborhood, Xingfu Vil., "
                                "Zhongzheng District, Taipei City")


async def test_chinese_can_be_typed_in_english_mode_and_the_reverse():
    app = PickerApp("en")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await choose(pilot, "台中", "district")
        assert box(app, "county").value == "Taichung City"


@pytest.mark.parametrize("typed,key", [("0", "address.error.range"),
                                       ("1000", "address.error.range"),
                                       ("ab", "address.error.digits")])
async def test_bad_neighborhood_is_explained_and_gives_no_value(typed, key):
    app = PickerApp("zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        await up_to_neighborhood(pilot)
        await type_text(pilot, typed)
        assert message(app) == app.catalog.t(key)
        assert app.picker.query_one("#address-message").has_class("-error")
        assert app.picker.value is None
        assert not app.changes or app.changes[-1] is None   # 1, 10, 100 were good on the way
        if typed.isdigit():
            assert box(app, "neighborhood").has_class("-invalid")
        else:
            assert box(app, "neighborhood").value == ""   # letters never get in

        await pilot.press(*["backspace"] * 4)
        await type_text(pilot, "7")
        assert app.picker.value == xingfu(7)
        assert not app.picker.query_one("#address-message").has_class("-error")


async def test_bad_neighborhood_message_in_english():
    app = PickerApp("en")
    async with app.run_test(size=(80, 24)) as pilot:
        await up_to_neighborhood(pilot)
        await type_text(pilot, "0")
        assert message(app) == "Neighborhood must be 1 to 999"


async def test_a_refused_key_keeps_a_good_number():
    app = PickerApp("zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        await up_to_neighborhood(pilot)
        await type_text(pilot, "12x")
        assert box(app, "neighborhood").value == "12"
        assert message(app) == app.catalog.t("address.error.digits")
        assert app.picker.value == xingfu(12)


async def test_changing_county_clears_district_village_and_neighborhood():
    app = PickerApp("zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        await up_to_neighborhood(pilot)
        await type_text(pilot, "12")
        assert app.picker.value is not None

        await pilot.press("shift+tab", "shift+tab", "shift+tab")
        await wait_until(pilot, lambda: focused_kind(app) == "county", what="county")
        await choose(pilot, "新竹市", "district")
        assert box(app, "county").value == "新竹市"
        assert box(app, "district").value == ""
        assert box(app, "village").value == "" and box(app, "village").disabled
        assert box(app, "neighborhood").value == "" and box(app, "neighborhood").disabled
        assert app.picker.value is None
        assert app.changes[-1] is None
        assert options(app) == ["東區 300", "北區 300", "香山區 300"]


async def test_picking_the_same_county_again_keeps_the_rest():
    app = PickerApp("zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        await up_to_neighborhood(pilot)
        await type_text(pilot, "12")
        await pilot.press("shift+tab", "shift+tab", "shift+tab")
        await wait_until(pilot, lambda: focused_kind(app) == "county", what="county")
        await pilot.press("enter")       # the current county is highlighted
        await wait_until(pilot, lambda: focused_kind(app) == "district", what="district")
        assert app.picker.value == xingfu(12)


async def test_changing_district_clears_village():
    app = PickerApp("zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        await up_to_neighborhood(pilot)
        await pilot.press("shift+tab", "shift+tab")
        await wait_until(pilot, lambda: focused_kind(app) == "district", what="district")
        await choose(pilot, "大安", "village")
        assert box(app, "village").value == ""
        assert box(app, "county").value == "臺北市"


async def test_tab_moves_on_without_picking_and_reverts_typed_text():
    app = PickerApp("zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await choose(pilot, "台北", "district")
        await pilot.press("shift+tab")
        await wait_until(pilot, lambda: focused_kind(app) == "county", what="county")
        await type_text(pilot, "高雄")
        assert options(app) == ["高雄市"]
        await pilot.press("tab")
        await wait_until(pilot, lambda: focused_kind(app) == "district", what="district")
        assert box(app, "county").value == "臺北市"
        assert options(app)[0] == "中正區 100"      # still Taipei's districts


async def test_nothing_matches():
    app = PickerApp("zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await type_text(pilot, "東京")
        assert options(app) == ["沒有符合的項目"]
        await pilot.press("enter")
        await pilot.pause()
        assert focused_kind(app) == "county"
        assert app.picker.value is None


async def test_language_toggle_rerenders_mid_selection():
    app = PickerApp("zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await choose(pilot, "台北", "district")
        await choose(pilot, "中正", "village")
        await pilot.press("f2")
        await pilot.pause()
        assert box(app, "county").value == "Taipei City"
        assert box(app, "district").value == "Zhongzheng District"
        assert options(app)[0] == "Shuiyuan Vil. 水源里"
        assert message(app) == app.catalog.t("address.hint")
        labels = [str(w.render()) for w in app.picker.query(".address-label")]
        assert labels[0] == "City/County"
        await choose(pilot, "xingfu", "neighborhood")
        await type_text(pilot, "3")
        await pilot.press("f2")
        await pilot.pause()
        assert box(app, "village").value == "幸福里"
        assert message(app) == "郵遞區號 100　臺北市中正區幸福里3鄰"


async def test_clear_and_set_value():
    app = PickerApp("zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        await up_to_neighborhood(pilot)
        await type_text(pilot, "12")
        app.picker.clear()
        await wait_until(pilot, lambda: focused_kind(app) == "county", what="county")
        assert app.picker.value is None
        assert [box(app, k).value for k in ("county", "district", "village", "neighborhood")] \
            == ["", "", "", ""]
        assert app.changes[-1] is None

        app.picker.set_value(xingfu(5))
        await pilot.pause()
        assert app.picker.value == xingfu(5)
        assert box(app, "village").value == "幸福里"
        assert app.changes[-1] == xingfu(5)


async def test_up_down_pass_through_when_no_list_is_open():
    app = PickerApp("zh-TW")
    async with app.run_test(size=(80, 24)) as pilot:
        await up_to_neighborhood(pilot)
        picker = app.picker
        assert not picker.check_action("move", (1,))
        await pilot.press("shift+tab")
        await wait_until(pilot, lambda: focused_kind(app) == "village", what="village")
        assert picker.check_action("move", (1,))


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
async def test_fits_80x24(lang):
    app = PickerApp(lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        await choose(pilot, "台北", "district")
        await choose(pilot, "中正" if lang == "zh-TW" else "Zhongzheng", "village")
        picker = app.picker
        assert picker.region.height <= 14
        assert picker.region.bottom <= 24 - 2          # above the status and key bars
        dropdown = picker.query_one(OptionList)
        await wait_until(pilot, lambda: dropdown.region.width > 0, what="dropdown laid out")
        assert dropdown.region.height == 10             # eight entries and the border
        assert picker.region.contains_region(dropdown.region)
        village = picker.query_one("#field-village")
        assert dropdown.region.x <= village.region.x < dropdown.region.right
        for kind in ("county", "district", "village", "neighborhood"):
            field = picker.query_one(f"#field-{kind}")
            assert picker.region.contains_region(field.region)
        text = "\n".join(str(w.render()) for w in app.screen.query("Static"))
        assert "address." not in text                   # no raw catalog keys


# -- snapshots -------------------------------------------------------------------------------
def dropdown_placed(app: PickerApp, kind: str) -> bool:
    dropdown = app.picker.query_one(OptionList)
    field = app.picker.query_one(f"#field-{kind}")
    return dropdown.region.width > 0 and dropdown.region.x <= field.region.x < dropdown.region.right


async def steady(pilot) -> None:
    for field in pilot.app.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def _mid_selection(lang: str):
    async def run_before(pilot) -> None:
        await started(pilot)
        await choose(pilot, "台北", "district")
        await choose(pilot, "中正" if lang == "zh-TW" else "zhongzheng", "village")
        await type_text(pilot, "文" if lang == "zh-TW" else "wen")
        await wait_until(pilot, lambda: dropdown_placed(pilot.app, "village"), what="dropdown")
        await steady(pilot)

    return run_before


def _district_list(lang: str):
    async def run_before(pilot) -> None:
        await started(pilot)
        await choose(pilot, "台北", "district")
        await pilot.press("down", "down")
        await wait_until(pilot, lambda: dropdown_placed(pilot.app, "district"), what="dropdown")
        await steady(pilot)

    return run_before


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_snapshot_mid_selection(snap_compare, lang):
    """Village being filtered, its dropdown under the village field."""
    assert snap_compare(PickerApp(lang), terminal_size=(80, 24), run_before=_mid_selection(lang))


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_snapshot_district_list(snap_compare, lang):
    """All twelve Taipei districts with postal codes: eight rows visible and a scrollbar."""
    assert snap_compare(PickerApp(lang), terminal_size=(80, 24), run_before=_district_list(lang))


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_snapshot_bad_neighborhood(snap_compare, lang):
    async def run_before(pilot) -> None:
        await up_to_neighborhood(pilot)
        await type_text(pilot, "1000")
        await steady(pilot)

    assert snap_compare(PickerApp(lang), terminal_size=(80, 24), run_before=run_before)
