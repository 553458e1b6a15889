"""One vpcd reader per counter (``nhi-kiosk vpcd-sessions``, the example file shipped in
docs/examples/reader.conf.d): pcscd started with the helper's file lists the readers it
names, each on the port it names, and a card on one counter's port is in that counter's
reader only. Against a real pcscd (the suite's is stopped meanwhile and started again)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.commands.vpcd_sessions import (
    DRIVER,
    counter_ports,
    driver_copy,
    reader_conf,
    reader_name,
)
from reader.virtual import VirtualCard
from tests.integration.helpers import (
    REPO_ROOT,
    Pcscd,
    _list_readers,
    _wait_until,
    end_process,
    wait_card_state,
)

pytestmark = pytest.mark.pcsc
EXAMPLE = REPO_ROOT / "docs" / "examples" / "reader.conf.d" / "nhi-kiosk-sessions"
PREFIX, COUNTERS, BASE = "NHI counter", 4, 40000


def test_the_shipped_example_is_what_the_helper_writes() -> None:
    assert EXAMPLE.read_text() == reader_conf(COUNTERS, BASE, PREFIX)


def test_pcscd_with_the_helpers_file_gives_each_counter_its_own_reader(
        pcscd: Pcscd, tmp_path: Path) -> None:
    """The file as the helper writes it, with the driver copies it says to make (here in a
    temp dir: the example's are under /usr/local)."""
    names = [reader_name(PREFIX, n) for n in range(1, COUNTERS + 1)]
    conf, drivers = tmp_path / "reader.conf.d", tmp_path / "drivers"
    conf.mkdir()
    drivers.mkdir()
    for n in range(1, COUNTERS + 1):
        shutil.copy(DRIVER, driver_copy(str(drivers), n))
    (conf / "nhi-kiosk-sessions").write_text(reader_conf(COUNTERS, BASE, PREFIX, str(drivers)))
    pcscd.stop()
    own = subprocess.Popen([pcscd.binary, "--foreground", "-c", str(conf)],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        _wait_until(lambda: set(names) <= set(_list_readers() or []), 20,
                    f"pcscd did not list {names}")
        for n, port in enumerate(counter_ports(COUNTERS, BASE)):
            with VirtualCard.from_demo("national", port=port):
                wait_card_state(names[n], present=True)       # its own reader
                for other in names[:n] + names[n + 1:]:
                    wait_card_state(other, present=False, timeout=1)
            wait_card_state(names[n], present=False)
    finally:
        end_process(own)
        pcscd.start()
