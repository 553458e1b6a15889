"""Signing in with the card **and** its registration password. Only an active account's
current card signs in; a later card of the same person (same ID, later issue date) takes
the account over at its first sign-in (the NHIA: 「註冊系統即會更新卡號」), and the
session says so, for the holder to be told; an older card is refused."""

from __future__ import annotations

from datetime import date
from typing import cast

from kiosk.domain.accounts import Services, State
from kiosk.domain.errors import KioskError
from kiosk.domain.records import Account
from kiosk.domain.session import Session
from reader.card import CardData


def active_account(services: Services, id_no: str,
                   missing: str = "err.login.not_registered") -> Account:
    """The person's registration if it is active, else why not: ``missing`` (the message
    for no registration at all), err.login.suspended or err.login.pending."""
    account = cast(Account | None, services.accounts.get_by_id(id_no))
    if account is None:
        raise KioskError(missing)
    state = State(account["state"])
    if state is State.SUSPENDED:
        raise KioskError("err.login.suspended")
    if state is State.PENDING:
        raise KioskError("err.login.pending")
    return account


def account_for_card(services: Services, card: CardData) -> Account:
    """The active account this card may act for, or the reason it may not."""
    services.require_valid_card(card)
    account = active_account(services, card.id_no)
    if card.card_no != account["card_no"] and not _newer_card(card, account):
        raise KioskError("err.login.old_card")
    return account


def _newer_card(card: CardData, account: Account) -> bool:
    """A replacement card has the same ID and a later issue date than the stored one."""
    stored = account.get("card_issue_date")
    return stored is None or card.issue_date > date.fromisoformat(stored)


class SignIn:
    def __init__(self, services: Services) -> None:
        self.s = services

    def login(self, card: CardData, password: str) -> Session:
        """The account is checked again after the password: scrypt takes half a second, in
        which staff may have suspended it at the counter."""
        self.s.check_password(account_for_card(self.s, card), password)
        account = account_for_card(self.s, card)
        new_card = card.card_no != account["card_no"]
        if new_card:
            account = cast(Account, self.s.accounts.modify(card.id_no, lambda _a: {
                "card_no": card.card_no, "card_issue_date": card.issue_date.isoformat()}))
        # the account holds this card now (it did, or was just moved onto it)
        return Session(account["id_no"], card.card_no, account["name"],
                       self.s.clock.now(), bool(account.get("must_change_password")),
                       new_card=new_card)

    def account(self, session: Session) -> Account:
        """The signed-in holder's account as stored now."""
        account = cast(Account | None, self.s.accounts.get_by_id(session.id_no))
        if account is None:
            raise KioskError("err.login.not_registered")
        return account
