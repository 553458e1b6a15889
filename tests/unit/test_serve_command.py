"""``nhi-kiosk serve`` refuses before it listens: an address beyond this machine without
``--public``, addresses and limits it cannot use, settings the kiosk itself would refuse,
a store that does not open. The server itself: tests/integration/web/test_serve.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kiosk.cli import EXIT_STORE, EXIT_USAGE, main
from kiosk.commands.serve import session_command
from kiosk.domain.config import Config
from store import Store
from store.api import DEMO


def serve(capsys, *args: str) -> tuple[int, str]:
    code = main(["serve", *args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "kiosk.lan", "::"])
def test_listening_beyond_this_machine_needs_public(capsys, host):
    code, err = serve(capsys, "--lang", "en", "--host", host)
    assert code == EXIT_USAGE
    assert f"--host {host} would listen beyond this machine" in err and "--public" in err


def test_the_refusal_is_in_the_users_language(capsys):
    code, err = serve(capsys, "--lang", "zh-TW", "--host", "0.0.0.0")
    assert code == EXIT_USAGE and "--public" in err and "本機以外" in err


def test_every_address_needs_the_one_browsers_use(capsys):
    code, err = serve(capsys, "--lang", "en", "--host", "0.0.0.0", "--public")
    assert code == EXIT_USAGE and "--public-url" in err


@pytest.mark.parametrize("url", ["ftp://kiosk.lan", "https://kiosk.lan/kiosk",
                                 "https://user:pw@kiosk.lan"])
def test_a_public_url_that_is_not_an_origin_is_refused(capsys, url):
    code, err = serve(capsys, "--lang", "en", "--public-url", url)
    assert code == EXIT_USAGE and url in err and "without a path" in err


@pytest.mark.parametrize("option", [["--port", "0"], ["--port", "70000"],
                                    ["--max-sessions", "0"], ["--max-sessions", "33"]])
def test_limits_out_of_range_are_refused(capsys, option):
    code, err = serve(capsys, "--lang", "en", *option)
    assert code == EXIT_USAGE and "--max-sessions 1 to 32" in err


def test_a_bound_reader_is_refused_for_the_demo_as_the_kiosk_refuses_it(capsys, monkeypatch):
    monkeypatch.setenv("NHI_KIOSK_READER_NAME", "Virtual PCD 00 01")
    code, err = serve(capsys, "--lang", "en")
    assert code == EXIT_USAGE and "--reader-name" in err


def test_a_store_that_is_the_demos_is_refused_before_any_browser(capsys, tmp_path):
    demo = tmp_path / "demo.json"
    Store.open(demo, purpose=DEMO).close()
    code, err = serve(capsys, "--lang", "en", "--db", str(demo))
    assert code == EXIT_STORE and str(demo) in err


def test_without_a_store_each_session_is_the_demo_on_its_own(tmp_path):
    command = session_command(Config(lang="en"), None)
    words = list(command(tmp_path / "one"))
    # -P: the server's working directory holds no module the kiosk imports
    assert words[:5] == [sys.executable, "-P", "-m", "kiosk", "run"]
    assert "--demo" in words
    assert words[words.index("--db") + 1] == str(tmp_path / "one" / "demo.json")
    assert words[words.index("--lang") + 1] == "en"
    assert list(command(tmp_path / "two")) != words


def test_with_a_store_each_session_is_the_kiosk_on_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    store = tmp_path / "kiosk.json"
    command = session_command(Config(lang="zh-TW", db=store), Path("kiosk.toml"),
                              store_flag=str(store))
    words = list(command(tmp_path / "one"))
    assert "--demo" not in words and words[words.index("--db") + 1] == str(store)
    assert words[words.index("--config") + 1] == str(tmp_path / "kiosk.toml")   # absolute
    assert words[words.index("--lang") + 1] == "zh-TW"


def test_a_store_from_the_config_or_environment_stays_off_the_command_line(tmp_path):
    """Every local user reads a process's arguments; the kiosk reads the same config and
    environment serve did."""
    command = session_command(Config(lang="en", db=tmp_path / "kiosk.json"), None)
    words = list(command(tmp_path / "one"))
    assert "--db" not in words and "--demo" not in words


def test_without_textual_serve_installed_it_says_what_to_install(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "kiosk.web.server", None)   # import fails as if absent
    code, err = serve(capsys, "--lang", "en")
    assert code == 3 and "pip install 'nhi-kiosk[serve]'" in err


def test_each_demo_session_starts_on_a_copy_of_the_store_seeded_once(tmp_path):
    from kiosk.commands.serve import seeded_demo
    from kiosk.domain.demo_people import DEMO_STAFF
    from kiosk.domain.i18n import Catalog

    with seeded_demo(Config(lang="en"), Catalog("en")) as template:
        assert template is not None
        command = session_command(Config(lang="en"), None, template)
        first, second = tmp_path / "one", tmp_path / "two"
        for folder in (first, second):
            folder.mkdir()
            words = list(command(folder))
            with Store.open(Path(words[words.index("--db") + 1]), purpose=DEMO) as store:
                staff = store.keyed("staff", "staff_id")
                assert [doc["staff_id"] for doc in staff.all()] == [DEMO_STAFF[0]]
                assert store.accounts().count() > 0       # nothing left to hash at start
        with Store.open(first / "demo.json", purpose=DEMO) as store:   # a session's own
            store.keyed("staff", "staff_id").modify(DEMO_STAFF[0], lambda doc: None)
            assert store.keyed("staff", "staff_id").count() == 0
        with Store.open(second / "demo.json", purpose=DEMO) as store:
            assert store.keyed("staff", "staff_id").count() == 1
    assert not template.exists()                 # gone with the server
