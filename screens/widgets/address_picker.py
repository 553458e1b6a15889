"""A keyboard-only Taiwan address picker: county → district → village → neighbourhood (鄰).

Four fields in a row. Each of the first three is a type-to-filter chooser: typing in it
filters a dropdown list shown under the field, Up/Down (PageUp/PageDown) move in the list,
Enter picks the highlighted entry and moves on to the next field. Tab/Shift+Tab move
between fields without changing anything (text typed but not picked is reverted). A field
is enabled once the one before it is picked; picking a different county clears the
district, village and neighbourhood, and so on down. The neighbourhood field takes digits
only, 1 to 999, and says so inline.

Layout (14 rows, fits an 80×24 kiosk screen with its title, status and key bars):
labels (1) · fields (1) · dropdown area (10: eight entries and a border) · message (2).
"""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, OptionList, Static

from kiosk.domain.address import (
    Address,
    AddressError,
    County,
    District,
    Village,
    counties,
    districts,
    filter_options,
    parse_neighborhood,
    villages,
)
from screens.widgets.plain import PlainOptionList, literal, option
from screens.widgets.text import host_of

Choice = County | District | Village
CHOOSERS = ("county", "district", "village")
FIELDS = (*CHOOSERS, "neighborhood")
LABEL_KEYS = {"county": "address.county", "district": "address.district",
              "village": "address.village", "neighborhood": "address.neighborhood"}
PLACEHOLDER_KEYS = {"county": "address.county_placeholder",
                    "district": "address.district_placeholder",
                    "village": "address.village_placeholder",
                    "neighborhood": "address.neighborhood_placeholder"}
NEEDS_KEYS = {"district": "address.need_county", "village": "address.need_district",
              "neighborhood": "address.need_village"}
DROPDOWN_ROWS = 8


class ChoiceInput(Input):
    """The text box of one chooser; what is typed filters the dropdown."""

    def __init__(self, kind: str) -> None:
        # the longest village name is 5 characters; room for romanised input too
        super().__init__(compact=True, id=f"address-{kind}", classes="address-input",
                         max_length=40)
        self.kind = kind


class NeighborhoodInput(Input):
    """Digits only (ASCII or full-width); a refused key is reported, not just beeped."""

    class Refused(Message):
        def __init__(self, too_long: bool) -> None:
            super().__init__()
            self.too_long = too_long

    DIGITS = 4      # the most the box holds: a key past them is refused as too long

    def __init__(self) -> None:
        super().__init__(compact=True, restrict=r"[0-9０-９]*", max_length=self.DIGITS,
                         id="address-neighborhood", classes="address-input")

    def restricted(self) -> None:
        self.post_message(self.Refused(too_long=len(self.value) >= self.DIGITS))


class Dropdown(PlainOptionList, can_focus=False):
    """The options of the focused chooser; driven from the chooser's keys, never focused."""


class AddressPicker(Widget):
    """County, district, village and neighbourhood; :attr:`value` is the complete address."""

    DEFAULT_CSS = """
    AddressPicker {
        width: 100%;
        height: 14;
        padding: 0 1;
    }
    AddressPicker #address-fields {
        height: 2;
    }
    /* Widths in proportion to the longest English names (21 cells: West Central District),
       so at 76 columns or more nothing is cut in either language. */
    AddressPicker .address-field {
        width: 17fr;
        height: 2;
        margin-right: 1;
    }
    AddressPicker #field-district {
        width: 21fr;
    }
    AddressPicker #field-neighborhood {
        width: 18fr;
        margin-right: 0;
    }
    AddressPicker .address-label {
        height: 1;
        color: $text-muted;
    }
    AddressPicker .address-field.-current > .address-label {
        color: $accent;
        text-style: bold;
    }
    AddressPicker Input.address-input {
        background: $boost;
    }
    AddressPicker Input.address-input:focus {
        background: $primary 40%;
    }
    AddressPicker Input.address-input.-invalid {
        background: $error 40%;
    }
    AddressPicker #address-dropdown {
        height: 10;
    }
    AddressPicker Dropdown {
        display: none;
        max-height: 10;
        scrollbar-size-vertical: 1;
        border: round $accent;
        border-title-color: $accent;
        padding: 0 1;
    }
    AddressPicker Dropdown.-open {
        display: block;
    }
    AddressPicker Dropdown > .option-list--option-highlighted {
        color: $block-cursor-foreground;
        background: $block-cursor-background;
        text-style: $block-cursor-text-style;
    }
    AddressPicker #address-message {
        height: 2;
        color: $text-muted;
    }
    AddressPicker #address-message.-error {
        color: $error;
        text-style: bold;
    }
    AddressPicker #address-message.-done {
        color: $success;
        text-style: bold;
    }
    """

    BINDINGS = [
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        # Esc on an open list closes the list: it went on to the screen, whose Esc left the
        # form with all that was typed in it (seen in the read-through at 100×30)
        Binding("escape", "close_list", "key.dismiss_menu"),   # on the bar: 「ESC 關閉選單」
    ]

    class Changed(Message):
        """Posted whenever :attr:`AddressPicker.value` changes (to an address or to None)."""

        def __init__(self, picker: AddressPicker, value: Address | None) -> None:
            super().__init__()
            self.picker = picker
            self.value = value

        @property
        def control(self) -> AddressPicker:
            return self.picker

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._chosen: dict[str, Choice | None] = dict.fromkeys(CHOOSERS)
        self._labels: dict[str, str] = dict.fromkeys(CHOOSERS, "")  # text last put in a box
        self._neighborhood: int | None = None
        self._error: str | None = None          # catalog key: the 鄰 typed is not valid
        self._refused: str | None = None        # catalog key: a key was refused in the 鄰 box
        self._dropdown_width = 0
        self._active: str | None = None          # the chooser whose dropdown is open
        self._shown: list[Choice] = []           # the dropdown's entries, in order
        self._value: Address | None = None

    # -- composition -------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="address-fields"):
            for kind in FIELDS:
                with Vertical(id=f"field-{kind}", classes="address-field"):
                    yield Static("", id=f"label-{kind}", classes="address-label", markup=False)
                    yield NeighborhoodInput() if kind == "neighborhood" else ChoiceInput(kind)
        with Container(id="address-dropdown"):
            yield Dropdown(id="address-options")
        yield Static("", id="address-message", markup=False)

    def on_mount(self) -> None:
        self.refresh_text()

    # -- public API --------------------------------------------------------------------
    @property
    def value(self) -> Address | None:
        """The chosen address, or None until every field is filled in and valid."""
        county, district, village = (self._chosen[k] for k in CHOOSERS)
        if (isinstance(county, County) and isinstance(district, District)
                and isinstance(village, Village) and self._neighborhood is not None
                and self._error is None):
            return Address(county, district, village, self._neighborhood)
        return None

    def clear(self) -> None:
        """Empty every field (focus goes back to the county if it was in the picker)."""
        had_focus = self.has_focus_within
        self._clear_from("county")
        self._sync()
        if had_focus:
            self.focus()

    def set_value(self, address: Address | None) -> None:
        """Show ``address`` (e.g. one stored earlier); None clears."""
        if address is None:
            self.clear()
            return
        choices: tuple[Choice, ...] = (address.county, address.district, address.village)
        for kind, choice in zip(CHOOSERS, choices, strict=True):
            self._chosen[kind] = choice
            self._set_box(kind, self._box_label(choice))
        self._neighborhood, self._error, self._refused = address.neighborhood, None, None
        self._neighborhood_input.value = str(address.neighborhood)
        self._sync()

    def focus(self, scroll_visible: bool = True) -> AddressPicker:
        """Focus the first field still to fill in (the county when all are)."""
        for kind in FIELDS:
            box = self._input(kind)
            if not box.disabled and (kind == "neighborhood" or self._chosen[kind] is None):
                box.focus(scroll_visible)
                return self
        self._input("county").focus(scroll_visible)
        return self

    def refresh_text(self) -> None:
        """Re-render every text in the current catalog language."""
        for kind in FIELDS:
            self.query_one(f"#label-{kind}", Static).update(self.t(LABEL_KEYS[kind]))
        for kind in CHOOSERS:
            box, choice = self._input(kind), self._chosen[kind]
            if choice is not None and box.value == self._labels[kind]:
                self._set_box(kind, self._box_label(choice))
        self._sync()
        if self._active is not None:
            self._fill_dropdown(self._active)

    def t(self, key: str, **params: object) -> str:
        return host_of(self).catalog.t(key, **params)

    # -- keys --------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("move", "page", "close_list"):
            return self._active is not None   # otherwise Up/Down/Esc go on to the screen
        return True

    def action_close_list(self) -> None:
        self._close_dropdown()   # typing, or Enter, opens it again
        self._sync_message()

    def _reopen(self, box: Input) -> bool:
        """The list of the focused box, closed with Esc, open again; False if it was open."""
        if self._active is not None or not isinstance(box, ChoiceInput) or not box.has_focus:
            return False
        self._active = box.kind
        self._fill_dropdown(box.kind)
        self._dropdown.add_class("-open")
        self._keys_changed()
        self.call_after_refresh(self._place_dropdown)
        self._sync_message()
        return True

    def action_move(self, step: int) -> None:
        dropdown = self._dropdown
        dropdown.action_cursor_down() if step > 0 else dropdown.action_cursor_up()

    def action_page(self, step: int) -> None:
        dropdown = self._dropdown
        dropdown.action_page_down() if step > 0 else dropdown.action_page_up()

    @on(Input.Submitted, "ChoiceInput")
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        if self._reopen(event.input):
            return
        index = self._dropdown.highlighted
        if self._active is None or index is None or index >= len(self._shown):
            self.app.bell()
            return
        self._pick(self._active, self._shown[index])

    @on(OptionList.OptionSelected, "Dropdown")
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self._active is not None and event.option_index < len(self._shown):
            self._pick(self._active, self._shown[event.option_index])

    @on(Input.Changed, "ChoiceInput")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        kind = event.input.kind  # type: ignore[attr-defined]
        if kind == self._active:
            self._fill_dropdown(kind)
        else:
            self._reopen(event.input)

    @on(Input.Changed, "NeighborhoodInput")
    def _neighborhood_typed(self, event: Input.Changed) -> None:
        event.stop()
        text = event.value.strip()
        self._neighborhood, self._error, self._refused = None, None, None
        if text:
            try:
                self._neighborhood = parse_neighborhood(text)
            except AddressError as error:
                self._error = error.key
        self._sync()

    @on(NeighborhoodInput.Refused)
    def _neighborhood_refused(self, event: NeighborhoodInput.Refused) -> None:
        event.stop()
        self._refused = "address.error.range" if event.too_long else "address.error.digits"
        self._sync_message()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        widget = event.widget
        for field in self.query(".address-field"):
            # a class, not :focus-within, which Textual does not re-apply to the label
            field.set_class(widget in field.children, "-current")
        if isinstance(widget, ChoiceInput):
            self._active = widget.kind
            self._fill_dropdown(widget.kind)
            self._dropdown.add_class("-open")
            self._keys_changed()
            self.call_after_refresh(self._place_dropdown)
        else:
            self._close_dropdown()
        self._sync_message()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        widget = event.widget
        if widget.parent is not None:
            widget.parent.remove_class("-current")
        if isinstance(widget, ChoiceInput):
            choice = self._chosen[widget.kind]
            self._set_box(widget.kind, self._box_label(choice) if choice else "")
            if self._active == widget.kind:
                self._close_dropdown()
        self._sync_message()

    # -- state -------------------------------------------------------------------------
    def _pick(self, kind: str, choice: Choice) -> None:
        if choice != self._chosen[kind]:
            following = FIELDS[FIELDS.index(kind) + 1]
            self._clear_from(following)
            self._chosen[kind] = choice
        self._set_box(kind, self._box_label(choice))
        self._sync()
        self._input(FIELDS[FIELDS.index(kind) + 1]).focus()

    def _clear_from(self, first: str) -> None:
        """Empty ``first`` and every field after it."""
        for kind in FIELDS[FIELDS.index(first):]:
            if kind == "neighborhood":
                self._neighborhood, self._error, self._refused = None, None, None
                self._neighborhood_input.value = ""
            else:
                self._chosen[kind] = None
                self._set_box(kind, "")

    def _sync(self) -> None:
        """Enable, placeholder and mark the fields; update the message; post Changed."""
        ready = {"county": True,
                 "district": self._chosen["county"] is not None,
                 "village": self._chosen["district"] is not None,
                 "neighborhood": self._chosen["village"] is not None}
        for kind in FIELDS:
            box = self._input(kind)
            box.disabled = not ready[kind]
            box.placeholder = self.t(PLACEHOLDER_KEYS[kind] if ready[kind] else NEEDS_KEYS[kind])
        self._neighborhood_input.set_class(self._error is not None, "-invalid")
        self._sync_message()
        value = self.value
        if value != self._value:
            self._value = value
            self.post_message(self.Changed(self, value))

    def _sync_message(self) -> None:
        message = self.query_one("#address-message", Static)
        value = self.value
        problem = self._refused or self._error
        if problem is not None:
            text = self.t(problem)
        elif value is not None:
            text = self.t("address.summary", postal=value.postal_code,
                          address=value.format(self._lang))
        elif self._active is not None:
            text = self.t("address.hint")
        elif self._neighborhood_input.has_focus:
            text = self.t("address.hint_neighborhood")
        else:
            text = ""
        message.update(text)
        message.set_class(problem is not None, "-error")
        message.set_class(problem is None and value is not None, "-done")

    # -- dropdown ----------------------------------------------------------------------
    def _source(self, kind: str) -> list[Choice]:
        county, district = self._chosen["county"], self._chosen["district"]
        if kind == "county":
            return list(counties())
        if kind == "district":
            return list(districts(county.code)) if county else []
        return list(villages(district.code)) if district else []

    def _fill_dropdown(self, kind: str) -> None:
        source, chosen = self._source(kind), self._chosen[kind]
        text = self._input(kind).value
        if not text.strip() or (chosen is not None and text == self._labels[kind]):
            self._shown = source
            highlight = source.index(chosen) if chosen in source else 0
        else:
            self._shown = filter_options(source, text)
            highlight = 0
        dropdown = self._dropdown
        if self._shown:
            columns = self._columns(source)
            dropdown.set_options(option(self._option_label(c, columns)) for c in self._shown)
            dropdown.highlighted = highlight
        else:
            dropdown.set_options([option(self.t("address.no_match"), disabled=True)])
        dropdown.border_title = literal(f"{self.t(LABEL_KEYS[kind])} · "
                                        f"{self.t('address.matches', count=len(self._shown))}")
        columns = self._columns(source)
        self._dropdown_width = max((cell_len(self._option_label(c, columns).plain)
                                    for c in source), default=0)
        self.call_after_refresh(self._place_dropdown)

    def _place_dropdown(self) -> None:
        """Put the dropdown under the focused field, as wide as its longest entry."""
        if self._active is None:
            return
        area = self.query_one("#address-dropdown")
        field = self.query_one(f"#field-{self._active}")
        if not area.size.width:
            return
        # entries + padding (2) + border (2) + a scrollbar (1) when they do not all fit
        width = self._dropdown_width + 4
        width = max(width + (1 if len(self._shown) > DROPDOWN_ROWS else 0), field.size.width,
                    cell_len(str(self._dropdown.border_title or "")) + 4)
        width = min(width, area.size.width)
        x = max(0, min(field.region.x - area.region.x, area.size.width - width))
        self._dropdown.styles.width = width
        self._dropdown.styles.offset = (x, 0)
        self._dropdown.scroll_to_highlight()

    def _close_dropdown(self) -> None:
        self._active = None
        self._dropdown.remove_class("-open")
        self._keys_changed()

    def _keys_changed(self) -> None:
        """Esc 關閉選單 is on the key bar while a list is open, and only then."""
        if self.is_attached:
            self.screen.refresh_bindings()

    # -- helpers -----------------------------------------------------------------------
    @property
    def _lang(self) -> str:
        return host_of(self).catalog.lang

    @property
    def _dropdown(self) -> Dropdown:
        return self.query_one(Dropdown)

    @property
    def _neighborhood_input(self) -> NeighborhoodInput:
        return self.query_one(NeighborhoodInput)

    def _input(self, kind: str) -> Input:
        return self.query_one(f"#address-{kind}", Input)

    def _set_box(self, kind: str, text: str) -> None:
        self._labels[kind] = text
        box = self._input(kind)
        if box.value != text:
            box.value = text
            box.cursor_position = len(text)

    def _box_label(self, choice: Choice) -> str:
        return choice.name_in(self._lang)

    def _columns(self, source: list[Choice]) -> tuple[int, int]:
        """Cell widths of the name columns, so the Chinese names and postal codes line up."""
        lang = self._lang
        return (max((cell_len(c.name_in(lang)) for c in source), default=0),
                max((cell_len(c.name) for c in source), default=0))

    def _option_label(self, choice: Choice, columns: tuple[int, int]) -> Text:
        """中正區  100 / Zhongzheng District  中正區  100, in aligned columns."""
        def pad(text: str, width: int) -> str:
            return text + " " * (width - cell_len(text))

        label = Text(pad(choice.name_in(self._lang), columns[0]))
        if not self._lang.startswith("zh"):
            label.append(f"  {pad(choice.name, columns[1])}", style="dim")
        if isinstance(choice, District):
            label.append(f"  {choice.postal_code}", style="dim")
        label.rstrip()
        return label
