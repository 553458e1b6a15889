"""reader/token.py at the PKCS#11 boundary, with a module that fails as real cards do:
every session it opens is closed again — after a wrong PIN, a locked card, a card pulled
mid-signature — and each failure is the error the domain turns into a message."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import PyKCS11
import pytest

from reader.token import (
    NoSigningKeyError,
    NoTokenError,
    PinLockedError,
    Pkcs11Token,
    TokenFaultError,
    TokenModuleError,
    WrongPinError,
)

SERIAL = "c3075127ca7d7b21"


@dataclass
class Session:
    login_fails: int | None = None
    sign_fails: int | None = None
    keys: int = 1
    calls: list[str] = field(default_factory=list)

    def login(self, pin: str) -> None:
        self.calls.append("login")
        if self.login_fails is not None:
            raise PyKCS11.PyKCS11Error(self.login_fails)

    def findObjects(self, template):
        wanted = dict(template)
        if wanted[PyKCS11.CKA_CLASS] == PyKCS11.CKO_PRIVATE_KEY:
            return ["key"] * self.keys
        return ["cert"] if wanted[PyKCS11.CKA_ID] == b"SIGN" else []

    def getAttributeValue(self, handle, attributes, all_at_once):
        return [(0x30, 0x00)]

    def sign(self, key, data, mechanism):
        if self.sign_fails is not None:
            raise PyKCS11.PyKCS11Error(self.sign_fails)
        return (1, 2, 3)

    def logout(self) -> None:
        self.calls.append("logout")

    def closeSession(self) -> None:
        self.calls.append("close")


@dataclass
class Module:
    session: Session
    flags_after: int = 0

    def getSlotList(self, tokenPresent):
        return [7]

    def getTokenInfo(self, slot):
        flags = PyKCS11.CKF_TOKEN_INITIALIZED | (self.flags_after if self.session.calls else 0)
        return SimpleNamespace(serialNumber=SERIAL + "\0", flags=flags)

    def openSession(self, slot):
        self.session.calls.append("open")
        return self.session


def token(module: Module) -> Pkcs11Token:
    return Pkcs11Token(Path("/hicos.so"), load=lambda path: module)


def test_a_signature_logs_out_and_closes_the_session():
    session = Session()
    signed = token(Module(session)).sign("123456", b"challenge")
    assert (signed.serial, signed.signature, signed.certificate) == (SERIAL, b"\1\2\3",
                                                                     b"\x30\x00")
    assert session.calls == ["open", "login", "logout", "close"]


@pytest.mark.parametrize("code, flags, raised", [
    (PyKCS11.CKR_PIN_INCORRECT, 0, WrongPinError),
    (PyKCS11.CKR_PIN_LOCKED, 0, PinLockedError),
    (PyKCS11.CKR_PIN_LEN_RANGE, 0, WrongPinError),
    (PyKCS11.CKR_DEVICE_REMOVED, 0, NoTokenError),
    (PyKCS11.CKR_FUNCTION_FAILED, 0, TokenFaultError),
])
def test_a_failed_login_closes_the_session(code, flags, raised):
    session = Session(login_fails=code)
    with pytest.raises(raised):
        token(Module(session, flags)).sign("123456", b"challenge")
    assert session.calls == ["open", "login", "close"]


def test_the_card_says_how_many_tries_are_left():
    flags = PyKCS11.CKF_USER_PIN_COUNT_LOW | PyKCS11.CKF_USER_PIN_FINAL_TRY
    with pytest.raises(WrongPinError) as wrong:
        token(Module(Session(login_fails=PyKCS11.CKR_PIN_INCORRECT), flags)).sign("864213", b"c")
    assert wrong.value.count_low and wrong.value.final_try
    assert "864213" not in repr(wrong.value) + str(wrong.value.args) + str(vars(wrong.value))


def test_a_logout_that_fails_does_not_hide_the_signature():
    session = Session()

    def logout() -> None:
        session.calls.append("logout")
        raise PyKCS11.PyKCS11Error(PyKCS11.CKR_DEVICE_REMOVED)

    session.logout = logout   # type: ignore[method-assign]
    assert token(Module(session)).sign("123456", b"challenge").signature == b"\1\2\3"
    assert session.calls == ["open", "login", "logout", "close"]


def test_a_card_pulled_while_signing_closes_what_is_left():
    session = Session(sign_fails=PyKCS11.CKR_DEVICE_REMOVED)
    with pytest.raises(NoTokenError):
        token(Module(session)).sign("123456", b"challenge")
    assert session.calls == ["open", "login", "logout", "close"]


def test_a_token_without_one_sign_key_is_not_a_moica_card():
    session = Session(keys=0)
    with pytest.raises(NoSigningKeyError):
        token(Module(session)).sign("123456", b"challenge")
    assert session.calls[-1] == "close"


def test_a_module_that_does_not_load_is_said_without_its_details():
    def load(path: str):
        raise OSError(f"{path}: cannot open shared object file")

    with pytest.raises(TokenModuleError) as failed:
        Pkcs11Token(Path("/hicos.so"), load=load).present()
    assert failed.value.detail == "OSError"


def test_a_pin_too_long_never_reaches_the_module():
    session = Session()
    with pytest.raises(WrongPinError):
        token(Module(session)).sign("1" * 17, b"challenge")
    assert session.calls == []


def test_a_slot_that_cannot_say_what_it_holds_hides_no_other_card():
    module = Module(Session())

    def slots(tokenPresent):
        return [3, 7]

    def info(slot):
        if slot == 3:
            raise PyKCS11.PyKCS11Error(PyKCS11.CKR_DEVICE_ERROR)
        return SimpleNamespace(serialNumber=SERIAL, flags=PyKCS11.CKF_TOKEN_INITIALIZED)

    module.getSlotList, module.getTokenInfo = slots, info   # type: ignore[method-assign]
    assert token(module).present() == [SERIAL]
    assert token(module).sign("123456", b"challenge").serial == SERIAL


def test_a_card_without_sha256_rsa_signs_the_digest_info_raw():
    """Older modules offer only CKM_RSA_PKCS: the kiosk hashes and wraps the digest, the
    card pads and exponentiates, and the signature verifies as a SHA-256 RSA one."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from tests.moica_ca import rsa_key

    key = rsa_key("citizen")
    numbers, size = key.private_numbers(), key.key_size // 8
    mechanisms = []

    def raw_rsa(handle, data, mechanism):
        mechanisms.append(mechanism.to_native().mechanism)
        if mechanisms[-1] != PyKCS11.CKM_RSA_PKCS:
            raise PyKCS11.PyKCS11Error(PyKCS11.CKR_MECHANISM_INVALID)
        block = b"\0\1" + b"\xff" * (size - len(data) - 3) + b"\0" + bytes(data)
        value = pow(int.from_bytes(block, "big"), numbers.d, numbers.public_numbers.n)
        return list(value.to_bytes(size, "big"))

    session = Session()
    session.sign = raw_rsa   # type: ignore[method-assign]
    signed = token(Module(session)).sign("123456", b"challenge")
    key.public_key().verify(signed.signature, b"challenge", padding.PKCS1v15(),
                            hashes.SHA256())
    assert mechanisms == [PyKCS11.CKM_SHA256_RSA_PKCS, PyKCS11.CKM_RSA_PKCS]


def test_the_card_in_a_reader_is_the_token_in_the_slot_named_after_it():
    """HiCOS and OpenSC describe a slot by its PC/SC reader's name, cut to 64 characters
    and padded with spaces; a module that fails is "no certificate card there"."""
    long_name = "Generic Smart Card Reader Interface with a very long name [Interface] 00 00"
    module = Module(Session())

    def slot_info(slot):
        return SimpleNamespace(slotDescription=long_name[:64].ljust(64))

    module.getSlotInfo = slot_info   # type: ignore[attr-defined]
    assert token(module).in_reader(long_name) == SERIAL
    assert token(module).in_reader("Another reader 01 00") is None

    def broken(path: str):
        raise OSError("no module")

    assert Pkcs11Token(Path("/hicos.so"), load=broken).in_reader(long_name) is None

    def two_slots(tokenPresent):
        return [3, 7]      # the same long name twice: which card is in which is unknown

    module.getSlotList = two_slots   # type: ignore[method-assign]
    assert token(module).in_reader(long_name) is None
