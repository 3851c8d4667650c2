"""Parsing of element-set text: TLE/2LE/3LE and CelesTrak's OMM in CSV, JSON and XML.

Every format is decoded into :class:`~tle.elements.ElementSet`. Parsing is record by record: a
damaged record becomes a :class:`Rejected` carrying the reason and its place in the input, and
parsing carries on, because one corrupt line in a catalogue of 16,000 objects must not cost the
other 15,999. Only input that is not element data at all raises :class:`FormatError`.

The parser does not deduplicate: the same object twice in one file is returned twice, and
storage decides which one wins.
"""

from __future__ import annotations

import calendar
import csv
import io
import json
import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from os import PathLike
from pathlib import Path
from typing import Any, TypeVar

from tle.elements import ElementSet, normalise_cospar, utc

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


@dataclass(slots=True)
class ParseResult:
    """What one input yielded: its format, the good records in input order, and the rejects."""

    format: str  #: "tle", "omm-csv", "omm-json" or "omm-xml"
    records: list[ElementSet] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


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
    first_line = body.partition("\n")[0]
    if "," in first_line and ("OBJECT_NAME" in first_line or "NORAD_CAT_ID" in first_line):
        return "omm-csv"
    seen_line1 = False
    for line in body.splitlines():
        if line.startswith("1 "):
            seen_line1 = True
        elif seen_line1 and line.startswith("2 "):
            return "tle"
    raise FormatError(f"{source}: {_NOT_ELEMENT_DATA}")


def parse_text(text: str, source: str) -> ParseResult:
    """Detect the format of ``text`` and parse it; ``source`` (a path or URL) labels every record.

    Raises :class:`FormatError` only when the input as a whole is not element data.
    """
    text = text.removeprefix("\ufeff")
    fmt = detect_format(text, source)
    parser = {
        "tle": _parse_tle,
        "omm-csv": _parse_csv,
        "omm-json": _parse_json,
        "omm-xml": _parse_xml,
    }[fmt]
    return parser(text, source)


def parse_file(path: str | PathLike[str]) -> ParseResult:
    """Read and parse one file. Undecodable bytes raise :class:`FormatError` naming the path.

    OS errors (missing file, no permission) propagate unchanged: they are not format problems.
    """
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FormatError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    return parse_text(text, str(path))


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


def _checked(es: ElementSet) -> ElementSet:
    """Reject elements that are physically meaningless: SGP4 would fail or produce nonsense.

    The bounds, the same for every format and source (files and CelesTrak alike):

    =====================  ===============  =============================================
    catalog number         1..999,999,999   OMM's nine digits; 0 is no object
    epoch                  1957..2100       :data:`EPOCH_RANGE`
    mean motion            0 < n <= 20      rev/day, :data:`MAX_MEAN_MOTION`
    eccentricity           0 <= e < 1       closed orbits only (SGP4)
    inclination            0..180 deg       by definition
    RAAN, arg. of perigee, 0..360 deg       angles as published (TLE columns allow < 1000)
    mean anomaly
    BSTAR                  abs < 10         :data:`MAX_BSTAR`
    n-dot, n-ddot          finite
    ELEMENT_SET_NO,        0..2**31-1       stored as 32-bit integers
    REV_AT_EPOCH
    =====================  ===============  =============================================
    """
    if not 1 <= es.norad <= MAX_NORAD:
        raise _RecordError(f"catalog number out of range 1..{MAX_NORAD}: {es.norad}")
    if not EPOCH_RANGE[0] <= es.epoch < EPOCH_RANGE[1]:
        raise _RecordError(f"epoch {es.epoch:%Y-%m-%d} outside the supported range 1957-01-01..2100-12-31")
    # The sum of finite floats is finite (short of overflowing 1e308, garbage as well), so one
    # test covers NaN and infinity in all of these; the range tests below reject NaN themselves.
    unbounded = (
        es.mean_motion,
        es.raan_deg,
        es.arg_perigee_deg,
        es.mean_anomaly_deg,
        es.bstar,
        es.mean_motion_dot,
        es.mean_motion_ddot,
    )
    if not math.isfinite(sum(unbounded)):
        raise _RecordError("not a finite number among mean motion, angles and drag terms")
    if not 0 < es.mean_motion <= MAX_MEAN_MOTION:
        raise _RecordError(f"mean motion must be > 0 and <= {MAX_MEAN_MOTION:g} rev/day: {es.mean_motion}")
    if not 0 <= es.eccentricity < 1:
        raise _RecordError(f"eccentricity must be in [0, 1): {es.eccentricity}")
    if not 0 <= es.inclination_deg <= 180:
        raise _RecordError(f"inclination must be in [0, 180] deg: {es.inclination_deg}")
    for label, angle in (("RAAN", es.raan_deg), ("argument of perigee", es.arg_perigee_deg),
                         ("mean anomaly", es.mean_anomaly_deg)):
        if not 0 <= angle <= 360:
            raise _RecordError(f"{label} must be in [0, 360] deg: {angle}")
    if not abs(es.bstar) < MAX_BSTAR:
        raise _RecordError(f"BSTAR must be below {MAX_BSTAR:g} in magnitude: {es.bstar}")
    for label, count in (("ELEMENT_SET_NO", es.element_set_no), ("REV_AT_EPOCH", es.rev_at_epoch)):
        if not 0 <= count <= MAX_COUNTER:
            raise _RecordError(f"{label} must be in 0..{MAX_COUNTER}: {count}")
    return es


# --- TLE --------------------------------------------------------------------------------------


def _parse_tle(text: str, source: str) -> ParseResult:
    """2LE, 3LE (name lines with or without CelesTrak's '0 ' prefix) and any mix of the two."""
    result = ParseResult("tle")
    lines = [line.rstrip() for line in text.splitlines()]
    name: tuple[int, str] | None = None  # (line number, text) of a name line awaiting its pair

    def reject(line_no: int, reason: str) -> None:
        result.rejected.append(Rejected(source, line_no, reason))

    index = 0
    while index < len(lines):
        line, line_no = lines[index], index + 1
        index += 1
        if not line:
            continue
        if not line.startswith(("1 ", "2 ")):
            if name:
                reject(name[0], f"name line {name[1]!r} not followed by an element set")
            name = (line_no, line.removeprefix("0 ").strip())
            continue
        start, title = name if name else (line_no, None)
        name = None
        if line.startswith("2 "):
            reject(start, "line 2 without line 1")
        elif index < len(lines) and lines[index].startswith("2 "):
            index += 1
            try:
                es = _tle_record(line, lines[index - 1], title, f"{source}:{start}")
                result.records.append(es)
            except _RecordError as err:
                reject(start, str(err))
        else:
            reject(start, "line 1 without line 2")
    if name:
        reject(name[0], f"name line {name[1]!r} not followed by an element set")
    return result


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


def _parse_csv(text: str, source: str) -> ParseResult:
    """CelesTrak FORMAT=csv: a header row naming the columns, in any order, then one row each."""
    result = ParseResult("omm-csv")
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    previous_line = 0
    for row in reader:
        line_no, previous_line = previous_line + 1, reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
        if header is None:
            header = [cell.strip() for cell in row]
            missing = [key for key in _OMM_REQUIRED if key not in header]
            if missing:
                raise FormatError(f"{source}: CSV header lacks columns {', '.join(missing)}")
            continue
        try:
            if len(row) != len(header):
                raise _RecordError(f"expected {len(header)} columns, found {len(row)}")
            fields = dict(zip(header, row, strict=True))  # lengths checked just above
            result.records.append(_from_omm(fields, f"{source}:{line_no}"))
        except _RecordError as err:
            result.rejected.append(Rejected(source, line_no, str(err)))
    return result


def _parse_omm_records(fmt: str, records: Iterable[object], source: str) -> ParseResult:
    """JSON and XML records: no cheap line numbers, so records are named by 1-based position."""
    result = ParseResult(fmt)
    for number, fields in enumerate(records, start=1):
        try:
            if not isinstance(fields, Mapping):
                raise _RecordError("not an object")
            result.records.append(_from_omm(fields, f"{source}:record {number}"))
        except _RecordError as err:
            result.rejected.append(Rejected(source, 0, f"record {number}: {err}"))
    return result


def _parse_json(text: str, source: str) -> ParseResult:
    """CelesTrak FORMAT=json: a list of OMM objects; a single bare object is accepted too."""
    try:
        # Numbers stay text so they go through the same float()/int() as CSV and XML values:
        # 5.7 cannot slip through int() as 5, and NaN/Infinity meet the same finiteness test.
        data = json.loads(text, parse_float=str, parse_int=str, parse_constant=str)
    except json.JSONDecodeError as err:
        raise FormatError(f"{source}: invalid JSON ({err})") from None
    except RecursionError:  # hostile input: arrays or objects nested thousands deep
        raise FormatError(f"{source}: invalid JSON (nested too deep)") from None
    return _parse_omm_records("omm-json", data if isinstance(data, list) else [data], source)


def _parse_xml(text: str, source: str) -> ParseResult:
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
    return _parse_omm_records("omm-xml", records, source)


def _local(tag: str) -> str:
    """'{urn:ccsds}segment' -> 'segment'."""
    return tag.rpartition("}")[2]
