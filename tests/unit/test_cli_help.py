"""``nhi-kiosk --help`` and each command's help, as a kiosk operator reads them: how to
start the kiosk, what every command and every argument is for, in the operator's words
(not the code's: "composition root", "wiring", module paths)."""

from __future__ import annotations

import argparse

import pytest

from kiosk.cli import _parser, main

JARGON = ("composition root", "wiring", "kiosk/", "screens/", "``", "domain", "Services")


def help_of(capsys, monkeypatch, *argv: str) -> str:
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def commands(parser: argparse.ArgumentParser, words: tuple[str, ...] = ()):
    """(words, parser) of every command and sub-command, the top level first."""
    yield words, parser
    for action in parser._actions:   # argparse has no public walk of its sub-parsers
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*words, name))


ALL = [words for words, _ in commands(_parser())]


def test_the_top_level_help_says_how_to_start_the_kiosk(capsys, monkeypatch):
    out = help_of(capsys, monkeypatch)
    assert "Without a command it starts the kiosk" in out and "nhi-kiosk run" in out
    assert "'nhi-kiosk COMMAND --help'" in out
    assert not [word for word in JARGON if word in out]


@pytest.mark.parametrize("words", ALL, ids=[" ".join(w) or "nhi-kiosk" for w in ALL])
def test_every_argument_of_every_command_says_what_it_is_for(capsys, monkeypatch, words):
    parser = dict(commands(_parser(words)))[words]   # as main() builds it for these words
    silent = [action.dest for action in parser._actions
              if not isinstance(action, argparse._SubParsersAction)
              and action.help != argparse.SUPPRESS and not (action.help or "").strip()]
    assert silent == [], f"nhi-kiosk {' '.join(words)}: no help for {silent}"
    out = help_of(capsys, monkeypatch, *words)
    assert not [word for word in JARGON if word in out], out
