"""SoftHSM2 tokens made from nothing, shaped like MOICA cards as their PKCS#11 module
shows them (reader/softhsm.py: the label every MOICA card has; reader/token.py's
``write_card``: the objects), as the demo's certificate card is made.

SoftHSM reads its token folder when the module is initialised, so every token of a test
session is made before the first login (the ``tokens`` fixture)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from reader import softhsm
from reader.token import write_card

SO_PIN = "87654321"


def module_path() -> Path:
    found = softhsm.module_path()
    assert found, "SoftHSM2 is not installed (scripts/test installs Debian's softhsm2)"
    return found


@dataclass(frozen=True)
class Card:
    certificate: x509.Certificate
    key: rsa.RSAPrivateKey
    pin: str
    cas: tuple[x509.Certificate, ...] = ()


class SoftHsm:
    def __init__(self, folder: Path) -> None:
        self.conf = softhsm.write_conf(folder)
        os.environ["SOFTHSM2_CONF"] = str(self.conf)   # the module reads it at C_Initialize

    def init_token(self, pin: str) -> str:
        return softhsm.init_token(self.conf, pin, SO_PIN)


def put_card(serial: str, card: Card) -> None:
    write_card(str(module_path()), serial, card.pin, card.key, card.certificate, card.cas)
