"""The browsers' kiosk processes: one each, at most ``most`` at once, each in a private
folder of its own that goes when the session does.

A session ends when its browser leaves (the WebSocket closes, or stops answering the
heartbeat), when its kiosk process ends (the page then says so), or when the server
stops. Its kiosk is asked to quit and, if it has not within :data:`STOP_S` seconds,
killed: a slot is never held by a kiosk that hangs. A crash log the kiosk left in its
folder is kept in ``crash_dir`` before the folder is deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from kiosk.crash import LOG_NAME

STOP_S = 10.0

#: the kiosk command for one session, given its private folder
SessionCommand = Callable[[Path], Sequence[str]]
#: a line for the server's console: a catalog key and its parameters
Say = Callable[..., None]


class KioskProcess(AppService):
    """AppService, with what a public server needs besides: the browser is told when the
    kiosk ends by itself, and a kiosk that does not quit when asked is killed."""

    def __init__(self, command: Sequence[str], *, send_bytes: Callable[[bytes], Awaitable[None]],
                 send_str: Callable[[str], Awaitable[None]],
                 close: Callable[[], Awaitable[None]],
                 downloads: DownloadManager) -> None:
        # the shell runs the kiosk in its place (exec), so the process that is killed is
        # the kiosk's; every word is quoted, so a path with spaces stays one word
        super().__init__("exec " + shlex.join(command), write_bytes=send_bytes,
                         write_str=send_str, close=close, download_manager=downloads)

    async def run(self) -> None:
        await super().run()
        await self.remote_close()   # the kiosk ended: the page shows "session ended"

    async def end(self) -> bool:
        """Stop the kiosk; whether it quit when asked (False: it had to be killed). It is
        killed on every way out of here, an error or this task cancelled among them: its
        folder is deleted next."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STOP_S
        process = self._process   # AppService keeps it; textual-serve is pinned (pyproject)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop(), STOP_S)
            if process is not None:
                await asyncio.wait_for(process.wait(), max(deadline - loop.time(), 0.1))
            return True
        except TimeoutError:
            return False
        finally:
            if process is not None and process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await asyncio.shield(process.wait())


class Sessions:
    """The sessions running now. :meth:`reserve` takes a slot or refuses at once; between
    the check and the count nothing else runs (one event loop), so ``most`` holds however
    many browsers arrive together."""

    def __init__(self, command: SessionCommand, *, most: int, crash_dir: Path,
                 say: Say) -> None:
        self.command = command
        self.most = most
        self.crash_dir = crash_dir
        self.say = say
        self.downloads = DownloadManager()
        self._slots = 0
        self._closers: set[Callable[[], Awaitable[None]]] = set()
        self._closing = False

    @property
    def active(self) -> int:
        return self._slots

    @property
    def full(self) -> bool:
        return self._slots >= self.most

    def reserve(self) -> bool:
        """A slot for one more session; False when all are taken or the server stops."""
        if self.full or self._closing:
            return False
        self._slots += 1
        self.say("serve.session_opened", active=self._slots, most=self.most)
        return True

    def release(self) -> None:
        self._slots -= 1
        self.say("serve.session_closed", active=self._slots, most=self.most)

    @contextlib.asynccontextmanager
    async def running(self, size: tuple[int, int], *,
                      send_bytes: Callable[[bytes], Awaitable[None]],
                      send_str: Callable[[str], Awaitable[None]],
                      close: Callable[[], Awaitable[None]]) -> AsyncIterator[KioskProcess]:
        """A reserved slot's kiosk, started at ``size`` (columns, rows), stopped after."""
        with self._folder() as folder:
            process = KioskProcess(self.command(folder), send_bytes=send_bytes,
                                   send_str=send_str, close=close, downloads=self.downloads)
            self._closers.add(close)
            try:
                await process.start(*size)
                yield process
            finally:
                self._closers.discard(close)
                if not await process.end():
                    self.say("serve.session_killed", seconds=int(STOP_S))

    async def close_all(self) -> None:
        """The server is stopping: no session starts any more, and every browser is let go,
        which ends its session. A browser that stopped reading cannot hold this up for
        longer than :data:`STOP_S` (closing waits for what is queued to it)."""
        self._closing = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(
                *(close() for close in list(self._closers)), return_exceptions=True), STOP_S)

    @contextlib.contextmanager
    def _folder(self) -> Iterator[Path]:
        folder = Path(tempfile.mkdtemp(prefix="nhi-kiosk-session-"))   # mode 0700
        try:
            yield folder
        finally:
            self._keep_crash_log(folder)
            shutil.rmtree(folder, ignore_errors=True)

    def _keep_crash_log(self, folder: Path) -> None:
        crash = folder / LOG_NAME
        if not crash.is_file():
            return
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        try:
            self.crash_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            kept = self.crash_dir / f"crash-{stamp}.log"
            shutil.copyfile(crash, kept)
            kept.chmod(0o600)
        except OSError as exc:
            self.say("serve.crash_not_kept", folder=self.crash_dir,
                     detail=exc.strerror or type(exc).__name__)
        else:
            self.say("serve.crash_kept", path=kept)
