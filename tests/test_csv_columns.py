"""Issue 12: CelesTrak's CSV read by columns (polars) gives exactly what the record-by-record
reader gives: the same element sets, in the same order, with the same sources, and the same
rejections with the same lines and reasons. Generated inputs (nothing here is real data, except
the test on the shared catalogue) mix CelesTrak's own spellings with the ones Python reads and
polars does not, garbage, blank and ragged lines."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tle.formats import _collect, _csv_columns, _parse_csv, parse_file, parse_text

ACTIVE = Path(__file__).resolve().parents[2] / "shared/data/celestrak/gp-2026-08-18/active.csv"

COLUMNS = ("OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,ARG_OF_PERICENTER,"
           "MEAN_ANOMALY,EPHEMERIS_TYPE,CLASSIFICATION_TYPE,NORAD_CAT_ID,ELEMENT_SET_NO,REV_AT_EPOCH,BSTAR,"
           "MEAN_MOTION_DOT,MEAN_MOTION_DDOT").split(",")
OPTIONAL = {"OBJECT_NAME", "OBJECT_ID", "EPHEMERIS_TYPE", "CLASSIFICATION_TYPE", "ELEMENT_SET_NO", "REV_AT_EPOCH"}
GOOD = {"OBJECT_NAME": "QIANFAN-1", "OBJECT_ID": "2024-140A", "EPOCH": "2026-08-18T04:18:27.789120",
        "MEAN_MOTION": "13.23", "ECCENTRICITY": ".0002", "INCLINATION": "89.0", "RA_OF_ASC_NODE": "10",
        "ARG_OF_PERICENTER": "72", "MEAN_ANOMALY": "287", "EPHEMERIS_TYPE": "0", "CLASSIFICATION_TYPE": "U",
        "NORAD_CAT_ID": "60379", "ELEMENT_SET_NO": "999", "REV_AT_EPOCH": "6566", "BSTAR": ".39713338E-3",
        "MEAN_MOTION_DOT": ".4E-5", "MEAN_MOTION_DDOT": "0"}
ODD = {
    "OBJECT_NAME": ["", "  ISS (ZARYA) ", "名字", "A\tB", "\x1fX", "X\u00a0", "x y"],
    "OBJECT_ID": ["", " 2024-140a ", "24140A", "UNKNOWN", "2024-140ABCD", "２０２４-140A"],
    "EPOCH": ["2026-08-18T04:18:27", "2026-08-18T04:18:27.1", "2016-12-31T23:59:60", "2026-08-18T24:00:00",
              "2026-08-18T04:60:00", "2026-08-18 04:18:27", "2026-08-18T04:18:27Z",
              "2026-08-18T04:18:27.1234567", "2026-02-30T00:00:00", "1900-01-01T00:00:00", "2200-01-01T00:00:00",
              "2026-08-18T04:18:27+08:00", " 2026-08-18T04:18:27", "2026-08-18", ""],
    "NUMBER": ["", " ", "nan", "inf", "-inf", "1e309", "-0", "0", "1e-320", "9" * 30, "1_0", "١٢", " 1.5", "1.5 ",
               "+.5", "5.", "-.5E-3", "1e5", "x", "1,5", "25", "-1", "361", "180.5", "0.99", "1.0", "2147483648"],
}
#: Any short text of the characters that matter here (no quote or line end: those change the file).
CELLS = st.text(alphabet=st.sampled_from(list("0123456789 .+-eEAZTinfa:_\t\x00\x1fé名\u00a0,")), max_size=12)
NUMBERS = st.one_of(st.sampled_from(ODD["NUMBER"]), st.integers(-(2**40), 2**40).map(str),
                    st.floats(allow_nan=True, allow_infinity=True).map(repr),
                    st.floats(0, 400).map(lambda x: f"{x:.6g}"))


def both(text: str) -> tuple:
    """(the columns' result or None, the record reader's result) for ``text``."""
    columns = _csv_columns(text.encode(), "gp.csv")
    records = _collect("omm-csv", _parse_csv(text, "gp.csv"))
    return columns, records


def assert_same(columns, records) -> None:
    assert columns.rejected == records.rejected
    assert columns.frame.schema == records.frame.schema
    assert columns.frame.height == records.frame.height
    for mine, theirs in zip(columns.frame.iter_rows(), records.frame.iter_rows(), strict=True):
        # NaN never passes the checks, so every float compared here is a number.
        assert mine == theirs
        assert all(not (isinstance(v, float) and math.isnan(v)) for v in mine)


@st.composite
def csv_texts(draw) -> str:
    header = [c for c in COLUMNS if c not in OPTIONAL or draw(st.booleans())]
    header = draw(st.permutations(header))
    lines = [",".join(header)]
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["good", "good", "odd", "blank", "short", "long"]))
        row = dict(GOOD)
        if kind == "odd":
            for key in draw(st.sets(st.sampled_from(header), min_size=1, max_size=3)):
                row[key] = draw(st.one_of(st.sampled_from(ODD[key]) if key in ODD else NUMBERS, CELLS))
        cells = [row[c] for c in header]
        if kind == "blank":
            cells = [draw(st.sampled_from(["", " ", "  "]))]
        elif kind == "short":
            cells = cells[:-1]
        elif kind == "long":
            cells = [*cells, "1"]
        lines.append(",".join(cells))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines) + draw(st.sampled_from(["", newline, newline * 2]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_texts())
def test_columns_and_records_agree_on_generated_csv(text):
    columns, records = both(text)
    if columns is not None:
        assert_same(columns, records)
    # Whichever reader parse_text takes, its answer is the record reader's.
    assert_same(parse_text(text, "gp.csv"), records)


def test_clean_csv_is_read_by_columns_with_its_odd_lines_by_the_record_reader():
    good = ",".join(GOOD[c] for c in COLUMNS)
    bad = good.replace("13.23", "25")
    text = "\r\n".join([",".join(COLUMNS), good, "", bad, good.replace("QIANFAN-1", " Q "), good[:-2]]) + "\r\n"
    columns, records = both(text)
    assert columns is not None
    assert_same(columns, records)
    assert [r.line for r in columns.rejected] == [4, 6]
    assert columns.frame["source"].to_list() == ["gp.csv:2", "gp.csv:5"]
    assert columns.frame["name"].to_list() == ["QIANFAN-1", "Q"]


ROW = ",".join(GOOD[c] for c in COLUMNS)


@pytest.mark.parametrize("text", [
    ",".join(COLUMNS) + ",\n" + ROW + ",\n" + ROW + "\n",  # a header ending in a comma
    ",".join(COLUMNS) + ",CENTER_NAME\n" + ROW + ",EARTH\n" + ROW + "\n" + ROW + ",\n",  # an extra last column
    ",".join(COLUMNS) + "\n" + ROW.replace("04:18:27.789120", "23:59:60") + "\n",  # a leap second: refused by Python
    ",".join(c for c in COLUMNS if c != "REV_AT_EPOCH") + ",REV_AT_EPOCH\n"
    + ",".join(GOOD[c] for c in COLUMNS if c != "REV_AT_EPOCH") + "\n"  # the optional last field missing
    + ",".join(GOOD[c] for c in COLUMNS if c != "REV_AT_EPOCH") + ",\n"  # blank
    + ",".join(GOOD[c] for c in COLUMNS if c != "REV_AT_EPOCH") + ",7\n",
])
def test_the_columns_agree_on_odd_last_columns_and_epochs(text):
    columns, records = both(text)
    if columns is not None:
        assert_same(columns, records)
    assert_same(parse_text(text, "gp.csv"), records)


@pytest.mark.parametrize("text", [
    '"OBJECT_NAME",' + ",".join(COLUMNS[1:]) + "\n",  # a quote: fields may span lines
    ",".join(COLUMNS) + "\r" + ",".join(GOOD[c] for c in COLUMNS) + "\n",  # a lone CR ends a line for csv
    " " + ",".join(COLUMNS) + "\n",  # a header cell with spaces
    ",".join(COLUMNS) + ",OBJECT_NAME\n",  # a column twice
    "\n" + ",".join(COLUMNS) + "\n",  # the header not on the first line
    ",".join(COLUMNS) + ",line\n" + ROW + ",7\n" + ROW + "\n",  # a column named as one made here
    ",".join(COLUMNS) + "\n" + ",".join(GOOD[c] for c in COLUMNS).replace("13.23", "1_3") + "\n",  # polars refuses
])
def test_inputs_the_columns_leave_to_the_record_reader(text):
    columns, records = both(text)
    assert columns is None
    assert_same(parse_text(text, "gp.csv"), records)


@pytest.mark.skipif(not ACTIVE.exists(), reason=f"real data not available at {ACTIVE}")
def test_the_real_catalogue_is_read_by_columns_as_the_record_reader_reads_it():
    columns = parse_file(ACTIVE)
    text = ACTIVE.read_text()
    records = _collect("omm-csv", _parse_csv(text, str(ACTIVE)))
    assert _csv_columns(text.encode(), str(ACTIVE)) is not None
    assert columns.frame.height == 16_344
    assert_same(columns, records)
