"""The browsers' kiosk processes (kiosk/web/sessions.py), with small stand-in kiosks: a slot
is never held by a kiosk that will not quit, a crash log outlives the session's folder,
and no more sessions run than allowed."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from kiosk.web import sessions as sessions_module
from kiosk.web.sessions import Sessions

#: a kiosk that starts (Textual's web-driver greeting) and then ignores "quit"
STUCK = "import sys, time; print('__GANGLION__', flush=True); time.sleep(600)"
#: a kiosk that crashes at once, leaving its log in its folder
CRASHES = ("import pathlib, sys; pathlib.Path(sys.argv[1], 'crash.log').write_text('boom');"
           " print('__GANGLION__', flush=True)")


class Browser:
    """What the server hands a session: where its screen goes, how it is let go."""

    def __init__(self) -> None:
        self.closed = asyncio.Event()

    async def send_bytes(self, data: bytes) -> None:
        pass

    async def send_str(self, data: str) -> None:
        pass

    async def close(self) -> None:
        self.closed.set()


def sessions_running(code: str, tmp_path: Path, said: list[tuple[str, dict]], most: int = 2,
                     folders: list[Path] | None = None):
    def command(folder: Path) -> list[str]:
        if folders is not None:
            folders.append(folder)
        return [sys.executable, "-c", code, str(folder)]

    return Sessions(command, most=most, crash_dir=tmp_path / "crashes",
                    say=lambda key, **params: said.append((key, params)))


async def run_one(sessions: Sessions, browser: Browser, until: asyncio.Event | None = None):
    async with sessions.running((80, 24), send_bytes=browser.send_bytes,
                                send_str=browser.send_str, close=browser.close) as kiosk:
        if until is not None:
            await asyncio.wait_for(until.wait(), 30)
        return kiosk


async def test_a_kiosk_that_does_not_quit_is_killed(tmp_path, monkeypatch):
    monkeypatch.setattr(sessions_module, "STOP_S", 0.5)
    said: list[tuple[str, dict]] = []
    sessions = sessions_running(STUCK, tmp_path, said)
    kiosk = await asyncio.wait_for(run_one(sessions, Browser()), 30)
    assert kiosk._process is not None and kiosk._process.returncode == -9   # SIGKILL
    assert ("serve.session_killed", {"seconds": 0}) in said


async def test_a_session_cancelled_while_ending_still_kills_its_kiosk(tmp_path, monkeypatch):
    """aiohttp cancels the handlers still running when the server's time to stop is up."""
    monkeypatch.setattr(sessions_module, "STOP_S", 30)
    sessions = sessions_running(STUCK, tmp_path, [])
    started = asyncio.Event()
    kiosks = []

    async def session() -> None:
        async with sessions.running((80, 24), send_bytes=Browser().send_bytes,
                                    send_str=Browser().send_str,
                                    close=Browser().close) as kiosk:
            kiosks.append(kiosk)
            started.set()

    task = asyncio.create_task(session())
    await asyncio.wait_for(started.wait(), 30)
    for _ in range(3):                # into end(), waiting for the stuck kiosk to quit
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert kiosks[0]._process.returncode == -9


def test_a_server_that_stops_starts_no_session(tmp_path):
    sessions = sessions_running(STUCK, tmp_path, [])
    asyncio.run(sessions.close_all())
    assert not sessions.reserve()


async def test_a_crash_log_outlives_the_sessions_folder(tmp_path):
    said: list[tuple[str, dict]] = []
    folders: list[Path] = []
    sessions = sessions_running(CRASHES, tmp_path, said, folders=folders)
    browser = Browser()
    await run_one(sessions, browser, until=browser.closed)   # the kiosk ended: page told
    [kept] = (tmp_path / "crashes").iterdir()
    assert kept.read_text() == "boom" and kept.stat().st_mode & 0o777 == 0o600
    assert ("serve.crash_kept", {"path": kept}) in said
    [folder] = folders
    assert folder.name.startswith("nhi-kiosk-session-") and not folder.exists()


@pytest.mark.parametrize("most", [1, 3])
def test_no_more_sessions_than_allowed(tmp_path, most):
    said: list[tuple[str, dict]] = []
    sessions = sessions_running(STUCK, tmp_path, said, most=most)
    assert [sessions.reserve() for _ in range(most + 2)] == [True] * most + [False] * 2
    assert sessions.full
    sessions.release()
    assert not sessions.full and sessions.reserve()
    assert said[-1] == ("serve.session_opened", {"active": most, "most": most})
