"""``nhi-kiosk card-relay`` end to end over one pcscd: a virtual card in vpcd slot 0 plays
the counter PC's card in its reader, the relay presents it at slot 1's vpcd port (the
server's reader), and what is bound to slot 1 reads it there. Removal and re-insertion go
across; a tunnel (a TCP forwarder here) that drops and comes back is survived; a bank
card behind ``--only-nhi`` never sees a VERIFY."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator

import pytest

from reader.virtual import VPCD_BASE_PORT, VirtualCard
from tests.integration.helpers import (
    EVENT_TIMEOUT,
    READER_0,
    READER_1,
    REPO_ROOT,
    LineReader,
    cli_command,
    spawn,
    wait_card_state,
)
from tests.integration.ports import free_port
from tests.integration.sshd import SshServer, missing

pytestmark = pytest.mark.pcsc
SLOT_1 = f"127.0.0.1:{VPCD_BASE_PORT + 1}"
VERIFY = bytes.fromhex("0020008008" "3132333435363738")


@contextlib.contextmanager
def relay(env: dict[str, str], to: str, *extra: str) -> Iterator[tuple[subprocess.Popen[str],
                                                                      LineReader]]:
    args = cli_command("card-relay", "--reader-name", READER_0, "--to", to, "--lang", "en",
                       *extra)
    with spawn(args, env, REPO_ROOT) as (proc, out):
        out.wait_line(lambda line: "Waiting for a card" in line, what="the relay up")
        yield proc, out
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=EVENT_TIMEOUT) == 0, proc.stderr.read()


def read_on_server(env: dict[str, str]) -> dict:
    done = subprocess.run(cli_command("card", "--json", "--reader-name", READER_1),
                          env=env, cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=30, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_counter_pcs_card_is_read_on_the_server_and_goes_when_pulled(cli_env) -> None:
    with relay(cli_env, SLOT_1) as (_proc, out):
        with VirtualCard.from_demo("national", slot=0):
            out.wait_line(lambda line: "is presented at" in line, what="presented")
            wait_card_state(READER_1, present=True)
            card = read_on_server(cli_env)
            assert (card["reader"], card["name"]) == (READER_1, "王大明")
        wait_card_state(READER_1, present=False)           # pulled here: gone there
        with VirtualCard.from_demo("cp950_ext", slot=0):   # a new card: a new insertion
            wait_card_state(READER_1, present=True)
            assert read_on_server(cli_env)["name"] == "陳碁峰"
        wait_card_state(READER_1, present=False)


class Tunnel:
    """A TCP forwarder to slot 1's vpcd, as an SSH tunnel would be; :meth:`drop` closes it
    and every connection through it, :meth:`restore` listens again on the same port."""

    def __init__(self) -> None:
        self.port = 0
        self._conns: list[socket.socket] = []
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.port, self._listener = listener.getsockname()[1], listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                near, _ = listener.accept()
            except OSError:
                return
            far = socket.create_connection(("127.0.0.1", VPCD_BASE_PORT + 1))
            self._conns += [near, far]
            for a, b in ((near, far), (far, near)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a: socket.socket, b: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := a.recv(4096):
                b.sendall(data)
        for s in (a, b):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def drop(self) -> None:
        assert self._listener is not None
        with contextlib.suppress(OSError):   # wakes the accept() blocked on it (Linux)
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self._conns.clear()


def test_the_relay_survives_the_tunnel_dropping_and_coming_back(cli_env) -> None:
    tunnel = Tunnel()
    try:
        with relay(cli_env, f"127.0.0.1:{tunnel.port}") as (_proc, out):
            with VirtualCard.from_demo("national", slot=0):
                wait_card_state(READER_1, present=True)
                tunnel.drop()
                wait_card_state(READER_1, present=False)      # the server lost it
                out.wait_line(lambda line: "trying again" in line, what="retrying")
                tunnel.restore()
                wait_card_state(READER_1, present=True)       # and has it back
                assert read_on_server(cli_env)["name"] == "王大明"
    finally:
        tunnel.drop()


def _transmit_on_server(apdu: bytes) -> bytes:
    from smartcard import scard as sc

    hr, ctx = sc.SCardEstablishContext(sc.SCARD_SCOPE_USER)
    assert hr == sc.SCARD_S_SUCCESS
    try:
        hr, card, proto = sc.SCardConnect(ctx, READER_1, sc.SCARD_SHARE_SHARED,
                                          sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1)
        assert hr == sc.SCARD_S_SUCCESS, sc.SCardGetErrorMessage(hr)
        hr, response = sc.SCardTransmit(card, proto, list(apdu))
        sc.SCardDisconnect(card, sc.SCARD_LEAVE_CARD)
        assert hr == sc.SCARD_S_SUCCESS, sc.SCardGetErrorMessage(hr)
        return bytes(response)
    finally:
        sc.SCardReleaseContext(ctx)


@pytest.mark.parametrize("only_nhi", [True, False], ids=["only-nhi", "no-only-nhi"])
def test_a_bank_cards_pin_is_never_reachable_from_the_server_unless_asked(
        cli_env, only_nhi: bool) -> None:
    extra = () if only_nhi else ("--no-only-nhi",)
    with relay(cli_env, SLOT_1, *extra), VirtualCard.from_demo("bank_card", slot=0) as bank:
        wait_card_state(READER_1, present=True)
        answer = _transmit_on_server(VERIFY)
    if only_nhi:
        assert answer == bytes.fromhex("6A81")                # refused by the relay
        assert VERIFY not in bank.commands                    # the card never saw it
    else:
        assert VERIFY in bank.commands                        # as documented: passed on


@pytest.fixture
def sshd(tmp_path) -> Iterator[SshServer]:
    if missing():
        pytest.fail(f"OpenSSH missing: {missing()} (scripts/test installs openssh-server)")
    server = SshServer(tmp_path / "sshd")
    server.start()
    yield server
    server.stop()


def test_the_card_crosses_a_real_ssh_tunnel_which_drops_and_comes_back(cli_env, sshd) -> None:
    """The counter PC's `ssh -N -L` to the server's vpcd, through OpenSSH's sshd."""
    local = free_port()
    with relay(cli_env, f"127.0.0.1:{local}") as (_proc, out), \
            VirtualCard.from_demo("national", slot=0):
        with sshd.tunnel(local, VPCD_BASE_PORT + 1):
            wait_card_state(READER_1, present=True)
            assert read_on_server(cli_env)["name"] == "王大明"
        wait_card_state(READER_1, present=False)          # the line dropped (ssh killed)
        out.wait_line(lambda line: "trying again" in line, what="retrying")
        with sshd.tunnel(local, VPCD_BASE_PORT + 1):
            wait_card_state(READER_1, present=True)       # back, the card still in
            assert read_on_server(cli_env)["id_no"] == "A123456789"
