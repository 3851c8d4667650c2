"""The small things a newcomer trips on (issue 17): database paths, views everywhere, time
ranges, ``--version``, help text and messages, and the README's command table."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import run_in_process, shared_path
from tracker.cli import build_parser, main
from tracker.cli.common import rounded
from tracker.text import plural
from tracker.views import BUILTIN_VIEWS

ROOT = Path(__file__).resolve().parents[1]
AT = "2026-08-19T00:00:00Z"

# -- 1. the database setting ------------------------------------------------------------------------


def test_a_plain_path_under_home_is_a_sqlite_file(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    result = run_in_process("constellations", "list", "--format", "csv", env={"TRACKER_DB": "~/x/t.db"})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "x" / "t.db").is_file()  # expanded, its directory created


def test_a_relative_path_and_the_db_option(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_in_process("--db", "rel/dir/t.db", "constellations", "list", env={"TRACKER_DB": "unused.db"})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "rel" / "dir" / "t.db").is_file() and not (tmp_path / "unused.db").exists()


def test_a_path_below_a_file_is_one_line_of_error(tmp_path):
    (tmp_path / "afile").write_text("")
    result = run_in_process("constellations", "list", env={"TRACKER_DB": str(tmp_path / "afile" / "t.db")})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and str(tmp_path / "afile") in result.stderr


@pytest.mark.parametrize("url", ["foo://", "foo://bar", "postgresql+nodriver://h/db", "ab cd://x"])
def test_a_bad_url_names_what_was_expected(tmp_path, url):
    result = run_in_process("constellations", "list", env={"TRACKER_DB": url})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "TRACKER_DB" in result.stderr
    assert "sqlite:////path/tracker.db" in result.stderr and "plain file path" in result.stderr


# -- 3. every view wherever a satellite constellation is taken ------------------------------------


def test_every_view_is_accepted_wherever_a_constellation_is(cli):
    for group in ("hulianwang", "qianfan", "stations"):
        cli("tle", "import", shared_path(f"data/celestrak/gp-2026-08-18/{group}.csv"))
    assert cli("constellations", "add", "css", "--name", "CSS (*").returncode == 0
    for view in (*BUILTIN_VIEWS, "css", "  Qianfan "):
        sats = cli("sats", "--constellation", view, "--at", AT, "--format", "csv")
        assert sats.returncode == 0, (view, sats.stderr)
        groups = cli("orbits", "groups", "--constellation", view, "--format", "csv")
        assert groups.returncode == 0, (view, groups.stderr)
        assert build_parser().parse_args(["tui", "--constellation", view]).constellation == view
    for command in (["sats"], ["orbits", "groups"], ["tui"]):
        text = _help(*command)
        assert all(view in text for view in BUILTIN_VIEWS), (command, text)


@pytest.mark.parametrize("view", ["stations", "all", " ALL "])
def test_tle_import_refuses_a_view_as_constellation(cli, view):
    result = cli("tle", "import", "--constellation", view, shared_path("data/celestrak/gp-2026-08-18/stations.csv"))
    assert result.returncode == 2 and "is a built-in view, not a constellation name" in result.stderr
    assert "Traceback" not in result.stderr


# -- 4. time ranges and --version -----------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [["launches", "list"], ["markets", "bars", "XSHG:512660"], ["link"], ["link", "summary", "--by", "vehicle"]],
)
@pytest.mark.parametrize("since, until", [("2026-05-01", "2026-04-01"), ("2026-05-01T00:00:00Z", "2026-04-30")])
def test_a_reversed_range_is_a_usage_error_naming_both(cli, command, since, until):
    result = cli(*command, "--since", since, "--until", until)
    assert result.returncode == 2, result.stderr
    assert f"--since {since}" in result.stderr and f"--until {until}" in result.stderr


@pytest.mark.parametrize("command", [["launches", "list"], ["link"], ["link", "summary", "--by", "vehicle"]])
def test_an_empty_range_is_a_usage_error_naming_both(cli, command):
    result = cli(*command, "--since", "2026-05-01", "--until", "2026-05-01")
    assert result.returncode == 2 and "--since 2026-05-01" in result.stderr and "--until 2026-05-01" in result.stderr


def test_markets_refresh_since_after_today_is_a_usage_error(cli):
    result = cli("markets", "refresh", "--since", "2099-01-01", env={"TRACKER_YAHOO_URL": "off", "TRACKER_EASTMONEY_URL": "off"})
    assert result.returncode == 2 and "--since 2099-01-01 is after today" in result.stderr


def test_version_names_the_package_and_the_bundled_data(cli):
    result = cli("--version")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"tracker \(china-space-tracker\) \S+", lines[0])
    launches = len(json.loads((ROOT / "tracker/launches/calendar.json").read_text())["launches"])
    securities = len(json.loads((ROOT / "tracker/markets/watchlist.json").read_text())["securities"])
    assert re.fullmatch(rf"bundled launch calendar: {launches} launches, newest \d{{4}}-\d\d-\d\d, sha256 [0-9a-f]{{12}}", lines[1])
    assert re.fullmatch(rf"bundled watchlist: {securities} securities, \d+ theme rules, sha256 [0-9a-f]{{12}}", lines[2])


# -- 5. messages ----------------------------------------------------------------------------------


def test_plural_and_no_negative_zero():
    assert (plural(1, "element set"), plural(2, "new rule"), plural(0, "launch", "launches")) == (
        "1 element set", "2 new rules", "0 launches")
    frame = rounded(pl.DataFrame({"rate": [-0.0001, -0.0, None, -1.23456], "n": [1, 2, 3, 4]}), {"rate": 3, "nope": 1})
    assert [str(v) for v in frame["rate"]] == ["0.0", "0.0", "None", "-1.235"]


def test_printed_numbers_have_no_negative_zero(cli):
    cli("tle", "import", shared_path("data/celestrak/"))
    for fmt in ("table", "csv"):
        out = cli("orbits", "groups", "--format", fmt).stdout
        assert out and not re.search(r"(?<![\d.])-0(\.0+)?(?![\d.])", out), out


# -- 6. every command's help, and the README's command table ---------------------------------------

#: Options every command takes, described once above the README's table, not in each row.
SHARED_OPTIONS = {"--help", "--db", "--format", "--raw-csv"}


def _commands() -> dict[tuple[str, ...], list[str]]:
    """Every command of the tree (a parser with a handler), with its long options."""
    found: dict[tuple[str, ...], list[str]] = {}

    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> None:
        if parser.get_default("handler") is not None:
            found[path] = [o for a in parser._actions for o in a.option_strings if o.startswith("--")]
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    walk(child, (*path, name))

    walk(build_parser(), ())
    return found


def _help(*path: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exited:
        main([*path, "--help"], environ={})
    assert exited.value.code == 0, path
    return out.getvalue()


def test_every_help_is_proof_read():
    commands = _commands()
    assert ("tui",) in commands and ("constellations", "rules", "remove") in commands
    for path in [(), *commands]:
        text = _help(*path)
        assert "%%" not in text and "(s)" not in text, (path, text)
        assert text.startswith(f"usage: tracker {' '.join(path)}".rstrip()), (path, text)


def _readme_rows() -> list[tuple[set[tuple[str, ...]], str]]:
    """The commands each row of the README's command table names, with the row's text."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Commands\n", 1)[1].split("\n## ", 1)[0]
    commands = set(_commands()) | {path[:n] for path in _commands() for n in range(1, len(path))}
    rows = []
    for line in section.splitlines():
        if not line.startswith("| `tracker"):
            continue
        first = line.split(" | ")[0]
        segments = re.findall(r"`([^`]+)`", first)
        words = segments[0].split()[1:]
        path: tuple[str, ...] = ()
        named = set()
        for word in words:
            if (*path, word.strip("[]")) not in commands:
                break
            if word.startswith("["):  # `rules [list]`: the command with and without the word
                named.add(path)
            path = (*path, word.strip("[]"))
        named.add(path)
        for segment in segments[1:]:
            sibling = (*path[:-1], segment.split()[0])
            if sibling in commands:
                named.add(sibling)
        rows.append((named, line))
    return rows


def test_the_readme_table_lists_every_command_and_option():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    intro = text.split("\n## Commands\n", 1)[1].split("| command |", 1)[0]
    assert all(option in intro for option in SHARED_OPTIONS - {"--help"}), intro
    rows = _readme_rows()
    for path, options in _commands().items():
        mine = [line for named, line in rows if path in named]
        assert mine, f"README's command table lacks `tracker {' '.join(path)}`"
        for option in set(options) - SHARED_OPTIONS:
            assert any(re.search(rf"{re.escape(option)}(?![\w-])", line) for line in mine), (
                f"README's row of `tracker {' '.join(path)}` lacks {option}")


def test_messages_of_handlers_show_outside_text_escaped(cli) -> None:
    """A constellation name typed by a person (or read from a file) holding terminal escapes is
    printed with them made visible, never sent to the terminal."""
    done = cli("constellations", "add", "evil\x1b]0;pwned\x07", "--norad", "25544")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\x07" not in done.stdout
    assert "evil\\x1b]0;pwned\\x07" in done.stdout
