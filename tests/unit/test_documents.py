"""The payment slip and the receipt, checked by reading them back: the text a printer
prints and the barcode a store's scanner reads (zxing-cpp on the drawn bars). A stored
record missing a field the paper needs is a message (BrokenRecord), never a KeyError."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
import zxingcpp

from kiosk.domain.replacement.applications import Applications
from kiosk.domain.replacement.papers import amount_in_words, receipt_svg, slip_svg
from kiosk.domain.replacement.payments import Method, Payments
from tests.unit.test_applications import WANG, form

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: str) -> str:
    return "\n".join(t.text or "" for t in ET.fromstring(svg).iter(f"{SVG}text"))


def scan_barcode(svg: str, px_per_mm: int = 12) -> list[str]:
    """Draw the SVG's black rectangles on white, as a printer would, and scan them."""
    root = ET.fromstring(svg)
    _, _, width, height = (float(v) for v in root.get("viewBox").split())
    image = np.full((int(height * px_per_mm), int(width * px_per_mm)), 255, dtype=np.uint8)
    for rect in root.iter(f"{SVG}rect"):
        if rect.get("fill") != "#000":
            continue
        x, y = float(rect.get("x")) * px_per_mm, float(rect.get("y")) * px_per_mm
        w, h = float(rect.get("width")) * px_per_mm, float(rect.get("height")) * px_per_mm
        image[round(y):round(y + h), round(x):round(x + w)] = 0
    return [r.text for r in zxingcpp.read_barcodes(image)]


@pytest.fixture
def paid_app(world):
    apps = Applications(world.services)
    app = apps.apply(WANG, form())
    return Payments(apps).pay(WANG, app["atm_no"], Method.ATM, 0, {})


def test_the_slip_reads_back_with_atm_no_amount_due_date_and_barcode(world):
    apps = Applications(world.services)
    app = apps.apply(WANG, form())
    svg = slip_svg(app, apps.due(app))
    text = texts(svg)
    assert app["atm_no"] in text and "NT$200" in text and "NT$4" in text
    assert "115/12/07" in text          # applied 2026-11-23 (ROC 115/11/23) + 14 days
    assert "(100)臺北市中正區水源里12鄰汀州路一段1號" in text
    assert "A123456789" not in text     # the ID is masked on paper too
    assert scan_barcode(svg) == [app["atm_no"]]


def test_the_receipt_states_the_fee_and_the_insured_until_date(paid_app):
    text = texts(receipt_svg(paid_app))
    assert "自行收納款項收據" in text
    assert "健保卡工本費" in text and "貳佰元整" in text
    assert paid_app["payment"]["receipt_no"] in text
    assert "115/12/07" in text and "2026-12-07" in text   # paid 115/11/23 + 14 days
    assert "王大明" in text and "A12****789" in text


@pytest.mark.parametrize(("amount", "words"), [
    (200, "貳佰元整"), (204, "貳佰零肆元整"), (1010, "壹仟零壹拾元整"), (3, "參元整"),
])
def test_amount_in_words(amount, words):
    assert amount_in_words(amount) == words


@pytest.mark.parametrize("field", ["holder_name", "holder_id", "atm_no"])
def test_a_slip_of_an_application_missing_a_field_is_a_message(world, field):
    from kiosk.domain.errors import BrokenRecord

    apps = Applications(world.services)
    app = apps.apply(WANG, form())
    broken = {k: v for k, v in app.items() if k != field}
    with pytest.raises(BrokenRecord) as info:
        slip_svg(broken, apps.due(app))
    assert info.value.field == field


def test_a_slip_with_an_incomplete_mailing_address_is_a_message(world):
    from kiosk.domain.errors import BrokenRecord

    apps = Applications(world.services)
    app = apps.apply(WANG, form())
    assert app.get("mail_address")
    app = {**app, "mail_address": {k: v for k, v in app["mail_address"].items()
                                   if k != "street"}}
    with pytest.raises(BrokenRecord) as info:
        slip_svg(app, apps.due(app))
    assert info.value.field == "mail_address"


@pytest.mark.parametrize(("change", "field"), [
    (lambda app: app.pop("payment"), "payment"),
    (lambda app: app["payment"].pop("paid_at"), "paid_at"),
    (lambda app: app["payment"].update(insured_until="next week"), "insured_until"),
    (lambda app: app["payment"].pop("receipt_no"), "receipt_no"),
    (lambda app: app["payment"].update(amount="200"), "amount"),
    (lambda app: app["payment"].update(amount=10**6), "amount"),
    (lambda app: app.pop("holder_name"), "holder_name"),
])
def test_a_receipt_of_a_record_missing_a_field_is_a_message_in_both_languages(paid_app, change,
                                                                              field):
    import copy

    from kiosk.domain.errors import BrokenRecord
    from kiosk.domain.i18n import Catalog

    broken = copy.deepcopy(paid_app)
    change(broken)
    with pytest.raises(BrokenRecord) as info:
        receipt_svg(broken)
    assert info.value.field == field
    assert Catalog("en").t(info.value.key, **info.value.params) == (
        f"A stored record is incomplete ({field}); please ask the counter staff.")
    assert Catalog("zh-TW").t(info.value.key, **info.value.params) == (
        f"儲存的資料不完整（{field}），請洽櫃檯人員。")


def test_amount_in_words_refuses_what_it_cannot_write():
    for amount in (10_000, -1, 2.5):
        with pytest.raises(ValueError):
            amount_in_words(amount)
    assert amount_in_words(9999) == "玖仟玖佰玖拾玖元整"


def test_a_counter_document_missing_its_number_is_a_message():
    from datetime import date

    from kiosk.domain.errors import InvalidInput
    from kiosk.domain.id_documents import check_document

    with pytest.raises(InvalidInput) as info:
        check_document("id_card", None, "A123456789", None, date(2026, 11, 23))
    assert (info.value.field, info.value.key) == ("doc_number", "err.doc.number")
