"""Event-study statistics: CARs aggregated by event, and the tests analysts report.

Input is a *panel* of abnormal returns (:func:`markets.returns.measure_with_panel`): one row per
(event, security, session offset ``tau`` from t0) with the security's abnormal return ``ar`` on
that session, for the estimation window (``tau <= est_last``) and the event windows, and a class
column (``by``) that every row of an event shares.

Aggregation by event. Securities linked to one launch react to the same news on the same day, so
they are not independent observations: each event is one equal-weighted portfolio of its linked
securities. For a window ``[a, b]`` of ``L = b - a + 1`` sessions, a security's ``CAR_i`` sums
its ARs over the window (null if any session lacks one); the event's ``CAR_e`` is the mean of its
securities' CARs, and its portfolio AR on a session is the mean of those securities' ARs (the
ones with a value). ``T_e`` counts the estimation sessions with a portfolio AR and ``s_e`` is
their standard deviation with ``d_e = T_e - k`` degrees of freedom (sum of squared deviations
from their mean over ``d_e``): ``k`` is the number of parameters the model fitted in the
estimation window, at least 1 (:func:`summarize`'s ``fitted``). Market-adjusted ARs fit nothing,
but ``s_e`` is taken about their estimation mean: ``k = 1``, ``d_e = T_e - 1``. Market-model ARs
are residuals of a fitted alpha and beta (mean 0): ``k = 2``, ``d_e = T_e - 2``. A security's
``s_i`` (Kolari-Pynnonen) is the same over its own estimation ARs. ``N`` is the number of events
with a CAR in the class.

The statistics, two-sided p-values, each null with the reason in ``note`` when fewer than
:data:`MIN_EVENTS` events have a CAR (or when its denominator is 0):

- ``t``: cross-sectional t of the event CARs, ``mean(CAR_e) / (sd(CAR_e) / sqrt(N))``, t with
  N - 1 degrees of freedom (Brown and Warner 1985, J. Financial Economics 14).
- ``patell_z``: standardised CARs ``SCAR_e = CAR_e / (s_e sqrt(L))``, ``Z = sum SCAR_e /
  sqrt(sum d_e / (d_e - 2))``, standard normal (Patell 1976, J. Accounting Research 14; without
  the forecast-error correction of the market model). Under the null ``SCAR_e`` is t with ``d_e``
  degrees of freedom, whose variance is ``d_e / (d_e - 2)``: ``(T_e - 1) / (T_e - 3)``
  market-adjusted, Patell's ``(T_e - 2) / (T_e - 4)`` for the market model. Events with
  ``d_e <= 2`` are left out.
- ``bmp_t``: Boehmer, Musumeci and Poulsen (1991, J. Financial Economics 30): the cross-sectional
  t of the ``SCAR_e``, ``mean / (sd / sqrt(N))``, t with N - 1 degrees of freedom; robust to
  event-induced variance.
- ``kp_t``: BMP over the *securities* (``SCAR_i = CAR_i / (s_i sqrt(L))``, ``s_i`` from the
  security's own estimation ARs, ``n`` securities), adjusted for the cross-correlation of
  securities on the same event as Kolari and Pynnonen (2010, Review of Financial Studies 23):
  ``t_KP = t_BMP * sqrt((1 - r q) / (1 + r P / n))`` with ``r`` the mean correlation of the
  estimation-window ARs of two securities on the same event, ``P = sum_e m_e (m_e - 1)`` (``m_e``
  securities on event e) and ``q = P / (n (n - 1))``. With all securities on one event this is
  KP's ``sqrt((1 - r) / (1 + (n - 1) r))``; with one security per event it is plain BMP.
- ``corrado_z``: rank test (Corrado 1989, J. Financial Economics 23; multi-day form of Campbell
  and Wasley 1993): each event's portfolio ARs over the estimation and event windows are ranked,
  ``U = rank / (M_e + 1) - 1/2``; ``K_tau`` is the mean ``U`` of the events on offset tau, ``S``
  the root mean square of ``K_tau`` over all offsets, ``Z = sum_{tau in W} K_tau / (sqrt(L) S)``,
  standard normal.
- ``sign_z``: generalized sign test (Cowan 1992, Review of Quantitative Finance and Accounting 2):
  ``w`` events with ``CAR_e > 0`` against ``p``, the mean over events of the fraction of positive
  portfolio ARs in the estimation window: ``Z = (w - N p) / sqrt(N p (1 - p))``, standard normal.

The standardised tests (all but ``t``) use the events with an ``s_e`` (estimation-window ARs); when fewer than
:data:`MIN_EVENTS` have one, only ``t`` is given.

Everything is polars expressions over whole frames, one pass per window.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl
from scipy import special

from markets.returns import Window, window_name

#: Fewest events with a CAR for which the tests are computed.
MIN_EVENTS = 3
#: Most rows the Kolari-Pynnonen correlation join may make (pairs of securities on one event x
#: estimation sessions); above it ``kp_t`` is empty and ``note`` says why.
KP_ROWS = 20_000_000

#: The statistics and their p-values, in output order, with the distribution of each.
TESTS = {"t": "t", "patell_z": "normal", "bmp_t": "t", "kp_t": "t", "corrado_z": "normal", "sign_z": "normal"}

COLUMNS = ("window", "n_events", "n_pairs", "car_mean", "car_median", "car_pair_mean",
           *(c for name in TESTS for c in (name, f"{name.split('_')[0]}_p")), "note")


def _p_values(stats: pl.DataFrame) -> pl.DataFrame:
    """Two-sided p-values of each statistic: t with ``n - 1`` degrees of freedom (``n`` events,
    those with estimation returns for BMP, securities for KP), else standard normal."""
    out = {}
    for name, dist in TESTS.items():
        value = stats[name].to_numpy().astype(float)  # null -> nan
        if dist == "t":
            n = {"kp_t": "n_pairs_kp", "bmp_t": "n_std"}.get(name, "n_events")
            dof = stats[n].to_numpy().astype(float) - 1
            with np.errstate(invalid="ignore"):
                p = 2 * special.stdtr(dof, -np.abs(value))
        else:
            p = 2 * special.ndtr(-np.abs(value))
        out[f"{name.split('_')[0]}_p"] = pl.Series(p).fill_nan(None)
    return stats.with_columns(**out)


def _safe_div(num: pl.Expr, den: pl.Expr) -> pl.Expr:
    """``num / den``, null when ``den`` is null, 0 or not finite."""
    return pl.when(den.is_finite() & (den != 0)).then(num / den)


def _correlations(est: pl.DataFrame, by: str) -> pl.DataFrame | None:
    """Kolari-Pynnonen: the correlation of the estimation ARs of every two securities on the
    same event (``security < security_2``), by a self-join of each event's estimation rows;
    None when that join would make more than :data:`KP_ROWS` rows."""
    left = est.drop_nulls("ar")
    sizes = left.group_by(by, "event_id").agg(n=pl.len(), m=pl.col("security").n_unique())
    # Per event, n rows of m securities: each of its n / m sessions pairs m x m rows, n * m in all.
    joined = sizes.select((pl.col("n") * pl.col("m")).sum()).item() or 0
    if joined > KP_ROWS:
        return None
    both = left.join(left, on=[by, "event_id", "tau"], suffix="_2").filter(pl.col("security") < pl.col("security_2"))
    return both.group_by(by, "event_id", "security", "security_2").agg(rho=pl.corr("ar", "ar_2"))


def _one_window(x: pl.DataFrame, est: pl.DataFrame, sd: pl.DataFrame, corr: pl.DataFrame | None, keys: list[str],
                by: str, window: Window, est_last: int, ddof: int) -> pl.DataFrame:
    """The statistics of one window, one row per class (``est``: the estimation rows of ``x``,
    ``sd`` each security's estimation sd, ``corr`` from :func:`_correlations`, ``ddof`` the
    ``k`` of the module docstring)."""
    a, b = window
    length = b - a + 1
    tau, ar = pl.col("tau"), pl.col("ar")
    win = x.filter(tau.is_between(a, b))
    # Securities: CAR over the window (complete windows only), estimation sd, standardised CAR.
    sec = win.group_by(keys).agg(car=pl.when(ar.count() == length).then(ar.sum())).drop_nulls("car")
    sec = sec.join(sd, on=keys, how="left")
    sec = sec.with_columns(scar=_safe_div(pl.col("car"), pl.col("s") * length**0.5))
    # Events: equal-weighted portfolios of the securities with a CAR.
    members = sec.select(keys)
    port = pl.concat([est, win]).join(members, on=keys, how="semi").group_by(by, "event_id", "tau").agg(ar=ar.mean())
    port_est = port.filter(tau <= est_last)
    events = sec.group_by(by, "event_id").agg(car=pl.col("car").mean(), m=pl.col("scar").count())
    events = events.join(
        port_est.group_by(by, "event_id").agg(
            T=ar.count(), s=ar.std(ddof), pos=pl.when(ar.count() > 0).then((ar > 0).sum() / ar.count())
        ),
        on=[by, "event_id"], how="left",
    ).with_columns(scar=_safe_div(pl.col("car"), pl.col("s") * length**0.5))
    # Corrado: ranks of each event's portfolio ARs over estimation + window, averaged by offset.
    scaled = events.filter(pl.col("scar").is_not_null()).select(by, "event_id")
    ranked = port.join(scaled, on=[by, "event_id"], how="semi").drop_nulls("ar").with_columns(
        u=ar.rank("average").over(by, "event_id") / (pl.len().over(by, "event_id") + 1) - 0.5
    ).group_by(by, "tau").agg(k=pl.col("u").mean())
    corrado = ranked.group_by(by).agg(
        corrado_z=_safe_div(pl.col("k").filter(tau.is_between(a, b)).sum(), (pl.col("k") ** 2).mean().sqrt() * length**0.5)
    )
    # Kolari-Pynnonen: the mean correlation over pairs of securities (both with a CAR) on one event.
    if corr is not None:
        both = corr.join(members, on=keys, how="semi").join(
            members.rename({"security": "security_2"}), on=[by, "event_id", "security_2"], how="semi"
        )
        r_bar = both.filter(pl.col("rho").is_finite()).group_by(by).agg(r=pl.col("rho").mean(), kp_ok=pl.lit(True))
    else:
        r_bar = x.select(by).unique().with_columns(r=pl.lit(None, pl.Float64), kp_ok=pl.lit(False))

    car, scar, n = pl.col("car"), pl.col("scar"), pl.col("car").count()
    t_of = lambda v: _safe_div(v.mean(), v.std() / v.count().sqrt())
    has = scar.is_not_null()  # events with estimation-window returns: the standardised tests' sample
    # Patell: the events whose SCAR has a finite variance, d / (d - 2) with d = T - ddof.
    dof = pl.col("T") - ddof
    patell = has & (dof > 2)
    n_s, pos = has.sum(), pl.col("pos").filter(has).mean()
    per_class = events.group_by(by).agg(
        n_events=n.cast(pl.Int64),
        car_mean=car.mean(),
        car_median=car.median(),
        t=t_of(car),
        patell_z=_safe_div(scar.filter(patell).sum(), (dof / (dof - 2)).filter(patell).sum().sqrt()),
        bmp_t=t_of(scar),
        sign_z=_safe_div(
            (car > 0).filter(has).sum() - n_s * pos, (n_s * pos * (1 - pos)).sqrt()
        ),
        P=(pl.col("m") * (pl.col("m") - 1)).sum(),
        n_std=scar.count(),
    )
    pairs = sec.group_by(by).agg(
        car_pair_mean=car.mean(), n_pairs_kp=scar.count().cast(pl.Int64), t_pairs=t_of(scar), n_all=car.count()
    )
    classes = x.select(by).unique()  # a class whose events have no CAR in this window still gets its row
    out = classes.join(per_class, on=by, how="left").join(pairs, on=by, how="left")
    out = out.join(r_bar, on=by, how="left").join(corrado, on=by, how="left")
    nk, r, big_p = pl.col("n_pairs_kp"), pl.col("r").fill_null(0.0), pl.col("P")
    shrink = (1 - r * _safe_div(big_p, nk * (nk - 1)).fill_null(0.0)) / (1 + r * big_p / nk)
    out = out.with_columns(
        kp_ok=pl.col("kp_ok").fill_null(True),
        n_events=pl.col("n_events").fill_null(0),
        n_pairs=pl.col("n_all").fill_null(0).cast(pl.Int64),
        n_std=pl.col("n_std").fill_null(0),
        kp_t=pl.when((shrink > 0) & pl.col("kp_ok").fill_null(True)).then(pl.col("t_pairs") * shrink.sqrt()),
        window=pl.lit(window_label(window)),
    )
    few, unscaled = pl.col("n_events") < MIN_EVENTS, pl.col("n_std") < MIN_EVENTS
    return out.with_columns(
        **{name: pl.when(~few & (~unscaled | pl.lit(name == "t"))).then(pl.col(name)) for name in TESTS},
        note=pl.when(few)
        .then(pl.format("{} event(s) with a CAR: the tests need at least {}", "n_events", pl.lit(MIN_EVENTS)))
        .when(unscaled)
        .then(pl.format("{} event(s) with estimation-window returns: only t is computed (the others need {})",
                        "n_std", pl.lit(MIN_EVENTS)))
        .when(~pl.col("kp_ok"))
        .then(pl.lit(f"kp_t not computed: too many securities per event to correlate (over {KP_ROWS:,} rows)")),
    )


def window_label(window: Window) -> str:
    """``(-1, 1)`` -> ``car_m1_1``: the link column of the window."""
    return "car_" + window_name(window)


def summarize(panel: pl.DataFrame, by: str, windows: Mapping[str, Window], est_last: int, *, fitted: int) -> pl.DataFrame:
    """Per class of ``by`` and window: ``n_events``, ``n_pairs``, mean and median event CAR,
    the mean security CAR, and the statistics of the module docstring with their p-values
    (``t_p``, ``patell_p``, ``bmp_p``, ``kp_p``, ``corrado_p``, ``sign_p``) and a ``note``.

    ``panel``: ``by, event_id, security, tau, ar``; estimation rows have ``tau <= est_last``, the
    event windows' rows must all be present (null ``ar`` where not computable). ``fitted``: the
    parameters the model of ``ar`` fitted per security in the estimation window (0 for
    market-adjusted ARs, 2 for market-model residuals); it sets the degrees of freedom of the
    estimation standard deviations (module docstring)."""
    if fitted < 0:
        raise ValueError(f"fitted={fitted}: a model fits 0 or more parameters")
    ddof = max(1, fitted)
    keys = [by, "event_id", "security"]
    x = panel.select(*keys, pl.col("tau").cast(pl.Int32), pl.col("ar").cast(pl.Float64)).filter(pl.col(by).is_not_null())
    if not windows or x.is_empty():
        types: dict[str, pl.DataType] = {"window": pl.Utf8(), "n_events": pl.Int64(), "n_pairs": pl.Int64(), "note": pl.Utf8()}
        return pl.DataFrame(schema={by: x.schema[by], **{c: types.get(c, pl.Float64()) for c in COLUMNS}})
    # Integer codes for text keys: millions of rows are grouped and joined on them (a caller
    # that has codes already passes them: text is costly to encode too).
    names = None
    if x.schema[by] == pl.Utf8:
        names = x.select(by).unique().with_columns(_c=pl.int_range(pl.len(), dtype=pl.UInt32))
        x = x.join(names, on=by, how="left").with_columns(pl.col("_c").alias(by)).drop("_c")
    x = x.with_columns(
        pl.col(k).cast(pl.Categorical).to_physical() for k in ("event_id", "security") if x.schema[k] == pl.Utf8
    )
    est = x.filter(pl.col("tau") <= est_last)
    sd = est.group_by(keys).agg(s=pl.col("ar").std(ddof))
    corr = _correlations(est, by)
    parts = [_one_window(x, est, sd, corr, keys, by, w, est_last, ddof) for w in windows.values()]
    stats = _p_values(pl.concat(parts, how="diagonal_relaxed"))
    if names is not None:
        stats = stats.join(names.rename({by: "_name", "_c": by}), on=by, how="left").with_columns(pl.col("_name").alias(by))
    order = {w: i for i, w in enumerate(window_label(w) for w in windows.values())}
    stats = stats.with_columns(_w=pl.col("window").replace_strict(order, return_dtype=pl.Int32)).sort(by, "_w")
    return stats.select(by, *COLUMNS)


def caar_path(panel: pl.DataFrame, by: str, span: Window, z: float = 1.96) -> pl.DataFrame:
    """The cumulative average abnormal return over event time, per class: ``by, tau, caar, se,
    lo, hi, n_events`` for ``tau`` in ``span`` (first, last offsets from t0).

    Each event is the equal-weighted portfolio of its securities with an AR on every session of
    ``span``; its CAR at ``tau`` sums the portfolio's ARs from ``span[0]`` to ``tau``. ``caar``
    is the mean of the events' CARs, ``se`` their cross-sectional standard error (sd / sqrt(N)),
    and ``lo``/``hi`` the band ``caar -/+ z se``: null below :data:`MIN_EVENTS` events, as for
    the tests of :func:`summarize`."""
    a, b = span
    keys = [by, "event_id", "security"]
    x = panel.select(*keys, pl.col("tau").cast(pl.Int32), pl.col("ar").cast(pl.Float64)).filter(
        pl.col(by).is_not_null() & pl.col("tau").is_between(a, b)
    )
    complete = x.group_by(keys).agg(ok=pl.col("ar").count() == b - a + 1).filter("ok").select(keys)
    port = x.join(complete, on=keys, how="semi").group_by(by, "event_id", "tau").agg(ar=pl.col("ar").mean())
    cars = port.sort("tau").with_columns(car=pl.col("ar").cum_sum().over(by, "event_id"))
    path = cars.group_by(by, "tau").agg(
        caar=pl.col("car").mean(), sd=pl.col("car").std(), n_events=pl.len().cast(pl.Int64)
    ).with_columns(se=pl.when(pl.col("n_events") >= MIN_EVENTS).then(pl.col("sd") / pl.col("n_events").sqrt()))
    return path.select(
        by, "tau", "caar", "se", lo=pl.col("caar") - z * pl.col("se"), hi=pl.col("caar") + z * pl.col("se"), n_events="n_events"
    ).sort(by, "tau")
