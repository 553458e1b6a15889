"""A real OpenSSH server on localhost for a test, and tunnels through it: ``sshd -D`` with a
host key, a client key and a config of its own in a temp dir, listening on 127.0.0.1 only,
keys only, local forwarding only; ``ssh -N -L`` as a counter PC would open its tunnel.
Waits on what each one prints (sshd's "Server listening", ssh's "Local forwarding
listening"), with timeouts, never on sleeps."""

from __future__ import annotations

import contextlib
import getpass
import os
import queue
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

from tests.integration.ports import free_port

SSHD = "/usr/sbin/sshd"   # sshd refuses to run by a relative name
READY_TIMEOUT = 20.0


def missing() -> list[str]:
    return [tool for tool in (SSHD, "ssh", "ssh-keygen")
            if not (os.access(tool, os.X_OK) if tool.startswith("/") else shutil.which(tool))]


def _wait_for(proc: subprocess.Popen[str], text: str, what: str) -> list[str]:
    """Lines of ``proc``'s stderr until one holds ``text``; the rest keep being read."""
    lines: queue.Queue[str | None] = queue.Queue()
    seen: list[str] = []

    def pump() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    while True:
        try:
            line = lines.get(timeout=READY_TIMEOUT)
        except queue.Empty:
            raise RuntimeError(f"{what} not ready in {READY_TIMEOUT:g} s: {seen}") from None
        if line is None:
            raise RuntimeError(f"{what} exited ({proc.poll()}): {seen}")
        seen.append(line)
        if text in line:
            return seen


class SshServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.user = getpass.getuser()
        self.proc: subprocess.Popen[str] | None = None
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for name in ("host_key", "client_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                            str(folder / name)], check=True, capture_output=True)
        (folder / "authorized_keys").write_text((folder / "client_key.pub").read_text())
        (folder / "sshd_config").write_text("\n".join([
            f"Port {self.port}", "ListenAddress 127.0.0.1", f"HostKey {folder}/host_key",
            f"PidFile {folder}/sshd.pid", f"AuthorizedKeysFile {folder}/authorized_keys",
            "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no",
            "StrictModes no", "PermitRootLogin prohibit-password", f"AllowUsers {self.user}",
            "AllowTcpForwarding local", "X11Forwarding no", "PermitTTY no", ""]))

    def start(self) -> None:
        if os.geteuid() == 0:   # the privilege separation directory sshd insists on
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(self.folder / "sshd_config")],
                                     stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     text=True)
        _wait_for(self.proc, "Server listening on 127.0.0.1", "sshd")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=READY_TIMEOUT)
            self.proc = None

    @contextlib.contextmanager
    def tunnel(self, local_port: int, remote_port: int) -> Iterator[subprocess.Popen[str]]:
        """``ssh -N -L local_port:127.0.0.1:remote_port``, up until the block ends (or the
        test kills it, as a dropped line would)."""
        proc = subprocess.Popen(
            ["ssh", "-v", "-N", "-p", str(self.port), "-i", str(self.folder / "client_key"),
             "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
             "-o", "UserKnownHostsFile=/dev/null", "-o", "ExitOnForwardFailure=yes",
             "-o", "IdentitiesOnly=yes", "-F", "/dev/null",
             "-L", f"127.0.0.1:{local_port}:127.0.0.1:{remote_port}",
             f"{self.user}@127.0.0.1"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
        try:
            _wait_for(proc, "Local forwarding listening on 127.0.0.1", "the ssh tunnel")
            yield proc
        finally:
            proc.kill()
            proc.wait(timeout=READY_TIMEOUT)
