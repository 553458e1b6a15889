"""The demo is explicit and separate: only --demo makes it, it keeps its data in its own
file, and neither the demo nor a real kiosk opens the other's store."""

from __future__ import annotations

import pytest

from kiosk.cli import EXIT_STORE, EXIT_USAGE, main
from kiosk.domain.clock import SystemClock
from kiosk.domain.config import Config
from kiosk.domain.counter.staff import Staff
from kiosk.domain.demo_people import seed_demo, seed_demo_staff
from kiosk.domain.i18n import Catalog
from kiosk.domain.registry import Registry
from kiosk.wiring import build_services, choose_monitor, open_store
from reader.monitor import PcscMonitor
from reader.simulated import SimulatedMonitor
from store import Store, StorePurposeError
from store.api import DEMO


@pytest.fixture(autouse=True)
def data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    for name in ("NHI_KIOSK_DB", "NHI_KIOSK_DEMO", "NHI_KIOSK_READER", "NHI_KIOSK_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "nhi-kiosk"


@pytest.mark.parametrize("reader", ["auto", "pcsc"])
def test_only_demo_makes_the_demo(reader):
    monitor, demo = choose_monitor(Config(reader=reader))
    assert isinstance(monitor, PcscMonitor) and demo is False
    monitor, demo = choose_monitor(Config(reader=reader, demo=True))
    assert isinstance(monitor, SimulatedMonitor) and demo is True


def test_the_simulated_reader_without_demo_is_refused(capsys):
    assert main(["--reader", "sim", "--lang", "en"]) == EXIT_USAGE
    assert "--demo" in capsys.readouterr().err


def test_a_bound_reader_is_the_pc_sc_monitors_and_the_demo_has_none(capsys):
    monitor, _demo = choose_monitor(Config(reader_name="Virtual PCD 00 01"))
    assert isinstance(monitor, PcscMonitor) and monitor.bound == "Virtual PCD 00 01"
    assert main(["--demo", "--reader-name", "Virtual PCD 00 01", "--lang", "en"]) == EXIT_USAGE
    assert "leave out --demo or --reader-name" in capsys.readouterr().err


def test_the_demo_keeps_its_data_in_its_own_file(data_home):
    demo = open_store(Config(demo=True), Catalog("en"))
    real = open_store(Config(), Catalog("en"))
    assert demo is not None and real is not None
    assert demo.path == data_home / "demo.json" and real.path == data_home / "kiosk.json"
    build_services(Config(demo=True), demo, demo=True)
    assert Staff(demo, SystemClock()).all() and Registry(demo).everyone()
    build_services(Config(), real, demo=False)
    assert Staff(real, SystemClock()).all() == [] and Registry(real).everyone() == {}


def test_demo_people_and_staff_never_go_into_a_real_store(tmp_path):
    store = Store.open(tmp_path / "kiosk.json")
    with pytest.raises(StorePurposeError):
        seed_demo(store, SystemClock().now())
    with pytest.raises(StorePurposeError):
        seed_demo_staff(store, SystemClock())
    assert Registry(store).everyone() == {} and Staff(store, SystemClock()).all() == []


def test_the_demo_refuses_a_real_store_and_a_real_kiosk_a_demo_store(tmp_path, capsys):
    real, demo = tmp_path / "real.json", tmp_path / "demo.json"
    Store.open(real).close()
    Store.open(demo, purpose=DEMO).close()
    assert main(["--demo", "--db", str(real), "--lang", "en"]) == EXIT_STORE
    assert "never writes into it" in capsys.readouterr().err
    assert main(["--db", str(demo), "--reader", "pcsc", "--lang", "en"]) == EXIT_STORE
    assert "made by the demo" in capsys.readouterr().err
    assert main(["staff", "list", "--db", str(demo), "--lang", "en"]) == EXIT_STORE
    assert main(["staff", "list", "--demo", "--db", str(demo), "--lang", "en"]) == 0
    with pytest.raises(StorePurposeError):
        Store.open(real, purpose=DEMO)


def test_seed_demo_from_the_shell_fills_the_demo_store_only(data_home, capsys):
    assert main(["registry", "seed-demo", "--lang", "en"]) == 0
    assert (data_home / "demo.json").exists() and not (data_home / "kiosk.json").exists()
    real = data_home / "real.json"
    Store.open(real).close()
    assert main(["registry", "seed-demo", "--db", str(real), "--lang", "en"]) == EXIT_STORE
    assert Registry(Store.open(real)).everyone() == {}
