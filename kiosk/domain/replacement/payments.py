"""Paying the NT$200 card fee and what payment brings: the receipt
(自行收納款項收據) and the mail 已受理換發健保卡通知.

Three ways, each with its own fee on top: 網路ATM (chip card + PIN + 交易驗證碼, then pull
and re-insert the card within 40 s; NT$8 with a card not of 臺灣銀行), 活期帳戶 through
e-Bill (the applicant's own account, an image code; NT$3), or 下載繳款單 to pay at a counter
or a convenience store (NT$4 there; not offered for 現場領卡). A payment is recorded in one
store transaction at the very end, so a card pulled at any step leaves nothing half-paid.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import cast

from kiosk.domain.errors import InvalidInput, KioskError
from kiosk.domain.mail import MailKind
from kiosk.domain.records import Application, Payment
from kiosk.domain.replacement.applications import FEE, Applications, Pickup, insured_until
from kiosk.domain.replacement.banks import (
    BANK_CODES,
    BANK_OF_TAIWAN,
    BankAccounts,
    ChipCard,
    mask_account,
    new_verification_code,
    pin_matches,
    valid_account,
    valid_pin,
)
from kiosk.domain.session import Session
from store.errors import StoreError

REINSERT_WINDOW = timedelta(seconds=40)
PIN_TRIES = 3


def reinsert_seconds() -> int:
    """REINSERT_WINDOW in whole seconds, as the catalog's {seconds} says it."""
    return int(REINSERT_WINDOW.total_seconds())
log = logging.getLogger(__name__)


class Method(StrEnum):
    ATM = "atm"          # 網路ATM
    EBILL = "ebill"      # 活期帳戶 (e-Bill 全國繳費網)
    SLIP = "slip"        # 下載繳款單


ATM_FEE = 8      # 網路ATM with a chip card not of 臺灣銀行 (its own cards pay nothing)
EBILL_FEE = 3    # 活期帳戶 through e-Bill
SLIP_FEE = 4     # a payment slip paid at a convenience store


def method_fee(method: Method, bank: str | None = None) -> int:
    """The fee on top of the card fee, in NT$; for Web ATM without a bank, what a card not
    of 臺灣銀行 pays (what the screens announce before the card is read)."""
    if method is Method.ATM:
        return 0 if bank == BANK_OF_TAIWAN else ATM_FEE
    return EBILL_FEE if method is Method.EBILL else SLIP_FEE


def methods_for(app: Application) -> list[Method]:
    """The ways this application can still be paid (none once paid)."""
    if app["payment"] is not None:
        return []
    if app["pickup"] == Pickup.ONSITE:
        return [Method.ATM, Method.EBILL]
    return list(Method)


class AtmStage(StrEnum):
    AUTHORIZE = "authorize"    # PIN and 交易驗證碼
    PULL = "pull"              # pull the chip card out ...
    REINSERT = "reinsert"      # ... and put it back, then OK, within 40 s
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass
class AtmTransfer:
    """One 網路ATM transfer: PIN and 交易驗證碼, then the chip card pulled and re-inserted
    in time; the screen feeds it card events."""

    payments: Payments
    session: Session
    atm_no: str
    card: ChipCard
    code: str = field(default_factory=new_verification_code)
    stage: AtmStage = AtmStage.AUTHORIZE
    deadline: datetime | None = None
    receipt: Application | None = None
    wrong_pins: int = 0

    @property
    def fee(self) -> int:
        return method_fee(Method.ATM, self.card.bank)

    def new_code(self) -> None:
        """重新產生: another verification code."""
        self.code = new_verification_code()

    def authorize(self, pin: str, typed_code: str) -> None:
        if self.stage is not AtmStage.AUTHORIZE:
            raise KioskError("err.atm.cancelled")
        if not valid_pin(pin):
            raise InvalidInput("pin", "err.atm.pin_format")
        if typed_code.strip() != self.code:
            self.new_code()
            raise InvalidInput("code", "err.atm.code")
        if not pin_matches(self.card, pin):
            self.wrong_pins += 1
            if self.wrong_pins >= PIN_TRIES:   # as a bank would: the transfer ends
                self.cancel()
                raise KioskError("err.atm.pin_tries", tries=PIN_TRIES)
            raise InvalidInput("pin", "err.atm.pin", tries_left=PIN_TRIES - self.wrong_pins)
        self.payments.apps.payable(self.session, self.atm_no)
        self.stage = AtmStage.PULL
        self.deadline = self.payments.apps.s.clock.now() + REINSERT_WINDOW

    def seconds_left(self) -> int:
        if self.deadline is None:
            return 0
        left = (self.deadline - self.payments.apps.s.clock.now()).total_seconds()
        return max(0, int(left + 0.999))

    def expired(self) -> bool:
        return self.deadline is not None and self.seconds_left() <= 0

    def card_removed(self) -> None:
        if self.stage is AtmStage.PULL:
            self.stage = AtmStage.REINSERT
        elif self.stage is AtmStage.AUTHORIZE:
            self.cancel()   # the chip card left before the PIN was checked

    def card_inserted(self) -> bool:
        """True when this insertion is the re-insert the bank asked for."""
        return self.stage is AtmStage.REINSERT and not self.expired()

    def confirm(self, card_present: bool) -> Application:
        """確認 OK after the card came back: the transfer happens now, or not at all."""
        if self.stage is AtmStage.CANCELLED:
            raise KioskError("err.atm.cancelled")
        if self.expired():
            self.cancel()
            raise KioskError("err.atm.timeout", seconds=reinsert_seconds())
        if self.stage is not AtmStage.REINSERT or not card_present:
            raise KioskError("err.atm.reinsert")
        self.receipt = self.payments.pay(
            self.session, self.atm_no, Method.ATM, self.fee,
            {"bank": self.card.bank, "account": mask_account(self.card.account)})
        self.stage = AtmStage.DONE
        return self.receipt

    def cancel(self) -> None:
        if self.stage is not AtmStage.DONE:
            self.stage = AtmStage.CANCELLED


class Payments:
    def __init__(self, applications: Applications) -> None:
        self.apps = applications
        self.accounts = BankAccounts(applications.s.store)

    def start_atm(self, session: Session, atm_no: str, card: ChipCard) -> AtmTransfer:
        app = self.apps.payable(session, atm_no)
        if Method.ATM not in methods_for(app):
            raise KioskError("err.pay.method")
        return AtmTransfer(self, session, atm_no, card)

    def pay_ebill(self, session: Session, atm_no: str, *, agreed: bool, bank: str,
                  account: str, typed_code: str, code: str) -> Application:
        """活期帳戶: the notice agreed, the applicant's own account, the image code."""
        account = self.check_ebill(session, atm_no, agreed=agreed, bank=bank,
                                   account=account, typed_code=typed_code, code=code)
        return self.pay(session, atm_no, Method.EBILL, method_fee(Method.EBILL),
                        {"bank": bank, "account": mask_account(account)})

    def check_ebill(self, session: Session, atm_no: str, *, agreed: bool, bank: str,
                    account: str, typed_code: str, code: str) -> str:
        """What 確認頁 shows only once it holds: the e-Bill payment as ``pay_ebill`` would
        accept it, paying nothing. Returns the account as paid from (digits only)."""
        self.apps.payable(session, atm_no)
        if not agreed:
            raise InvalidInput("agree", "err.ebill.agree")
        if bank not in BANK_CODES:
            raise InvalidInput("bank", "err.ebill.bank")
        account = account.strip().replace("-", "")
        if not valid_account(account):
            raise InvalidInput("account", "err.ebill.account")
        if typed_code.strip() != code:
            raise InvalidInput("code", "err.ebill.code")
        if self.accounts.holder(bank, account) != session.id_no:
            raise InvalidInput("account", "err.ebill.not_yours")
        return account

    def slip(self, session: Session, atm_no: str) -> Application:
        """下載繳款單: the application, if a slip may be printed for it."""
        app = self.apps.payable(session, atm_no)
        if Method.SLIP not in methods_for(app):
            raise KioskError("err.pay.slip_onsite")
        return app

    def pay_at_store(self, atm_no: str, at: datetime) -> Application:
        """A counter or store reports a slip paid at ``at`` (``nhi-kiosk payments
        slip-paid``): accepted when it was paid in time, however late the report."""
        return self._record(atm_no, Method.SLIP, method_fee(Method.SLIP), {}, at)

    def pay(self, session: Session, atm_no: str, method: Method, fee: int,
            details: Mapping[str, str]) -> Application:
        """Record the payment; ``details`` name the bank and the masked account paid from
        (kiosk.domain.records.Payment)."""
        self.apps.get(session, atm_no)
        return self._record(atm_no, method, fee, details, self.apps.s.clock.now())

    def _record(self, atm_no: str, method: Method, fee: int, details: Mapping[str, str],
                at: datetime) -> Application:
        receipt_no = at.strftime("%Y%m%d") + "".join(secrets.choice("0123456789")
                                                     for _ in range(6))
        payment = cast(Payment, {
            "method": method.value, "amount": FEE, "fee": fee,
            "paid_at": at.isoformat(), "receipt_no": receipt_no,
            "insured_until": insured_until(at.date()).isoformat(), **details})
        app = self.apps.record_payment(atm_no, payment, at)
        try:   # paid is paid: a mail that cannot be queued now must not say otherwise
            self.apps.s.notify(MailKind.CARD_RECEIPT, app["email"], name=app["holder_name"],
                               atm_no=atm_no, amount=FEE, receipt_no=receipt_no, paid_at=at,
                               insured_until=datetime.fromisoformat(payment["insured_until"]))
        except StoreError:
            log.warning("receipt mail for a payment not queued: the store was busy")
        return app
