"""The banks behind the three ways to pay, simulated.

No bank is reachable from the kiosk, so the simulation keeps what the banks would answer:
the bank codes of the e-Bill list, demo current accounts and whose they are (e-Bill debits
only the applicant's own account), and the chip card of 網路ATM with its PIN.
Any inserted chip card that is not an NHI card plays the demo chip card: a kiosk cannot read
a real bank card's account, and must never see a real PIN.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass

from store.api import StoreBackend

BANK_OF_TAIWAN = "004"
# 財金資訊 bank codes of the e-Bill list (names in the catalog: bank.<code>)
BANK_CODES = ("004", "005", "006", "007", "008", "009", "012", "013", "700", "822")
_ACCOUNT = re.compile(r"\d{10,14}")
_PIN = re.compile(r"\d{6,12}")


@dataclass(frozen=True, slots=True)
class ChipCard:
    bank: str
    account: str
    pin: str     # the demo card's PIN: printed in README, like the demo password

    def masked_account(self) -> str:
        return mask_account(self.account)


DEMO_CHIP_CARD = ChipCard(BANK_OF_TAIWAN, "001001234567", "123456")

# (bank, account, holder): one current account for three demo people
DEMO_ACCOUNTS = (
    ("004", "012345678901", "J128765432"),    # 張志明
    ("822", "901234567890", "A123456789"),    # 王大明
    ("700", "00012345678901", "AC01234567"),  # NGUYEN THI LAN (郵局)
)


def mask_account(account: str) -> str:
    return "*" * (len(account) - 4) + account[-4:]


def valid_account(text: str) -> bool:
    return bool(_ACCOUNT.fullmatch(text))


def valid_pin(text: str) -> bool:
    return bool(_PIN.fullmatch(text))


def pin_matches(card: ChipCard, typed: str) -> bool:
    return hmac.compare_digest(card.pin.encode(), typed.encode())


def new_verification_code(length: int = 4) -> str:
    """交易驗證碼 / 圖像驗證碼: digits the citizen copies from the screen."""
    return "".join(secrets.choice("0123456789") for _ in range(length))


class BankAccounts:
    """Whose current account is whose, for the e-Bill check."""

    def __init__(self, store: StoreBackend) -> None:
        self._accounts = store.keyed("bank_accounts", "key")

    @staticmethod
    def _key(bank: str, account: str) -> str:
        return f"{bank}:{account}"

    def holder(self, bank: str, account: str) -> str | None:
        doc = self._accounts.get(self._key(bank, account))
        return doc["holder_id"] if doc else None

    def seed_demo(self) -> None:
        known = self._accounts.get_many()
        missing = [{"key": self._key(b, a), "bank": b, "account": a, "holder_id": h}
                   for b, a, h in DEMO_ACCOUNTS if self._key(b, a) not in known]
        if missing:
            self._accounts.put_many(missing)
