"""Who may reach ``nhi-kiosk serve`` (kiosk/web/access.py): the rules on their own; the
server applying them is tests/integration/web/test_serve.py."""

from __future__ import annotations

import pytest

from kiosk.web.access import Access, is_loopback, is_wildcard, public_origin, terminal_size


@pytest.mark.parametrize("host", ["127.0.0.1", "127.9.9.9", "::1", "[::1]", "localhost",
                                  "LOCALHOST", " localhost "])
def test_loopback_addresses_stay_on_this_machine(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "kiosk",
                                  "localhost.evil.example", "127.0.0.1.nip.io", ""])
def test_any_other_address_or_name_is_beyond_it(host):
    assert not is_loopback(host)


@pytest.mark.parametrize("text, origin", [
    ("https://Kiosk.Example", "https://kiosk.example"),
    ("https://kiosk.example/", "https://kiosk.example"),
    ("https://kiosk.example:443", "https://kiosk.example"),
    ("http://kiosk.example:8080", "http://kiosk.example:8080"),
    ("http://[::1]:8000", "http://[::1]:8000"),
])
def test_a_public_url_is_kept_as_its_origin(text, origin):
    assert public_origin(text) == origin


@pytest.mark.parametrize("text", ["ftp://kiosk.example", "kiosk.example", "https://",
                                  "https://kiosk.example/kiosk", "https://u:p@kiosk.example",
                                  "https://kiosk.example?x=1", "https://kiosk.example#top",
                                  "http://kiosk.example:99999", "https://" + "a" * 300])
def test_anything_else_is_not_a_public_url(text):
    with pytest.raises(ValueError):
        public_origin(text)


def test_on_loopback_the_server_answers_to_its_loopback_names_only():
    access = Access.listening("127.0.0.1", 8000)
    for host in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "LOCALHOST:8000"):
        assert access.host_allowed(host)
    # a name a web page points at 127.0.0.1 (DNS rebinding), another port, or none
    for host in ("evil.example:8000", "evil.example", "127.0.0.1:8001", "", None):
        assert not access.host_allowed(host)


def test_the_page_opens_its_session_where_the_browser_found_the_page():
    access = Access.listening("127.0.0.1", 8000)
    assert access.websocket_url("localhost:8000") == "ws://localhost:8000/ws"
    assert access.websocket_url("127.0.0.1:8000") == "ws://127.0.0.1:8000/ws"
    assert Access.listening("::1", 8000).websocket_url("[::1]:8000") == "ws://[::1]:8000/ws"


@pytest.mark.parametrize("url", ["http://x;script-src *", "http://a\"b", "http://a b",
                                 "http://kiosk_demo.lan", "http://-x.lan", "http://<x>"])
def test_a_public_url_names_a_host_and_nothing_else(url):
    """The origin goes into the page and its Content-Security-Policy."""
    with pytest.raises(ValueError):
        public_origin(url)


def test_an_international_name_is_kept_as_browsers_send_it():
    assert public_origin("http://bücher.example") == "http://xn--bcher-kva.example"


def test_a_browser_on_port_80_leaves_the_port_out_of_its_host():
    access = Access.listening("localhost", 80)
    assert access.host_allowed("localhost") and access.host_allowed("127.0.0.1:80")


def test_only_this_servers_pages_open_a_session():
    access = Access.listening("127.0.0.1", 8000)
    assert access.origin_allowed("http://127.0.0.1:8000")
    assert access.origin_allowed("http://localhost:8000")
    assert access.origin_allowed(None)          # not a browser page
    for origin in ("http://evil.example", "http://127.0.0.1:8001", "https://127.0.0.1:8000",
                   "null", ""):
        assert not access.origin_allowed(origin)


def test_behind_a_proxy_the_public_address_is_the_page_and_the_websocket():
    access = Access.listening("127.0.0.1", 8000, "https://kiosk.example")
    # whatever Host the proxy passes, the page is the public one
    assert access.websocket_url("127.0.0.1:8000") == "wss://kiosk.example/ws"
    assert access.websocket_url("kiosk.example") == "wss://kiosk.example/ws"
    assert access.host_allowed("kiosk.example") and access.host_allowed("127.0.0.1:8000")
    assert access.origin_allowed("https://kiosk.example")
    assert not access.origin_allowed("http://kiosk.example")


def test_listening_everywhere_answers_to_the_public_address_alone():
    access = Access.listening("0.0.0.0", 8000, "http://kiosk.lan:8000")
    assert access.host_allowed("kiosk.lan:8000")
    assert not access.host_allowed("localhost:8000")
    assert access.websocket_url("kiosk.lan:8000") == "ws://kiosk.lan:8000/ws"


@pytest.mark.parametrize("width, height, size", [
    ("80", "24", (80, 24)), (120, 40, (120, 40)), ("100000", "100000", (400, 150)),
    ("-3", "0", (1, 1)), ("x", None, (80, 24)), (1e9, "1" * 50, (400, 150)),
])
def test_a_terminal_size_is_held_within_bounds(width, height, size):
    assert terminal_size(width, height) == size


@pytest.mark.parametrize("host, wildcard", [("0.0.0.0", True), ("::", True), ("[::]", True),
                                            ("192.168.1.5", False), ("kiosk.lan", False)])
def test_every_address_of_the_machine_is_no_name_for_a_browser(host, wildcard):
    assert is_wildcard(host) is wildcard
