"""Tests for markets.files: the real files in ../shared, then synthetic files for every path."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from markets.files import PriceFileError, a_share, parse_file, security_from_name
from markets.symbols import UnknownSymbol
from tests.conftest import shared_path

LONG = ("data", "prices", "daily-bars-2025-11-to-2026-04.csv")
BROKER = ("data", "prices", "broker-export")
COLUMNS = ["security", "date", "open", "high", "low", "close", "volume"]

# -- real files ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_bars() -> pl.DataFrame:
    return parse_file(shared_path(*LONG)).bars


def test_real_long_file(long_bars: pl.DataFrame) -> None:
    result = parse_file(shared_path(*LONG))
    assert (result.format, result.warnings) == ("long", [])
    assert long_bars.columns == COLUMNS
    assert long_bars.schema["date"] == pl.Date and long_bars.schema["volume"] == pl.Float64
    counts = dict(long_bars.group_by("security").len().iter_rows())
    assert counts == {"XSHG:600118": 106, "XSHG:688523": 80, "XSHG:000300": 112}
    assert long_bars.equals(long_bars.sort("security", "date"))
    star = long_bars.filter(pl.col("security") == "XSHG:688523")
    assert star["volume"].null_count() == 80  # left empty in the source: unknown, not zero
    assert star.filter(pl.col("date") == date(2026, 1, 6))["close"].to_list() == [74.63]


def test_real_broker_600118_previous_close_is_the_low(long_bars: pl.DataFrame) -> None:
    result = parse_file(shared_path(*BROKER, "600118.csv"))
    assert result.format == "broker"
    assert result.warnings == [
        "600118.csv: column 前收盘价 disagrees with the previous row's 收盘价 on 105 of 105 rows "
        "(it equals 最低价 on 106 rows); ignored — previous closes are taken from 收盘价"
    ]  # and no word about 涨幅%: it agrees with consecutive closes on every row
    assert result.bars.equals(long_bars.filter(pl.col("security") == "XSHG:600118"))


def test_real_broker_000300_is_clean_but_needs_its_security(long_bars: pl.DataFrame) -> None:
    path = shared_path(*BROKER, "000300.csv")
    with pytest.raises(PriceFileError, match=r"000300.csv: .*Shanghai index 沪深300.*XSHG:000300 or XSHE:000300") as caught:
        parse_file(path)  # no 代码/名称 columns; file name 000300 alone is ambiguous
    assert caught.value.choices == ["XSHG:000300", "XSHE:000300"]  # the caller picks (the service: --symbol)
    result = parse_file(path, security="XSHG:000300")
    assert (result.format, result.warnings) == ("broker", [])
    assert result.bars.equals(long_bars.filter(pl.col("security") == "XSHG:000300"))


# -- synthetic files -------------------------------------------------------------------------------

LONG_HEADER = "date,symbol,open,high,low,close,volume\n"
LONG_ROWS = (
    "2025-11-03,600118.SS,42.96,45.47,42.11,44.9,84218339\n"
    "2025-11-04,0941.HK,80,81,79,80.5,\n"  # no volume: null
)
BROKER_HEADER = "日期,代码,名称,开盘价,最高价,最低价,收盘价,前收盘价,成交量（股）,涨幅%\n"
BROKER_ROWS = (  # synthetic, consistent: 前收盘价 is yesterday's close and 涨幅% matches
    "2025-11-03,600118,中国卫星,42.96,45.47,42.11,44.9,42.96,84218339,4.516\n"
    "2025-11-04,600118,中国卫星,44.0,44.59,42.6,42.71,44.9,64149482,-4.878\n"
    "2025-11-05,600118,中国卫星,41.87,43.57,41.86,43.0,42.71,46016190,0.679\n"
)


def test_long_file_refuses_a_security_argument() -> None:
    with pytest.raises(PriceFileError, match=r"^x.csv line 1, field symbol: .*single-security"):
        parse_file("x.csv", LONG_HEADER + LONG_ROWS, security="XSHG:600118")


def test_synthetic_per_symbol_security_from_file_name(tmp_path: Path) -> None:
    path = tmp_path / "600118.SS.csv"
    path.write_text("Date,Open,High,Low,Close,Adj Close,Volume\n"
                    "2025-11-03,42.96,45.47,42.11,44.9,44.1,84218339\n")
    result = parse_file(path)
    assert (result.format, result.warnings) == ("per-symbol", [])
    assert result.bars.rows() == [
        ("XSHG:600118", date(2025, 11, 3), 42.96, 45.47, 42.11, 44.9, 84218339.0, None)  # not Adj Close; no factor
    ]


def test_synthetic_adj_close_gives_the_ex_dividend_factor(tmp_path: Path) -> None:
    path = tmp_path / "600118.SS.csv"  # a 0.5 dividend goes ex on 11-05 (SYNTHETIC prices)
    path.write_text("Date,Open,High,Low,Close,Adj Close,Volume\n"
                    "2025-11-03,10,10,10,10.0,9.5,100\n2025-11-04,10,10,10,10.0,9.5,100\n"
                    "2025-11-05,9.5,9.5,9.5,9.5,9.5,100\n2025-11-06,9.6,9.6,9.6,9.6,9.6,100\n")
    adj = parse_file(path).bars["adj"].to_list()
    assert adj[:2] == [None, None] and adj[2] == pytest.approx(10 / 9.5) and adj[3] is None
    path.write_text("Date,Open,High,Low,Close,Adj Close\n2025-11-03,10,10,10,10.0,x\n")
    with pytest.raises(PriceFileError, match="line 2, field Adj Close: 'x'"):
        parse_file(path)


def test_synthetic_per_symbol_lower_case_header_without_volume_and_override(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("date,open,high,low,close\n2025-11-03,80,81,79,80.5\n")
    with pytest.raises(PriceFileError, match=r"prices.csv: .*names no security.*name the security"):
        parse_file(path)
    bars = parse_file(path, security="0941.HK").bars
    assert bars["security"].to_list() == ["XHKG:0941"] and bars["volume"].to_list() == [None]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("600118.SS.csv", "XSHG:600118"), ("JKS.csv", "XNYS:JKS"), ("^HSI.csv", "XHKG:HSI"),
     ("002050.csv", "XSHE:002050"), ("688523.csv", "XSHG:688523")],
)
def test_security_from_name(name: str, expected: str) -> None:
    assert security_from_name(name) == expected


@pytest.mark.parametrize(
    ("code", "name", "expected"),
    [("000300", "沪深300", "XSHG:000300"), ("000001", "平安银行", "XSHE:000001"),
     ("600118", "中国卫星", "XSHG:600118"), ("300750", "", "XSHE:300750"),
     ("510300", None, "XSHG:510300")],
)
def test_a_share_codes(code: str, name: str | None, expected: str) -> None:
    assert a_share(code, name) == expected


@pytest.mark.parametrize(
    ("code", "name"), [("000300", None), ("920001", "x"), ("60011", ""), ("SH600118", "")]
)
def test_a_share_codes_refused(code: str, name: str | None) -> None:
    with pytest.raises(UnknownSymbol):
        a_share(code, name)


def test_synthetic_gbk_broker_file(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    data = (BROKER_HEADER + BROKER_ROWS).encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # so the importer really has to fall back to GBK
    path.write_bytes(data)
    result = parse_file(path)
    assert (result.format, result.warnings) == ("broker", [])
    assert result.bars["security"].unique().to_list() == ["XSHG:600118"]
    assert result.bars["close"].to_list() == [44.9, 42.71, 43.0]


def test_synthetic_broker_previous_close_copying_the_low_is_reported(tmp_path: Path) -> None:
    rows = BROKER_ROWS.replace("44.9,42.96,", "44.9,42.11,").replace("42.71,44.9,", "42.71,42.6,")
    path = tmp_path / "export.csv"
    path.write_text(BROKER_HEADER + rows.replace("43.0,42.71,", "43.0,41.86,"), encoding="utf-8")
    result = parse_file(path)
    assert result.warnings == [
        "export.csv: column 前收盘价 disagrees with the previous row's 收盘价 on 2 of 2 rows "
        "(it equals 最低价 on 3 rows); ignored — previous closes are taken from 收盘价"
    ]
    assert result.bars["close"].to_list() == [44.9, 42.71, 43.0]


def test_synthetic_broker_wrong_percent_change_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(BROKER_HEADER + BROKER_ROWS.replace("0.679", "1.679"), encoding="utf-8")
    assert parse_file(path).warnings == [
        "export.csv: column 涨幅% disagrees with the change between consecutive 收盘价 on 1 of 2 "
        "rows (first on line 4: 1.679, closes give 0.679); ignored"
    ]


def test_synthetic_bom_long_file(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_text(LONG_HEADER + LONG_ROWS, encoding="utf-8-sig")
    bars = parse_file(path).bars
    assert bars["security"].to_list() == ["XHKG:0941", "XSHG:600118"]
    assert bars["volume"].to_list() == [None, 84218339.0]


def test_synthetic_undecodable_bytes_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "junk.csv"
    path.write_bytes(LONG_HEADER.encode() + b"\xff\xff\xff\n")
    with pytest.raises(PriceFileError, match=r"^junk.csv line 2: neither UTF-8 nor GBK"):
        parse_file(path)


def bar(day: str = "2025-11-04", symbol: str = "600118.SS", o: str = "42.0", h: str = "43.0",
        low: str = "41.0", c: str = "42.5", v: str = "100") -> str:
    """One synthetic long-format row, valid unless told otherwise."""
    return ",".join((day, symbol, o, h, low, c, v)) + "\n"


OK = bar("2025-11-03")
REJECTIONS = {  # label: (file text, line, field, message fragment)
    "bad number": (LONG_HEADER + OK + bar(c="4x2"), 3, "close", "not a number: '4x2'"),
    "not finite": (LONG_HEADER + bar(o="nan"), 2, "open", "not a number: 'nan'"),
    "missing price": (LONG_HEADER + bar(h=""), 2, "high", "missing"),
    "blank line": (LONG_HEADER + OK + "\n" + bar(), 3, "date", "missing"),
    "zero price": (LONG_HEADER + bar(o="0", low="0"), 2, "open", "0 is not a positive price"),
    "bad date": (LONG_HEADER + OK + bar("2025-02-30"), 3, "date", "not a date"),
    "duplicate date": (LONG_HEADER + OK + OK, 3, "date",
                       "duplicate date 2025-11-03 (already on line 2)"),
    "date going back": (LONG_HEADER + OK + bar("2025-11-01"), 3, "date",
                        "2025-11-01 comes after 2025-11-03 on line 2: dates must increase"),
    "high below close": (LONG_HEADER + bar(o="41.0", h="41.2", low="40.5", c="42.0"), 2, "high",
                         "41.2 is below close 42.0"),
    "low above open": (LONG_HEADER + bar(o="41.0", low="41.5"), 2, "low",
                       "41.5 is above open 41.0"),
    "negative volume": (LONG_HEADER + OK + bar(v="-5"), 3, "volume", "-5 is negative"),
    "unknown symbol": (LONG_HEADER + OK + bar(symbol="600118.XX"), 3, "symbol", "'600118.XX'"),
    "extra field": (LONG_HEADER + OK + bar(v="100,7"), 3, "#8", "8 fields where the header has 7"),
    "missing column": (LONG_HEADER.replace(",volume", "") + OK.replace(",100", ""), 1, "volume",
                       "missing (long files need date, symbol"),
    "no rows": (LONG_HEADER, 2, "date", "no rows"),
    "empty file": ("\n \n", 1, "header", "empty file"),
    "unknown header": ("when,what,price\n2025-11-03,x,1\n", 1, "header", "unknown header"),
    "broker bad code": (BROKER_HEADER + BROKER_ROWS.replace("600118", "830001"), 2, "代码", "830001"),
    "broker high below close": (BROKER_HEADER + BROKER_ROWS.replace("45.47", "42.5"), 2, "最高价",
                                "42.5 is below 收盘价 44.9"),
}


@pytest.mark.parametrize("label", REJECTIONS)
def test_synthetic_rejection_names_file_line_and_field(tmp_path: Path, label: str) -> None:
    text, line, field, fragment = REJECTIONS[label]
    path = tmp_path / "prices.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PriceFileError) as caught:
        parse_file(path)
    message = str(caught.value)
    assert message.startswith(f"prices.csv line {line}, field {field}: "), message
    assert fragment in message, message


def test_a_tab_in_a_broker_code_or_name_is_a_rejected_row_not_a_crash(tmp_path) -> None:
    """Found by fuzzing (issue 11): a code cell holding a tab crashed the importer (TypeError)."""
    from markets.files import PriceFileError, parse_file

    header = "日期,代码,名称,开盘价,最高价,最低价,收盘价,前收盘价,成交量（股）,涨幅%"
    text = f'{header}\n2026-01-05,"0\t0","x\ty",1,1,1,1,1,1,0\n'  # made up
    with pytest.raises(PriceFileError, match=r"line 2, field 代码: '0\\t0' is not a 6-digit A-share code") as caught:
        parse_file(tmp_path / "p.csv", text)
    assert "\n" not in str(caught.value)
