"""The printable papers of card replacement: the payment slip (繳款單) and the receipt
(自行收納款項收據), as A5 PDFs — what a printer prints and a mail carries.

Text is real PDF text (searchable, read back by the tests), bilingual like the NHIA's
papers, in two fonts from Debian's packages: DejaVu Sans for Latin script and Droid Sans
Fallback for Chinese (it has no Latin glyphs); each PDF embeds only the glyphs it uses.
The slip's barcode is Code 128 of the ATM NO (what a store's scanner reads), drawn as bars:
python-barcode encodes the symbol, fpdf2 draws the page.

The receipt follows the NHIA's: who the card is for (name, full ID — it is the holder's own
paper; screens mask it — and birth date), the amount in figures and in words, what it is
for, the ATM NO, the four signature boxes, and the note that until the day before the date
it names the holder may be treated as insured (例外就醫): paid 111/03/22, 「得於111/04/06前」.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import barcode

from kiosk.domain.dates import roc_day
from kiosk.domain.errors import BrokenRecord, KioskError
from kiosk.domain.mask import mask_id
from kiosk.domain.replacement.applications import FEE, mailing_line
from kiosk.domain.replacement.payments import SLIP_FEE

WIDTH, HEIGHT = 148, 210     # A5, millimetres
BAR_MODULE = 0.33            # mm per Code 128 module: scannable printed at 100 %
_DIGITS_ZH = "零壹貳參肆伍陸柒捌玖"


def amount_in_words(amount: int) -> str:
    """200 → 貳佰元整 (receipts write the amount out), for 0 to 9,999 (a fee is NT$204 at
    most); ValueError outside that, rather than a wrong or missing digit."""
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 <= amount <= 9999:
        raise ValueError(f"amount out of range: {amount!r}")
    units = ((1000, "仟"), (100, "佰"), (10, "拾"))
    out, rest, zero = "", amount, False
    for value, name in units:
        digit, rest = divmod(rest, value)
        if digit:
            out += ("零" if zero and out else "") + _DIGITS_ZH[digit] + name
            zero = False
        elif out:
            zero = True
    if rest:
        out += ("零" if zero else "") + _DIGITS_ZH[rest]
    return (out or "零") + "元整"


_MAIL_ADDRESS = ("postal_code", "county", "district", "village", "neighborhood", "street")


def _field(record: Mapping[str, Any], name: str, kind: type = str) -> Any:
    """``record[name]`` if it is there and a ``kind``; BrokenRecord naming it otherwise.

    A paper is drawn from a stored application: one that lacks a field (an old or
    hand-edited store) is a message for the counter, never a KeyError on the screen."""
    value = record.get(name) if isinstance(record, dict) else None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise BrokenRecord(name)
    return value


def _atm_no(app: Mapping[str, Any]) -> str:
    atm_no = _field(app, "atm_no")
    if not (atm_no.isascii() and atm_no.isdigit()):       # what Code 128 and a bank read
        raise BrokenRecord("atm_no")
    return atm_no


def _mailing(app: Mapping[str, Any]) -> str:
    address = app.get("mail_address")
    if not address:
        return ""
    if not isinstance(address, dict) or any(k not in address for k in _MAIL_ADDRESS):
        raise BrokenRecord("mail_address")
    return mailing_line(app)


def _moment(record: Mapping[str, Any], name: str) -> datetime:
    try:
        return datetime.fromisoformat(_field(record, name))
    except ValueError:
        raise BrokenRecord(name) from None


def code128_modules(text: str) -> str:
    """The symbol as a string of 1 (bar) and 0 (space) modules, quiet zones excluded."""
    return barcode.get_barcode_class("code128")(text, writer=None).build()[0]



@dataclass(frozen=True, slots=True)
class PaperFonts:
    """The fonts a paper is set in: ``latin`` first, ``cjk`` for what it lacks."""

    latin: Path
    cjk: Path


#: where Debian's fonts-dejavu-core and fonts-droid-fallback put them
SYSTEM_FONTS = PaperFonts(Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
                          Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"))


def _fonts(fonts: PaperFonts | None) -> PaperFonts:
    """The fonts, or a message for the staff naming the packages that bring them."""
    chosen = fonts or SYSTEM_FONTS
    if not (chosen.latin.is_file() and chosen.cjk.is_file()):
        raise KioskError("err.paper_fonts")
    return chosen


class _Page:
    """One A5 page with the two fonts: rows of label and value, boxes, bars."""

    def __init__(self, fonts: PaperFonts, title: str) -> None:
        from fpdf import FPDF  # only when a paper is made: its import costs ~0.4 s

        self.pdf = pdf = FPDF(format=(WIDTH, HEIGHT))
        pdf.set_title(title)
        pdf.set_creator("nhi-kiosk")
        pdf.add_font("latin", fname=str(fonts.latin))
        pdf.add_font("cjk", fname=str(fonts.cjk))
        pdf.set_fallback_fonts(["cjk"], exact_match=False)
        pdf.set_auto_page_break(False)
        pdf.add_page()

    def centred(self, y: float, size: float, text: str) -> None:
        self.pdf.set_font("latin", size=size)
        self.pdf.set_xy(10, y)
        self.pdf.cell(WIDTH - 20, size * 0.5, text, align="C")

    def text(self, x: float, y: float, size: float, text: str, width: float = 0) -> None:
        self.pdf.set_font("latin", size=size)
        self.pdf.set_xy(x, y)
        self.pdf.multi_cell(width or WIDTH - x - 10, size * 0.45, text)

    def box(self, x: float, y: float, w: float, h: float) -> None:
        self.pdf.rect(x, y, w, h)

    def bars(self, text: str, x: float, y: float, height: float) -> None:
        modules, i = code128_modules(text), 0
        while i < len(modules):
            if modules[i] == "1":
                j = i
                while j < len(modules) and modules[j] == "1":
                    j += 1
                self.pdf.rect(x + i * BAR_MODULE, y, (j - i) * BAR_MODULE, height, style="F")
                i = j
            else:
                i += 1

    def rows(self, y: float, lines: list[tuple[str, str]]) -> float:
        for label, value in lines:
            self.text(10, y, 10, label, width=46)
            self.text(58, y, 10, value)
            y += 7
        return y

    def bytes(self) -> bytes:
        return bytes(self.pdf.output())


def slip_pdf(app: Mapping[str, Any], due: datetime, fonts: PaperFonts | None = None) -> bytes:
    """繳款單: ATM NO, amount, due date and the ATM NO as a barcode. BrokenRecord when
    the application lacks a field the slip prints."""
    atm_no = _atm_no(app)
    lines = [
        ("繳款人 Payer", _field(app, "holder_name")),
        ("身分證號 ID", mask_id(_field(app, "holder_id"))),
        ("銷帳編號 ATM NO", atm_no),
        ("繳費金額 Amount", f"NT${FEE}"),
        ("繳費期限 Pay by", f"{roc_day(due.date())} ({due.date().isoformat()})"),
        ("事由 For", "健保卡工本費 NHI card fee"),
        ("超商手續費 Store fee", f"NT${SLIP_FEE}"),
    ]
    if mailing := _mailing(app):
        lines.append(("郵寄地址 Mail to", mailing))
    page = _Page(_fonts(fonts), "健保卡工本費繳款單 NHI card fee payment slip")
    page.centred(12, 15, "全民健康保險 健保卡工本費繳款單")
    page.centred(20, 11, "NHI card fee payment slip")
    page.rows(34, lines)
    page.bars(atm_no, 10, 104, 18)
    page.text(10, 124, 10, atm_no)
    page.text(10, 168, 8.5, "逾期未繳費，申請資料將自動刪除。 "
                            "Unpaid applications are deleted after the due date.")
    return page.bytes()


def _roc_long(day: date) -> str:
    return f"中華民國{day.year - 1911}年{day.month:02d}月{day.day:02d}日"


def receipt_pdf(app: Mapping[str, Any], fonts: PaperFonts | None = None) -> bytes:
    """自行收納款項收據, laid out as the NHIA's. BrokenRecord when the application or its
    payment lacks a field the receipt prints."""
    paid = _field(app, "payment", dict)
    paid_on = _moment(paid, "paid_at").date()
    before = _moment(paid, "insured_until").date() + timedelta(days=1)
    amount = _field(paid, "amount", int)
    try:
        in_words = amount_in_words(amount)
    except ValueError:
        raise BrokenRecord("amount") from None
    birth = app.get("holder_birth")
    born = roc_day(_moment(app, "holder_birth").date()) if birth else ""
    page = _Page(_fonts(fonts), "自行收納款項收據 Receipt")
    page.centred(10, 12, "衛生福利部中央健康保險署")
    page.centred(17, 15, "自行收納款項收據  Receipt")
    page.centred(25, 10, f"{_roc_long(paid_on)} ({paid_on.isoformat()})")
    page.text(10, 32, 8.5, f"收據號碼 Receipt no. {_field(paid, 'receipt_no')}")
    # 製卡對象 | 金額
    page.box(10, 38, 84, 30)
    page.box(94, 38, 44, 30)
    page.text(12, 40, 9.5, "製卡對象 Card for", width=80)
    page.text(12, 47, 9.5, f"姓名 Name：{_field(app, 'holder_name')}", width=80)
    page.text(12, 53, 9.5, f"身分證號 ID：{_field(app, 'holder_id')}", width=80)
    page.text(12, 59, 9.5, f"出生日期 Born：{born}", width=80)
    page.text(96, 40, 9.5, "金額 Amount", width=40)
    page.text(96, 48, 11, f"NT${amount}", width=40)
    page.text(96, 56, 11, in_words, width=40)
    # 事由 | 銷帳編號
    page.box(10, 68, 84, 12)
    page.box(94, 68, 44, 12)
    page.text(12, 70, 9.5, "事由：健保卡工本費 For: NHI card fee", width=80)
    page.text(96, 70, 8.5, f"銷帳編號 ATM NO\n{_atm_no(app)}", width=40)
    # the four signature boxes; the first signed by the online service itself
    for i, title in enumerate(("經手人", "主辦出納", "主辦會計", "機關長官")):
        page.box(10 + i * 32, 80, 32, 22)
        page.text(12 + i * 32, 82, 9.5, title, width=28)
    page.text(12, 90, 7.5, "個人健保資料網路作業服務系統", width=28)
    page.text(10, 108, 9, f"備註：如您有就醫需求，得於{roc_day(before)}前持本收據聯併同"
                          "身分證明文件，可出示隨本信件附上之電子收據(或自行列印紙本)，於醫療院所填寫"
                          "「全民健康保險特約醫療院所例外就醫名冊」以健保身分就醫。")
    page.text(10, 132, 8.5, f"Note: before {before.isoformat()}, this receipt with an identity "
                            "document lets you be treated as insured at a contracted clinic "
                            "(例外就醫名冊).")
    return page.bytes()
