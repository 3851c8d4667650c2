"""Tests for tle.formats: every format, every rejection path, and agreement with sgp4's parsers."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sgp4 import omm
from sgp4.api import Satrec

from tle.elements import ElementSet, to_satrec
from tle.formats import FormatError, ParseResult, Rejected, detect_format, parse_file, parse_text
from tle.frame import SCHEMA

SHARED = Path(__file__).resolve().parents[2] / "shared"
REAL_TLE = SHARED / "data/tle/hulianwang-digui-01-03-2026-04-25.tle"
REAL_CSV = SHARED / "data/celestrak/gp-2026-08-18/hulianwang.csv"
ACTIVE_CSV = SHARED / "data/celestrak/gp-2026-08-18/active.csv"

UTC = timezone.utc

# HULIANWANG DIGUI-01, as published by CelesTrak (checksums 6 and 3 are the published ones).
L1 = "1 62323U 24240A   26115.49220466  .00000041  00000+0  60880-4 0  9996"
L2 = "2 62323  86.5040   1.0150 0001837  72.4834 287.6500 13.24413432 65663"
NAME = "HULIANWANG DIGUI-01"

CSV_HEADER = (
    "OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,"
    "ARG_OF_PERICENTER,MEAN_ANOMALY,EPHEMERIS_TYPE,CLASSIFICATION_TYPE,NORAD_CAT_ID,"
    "ELEMENT_SET_NO,REV_AT_EPOCH,BSTAR,MEAN_MOTION_DOT,MEAN_MOTION_DDOT"
)
CSV_ROW_A = (
    "HULIANWANG JISHU SHIYAN A,2023-095A,2026-08-18T07:53:08.013408,13.39545679,.00180742,"
    "86.5081,343.2734,23.5971,336.5997,0,U,57288,999,15207,.66076555E-4,.51E-6,0"
)
CSV_ROW_B = (
    "HULIANWANG JISHU SHIYAN B,2023-095B,2026-08-18T07:40:34.411008,13.39554186,.00165951,"
    "86.5082,343.2861,22.1548,338.0308,0,U,57289,999,15207,.57134863E-4,.46E-6,0"
)
CSV_TEXT = f"{CSV_HEADER}\n{CSV_ROW_A}\n{CSV_ROW_B}\n"

XML_TEXT = """<?xml version="1.0" encoding="UTF-8"?>
<ndm xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<omm id="CCSDS_OMM_VERS" version="2.0">
<header><CREATION_DATE/><ORIGINATOR/></header>
<body><segment>
<metadata><OBJECT_NAME>HULIANWANG JISHU SHIYAN A</OBJECT_NAME><OBJECT_ID>2023-095A</OBJECT_ID>
<CENTER_NAME>EARTH</CENTER_NAME><REF_FRAME>TEME</REF_FRAME><TIME_SYSTEM>UTC</TIME_SYSTEM>
<MEAN_ELEMENT_THEORY>SGP4</MEAN_ELEMENT_THEORY></metadata>
<data><meanElements><EPOCH>2026-08-18T07:53:08.013408</EPOCH>
<MEAN_MOTION>13.39545679</MEAN_MOTION><ECCENTRICITY>.00180742</ECCENTRICITY>
<INCLINATION>86.5081</INCLINATION><RA_OF_ASC_NODE>343.2734</RA_OF_ASC_NODE>
<ARG_OF_PERICENTER>23.5971</ARG_OF_PERICENTER><MEAN_ANOMALY>336.5997</MEAN_ANOMALY>
</meanElements><tleParameters><EPHEMERIS_TYPE>0</EPHEMERIS_TYPE>
<CLASSIFICATION_TYPE>U</CLASSIFICATION_TYPE><NORAD_CAT_ID>57288</NORAD_CAT_ID>
<ELEMENT_SET_NO>999</ELEMENT_SET_NO><REV_AT_EPOCH>15207</REV_AT_EPOCH>
<BSTAR>.66076555E-4</BSTAR><MEAN_MOTION_DOT>.51E-6</MEAN_MOTION_DOT>
<MEAN_MOTION_DDOT>0</MEAN_MOTION_DDOT></tleParameters></data>
</segment></body></omm>
</ndm>
"""

# Record A of CSV_TEXT as it must decode, whatever OMM container it came in.
RECORD_A = ElementSet(
    norad=57288,
    name="HULIANWANG JISHU SHIYAN A",
    cospar="2023-095A",
    epoch=datetime(2026, 8, 18, 7, 53, 8, 13408, tzinfo=UTC),
    mean_motion=13.39545679,
    eccentricity=0.00180742,
    inclination_deg=86.5081,
    raan_deg=343.2734,
    arg_perigee_deg=23.5971,
    mean_anomaly_deg=336.5997,
    bstar=0.66076555e-4,
    mean_motion_dot=0.51e-6,
    mean_motion_ddot=0.0,
    element_set_no=999,
    rev_at_epoch=15207,
    classification="U",
    ephemeris_type=0,
)


# --- helpers, independent of the code under test ----------------------------------------------


def checksum(line: str) -> int:
    """TLE checksum of columns 1-68, written out longhand."""
    total = 0
    for char in line[:68]:
        if char in "0123456789":
            total += ord(char) - ord("0")
        elif char == "-":
            total += 1
    return total % 10


def patch(line: str, column: int, text: str) -> str:
    """Overwrite ``line`` from 1-based ``column`` with ``text`` and recompute the checksum."""
    start = column - 1
    body = (line[:start] + text + line[start + len(text) :])[:68]
    return body + str(checksum(body))


def tle(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def only_record(result: ParseResult) -> ElementSet:
    assert result.rejected == []
    assert len(result.records) == 1
    return result.records[0]


def only_reject(result: ParseResult) -> Rejected:
    assert result.records == []
    assert len(result.rejected) == 1
    return result.rejected[0]


def without_source(records: list[ElementSet]) -> list[ElementSet]:
    return [replace(es, source="") for es in records]


def position_after(sat: Satrec, days: float) -> tuple[float, float, float]:
    """TEME position (km) ``days`` after the satellite's own epoch."""
    return position_at(sat, sat.jdsatepoch, sat.jdsatepochF + days)


def position_at(sat: Satrec, jd: float, fraction: float) -> tuple[float, float, float]:
    error, position, _ = sat.sgp4(jd, fraction)
    assert error == 0
    return position


def day_after(es: ElementSet) -> tuple[float, float]:
    """One absolute instant, 1 day after ``es``'s epoch, as sgp4's (whole jd, fraction) pair."""
    jd = float(int(es.epoch_jd))
    return jd, es.epoch_jd - jd + 1.0


def distance_m(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    return sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5 * 1000.0


def test_checksum_helper_agrees_with_published_lines():
    assert checksum(L1) == int(L1[68]) == 6
    assert checksum(L2) == int(L2[68]) == 3
    assert patch(L1, 3, "62323") == L1


# --- TLE --------------------------------------------------------------------------------------


def test_2le_decodes_every_field():
    result = parse_text(tle(L1, L2), "mem.tle")
    assert result.format == "tle"
    assert only_record(result) == ElementSet(
        norad=62323,
        name=None,
        cospar="2024-240A",
        epoch=datetime(2026, 4, 25, 11, 48, 46, 482624, tzinfo=UTC),
        mean_motion=13.24413432,
        eccentricity=0.0001837,
        inclination_deg=86.504,
        raan_deg=1.015,
        arg_perigee_deg=72.4834,
        mean_anomaly_deg=287.65,
        bstar=0.6088e-4,
        mean_motion_dot=0.41e-6,
        mean_motion_ddot=0.0,
        element_set_no=999,
        rev_at_epoch=6566,
        classification="U",
        ephemeris_type=0,
        source="mem.tle:1",
    )


@pytest.mark.parametrize("name_line", [NAME, f"0 {NAME}", f"{NAME}   "])
def test_3le_name_line(name_line):
    es = only_record(parse_text(tle(name_line, L1, L2), "mem"))
    assert es.name == NAME
    assert es.norad == 62323
    assert es.source == "mem:1"


def test_mixed_file_with_crlf_blank_lines_and_trailing_whitespace():
    l1b = patch(L1, 3, "62324")
    l2b = patch(L2, 3, "62324")
    text = "\r\n".join(["", f"0 {NAME}  ", L1 + "  ", L2 + "\t", "", "", l1b, l2b, "OTHER", L1, L2])
    result = parse_text(text, "mix")
    assert result.rejected == []
    assert [(es.norad, es.name, es.source) for es in result.records] == [
        (62323, NAME, "mix:2"),
        (62324, None, "mix:7"),
        (62323, "OTHER", "mix:9"),
    ]


def test_duplicates_are_all_returned():
    result = parse_text(tle(L1, L2, L1, L2), "dup")
    assert [es.source for es in result.records] == ["dup:1", "dup:3"]
    assert result.records[0] == replace(result.records[1], source="dup:1")


@pytest.mark.parametrize(
    ("epoch", "expected"),
    [
        ("26115.49220466", datetime(2026, 4, 25, 11, 48, 46, 482624, tzinfo=UTC)),
        ("00001.00000000", datetime(2000, 1, 1, tzinfo=UTC)),
        ("57001.50000000", datetime(1957, 1, 1, 12, tzinfo=UTC)),
        ("56366.75000000", datetime(2056, 12, 31, 18, tzinfo=UTC)),  # 2056 is a leap year
        ("24060.25000000", datetime(2024, 2, 29, 6, tzinfo=UTC)),
        ("99365.99999999", datetime(1999, 12, 31, 23, 59, 59, 999136, tzinfo=UTC)),
    ],
)
def test_tle_epoch(epoch, expected):
    es = only_record(parse_text(tle(patch(L1, 19, epoch), L2), "mem"))
    assert es.epoch == expected
    assert es.epoch.tzinfo is not None


@pytest.mark.parametrize("epoch", ["26366.00000000", "26000.50000000"])
def test_tle_epoch_outside_its_year_is_rejected(epoch):
    reject = only_reject(parse_text(tle(patch(L1, 19, epoch), L2), "mem"))
    assert "epoch day" in reject.reason


@pytest.mark.parametrize(
    ("field", "expected"),
    [(" 60880-4", 0.6088e-4), ("-11606-4", -0.11606e-4), (" 00000+0", 0.0), ("+12345+1", 1.2345)],
)
def test_implied_exponent_fields(field, expected):
    with_bstar = only_record(parse_text(tle(patch(L1, 54, field), L2), "mem"))
    assert with_bstar.bstar == expected
    with_ddot = only_record(parse_text(tle(patch(L1, 45, field), L2), "mem"))
    assert with_ddot.mean_motion_ddot == expected


def test_negative_mean_motion_dot():
    es = only_record(parse_text(tle(patch(L1, 34, "-.00001234"), L2), "mem"))
    assert es.mean_motion_dot == -0.00001234


@pytest.mark.parametrize(
    ("catalog", "number"),
    [("A0001", 100001), ("Z9999", 339999), ("J0000", 180000), ("P1234", 231234), ("00005", 5)],
)
def test_alpha5_catalog_numbers(catalog, number):
    es = only_record(parse_text(tle(patch(L1, 3, catalog), patch(L2, 3, catalog)), "mem"))
    assert es.norad == number


@pytest.mark.parametrize("catalog", ["I0001", "O0001", "a0001"])
def test_alpha5_letters_outside_the_scheme_are_rejected(catalog):
    reject = only_reject(parse_text(tle(patch(L1, 3, catalog), patch(L2, 3, catalog)), "mem"))
    assert reject.reason == f"line 1 field 'catalog number' (cols 3-7) not a number: '{catalog}'"


def test_bad_checksum():
    bad = L1[:68] + "7"
    reject = only_reject(parse_text(tle(NAME, bad, L2), "mem"))
    assert reject == Rejected("mem", 1, "line 1 bad checksum (column 69 is '7', computed 6)")


def test_short_line():
    reject = only_reject(parse_text(tle(L1, L2[:60]), "mem"))
    assert reject.line == 1
    assert reject.reason == "line 2 is a short line (60 of 69 columns)"


def test_long_line():
    reject = only_reject(parse_text(tle(L1 + "X", L2), "mem"))
    assert reject.reason == "line 1 is too long (70 of 69 columns)"


def test_non_numeric_column_names_the_field():
    reject = only_reject(parse_text(tle(L1, patch(L2, 9, "     abc")), "mem"))
    assert reject.reason == "line 2 field 'inclination' (cols 9-16) not a number: 'abc'"


@pytest.mark.parametrize(
    ("line_no", "column", "text", "label"),
    [
        (1, 19, "2x", "'epoch year' (cols 19-20)"),
        (1, 54, " 6088x-4", "'bstar' (cols 54-61)"),
        (1, 45, " 00000 0", "'mean motion ddot' (cols 45-52)"),
        (1, 65, "  x9", "'element set number' (cols 65-68)"),
        (2, 27, "00018-7", "'eccentricity' (cols 27-33)"),
        (2, 53, "13.2441343x", "'mean motion' (cols 53-63)"),
    ],
)
def test_other_non_numeric_columns(line_no, column, text, label):
    lines = [L1, L2]
    lines[line_no - 1] = patch(lines[line_no - 1], column, text)
    reject = only_reject(parse_text(tle(*lines), "mem"))
    assert reject.reason == f"line {line_no} field {label} not a number: {text.strip()!r}"


def test_catalog_numbers_must_match():
    reject = only_reject(parse_text(tle(L1, patch(L2, 3, "62324")), "mem"))
    assert reject.reason == "catalog number differs: line 1 '62323', line 2 '62324'"


def test_line_2_without_line_1():
    result = parse_text(tle(L1, L2, NAME, L2), "mem")
    assert len(result.records) == 1
    assert result.rejected == [Rejected("mem", 3, "line 2 without line 1")]
    assert str(result.rejected[0]) == "rejected mem:3: line 2 without line 1"
    assert str(Rejected("gp.json", 0, "record 3: no NORAD_CAT_ID")) == "rejected gp.json: record 3: no NORAD_CAT_ID"


def test_line_1_without_line_2():
    result = parse_text(tle(L1, L1, L2), "mem")
    assert [es.source for es in result.records] == ["mem:2"]
    assert result.rejected == [Rejected("mem", 1, "line 1 without line 2")]


def test_name_line_without_element_set():
    result = parse_text(tle("STRAY", NAME, L1, L2, "TRAILING"), "mem")
    assert only_record(replace(result, rejected=[])).name == NAME
    assert [(r.line, r.reason) for r in result.rejected] == [
        (1, "name line 'STRAY' not followed by an element set"),
        (5, "name line 'TRAILING' not followed by an element set"),
    ]


@pytest.mark.parametrize(
    ("line_no", "column", "text", "reason_start"),
    [
        (2, 9, "186.5040", "inclination must be in [0, 180]"),
        (2, 53, "00.00000000", "mean motion must be > 0"),
        (2, 18, "     nan", "not a finite number"),
        (2, 9, "     nan", "inclination must be in [0, 180]"),
    ],
)
def test_physically_impossible_tle_is_rejected(line_no, column, text, reason_start):
    lines = [L1, L2]
    lines[line_no - 1] = patch(lines[line_no - 1], column, text)
    assert only_reject(parse_text(tle(*lines), "mem")).reason.startswith(reason_start)


def test_parsing_continues_after_a_bad_record():
    bad = L1[:68] + "0"
    result = parse_text(tle("A", L1, L2, "B", bad, L2, "C", L1, L2), "mem")
    assert [es.name for es in result.records] == ["A", "C"]
    assert [(r.line, r.reason[:20]) for r in result.rejected] == [(4, "line 1 bad checksum ")]


def test_file_of_only_bad_records_is_not_a_format_error():
    result = parse_text(tle(L1[:68] + "0", L2, L1, L2[:50]), "mem")
    assert result.format == "tle"
    assert result.records == []
    assert [r.line for r in result.rejected] == [1, 3]


# --- format detection and whole-input errors ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (tle(L1, L2), "tle"),
        (tle(NAME, L1, L2), "tle"),
        ("\n\n" + CSV_TEXT, "omm-csv"),
        ("NORAD_CAT_ID,EPOCH\n", "omm-csv"),
        ('  [{"NORAD_CAT_ID": 1}]', "omm-json"),
        ('{"NORAD_CAT_ID": 1}', "omm-json"),
        (XML_TEXT, "omm-xml"),
        ("\ufeff" + tle(L1, L2), "tle"),
    ],
)
def test_detect_format(text, expected):
    assert detect_format(text) == expected


@pytest.mark.parametrize(
    "text", ["hello world\n", "2 62323 x\n1 62323 y\n", "OBJECT_NAME;NORAD_CAT_ID\n", "1 only\n"]
)
def test_unknown_format(text):
    with pytest.raises(FormatError) as info:
        parse_text(text, "notes.txt")
    assert str(info.value) == (
        "notes.txt: not element-set data (expected TLE/3LE, OMM CSV, JSON or XML)"
    )


@pytest.mark.parametrize("text", ["", "  \r\n\t\n", "\ufeff"])
def test_empty_input(text):
    with pytest.raises(FormatError, match=r"^feed\.tle is empty$"):
        parse_text(text, "feed.tle")


def test_format_error_is_a_value_error():
    assert issubclass(FormatError, ValueError)


def test_parse_file_undecodable_bytes(tmp_path):
    path = tmp_path / "binary.tle"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(FormatError, match="binary.tle: not UTF-8 text"):
        parse_file(path)


def test_parse_file_tolerates_a_byte_order_mark(tmp_path):
    path = tmp_path / "gp.csv"
    path.write_bytes(b"\xef\xbb\xbf" + CSV_TEXT.encode())
    result = parse_file(path)
    assert result.format == "omm-csv"
    assert result.records[0] == replace(RECORD_A, source=f"{path}:2")


def test_parse_file_tle_source_names_path_and_line(tmp_path):
    path = tmp_path / "x.tle"
    path.write_text(tle(NAME, L1, L2))
    assert only_record(parse_file(path)).source == f"{path}:1"


# --- OMM CSV ----------------------------------------------------------------------------------


def test_csv_decodes_every_field():
    result = parse_text(CSV_TEXT, "gp.csv")
    assert result.format == "omm-csv"
    assert result.rejected == []
    assert result.records[0] == replace(RECORD_A, source="gp.csv:2")
    assert result.records[1].norad == 57289
    assert result.records[1].bstar == 0.57134863e-4
    assert result.records[1].source == "gp.csv:3"


def test_csv_column_order_does_not_matter():
    rows = list(csv.reader(io.StringIO(CSV_TEXT)))
    order = list(reversed(range(len(rows[0]))))
    shuffled = "\n".join(",".join(row[i] for i in order) for row in rows)
    assert parse_text(shuffled, "gp.csv").records == parse_text(CSV_TEXT, "gp.csv").records


def test_csv_missing_required_columns_is_a_format_error():
    rows = list(csv.reader(io.StringIO(CSV_TEXT)))
    drop = {rows[0].index("EPOCH"), rows[0].index("BSTAR")}
    text = "\n".join(",".join(c for i, c in enumerate(row) if i not in drop) for row in rows)
    with pytest.raises(FormatError, match="gp.csv: CSV header lacks columns EPOCH, BSTAR"):
        parse_text(text, "gp.csv")


def test_csv_missing_optional_columns_take_defaults():
    rows = list(csv.reader(io.StringIO(CSV_TEXT)))
    keep = [i for i, name in enumerate(rows[0]) if name not in ("ELEMENT_SET_NO", "OBJECT_ID")]
    text = "\n".join(",".join(row[i] for i in keep) for row in rows)
    es = parse_text(text, "gp.csv").records[0]
    assert (es.element_set_no, es.cospar, es.norad) == (999, None, 57288)


def test_csv_bad_rows_are_rejected_with_their_line_numbers():
    bad_number = CSV_ROW_B.replace("13.39554186", "x")
    short_row = CSV_ROW_B.rsplit(",", 1)[0]
    blank_bstar = CSV_ROW_B.replace(".57134863E-4", "")
    text = "\r\n".join([CSV_HEADER, bad_number, "", CSV_ROW_A, short_row, blank_bstar, ""])
    result = parse_text(text, "gp.csv")
    assert without_source(result.records) == [RECORD_A]
    assert result.records[0].source == "gp.csv:4"
    assert result.rejected == [
        Rejected("gp.csv", 2, "field MEAN_MOTION: not a number: 'x'"),
        Rejected("gp.csv", 5, "expected 17 columns, found 16"),
        Rejected("gp.csv", 6, "field BSTAR: missing"),
    ]


def test_csv_line_number_is_where_a_multi_line_row_starts():
    two_line_name = CSV_ROW_A.replace("HULIANWANG JISHU SHIYAN A", '"HULIANWANG\nJISHU"')
    bad = two_line_name.replace("13.39545679", "x")
    result = parse_text(f"{CSV_HEADER}\n{two_line_name}\n{bad}\n{CSV_ROW_B}\n", "gp.csv")
    assert [(es.name, es.source) for es in result.records] == [
        ("HULIANWANG\nJISHU", "gp.csv:2"),
        ("HULIANWANG JISHU SHIYAN B", "gp.csv:6"),
    ]
    assert result.rejected == [Rejected("gp.csv", 4, "field MEAN_MOTION: not a number: 'x'")]


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (".00180742", "1.0", "eccentricity must be in [0, 1): 1.0"),
        (".00180742", "-.1", "eccentricity must be in [0, 1): -0.1"),
        ("86.5081", "180.5", "inclination must be in [0, 180] deg: 180.5"),
        ("13.39545679", "0", "mean motion must be > 0 and <= 20 rev/day: 0.0"),
        ("343.2734", "nan", "not a finite number among mean motion, angles and drag terms"),
        ("2026-08-18T07:53:08.013408", "soon", "field EPOCH: not an ISO 8601 time: 'soon'"),
        (",57288,", ",57288.0,", "field NORAD_CAT_ID: not an integer: '57288.0'"),
    ],
)
def test_csv_invalid_values(old, new, reason):
    reject = only_reject(parse_text(f"{CSV_HEADER}\n{CSV_ROW_A.replace(old, new)}\n", "gp.csv"))
    assert reject == Rejected("gp.csv", 2, reason)


@pytest.mark.parametrize(
    ("epoch", "expected"),
    [
        ("2026-08-18T07:53:08.013408Z", datetime(2026, 8, 18, 7, 53, 8, 13408, tzinfo=UTC)),
        ("2026-08-18T07:53:08.0134", datetime(2026, 8, 18, 7, 53, 8, 13400, tzinfo=UTC)),
        ("2026-08-18T07:53:08", datetime(2026, 8, 18, 7, 53, 8, tzinfo=UTC)),
    ],
)
def test_csv_epoch_variants(epoch, expected):
    text = f"{CSV_HEADER}\n{CSV_ROW_A.replace('2026-08-18T07:53:08.013408', epoch)}\n"
    assert only_record(parse_text(text, "gp.csv")).epoch == expected


def test_csv_nine_digit_catalog_number_propagates():
    text = f"{CSV_HEADER}\n{CSV_ROW_A.replace(',57288,', ',270000123,')}\n"
    es = only_record(parse_text(text, "gp.csv"))
    assert es.norad == 270000123
    sat = to_satrec(es)
    reference = to_satrec(replace(es, norad=57288))
    assert position_after(sat, 1.0) == position_after(reference, 1.0)


def test_csv_header_only_gives_no_records():
    result = parse_text(CSV_HEADER + "\n", "gp.csv")
    assert (result.format, result.records, result.rejected) == ("omm-csv", [], [])
    assert result.frame.schema == SCHEMA


# --- OMM JSON ---------------------------------------------------------------------------------


def csv_as_json_objects(as_numbers: bool) -> list[dict[str, object]]:
    objects = list(csv.DictReader(io.StringIO(CSV_TEXT)))
    if as_numbers:
        for obj in objects:
            for key, value in obj.items():
                if key not in ("OBJECT_NAME", "OBJECT_ID", "EPOCH", "CLASSIFICATION_TYPE"):
                    obj[key] = int(value) if value.isdigit() else float(value)
    return objects


@pytest.mark.parametrize("as_numbers", [True, False])
def test_json_list(as_numbers):
    text = json.dumps(csv_as_json_objects(as_numbers), indent=1)
    result = parse_text(text, "gp.json")
    assert result.format == "omm-json"
    assert result.rejected == []
    assert without_source(result.records) == without_source(parse_text(CSV_TEXT, "x").records)
    assert [es.source for es in result.records] == ["gp.json:record 1", "gp.json:record 2"]


def test_json_single_object():
    text = json.dumps(csv_as_json_objects(True)[0])
    expected = replace(RECORD_A, source="one.json:record 1")
    assert only_record(parse_text(text, "one.json")) == expected


def test_json_bad_records_are_rejected_and_others_kept():
    good, other = csv_as_json_objects(True)
    no_epoch = {k: v for k, v in other.items() if k != "EPOCH"}
    fractional_id = {**other, "NORAD_CAT_ID": 57289.5}
    null_ecc = {**other, "ECCENTRICITY": None}
    text = json.dumps([no_epoch, good, 42, fractional_id, null_ecc])
    result = parse_text(text, "gp.json")
    assert without_source(result.records) == [RECORD_A]
    assert result.records[0].source == "gp.json:record 2"
    assert result.rejected == [
        Rejected("gp.json", 0, "record 1: field EPOCH: missing"),
        Rejected("gp.json", 0, "record 3: not an object"),
        Rejected("gp.json", 0, "record 4: field NORAD_CAT_ID: not an integer: '57289.5'"),
        Rejected("gp.json", 0, "record 5: field ECCENTRICITY: missing"),
    ]


def test_json_nan_is_rejected():
    text = json.dumps(csv_as_json_objects(True)[:1]).replace("86.5081", "NaN")
    assert only_reject(parse_text(text, "gp.json")).reason.startswith(
        "record 1: inclination must be in [0, 180]"
    )


def test_json_nine_digit_catalog_number():
    obj = {**csv_as_json_objects(True)[0], "NORAD_CAT_ID": 270000123}
    es = only_record(parse_text(json.dumps([obj]), "gp.json"))
    assert es.norad == 270000123
    assert position_after(to_satrec(es), 1.0) == position_after(to_satrec(RECORD_A), 1.0)


@pytest.mark.parametrize("text", ['[{"NORAD_CAT_ID": 1,}]', "{broken", "[1, 2"])
def test_invalid_json_is_a_format_error(text):
    with pytest.raises(FormatError, match="^gp.json: invalid JSON"):
        parse_text(text, "gp.json")


def test_empty_json_list_gives_no_records():
    result = parse_text("[]", "gp.json")
    assert (result.format, result.records, result.rejected) == ("omm-json", [], [])
    assert result.frame.schema == SCHEMA


# --- OMM XML ----------------------------------------------------------------------------------


def test_xml():
    result = parse_text(XML_TEXT, "gp.xml")
    assert result.format == "omm-xml"
    assert only_record(result) == replace(RECORD_A, source="gp.xml:record 1")


def test_xml_namespaces_and_several_segments():
    segment = XML_TEXT[XML_TEXT.index("<segment>") : XML_TEXT.index("</segment>") + 10]
    second = segment.replace("57288", "57289").replace("<EPOCH>2026", "<EPOCH>2025")
    broken = segment.replace("<MEAN_MOTION>13.39545679", "<MEAN_MOTION>fast")
    text = (
        '<ndm xmlns="urn:ccsds:ndm"><omm><body>'
        f"{segment}</body></omm><omm><body>{broken}</body></omm><omm><body>{second}"
        "</body></omm></ndm>"
    )
    result = parse_text(text, "gp.xml")
    assert [(es.norad, es.epoch.year) for es in result.records] == [(57288, 2026), (57289, 2025)]
    assert result.rejected == [
        Rejected("gp.xml", 0, "record 2: field MEAN_MOTION: not a number: 'fast'")
    ]


def test_xml_empty_element_counts_as_missing():
    text = XML_TEXT.replace("<BSTAR>.66076555E-4</BSTAR>", "<BSTAR/>")
    assert only_reject(parse_text(text, "gp.xml")).reason == "record 1: field BSTAR: missing"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<ndm><omm>", "gp.xml: invalid XML"),
        ("<html><body>hello</body></html>", "gp.xml: XML without OMM <segment> elements"),
    ],
)
def test_xml_that_is_not_omm_is_a_format_error(text, message):
    with pytest.raises(FormatError, match=f"^{message}"):
        parse_text(text, "gp.xml")


# --- agreement with sgp4's own parsers on real published data ---------------------------------


@pytest.mark.skipif(not REAL_TLE.exists(), reason=f"real data not available at {REAL_TLE}")
def test_real_3le_propagates_like_sgp4_twoline2rv():
    result = parse_file(REAL_TLE)
    assert result.rejected == []
    assert [es.name for es in result.records] == [f"HULIANWANG DIGUI-0{i}" for i in (1, 2, 3)]
    lines = REAL_TLE.read_text().splitlines()
    for es in result.records:
        line_no = int(es.source.rsplit(":", 1)[1])
        reference = Satrec.twoline2rv(lines[line_no], lines[line_no + 1])
        assert reference.satnum == es.norad
        ours = to_satrec(es)
        epoch_difference = (ours.jdsatepoch - reference.jdsatepoch) + (
            ours.jdsatepochF - reference.jdsatepochF
        )
        # sgp4 rounds its epoch fraction to 1e-8 day (0.86 ms); ours keeps the microseconds.
        assert abs(epoch_difference) <= 0.5e-8
        when = day_after(es)
        assert distance_m(position_at(ours, *when), position_at(reference, *when)) < 1.0


@pytest.mark.skipif(not REAL_CSV.exists(), reason=f"real data not available at {REAL_CSV}")
def test_real_csv_propagates_like_sgp4_omm():
    result = parse_file(REAL_CSV)
    assert result.rejected == []
    with REAL_CSV.open(newline="") as file:
        rows = list(omm.parse_csv(file))
    assert len(result.records) == len(rows) == 191
    for es, fields in zip(result.records, rows, strict=True):
        assert es.norad == int(fields["NORAD_CAT_ID"])
        reference = Satrec()
        omm.initialize(reference, fields)
        when = day_after(es)
        assert distance_m(position_at(to_satrec(es), *when), position_at(reference, *when)) < 1.0


@pytest.mark.skipif(not ACTIVE_CSV.exists(), reason=f"real data not available at {ACTIVE_CSV}")
def test_real_active_catalogue_parses_completely():
    result = parse_file(ACTIVE_CSV)
    assert result.format == "omm-csv"
    assert result.rejected == []
    assert len(result.records) == 16344
    assert result.records[0].name == "CALSPHERE 1"
    assert result.records[-1].source == f"{ACTIVE_CSV}:16345"
