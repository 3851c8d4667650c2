"""markets.returns: event returns, market model, CARs, price limits.

Bars here are SYNTHETIC (seeded random walks on real XSHG/XNYS sessions), except in the last
tests, which read the real bars in ../shared. Every expected value is computed in the test itself
with plain Python arithmetic over the sessions, and numpy.polyfit for alpha and beta.
"""

from __future__ import annotations

import csv
import warnings
from datetime import date

import exchange_calendars as xc
import numpy as np
import polars as pl
import pytest

from markets.returns import OUTPUT, event_returns
from tests.conftest import shared_path


def sessions(calendar: str, start: str, end: str) -> list[date]:
    """Real sessions, from exchange_calendars itself (its pandas-3 deprecation noise silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return [ts.date() for ts in xc.get_calendar(calendar).sessions_in_range(start, end)]


#: XSHG sessions, indexed 0..N-1 in the tests.
S = sessions("XSHG", "2025-03-03", "2026-06-30")
T = 200  # index of the event session in the synthetic series
BENCH, SEC = "XSHG:000300", "XSHG:600118"


def walk(seed: int, n: int = len(S), start: float = 20.0) -> dict[int, float]:
    """Closes on sessions 0..n-1: a seeded random walk of 2 % daily moves (synthetic)."""
    steps = np.random.default_rng(seed).normal(0.0005, 0.02, n)
    return {i: float(round(start * np.prod(1 + steps[: i + 1]), 4)) for i in range(n)}


def follower(bench: dict[int, float], seed: int, alpha: float = 0.001, beta: float = 1.4) -> dict[int, float]:
    """A security whose returns are alpha + beta * benchmark + noise (synthetic)."""
    noise = np.random.default_rng(seed).normal(0, 0.01, len(bench))
    close, out = 30.0, {}
    for i in range(len(bench)):
        if i:
            close *= 1 + alpha + beta * (bench[i] / bench[i - 1] - 1) + noise[i]
        out[i] = close
    return out


def bars(series: dict[str, dict[int, float]], sessions: list[date] = S, volume: dict | None = None) -> pl.DataFrame:
    rows = [
        (sec, sessions[i], c, c, c, c, (volume or {}).get((sec, i), 1e6))
        for sec, closes in series.items() for i, c in closes.items()
    ]
    return pl.DataFrame(rows, schema=["security", "date", "open", "high", "low", "close", "volume"], orient="row")


def pairs(*rows: tuple, calendar: str = "XSHG") -> pl.DataFrame:
    """(event_id, security, benchmark, t0, limit_pct) rows."""
    return pl.DataFrame(
        [(e, s, b, calendar, t, lim) for e, s, b, t, lim in rows],
        schema={"event_id": pl.String, "security": pl.String, "benchmark": pl.String, "calendar": pl.String,
                "t0": pl.Date, "limit_pct": pl.Float64},
        orient="row",
    )


def one_session_returns(closes: dict[int, float]) -> dict[int, float]:
    return {i: c / closes[i - 1] - 1 for i, c in closes.items() if i - 1 in closes}


def return_since_last_close(closes: dict[int, float], i: int) -> float | None:
    if i not in closes or not any(j < i for j in closes):
        return None
    return closes[i] / closes[max(j for j in closes if j < i)] - 1


def market_model(sec: dict, bench: dict, t: int, est_len: int, gap: int) -> tuple[float, float, int]:
    r, m = one_session_returns(sec), one_session_returns(bench)
    window = [i for i in range(t - gap - est_len + 1, t - gap + 1) if i in r and i in m]
    beta, alpha = np.polyfit([m[i] for i in window], [r[i] for i in window], 1)
    return alpha, beta, len(window)


def only(frame: pl.DataFrame) -> dict:
    assert frame.height == 1
    return frame.row(0, named=True)


@pytest.fixture(scope="module")
def market() -> dict[str, dict[int, float]]:
    bench = walk(1, start=4000.0)
    return {BENCH: bench, SEC: follower(bench, 2)}


# -- returns and the market model ------------------------------------------------------------------


@pytest.mark.parametrize(("est_len", "gap", "min_est"), [(120, 10, 30), (60, 5, 20)])
def test_returns_market_model_and_cars_match_hand_computation(market, est_len, gap, min_est):
    sec, bench = market[SEC], market[BENCH]
    frame = pairs(("E1", SEC, BENCH, S[T], 10.0))
    out = only(event_returns(frame, bars(market), est_len=est_len, gap=gap, min_est=min_est))
    r, m = one_session_returns(sec), one_session_returns(bench)
    alpha, beta, n = market_model(sec, bench, T, est_len, gap)
    assert n == est_len
    assert out["prev_close"] == sec[T - 1] and out["close"] == sec[T]
    assert out["ret"] == pytest.approx(sec[T] / sec[T - 1] - 1, rel=1e-12)
    assert out["bench_ret"] == pytest.approx(bench[T] / bench[T - 1] - 1, rel=1e-12)
    assert out["ar"] == pytest.approx(r[T] - m[T], rel=1e-9)
    assert out["n_est"] == n
    assert (out["alpha"], out["beta"]) == (pytest.approx(alpha, abs=1e-10), pytest.approx(beta, rel=1e-8))
    assert out["ar_mm"] == pytest.approx(r[T] - alpha - beta * m[T], abs=1e-10)
    for name, (a, b) in {"0_1": (0, 1), "m1_1": (-1, 1), "0_5": (0, 5)}.items():
        days = range(T + a, T + b + 1)
        assert out[f"car_{name}"] == pytest.approx(sum(r[i] - m[i] for i in days), abs=1e-12)
        assert out[f"car_mm_{name}"] == pytest.approx(sum(r[i] - alpha - beta * m[i] for i in days), abs=1e-9)
    assert (out["limit_up"], out["limit_down"], out["no_trade"]) == (False, False, False)


def test_missing_bar_at_t0_is_no_trade_and_nulls(market):
    sec = {i: c for i, c in market[SEC].items() if i != T}
    out = only(event_returns(pairs(("E1", SEC, BENCH, S[T], 10.0)), bars({**market, SEC: sec})))
    assert out["no_trade"] is True
    assert out["prev_close"] == sec[T - 1]
    assert out["bench_ret"] == pytest.approx(market[BENCH][T] / market[BENCH][T - 1] - 1)
    nulls = ("close", "ret", "ar", "ar_mm", "car_0_1", "car_m1_1", "car_0_5", "car_mm_0_1", "limit_up", "limit_down")
    for col in nulls:
        assert out[col] is None, col
    assert out["beta"] is not None and out["n_est"] == 120  # the estimation window is untouched


def test_zero_volume_is_no_trade(market):
    out = only(event_returns(pairs(("E1", SEC, BENCH, S[T], 10.0)), bars(market, volume={(SEC, T): 0.0})))
    assert out["no_trade"] is True and out["ret"] is not None


def test_suspended_stock_resumes_from_its_last_close(market):
    # Suspended for sessions T-3..T-1 and for five sessions inside the estimation window.
    gone = {T - 3, T - 2, T - 1, 100, 101, 102, 103, 104}
    sec = {i: c for i, c in market[SEC].items() if i not in gone}
    bench = market[BENCH]
    out = only(event_returns(pairs(("E1", SEC, BENCH, S[T], 10.0)), bars({**market, SEC: sec})))
    assert out["prev_close"] == sec[T - 4]
    assert out["ret"] == pytest.approx(sec[T] / sec[T - 4] - 1, rel=1e-12)
    assert out["no_trade"] is False
    # The resumption return spans four sessions; the estimation keeps one-session returns only:
    # sessions 100..104 have no bar and 105's return spans six sessions, so 120 - 6 remain.
    alpha, beta, n = market_model(sec, bench, T, 120, 10)
    assert n == out["n_est"] == 114
    assert (out["alpha"], out["beta"]) == (pytest.approx(alpha, abs=1e-10), pytest.approx(beta, rel=1e-8))
    m = one_session_returns(bench)
    ar0 = return_since_last_close(sec, T) - m[T]
    assert out["car_0_1"] == pytest.approx(ar0 + (sec[T + 1] / sec[T] - 1 - m[T + 1]), abs=1e-12)
    assert out["car_m1_1"] is None  # no bar at t0 - 1


def test_a_missing_session_inside_a_car_window_voids_that_car_only(market):
    sec = {i: c for i, c in market[SEC].items() if i != T + 3}
    out = only(event_returns(pairs(("E1", SEC, BENCH, S[T], 10.0)), bars({**market, SEC: sec})))
    assert out["car_0_5"] is None and out["car_mm_0_5"] is None
    assert out["car_0_1"] is not None and out["car_m1_1"] is not None and out["car_mm_0_1"] is not None


def test_missing_benchmark_bar_leaves_ret_but_no_abnormal_return(market):
    bench = {i: c for i, c in market[BENCH].items() if i != T}
    out = only(event_returns(pairs(("E1", SEC, BENCH, S[T], 10.0)), bars({**market, BENCH: bench})))
    assert out["ret"] == pytest.approx(market[SEC][T] / market[SEC][T - 1] - 1)
    assert out["bench_ret"] is None and out["ar"] is None and out["ar_mm"] is None and out["car_0_1"] is None
    assert out["beta"] is not None


def test_no_market_model_below_min_est(market):
    sec, bench = market[SEC], market[BENCH]
    # First bar at T-39: one-session returns from T-38 to the window's end T-10 are 29 sessions.
    short = {i: c for i, c in sec.items() if i >= T - 39}
    longer = {i: c for i, c in sec.items() if i >= T - 40}
    frame = bars({BENCH: bench, "XSHG:SHORT": short, "XSHG:LONGER": longer})
    out = event_returns(pairs(("E1", "XSHG:SHORT", BENCH, S[T], 10.0), ("E1", "XSHG:LONGER", BENCH, S[T], 10.0)),
                        frame)
    a, b = out.row(0, named=True), out.row(1, named=True)
    assert a["n_est"] == 29
    assert a["alpha"] is None and a["beta"] is None and a["ar_mm"] is None and a["car_mm_0_1"] is None
    assert a["ar"] is not None and a["car_0_1"] is not None
    alpha, beta, n = market_model(longer, bench, T, 120, 10)
    assert b["n_est"] == n == 30
    assert (b["alpha"], b["beta"]) == (pytest.approx(alpha, abs=1e-10), pytest.approx(beta, rel=1e-8))


def test_event_before_the_first_bar_and_null_t0(market):
    late = {i: c for i, c in market[SEC].items() if i >= T + 2}
    out = event_returns(
        pairs(("E1", SEC, BENCH, S[T], 10.0), ("E2", SEC, BENCH, None, None)), bars({BENCH: market[BENCH], SEC: late})
    )
    before, undated = out.row(0, named=True), out.row(1, named=True)
    assert before["no_trade"] is True and before["n_est"] == 0 and before["prev_close"] is None
    assert before["bench_ret"] == pytest.approx(market[BENCH][T] / market[BENCH][T - 1] - 1)
    assert all(undated[c] is None for c in OUTPUT if c not in ("limit_up", "limit_down"))
    assert (undated["limit_up"], undated["limit_down"]) == (False, False)  # no limit at all


# -- price limits ----------------------------------------------------------------------------------


def test_price_limits_round_half_up_from_the_previous_close():
    # Main board 10 %: 10.05 * 1.1 = 11.055 -> 11.06 and 10.05 * 0.9 = 9.045 -> 9.05 (half up).
    # STAR 20 %: 62.19 * 1.2 = 74.628 -> 74.63. Hong Kong: no limit, +30 % is just a move.
    closes = {
        "XSHG:MAIN_UP": (10.05, 11.06), "XSHG:MAIN_NEAR": (10.05, 11.05), "XSHG:MAIN_DOWN": (10.05, 9.05),
        "XSHG:MAIN_NEAR_DOWN": (10.05, 9.06), "XSHG:STAR_UP": (62.19, 74.63), "XSHG:STAR_NEAR": (62.19, 74.62),
        "XSHG:NOLIMIT": (10.0, 13.0), BENCH: (4000.0, 4010.0),
    }
    frame = bars({s: {0: a, 1: b} for s, (a, b) in closes.items()}, sessions=[date(2026, 1, 5), date(2026, 1, 6)])
    limits = {"XSHG:STAR_UP": 20.0, "XSHG:STAR_NEAR": 20.0, "XSHG:NOLIMIT": None}
    rows = [(s, s, BENCH, date(2026, 1, 6), limits.get(s, 10.0)) for s in closes if s != BENCH]
    out = event_returns(pairs(*rows), frame)
    flags = {r["security"]: (r["limit_up"], r["limit_down"]) for r in out.iter_rows(named=True)}
    assert flags == {
        "XSHG:MAIN_UP": (True, False), "XSHG:MAIN_NEAR": (False, False), "XSHG:MAIN_DOWN": (False, True),
        "XSHG:MAIN_NEAR_DOWN": (False, False), "XSHG:STAR_UP": (True, False), "XSHG:STAR_NEAR": (False, False),
        "XSHG:NOLIMIT": (False, False),
    }
    assert out.filter(pl.col("security") == "XSHG:NOLIMIT")["ret"].item() == pytest.approx(0.3)


# -- shape and contract ----------------------------------------------------------------------------


def test_several_calendars_keep_row_order_and_extra_columns(market):
    us = sessions("XNYS", "2026-01-02", "2026-03-31")
    gspc = walk(3, n=len(us), start=6000.0)
    jks = follower(gspc, 4)
    us_bars = bars({"XNYS:GSPC": gspc, "XNYS:JKS": {i: jks[i] for i in range(len(us))}}, sessions=us)
    i = us.index(date(2026, 3, 9))
    both = pl.concat([
        pairs(("E2", SEC, BENCH, S[T], 10.0)),
        pairs(("E1", "XNYS:JKS", "XNYS:GSPC", us[i], None), calendar="XNYS"),
    ]).with_columns(note=pl.Series(["a", "b"]))
    out = event_returns(both, pl.concat([bars(market), us_bars]), min_est=20)
    assert out.columns == [*both.columns, *OUTPUT]
    assert out["note"].to_list() == ["a", "b"]
    assert out["ret"][1] == pytest.approx(jks[i] / jks[i - 1] - 1)
    assert out["bench_ret"][1] == pytest.approx(gspc[i] / gspc[i - 1] - 1)
    assert out["ret"][0] == pytest.approx(market[SEC][T] / market[SEC][T - 1] - 1)


def test_t0_that_is_not_a_session_is_rejected(market):
    with pytest.raises(ValueError, match="not a session"):
        event_returns(pairs(("E1", SEC, BENCH, date(2026, 1, 10), 10.0)), bars(market))  # a Saturday


def test_duplicate_bars_are_rejected(market):
    frame = bars(market)
    with pytest.raises(ValueError, match="more than one row"):
        event_returns(pairs(("E1", SEC, BENCH, S[T], 10.0)), pl.concat([frame, frame.head(1)]))


# -- real bars -------------------------------------------------------------------------------------


def test_real_bars_688523_limit_up_and_600118_return():
    path = shared_path("data", "prices", "daily-bars-2025-11-to-2026-04.csv")
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    close = {(r["symbol"], r["date"]): float(r["close"]) for r in rows}
    frame = pl.read_csv(path, try_parse_dates=True, schema_overrides={"volume": pl.Float64})
    frame = frame.rename({"symbol": "security"})
    t0 = date(2026, 1, 6)
    out = event_returns(
        pairs(("E", "688523.SS", "000300.SS", t0, 20.0), ("E", "600118.SS", "000300.SS", t0, 10.0)), frame, min_est=20
    )
    star, sat = out.row(0, named=True), out.row(1, named=True)
    # Published fact: 688523 hit its 20 % limit on 2026-01-06, closing at 74.63 from 62.19.
    assert (star["prev_close"], star["close"], star["limit_up"], star["limit_down"]) == (62.19, 74.63, True, False)
    assert star["no_trade"] is False  # 688523's volume is empty in the file, but the bar is there
    ret = close[("600118.SS", "2026-01-06")] / close[("600118.SS", "2026-01-05")] - 1
    bench = close[("000300.SS", "2026-01-06")] / close[("000300.SS", "2026-01-05")] - 1
    assert sat["ret"] == pytest.approx(ret, rel=1e-12) and sat["bench_ret"] == pytest.approx(bench, rel=1e-12)
    assert sat["ar"] == pytest.approx(ret - bench, rel=1e-9)
    assert sat["limit_up"] is False  # +7.6 % on a 10 % board


def test_a_benchmark_that_did_not_move_gives_no_beta(market):
    # Flat over the whole estimation window (sessions T-129..T-10), moving again afterwards.
    flat = {i: (4000.0 if T - 140 <= i <= T - 5 else c) for i, c in market[BENCH].items()}
    out = only(event_returns(pairs(("E1", SEC, BENCH, S[T], 10.0)), bars({**market, BENCH: flat})))
    assert out["n_est"] == 120 and out["beta"] is None and out["alpha"] is None and out["ar_mm"] is None
    assert out["ar"] == pytest.approx(market[SEC][T] / market[SEC][T - 1] - 1 - (flat[T] / flat[T - 1] - 1))


def test_a_dividend_is_not_an_abnormal_return_with_its_adjustment_factor(market):
    """SYNTHETIC ex-dividend day: a cash dividend of 5 % of the previous close goes ex at T+2."""
    sec, ex = market[SEC], T + 2
    d = 0.05
    paid = {i: (c * (1 - d) if i >= ex else c) for i, c in sec.items()}  # traded closes fall by the dividend
    frame = pairs(("E1", SEC, BENCH, S[T], 10.0))
    plain = only(event_returns(frame, bars(market)))
    traded = only(event_returns(frame, bars({**market, SEC: paid})))
    factors = bars({**market, SEC: paid}).with_columns(
        adj=pl.when((pl.col("security") == SEC) & (pl.col("date") == S[ex])).then(1 / (1 - d))
    )
    adjusted = only(event_returns(frame, factors))
    # Unadjusted, the dividend shows up as a loss of about 5 % in car_0_5 ...
    assert traded["car_0_5"] == pytest.approx(plain["car_0_5"] - d * sec[ex] / sec[ex - 1], abs=1e-12)
    # ... adjusted, the CARs are those of the series without the dividend.
    for name in ("car_0_1", "car_m1_1", "car_0_5", "car_mm_0_5", "ar", "ar_mm"):
        assert adjusted[name] == pytest.approx(plain[name], abs=1e-12), name
    assert (adjusted["adjusted"], traded["adjusted"], plain["adjusted"]) == (True, False, False)
    # Prices and limit flags stay the traded ones.
    assert (adjusted["prev_close"], adjusted["close"]) == (paid[T - 1], paid[T])
    late = only(event_returns(pairs(("E2", SEC, BENCH, S[ex], 10.0)), factors))
    assert late["close"] == paid[ex] and late["ret"] == pytest.approx(sec[ex] / sec[ex - 1] - 1, rel=1e-12)
