"""``nhi-kiosk app redeem``: the simulated app binds a device from the shell."""

from kiosk.cli import main
from kiosk.domain.accounts import Services
from kiosk.domain.binding.devices import Devices
from kiosk.domain.clock import SystemClock
from kiosk.domain.demo_people import DEMO_PASSWORD, seed_demo
from kiosk.domain.mail import Mailer
from kiosk.domain.registration.sign_in import SignIn
from reader.demo import DEMO_BY_KEY
from store import Store
from store.api import DEMO
from store.outbox import Outbox


def demo_services(db) -> Services:
    """The demo store the ``--demo --db`` commands open, seeded now, with the domain on it."""
    store = Store.open(db, purpose=DEMO)
    clock = SystemClock()
    seed_demo(store, clock.now())
    return Services(store, clock, Mailer(Outbox(store), clock))


def test_redeem_binds_and_a_second_use_is_refused(tmp_path, capsys):
    db = tmp_path / "kiosk.json"
    services = demo_services(db)
    session = SignIn(services).login(DEMO_BY_KEY["registered"].card, DEMO_PASSWORD)
    code = Devices(services).new_code(session).code
    assert main(["app", "redeem", code, "--device", "Pixel 8", "--demo", "--db", str(db),
                 "--lang", "en"]) == 0
    assert "Pixel 8" in capsys.readouterr().out
    assert [d["name"] for d in Devices(services).of(session)] == ["Pixel 8"]
    assert main(["app", "redeem", code, "--device", "Other", "--demo", "--db", str(db),
                 "--lang", "en"]) == 1
    assert "already been used" in capsys.readouterr().err


def test_unknown_code(tmp_path, capsys):
    assert main(["app", "redeem", "nope1234", "--device", "x", "--demo", "--db",
                 str(tmp_path / "k.json"), "--lang", "zh-TW"]) == 1
    assert "認證碼不正確" in capsys.readouterr().err


def _login_request(tmp_path):
    from kiosk.domain.binding.qr_login import QrLogin

    db = tmp_path / "kiosk.json"
    services = demo_services(db)
    devices = Devices(services)
    devices.bind(DEMO_BY_KEY["registered"].card.id_no, "Pixel 8")
    qr = QrLogin(services, devices)
    return db, qr, qr.request("J128765432", "1958-02-28")


def test_approve_from_the_shell_lets_the_kiosk_log_in(tmp_path, capsys):
    db, qr, request = _login_request(tmp_path)
    assert main(["app", "approve", request.payload, "--device", "pixel 8", "--demo",
                 "--db", str(db), "--lang", "en"]) == 0
    assert 'approved on "Pixel 8"' in capsys.readouterr().out
    assert qr.complete(request.code).id_no == "J128765432"


def test_deny_from_the_shell_and_a_stranger_device_is_refused(tmp_path, capsys):
    db, qr, request = _login_request(tmp_path)
    assert main(["app", "approve", request.code, "--device", "Somebody's phone", "--demo", "--db",
                 str(db), "--lang", "zh-TW"]) == 1
    assert "不是登入者已綁定的裝置" in capsys.readouterr().err
    assert main(["app", "deny", request.display, "--device", "Pixel 8", "--demo", "--db", str(db),
                 "--lang", "zh-TW"]) == 0
    assert "拒絕登入" in capsys.readouterr().out
    assert qr.state(request.code).value == "denied"


def test_a_slip_paid_at_a_store_is_recorded_once(tmp_path, capsys):
    from kiosk.domain.replacement.applications import Applications
    from tests.unit.test_applications import WANG, form

    db = tmp_path / "kiosk.json"
    services = demo_services(db)
    apps = Applications(services)
    atm_no = apps.apply(WANG, form())["atm_no"]
    assert main(["payments", "slip-paid", atm_no, "--demo", "--db", str(db), "--lang", "en"]) == 0
    assert f"ATM NO {atm_no} is paid" in capsys.readouterr().out
    assert apps.get(WANG, atm_no)["payment"]["method"] == "slip"
    assert main(["payments", "slip-paid", atm_no, "--demo", "--db", str(db),
                 "--lang", "zh-TW"]) == 1
    assert "此申請已繳費" in capsys.readouterr().err
