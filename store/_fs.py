"""Low-level file operations: private modes, crash-safe replace, cheap change detection.

Everything here is about never leaving a half-written database behind: a new version is written
to a temp file in the same directory, fsync-ed, renamed over the old one and the directory is
fsync-ed, so after a crash (or kill -9) the path holds either the old or the new version. Files
are created 0600 regardless of the umask because the database holds personal data.

Every temp file gets a name no other writer can be using (``tempfile.mkstemp`` in the target's
directory, or a hard link that ``link(2)`` refuses to place over an existing name), all of them
start with :func:`temp_prefix`, so :func:`remove_stale_temps` finds what a killed writer left.
A failed write raises ``OSError`` naming the file that was to be written (``exc.filename``),
not the temp file, which is gone by then: that is the name a person can act on.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import NoReturn

#: Size of one write(2) in :func:`atomic_write`: few syscalls, little memory.
WRITE_BYTES = 1 << 20

#: (st_ino, st_size, st_mtime_ns) of one version of a file: a new version is a new inode
#: (every writer renames a temp file into place), so this tells versions apart.
Signature = tuple[int, int, int]

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def temp_prefix(path: Path) -> str:
    """Name prefix of this database's temp files (they are all stale when we hold the lock)."""
    return f".{path.name}.tmp-"


def ensure_private_dir(directory: Path) -> None:
    """Create ``directory`` and missing parents with mode 0700 (existing ones are not touched)."""
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            os.mkdir(folder, PRIVATE_DIR)
        except FileExistsError:
            continue
        os.chmod(folder, PRIVATE_DIR)  # mkdir's mode is filtered by the umask


def create_private_file(path: Path) -> None:
    """Create an empty file with mode 0600 unless it exists (used for the lock file)."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_FILE)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, PRIVATE_FILE)
    finally:
        os.close(fd)


def read_whole(path: Path) -> tuple[Signature, bytes]:
    """The file's signature and its content, from the same open descriptor, so both describe
    the same version even if another process replaces the file meanwhile. Raises
    ``OSError``."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        with open(fd, "rb", closefd=False) as f:
            return (st.st_ino, st.st_size, st.st_mtime_ns), f.read()
    finally:
        os.close(fd)


def fsync_dir(directory: Path) -> None:
    """Make renames inside ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_chunks(fd: int, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` in writes of about WRITE_BYTES."""
    pending: list[bytes] = []
    size = 0
    for chunk in chunks:
        pending.append(chunk)
        size += len(chunk)
        if size >= WRITE_BYTES:
            _write_all(fd, b"".join(pending))
            pending, size = [], 0
    _write_all(fd, b"".join(pending))


def raise_about(path: Path, exc: OSError) -> NoReturn:
    """Raise ``exc`` as an error about ``path``: what failed is saving ``path``, whichever
    temp name or syscall (write, fsync, rename) it happened in."""
    if exc.filename == str(path) and exc.filename2 is None:
        raise exc
    # OSError(errno, ...) picks the subclass (PermissionError, ...) as the original had it
    raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc


def _private_temp(path: Path) -> tuple[int, Path]:
    """A new, empty temp file beside ``path`` with a unique name and mode 0600."""
    import tempfile  # here: only writers need it, and it costs start-up ~3 ms (shutil, random)

    fd, name = tempfile.mkstemp(prefix=temp_prefix(path), dir=path.parent)
    try:
        os.fchmod(fd, PRIVATE_FILE)   # mkstemp makes 0600 already; say so whatever it does
    except BaseException:
        os.close(fd)
        os.unlink(name)
        raise
    return fd, Path(name)


def atomic_write(path: Path, chunks: Iterable[bytes], backup: Path) -> Signature:
    """Replace ``path`` by the concatenated ``chunks`` crash-safely; the replaced version
    becomes ``backup``. :func:`write_temp` then :func:`install`; returns the signature of
    the new version."""
    tmp, signature = write_temp(path, chunks)
    install(tmp, path, backup)
    return signature


def write_temp(path: Path, chunks: Iterable[bytes], *, hold: list[int] | None = None
               ) -> tuple[Path, Signature]:
    """The concatenated ``chunks`` in a new private temp file beside ``path``, fsync-ed: the
    temp file and the signature it will have as ``path``.

    With ``hold`` (a list), the temp file stays open and flock-ed, its descriptor appended
    to ``hold`` for the caller to close after :func:`install`: a compaction writes its
    snapshot without the store's lock, and :func:`remove_stale_temps` leaves a held temp
    file alone (its writer is alive).

    Chunks, not one bytes object: the encoded database would otherwise sit in memory beside
    its tables (75 MB at 100,000 accounts with their mails). If producing a chunk raises,
    the temp file goes; so it does when the disk is full or the directory read-only, and
    the ``OSError`` then names ``path``.
    """
    try:
        fd, tmp = _private_temp(path)
    except OSError as exc:
        raise_about(path, exc)
    try:
        try:
            if hold is not None:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _write_chunks(fd, chunks)
            os.fsync(fd)
            st = os.fstat(fd)
        except BaseException:
            os.close(fd)
            raise
        if hold is None:
            os.close(fd)
        else:
            hold.append(fd)
    except BaseException as exc:
        _drop_temp_and_raise(tmp, path, exc)
    return tmp, (st.st_ino, st.st_size, st.st_mtime_ns)


def _drop_temp_and_raise(tmp: Path, path: Path, exc: BaseException) -> NoReturn:
    """A write of ``path`` through ``tmp`` failed: the temp file goes, and an ``OSError``
    is raised as one about ``path`` (whatever step or name it came from)."""
    with contextlib.suppress(OSError):
        os.unlink(tmp)
    if isinstance(exc, OSError):
        raise_about(path, exc)
    raise exc


def install(tmp: Path, path: Path, backup: Path | None) -> None:
    """Rename the temp file ``tmp`` (from :func:`write_temp`) onto ``path`` and fsync the
    directory; the replaced version becomes ``backup`` (None: none is kept).

    The backup costs no copying: the current file is hard-linked to a temp name which is
    renamed onto ``backup``. On failure ``tmp`` is removed, ``path`` keeps its previous
    version (unless only the directory's sync failed), and ``OSError`` names ``path``.
    """
    try:
        if backup is not None:
            _rotate_backup(path, backup)
        os.replace(tmp, path)
    except BaseException as exc:
        _drop_temp_and_raise(tmp, path, exc)
    try:
        fsync_dir(path.parent)
    except OSError as exc:
        raise_about(path, exc)


def replace_private(path: Path, data: bytes, temp_of: Path) -> None:
    """Replace the small file ``path`` by ``data`` crash-safely, mode 0600: a unique temp
    file named like those of ``temp_of`` (a file in the same directory, the database), so
    :func:`remove_stale_temps` of ``temp_of`` also clears what a killed writer left; fsync,
    ``os.replace``, fsync of the directory. Raises ``OSError`` naming ``path``, which then
    still holds its previous content."""
    try:
        fd, tmp = _private_temp(temp_of)
    except OSError as exc:
        raise_about(path, exc)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException as exc:
        _drop_temp_and_raise(tmp, path, exc)


def link_backup(path: Path, backup: Path) -> None:
    """Make ``backup`` the current version of ``path`` (a hard link; no copy). Raises
    ``OSError`` naming ``backup``; on a filesystem without hard links the old backup is
    removed instead, since it holds what had to go."""
    try:
        _rotate_backup(path, backup)
    except OSError as exc:
        raise_about(backup, exc)
    if os.path.exists(backup) and not os.path.samefile(path, backup):
        os.unlink(backup)


def _rotate_backup(path: Path, backup: Path) -> None:
    """Hard-link the current version to a fresh temp name and rename that onto ``backup``.

    Not mkstemp: a hard link cannot be made onto a file mkstemp has created. ``link(2)``
    never replaces an existing name, so a random name that happens to be taken is simply
    tried again; two writers can never share one.
    """
    for _ in range(100):
        link = path.parent / f"{temp_prefix(path)}bak-{secrets.token_hex(8)}"
        try:
            os.link(path, link)
        except FileExistsError:
            continue
        except FileNotFoundError:
            return  # first commit: nothing to back up
        except OSError as exc:
            if exc.errno in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                return  # filesystem without hard links: keep the older backup rather than fail
            raise
        break
    else:
        raise FileExistsError(errno.EEXIST, "no free temp name for the backup link",
                              str(path.parent))
    try:
        os.replace(link, backup)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(link)
        raise
    # rename(2) onto another name of the same file does nothing and leaves both names: the
    # backup was this version already (link_backup after an erasure)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(link)


def remove_stale_temps(path: Path, *others: Path) -> None:
    """Delete temp files left by killed writers of ``path`` and of ``others`` (files beside
    it written the same way, the journal). Call only while holding the lock."""
    prefixes = tuple(temp_prefix(p) for p in (path, *others))
    for name in os.listdir(path.parent):
        if name.startswith(prefixes):
            with contextlib.suppress(FileNotFoundError):
                _remove_unless_held(path.parent / name)


def _remove_unless_held(temp: Path) -> None:
    """Delete ``temp`` unless its writer holds it (a compaction under way: write_temp)."""
    fd = os.open(temp, os.O_RDONLY | os.O_CLOEXEC | os.O_NOFOLLOW)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        os.unlink(temp)
    finally:
        os.close(fd)
