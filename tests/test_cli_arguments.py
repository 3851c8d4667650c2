"""Issue 11: the command line's time and number arguments are range-checked while they are parsed.

A time outside the supported range (1957-01-01 .. 2100-12-31 UTC), a catalog number outside
1..999,999,999, a row id beyond 64 bits, a non-finite or out-of-range number: a usage error (exit 2)
whose message names the option, before any database is opened; never a traceback. Every input here
is made up."""

from __future__ import annotations

import argparse
import contextlib
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.cli import build_parser
from tracker.cli.common import catalog_number, catalog_numbers, real_number, row_id, time_value, whole_number

HUGE = "999999999999999999999"

#: (arguments, the option the message must name): every argument of the tree taking a time or a number.
OUT_OF_RANGE = [
    (["sats", "--at", "0001-01-01"], "--at"),
    (["sats", "--at", "9999-12-31T23:00-05:00"], "--at"),
    (["sats", "--at", "2101-01-01"], "--at"),
    (["sats", "--at", "1956-12-31T23:59:59Z"], "--at"),
    (["launches", "list", "--since", "0001-01-01"], "--since"),
    (["launches", "list", "--until", "9999-12-31"], "--until"),
    (["launches", "add", "--vehicle", "CZ-8A", "--net", "0001-01-01T00:00:00Z"], "--net"),
    (["launches", "update", "x", "--net", "3000-01-01"], "--net"),
    (["launches", "update", "x", "--window-start", "1900-01-01"], "--window-start"),
    (["launches", "update", "x", "--window-end", "2200-01-01"], "--window-end"),
    (["launches", "update", "x", "--announced", "0001-01-01T00:00:00+14:00"], "--announced"),
    (["launches", "update", "x", "--downrange-km", "nan"], "--downrange-km"),
    (["launches", "update", "x", "--downrange-km", "-1"], "--downrange-km"),
    (["link", "--since", "0001-01-01"], "--since"),
    (["link", "--until", "9999-12-31"], "--until"),
    (["link", "summary", "--by", "vehicle", "--since", "1000-01-01"], "--since"),
    (["markets", "refresh", "--since", "0001-01-01"], "--since"),
    (["markets", "bars", "600118.SS", "--since", "0001-01-01"], "--since"),
    (["markets", "bars", "600118.SS", "--until", "9999-12-31"], "--until"),
    (["markets", "update", "600118.SS", "--limit", "inf"], "--limit"),
    (["markets", "update", "600118.SS", "--limit", "1e400"], "--limit"),
    (["markets", "rules", "remove", HUGE], "id"),
    (["markets", "rules", "remove", "0"], "id"),
    (["orbits", "history", HUGE], "CATNR"),
    (["orbits", "history", "0"], "CATNR"),
    (["orbits", "history", "1000000000"], "CATNR"),
    (["orbits", "history", "9" * 5000], "CATNR"),  # more digits than int() reads
    (["orbits", "dawn-dusk", "--min-alt", "nan"], "--min-alt"),
    (["orbits", "dawn-dusk", "--max-alt", "1e308"], "--max-alt"),
    (["orbits", "groups", "--straggler-km", "-inf"], "--straggler-km"),
    (["constellations", "add", "mine", "--norad", HUGE], "--norad"),
    (["constellations", "add", "mine", "--norad", "-3"], "--norad"),
    (["constellations", "rules", "remove", HUGE], "ID"),
    (["constellations", "rules", "remove", "1.5"], "ID"),
    (["passes", "--min-el", "90"], "--min-el"),  # the service's bound: below 90
    (["passes", "--min-el", "-5.01"], "--min-el"),
]


@pytest.mark.parametrize(("argv", "option"), OUT_OF_RANGE, ids=lambda v: " ".join(v)[:60] if isinstance(v, list) else v)
def test_out_of_range_arguments_are_usage_errors_naming_the_option(cli, argv, option) -> None:
    result = cli(*argv)
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert f"error: argument {option}: " in last, result.stderr
    assert len(last) < 200  # the offending text is shortened, not echoed whole


@pytest.mark.parametrize("value", ["1957-01-01", "1957-01-01T00:00:00Z", "2100-12-31T23:59:59Z", "2101-01-01T07:59:59+08:00"])
def test_the_ends_of_the_supported_range_are_accepted(value) -> None:
    assert time_value(value) == value


def test_a_time_the_sun_is_not_known_for_is_one_line_usage_error(cli) -> None:
    result = cli("sats", "--at", "2060-01-01")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("tracker: error: --at 2060-01-01: sunlight needs the Sun's position")


def test_a_window_too_long_is_a_usage_error(cli) -> None:
    result = cli("link", "--window", f"{HUGE}:1")
    assert result.returncode == 2 and "Traceback" not in result.stderr and "--window" in result.stderr


def _actions(parser: argparse.ArgumentParser, path: str = "tracker"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _actions(sub, f"{path} {name}")
        else:
            yield path, action


def test_every_time_and_number_argument_is_range_checked() -> None:
    """No argument of the tree takes a bare int or float, and every time-like one is checked."""
    unchecked = []
    for path, action in _actions(build_parser()):
        label = f"{path} {'/'.join(action.option_strings) or action.dest}"
        if action.type in (int, float):
            unchecked.append(label)
        if action.metavar in ("DATE", "ISO8601") and action.type is not time_value:
            unchecked.append(label)
    assert not unchecked


# -- properties: no text makes an argument type raise anything but argparse's documented error -------

FAST = settings(max_examples=200, deadline=None)
NUMBERISH = st.one_of(
    st.sampled_from(["", " ", "nan", "-nan", "inf", "1e309", "-0", "0", "1_000", "١٢", "0x10", "9" * 30, "9" * 5000]),
    st.integers(-(2**80), 2**80).map(str), st.floats().map(repr), st.text(max_size=16),
)
TIMEISH = st.one_of(
    st.text(max_size=30), st.datetimes().map(lambda d: d.isoformat()), st.dates().map(str),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.builds(lambda y, rest: f"{y:04d}{rest}", st.integers(0, 9999),
              st.sampled_from(["-01-01", "-12-31T23:59:59Z", "-06-15T12:00+14:00", "-01-01T00:00-12:00"])),
)
TYPES = {
    "catalog_number": (catalog_number, lambda v: 1 <= v <= 999_999_999),
    "row_id": (row_id, lambda v: 1 <= v < 2**63),
    "small": (whole_number(-5, 5), lambda v: -5 <= v <= 5),
    "altitude": (real_number(0.0, 100_000.0), lambda v: 0 <= v <= 100_000),
    "unbounded": (real_number(0.0, float("inf")), lambda v: v >= 0 and v != float("inf")),
    "below": (real_number(-5.0, 90.0, below_high=True), lambda v: -5 <= v < 90),
    "above": (real_number(0.0, 336.0, above_low=True), lambda v: 0 < v <= 336),
    "catalog_numbers": (catalog_numbers, lambda v: len(v) >= 1 and all(1 <= n <= 999_999_999 for n in v)),
}


@FAST
@given(st.sampled_from(sorted(TYPES)), NUMBERISH)
def test_number_types_raise_only_argument_type_errors(kind: str, text: str) -> None:
    parse, valid = TYPES[kind]
    try:
        value = parse(text)
    except argparse.ArgumentTypeError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 600
        return
    assert valid(value)


@FAST
@given(TIMEISH)
def test_time_type_raises_only_argument_type_errors(text: str) -> None:
    from tracker.times import SUPPORTED, instant

    try:
        assert time_value(text) == text
    except argparse.ArgumentTypeError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 600
        return
    assert SUPPORTED[0] <= instant(text) < SUPPORTED[1]


#: Every option taking a time or a number, with the arguments around it.
PLACES = [
    ("sats", "--at"), ("launches list", "--since"), ("launches list", "--until"), ("launches update x", "--net"),
    ("launches update x", "--window-start"), ("launches update x", "--downrange-km"), ("link", "--since"),
    ("link summary --by vehicle", "--until"), ("markets refresh", "--since"), ("markets bars X", "--until"),
    ("markets update X", "--limit"), ("orbits dawn-dusk", "--min-alt"), ("orbits groups", "--straggler-km"),
    ("constellations add c", "--norad"), ("orbits history", ""), ("markets rules remove", ""),
    ("constellations rules remove", ""), ("passes", "--min-el"),
    ("passes", "--norad"), ("passes", "--hours"),
]


@FAST
@given(st.sampled_from(PLACES), st.one_of(NUMBERISH, TIMEISH))
def test_the_parser_takes_any_value_or_exits_with_a_usage_error(place: tuple[str, str], text: str) -> None:
    words, option = place
    argv = [*words.split(), f"{option}={text}" if option else "--", *([] if option else [text])]
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            build_parser(argv).parse_args(argv)
        except SystemExit as exc:
            assert exc.code == 2, err.getvalue()
            assert "Traceback" not in err.getvalue()


@pytest.mark.parametrize("value", ["x", "", "1:2:3", "0:251", "1:0", "-1:1,2"])
def test_bad_car_windows_are_one_line_usage_errors(cli, value) -> None:
    result = cli("link", f"--car={value}")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("tracker: error: --car") and len(result.stderr.splitlines()) == 1, result.stderr


def test_min_el_takes_the_services_range() -> None:
    """``passes --min-el`` accepts what the passes service accepts (-5 to below 90), one bound."""
    from tracker.services.passes import MIN_EL_RANGE

    assert MIN_EL_RANGE == (-5.0, 90.0)
    for value in ("-5", "89.95", "89.999999"):
        argv = ["passes", "--min-el", value]
        assert build_parser(argv).parse_args(argv).min_el == float(value)
    with contextlib.redirect_stderr(io.StringIO()) as err, pytest.raises(SystemExit):
        build_parser(["passes"]).parse_args(["passes", "--min-el", "90"])
    assert "outside -5..90 (90 excluded)" in err.getvalue()


def _option(argv: list[str], dest: str) -> argparse.Action:
    parser = build_parser(argv)
    for word in argv:
        parser = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[word]
    return next(a for a in parser._actions if a.dest == dest)


def test_link_choices_are_the_services() -> None:
    from tracker.markets import link as core
    from tracker.services import link as service

    assert _option(["link"], "at").choices == service.EVENT_TIMES
    assert _option(["link"], "format").choices == service.EXPORT_FORMATS
    for sub in ("summary", "plot"):
        assert _option(["link", sub], "by").choices == service.BY
        assert _option(["link", sub], "at").choices == service.EVENT_TIMES
    assert _option(["link", "plot"], "model").choices == service.MODELS
    assert service.MODELS == tuple(core.MODELS) == tuple(core.FITTED)  # what summary computes


def test_building_the_link_parser_imports_no_data_library() -> None:
    """The CLI reads the link service's choices while it builds the parser; that stays cheap."""
    import subprocess
    import sys

    code = ("import sys; from tracker.cli import build_parser; build_parser(['link', 'summary']); "
            "print(sorted(m for m in ('polars', 'sqlalchemy', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stderr
