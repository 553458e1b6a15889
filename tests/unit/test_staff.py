"""Staff accounts and the audit log: made from the shell, signed in with a lock, every
change recorded, and an edit to the log's file is found."""

from __future__ import annotations

import pytest

from kiosk.domain.counter.audit import Audit, ChainBreak, Filter, Problem
from kiosk.domain.errors import InvalidInput, Locked
from tests.unit.domain_fixtures import STAFF_PASSWORD as PASSWORD
from tests.unit.domain_fixtures import refused


def test_sign_in_and_every_change_is_audited(world, staff):
    session = staff.sign_in("chen01", PASSWORD)
    assert (session.staff_id, session.name) == ("chen01", "陳櫃員")
    staff.passwd("chen01", "Another#2026")
    with refused("err.login.password"):
        staff.sign_in("chen01", PASSWORD)
    staff.sign_in("chen01", "Another#2026")
    staff.disable("chen01")
    with refused("err.staff.disabled"):
        staff.sign_in("chen01", "Another#2026")
    actions = [e["action"] for e in Audit(world.store, world.clock).entries()]
    assert actions == ["staff_disable", "sign_in", "staff_passwd", "sign_in", "staff_add"]


def test_five_wrong_passwords_lock_the_staff_id(world, staff):
    for tries_left in (4, 3, 2, 1):
        with refused("err.login.password") as info:
            staff.sign_in("chen01", "wrong-password")
        assert info.value.params["tries_left"] == tries_left
    with pytest.raises(Locked):
        staff.sign_in("chen01", "wrong-password")
    with pytest.raises(Locked):
        staff.sign_in("chen01", PASSWORD)
    world.clock.advance(minutes=15)
    staff.sign_in("chen01", PASSWORD)


def test_an_unknown_staff_id_fails_like_a_wrong_password(staff):
    with refused("err.login.password"):
        staff.sign_in("nobody", PASSWORD)


@pytest.mark.parametrize(("staff_id", "name", "password", "field"), [
    ("a", "Name", PASSWORD, "staff_id"),
    ("ok_id", " ", PASSWORD, "name"),
    ("ok_id", "Name", "short", "password"),
])
def test_bad_staff_accounts_are_refused(staff, staff_id, name, password, field):
    with pytest.raises(InvalidInput) as info:
        staff.add(staff_id, name, password)
    assert info.value.field == field


def test_a_staff_id_is_made_once(staff):
    with refused("err.staff.exists"):
        staff.add("chen01", "Another", PASSWORD)
    with refused("err.staff.unknown"):
        staff.disable("nobody")


def test_the_audit_log_masks_people_filters_and_detects_edits(world):
    audit = Audit(world.store, world.clock)
    audit.record("chen01", "suspend", "A123456789", reason="lost card")
    world.clock.advance(minutes=5)
    audit.record("lin02", "release_lock", "J128765432")
    audit.record("chen01", "counter_register", "B220123455", document="passport")
    assert [e["person"] for e in audit.entries(Filter(staff_id="chen01"))] == [
        "B22****455", "A12****789"]
    assert [e["action"] for e in audit.entries(Filter(person="J12"))] == ["release_lock"]
    assert audit.verify() is None
    table = world.store.db().table("audit")
    with world.store.transaction() as db:   # someone edits the file behind the kiosk's back
        db.table("audit").update({"staff_id": "nobody"}, doc_ids=[table.all()[1].doc_id])
    assert audit.verify() == ChainBreak(2, Problem.EDITED)


def test_the_staff_command_never_takes_a_password_as_a_flag(tmp_path, capsys, monkeypatch):
    import io

    from kiosk.cli import main

    db = str(tmp_path / "kiosk.json")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["staff", "add", "lin02", "--name", "林櫃員", "--password-stdin", "--db", db,
                 "--lang", "en"]) == 0
    assert "Staff lin02 added" in capsys.readouterr().out
    assert main(["staff", "disable", "lin02", "--db", db, "--lang", "zh-TW"]) == 0
    assert main(["staff", "list", "--db", db, "--lang", "zh-TW"]) == 0
    assert "lin02  林櫃員  已停用" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["staff", "add", "x01", "--name", "X", "--password", PASSWORD, "--db", db])


def test_the_shell_releases_a_locked_staff_id(world, staff, tmp_path, capsys):
    for _ in range(4):
        with refused("err.login.password"):
            staff.sign_in("chen01", "wrong-password")
    with pytest.raises(Locked):
        staff.sign_in("chen01", "wrong-password")
    from kiosk.cli import main

    assert main(["staff", "unlock", "chen01", "--demo", "--db", str(world.store.path), "--lang",
                 "en"]) == 0
    assert "Staff chen01 unlocked." in capsys.readouterr().out
    staff.sign_in("chen01", PASSWORD)
    assert main(["staff", "unlock", "nobody", "--demo", "--db", str(world.store.path)]) == 1
