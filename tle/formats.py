"""Parsing of element-set text: TLE/2LE/3LE and CelesTrak's OMM in CSV, JSON and XML.

Every format is decoded into element sets (:class:`~tle.elements.ElementSet`), handed over as
one frame (:mod:`tle.frame`). A damaged record becomes a :class:`Rejected` carrying the reason and
its place in the input, and parsing carries on, because one corrupt line in a catalogue of 16,000
objects must not cost the other 15,999. Only input that is not element data at all raises
:class:`FormatError`.

CelesTrak's CSV, what a refresh downloads and a catalogue import reads, is read column by column
(polars): a record at a time, the parse alone cost twice sgp4's and 1.7 KB per set. The records
that column-wise reading cannot vouch for go through the record-by-record reader, so both give
the same sets and the same rejections (tests compare them on generated inputs).

The parser does not deduplicate: the same object twice in one file is returned twice, and
storage decides which one wins.
"""

from __future__ import annotations

import calendar
import codecs
import csv
import io
import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from os import PathLike
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from tle.elements import ElementSet, normalise_cospar, utc
from tle.frame import SCHEMA, from_records, to_records

__all__ = [
    "EPOCH_RANGE",
    "MAX_NORAD",
    "FormatError",
    "ParseResult",
    "Rejected",
    "detect_format",
    "parse_file",
    "parse_text",
]

_T = TypeVar("_T")

#: The largest catalog number: OMM allows nine digits (e.g. the 270000000-range analyst objects).
#: The command line's catalog-number arguments take the same range, 1..MAX_NORAD.
MAX_NORAD = 999_999_999

_TLE_LINE_LENGTH = 69

#: Alpha-5 first characters, A=10 ... Z=33. I and O are skipped because they read as 1 and 0.
_ALPHA5 = "ABCDEFGHJKLMNPQRSTUVWXYZ"

_DIGITS = tuple((value, str(value)) for value in range(1, 10))

_NOT_ELEMENT_DATA = "not element-set data (expected TLE/3LE, OMM CSV, JSON or XML)"


class FormatError(ValueError):
    """The whole input is not element data: empty, undecodable, or of no known format.

    Distinct from a :class:`Rejected` record: a FormatError means nothing in the input could be
    trusted, so the caller should report the source rather than look at individual records.
    """


@dataclass(frozen=True, slots=True)
class Rejected:
    """One record that could not be used, with enough context to find it in the input."""

    source: str
    line: int  #: 1-based first line of the record; 0 where unknown (JSON, XML: see reason)
    reason: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"rejected {where}: {self.reason}"


@dataclass(slots=True, eq=False)
class ParseResult:
    """What one input yielded: its format, the good records in input order (a frame of
    :data:`tle.frame.SCHEMA`), and the rejects."""

    format: str  #: "tle", "omm-csv", "omm-json" or "omm-xml"
    frame: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SCHEMA))
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def records(self) -> list[ElementSet]:
        """The good records as objects, made on each call: for the few one propagates, not for
        a catalogue (see :mod:`tle.frame`)."""
        return to_records(self.frame)


class _RecordError(Exception):
    """Internal: why one record is unusable. Becomes a :class:`Rejected`, never escapes."""


# --- entry points -----------------------------------------------------------------------------


def detect_format(text: str, source: str = "<text>") -> str:
    """Tell the format from the content, because file names and URLs routinely lie about it.

    ``source`` only serves to name the input in the :class:`FormatError` message.
    """
    body = text.lstrip("\ufeff \t\r\n")
    if not body:
        raise FormatError(f"{source} is empty")
    if body[0] in "[{":
        return "omm-json"
    if body[0] == "<":
        return "omm-xml"
    if _csv_header(body.partition("\n")[0]):
        return "omm-csv"
    seen_line1 = False
    for line in body.splitlines():
        if line.startswith("1 "):
            seen_line1 = True
        elif seen_line1 and line.startswith("2 "):
            return "tle"
    raise FormatError(f"{source}: {_NOT_ELEMENT_DATA}")


def _csv_header(line: str) -> bool:
    """Whether the first line of an input is the header of an OMM CSV."""
    return "," in line and ("OBJECT_NAME" in line or "NORAD_CAT_ID" in line)


def parse_text(text: str, source: str) -> ParseResult:
    """Detect the format of ``text`` and parse it; ``source`` (a path or URL) labels every record.

    Raises :class:`FormatError` only when the input as a whole is not element data.
    """
    text = text.removeprefix("\ufeff")
    fmt = detect_format(text, source)
    if fmt == "omm-csv" and (columns := _csv_columns(text.encode(), source)) is not None:
        return columns
    parser = {
        "tle": _parse_tle,
        "omm-csv": _parse_csv,
        "omm-json": _parse_json,
        "omm-xml": _parse_xml,
    }[fmt]
    return _collect(fmt, parser(text, source))


def parse_file(path: str | PathLike[str]) -> ParseResult:
    """Read and parse one file. Undecodable bytes raise :class:`FormatError` naming the path.

    OS errors (missing file, no permission) propagate unchanged: they are not format problems.
    """
    data = Path(path).read_bytes()
    body = data.removeprefix(codecs.BOM_UTF8)
    # A catalogue is ASCII, which is UTF-8 as it stands: read by columns from the bytes, it is
    # never held a second time as text.
    if body.isascii() and (columns := _csv_columns(body, str(path))) is not None:
        return columns
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FormatError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    return parse_text(text, str(path))


def _collect(fmt: str, items: Iterable[ElementSet | Rejected]) -> ParseResult:
    """A parser's records and rejections, in input order, as a :class:`ParseResult` (the
    records become the frame a chunk at a time, :func:`tle.frame.from_records`)."""
    rejected: list[Rejected] = []

    def records() -> Iterator[ElementSet]:
        for item in items:
            if isinstance(item, Rejected):
                rejected.append(item)
            else:
                yield item

    frame = from_records(records())
    return ParseResult(fmt, frame, rejected)


# --- value conversion shared by all formats ---------------------------------------------------
# Numbers are converted with the builtins float() and int() straight from their text (JSON
# numbers included, see _parse_json), which is what keeps a 16,000-row catalogue fast. float()
# also accepts 'nan' and 'inf'; _checked() rejects those for every format at once.


def _iso_time(value: object) -> datetime:
    """OMM EPOCH: ISO 8601, UTC when no offset is given, 'Z' and any fraction length allowed."""
    return utc(datetime.fromisoformat(str(value).strip()))


def _text(value: object) -> str | None:
    """A stripped string, or None for missing or blank values."""
    return (str(value).strip() or None) if value is not None else None


#: The supported range of epochs: from the year of the first satellite (Sputnik 1, October 1957)
#: to the end of 2100. An epoch outside it is a typo or garbage (OMM allows years 0001..9999), and
#: SGP4's time arithmetic is meaningless that far from now.
EPOCH_RANGE = (datetime(1957, 1, 1, tzinfo=timezone.utc), datetime(2101, 1, 1, tzinfo=timezone.utc))

#: The most revolutions per day an element set may claim. A circular orbit at the Earth's surface
#: makes about 17.1 rev/day; 20 leaves room for decaying objects and rounding, nothing real is faster.
MAX_MEAN_MOTION = 20.0

#: BSTAR (1/earth radii) is fitted, not measured: most values are below 0.01, but CelesTrak
#: publishes objects with fitted values near -3.6 (2026-08-18 catalogue). 10 keeps every real
#: value and refuses garbage such as a misread exponent.
MAX_BSTAR = 10.0

#: ELEMENT_SET_NO and REV_AT_EPOCH are stored as 32-bit signed integers.
MAX_COUNTER = 2**31 - 1


@dataclass(frozen=True)
class _Bound:
    """One range an element-set field must lie in, checked on a record (:meth:`holds`) and on a
    column (:meth:`expr`) alike; ``closed`` as polars' ``is_between`` takes it."""

    field: str
    low: Any
    high: Any
    closed: str  # "both", "left", "right" or "none"
    message: str  # formatted with the value as ``value``

    def holds(self, value: Any) -> bool:
        above = value >= self.low if self.closed in ("both", "left") else value > self.low
        below = value <= self.high if self.closed in ("both", "right") else value < self.high
        return bool(above and below)  # False for NaN, as every comparison with it is

    def expr(self) -> pl.Expr:
        return pl.col(self.field).is_between(self.low, self.high, closed=self.closed)  # type: ignore[arg-type]


_ANGLE = "must be in [0, 360] deg: {value}"

#: The ranges, the same for every format and source (files and CelesTrak alike). NaN is outside
#: every range; infinity, and a NaN among the unbounded drag terms, are caught by
#: :data:`_UNBOUNDED` first.
_BOUNDS = (
    _Bound("norad", 1, MAX_NORAD, "both", f"catalog number out of range 1..{MAX_NORAD}: {{value}}"),
    _Bound("epoch", *EPOCH_RANGE, "left", "epoch {value:%Y-%m-%d} outside the supported range 1957-01-01..2100-12-31"),
    _Bound("mean_motion", 0, MAX_MEAN_MOTION, "right",
           f"mean motion must be > 0 and <= {MAX_MEAN_MOTION:g} rev/day: {{value}}"),  # SGP4 needs n > 0
    _Bound("eccentricity", 0, 1, "left", "eccentricity must be in [0, 1): {value}"),  # closed orbits (SGP4)
    _Bound("inclination_deg", 0, 180, "both", "inclination must be in [0, 180] deg: {value}"),
    # Angles as published: TLE columns would allow up to 999.
    _Bound("raan_deg", 0, 360, "both", "RAAN " + _ANGLE),
    _Bound("arg_perigee_deg", 0, 360, "both", "argument of perigee " + _ANGLE),
    _Bound("mean_anomaly_deg", 0, 360, "both", "mean anomaly " + _ANGLE),
    _Bound("bstar", -MAX_BSTAR, MAX_BSTAR, "none", f"BSTAR must be below {MAX_BSTAR:g} in magnitude: {{value}}"),
    _Bound("element_set_no", 0, MAX_COUNTER, "both", f"ELEMENT_SET_NO must be in 0..{MAX_COUNTER}: {{value}}"),
    _Bound("rev_at_epoch", 0, MAX_COUNTER, "both", f"REV_AT_EPOCH must be in 0..{MAX_COUNTER}: {{value}}"),
    # One digit in a TLE (column 63); CelesTrak publishes 0, the type SGP4 takes.
    _Bound("ephemeris_type", 0, 9, "both", "EPHEMERIS_TYPE must be in 0..9: {value}"),
)

#: Fields whose sum must be finite: the sum of finite floats is (short of overflowing 1e308,
#: garbage as well), so one test covers NaN and infinity in all of them, including the drag terms
#: that have no range.
_UNBOUNDED = ("mean_motion", "raan_deg", "arg_perigee_deg", "mean_anomaly_deg", "bstar",
              "mean_motion_dot", "mean_motion_ddot")


def _checked(es: ElementSet) -> ElementSet:
    """Reject elements that are physically meaningless: SGP4 would fail or produce nonsense.

    The checks, in order: text that is Unicode, catalog number and epoch (:data:`_BOUNDS`), then that
    :data:`_UNBOUNDED` are finite, then the other ranges; :func:`_valid` is the same on columns.
    """
    for label, text in (("name", es.name), ("COSPAR id", es.cospar), ("classification", es.classification)):
        if text is not None and not text.isascii() and not _unicode(text):
            raise _RecordError(f"{label} is not Unicode text (a lone surrogate, as JSON's \\ud800 writes one): {text!r}")
    for bound in _BOUNDS[:2]:
        _check(bound, getattr(es, bound.field))
    if not math.isfinite(sum(getattr(es, name) for name in _UNBOUNDED)):
        raise _RecordError("not a finite number among mean motion, angles and drag terms")
    for bound in _BOUNDS[2:]:
        _check(bound, getattr(es, bound.field))
    return es


def _unicode(text: str) -> bool:
    """Whether ``text`` can be written as UTF-8: a JSON escape can make a lone surrogate, which
    no file, database or terminal can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check(bound: _Bound, value: Any) -> None:
    if not bound.holds(value):
        raise _RecordError(bound.message.format(value=value))


def _valid() -> pl.Expr:
    """:func:`_checked` on a frame of :data:`tle.frame.SCHEMA`: whether each row passes."""
    finite = pl.sum_horizontal(_UNBOUNDED).is_finite()
    return pl.all_horizontal(finite, *[bound.expr() for bound in _BOUNDS])


# --- TLE --------------------------------------------------------------------------------------


def _parse_tle(text: str, source: str) -> Iterator[ElementSet | Rejected]:
    """2LE, 3LE (name lines with or without CelesTrak's '0 ' prefix) and any mix of the two."""
    lines = [line.rstrip() for line in text.splitlines()]
    name: tuple[int, str] | None = None  # (line number, text) of a name line awaiting its pair

    def unpaired(name: tuple[int, str]) -> Rejected:
        return Rejected(source, name[0], f"name line {name[1]!r} not followed by an element set")

    index = 0
    while index < len(lines):
        line, line_no = lines[index], index + 1
        index += 1
        if not line:
            continue
        if not line.startswith(("1 ", "2 ")):
            if name:
                yield unpaired(name)
            name = (line_no, line.removeprefix("0 ").strip())
            continue
        start, title = name if name else (line_no, None)
        name = None
        if line.startswith("2 "):
            yield Rejected(source, start, "line 2 without line 1")
        elif index < len(lines) and lines[index].startswith("2 "):
            index += 1
            try:
                yield _tle_record(line, lines[index - 1], title, f"{source}:{start}")
            except _RecordError as err:
                yield Rejected(source, start, str(err))
        else:
            yield Rejected(source, start, "line 1 without line 2")
    if name:
        yield unpaired(name)


def _tle_record(line1: str, line2: str, name: str | None, source: str) -> ElementSet:
    """Validate and decode one pair of TLE lines (already right-stripped)."""
    for number, line in ((1, line1), (2, line2)):
        if len(line) < _TLE_LINE_LENGTH:
            raise _RecordError(f"line {number} is a short line ({len(line)} of 69 columns)")
        if len(line) > _TLE_LINE_LENGTH:
            raise _RecordError(f"line {number} is too long ({len(line)} of 69 columns)")
        expected = _tle_checksum(line)
        if line[68] != str(expected):
            raise _RecordError(
                f"line {number} bad checksum (column 69 is {line[68]!r}, computed {expected})"
            )
    if line1[2:7] != line2[2:7]:
        raise _RecordError(f"catalog number differs: line 1 {line1[2:7]!r}, line 2 {line2[2:7]!r}")

    def col(number: int, first: int, last: int, label: str, convert: Callable[[str], _T]) -> _T:
        """Line ``number``, columns ``first``..``last`` (1-based, inclusive, as the spec counts)."""
        raw = (line1, line2)[number - 1][first - 1 : last]
        try:
            return convert(raw)
        except ValueError:
            where = f"line {number} field {label!r} (cols {first}-{last})"
            raise _RecordError(f"{where} not a number: {raw.strip()!r}") from None

    es = ElementSet(
        norad=col(1, 3, 7, "catalog number", _alpha5),
        name=name,
        cospar=normalise_cospar(line1[9:17]),
        epoch=_tle_epoch(col(1, 19, 20, "epoch year", int), col(1, 21, 32, "epoch day", float)),
        mean_motion=col(2, 53, 63, "mean motion", float),
        eccentricity=col(2, 27, 33, "eccentricity", _implied_point),
        inclination_deg=col(2, 9, 16, "inclination", float),
        raan_deg=col(2, 18, 25, "raan", float),
        arg_perigee_deg=col(2, 35, 42, "argument of perigee", float),
        mean_anomaly_deg=col(2, 44, 51, "mean anomaly", float),
        bstar=col(1, 54, 61, "bstar", _implied_exponent),
        mean_motion_dot=col(1, 34, 43, "mean motion dot", float),
        mean_motion_ddot=col(1, 45, 52, "mean motion ddot", _implied_exponent),
        element_set_no=col(1, 65, 68, "element set number", int),
        rev_at_epoch=col(2, 64, 68, "revolution number", int),
        classification=line1[7].strip() or "U",
        ephemeris_type=col(1, 63, 63, "ephemeris type", int),
        source=source,
    )
    return _checked(es)


def _tle_checksum(line: str) -> int:
    """Modulo-10 sum of columns 1-68: digits count their value, '-' counts 1, all else 0.

    Counted per digit value with str.count rather than char by char: five times faster.
    """
    body = line[:68]
    return (body.count("-") + sum([value * body.count(char) for value, char in _DIGITS])) % 10


def _alpha5(text: str) -> int:
    """Catalog number, including Alpha-5 ('A0000' = 100000 ... 'Z9999' = 339999)."""
    head, tail = text[:1], text[1:]
    if head in _ALPHA5 and tail.isdigit():
        return (10 + _ALPHA5.index(head)) * 10_000 + int(tail)
    return int(text)


def _implied_point(text: str) -> float:
    """TLE eccentricity: digits with an implied leading '0.' ('0001837' -> 0.0001837)."""
    digits = text.replace(" ", "0")  # as sgp4's own parser does
    if not digits.isdigit():
        raise ValueError(text)
    return float("0." + digits)


def _implied_exponent(text: str) -> float:
    """TLE ' 60880-4' -> 0.60880e-4: sign, mantissa with implied '0.', signed exponent digit."""
    body = text.strip()
    sign = body[0] if body[:1] in ("+", "-") else ""
    mantissa, exponent = body[len(sign) : -2], body[-2:]
    if not (mantissa.isdigit() and exponent[:1] in ("+", "-") and exponent[1:].isdigit()):
        raise ValueError(text)
    return float(f"{sign}0.{mantissa}e{exponent}")


def _tle_epoch(two_digit_year: int, day_of_year: float) -> datetime:
    """TLE epoch: years 57-99 are 19xx, others 20xx; Jan 1 00:00 UTC is day 1.0."""
    year = (1900 if two_digit_year >= 57 else 2000) + two_digit_year
    days_in_year = 366 if calendar.isleap(year) else 365
    if not 1 <= day_of_year < days_in_year + 1:
        raise _RecordError(f"epoch day {day_of_year} outside year {year}")
    return datetime(year, 1, 1, tzinfo=timezone.utc) + timedelta(days=day_of_year - 1)


# --- OMM (CSV, JSON, XML) ---------------------------------------------------------------------

_MISSING = object()

#: An OMM field converter (int, float, _iso_time). It is handed whatever the record holds (text,
#: None, or a list or object from JSON) and rejects what it cannot convert by raising TypeError or
#: ValueError, so its argument is Any: int() and float() accept no plain ``object``.
_OMMConverter = Callable[[Any], object]

#: OMM numeric fields as (ElementSet attribute, OMM key, converter, default); a default of
#: _MISSING marks the fields SGP4 cannot run without. The rest fall back to ElementSet's defaults.
_OMM_FIELDS: tuple[tuple[str, str, _OMMConverter, object], ...] = (
    ("norad", "NORAD_CAT_ID", int, _MISSING),
    ("epoch", "EPOCH", _iso_time, _MISSING),
    ("mean_motion", "MEAN_MOTION", float, _MISSING),
    ("eccentricity", "ECCENTRICITY", float, _MISSING),
    ("inclination_deg", "INCLINATION", float, _MISSING),
    ("raan_deg", "RA_OF_ASC_NODE", float, _MISSING),
    ("arg_perigee_deg", "ARG_OF_PERICENTER", float, _MISSING),
    ("mean_anomaly_deg", "MEAN_ANOMALY", float, _MISSING),
    ("bstar", "BSTAR", float, _MISSING),
    ("mean_motion_dot", "MEAN_MOTION_DOT", float, _MISSING),
    ("mean_motion_ddot", "MEAN_MOTION_DDOT", float, _MISSING),
    ("element_set_no", "ELEMENT_SET_NO", int, 999),
    ("rev_at_epoch", "REV_AT_EPOCH", int, 0),
    ("ephemeris_type", "EPHEMERIS_TYPE", int, 0),
)
_OMM_REQUIRED = tuple(key for _, key, _, default in _OMM_FIELDS if default is _MISSING)
_EXPECTED = {float: "a number", int: "an integer", _iso_time: "an ISO 8601 time"}


def _omm_value(
    fields: Mapping[str, object], key: str, convert: _OMMConverter, default: object
) -> object:
    """One converted OMM field. Blank counts as missing, which only optional fields may be."""
    value = fields.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if default is _MISSING:
            raise _RecordError(f"field {key}: missing")
        return default
    try:
        return convert(value)
    except (TypeError, ValueError):
        raise _RecordError(f"field {key}: not {_EXPECTED[convert]}: {value!r}") from None


def _from_omm(fields: Mapping[str, object], source: str) -> ElementSet:
    """One OMM record, whichever container (CSV row, JSON object, XML segment) it came in."""
    try:  # The common case, all of a CelesTrak download: every field present and valid.
        values = {attr: convert(fields[key]) for attr, key, convert, _ in _OMM_FIELDS}
    except (KeyError, TypeError, ValueError):  # Again, slowly: apply defaults, name the culprit.
        values = {
            attr: _omm_value(fields, key, convert, default)
            for attr, key, convert, default in _OMM_FIELDS
        }
    return _checked(
        ElementSet(
            name=_text(fields.get("OBJECT_NAME")),
            cospar=normalise_cospar(_text(fields.get("OBJECT_ID"))),
            classification=_text(fields.get("CLASSIFICATION_TYPE")) or "U",
            source=source,
            # values is dict[str, object]: mypy cannot tie each _OMM_FIELDS converter's result to
            # its ElementSet attribute. The table is the one place to keep them matched.
            **values,  # type: ignore[arg-type]
        )
    )


def _parse_csv(text: str, source: str) -> Iterator[ElementSet | Rejected]:
    """CelesTrak FORMAT=csv, record by record: a header row naming the columns, in any order,
    then one row each. (:func:`_csv_columns` reads the common case faster, to the same result.)"""
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    previous_line = 0
    for row in reader:
        line_no, previous_line = previous_line + 1, reader.line_num
        if header is None:
            if not _blank(row):
                header = [cell.strip() for cell in row]
                missing = [key for key in _OMM_REQUIRED if key not in header]
                if missing:
                    raise FormatError(f"{source}: CSV header lacks columns {', '.join(missing)}")
        elif (item := _csv_record(header, row, source, line_no)) is not None:
            yield item


def _blank(row: list[str]) -> bool:
    return not row or (len(row) == 1 and not row[0].strip())


def _csv_record(header: list[str], row: list[str], source: str, line_no: int) -> ElementSet | Rejected | None:
    """One CSV row after the header: its element set, why it is rejected, or None if blank."""
    if _blank(row):
        return None
    try:
        if len(row) != len(header):
            raise _RecordError(f"expected {len(header)} columns, found {len(row)}")
        fields = dict(zip(header, row, strict=True))  # lengths checked just above
        return _from_omm(fields, f"{source}:{line_no}")
    except _RecordError as err:
        return Rejected(source, line_no, str(err))


#: polars' type for the values of each OMM converter. Its CSV reader refuses every number text
#: that Python's int() and float() refuse (and a few they take, such as ``1_5``: a file holding
#: one is read record by record).
_POLARS_TYPES: dict[_OMMConverter, pl.DataType] = {int: pl.Int64(), float: pl.Float64(), _iso_time: pl.String()}
#: OMM text fields (see :func:`_from_omm`).
_OMM_TEXT = ("OBJECT_NAME", "OBJECT_ID", "CLASSIFICATION_TYPE")
#: Values :func:`_csv_columns` reads itself; any other goes through :func:`_csv_record`.
_PLAIN_TEXT = r"^[ -~]*$"  # printable ASCII, where str.strip() and polars' strip alike strip spaces
#: CelesTrak's own ISO form, with hours, minutes and seconds in range: polars would read a leap
#: second (":60") as the next minute, which Python refuses.
_PLAIN_EPOCH = r"^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?$"
_PLAIN_COSPAR = r"^(\d{4}-\d{3}[A-Z]{0,3})?$"  # normalised already, or blank


def _csv_columns(data: bytes, source: str) -> ParseResult | None:
    """An OMM CSV (``data``: UTF-8 without a BOM) read by columns with polars, or None when it
    must be read record by record (:func:`_parse_csv`): it holds a quote (a field may then span
    lines), a lone CR (a line end to :mod:`csv`, not to polars), a header other than plain OMM
    column names on the first line, a line with more fields than the header, or a value polars
    cannot read as its column's type.

    A line is taken from the columns only when its last field is there (polars reads a line that
    ends early as nulls), its values are plain (printable ASCII text, CelesTrak's ISO epochs,
    numbers) and it passes every check (:func:`_valid`). Any other line goes through
    :func:`_csv_record`, the record reader's own code, so both readers give the same sets and the
    same rejections."""
    if b'"' in data or data.count(b"\r") != data.count(b"\r\n"):
        return None
    first_end = data.find(b"\n")
    header_line = data[: len(data) if first_end < 0 else first_end].removesuffix(b"\r").decode("ascii", "replace")
    header = header_line.split(",")
    if (header_line[:1] in ("[", "{", "<") or not _csv_header(header_line) or len(set(header)) != len(header)
            or any(cell != cell.strip() for cell in header) or any(key not in header for key in _OMM_REQUIRED)
            or "line" in header):  # the name of a column made here
        return None
    types = {key: _POLARS_TYPES[convert] for _, key, convert, _ in _OMM_FIELDS if key in header}
    types |= {key: pl.String() for key in (*_OMM_TEXT, header[-1]) if key in header and key not in types}
    plain = [pl.col(key).str.contains(_PLAIN_TEXT).fill_null(True) for key in _OMM_TEXT if key in header]
    if "OBJECT_ID" in header:
        plain.append(_stripped("OBJECT_ID").str.to_uppercase().str.contains(_PLAIN_COSPAR).fill_null(True))
    required = [pl.col(attr).is_not_null() for attr, _, _, default in _OMM_FIELDS if default is _MISSING]
    query = (
        pl.scan_csv(data, schema_overrides=types, infer_schema=False, raise_if_empty=False)
        .select(list(types))
        .with_columns(line=pl.int_range(2, pl.len() + 2))
        .select(*_omm_columns(header, source), "line",
                plain=pl.all_horizontal(pl.col(header[-1]).is_not_null(), *plain))
        .with_columns(good=pl.all_horizontal("plain", *required, _valid()).fill_null(False))
    )
    try:
        # The streaming engine reads a block of lines at a time: the text's columns are never
        # all held at once beside the result (measured: a third less memory than reading eagerly).
        checked = query.collect(engine="streaming")
    except pl.exceptions.PolarsError:
        return None
    if checked.height != data.count(b"\n") - data.endswith(b"\n"):  # a row for each line after the header
        return None
    good, frame = checked["good"], checked.select(*SCHEMA, "line")  # shares the columns: no copy
    if good.all():
        return ParseResult("omm-csv", frame.drop("line"), [])
    lines = data.split(b"\n")
    odd = [(line, _csv_record(header, next(csv.reader([lines[line - 1].decode()]), []), source, line))
           for line in checked.filter(~good)["line"]]
    redone = [(line, item) for line, item in odd if isinstance(item, ElementSet)]
    again = from_records(item for _, item in redone).with_columns(
        pl.Series("line", [line for line, _ in redone], pl.Int64))
    frame = pl.concat([frame.filter(good), again]).sort("line").drop("line")
    return ParseResult("omm-csv", frame, [item for _, item in odd if isinstance(item, Rejected)])


def _stripped(key: str) -> pl.Expr:
    return pl.col(key).str.strip_chars(" ")


def _omm_columns(header: list[str], source: str) -> list[pl.Expr]:
    """The columns of :data:`tle.frame.SCHEMA` from the OMM columns of ``header`` (and a ``line``
    column), as :func:`_from_omm` makes each field; an epoch not in plain form is null."""
    columns: dict[str, pl.Expr] = {}
    for attr, key, convert, default in _OMM_FIELDS:
        value = pl.col(key)
        if key not in header:  # only optional fields may be (see _csv_columns)
            columns[attr] = pl.lit(default, SCHEMA[attr])
        elif convert is _iso_time:
            time = value.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", time_unit="us", time_zone="UTC", strict=False)
            columns[attr] = pl.when(value.str.contains(_PLAIN_EPOCH)).then(time)
        else:
            columns[attr] = value if default is _MISSING else value.fill_null(default)

    def text(key: str) -> pl.Expr:
        value = _stripped(key)
        return pl.when(value != "").then(value) if key in header else pl.lit(None, pl.String)

    columns["name"] = text("OBJECT_NAME")
    columns["cospar"] = text("OBJECT_ID").str.to_uppercase()
    columns["classification"] = text("CLASSIFICATION_TYPE").fill_null("U")
    columns["source"] = pl.format("{}:{}", pl.lit(source), pl.col("line"))
    return [columns[name].alias(name) for name in SCHEMA]


def _parse_omm_records(records: Iterable[object], source: str) -> Iterator[ElementSet | Rejected]:
    """JSON and XML records: no cheap line numbers, so records are named by 1-based position."""
    for number, fields in enumerate(records, start=1):
        try:
            if not isinstance(fields, Mapping):
                raise _RecordError("not an object")
            yield _from_omm(fields, f"{source}:record {number}")
        except _RecordError as err:
            yield Rejected(source, 0, f"record {number}: {err}")


def _parse_json(text: str, source: str) -> Iterator[ElementSet | Rejected]:
    """CelesTrak FORMAT=json: a list of OMM objects; a single bare object is accepted too."""
    try:
        # Numbers stay text so they go through the same float()/int() as CSV and XML values:
        # 5.7 cannot slip through int() as 5, and NaN/Infinity meet the same finiteness test.
        data = json.loads(text, parse_float=str, parse_int=str, parse_constant=str)
    except json.JSONDecodeError as err:
        raise FormatError(f"{source}: invalid JSON ({err})") from None
    except RecursionError:  # hostile input: arrays or objects nested thousands deep
        raise FormatError(f"{source}: invalid JSON (nested too deep)") from None
    return _parse_omm_records(data if isinstance(data, list) else [data], source)


def _parse_xml(text: str, source: str) -> Iterator[ElementSet | Rejected]:
    """CCSDS NDM/OMM XML: every <segment> is one record; namespaces and nesting are ignored."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as err:
        raise FormatError(f"{source}: invalid XML ({err})") from None
    segments = [el for el in root.iter() if _local(el.tag) == "segment"]
    if not segments:
        raise FormatError(f"{source}: XML without OMM <segment> elements; {_NOT_ELEMENT_DATA}")
    records = (
        {_local(leaf.tag): leaf.text for leaf in segment.iter() if len(leaf) == 0}
        for segment in segments
    )
    return _parse_omm_records(records, source)


def _local(tag: str) -> str:
    """'{urn:ccsds}segment' -> 'segment'."""
    return tag.rpartition("}")[2]
