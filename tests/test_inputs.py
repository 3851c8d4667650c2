"""Outside input and output at the edges (issue 11): CSV formulas and ``--raw-csv``, launch files
in other encodings, large imports, outside text in the TUI."""

from __future__ import annotations

import argparse
import io

import polars as pl

from tracker.cli import build_parser
from tracker.output import emit

# -- CSV: formulas neutralised unless --raw-csv ----------------------------------------------------


def test_emit_neutralises_formulas_unless_raw_and_numbers_stay_numbers() -> None:
    frame = pl.DataFrame({"name": ["=1+1", "-x", "@SUM(A1)", "plain"], "value": [-1.5, -2.0, 3.0, 0.0]})
    safe, raw = io.StringIO(), io.StringIO()
    emit(frame, "csv", out=safe)
    emit(frame, "csv", out=raw, raw_csv=True)
    assert safe.getvalue().splitlines() == ["name,value", "'=1+1,-1.5", "'-x,-2.0", "'@SUM(A1),3.0", "plain,0.0"]
    assert raw.getvalue().splitlines() == ["name,value", "=1+1,-1.5", "-x,-2.0", "@SUM(A1),3.0", "plain,0.0"]


def test_every_command_with_csv_output_takes_raw_csv() -> None:
    def walk(parser: argparse.ArgumentParser, path: tuple[str, ...]):
        options = {o: a for a in parser._actions for o in a.option_strings}
        if "--format" in options and "csv" in (options["--format"].choices or ()):
            yield path, "--raw-csv" in options
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    yield from walk(child, (*path, name))

    found = dict(walk(build_parser(), ()))
    assert {("sats",), ("launches", "list"), ("markets", "list"), ("link",), ("link", "summary")} <= set(found)
    # `launches export` writes the import format, cells exactly as stored (so that files round-trip)
    assert [path for path, has in found.items() if not has] == [("launches", "export")]


def test_launches_list_csv_formula_and_raw_csv(cli) -> None:
    added = cli("launches", "add", "--vehicle", "CZ-8A", "--net", "2027-01-10T00:00:00Z", "--mission", "=HYPERLINK(\"x\")")
    assert added.returncode == 0, added.stderr
    safe = cli("launches", "list", "--since", "2027-01-01", "--format", "csv")
    raw = cli("launches", "list", "--since", "2027-01-01", "--format", "csv", "--raw-csv")
    assert "'=HYPERLINK" in safe.stdout and "'=HYPERLINK" not in raw.stdout
    assert '"=HYPERLINK(""x"")"' in raw.stdout
