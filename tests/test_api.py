"""The notebook API (``tracker.open``) in process, on real data from ../shared.

One database for the module: five weeks of real Guowang/Qianfan element sets and the real daily
bars of 2025-11 .. 2026-04 are imported once; each test reads it.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import polars as pl
import pytest

import tracker
from tests.conftest import shared_path, tracker_env
from tracker.services import markets, orbits

AT = datetime(2026, 8, 19, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def t(tmp_path_factory):
    path = tmp_path_factory.mktemp("api") / "tracker.db"
    with tracker.open(str(path), environ=tracker_env(f"sqlite:///{path}")) as opened:
        orbits.import_elements(opened.engine, [shared_path("data", "celestrak", "history")])
        orbits.import_elements(opened.engine, [shared_path("data", "celestrak", "gp-2026-08-18", "hulianwang.csv")])
        markets.import_bars(opened.engine, [shared_path("data", "prices", "daily-bars-2025-11-to-2026-04.csv")])
        yield opened


def test_the_package_lists_its_api_and_imports_nothing_heavy() -> None:
    assert {"open", "Tracker", "TrackerError", "NotFound", "UsageError"} <= set(tracker.__all__)
    assert all(hasattr(tracker, name) for name in tracker.__all__)
    probe = "import sys, tracker; print(sorted(m for m in ('polars', 'sqlalchemy', 'numpy') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_plain_path_opens_a_sqlite_file(t) -> None:
    assert t.settings.db_url.startswith("sqlite:////") and "tracker.db" in repr(t)


def test_satellites_of_a_constellation(t) -> None:
    frame = t.satellites(at=AT, constellation="guowang")
    assert frame.height > 100 and set(frame["constellation"]) == {"guowang"}
    assert {"lat_deg", "lon_deg", "alt_km", "sunlit", "stale"} <= set(frame.columns)
    assert frame["alt_km"].is_between(300, 2000).all()
    assert t.satellites(at="2026-08-19T00:00:00Z", constellation="guowang").equals(frame)


def test_orbits_history_and_groups(t) -> None:
    history = t.history(62323)  # HULIANWANG DIGUI-01: one row per element set held
    assert history.height >= 5 and history["epoch"].is_sorted()
    groups = t.groups(constellation="qianfan")
    assert groups.height > 0 and set(groups["status"]) <= {"raising", "on-station", "lowering", "mixed", "unknown"}
    with pytest.raises(tracker.NotFound):
        t.history(1)


def test_dawn_dusk_without_a_catalogue_warns(t) -> None:
    with pytest.warns(UserWarning, match="active catalogue is not held"):
        assert isinstance(t.dawn_dusk(), pl.DataFrame)


def test_launches_and_one_launch(t) -> None:
    zq3 = t.launches(vehicle="ZQ-3")
    assert zq3.height >= 1 and set(zq3["vehicle"]) == {"Zhuque-3"}
    detail = t.launch(zq3["id"][0])
    assert detail.record["id"] == zq3["id"][0] and isinstance(detail.history, pl.DataFrame)
    with pytest.raises(tracker.NotFound):
        t.launch("no-such-launch")
    with pytest.raises(tracker.UsageError, match="--since"):
        t.launches(since="2026-01-01", until="2025-01-01")


def test_markets_link_and_summary(t) -> None:
    bars = t.bars("600118.SS")
    assert bars.height > 50 and set(bars["security"]) == {"XSHG:600118"}
    linked = t.link(filters={"booster-recovery": "attempted-failed"})
    assert linked.height > 0 and {"t0", "ret", "ar", "car_0_1"} <= set(linked.columns)
    summary = t.summary("booster-recovery")
    assert {"booster_recovery", "model", "window", "n_events", "n_pairs", "t_p", "kp_p", "note"} <= set(summary.columns)
    windows = t.summary("vehicle", car=[(-1, 1), (0, 5)], window="60:5")
    assert set(windows["window"]) == {"car_m1_1", "car_0_5"}
    assert {"car_m5_10", "car_mm_m5_10"} <= set(t.link(car="-5:10").columns)
    path = t.caar("booster-recovery", car=[(-2, 3)])
    assert path["tau"].unique().sort().to_list() == [-2, -1, 0, 1, 2, 3]
    assert {"caar", "se", "lo", "hi", "n_events"} <= set(path.columns)
    assert t.caar("vehicle", car=None)["tau"].unique().sort().to_list() == list(range(-5, 11))  # None: the default span
    # One launch's CAR path: its portfolio's last value is the summary's CAR over the same span.
    zhuque = t.car_path("2025-12-03-zhuque-3-y1")
    end = zhuque.filter(pl.col("tau") == 10)
    each = end.filter(pl.col("symbol").is_not_null())["car"]
    assert each.len() == 2 and end.filter(pl.col("symbol").is_null())["car"][0] == pytest.approx(each.mean())
    study = t.summary("vehicle", car="-5:10").filter((pl.col("vehicle") == "Zhuque-3") & (pl.col("model") == "market"))
    assert study["car_mean"][0] == pytest.approx(each.mean())
    with pytest.raises(tracker.NotFound):
        t.bars("XSHG:999999")


def test_export_link_writes_the_file_and_its_sidecar(t, tmp_path) -> None:
    path = t.export_link(tmp_path / "links.parquet")
    assert path.exists() and (tmp_path / "links.parquet.meta.json").exists()
    assert pl.read_parquet(path).height == t.link().height
    with pytest.raises(tracker.Refused):
        t.export_link(tmp_path / "links.parquet")


def test_refresh_returns_the_report(t) -> None:
    report = t.refresh(sources=["ll2"])  # LL2 is off in this environment: nothing is asked
    assert report.off == ["ll2"] and report.exit_code == 0
    with pytest.raises(tracker.UsageError):
        t.refresh(sources=["nosuch"])


def test_bad_settings_are_usage_errors() -> None:
    with pytest.raises(tracker.UsageError, match="TRACKER_LL2_URL"):
        tracker.open("/tmp/never-created.db", environ={"TRACKER_LL2_URL": "ftp://x"})


def test_the_readme_example_runs(t, tmp_path, monkeypatch) -> None:
    """The notebook example of the README, as written, against this module's database."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    example = readme.split("## Python API", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tracker, "open", lambda *args, **kwargs: t)
    with pytest.warns(UserWarning) as caught:
        exec(compile(example, "README.md", "exec"), {})  # noqa: S102 (our own README)
    # Only the API's own warnings: the garbage collector may report another test's unclosed
    # socket (ResourceWarning) while this block runs.
    said = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert any("active catalogue" in m for m in said)  # t.dawn_dusk(): this database holds none
    # t.passes() runs at the real now: months after the shared elements' epochs some no longer
    # propagate, which it says. Nothing else may warn.
    assert all("active catalogue" in m or m.startswith("not propagated: ") for m in said), said
    assert (tmp_path / "launches.parquet.meta.json").exists()
