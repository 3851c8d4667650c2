"""markets.eventstudy: every statistic against a hand computation on a small SYNTHETIC panel.

The panel: class ``x`` has three events (E1 with two securities, E2 and E3 with one), class ``y``
two events (too few for tests). Estimation offsets -8..-2, event windows 0:1 and -1:1. The
expected values are computed here with plain Python (statistics, math) over dicts, for
market-adjusted ARs (``fitted=0``: estimation s.d. on T - 1 degrees of freedom) and market-model
residuals (``fitted=2``: T - 2).
"""

from __future__ import annotations

import math
import statistics

import numpy as np
import polars as pl
import pytest
from scipy import stats as sps

from markets.eventstudy import MIN_EVENTS, summarize

EST = range(-8, -1)  # estimation offsets, est_last = -2
TAUS = [*EST, -1, 0, 1]
MEMBERS = {("x", "E1"): ["A", "B"], ("x", "E2"): ["C"], ("x", "E3"): ["D"], ("y", "E4"): ["E"], ("y", "E5"): ["F"]}


def make_panel() -> dict[tuple[str, str, str], dict[int, float]]:
    rng = np.random.default_rng(7)
    panel = {}
    for (cls, event), secs in MEMBERS.items():
        for sec in secs:
            ar = {t: float(rng.normal(0, 0.02)) for t in TAUS}
            ar[0] += 0.03  # an event effect
            panel[(cls, event, sec)] = ar
    panel[("x", "E1", "B")][-5] = float("nan")  # one missing estimation session
    return panel


def as_frame(panel) -> pl.DataFrame:
    rows = [(c, e, s, t, None if math.isnan(v) else v) for (c, e, s), ars in panel.items() for t, v in ars.items()]
    return pl.DataFrame(rows, schema=["cls", "event_id", "security", "tau", "ar"], orient="row")


def sd(values: list[float], ddof: int) -> float:
    """The standard deviation about the mean with ``len(values) - ddof`` degrees of freedom."""
    mean = statistics.fmean(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - ddof))


def by_hand(panel, cls: str, a: int, b: int, fitted: int = 0) -> dict:
    k = max(1, fitted)  # market-adjusted: the estimation mean; market model: alpha and beta
    length = b - a + 1
    keys = [k for k in panel if k[0] == cls]
    events = sorted({k[1] for k in keys})
    car_i = {k: sum(panel[k][t] for t in range(a, b + 1)) for k in keys}
    est = {k: [panel[k][t] for t in EST if not math.isnan(panel[k][t])] for k in keys}
    scar_i = {key: car_i[key] / (sd(est[key], k) * math.sqrt(length)) for key in keys}
    members = {e: [k for k in keys if k[1] == e] for e in events}

    def port(e, t):
        values = [panel[k][t] for k in members[e] if not math.isnan(panel[k][t])]
        return sum(values) / len(values)

    car_e = [statistics.mean(car_i[k] for k in members[e]) for e in events]
    est_e = {e: [port(e, t) for t in EST] for e in events}
    T = [len(est_e[e]) for e in events]
    scar_e = [c / (sd(est_e[e], k) * math.sqrt(length)) for c, e in zip(car_e, events, strict=True)]
    n = len(events)
    out = {"n_events": n, "n_pairs": len(keys), "car_mean": statistics.mean(car_e), "car_median": statistics.median(car_e)}
    out["t"] = statistics.mean(car_e) / (statistics.stdev(car_e) / math.sqrt(n))
    # SCAR_e is t with d = T - k degrees of freedom: variance d / (d - 2) (6/4 market-adjusted, 5/3 market model).
    out["patell_z"] = sum(scar_e) / math.sqrt(sum((x - k) / (x - k - 2) for x in T))
    out["bmp_t"] = statistics.mean(scar_e) / (statistics.stdev(scar_e) / math.sqrt(n))
    # Kolari-Pynnonen over securities: r from same-event pairs' estimation ARs (common sessions).
    rhos = []
    for e in events:
        for i, k1 in enumerate(members[e]):
            for k2 in members[e][i + 1 :]:
                common = [t for t in EST if not math.isnan(panel[k1][t]) and not math.isnan(panel[k2][t])]
                rhos.append(np.corrcoef([panel[k1][t] for t in common], [panel[k2][t] for t in common])[0, 1])
    r = statistics.mean(rhos) if rhos else 0.0
    m = len(keys)
    P = sum(len(members[e]) * (len(members[e]) - 1) for e in events)
    t_pairs = statistics.mean(scar_i.values()) / (statistics.stdev(scar_i.values()) / math.sqrt(m))
    out["kp_t"] = t_pairs * math.sqrt((1 - r * P / (m * (m - 1))) / (1 + r * P / m))
    # Corrado: ranks of each event's portfolio ARs over estimation + window.
    window = list(range(a, b + 1))
    u = {}
    for e in events:
        series = {t: port(e, t) for t in [*EST, *window]}
        order = sorted(series.values())
        u[e] = {t: (order.index(v) + 1) / (len(series) + 1) - 0.5 for t, v in series.items()}  # no ties here
    k = {t: statistics.mean(u[e][t] for e in events) for t in [*EST, *window]}
    s = math.sqrt(statistics.mean(v * v for v in k.values()))
    out["corrado_z"] = sum(k[t] for t in window) / (math.sqrt(length) * s)
    # Generalized sign.
    p = statistics.mean(sum(v > 0 for v in est_e[e]) / len(est_e[e]) for e in events)
    w = sum(c > 0 for c in car_e)
    out["sign_z"] = (w - n * p) / math.sqrt(n * p * (1 - p))
    out["t_p"] = 2 * sps.t.sf(abs(out["t"]), n - 1)
    out["kp_p"] = 2 * sps.t.sf(abs(out["kp_t"]), m - 1)
    out["bmp_p"] = 2 * sps.t.sf(abs(out["bmp_t"]), n - 1)
    out["patell_p"] = 2 * sps.norm.sf(abs(out["patell_z"]))
    out["sign_p"] = 2 * sps.norm.sf(abs(out["sign_z"]))
    out["corrado_p"] = 2 * sps.norm.sf(abs(out["corrado_z"]))
    return out


@pytest.mark.parametrize("fitted", [0, 2])
@pytest.mark.parametrize("window", [(0, 1), (-1, 1)])
def test_every_statistic_matches_the_hand_computation(window, fitted):
    panel = make_panel()
    a, b = window
    out = summarize(as_frame(panel), "cls", {"w": window}, est_last=-2, fitted=fitted)
    assert out["cls"].to_list() == ["x", "y"]
    got = out.row(0, named=True)
    want = by_hand(panel, "x", a, b, fitted)
    assert got["window"] == ("car_0_1" if a == 0 else "car_m1_1") and got["note"] is None
    for name, value in want.items():
        assert got[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name
    assert got["car_pair_mean"] == pytest.approx(statistics.mean(sum(panel[k][t] for t in range(a, b + 1))
                                                                  for k in panel if k[0] == "x"))


def test_below_three_events_the_tests_are_empty_with_the_reason():
    out = summarize(as_frame(make_panel()), "cls", {"0_1": (0, 1)}, est_last=-2, fitted=0)
    y = out.row(1, named=True)
    assert (y["n_events"], y["n_pairs"]) == (2, 2) and MIN_EVENTS == 3
    assert y["car_mean"] is not None and y["car_median"] is not None
    for name in ("t", "t_p", "patell_z", "patell_p", "bmp_t", "bmp_p", "kp_t", "kp_p", "corrado_z", "corrado_p", "sign_z", "sign_p"):
        assert y[name] is None, name
    assert "2 event(s)" in y["note"] and "at least 3" in y["note"]


def test_a_security_missing_a_window_session_leaves_its_event_out():
    panel = make_panel()
    panel[("x", "E2", "C")][1] = float("nan")
    out = summarize(as_frame(panel), "cls", {"0_1": (0, 1), "0_0": (0, 0)}, est_last=-2, fitted=0)
    x = out.filter(pl.col("cls") == "x")
    assert x["window"].to_list() == ["car_0_1", "car_0_0"]
    assert x["n_events"].to_list() == [2, 3] and x["n_pairs"].to_list() == [3, 4]
    assert x["t"][0] is None and x["t"][1] is not None


def test_events_without_estimation_returns_get_only_the_t_test():
    panel = make_panel()
    for key in [("x", "E2", "C"), ("x", "E3", "D")]:
        panel[key].update({t: float("nan") for t in EST})
    x = summarize(as_frame(panel), "cls", {"0_1": (0, 1)}, est_last=-2, fitted=0).row(0, named=True)
    assert x["n_events"] == 3 and x["t"] is not None and x["t_p"] is not None
    assert all(x[name] is None for name in ("patell_z", "bmp_t", "kp_t", "corrado_z", "sign_z", "sign_p"))
    assert "1 event(s) with estimation-window returns" in x["note"]


def test_patell_variance_factor_follows_the_models_degrees_of_freedom():
    """Three events of one security, T = 4 estimation ARs each (0.01, -0.01, 0.02, -0.02: mean 0,
    squares summing to 0.001) and ARs of 0.02, 0.03 and 0.04 at t0. Market-adjusted (fitted=0):
    s = sqrt(0.001 / 3), SCAR_e = AR_e / s ~ t(3), variance 3 / 1, so Z = (0.09 / s) / sqrt(3 * 3)
    (Patell's market-model factor (T - 2) / (T - 4) would leave every event out: T <= 4). Market
    model (fitted=2): d = 2, no finite variance: no Patell Z, the other standardised tests still
    computed."""
    est = [0.01, -0.01, 0.02, -0.02]
    rows = [("x", e, e, tau, v) for e, ar in (("E1", 0.02), ("E2", 0.03), ("E3", 0.04))
            for tau, v in [*zip(range(-6, -2), est, strict=True), (0, ar)]]
    frame = pl.DataFrame(rows, schema=["cls", "event_id", "security", "tau", "ar"], orient="row")
    s = math.sqrt(0.001 / 3)
    adjusted = summarize(frame, "cls", {"0_0": (0, 0)}, est_last=-3, fitted=0).row(0, named=True)
    assert adjusted["patell_z"] == pytest.approx((0.09 / s) / math.sqrt(3 * 3 / 1), rel=1e-9)
    assert adjusted["patell_p"] == pytest.approx(2 * sps.norm.sf(0.03 / s), rel=1e-9)
    model = summarize(frame, "cls", {"0_0": (0, 0)}, est_last=-3, fitted=2).row(0, named=True)
    assert model["patell_z"] is None and model["patell_p"] is None
    assert model["bmp_t"] is not None and model["sign_z"] is not None and model["corrado_z"] is not None


def test_caar_path_by_hand():
    from markets.eventstudy import caar_path

    panel = make_panel()
    out = caar_path(as_frame(panel), "cls", (-1, 1))
    x = out.filter(pl.col("cls") == "x")
    assert x["tau"].to_list() == [-1, 0, 1] and x["n_events"].to_list() == [3, 3, 3]
    cars = {e: 0.0 for e in ("E1", "E2", "E3")}
    for tau, row in zip([-1, 0, 1], x.iter_rows(named=True), strict=True):
        for e in cars:
            members = [k for k in panel if k[1] == e]
            cars[e] += statistics.mean(panel[k][tau] for k in members)
        values = list(cars.values())
        se = statistics.stdev(values) / math.sqrt(3)
        assert row["caar"] == pytest.approx(statistics.mean(values), abs=1e-12)
        assert (row["lo"], row["hi"]) == (pytest.approx(row["caar"] - 1.96 * se), pytest.approx(row["caar"] + 1.96 * se))
    y = out.filter(pl.col("cls") == "y")
    assert y["n_events"].to_list() == [2, 2, 2] and y["lo"].null_count() == 3  # no band below 3 events


def test_kp_is_left_out_with_a_note_when_the_correlation_join_is_too_large(monkeypatch):
    import markets.eventstudy as es

    monkeypatch.setattr(es, "KP_ROWS", 0)
    x = summarize(as_frame(make_panel()), "cls", {"0_1": (0, 1)}, est_last=-2, fitted=0).row(0, named=True)
    assert x["kp_t"] is None and x["kp_p"] is None and "kp_t not computed" in x["note"]
    assert x["bmp_t"] is not None and x["t"] is not None


def test_the_kp_size_guard_counts_the_rows_the_join_makes(monkeypatch):
    """m securities with T estimation sessions each make m * m * T rows in the self-join (n * m
    for n rows): the guard refuses exactly above that, not at an estimate of another size."""
    import numpy as np

    import markets.eventstudy as es

    m, sessions = 3, 40
    est = pl.DataFrame({
        "cls": "a", "event_id": 1, "security": [f"s{i}" for i in range(m) for _ in range(sessions)],
        "tau": list(range(sessions)) * m, "ar": np.random.default_rng(1).normal(size=m * sessions),
    })
    joined = est.join(est, on=["cls", "event_id", "tau"], suffix="_2").height
    monkeypatch.setattr(es, "KP_ROWS", joined)
    assert es._correlations(est, "cls") is not None
    monkeypatch.setattr(es, "KP_ROWS", joined - 1)
    assert es._correlations(est, "cls") is None


def test_a_class_name_with_dollars_is_drawn_literally(tmp_path):
    pytest.importorskip("matplotlib")
    from tracker.charts import caar

    path = pl.DataFrame({"vehicle": ["CZ $\\q$"] * 3, "tau": [-1, 0, 1], "caar": [0.0, 0.01, 0.02], "n_events": [3] * 3,
                         "lo": [-0.01, 0.0, 0.01], "hi": [0.01, 0.02, 0.03]})
    caar(path, "vehicle", "CAAR by vehicle", tmp_path / "c.svg", "svg")  # mathtext would fail on "$\q$"
    assert "CZ" in (tmp_path / "c.svg").read_text()
