"""``nhi-kiosk serve`` as a browser meets it: the real server (aiohttp, textual-serve's
AppService, a kiosk process per session) and a real headless Chromium reading what the
page's terminal shows. Requests a browser would never send come from aiohttp's client."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp
import pytest

from tests.integration.helpers import LineReader, cli_command, end_process
from tests.integration.ports import free_port
from tests.integration.web.chromium import Browser

IDLE_EN = "Please insert your NHI card"


class Served:
    def __init__(self, proc: subprocess.Popen[str], out: object, url: str,
                 sessions_dir: Path) -> None:
        self.proc, self.out, self.url, self.sessions_dir = proc, out, url, sessions_dir

    def folders(self) -> list[Path]:
        return sorted(self.sessions_dir.glob("nhi-kiosk-session-*"))

    def line(self, text: str) -> str:
        return self.out.wait_line(lambda line: text in line, 30, repr(text))  # type: ignore[attr-defined]

    def kiosk_pids(self) -> list[int]:
        """The sessions' kiosk processes: every process whose command names a session
        folder of this server's."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                words = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if any(str(self.sessions_dir).encode() in word for word in words) \
                    and b"run" in words:
                found.append(int(entry.name))
        return found


@contextmanager
def served(env: dict[str, str], tmp_path: Path, *args: str) -> Iterator[Served]:
    port = free_port()
    sessions_dir = tmp_path / "sessions"
    sessions_dir.mkdir(exist_ok=True)
    env = env | {"TMPDIR": str(sessions_dir)}
    # stderr with stdout: a traceback aiohttp logs would be read with the rest
    proc = subprocess.Popen(cli_command("serve", "--port", str(port), *args),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, encoding="utf-8", env=env,
                            cwd=tmp_path)
    try:
        out = LineReader(proc)
        url = f"http://127.0.0.1:{port}"
        out.wait_line(lambda line: url in line, 30, "the address it listens on")
        yield Served(proc, out, url, sessions_dir)
    finally:
        end_process(proc)


async def test_each_browser_gets_a_kiosk_of_its_own(cli_env, tmp_path):
    with served(cli_env, tmp_path, "--lang", "en") as server:
        async with Browser(tmp_path / "a") as first, Browser(tmp_path / "b") as second:
            await first.open(server.url + "/")
            # localhost is this server too: the page, its script and its session with it
            await second.open(server.url.replace("127.0.0.1", "localhost") + "/")
            for browser in (first, second):
                lines = await browser.wait_for(IDLE_EN, "Register for online services",
                                               "Demo mode")
                assert len(lines) >= 24 and len(lines[0]) >= 80
            assert await first.evaluate("document.title") == "NHI Card Service Kiosk"
            assert await first.evaluate("document.documentElement.lang") == "en"
            server.line("(2 of 4)")
            folders = server.folders()
            assert len(folders) == 2 and len(server.kiosk_pids()) == 2
            await _until(lambda: all((f / "demo.json").exists() for f in folders))

            await first.type("8")                 # [8] 中文: only the first browser's kiosk
            await first.wait_for("請插入健保卡", "註冊網路服務")
            assert any("Register for online services" in line
                       for line in await second.wait_for(IDLE_EN))

            await first.close()                   # the first browser leaves: its kiosk ends
            server.line("(1 of 4)")
            await _until(lambda: len(server.folders()) == 1 and len(server.kiosk_pids()) == 1)
            assert server.folders()[0] in folders      # the second's, still in use
            assert first.problems == [] and second.problems == []

            server.proc.send_signal(signal.SIGTERM)   # stopping the server ends every session
            await second.wait_closed()
            assert "This session has ended." in await second.evaluate(
                "document.getElementById('ended').innerText")
            assert server.proc.wait(timeout=30) == 0
            server.line("every session's kiosk has ended")
            assert server.kiosk_pids() == [] and server.folders() == []


async def test_a_kiosk_that_ends_is_told_to_the_page(cli_env, tmp_path):
    with served(cli_env, tmp_path, "--lang", "zh-TW") as server:
        async with Browser(tmp_path / "a") as browser:
            await browser.open(server.url + "/")
            await browser.wait_for("請插入健保卡", "示範模式")
            assert await browser.evaluate("document.title") == "全民健康保險 健保卡服務站"
            [pid] = server.kiosk_pids()
            os.kill(pid, signal.SIGKILL)
            await browser.wait_closed()
            assert "此工作階段已結束" in await browser.evaluate(
                "document.getElementById('ended').innerText")
            server.line("（0／4）")
            await _until(lambda: server.folders() == [])

            await browser.evaluate("document.getElementById('again').click()")
            await browser.wait_for("請插入健保卡")   # a new session, a new kiosk
            assert len(server.kiosk_pids()) == 1


async def test_a_given_store_is_the_kiosk_on_it_not_the_demo(cli_env, tmp_path):
    store = tmp_path / "kiosk.json"
    # the server's kiosk watches PC/SC: here, a pcscd socket that is not there
    env = cli_env | {"PCSCLITE_CSOCK_NAME": str(tmp_path / "no-pcscd.comm")}
    with served(env, tmp_path, "--lang", "en", "--db", str(store)) as server:
        server.line(f"the kiosk on the store {store}")
        server.line("no sign-in")
        async with Browser(tmp_path / "a") as browser:
            await browser.open(server.url + "/")
            lines = await browser.wait_for("Card reader service is not running")
            assert not any("Demo" in line for line in lines)
            assert server.folders() and not any(list(f.iterdir()) for f in server.folders())
    assert store.exists()


async def test_what_a_browser_never_sends_is_refused_or_ignored(cli_env, tmp_path):
    with served(cli_env, tmp_path, "--lang", "en", "--max-sessions", "1") as server:
        ws_url = server.url.replace("http:", "ws:") + "/ws"
        async with aiohttp.ClientSession() as http:
            async with http.get(server.url + "/") as page:
                assert page.status == 200
                policy = page.headers["Content-Security-Policy"]
                assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
                assert page.headers["X-Frame-Options"] == "DENY"
                assert page.headers["Referrer-Policy"] == "no-referrer"
                assert "googleapis" not in await page.text()
            for size in ("9" * 5000, "²", "-1", "1e3"):          # no traceback, 16 px
                async with http.get(server.url + "/", params={"fontsize": size}) as page:
                    assert page.status == 200 and 'data-font-size="16"' in await page.text()
            async with http.get(server.url + "/static/nothing.js") as page:
                assert page.status == 404 and page.headers["X-Frame-Options"] == "DENY"
            async with http.get(server.url + "/ws") as page:   # typed in: the page
                assert page.status == 200 and page.url.path == "/"
            # a page elsewhere, reaching 127.0.0.1 through a name of its own (DNS rebinding)
            async with http.get(server.url + "/", headers={"Host": "evil.example"}) as page:
                assert page.status == 421
            # another site's page opening a session in the background
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(ws_url, origin="http://evil.example")
            assert refused.value.status == 403
            server.line("refused (http://evil.example)")

            async with http.ws_connect(ws_url + "?width=100000&height=-3",
                                       origin=server.url) as session:
                await _frame(session)
                server.line("(1 of 1)")
                [kiosk] = server.kiosk_pids()             # started at a size within bounds
                environ = (Path("/proc") / str(kiosk) / "environ").read_bytes().split(b"\0")
                assert b"COLUMNS=400" in environ and b"ROWS=1" in environ
                for junk in ("not json", "{}", "[]", "[1]", '["resize", 5]',
                             '["resize", {"width": 1e9, "height": "x"}]', '["stdin", 7]',
                             '["open_url", "http://evil.example"]', "[" * 60000):
                    await session.send_str(junk)
                await session.send_str(json.dumps(["ping", "still-here"]))
                assert await _pong(session) == "still-here"   # the session lived through it

                async with http.get(server.url + "/") as page:   # the one session is in use
                    assert page.status == 503
                    assert "All 1 kiosk sessions are in use" in await page.text()
                with pytest.raises(aiohttp.WSServerHandshakeError) as busy:
                    await http.ws_connect(ws_url, origin=server.url)
                assert busy.value.status == 503
                server.line("all 1 sessions are in use")
            server.line("(0 of 1)")
            async with http.get(server.url + "/") as page:
                assert page.status == 200
            # a message over 64 KiB (a paste, say) ends that session, not the server
            async with http.ws_connect(ws_url, origin=server.url) as session:
                await _frame(session)
                await session.send_str(json.dumps(["stdin", "x" * 70_000]))
                closing = await session.receive(timeout=30)
                while closing.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT):
                    closing = await session.receive(timeout=30)   # frames sent before it
                assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                                        aiohttp.WSMsgType.CLOSING)
                assert session.close_code == 1009                # message too big
            server.line("(0 of 1)")
            server.proc.send_signal(signal.SIGTERM)
            assert server.proc.wait(timeout=30) == 0
            rest = server.out.rest()
            assert not any("Traceback" in line or "Error handling" in line
                           for line in server.out.seen + rest), rest


async def test_a_taken_port_is_said_without_a_traceback(cli_env, tmp_path):
    with served(cli_env, tmp_path, "--lang", "en") as server:
        port = server.url.rsplit(":", 1)[1]
        second = subprocess.run(cli_command("serve", "--port", port, "--lang", "en"),
                                env=cli_env, cwd=tmp_path, capture_output=True, text=True,
                                timeout=60)
    assert second.returncode == 2
    assert f"Cannot listen on 127.0.0.1 port {port}" in second.stderr
    assert "Traceback" not in second.stderr + second.stdout


async def _frame(session: aiohttp.ClientWebSocketResponse) -> bytes:
    """The first screen bytes the session's kiosk sends."""
    while True:
        message = await session.receive(timeout=30)
        if message.type == aiohttp.WSMsgType.BINARY:
            return bytes(message.data)
        assert message.type == aiohttp.WSMsgType.TEXT, message


async def _pong(session: aiohttp.ClientWebSocketResponse) -> str:
    while True:
        message = await session.receive(timeout=30)
        if message.type == aiohttp.WSMsgType.TEXT:
            kind, body = json.loads(message.data)
            if kind == "pong":
                return str(body)
        else:
            assert message.type == aiohttp.WSMsgType.BINARY, message


async def _until(check, timeout: float = 30) -> None:
    import asyncio
    import time

    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the timeout"
        await asyncio.sleep(0.05)
