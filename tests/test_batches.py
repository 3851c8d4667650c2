"""Launch-batch classification (tracker.batches) on synthetic histories built by hand, then on the
real Qianfan captures in ../shared.

Synthetic histories are clearly labelled (names ``SYNTH-...``, launch designators ``2099-...``).
Each element set's mean motion is derived here from a chosen mean altitude with Kepler's third law,
n = sqrt(mu / a^3), so the altitude the code under test recovers, and therefore every rate, is
known exactly in advance.
"""

from __future__ import annotations

import csv
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest

from tracker.batches import groups, member_rates

SHARED = Path(__file__).resolve().parents[2] / "shared"
CELESTRAK = SHARED / "data" / "celestrak"
needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="../shared is absent (real CelesTrak data)")

UTC = timezone.utc
MU = 398600.4418  # km^3/s^2
RE = 6378.137  # km
T0 = datetime(2099, 1, 1, tzinfo=UTC)


def mean_motion_rev_day(alt_km: float) -> float:
    """Mean motion (rev/day) of a circular orbit whose semi-major axis is RE + alt_km."""
    return math.sqrt(MU / (RE + alt_km) ** 3) * 86400.0 / (2.0 * math.pi)


def sat_history(norad: int, launch: str | None, altitudes: list[float], days: list[float], constellation="synth") -> list[dict]:
    """One synthetic satellite: an element set at each day offset, at the given mean altitude."""
    return [
        {
            "norad": norad,
            "name": f"SYNTH-{norad}",
            "launch": launch,
            "constellation": constellation,
            "epoch": T0 + timedelta(days=d),
            "mean_motion": mean_motion_rev_day(alt),
            "eccentricity": 0.0001,
            "inclination_deg": 86.5,
        }
        for alt, d in zip(altitudes, days, strict=True)
    ]


def linear(norad: int, launch: str | None, start_km: float, km_per_day: float, days=(0, 3, 7, 10, 14)) -> list[dict]:
    return sat_history(norad, launch, [start_km + km_per_day * d for d in days], list(days))


def history_frame(records: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(
        records,
        schema={
            "norad": pl.Int64,
            "name": pl.String,
            "launch": pl.String,
            "constellation": pl.String,
            "epoch": pl.Datetime("us", "UTC"),
            "mean_motion": pl.Float64,
            "eccentricity": pl.Float64,
            "inclination_deg": pl.Float64,
        },
    )


def batch_row(result: pl.DataFrame, launch: str) -> dict:
    rows = result.filter(pl.col("launch") == launch).to_dicts()
    assert len(rows) == 1, result
    return rows[0]


# --------------------------------------------------------------------------------------------
# synthetic batches
# --------------------------------------------------------------------------------------------


def test_altitude_round_trip_of_the_synthetic_data():
    """The test data is what it claims: member_rates recovers the chosen altitudes exactly."""
    rates = member_rates(history_frame(linear(1, "2099-001", 500.0, 5.0)))
    assert rates["alt_km"][0] == pytest.approx(500.0 + 5.0 * 14, abs=1e-6)


def test_climbing_batch_is_raising_at_its_rate():
    records = [r for k in range(6) for r in linear(100 + k, "2099-001", 400.0 + 3 * k, 5.0)]
    result = groups(history_frame(records))
    row = batch_row(result, "2099-001")
    assert row["status"] == "raising"
    assert row["rate_km_per_day"] == pytest.approx(5.0, abs=1e-6)
    assert row["count"] == 6
    assert row["constellation"] == "synth"
    assert row["stragglers"] == 0
    # mean of the members' current altitudes, by hand
    assert row["alt_km"] == pytest.approx(sum(400.0 + 3 * k + 70.0 for k in range(6)) / 6, abs=1e-6)

    per_sat = member_rates(history_frame(records))
    assert per_sat["rate_km_per_day"].to_list() == pytest.approx([5.0] * 6, abs=1e-6)
    assert per_sat["trend"].to_list() == ["raising"] * 6
    assert per_sat["n_sets"].to_list() == [5] * 6


def test_rate_is_least_squares_slope_on_irregular_epochs():
    """Noisy altitudes on irregular epochs: the rate is the ordinary least-squares slope (by hand)."""
    days = [0.0, 0.6, 2.25, 5.0, 9.5, 13.0]
    alts = [500.0, 503.1, 511.0, 524.0, 548.5, 566.0]
    mean_d, mean_a = sum(days) / len(days), sum(alts) / len(alts)
    slope = sum((d - mean_d) * (a - mean_a) for d, a in zip(days, alts, strict=True)) / sum((d - mean_d) ** 2 for d in days)
    got = member_rates(history_frame(sat_history(7, "2099-007", alts, days)))
    assert got["rate_km_per_day"][0] == pytest.approx(slope, abs=1e-6)
    assert got["alt_km"][0] == pytest.approx(566.0, abs=1e-6)


def test_flat_batch_is_on_station():
    records = [r for k in range(5) for r in linear(200 + k, "2099-002", 1100.0, 0.0)]
    row = batch_row(groups(history_frame(records)), "2099-002")
    assert row["status"] == "on-station"
    assert row["rate_km_per_day"] == pytest.approx(0.0, abs=1e-6)
    assert row["alt_km"] == pytest.approx(1100.0, abs=1e-6)
    assert row["stragglers"] == 0


def test_decaying_batch_is_lowering():
    records = [r for k in range(4) for r in linear(300 + k, "2099-003", 350.0, -2.0)]
    row = batch_row(groups(history_frame(records)), "2099-003")
    assert row["status"] == "lowering"
    assert row["rate_km_per_day"] == pytest.approx(-2.0, abs=1e-6)


def test_half_raising_half_flat_is_mixed():
    records = [r for k in range(3) for r in linear(400 + k, "2099-004", 500.0, 5.0)]
    records += [r for k in range(3) for r in linear(410 + k, "2099-004", 1100.0, 0.0)]
    row = batch_row(groups(history_frame(records)), "2099-004")
    assert row["status"] == "mixed"
    assert row["count"] == 6


def test_three_quarters_agreement_is_enough():
    records = [r for k in range(3) for r in linear(450 + k, "2099-005", 500.0, 5.0)]
    records += linear(460, "2099-005", 520.0, 0.0)
    assert batch_row(groups(history_frame(records)), "2099-005")["status"] == "raising"  # 3 of 4 = 75%


def test_stragglers_flat_low_members_count_raising_ones_do_not():
    records = [r for k in range(8) for r in linear(500 + k, "2099-006", 1100.0, 0.0)]
    records += linear(520, "2099-006", 800.0, 0.0)  # stuck low
    records += linear(521, "2099-006", 800.0, 0.0)  # stuck low
    records += linear(522, "2099-006", 758.0, 3.0)  # low (800 km now) but still climbing 3 km/day
    frame = history_frame(records)

    per_sat = member_rates(frame).sort("norad")
    low = per_sat.filter(pl.col("norad") >= 520)
    assert low["alt_km"].to_list() == pytest.approx([800.0, 800.0, 800.0], abs=1e-6)
    assert low["trend"].to_list() == ["steady", "steady", "raising"]
    assert low.filter(pl.col("norad") == 522)["rate_km_per_day"][0] == pytest.approx(3.0, abs=1e-6)

    row = batch_row(groups(frame), "2099-006")
    assert row["stragglers"] == 2
    assert row["count"] == 11
    assert row["status"] == "on-station"  # 10 of 11 steady
    # the low members sit 300 km under the 1,100 km shell: the threshold decides
    assert groups(frame, straggler_km=300.0 - 1e-3)["stragglers"][0] == 2
    assert groups(frame, straggler_km=300.0 + 1e-3)["stragglers"][0] == 0


def test_single_element_set_members_have_no_rate():
    records = [r for k in range(3) for r in sat_history(600 + k, "2099-008", [550.0], [0.0])]
    per_sat = member_rates(history_frame(records))
    assert per_sat["n_sets"].to_list() == [1, 1, 1]
    assert per_sat["rate_km_per_day"].null_count() == 3
    assert per_sat["trend"].null_count() == 3
    row = batch_row(groups(history_frame(records)), "2099-008")
    assert row["status"] == "unknown"
    assert row["rate_km_per_day"] is None
    assert row["stragglers"] == 0
    assert row["alt_km"] == pytest.approx(550.0, abs=1e-6)


def test_element_sets_too_close_together_give_no_rate():
    """Two element sets 6 hours apart (under the half-day minimum) are not a measurable rate."""
    records = sat_history(700, "2099-009", [500.0, 520.0], [0.0, 0.25])
    per_sat = member_rates(history_frame(records))
    assert per_sat["n_sets"][0] == 2
    assert per_sat["rate_km_per_day"][0] is None
    assert batch_row(groups(history_frame(records)), "2099-009")["status"] == "unknown"


def test_single_set_members_do_not_dilute_the_status():
    records = [r for k in range(3) for r in linear(800 + k, "2099-010", 500.0, 5.0)]
    records += [r for k in range(3) for r in sat_history(810 + k, "2099-010", [560.0], [14.0])]
    row = batch_row(groups(history_frame(records)), "2099-010")
    assert row["status"] == "raising"
    assert row["count"] == 6


def test_batches_are_separate_and_sorted_and_unlaunched_objects_are_dropped():
    records = linear(900, "2099-012", 1100.0, 0.0) + linear(901, "2099-011", 400.0, 5.0)
    records += linear(902, None, 300.0, -5.0)  # no launch designator: not part of any batch
    result = groups(history_frame(records))
    assert result["launch"].to_list() == ["2099-011", "2099-012"]
    assert result["status"].to_list() == ["raising", "on-station"]
    assert result.columns == ["launch", "constellation", "count", "alt_km", "rate_km_per_day", "status", "stragglers"]


def test_input_order_does_not_matter():
    records = [r for k in range(4) for r in linear(950 + k, "2099-013", 500.0 + k, 4.0)]
    records += linear(960, "2099-013", 420.0, 0.0)
    forward = groups(history_frame(records))
    backward = groups(history_frame(records[::-1]))
    for column in ("launch", "constellation", "count", "status", "stragglers"):
        assert forward[column].to_list() == backward[column].to_list()
    for column in ("alt_km", "rate_km_per_day"):
        assert forward[column].to_list() == pytest.approx(backward[column].to_list(), abs=1e-9)
    assert forward["rate_km_per_day"][0] == pytest.approx(4.0, abs=1e-6)


# --------------------------------------------------------------------------------------------
# real data: the first Qianfan batch
# --------------------------------------------------------------------------------------------


def _qianfan_history() -> pl.DataFrame:
    """Every capture of GROUP=qianfan held in ../shared: four history files plus the 2026-08-18 snapshot,
    read with the csv module (not the project's parsers)."""
    files = sorted((CELESTRAK / "history" / "qianfan").glob("*.csv")) + [CELESTRAK / "gp-2026-08-18" / "qianfan.csv"]
    records = []
    for path in files:
        with open(path, newline="") as f:
            for r in csv.DictReader(f):
                records.append(
                    {
                        "norad": int(r["NORAD_CAT_ID"]),
                        "name": r["OBJECT_NAME"],
                        "launch": r["OBJECT_ID"][:8],
                        "constellation": "qianfan",
                        "epoch": datetime.fromisoformat(r["EPOCH"]).replace(tzinfo=UTC),
                        "mean_motion": float(r["MEAN_MOTION"]),
                        "eccentricity": float(r["ECCENTRICITY"]),
                        "inclination_deg": float(r["INCLINATION"]),
                    }
                )
    return history_frame(records).unique(subset=["norad", "epoch"])


@needs_shared
def test_first_qianfan_batch_has_stragglers():
    history = _qianfan_history()
    row = batch_row(groups(history), "2024-140")
    assert row["count"] == 18
    assert row["constellation"] == "qianfan"
    assert row["stragglers"] > 0

    # independently: latest altitude per satellite by hand, shell = 90th percentile, flat and 50 km low
    latest: dict[int, tuple[datetime, float, str]] = {}
    for r in history.filter(pl.col("launch") == "2024-140").iter_rows(named=True):
        n = r["mean_motion"] * 2.0 * math.pi / 86400.0
        alt = (MU / n**2) ** (1.0 / 3.0) - RE
        if r["norad"] not in latest or r["epoch"] > latest[r["norad"]][0]:
            latest[r["norad"]] = (r["epoch"], alt, r["name"])
    alts = sorted(v[1] for v in latest.values())
    shell = alts[round(0.9 * (len(alts) - 1))]  # nearest-rank 90th percentile
    low = sorted(name for _, alt, name in latest.values() if alt < shell - 50.0)
    assert low == ["QIANFAN-7"]  # ~799 km while the rest hold ~1,068 km
    assert row["stragglers"] == len(low)
    rates = member_rates(history.filter(pl.col("launch") == "2024-140"))
    q7 = rates.filter(pl.col("name") == "QIANFAN-7").row(0, named=True)
    assert q7["trend"] == "steady" and 790 < q7["alt_km"] < 810
