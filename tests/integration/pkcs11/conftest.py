"""Real PKCS#11: SoftHSM2 tokens shaped like MOICA cards (softhsm.py), under a test CA
shaped like MOICA's (tests/moica_ca.py). No pcscd: these tests are in no xdist group."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from reader.demo import DEMO_BY_KEY
from tests.integration.pkcs11.softhsm import Card, SoftHsm, module_path, put_card
from tests.moica_ca import UTC, Authority, rsa_key

PIN = "246813"
CHANG = DEMO_BY_KEY["registered"].card        # 張志明, registered and active


@dataclass(frozen=True)
class Tokens:
    module: Path
    trust: Path
    crl: Path
    serials: dict[str, str]      # what the card is -> its token's serial


@pytest.fixture(autouse=True)
def _no_card_left_inserted() -> None:
    """Overrides the PC/SC fixture of tests/integration/conftest.py: no pcscd needed here."""


@pytest.fixture(scope="session")
def tokens(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tokens]:
    """The cards, on SoftHSM tokens in a folder of their own; SOFTHSM2_CONF, which points
    the module at them, is put back as it was afterwards."""
    before = os.environ.get("SOFTHSM2_CONF")
    folder = tmp_path_factory.mktemp("softhsm")
    trusted, lookalike = Authority("trusted"), Authority("lookalike")
    chain = (trusted.moica, trusted.root)

    def card(name: str, last4: str, serial: int, authority: Authority = trusted,
             **issue: object) -> Card:
        key = rsa_key(f"softhsm-{serial}")
        cert = authority.issue(name, last4, serial=serial, key=key, **issue)  # type: ignore[arg-type]
        return Card(cert, key, PIN, chain)

    cards = {
        "valid": card(CHANG.name, CHANG.id_no[-4:], 2001),
        "expired": card(CHANG.name, CHANG.id_no[-4:], 2002,
                        not_after=dt.datetime(2026, 6, 1, tzinfo=UTC)),
        "untrusted": card(CHANG.name, CHANG.id_no[-4:], 2003, lookalike),
        "other_id": card(CHANG.name, "9999", 2004),
        "revoked": card(CHANG.name, CHANG.id_no[-4:], 2005),
    }
    hsm = SoftHsm(folder)
    serials = {what: hsm.init_token(PIN) for what in cards}   # all before the module loads
    for what, made in cards.items():
        put_card(serials[what], made)
    crl = folder / "moica.crl"
    crl.write_bytes(trusted.crl([2005], next_update=dt.datetime(2027, 6, 1, tzinfo=UTC))
                    .public_bytes(serialization.Encoding.DER))
    yield Tokens(module_path(), trusted.write_trust(folder / "moica-ca"), crl, serials)
    if before is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = before
