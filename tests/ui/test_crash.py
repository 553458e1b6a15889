"""An unexpected error ends the kiosk non-zero, with a message naming a log, and nothing
of the failure on screen: no traceback, no local variable (a typed password), in the
message or in the log."""

from __future__ import annotations

import stat

import pytest
from rich.text import Text
from textual.binding import Binding
from textual.screen import Screen

from kiosk.crash import EXIT_CRASH, LOG_NAME, run_guarded
from kiosk.domain.i18n import Catalog
from tests.ui.conftest import NOW, make_app

TYPED = "Typed-Secret-4711"


class RichError(Exception):
    """An exception that renders itself: Textual hands these to panic(), not to its
    traceback printer, so both paths are tried."""

    def __rich__(self) -> Text:
        return Text(f"rich error: {TYPED}")


class Faulty(Screen[None]):
    BINDINGS = [Binding("x", "fail", "fail")]

    def __init__(self, error: type[Exception]) -> None:
        super().__init__()
        self.error = error

    def action_fail(self) -> None:
        password = TYPED   # a local, as in a form's submit()
        raise self.error(f"broken while handling {password}")


async def crash_with(error: type[Exception], pilot) -> None:
    pilot.app.push_screen(Faulty(error))
    await pilot.pause()
    await pilot.press("x")


@pytest.mark.parametrize("error", [ValueError, RichError])
@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_a_crash_exits_non_zero_and_logs_no_values(tmp_path, capfd, error, lang):
    app = make_app(lang=lang)
    log = tmp_path / "data" / LOG_NAME

    async def auto_pilot(pilot) -> None:
        await crash_with(error, pilot)

    code = run_guarded(app, log, Catalog(lang), lambda: NOW, headless=True,
                       size=(80, 24), auto_pilot=auto_pilot)
    out, err = capfd.readouterr()
    assert code == EXIT_CRASH
    assert str(log) in err and error.__name__ in err
    assert ("未預期的錯誤" if lang == "zh-TW" else "unexpected error") in err
    assert TYPED not in out + err and "Traceback" not in out + err
    assert "password" not in out + err      # not even a local's name
    text = log.read_text("utf-8")
    assert f"stopped after an unexpected {error.__name__}" in text
    assert "in action_fail" in text and "tests/ui/test_crash.py" in text
    assert TYPED not in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_leaving_on_purpose_exits_zero(tmp_path, capfd):
    app = make_app(lang="en")
    log = tmp_path / LOG_NAME

    async def auto_pilot(pilot) -> None:
        await pilot.pause()
        pilot.app.leave_kiosk()

    assert run_guarded(app, log, Catalog("en"), lambda: NOW, headless=True,
                       size=(80, 24), auto_pilot=auto_pilot) == 0
    assert not log.exists()
    _out, err = capfd.readouterr()
    assert err == ""


def test_a_log_that_cannot_be_written_is_said_and_still_exits_non_zero(tmp_path, capfd):
    app = make_app(lang="en")
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")

    async def auto_pilot(pilot) -> None:
        await crash_with(ValueError, pilot)

    code = run_guarded(app, blocked / LOG_NAME, Catalog("en"), lambda: NOW,
                       headless=True, size=(80, 24), auto_pilot=auto_pilot)
    _out, err = capfd.readouterr()
    assert code == EXIT_CRASH
    assert "could not be written" in err and TYPED not in err
