"""Login and the services after it, from the holder's side: which card counts as newer,
under which field a bad new password is shown, what a session records, when a contact
change is a change, and what a default password's holder sees after replacing it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kiosk.domain.counter.batch import Batch
from kiosk.domain.demo_people import DEMO_PASSWORD
from kiosk.domain.errors import InvalidInput
from kiosk.domain.i18n import Catalog
from kiosk.domain.mail import MailKind
from kiosk.domain.passwords import hash_password
from kiosk.domain.registration.my_account import InfoChange
from tests.unit.domain_fixtures import GOOD, NOW, card, new_card, refused

REGISTERED = "registered"   # 張志明, card 000077778888 issued 2010-04-05, phone 0912345678
WANG = "national"           # 王大明, A123456789: not registered in the demo


# -- which card logs in --------------------------------------------------------------------
def test_a_card_issued_the_same_day_as_the_registered_one_is_an_old_card(world):
    same_day = new_card(card(REGISTERED), "000077770000", date(2010, 4, 5))
    with refused("err.login.old_card"):
        world.sign_in.login(same_day, DEMO_PASSWORD)


def test_a_card_issued_a_day_after_the_registered_one_takes_over(world):
    next_day = new_card(card(REGISTERED), "000077770000", date(2010, 4, 6))
    assert world.sign_in.login(next_day, DEMO_PASSWORD).card_no == "000077770000"


def test_after_a_replacement_a_card_older_than_it_is_an_old_card(world):
    replacement = new_card(card(REGISTERED), "000077779999", date(2026, 11, 1))
    world.sign_in.login(replacement, DEMO_PASSWORD)
    between = new_card(card(REGISTERED), "000077775555", date(2026, 10, 1))
    with refused("err.login.old_card"):
        world.sign_in.login(between, DEMO_PASSWORD)


def test_a_session_holds_only_the_card_it_began_with(world):
    session = world.sign_in.login(card(REGISTERED), DEMO_PASSWORD)
    assert session.holds(card(REGISTERED))
    assert not session.holds(None)
    assert not session.holds(new_card(card(REGISTERED), "000077779999", date(2026, 11, 1)))


def test_a_session_starts_at_login_time(world):
    world.clock.advance(minutes=42)
    session = world.sign_in.login(card(REGISTERED), DEMO_PASSWORD)
    assert session.started_at == NOW + timedelta(minutes=42)


def test_an_account_removed_after_login_is_no_longer_registered(world):
    session = world.sign_in.login(card(REGISTERED), DEMO_PASSWORD)
    world.services.accounts.remove(session.id_no)
    with refused("err.login.not_registered"):
        world.sign_in.account(session)
    with refused("err.login.not_registered"):
        world.my_account.change_password(session, DEMO_PASSWORD, GOOD, GOOD)


# -- a bad new password is shown under the new-password fields ---------------------------------
def _bad_new_password(call) -> list[tuple[str, str]]:
    shown = []
    for new, new2 in (("short", "short"), (GOOD, GOOD + "x")):
        with pytest.raises(InvalidInput) as info:
            call(new, new2)
        shown.append((info.value.field, info.value.key))
    return shown


def test_a_bad_new_password_when_changing_it_is_shown_under_the_new_fields(world):
    session = world.sign_in.login(card(REGISTERED), DEMO_PASSWORD)
    shown = _bad_new_password(
        lambda new, new2: world.my_account.change_password(session, DEMO_PASSWORD, new, new2))
    assert shown == [("new", "err.password.length"), ("new2", "err.password.repeat")]


def test_a_bad_new_password_when_resetting_it_is_shown_under_the_new_fields(world):
    world.forgot_password.send_reset(card(REGISTERED))
    _, params = world.mail.last(MailKind.RESET)
    shown = _bad_new_password(
        lambda new, new2: world.forgot_password.reset(params["code"], new, new2))
    assert shown == [("new", "err.password.length"), ("new2", "err.password.repeat")]


# -- contact details ------------------------------------------------------------------------
def test_giving_the_same_address_and_phone_changes_nothing_and_sends_nothing(world):
    session = world.sign_in.login(card(REGISTERED), DEMO_PASSWORD)
    sent = len(world.mail.sent)
    change = world.my_account.update_info(session, "chang.demo@example.com", "0912345678")
    assert change == InfoChange(phone_changed=False, email_pending=None)
    assert len(world.mail.sent) == sent


def test_a_new_phone_alone_changes_at_once_and_sends_nothing(world):
    session = world.sign_in.login(card(REGISTERED), DEMO_PASSWORD)
    sent = len(world.mail.sent)
    change = world.my_account.update_info(session, "chang.demo@example.com", "0933444555")
    assert change == InfoChange(phone_changed=True, email_pending=None)
    assert world.sign_in.account(session)["phone"] == "0933444555"
    assert len(world.mail.sent) == sent


def test_no_phone_given_for_an_account_that_never_had_one_is_no_change(world):
    holder = card(WANG)
    world.services.accounts.add({   # from before phone numbers were kept: no field at all
        "id_no": holder.id_no, "card_no": holder.card_no,
        "card_issue_date": holder.issue_date.isoformat(), "name": holder.name,
        "birth_date": holder.birth_date.isoformat(), "state": "active",
        "password_hash": hash_password(GOOD), "email": "wang.demo@example.com",
        "must_change_password": False})
    session = world.sign_in.login(holder, GOOD)
    change = world.my_account.update_info(session, "wang.demo@example.com", "")
    assert change == InfoChange(phone_changed=False, email_pending=None)


# -- a default password (batch registration) replaced ---------------------------------------------
@pytest.fixture
def defaulted(world, tmp_path):
    """王大明 registered by his unit's batch file: a default password in a welcome mail
    not yet sent, to be changed at the first login. Returns that password."""
    path = tmp_path / "11012100920160207.CSV"
    path.write_text("身分證號,電子郵件,手機\nA123456789,wang@example.com,\n", encoding="utf-8")
    Batch(world.services).import_file(path, tmp_path / "reports", Catalog("en"))
    return _default_password_shown(world)


def _welcome_body(world) -> str:
    (welcome,) = [m for m in world.services.mails() if m["kind"] == MailKind.BATCH_WELCOME]
    return welcome["body"]


def _default_password_shown(world) -> str:
    return next(line.split("：")[-1].strip() for line in _welcome_body(world).splitlines()
                if line.startswith("預設密碼"))


def test_a_changed_default_password_is_not_asked_for_again_nor_shown(world, defaulted):
    session = world.sign_in.login(card(WANG), defaulted)
    assert session.must_change_password
    world.my_account.change_password(session, defaulted, GOOD, GOOD)
    assert not world.sign_in.login(card(WANG), GOOD).must_change_password
    assert defaulted not in _welcome_body(world)


def test_a_default_password_reset_by_mail_is_not_asked_for_again_nor_shown(world, defaulted):
    assert world.forgot_password.send_reset(card(WANG)) == "wang@example.com"
    _, params = world.mail.last(MailKind.RESET)
    world.forgot_password.reset(params["code"], GOOD, GOOD)
    assert not world.sign_in.login(card(WANG), GOOD).must_change_password
    assert defaulted not in _welcome_body(world)
    assert _default_password_shown(world) == "*" * 12


def test_a_reset_password_is_confirmed_to_the_address_that_received_the_reset(world):
    holder = card(REGISTERED)
    world.forgot_password.send_reset(holder)
    _, params = world.mail.last(MailKind.RESET)
    world.forgot_password.reset(params["code"], GOOD, GOOD)
    kinds = [kind for kind, _to, _params in world.mail.sent]
    assert kinds[-1] == MailKind.PASSWORD_CHANGED
    assert world.mail.last(MailKind.PASSWORD_CHANGED)[0] == "chang.demo@example.com"


def test_a_password_changed_is_not_asked_for_again(world):
    holder = card(REGISTERED)
    world.services.accounts.modify(holder.id_no, lambda _a: {"must_change_password": True})
    session = world.sign_in.login(holder, DEMO_PASSWORD)
    assert session.must_change_password
    world.my_account.change_password(session, DEMO_PASSWORD, GOOD, GOOD)
    assert not world.sign_in.login(holder, GOOD).must_change_password


def test_a_certificate_session_holds_its_certificate_card_only(world):
    """After 網路ATM the card put back must be the session's own: for a certificate
    sign-in, the certificate card of the same token, not an NHI card nor another token."""
    from dataclasses import replace

    from reader.events import EventKind, ReaderEvent, ReadFailure

    by_card = world.sign_in.login(card(REGISTERED), DEMO_PASSWORD)
    by_certificate = replace(by_card, via="certificate", token="c3075127ca7d7b21")

    def inserted(**kw) -> ReaderEvent:
        return ReaderEvent(EventKind.INSERTED, NOW, "R0", **kw)

    own = inserted(failure=ReadFailure.CERTIFICATE, token="c3075127ca7d7b21")
    nhi = inserted(card=card(REGISTERED))
    assert by_certificate.holds_card_of(own) and by_certificate.card_bound
    assert not by_certificate.holds_card_of(nhi)
    assert not by_certificate.holds_card_of(replace(own, token="0000000000000001"))
    assert not by_certificate.holds_card_of(None)
    assert by_card.holds_card_of(nhi) and not by_card.holds_card_of(own)
    assert not replace(by_card, via="qr").card_bound
