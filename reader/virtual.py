"""A virtual NHI card that plugs into pcscd through vsmartcard's vpcd driver.

vpcd listens on 127.0.0.1:35963 + slot. Each message is a 2-byte big-endian length and
data: one byte is a control message (00 power off, 01 power on, 02 reset, 04 get ATR),
anything longer is a C-APDU answered with its R-APDU. Closing the socket removes the card,
so tests and demos drive the real PC/SC stack end to end.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from types import TracebackType
from typing import Protocol

from reader.applet import CardPulled
from reader.demo import ATR_PVJCOP4, DEMO_BY_KEY, DemoCard

VPCD_HOST = "127.0.0.1"
VPCD_BASE_PORT = 35963

_CTRL_OFF, _CTRL_ON, _CTRL_RESET, _CTRL_ATR = 0, 1, 2, 4


class Responder(Protocol):
    """What answers the APDUs: the NHI applet, or the real card of a relay."""

    def respond(self, apdu: bytes) -> bytes: ...


class VirtualCardError(Exception):
    """vpcd could not be reached (is pcscd running with the vpcd driver?)."""


class VirtualCard:
    """Inserted on :meth:`insert` (or ``with``), removed on :meth:`remove`."""

    def __init__(
        self,
        applet: Responder,
        atr: bytes = ATR_PVJCOP4,
        *,
        slot: int = 0,
        host: str = VPCD_HOST,
        port: int | None = None,
        connect_timeout: float = 10.0,
    ) -> None:
        self.applet = applet
        self.atr = atr
        self.address = (host, port if port is not None else VPCD_BASE_PORT + slot)
        self.connect_timeout = connect_timeout
        self.commands: list[bytes] = []
        self.pulled = threading.Event()     # the applet pulled itself mid-read
        self.closed = threading.Event()     # the socket is gone, for whatever reason
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def from_demo(cls, demo: DemoCard | str, **kw: object) -> VirtualCard:
        card = DEMO_BY_KEY[demo] if isinstance(demo, str) else demo
        return cls(card.applet(), card.atr, **kw)  # type: ignore[arg-type]

    def insert(self) -> VirtualCard:
        deadline = time.monotonic() + self.connect_timeout
        delay = 0.05
        while True:
            try:
                self._sock = socket.create_connection(self.address, timeout=2.0)
                break
            except OSError as exc:
                if time.monotonic() + delay > deadline:
                    raise VirtualCardError(
                        f"cannot reach vpcd at {self.address[0]}:{self.address[1]}: {exc}"
                    ) from exc
                threading.Event().wait(delay)  # pcscd may still be starting
                delay = min(delay * 2, 0.5)
        self._sock.settimeout(None)
        self.closed.clear()
        self._thread = threading.Thread(target=self._serve, name="vpcd-card", daemon=True)
        self._thread.start()
        return self

    def remove(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> VirtualCard:
        return self.insert()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.remove()

    def _recv_exact(self, sock: socket.socket, size: int) -> bytes | None:
        buf = b""
        while len(buf) < size:
            try:
                chunk = sock.recv(size - len(buf))
            except OSError:
                return None
            if not chunk:
                return None
            buf += chunk
        return buf

    def _send(self, sock: socket.socket, data: bytes) -> None:
        sock.sendall(struct.pack(">H", len(data)) + data)

    def _serve(self) -> None:
        sock = self._sock
        assert sock is not None
        try:
            while True:
                head = self._recv_exact(sock, 2)
                if head is None:
                    return
                (size,) = struct.unpack(">H", head)
                msg = self._recv_exact(sock, size)
                if msg is None:
                    return
                if size == 1:
                    if msg[0] == _CTRL_ATR:
                        self._send(sock, self.atr)
                    continue  # power off / on / reset need no reply
                self.commands.append(msg)
                try:
                    reply = self.applet.respond(msg)
                except CardPulled:
                    self.pulled.set()
                    sock.close()
                    return
                self._send(sock, reply)
        except OSError:
            return
        finally:
            self.closed.set()
