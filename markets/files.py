"""Daily-bar files: open/high/low/close/volume from the CSV layouts people actually hold.

The layout is told from the header, never from the file name:

* ``long``: ``date,symbol,open,high,low,close,volume``, many securities, Yahoo symbols
  (``600118.SS``, ``0941.HK``, ``JKS``, ``^HSI``). An empty volume is unknown (null), not zero.
* ``per-symbol``: ``Date,Open,High,Low,Close[,Adj Close][,Volume]`` as Yahoo and Stooq download
  it, headers in any case. Prices are as traded; ``Adj Close``, when present, gives each bar's
  adjustment factor ``adj`` (:func:`markets.adjust.from_adjusted`; null on the file's first bar).
  The security is the ``security`` argument or the file name (see :func:`security_from_name`).
* ``actions``: dividends and splits, ``date,symbol,dividend,split`` (``symbol`` may be left out
  as in per-symbol files; ``dividend`` cash per share, ``split`` new shares per old one, either
  may be empty or absent). Its rows are ex-dates, not bars: :attr:`PriceFile.actions`, from
  which the caller computes adjustment factors (:func:`markets.adjust.from_actions`).
* ``broker``: a Chinese broker export (日期, 代码, 名称, 开盘价, 最高价, 最低价, 收盘价, 前收盘价,
  成交量（股）, 涨幅% and many more, ignored). 代码/名称 or the file name give the security.

A file is all or nothing, unlike element sets (:mod:`tle.formats`): one wrong bar corrupts every
return computed across it, so any bad row raises :class:`PriceFileError` naming file, line
(header = 1) and field, and the caller imports nothing. Every row obeys the rules of
:mod:`markets.bounds` (which vendors' bars obey too: finite prices > 0, low <= min(open, close),
high >= max(open, close), volume >= 0 or empty, a date in 1957..2100) and has a valid date after
the previous row's of the same security (newest-first files are refused, not silently reordered).
Columns the bars do not need (前收盘价, 涨幅%) are cross-checked against the closes rather than
trusted; a disagreement is a warning, never an error, because no bar depends on them.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import polars as pl

from markets.bounds import bar_checks
from markets.symbols import AmbiguousSymbol, UnknownSymbol, canonical, from_yahoo, parse

__all__ = ["PriceFile", "PriceFileError", "a_share", "parse_file", "security_from_name"]

_PRICES = ("open", "high", "low", "close")
_OHLCV = {"open": "open", "high": "high", "low": "low", "close": "close", "volume": "volume"}
#: format -> (normalised header label -> internal column, labels that must be present)
_LAYOUTS = {
    "long": ({"date": "date", "symbol": "symbol", **_OHLCV}, ("date", "symbol", *_OHLCV)),
    "per-symbol": ({"date": "date", **_OHLCV, "adj close": "adj_close"}, ("date", *_PRICES)),
    "broker": (
        {"日期": "date", "代码": "code", "名称": "name", "开盘价": "open", "最高价": "high",
         "最低价": "low", "收盘价": "close", "前收盘价": "prev_close", "成交量（股）": "volume",
         "涨幅%": "pct_change"},
        ("日期", "开盘价", "最高价", "最低价", "收盘价"),
    ),
}
#: Shanghai-published indices whose codes also lie in Shenzhen's stock range (000001 is Ping An
#: Bank too): a name decides which one a file means.
_SH_INDICES = {"000001": "上证指数", "000016": "上证50", "000300": "沪深300", "000688": "科创50",
               "000852": "中证1000", "000905": "中证500"}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d")
_SAME_PRICE = 0.005  # two prices agree within half a cent


class PriceFileError(ValueError):
    """The file cannot be imported; the message names the file, the line and the field.
    ``choices``: the securities its name may mean, when that is why (the caller picks one)."""

    def __init__(self, message: str, choices: list[str] | None = None) -> None:
        super().__init__(message)
        self.choices = choices or []


@dataclass(frozen=True)
class PriceFile:
    """One file's bars: security, date, open, high, low, close, volume; sorted by security, date."""

    format: str  #: "long", "per-symbol", "broker" or "actions"
    bars: pl.DataFrame
    warnings: list[str] = field(default_factory=list)  #: column defects, naming file and column
    #: An actions file's ex-dates: security, date, dividend (0: none), split (1: none).
    actions: pl.DataFrame | None = None


def _error(name: str, line: int, label: str, problem: str) -> PriceFileError:
    return PriceFileError(f"{name} line {line}, field {label}: {problem}")


def a_share(code: str, name: str | None = None) -> str:
    """Canonical id of a mainland code: 6/5/900 -> XSHG, 0/2/3 -> XSHE (92xxxx is Beijing).

    Codes of :data:`_SH_INDICES` are the Shanghai index only when ``name`` says so (沪深300 ->
    XSHG:000300, 平安银行 -> XSHE:000001); without a name they are refused as ambiguous rather
    than guessed.
    """
    code = code.strip()
    if not (len(code) == 6 and code.isdigit()):
        raise UnknownSymbol(f"{code!r} is not a 6-digit A-share code")
    index = _SH_INDICES.get(code)
    if index:
        if not name:
            raise AmbiguousSymbol(f"{code} is both the Shanghai index {index} and a Shenzhen code; "
                                  f"name the security: XSHG:{code} or XSHE:{code}",
                                  [canonical("XSHG", code), canonical("XSHE", code)])
        if index in name:
            return canonical("XSHG", code)
    if code[0] in "65" or code.startswith("900"):
        return canonical("XSHG", code)
    if code[0] in "023":
        return canonical("XSHE", code)
    raise UnknownSymbol(f"{code} is not a Shanghai (6, 5, 900) or Shenzhen (0, 2, 3) code")


def security_from_name(path: str | PathLike[str]) -> str:
    """The security a file name gives: ``600118.SS.csv``, ``^HSI.csv``, ``JKS.csv``, ``600118.csv``.

    Bare tickers count only in upper case, as Yahoo names its downloads; otherwise ``prices.csv``
    would silently become NYSE:PRICES.
    """
    stem = Path(path).stem
    if re.fullmatch(r"\d{6}", stem):
        return a_share(stem)
    if re.fullmatch(r"[0-9A-Za-z]+\.(?i:ss|sz|hk)|\^[A-Za-z]+|[A-Z]{1,5}", stem):
        return from_yahoo(stem)
    raise UnknownSymbol(f"the file name {Path(path).name!r} names no security")


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (BOM or not) first; else GB18030, the superset of GBK that Chinese exports use."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise PriceFileError(f"{name} line {line}: neither UTF-8 nor GBK text") from None


def _read(text: str, name: str) -> tuple[str, pl.DataFrame, dict[str, str]]:
    """Format; all-text frame with internal column names and ``line``; internal name -> label."""
    body = text.lstrip("\r\n")
    skipped = text[: len(text) - len(body)].count("\n")  # polars skips leading blank lines
    body = body.rstrip() + "\n"  # and blank lines at the end are no rows
    if not body.strip():
        raise _error(name, 1, "header", "empty file")
    try:
        raw = pl.read_csv(io.BytesIO(body.encode()), infer_schema=False)
    except pl.exceptions.PolarsError as err:
        counts = pl.Series(body.split("\n")).str.count_matches(",")
        wide = (counts > counts[0]).arg_true()
        if not len(wide):
            raise PriceFileError(f"{name}: not CSV: {str(err).splitlines()[0]}") from None
        line = int(wide[0])
        raise _error(name, line + 1 + skipped, f"#{counts[0] + 2}",
                     f"{counts[line] + 1} fields where the header has {counts[0] + 1}") from None
    raw = raw.rename({c: c.strip() for c in raw.columns if c != c.strip() and c.strip() not in raw.columns})
    labels = {c.strip().lower().replace("(", "（").replace(")", "）"): c.strip() for c in raw.columns}
    fmt = next((f for key, f in (("日期", "broker"), ("symbol", "long"), ("date", "per-symbol"))
                if key in labels), None)
    if fmt is None:
        raise _error(name, 1 + skipped, "header", f"unknown header {','.join(raw.columns)!r}; "
                     "expected date,symbol,open,high,low,close,volume or Date,Open,High,Low,"
                     "Close[,Volume] or a broker export (日期,开盘价,最高价,最低价,收盘价,...)")
    aliases, required = _LAYOUTS[fmt]
    for label in required:
        if label not in labels:
            need = ", ".join(required)
            raise _error(name, 1 + skipped, label, f"missing ({fmt} files need {need})")
    if raw.height == 0:
        raise _error(name, 2 + skipped, labels[required[0]], "no rows below the header")
    present = {aliases[k]: labels[k] for k in aliases if k in labels}
    frame = raw.select(pl.col(label).str.strip_chars().alias(c) for c, label in present.items())
    if "volume" not in frame.columns:
        frame = frame.with_columns(volume=pl.lit(None, pl.Utf8))
    frame = frame.with_row_index("line", offset=2 + skipped)
    return fmt, frame, {**_OHLCV, "date": "date", **present}


def _map_securities(frame: pl.DataFrame, key: pl.Expr, convert: Callable[[str], str]) -> pl.DataFrame:
    """``security`` (and ``_why`` it is null) per row, converting each distinct key only once."""
    good: dict[str, str] = {}
    why: dict[str, str] = {}
    for value in frame.select(key.unique()).to_series().to_list():
        try:
            good[value] = convert(value)
        except UnknownSymbol as err:
            why[value] = str(err)
    return frame.with_columns(security=key.replace_strict(good, default=None, return_dtype=pl.Utf8),
                              _why=key.replace_strict(why, default=None, return_dtype=pl.Utf8))


def _row_checks(labels: dict[str, str]) -> list[tuple[str, pl.Expr, pl.Expr]]:
    """(field, offending-row condition, message) in the order a row is read; null means passed."""
    sec_field = labels.get("symbol") or labels.get("code") or "security"
    raw, val = pl.col, lambda c: pl.col("v_" + c)
    blank = lambda c: raw(c).fill_null("") == ""  # noqa: E731
    checks = [
        ("date", blank("date"), pl.lit("missing")),
        ("date", val("date").is_null(), pl.format("not a date (YYYY-MM-DD): '{}'", raw("date"))),
        (sec_field, pl.col("security").is_null(), pl.col("_why")),
    ]
    for c in _PRICES:
        checks += [(c, blank(c), pl.lit("missing")),
                   (c, ~val(c).is_finite().fill_null(False),
                    pl.format("not a number: '{}'", raw(c)))]
    checks += [("volume", ~blank("volume") & ~val("volume").is_finite().fill_null(False),
                pl.format("not a number: '{}'", raw("volume")))]
    checks += bar_checks(val, raw, labels)  # the rules vendors' bars obey too
    return checks + [
        ("date", val("date") == pl.col("_prev_date"),
         pl.format("duplicate date {} (already on line {})", val("date"), pl.col("_prev_line"))),
        ("date", val("date") < pl.col("_prev_date"), pl.format(
            "{} comes after {} on line {}: dates must increase", val("date"), pl.col("_prev_date"),
            pl.col("_prev_line"))),
    ]


def _first_error(frame: pl.DataFrame, checks: list[tuple[str, pl.Expr, pl.Expr]], labels: dict[str, str], name: str) -> None:
    """Raise :class:`PriceFileError` for the earliest row failing one of ``checks`` (field,
    offending-row condition, message), naming its line and the field's label."""
    first = pl.concat([  # each check's first offending row; the earliest line is reported
        frame.lazy().filter(bad).head(1).select("line", check=pl.lit(i), msg=msg.cast(pl.Utf8))
        for i, (_, bad, msg) in enumerate(checks)
    ]).sort("line", "check").head(1).collect()
    if first.height:
        line, check, message = first.row(0)
        raise _error(name, line, labels.get(checks[check][0], checks[check][0]), message)


def _cross_checks(frame: pl.DataFrame, labels: dict[str, str], name: str) -> list[str]:
    """Warnings for 前收盘价 and 涨幅% that disagree with the closes of consecutive rows.

    A file that skips sessions, or an ex-dividend day (the exchange adjusts 前收盘价), also makes a
    few rows disagree; a column that is simply another column (600118's 前收盘价 is the day's low)
    disagrees almost everywhere, and the warning says which column it copies.
    """
    warnings: list[str] = []
    prev = pl.col("_prev_close")
    if "prev_close" in frame.columns:
        pc = pl.col("prev_close").cast(pl.Float64, strict=False)
        same = lambda a, b: (a - b).abs() <= _SAME_PRICE  # noqa: E731
        copies = {c: same(pc, pl.col("v_" + c)).sum() for c in _PRICES}
        s = frame.select(bad=(~same(pc, prev)).sum(), n=same(pc, prev).count(), **copies).row(0, named=True)
        if s["bad"]:
            copy = max(_PRICES, key=lambda c: s[c])
            also = f" (it equals {labels[copy]} on {s[copy]} rows)"
            warnings.append(
                f"{name}: column {labels['prev_close']} disagrees with the previous row's "
                f"{labels['close']} on {s['bad']} of {s['n']} rows"
                f"{also if s[copy] > frame.height / 2 else ''}; ignored — previous closes are "
                f"taken from {labels['close']}")
    if "pct_change" in frame.columns:
        pct = pl.col("pct_change").str.strip_suffix("%").cast(pl.Float64, strict=False)
        want = (pl.col("v_close") / prev - 1) * 100
        digits = pl.col("pct_change").str.extract(r"\.(\d+)", 1).str.len_chars().fill_null(0)
        bad = (pct - want).abs() > pl.lit(0.1).pow(digits.clip(upper_bound=2)) + 1e-9  # last digit
        first = frame.select(bad=bad.sum(), n=(pct - want).count(), line=pl.col("line").filter(bad),
                             got=pl.col("pct_change").filter(bad), want=want.filter(bad)).head(1)
        s = first.row(0, named=True) if first.height else {"bad": 0}
        if s["bad"]:
            warnings.append(
                f"{name}: column {labels['pct_change']} disagrees with the change between "
                f"consecutive {labels['close']} on {s['bad']} of {s['n']} rows (first on line "
                f"{s['line']}: {s['got']}, closes give {s['want']:.3f}); ignored")
    return warnings


def parse_file(path: str | PathLike[str], text: str | None = None, *,
               security: str | None = None) -> PriceFile:
    """Read, validate and convert one daily-bar file; ``text`` skips reading ``path``.

    ``security`` (canonical ``XSHG:600118`` or Yahoo ``600118.SS``) names the security of a
    single-security file, overriding 代码 and the file name. Raises :class:`PriceFileError` for
    any bad row or a ``security`` given for a long file, :class:`~markets.symbols.UnknownSymbol`
    for an unknown ``security``; OS errors propagate.
    """
    name = Path(path).name
    if text is None:
        text = _decode(Path(path).read_bytes(), name)
    header = {c.strip().lower() for c in text.removeprefix("\ufeff").lstrip("\r\n").split("\n", 1)[0].split(",")}
    if header & {"dividend", "split"} and not header & {"open", "close"}:
        return _parse_actions(path, text.removeprefix("\ufeff"), name, security)
    fmt, frame, labels = _read(text.removeprefix("\ufeff"), name)
    if fmt == "long":
        if security is not None:  # an error of the caller, but reported like the file's own
            raise _error(name, 1, labels["symbol"], f"names the securities, so {security!r} "
                         "cannot be applied (security= is for single-security files)")
        frame = _map_securities(frame, pl.col("symbol").fill_null(""), from_yahoo)
    elif security is not None or "code" not in frame.columns:
        if security is not None:  # canonical or Yahoo; UnknownSymbol if neither
            sec = parse(security)
        else:
            try:
                sec = security_from_name(path)
            except UnknownSymbol as err:
                choices = err.choices if isinstance(err, AmbiguousSymbol) else []
                hint = "" if choices else "; name the security (XSHG:600118 etc.)"
                raise PriceFileError(f"{name}: no symbol column and {err}{hint}", choices) from None
        frame = frame.with_columns(security=pl.lit(sec), _why=pl.lit(None, pl.Utf8))
    else:
        names = pl.col("name").fill_null("") if "name" in frame.columns else pl.lit("")
        # One text key per (code, name): JSON, since any character (a tab too) may be in a cell.
        key = pl.struct(code=pl.col("code").fill_null(""), name=names).struct.json_encode()
        frame = _map_securities(frame, key, lambda k: a_share(**json.loads(k)))
    frame = frame.with_columns(
        v_date=pl.coalesce([pl.col("date").str.to_date(f, strict=False) for f in _DATE_FORMATS]),
        **{"v_" + c: pl.col(c).cast(pl.Float64, strict=False) for c in (*_PRICES, "volume")},
    ).with_columns(
        _prev_date=pl.col("v_date").shift(1).over("security"),
        _prev_line=pl.col("line").shift(1).over("security"),
        _prev_close=pl.col("v_close").shift(1).over("security"),
    )
    _first_error(frame, _row_checks(labels), labels, name)
    warnings = _cross_checks(frame, labels, name) if fmt == "broker" else []
    bars = frame.select("security", date="v_date", **{c: "v_" + c for c in (*_PRICES, "volume")})
    if "adj_close" in frame.columns:
        bars = _factors(frame, bars, name, labels["adj_close"])
    return PriceFile(fmt, bars.sort("security", "date"), warnings)


def _factors(frame: pl.DataFrame, bars: pl.DataFrame, name: str, label: str) -> pl.DataFrame:
    """``bars`` with ``adj`` from the file's adjusted closes; a value that is not a positive
    number is an error naming its line (an empty one: no factor for that bar and the next)."""
    from markets.adjust import from_adjusted

    value = pl.col("adj_close").cast(pl.Float64, strict=False)
    bad = frame.filter(pl.col("adj_close").fill_null("").ne("") & ~(value > 0).fill_null(False)).head(1)
    if bad.height:
        raise _error(name, bad["line"][0], label, f"{bad['adj_close'][0]!r} is not a positive number")
    return from_adjusted(bars.with_columns(adj_close=frame.select(value).to_series()))


def _parse_actions(path: str | PathLike[str], text: str, name: str, security: str | None) -> PriceFile:
    """A dividends-and-splits file (see the module docstring); every row checked, the first bad
    one a :class:`PriceFileError` naming its line and field."""
    raw = pl.read_csv(io.BytesIO((text.strip() + "\n").encode()), infer_schema=False)
    labels = {c.strip().lower(): c for c in raw.columns}
    if "date" not in labels:
        raise _error(name, 1, "header", "missing date (actions files need date and dividend or split)")
    pick = lambda key: pl.col(labels[key]).str.strip_chars() if key in labels else pl.lit(None, pl.Utf8)  # noqa: E731
    frame = raw.select(date=pick("date"), symbol=pick("symbol"), dividend=pick("dividend"), split=pick("split"))
    frame = frame.with_row_index("line", offset=2)
    if "symbol" in labels and security is None:
        frame = _map_securities(frame, pl.col("symbol").fill_null(""), parse)
    else:
        try:
            sec = parse(security) if security is not None else security_from_name(path)
        except UnknownSymbol as err:
            choices = err.choices if isinstance(err, AmbiguousSymbol) else []
            raise PriceFileError(f"{name}: no symbol column and {err}", choices) from None
        frame = frame.with_columns(security=pl.lit(sec), _why=pl.lit(None, pl.Utf8))
    number = lambda c: pl.col(c).cast(pl.Float64, strict=False)  # noqa: E731
    given = lambda c: pl.col(c).fill_null("") != ""  # noqa: E731
    frame = frame.with_columns(
        v_date=pl.coalesce([pl.col("date").str.to_date(f, strict=False) for f in _DATE_FORMATS]),
        v_dividend=number("dividend"), v_split=number("split"),
    )
    checks = [
        ("date", pl.col("v_date").is_null(), pl.format("not a date (YYYY-MM-DD): '{}'", pl.col("date"))),
        ("symbol", pl.col("security").is_null(), pl.col("_why")),
        ("dividend", given("dividend") & ~(pl.col("v_dividend") >= 0).fill_null(False),
         pl.format("not a cash amount >= 0: '{}'", pl.col("dividend"))),
        ("split", given("split") & ~(pl.col("v_split") > 0).fill_null(False),
         pl.format("not a number of shares > 0: '{}'", pl.col("split"))),
    ]
    _first_error(frame, checks, labels, name)
    actions = frame.select(
        "security", date="v_date", dividend=pl.col("v_dividend").fill_null(0.0), split=pl.col("v_split").fill_null(1.0)
    )
    empty = pl.DataFrame(schema={"security": pl.Utf8, "date": pl.Date, **{c: pl.Float64 for c in (*_PRICES, "volume")}})
    return PriceFile("actions", empty, [], actions.sort("security", "date"))
