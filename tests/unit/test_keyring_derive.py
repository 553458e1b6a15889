"""kiosk.domain.keyring: what the machine key derives and digests, checked against the
rules as the module states them (HMAC-SHA256 under the key), computed here on their own."""

from __future__ import annotations

import hashlib
import hmac
import string

import pytest

from kiosk.domain.keyring import Keyring, new_seed

KEY = bytes(range(32))


def expected_derivation(key: bytes, seed: str, alphabet: str, length: int) -> str:
    """The rule: HMAC-SHA256(key, "derive\\0<seed>\\0<block>") for blocks 0, 1, 2 …; each
    byte below the largest multiple of the alphabet's size picks alphabet[byte % size], the
    others are skipped (they would favour the first letters)."""
    size = len(alphabet)
    keep_below = (256 // size) * size
    chars: list[str] = []
    block = 0
    while len(chars) < length:
        stream = hmac.new(key, f"derive\0{seed}\0{block}".encode(), hashlib.sha256).digest()
        chars += [alphabet[b % size] for b in stream if b < keep_below]
        block += 1
    return "".join(chars[:length])


@pytest.mark.parametrize("alphabet", ["abc", string.ascii_letters + string.digits,
                                      "".join(chr(0x4E00 + i) for i in range(200)),
                                      "01", "".join(chr(0x100 + i) for i in range(256))])
@pytest.mark.parametrize("seed", ["0f" * 16, "seed-1", "seed-2", "seed-3"])
def test_a_derived_secret_follows_the_published_rule_over_many_blocks(alphabet, seed):
    # 300 characters need several 32-byte blocks, more with a 200-letter alphabet, whose
    # bytes 200..255 are skipped
    assert Keyring(KEY).derive(seed, alphabet, 300) == expected_derivation(
        KEY, seed, alphabet, 300)


def test_a_derived_secret_has_the_length_asked_for_and_a_shorter_one_is_its_start():
    ring = Keyring(KEY)
    long = ring.derive("seed", string.digits, 40)
    assert len(long) == 40 and ring.derive("seed", string.digits, 7) == long[:7]
    assert ring.derive("seed", string.digits, 0) == ""


def test_a_skewed_alphabet_never_favours_its_first_letters():
    # 200 letters: an unskipped byte 200..255 would pick one of the first 56 again
    alphabet = "".join(chr(0x4E00 + i) for i in range(200))
    text = "".join(Keyring(KEY).derive(f"s{n}", alphabet, 100) for n in range(200))
    first = sum(text.count(c) for c in alphabet[:56])
    assert abs(first / len(text) - 56 / 200) < 0.02


def test_another_key_or_seed_derives_another_secret():
    alphabet = string.ascii_uppercase
    one = Keyring(KEY).derive("seed", alphabet, 20)
    assert Keyring(bytes(32)).derive("seed", alphabet, 20) != one
    assert Keyring(KEY).derive("seeds", alphabet, 20) != one


def test_an_alphabet_of_2_to_256_characters_is_accepted_and_1_or_257_refused():
    ring = Keyring(KEY)
    assert set(ring.derive("s", "ab", 50)) == {"a", "b"}
    full = "".join(chr(0x100 + i) for i in range(256))
    assert len(ring.derive("s", full, 50)) == 50
    for wrong in ("a", "", full + "x"):
        with pytest.raises(ValueError, match=r"^alphabet must have 2\.\.256 characters$"):
            ring.derive("s", wrong, 5)


def test_a_digest_is_the_hmac_of_purpose_and_text_under_the_key():
    expected = hmac.new(KEY, b"codes\0ABCDE23456", hashlib.sha256).hexdigest()
    assert Keyring(KEY).digest("codes", "ABCDE23456") == expected
    assert Keyring(KEY).digest("device_codes", "ABCDE23456") != expected


def test_a_seed_is_16_random_bytes_in_hex():
    seeds = {new_seed() for _ in range(50)}
    assert len(seeds) == 50
    assert all(len(s) == 32 and set(s) <= set("0123456789abcdef") for s in seeds)


def test_a_keyring_never_shows_its_key():
    ring = Keyring(KEY)
    assert repr(ring) == "Keyring(<machine key>)" == str(ring)
    assert KEY.hex() not in repr(ring) and repr(KEY) not in repr(ring)
