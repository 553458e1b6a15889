"""The payment slip and the receipt, checked by reading them back: the text a printer
prints (pypdf's text extraction) and the barcode a store's scanner reads (the page rendered
by poppler's pdftoppm at 300 dpi, scanned with zxing-cpp). A stored record missing a field
the paper needs is a message (BrokenRecord), never a KeyError."""

from __future__ import annotations

import io
import subprocess

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from kiosk.domain.replacement.applications import Applications
from kiosk.domain.replacement.papers import (
    PaperFonts,
    amount_in_words,
    receipt_pdf,
    slip_pdf,
)
from kiosk.domain.replacement.payments import Method, Payments
from tests.unit.test_applications import WANG, form


def texts(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1                   # one A5 sheet
    return reader.pages[0].extract_text()


def scan_barcode(pdf: bytes) -> list[str]:
    """Render the page as a printer would, and scan it."""
    png = subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-singlefile", "-"],
                         input=pdf, capture_output=True, check=True, timeout=60).stdout
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


@pytest.fixture
def paid_app(world):
    apps = Applications(world.services)
    app = apps.apply(WANG, form())
    return Payments(apps).pay(WANG, app["atm_no"], Method.ATM, 0, {})


def test_the_slip_reads_back_with_atm_no_amount_due_date_and_barcode(world):
    apps = Applications(world.services)
    app = apps.apply(WANG, form())
    pdf = slip_pdf(app, apps.due(app))
    text = texts(pdf)
    assert app["atm_no"] in text and "NT$200" in text and "NT$4" in text
    assert "115/12/07" in text          # applied 2026-11-23 (ROC 115/11/23) + 14 days
    assert "(100)臺北市中正區水源里12鄰汀州路一段1號" in text
    assert "A123456789" not in text     # the ID is masked on paper too
    assert scan_barcode(pdf) == [app["atm_no"]]


def test_the_receipt_is_the_nhias_with_the_holders_full_id_and_the_exact_date_rule(paid_app):
    """Laid out as the NHIA's receipt: the amount in words, the four signature boxes, and
    the 例外就醫 note naming the day *before* which it holds — paid 115/11/23, it holds
    through 14 days, so 「得於115/12/08前」 (the NHIA's own: paid 111/03/22, 111/04/06前)."""
    text = " ".join(texts(receipt_pdf(paid_app)).split())
    assert "衛生福利部中央健康保險署" in text and "自行收納款項收據" in text
    assert "中華民國115年11月23日" in text
    assert "健保卡工本費" in text and "NT$200" in text and "貳佰元整" in text
    assert paid_app["payment"]["receipt_no"] in text and paid_app["atm_no"] in text
    assert "王大明" in text and "A123456789" in text     # the holder's own paper: in full
    for box in ("經手人", "主辦出納", "主辦會計", "機關長官", "個人健保資料網路作業服務系統"):
        assert box in text.replace(" ", "")
    assert "得於115/12/08前持本收據聯併同身分證明文件" in text.replace(" ", "")
    assert "before 2026-12-08" in text


def test_the_nhias_example_date_rule_holds():
    from datetime import date

    from kiosk.domain.replacement.applications import insured_until

    assert insured_until(date(2022, 3, 22)).isoformat() == "2022-04-05"   # the last day
    # printed as the day before which it holds: 111/04/06 (checked on the page above)


def test_papers_without_their_fonts_are_a_message_naming_the_packages(world, tmp_path):
    from kiosk.domain.errors import KioskError
    from kiosk.domain.i18n import Catalog

    apps = Applications(world.services)
    app = apps.apply(WANG, form())
    missing = PaperFonts(tmp_path / "DejaVuSans.ttf", tmp_path / "Droid.ttf")
    with pytest.raises(KioskError) as info:
        slip_pdf(app, apps.due(app), missing)
    assert "fonts-droid-fallback" in Catalog("en").t(info.value.key)


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
        slip_pdf(broken, apps.due(app))
    assert info.value.field == field


def test_a_slip_with_an_incomplete_mailing_address_is_a_message(world):
    from kiosk.domain.errors import BrokenRecord

    apps = Applications(world.services)
    app = apps.apply(WANG, form())
    assert app.get("mail_address")
    app = {**app, "mail_address": {k: v for k, v in app["mail_address"].items()
                                   if k != "street"}}
    with pytest.raises(BrokenRecord) as info:
        slip_pdf(app, apps.due(app))
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
        receipt_pdf(broken)
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
