"""SoftHSM2 tokens made from nothing, shaped like MOICA cards as their PKCS#11 module
shows them: label "HiCOS PKI Smart Card" on every one (a card is known by its serial),
the signing key and its certificate under CKA_ID "SIGN", the CA certificates under
"CACert" and "ROOTCACert". softhsm2-util initialises each token; the objects are put in
through PyKCS11, the library the kiosk reads them with.

SoftHSM reads its token folder when the module is initialised, so every token of a test
session is made before the first login (the ``tokens`` fixture)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.moica_ca import der

LABEL = "HiCOS PKI Smart Card"
SO_PIN = "87654321"
MODULE_PATHS = ("/usr/lib/softhsm/libsofthsm2.so",
                "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")


def module_path() -> Path:
    for path in MODULE_PATHS:
        if Path(path).exists():
            return Path(path)
    raise AssertionError("SoftHSM2 is not installed (scripts/test installs Debian's softhsm2)")


@dataclass(frozen=True)
class Card:
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey
    pin: str
    cas: tuple[x509.Certificate, ...] = ()


class SoftHsm:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        (folder / "tokens").mkdir(parents=True)
        self.conf = folder / "softhsm2.conf"
        self.conf.write_text(f"directories.tokendir = {folder / 'tokens'}\n"
                             "objectstore.backend = file\nlog.level = ERROR\n"
                             "slots.removable = true\n")
        os.environ["SOFTHSM2_CONF"] = str(self.conf)   # the module reads it at C_Initialize
        assert shutil.which("softhsm2-util"), "softhsm2-util is not installed"

    def serials(self) -> set[str]:
        shown = subprocess.run(["softhsm2-util", "--show-slots"], capture_output=True,
                               text=True, check=True, timeout=30).stdout
        return {s for s in re.findall(r"Serial number:\s*(\S+)", shown)}

    def init_token(self, pin: str) -> str:
        """A new initialised token; its serial number."""
        before = self.serials()
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", LABEL,
                        "--pin", pin, "--so-pin", SO_PIN], capture_output=True, check=True,
                       timeout=30)
        [serial] = self.serials() - before
        return serial


def put_card(lib: object, serial: str, card: Card) -> None:
    """The card's objects into the token ``serial`` (its module loaded as ``lib``)."""
    import PyKCS11

    [slot] = [s for s in lib.getSlotList(tokenPresent=True)   # type: ignore[attr-defined]
              if lib.getTokenInfo(s).serialNumber.strip() == serial]  # type: ignore[attr-defined]
    session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)  # type: ignore[attr-defined]
    session.login(card.pin)
    try:
        n = card.key.private_numbers()
        size = (n.public_numbers.n.bit_length() + 7) // 8

        def b(value: int, width: int) -> bytes:
            return value.to_bytes(width, "big")

        session.createObject([
            (PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_RSA),
            (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_PRIVATE, True),
            (PyKCS11.CKA_SENSITIVE, True), (PyKCS11.CKA_SIGN, True),
            (PyKCS11.CKA_ID, b"SIGN"), (PyKCS11.CKA_MODULUS, b(n.public_numbers.n, size)),
            (PyKCS11.CKA_PUBLIC_EXPONENT, b(n.public_numbers.e, 3)),
            (PyKCS11.CKA_PRIVATE_EXPONENT, b(n.d, size)),
            (PyKCS11.CKA_PRIME_1, b(n.p, size // 2)), (PyKCS11.CKA_PRIME_2, b(n.q, size // 2)),
            (PyKCS11.CKA_EXPONENT_1, b(n.dmp1, size // 2)),
            (PyKCS11.CKA_EXPONENT_2, b(n.dmq1, size // 2)),
            (PyKCS11.CKA_COEFFICIENT, b(n.iqmp, size // 2))])
        for object_id, cert in ((b"SIGN", card.certificate),
                                *zip((b"CACert", b"ROOTCACert"), card.cas, strict=False)):
            session.createObject([
                (PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE),
                (PyKCS11.CKA_CERTIFICATE_TYPE, PyKCS11.CKC_X_509), (PyKCS11.CKA_TOKEN, True),
                (PyKCS11.CKA_ID, object_id), (PyKCS11.CKA_VALUE, der(cert)),
                (PyKCS11.CKA_SUBJECT, cert.subject.public_bytes())])
    finally:
        session.logout()
        session.closeSession()
