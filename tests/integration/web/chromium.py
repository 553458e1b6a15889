"""A real headless Chromium (Debian's ``chromium``, installed by scripts/test), driven over
the DevTools protocol with aiohttp's WebSocket client: no WebDriver, no extra package.

What the kiosk shows is read from the page's own xterm.js terminal: its screen buffer, the
cells as the terminal drew them after every escape sequence (``translateToString``). The
terminal object lives inside textual-serve's script, so a hook installed before the page
loads keeps each object assigned to a ``terminal`` property (the script's
``this.terminal = new Terminal(...)``). Console errors, a Content-Security-Policy violation
among them, are collected in :attr:`Browser.problems`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import aiohttp

from tests.integration.helpers import LineReader, end_process

START_S = 30.0
WAIT_S = 30.0       # a kiosk process starting on a loaded 2-core machine

HOOK = """
window.__terminals = [];
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    window.__terminals.push(value);
    Object.defineProperty(this, "terminal",
      {value, writable: true, configurable: true, enumerable: true});
  },
});
"""

SCREEN = """(() => {
  const t = window.__terminals.find(x => x && x.buffer && x.buffer.active);
  if (!t) return null;
  const lines = [];
  for (let y = 0; y < t.rows; y++) {
    const line = t.buffer.active.getLine(y);
    lines.push(line ? line.translateToString(true) : "");
  }
  return {columns: t.cols, rows: t.rows, lines,
          closed: document.body.classList.contains("-closed")};
})()"""


def chromium_binary() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "chromium is not installed (scripts/test installs Debian's package)"
    return found


class Browser:
    """One Chromium process with a profile of its own: another browser, not another tab."""

    def __init__(self, profile: Path) -> None:
        self.profile = profile
        self.problems: list[str] = []
        self._proc: subprocess.Popen[str] | None = None
        self._http: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._pump: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Browser:
        self._proc = subprocess.Popen(
            [chromium_binary(), "--headless", "--no-sandbox", "--disable-dev-shm-usage",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", "--disable-sync", "--mute-audio",
             "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
             f"--user-data-dir={self.profile}", "--window-size=1000,700", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, encoding="utf-8", errors="replace")
        line = await asyncio.to_thread(
            LineReader(self._proc).wait_line, lambda text: "DevTools listening on" in text,
            START_S, "Chromium's DevTools address")
        port = line.rsplit(":", 1)[1].split("/", 1)[0]
        self._http = aiohttp.ClientSession()
        async with self._http.get(f"http://127.0.0.1:{port}/json/list") as answer:
            targets = await answer.json()
        page = next(t for t in targets if t["type"] == "page")
        self._socket = await self._http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0)
        self._pump = asyncio.create_task(self._read())
        for domain in ("Page", "Runtime", "Log"):
            await self.call(f"{domain}.enable")
        await self.call("Page.addScriptToEvaluateOnNewDocument", source=HOOK)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
        if self._socket is not None:
            await self._socket.close()
        if self._http is not None:
            await self._http.close()
        if self._proc is not None:
            await asyncio.to_thread(end_process, self._proc)
        self._pump = self._socket = self._http = self._proc = None

    async def _read(self) -> None:
        assert self._socket is not None
        async for message in self._socket:
            data = json.loads(message.data)
            if "id" in data:
                future = self._waiting.pop(data["id"], None)
                if future is not None and not future.done():
                    future.set_result(data)
            elif data.get("method") == "Log.entryAdded":
                entry = data["params"]["entry"]
                if entry.get("level") == "error":
                    self.problems.append(f"{entry.get('source')}: {entry.get('text')}")
            elif data.get("method") == "Runtime.exceptionThrown":
                self.problems.append(str(data["params"]["exceptionDetails"].get("text")))
            elif data.get("method") == "Runtime.consoleAPICalled" \
                    and data["params"].get("type") == "error":
                self.problems.append(json.dumps(data["params"].get("args"))[:300])

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        assert self._socket is not None
        number = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[number] = future
        await self._socket.send_json({"id": number, "method": method, "params": params})
        answer = await asyncio.wait_for(future, WAIT_S)
        if "error" in answer:
            raise AssertionError(f"{method}: {answer['error']}")
        return answer["result"]

    async def evaluate(self, expression: str) -> Any:
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def open(self, url: str) -> None:
        await self.call("Page.navigate", url=url)

    async def screen(self) -> dict[str, Any] | None:
        """The terminal's lines, its size and whether the page says the session ended;
        None while there is no terminal (or no page: one being left for the next)."""
        try:
            return await self.evaluate(SCREEN)  # type: ignore[no-any-return]
        except AssertionError:   # "Execution context was destroyed": a page loading
            return None

    async def wait_for(self, *texts: str, timeout: float = WAIT_S) -> list[str]:
        """The terminal's lines once every one of ``texts`` is on its screen, in a session
        that has not ended (a page being left still shows its last screen)."""
        deadline = time.monotonic() + timeout
        seen: dict[str, Any] | None = None
        while time.monotonic() < deadline:
            seen = await self.screen()
            if seen and not seen["closed"] \
                    and all(any(text in line for line in seen["lines"]) for text in texts):
                return list(seen["lines"])
            await asyncio.sleep(0.1)   # a bounded wait for the next frame; nothing to block on
        raise AssertionError(f"{texts} not on the screen within {timeout:g} s; it shows: "
                             + ("\n".join(seen["lines"]) if seen else "no terminal"))

    async def wait_closed(self, timeout: float = WAIT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            seen = await self.screen()
            if seen and seen["closed"]:
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"the page did not say the session ended within {timeout:g} s")

    async def type(self, text: str) -> None:
        """Keys as a person types them into the page's terminal."""
        await self.evaluate("window.__terminals.find(x => x && x.buffer).focus()")
        await self.call("Input.insertText", text=text)
