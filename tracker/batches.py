"""Launch batches: are the satellites of one launch still climbing, on station, or stuck?

Constellation satellites are released low (Guowang and Qianfan batches typically at a few hundred
km) and climb with their own thrusters to an operational shell over weeks to months. Every
element set held gives one mean altitude, so each satellite's climb rate is the least-squares
slope of altitude against epoch over the history held.

Classification, stated so users can judge it:

* a satellite is *raising* above +RATE_KM_DAY, *lowering* below -RATE_KM_DAY, else *steady*
  (atmospheric decay above ~500 km is far slower than the threshold);
* a batch is ``raising``, ``on-station`` or ``lowering`` when at least 75% of its members with a
  measurable rate agree, else ``mixed``; ``unknown`` with fewer than two element sets per member;
* the batch's *shell* is the 90th percentile of its members' current altitudes (robust to one
  satellite above the rest); a *straggler* is a member more than STRAGGLER_KM below the shell that
  is not raising: stuck, failed, or deliberately parked.
"""

from __future__ import annotations

import polars as pl

from tracker.orbits import EARTH_RADIUS_KM, a_km

RATE_KM_DAY = 0.5
STRAGGLER_KM = 50.0
AGREEMENT = 0.75
_MIN_SPAN_DAYS = 0.5


def member_rates(history: pl.DataFrame) -> pl.DataFrame:
    """Per satellite: current altitude, least-squares altitude rate (km/day) and its trend.
    ``history`` needs ``norad, name, launch, constellation, epoch, mean_motion`` only."""
    days = (pl.col("epoch") - pl.col("epoch").min()).dt.total_seconds() / 86400.0
    rate = pl.cov(days, pl.col("alt_km")) / days.var()
    per_sat = (
        history.with_columns((a_km - EARTH_RADIUS_KM).alias("alt_km"))  # mean altitude: mean motion only
        .sort("epoch")
        .group_by("norad", maintain_order=True)
        .agg(
            pl.col("name").last(),
            pl.col("launch").last(),
            pl.col("constellation").last(),
            pl.col("alt_km").last(),
            pl.len().alias("n_sets"),
            (pl.col("epoch").max() - pl.col("epoch").min()).dt.total_seconds().alias("span_s"),
            rate.alias("rate_km_per_day"),
        )
    )
    measurable = (pl.col("n_sets") >= 2) & (pl.col("span_s") >= _MIN_SPAN_DAYS * 86400)
    return per_sat.with_columns(
        pl.when(measurable).then(pl.col("rate_km_per_day")).alias("rate_km_per_day")
    ).with_columns(
        pl.when(pl.col("rate_km_per_day").is_null())
        .then(None)
        .when(pl.col("rate_km_per_day") > RATE_KM_DAY)
        .then(pl.lit("raising"))
        .when(pl.col("rate_km_per_day") < -RATE_KM_DAY)
        .then(pl.lit("lowering"))
        .otherwise(pl.lit("steady"))
        .alias("trend")
    )


def with_stragglers(history: pl.DataFrame, straggler_km: float = STRAGGLER_KM) -> pl.DataFrame:
    """:func:`member_rates` of the satellites that have a launch designator, with a ``straggler``
    flag: more than ``straggler_km`` below its batch's shell and not raising."""
    members = member_rates(history.filter(pl.col("launch").is_not_null()))
    shell = pl.col("alt_km").quantile(0.9).over("launch")
    return members.with_columns(
        ((pl.col("alt_km") < shell - straggler_km) & (pl.col("trend") != "raising")).alias("straggler")
    )


def groups(history: pl.DataFrame, straggler_km: float = STRAGGLER_KM) -> pl.DataFrame:
    """One row per launch designator: launch, constellation, count, alt_km, rate_km_per_day,
    status, stragglers (the issue's column contract), sorted by launch."""
    return groups_of(with_stragglers(history, straggler_km))


def groups_of(members: pl.DataFrame) -> pl.DataFrame:
    """:func:`groups` from :func:`with_stragglers` already computed (a caller that also shows
    each satellite's flag fits the rates once)."""
    measured = pl.col("trend").is_not_null().sum()

    def share(trend: str) -> pl.Expr:
        return (pl.col("trend") == trend).sum() / measured

    status = (
        pl.when(measured == 0)
        .then(pl.lit("unknown"))
        .when(share("raising") >= AGREEMENT)
        .then(pl.lit("raising"))
        .when(share("steady") >= AGREEMENT)
        .then(pl.lit("on-station"))
        .when(share("lowering") >= AGREEMENT)
        .then(pl.lit("lowering"))
        .otherwise(pl.lit("mixed"))
    )
    return (
        members.group_by("launch")
        .agg(
            pl.col("constellation").drop_nulls().mode().first().alias("constellation"),
            pl.len().alias("count"),
            pl.col("alt_km").mean().alias("alt_km"),
            pl.col("rate_km_per_day").median().alias("rate_km_per_day"),
            status.alias("status"),
            pl.col("straggler").fill_null(False).sum().alias("stragglers"),
        )
        .sort("launch")
    )
