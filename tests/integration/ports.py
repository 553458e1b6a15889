"""A free TCP port on localhost, for the servers the tests start (PostgreSQL's cluster,
sshd, the relay's tunnels). Standard library only: the benchmarks import it too."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A TCP port nothing listens on now: the socket's name, and a port a test can check
    that the server does not listen on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
