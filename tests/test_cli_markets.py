"""``tracker markets`` and ``tracker link`` end to end, on the real bars of ../shared/data/prices.

Expected returns are computed here from the CSV file itself (plain arithmetic on its rows), never
by the code under test. Launch times are the bundled calendar's (from shared/facts/launches.csv).
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import Template, build_template, copy_database, run_in_process, run_tracker, shared_path

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 5


def closes(path: Path, symbol: str) -> dict[str, float]:
    """date -> close of one symbol in the long CSV, read with the csv module."""
    with open(path, newline="") as handle:
        return {r["date"]: float(r["close"]) for r in csv.DictReader(handle) if r["symbol"] == symbol}


PRICES = ("data", "prices", "daily-bars-2025-11-to-2026-04.csv")


@pytest.fixture(scope="module")
def priced_template(tmp_path_factory, backend) -> Template:
    """A database holding the bundled calendar and watchlist plus the real daily bars, imported
    once for the module by ``tracker markets import``."""
    def fill(engine):
        url = engine.url.render_as_string(hide_password=False)
        done = run_in_process("markets", "import", shared_path(*PRICES), env={"TRACKER_DB": url})
        assert done.returncode == EXIT_OK, done.stderr

    return build_template(tmp_path_factory, "priced", fill, backend)


@pytest.fixture
def priced(priced_template, tmp_path):
    """``tracker`` in this process on this test's copy of the priced database, and the bars file."""
    url = copy_database(priced_template, tmp_path)

    def run(*args):
        return run_in_process(*args, env={"TRACKER_DB": url})

    run.url = url
    return run, shared_path(*PRICES)


def in_a_real_process(run):
    """The same database as ``run``'s, through ``python -m tracker`` in a subprocess."""
    return lambda *args: run_tracker(*args, env={"TRACKER_DB": run.url})


def link_rows(run, *args) -> list[dict]:
    done = run("link", "--format", "json", *args)
    assert done.returncode == EXIT_OK, done.stderr
    return json.loads(done.stdout)


def test_zhuque3_booster_loss_during_the_shanghai_lunch_break(priced):
    run, prices = priced
    rows = link_rows(in_a_real_process(run), "--event-filter", "id=2025-12-03-zhuque-3-y1")  # smoke: a real process
    by_symbol = {r["symbol"]: r for r in rows}
    # Zhuque-3's themes (reusable-rockets, commercial-space, defense) reach these watchlist entries.
    assert {"600118.SS", "688523.SS", "512660.SS", "002050.SZ"} <= set(by_symbol)
    row = by_symbol["600118.SS"]
    # 04:00 UTC is 12:00 in Shanghai: the lunch break; that session's close can still react.
    assert (row["session_class"], row["t0"], row["ambiguous"]) == ("lunch-break", "2025-12-03", False)
    sat, csi = closes(prices, "600118.SS"), closes(prices, "000300.SS")
    ret = sat["2025-12-03"] / sat["2025-12-02"] - 1
    bench = csi["2025-12-03"] / csi["2025-12-02"] - 1
    assert row["prev_close"] == sat["2025-12-02"] and row["close"] == sat["2025-12-03"]
    assert row["ret"] == pytest.approx(ret, abs=1e-12)
    assert row["bench_ret"] == pytest.approx(bench, abs=1e-12)
    assert row["ar"] == pytest.approx(ret - bench, abs=1e-12)
    days = ["2025-12-03", "2025-12-04"]
    prev = {"2025-12-03": "2025-12-02", "2025-12-04": "2025-12-03"}
    car = sum(sat[d] / sat[prev[d]] - csi[d] / csi[prev[d]] for d in days)
    assert row["car_0_1"] == pytest.approx(car, abs=1e-12)
    # About 20 sessions of bars precede t0: too few for the 120-session market model.
    assert row["ar_mm"] is None and row["alpha"] is None and row["n_est"] < 30
    # No bars at all for the ETF: nothing is computed and nothing is zero.
    etf = by_symbol["512660.SS"]
    assert etf["no_trade"] is True and etf["ret"] is None and etf["ar"] is None


def test_star_market_limit_up_flag_on_real_bars(priced):
    run, prices = priced
    # A launch recorded by hand on the morning of 2026-01-06 (10:00 Shanghai), linked to 688523:
    # that day Hangtian Huanyu closed at its 20% STAR-market limit (74.63).
    added = run("launches", "add", "--vehicle", "Zhuque-2E", "--net", "2026-01-06T02:00Z", "--status", "success",
                "--orbit-outcome", "success", "--mission", "test launch for the limit flag")
    assert added.returncode == EXIT_OK, added.stderr
    rows = link_rows(run, "--symbols", "688523.SS,600118.SS", "--since", "2026-01-06", "--until", "2026-01-07")
    by_symbol = {r["symbol"]: r for r in rows}
    star = by_symbol["688523.SS"]
    prev = closes(prices, "688523.SS")["2026-01-05"]
    assert (star["session_class"], star["t0"], star["close"]) == ("morning", "2026-01-06", 74.63)
    assert round(prev * 1.2 + 1e-9, 2) == 74.63
    assert star["limit_up"] is True and star["limit_down"] is False
    assert star["no_trade"] is False  # the source's volume is missing, but a bar exists
    assert by_symbol["600118.SS"]["limit_up"] is False


def test_market_model_with_a_short_window_matches_numpy(priced):
    np = pytest.importorskip("numpy")
    run, prices = priced
    rows = link_rows(run, "--event-filter", "id=2026-03-12-long-march-8a-y8", "--symbols", "600118.SS", "--window", "40:5")
    row = rows[0]
    sat, csi = closes(prices, "600118.SS"), closes(prices, "000300.SS")
    days = sorted(set(sat) & set(csi))
    i0 = days.index(row["t0"])
    window = days[i0 - 5 - 40 + 1 : i0 - 5 + 1]  # 40 sessions, the last one 5 sessions before t0
    r = [sat[d] / sat[days[days.index(d) - 1]] - 1 for d in window]
    m = [csi[d] / csi[days[days.index(d) - 1]] - 1 for d in window]
    beta, alpha = np.polyfit(m, r, 1)
    assert row["n_est"] == 40
    assert row["beta"] == pytest.approx(beta, rel=1e-9) and row["alpha"] == pytest.approx(alpha, abs=1e-12)
    assert row["ar_mm"] == pytest.approx(row["ret"] - (alpha + beta * row["bench_ret"]), abs=1e-12)


def test_output_refuses_to_overwrite_and_records_its_parameters(priced, tmp_path):
    run, _ = priced
    out = tmp_path / "link.csv"
    first = run("link", "--format", "csv", "--output", out, "--event-filter", "booster-recovery=attempted-failed")
    assert first.returncode == EXIT_OK, first.stderr
    meta = json.loads((tmp_path / "link.csv.meta.json").read_text())
    assert meta["parameters"]["filters"] == {"booster-recovery": "attempted-failed"}
    assert meta["rows"] == len(out.read_text().splitlines()) - 1
    again = run("link", "--format", "csv", "--output", out)
    assert again.returncode == EXIT_ERROR and "--force" in again.stderr
    forced = run("link", "--format", "parquet", "--output", tmp_path / "x.parquet", "--force")
    assert forced.returncode == EXIT_OK, forced.stderr
    stored = json.loads(pl.read_parquet_metadata(tmp_path / "x.parquet")["tracker"])
    assert stored["parameters"]["estimation_window_sessions"] == 120
    frame = pl.read_parquet(tmp_path / "x.parquet")
    assert {"event_id", "t0", "car_0_5", "limit_up", "no_trade"} <= set(frame.columns)
    assert frame["t0"].dtype == pl.Date


def test_summary_by_booster_recovery_counts_each_class(priced):
    run, _ = priced
    done = run("link", "summary", "--by", "booster-recovery", "--format", "json")
    assert done.returncode == EXIT_OK, done.stderr
    rows = json.loads(done.stdout)
    lost = {(r["model"], r["window"]): r for r in rows if r["booster_recovery"] == "attempted-failed"}
    # Zhuque-3 Y1 and Long March 12A Y1 have bars: two events, each two securities, too few for tests.
    row = lost[("market", "car_0_1")]
    assert (row["n_events"], row["n_pairs"]) == (2, 4)
    assert row["t"] is None and row["patell_p"] is None and "at least 3" in row["note"]
    assert {w for _, w in lost} == {"car_0_1", "car_m1_1", "car_0_5"}
    many = [r for r in rows if r["booster_recovery"] == "not-attempted" and r["model"] == "market"]
    assert all(r["n_events"] >= 3 and r["t_p"] is not None and 0 <= r["corrado_p"] <= 1 for r in many)


def test_any_car_windows_with_the_equals_form(priced):
    run, _ = priced
    rows = link_rows(run, "--car=-1:1,0:5,-5:10", "--event-filter", "vehicle=Zhuque-3")
    assert {"car_m1_1", "car_0_5", "car_m5_10", "car_mm_m1_1", "car_mm_0_5", "car_mm_m5_10"} <= set(rows[0])
    assert "car_0_1" not in rows[0]
    # A long window reads bars far enough past the last event (40 sessions: about two months).
    long = {r["symbol"]: r for r in link_rows(run, "--car=0:40", "--event-filter", "vehicle=Zhuque-3")}
    assert long["600118.SS"]["car_0_40"] is not None and long["688523.SS"]["car_mm_0_40"] is None  # no market model: 13 sessions
    done = run("link", "summary", "--by", "vehicle", "--car=-5:10", "--format", "json")
    assert done.returncode == EXIT_OK, done.stderr
    assert {r["window"] for r in json.loads(done.stdout)} == {"car_m5_10"}
    assert run("link", "--car=-12:1").returncode == EXIT_USAGE  # inside the estimation gap of 10
    assert run("link", "--car=2:1").returncode == EXIT_USAGE


def test_csv_export_loads_typed_newest_first(priced, tmp_path):
    run, _ = priced
    out = tmp_path / "link.csv"
    done = run("link", "--format", "csv", "--output", out)
    assert done.returncode == EXIT_OK, done.stderr
    numeric = ["prev_close", "close", "ret", "bench_ret", "ar", "ar_mm", "alpha", "beta", "car_0_1", "car_m1_1",
               "car_0_5", "car_mm_0_1", "car_mm_m1_1", "car_mm_0_5"]
    frame = pl.read_csv(out)  # the defaults: types inferred from the first 100 rows
    assert all(frame.schema[c] == pl.Float64 for c in numeric), frame.schema
    measured = frame.filter(pl.col("ret").is_not_null())
    assert 0 < measured.height < frame.height and frame.head(measured.height)["ret"].null_count() == 0  # measured first
    times = measured["net_utc"].to_list()
    assert times == sorted(times, reverse=True) and times[0] > times[-1]  # newest event first
    meta = json.loads((tmp_path / "link.csv.meta.json").read_text())
    assert meta["columns"]["car_0_5"] == "Float64" and meta["parameters"]["car_windows"] == ["0:1", "-1:1", "0:5"]
    pandas = pytest.importorskip("pandas")
    table = pandas.read_csv(out)
    assert all(pandas.api.types.is_float_dtype(table[c]) for c in numeric)


def test_plot_writes_png_and_svg_and_refuses_other_files(priced, tmp_path):
    pytest.importorskip("matplotlib")
    run, _ = priced
    png, svg = tmp_path / "caar.png", tmp_path / "caar.svg"
    done = run("link", "plot", "--by", "booster-recovery", "--output", png)
    assert done.returncode == EXIT_OK, done.stderr
    assert png.read_bytes().startswith(b"\x89PNG") and "caar.png" in done.stdout
    assert re.search(r"wrote the CAAR of \d+ class(es)? to ", done.stdout), done.stdout  # counted by the service
    done = run("link", "plot", "--by", "vehicle", "--output", svg, "--car=-3:5", "--model", "market-model")
    assert done.returncode == EXIT_OK, done.stderr
    assert "<svg" in svg.read_text()
    assert run("link", "plot", "--by", "vehicle", "--output", png).returncode == EXIT_ERROR  # exists: --force
    assert run("link", "plot", "--by", "vehicle", "--output", png, "--force").returncode == EXIT_OK
    assert run("link", "plot", "--by", "vehicle", "--output", tmp_path / "caar.pdf").returncode == EXIT_USAGE


def test_bad_filters_and_windows_are_usage_errors(priced):
    run, _ = priced
    assert run("link", "--event-filter", "colour=red").returncode == EXIT_USAGE
    assert run("link", "--window", "abc").returncode == EXIT_USAGE
    unknown = run("link", "--symbols", "600000.SS")
    assert unknown.returncode == EXIT_ERROR and "tracker markets add" in unknown.stderr


def test_reimport_changes_nothing_and_a_contradicting_file_is_reported(priced, tmp_path):
    run, prices = priced
    again = run("markets", "import", prices)
    assert again.returncode == EXIT_OK and "imported 0 new bars" in again.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("date,symbol,open,high,low,close,volume\n2025-11-03,600118.SS,42.96,45.47,42.11,45.0,84218339\n")
    done = run("markets", "import", bad)
    assert done.returncode == EXIT_PARTIAL
    assert "2025-11-03" in done.stderr and "44.9 held, 45.0 new" in done.stderr


def test_broker_export_with_a_wrong_column_is_noticed(priced):
    run, _ = priced
    broker = shared_path("data", "prices", "broker-export", "600118.csv")
    done = in_a_real_process(run)("markets", "import", broker)  # smoke: a real process, its stderr in UTF-8
    assert done.returncode == EXIT_OK, done.stderr
    assert "前收盘价" in done.stderr and "imported 0 new bars" in done.stdout  # same bars as the long file


def test_malformed_file_imports_nothing(cli, tmp_path):
    good = tmp_path / "a.csv"
    good.write_text("date,symbol,open,high,low,close,volume\n2026-01-05,600118.SS,10,11,9,10.5,100\n")
    bad = tmp_path / "b.csv"
    bad.write_text("date,symbol,open,high,low,close,volume\n2026-01-05,600118.SS,10,11,9,abc,100\n")
    done = cli("markets", "import", good, bad)
    assert done.returncode == EXIT_ERROR and "b.csv" in done.stderr and "line 2" in done.stderr
    assert "nothing was imported" in done.stderr
    listed = cli("markets", "bars", "600118.SS", "--format", "json")
    assert json.loads(listed.stdout) == []


def test_unknown_security_needs_add_or_add_missing(cli, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("date,symbol,open,high,low,close,volume\n2026-01-05,600000.SS,10,11,9,10.5,100\n")
    refused = cli("markets", "import", path)
    assert refused.returncode == EXIT_ERROR and "XSHG:600000" in refused.stderr
    assert cli("markets", "import", path, "--add-missing").returncode == EXIT_OK


def test_add_update_and_rules(cli):
    added = cli("markets", "add", "300750.SZ", "--name", "CATL", "--themes", "space-solar")
    assert added.returncode == EXIT_OK, added.stderr
    assert cli("markets", "add", "300750.SZ", "--name", "CATL").returncode == EXIT_ERROR
    assert cli("markets", "update", "XSHE:300750", "--limit", "5", "--name-zh", "宁德时代").returncode == EXIT_OK
    listed = {r["security"]: r for r in json.loads(cli("markets", "list", "--format", "json").stdout)}
    assert listed["XSHE:300750"]["limit_pct"] == 5.0 and listed["XSHE:300750"]["board"] == "ChiNext"
    assert listed["XSHE:300750"]["name_zh"] == "宁德时代"
    assert cli("markets", "rules", "add", "vehicle", "Gravity-1", "space-solar").returncode == EXIT_OK
    spelled = cli("markets", "rules", "add", "vehicle", "cz-12a", "space-solar")
    assert spelled.returncode == EXIT_OK and "vehicle=Long March 12A -> space-solar" in spelled.stdout
    unknown = cli("markets", "rules", "add", "vehicle", "Nope-9", "space-solar")
    assert unknown.returncode == EXIT_ERROR and "unknown vehicle 'Nope-9'" in unknown.stderr
    rules = json.loads(cli("markets", "rules", "list", "--format", "json").stdout)
    bundled = next(r for r in rules if r["origin"] == "bundled")
    assert cli("markets", "rules", "remove", str(bundled["id"])).returncode == EXIT_OK
    after = {r["id"]: r for r in json.loads(cli("markets", "rules", "list", "--format", "json").stdout)}
    assert after[bundled["id"]]["enabled"] is False  # kept, disabled: seeding will not add it back
    again = cli("markets", "rules", "add", bundled["kind"], bundled["value"], bundled["theme"])
    assert again.returncode == EXIT_OK and f"enabled bundled rule {bundled['id']} again" in again.stdout


def test_events_can_be_placed_at_the_announcement(priced):
    run, prices = priced
    # Zhuque-3 flew during the lunch break; say its booster loss was announced after the close.
    done = run("launches", "update", "2025-12-03-zhuque-3-y1", "--announced", "2025-12-03T08:30:00Z")
    assert done.returncode == EXIT_OK, done.stderr
    rows = link_rows(run, "--event-filter", "id=2025-12-03-zhuque-3-y1", "--symbols", "600118.SS", "--at", "announced")
    row = rows[0]
    assert (row["event_time"], row["session_class"], row["t0"]) == ("2025-12-03T08:30:00Z", "after-close", "2025-12-04")
    sat = closes(prices, "600118.SS")
    assert row["ret"] == pytest.approx(sat["2025-12-04"] / sat["2025-12-03"] - 1, abs=1e-12)


def test_registry_edits_that_say_nothing_or_nonsense_are_refused(cli):
    assert cli("markets", "update", "600118.SS").returncode == EXIT_USAGE
    assert cli("markets", "update", "600118.SS", "--limit", "150").returncode == EXIT_USAGE
    assert cli("markets", "update", "600000.SS", "--name", "x").returncode == EXIT_ERROR
    for bad in ("XSHG:", "XXXX:1", "^NOPE"):
        refused = cli("markets", "add", bad, "--name", "x")
        assert refused.returncode == EXIT_ERROR and "Traceback" not in refused.stderr, refused.stderr
    assert cli("markets", "add", "510050.SS", "--name", "50 ETF", "--limit", "0").returncode == EXIT_OK
    assert cli("markets", "update", "600118.SS", "--limit", "0").returncode == EXIT_OK
    listed = {r["security"]: r for r in json.loads(cli("markets", "list", "--format", "json").stdout)}
    assert listed["XSHG:510050"]["limit_pct"] is None and listed["XSHG:600118"]["limit_pct"] is None
    empty = cli("markets", "bars", "600118.SS")
    assert empty.returncode == EXIT_OK and "tracker markets import" in empty.stderr


def test_plot_without_bars_is_an_error_and_writes_nothing(cli, tmp_path):
    pytest.importorskip("matplotlib")
    result = cli("link", "plot", "--by", "vehicle", "--output", tmp_path / "c.png")
    assert result.returncode == 1 and "nothing to plot" in result.stderr and not (tmp_path / "c.png").exists()


def test_summary_without_bars_is_a_one_line_error_like_plot(cli):
    result = cli("link", "summary", "--by", "vehicle")
    assert result.returncode == EXIT_ERROR and result.stdout == "", result
    assert result.stderr.startswith("tracker: error: nothing to summarise: no linked launch has bars around t0")
    assert len(result.stderr.splitlines()) == 1, result.stderr
