"""The commands' one registration (kiosk/commands/__init__.py): every command module is
in COMMANDS once, and each command shows in ``nhi-kiosk --help`` with its help line."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import kiosk.commands
from kiosk.cli import main, with_default_command
from kiosk.commands import COMMANDS, DEFAULT


def help_of(capsys, monkeypatch, *argv: str) -> str:
    monkeypatch.setenv("COLUMNS", "200")   # one line per command: no wrapped help
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def test_no_command_is_registered_twice():
    names = [command.name for command in COMMANDS]
    assert len(set(names)) == len(names), names
    assert len({id(command) for command in COMMANDS}) == len(COMMANDS)
    assert len({command.run for command in COMMANDS}) == len(COMMANDS)


def test_every_command_module_is_registered():
    """A module with a COMMAND that is not in the list would be a command nobody can run."""
    declared = []
    for info in pkgutil.iter_modules(kiosk.commands.__path__):
        module = importlib.import_module(f"kiosk.commands.{info.name}")
        if hasattr(module, "COMMAND"):
            declared.append(module.COMMAND)
    assert sorted(c.name for c in declared) == sorted(c.name for c in COMMANDS)
    assert all(command in COMMANDS for command in declared)


def test_every_command_is_in_the_help_with_its_help_line(capsys, monkeypatch):
    out = help_of(capsys, monkeypatch)
    assert "{" + ",".join(command.name for command in COMMANDS) + "}" in out
    for command in COMMANDS:
        assert command.help.strip(), f"{command.name} has no help line"
        line = re.search(rf"^ {{4}}{re.escape(command.name)} +(\S.*)$", out, re.MULTILINE)
        assert line, f"{command.name} is not listed in nhi-kiosk --help"
        assert line.group(1).strip() == command.help.replace("%%", "%")


@pytest.mark.parametrize("name", [command.name for command in COMMANDS])
def test_each_command_has_its_own_help_for_users(capsys, monkeypatch, name):
    out = help_of(capsys, monkeypatch, name)
    assert out.startswith(f"usage: nhi-kiosk {name}")
    assert "composition root" not in out


def test_the_help_speaks_to_users(capsys, monkeypatch):
    out = help_of(capsys, monkeypatch)
    assert "composition root" not in out and "``" not in out
    assert "exit codes:" in out


@pytest.mark.parametrize("argv, expected", [
    ([], [DEFAULT.name]),
    (["--demo", "--lang", "en"], [DEFAULT.name, "--demo", "--lang", "en"]),
    (["nosuch"], [DEFAULT.name, "nosuch"]),          # then argparse names it unrecognized
    (["staff", "list"], ["staff", "list"]),
    (["run", "--demo"], ["run", "--demo"]),
    (["--help"], ["--help"]),
    (["-h"], ["-h"]),
    (["--version"], ["--version"]),
])
def test_without_a_command_the_kiosk_runs(argv, expected):
    assert DEFAULT in COMMANDS
    assert with_default_command(argv) == expected
