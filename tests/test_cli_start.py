"""What the ``tracker`` command does before it runs a command: commands registered by other
distributions (the terminal UI's ``tui``) are looked up only when they can be wanted."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

import tracker.cli
from tracker.cli import COMMANDS_GROUP, build_parser, extension_commands


def test_extension_commands_are_those_importlib_metadata_finds():
    assert extension_commands() == [entry.load() for entry in entry_points(group=COMMANDS_GROUP)]
    assert [f.__module__ for f in extension_commands()] == ["tui.command"]


def test_entry_points_text_is_read_as_importlib_metadata_reads_it():
    text = "[console_scripts]\ntracker = tracker.cli:main\n\n# a comment\n[tracker.commands]\ntui = tui.command:register [ui]\n"
    assert tracker.cli._group_entries(text, COMMANDS_GROUP) == ["tui.command:register [ui]"]


@pytest.mark.parametrize(("argv", "scans"), [
    (["sats", "--format", "csv"], False),
    (["--db", "sqlite://", "launches", "list"], False),
    (["--d", "sats", "launches", "list"], False),
    (["orbits", "--help"], False),
    (["tui"], True),
    (["--help"], True),
    (["--db", "sqlite://"], True),
    (["nope"], True),
    (None, True),
])
def test_only_commands_outside_the_core_scan_the_installed_distributions(monkeypatch, argv, scans):
    scanned = []
    monkeypatch.setattr(tracker.cli, "extension_commands", lambda: scanned.append(True) or [])
    build_parser(argv)
    assert bool(scanned) == scans


def _commands(parser) -> list[str]:
    return list(next(a for a in parser._actions if a.dest == "command").choices)


def test_a_core_command_builds_its_own_options_only():
    assert _commands(build_parser()) == [*tracker.cli.CORE, "tui"]
    for word in tracker.cli.CORE:
        assert _commands(build_parser(["--db", "sqlite://", word, "--help"])) == [word]
