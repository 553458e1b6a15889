"""A secret key in a private file beside the store: created once, 0600, never logged."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_BYTES = 32


def load_or_create_key(path: Path) -> bytes:
    """The key in ``path``; a new random one if there is none yet. The file appears whole
    or not at all (written aside, then hard-linked into place), so two processes creating
    it at once agree on the winner's key."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        place_key(path, secrets.token_bytes(KEY_BYTES))
        data = path.read_bytes()
    if len(data) != KEY_BYTES:
        raise ValueError(f"{path} is not a key file ({len(data)} bytes)")
    return data


def place_key(path: Path, key: bytes) -> None:
    """Put ``key`` in ``path`` unless a key is there already (then that one stays): 0600,
    fsync-ed, written aside and hard-linked into place, so it appears whole or not at all."""
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key)
        out.flush()
        os.fsync(out.fileno())
    try:
        os.link(temp, path)
    except FileExistsError:
        pass   # another process won: its key stays
    finally:
        temp.unlink()
