"""The market and link services in-process: the domain rules and the error classes they raise.

Bar files here are SYNTHETIC (written by the tests, labelled), not market data.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import polars as pl
import pytest

from tracker.errors import BadInput, ExitCode, NotFound, Refused, UsageError
from tracker.markets.link import LinkParams
from tracker.services import link as links
from tracker.services import markets
from tracker.services.bootstrap import open_database

HEADER = "date,symbol,open,high,low,close,volume\n"


@pytest.fixture
def engine(db_url):
    return open_database(db_url)


def bar_file(path: Path, *rows: str) -> Path:
    """A long-format bar file of synthetic rows (not market data)."""
    path.write_text(HEADER + "".join(r + "\n" for r in rows))
    return path


def listed(engine, security: str) -> dict:
    return markets.securities(engine).filter(pl.col("security") == security).row(0, named=True)


def rule_rows(engine) -> dict[int, dict]:
    return {r["id"]: r for r in markets.theme_rules(engine).iter_rows(named=True)}


# -- the registry ----------------------------------------------------------------------------------


def test_resolve_any_spelling_and_unknown_is_not_found_saying_how_to_add(engine):
    assert markets.resolve(engine, "600118.SS") == "XSHG:600118"
    with engine.connect() as conn:  # inside a caller's connection too
        assert markets.resolve(conn, "1.600118") == "XSHG:600118"
    with pytest.raises(NotFound, match="tracker markets add") as caught:
        markets.resolve(engine, "600000.SS")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("typed", "security"),
    [("600118", "XSHG:600118"), ("sh600118", "XSHG:600118"), ("SH600118", "XSHG:600118"), ("600118.SH", "XSHG:600118"),
     ("600118.SS", "XSHG:600118"), ("XSHG:600118", "XSHG:600118"), ("0941.HK", "XHKG:0941"), ("00941", "XHKG:0941"),
     ("hk00941", "XHKG:0941"), ("JKS", "XNYS:JKS"), ("000300", "XSHG:000300")],
)
def test_tickers_as_people_type_them(engine, typed, security):
    assert markets.resolve(engine, typed) == security


def test_an_ambiguous_bare_code_resolves_only_when_one_is_registered(engine):
    assert markets.resolve(engine, "000300") == "XSHG:000300"  # the CSI 300 index; no Shenzhen 000300 held
    markets.add_security(engine, "XSHE:000300", name="A Shenzhen code (synthetic)")
    with pytest.raises(NotFound, match="--symbol XSHE:000300") as caught:
        markets.resolve(engine, "000300")
    assert "XSHG:000300" in str(caught.value)
    assert markets.bars(engine, "000300.SZ").is_empty()  # a suffix is never ambiguous


def test_broker_export_named_by_an_ambiguous_code(engine, tmp_path):
    broker = tmp_path / "000300.csv"  # the header of the real broker export, one synthetic row
    broker.write_text("日期,开盘价,最高价,最低价,收盘价,成交量（股）\n2025-11-03,10,11,9,10.5,100\n")
    done = markets.import_bars(engine, [broker])  # only XSHG:000300 is registered: that one
    assert done.new == 1 and "read as XSHG:000300" in done.warnings[0]
    markets.add_security(engine, "XSHE:000300", name="A Shenzhen code (synthetic)")
    with pytest.raises(BadInput, match="--symbol") as caught:
        markets.import_bars(engine, [broker])
    assert "nothing was imported" in str(caught.value)
    assert markets.import_bars(engine, [broker], symbol="sz000300").new == 1


def test_import_a_directory_all_or_nothing(engine, tmp_path):
    folder = tmp_path / "prices"
    (folder / "more").mkdir(parents=True)
    bar_file(folder / "a.csv", "2026-01-05,600118.SS,10,11,9,10.5,100")
    bar_file(folder / "more" / "b.csv", "2026-01-05,688523.SS,10,11,9,10.5,100")
    (folder / "notes.md").write_text("not a price file")
    done = markets.import_bars(engine, [folder])
    assert done.new == 2 and [p.name for p in done.files] == ["a.csv", "b.csv"]
    bar_file(folder / "c.csv", "2026-01-06,600118.SS,10,11,9,abc,100")
    bar_file(folder / "more" / "d.csv", "2026-01-07,600118.SS,10,11,9,10.5,100")
    with pytest.raises(BadInput, match="c.csv.*nothing was imported"):
        markets.import_bars(engine, [folder])
    assert markets.bars(engine, "600118").height == 1
    (tmp_path / "empty").mkdir()
    with pytest.raises(BadInput, match="no price files"):
        markets.import_bars(engine, [tmp_path / "empty"])
    with pytest.raises(BadInput, match="no such file"):
        markets.import_bars(engine, [tmp_path / "nothing-here"])


def test_securities_lists_the_registry_with_bars_held(engine):
    frame = markets.securities(engine)
    assert tuple(frame.columns) == markets.LIST_COLUMNS
    assert frame["bars"].to_list() == [0] * frame.height  # a fresh database holds no bars
    assert frame.schema["themes"] == pl.List(pl.Utf8)


def test_add_derives_defaults_and_parses_themes_limit_and_benchmark(engine):
    ident = markets.add_security(engine, "300750.SZ", name=" CATL ", themes="space-solar, batteries,space-solar", benchmark="^HSI")
    assert ident == "XSHE:300750"
    row = listed(engine, ident)
    assert (row["name_en"], row["board"], row["limit_pct"], row["currency"]) == ("CATL", "ChiNext", 20.0, "CNY")
    assert row["themes"] == ["batteries", "space-solar"] and row["benchmark"] == "XHKG:HSI"
    assert markets.add_security(engine, "JKS2", name="x", mic="XNAS", themes=["b", "a"]) == "XNAS:JKS2"
    assert listed(engine, "XNAS:JKS2")["themes"] == ["a", "b"]


def test_limit_zero_means_no_limit_and_out_of_range_is_a_usage_error(engine):
    markets.add_security(engine, "510050.SS", name="50 ETF", limit_pct=0)
    assert listed(engine, "XSHG:510050")["limit_pct"] is None
    assert markets.update_security(engine, "600118.SS", limit_pct=0) == ("XSHG:600118", ["limit_pct"])
    assert listed(engine, "XSHG:600118")["limit_pct"] is None
    for bad in (-1, 100, 150):
        with pytest.raises(UsageError, match="--limit"):
            markets.update_security(engine, "600118.SS", limit_pct=bad)


def test_registry_refusals_are_the_right_classes(engine):
    with pytest.raises(Refused, match="tracker markets update XSHG:600118"):
        markets.add_security(engine, "600118.SS", name="again")
    for bad in ("XSHG:", "XXXX:1", "^NOPE"):
        with pytest.raises(NotFound):
            markets.add_security(engine, bad, name="x")
    with pytest.raises(NotFound):
        markets.add_security(engine, "300750.SZ", name="CATL", benchmark="nope.SS")
    with pytest.raises(UsageError):
        markets.add_security(engine, "JKS2", name="x", mic="XHKG")
    with pytest.raises(UsageError, match="--name"):
        markets.add_security(engine, "300750.SZ", name="  ")
    with pytest.raises(UsageError, match="nothing to change"):
        markets.update_security(engine, "600118.SS")
    with pytest.raises(UsageError, match="colour"):
        markets.update_security(engine, "600118.SS", colour="red")  # type: ignore[call-arg]
    with pytest.raises(NotFound):
        markets.update_security(engine, "600000.SS", name="x")
    # Nothing of the refused calls was written.
    assert "XSHE:300750" not in set(markets.securities(engine)["security"])


def test_update_names_the_columns_it_changed(engine):
    ident, changed = markets.update_security(engine, "XSHG:600118", name="China Satellite", name_zh="中国卫星", notes=None)
    assert (ident, changed) == ("XSHG:600118", ["name_en", "name_zh"])
    assert listed(engine, ident)["name_zh"] == "中国卫星"


# -- theme rules -----------------------------------------------------------------------------------


def test_removing_a_bundled_rule_disables_it_and_adding_it_enables_it_again(engine):
    bundled = next(r for r in rule_rows(engine).values() if r["origin"] == "bundled")
    assert markets.remove_theme_rule(engine, bundled["id"]) == "disabled"
    assert rule_rows(engine)[bundled["id"]]["enabled"] is False  # kept: seeding will not add it back
    again = markets.add_theme_rule(engine, bundled["kind"], bundled["value"], bundled["theme"])
    assert (again.id, again.status, again.origin) == (bundled["id"], "enabled", "bundled")
    assert rule_rows(engine)[bundled["id"]]["enabled"] is True


def test_a_persons_rule_is_removed_and_unknown_ids_are_not_found(engine):
    rule = markets.add_theme_rule(engine, "mission", "*data centre*", "space-computing")
    assert (rule.status, rule.origin) == ("added", "user")
    assert markets.remove_theme_rule(engine, rule.id) == "removed"
    assert rule.id not in rule_rows(engine)
    with pytest.raises(NotFound, match="no rule with id"):
        markets.remove_theme_rule(engine, rule.id)


def test_rule_values_are_normalised_per_kind_and_duplicates_refused(engine):
    assert markets.add_theme_rule(engine, "vehicle", "cz-12a", "space-solar").value == "Long March 12A"
    assert markets.add_theme_rule(engine, "constellation", "GuoWang", "space-solar").value == "guowang"
    assert markets.add_theme_rule(engine, "launch", "My-Launch-ID", "space-solar").value == "My-Launch-ID"
    with pytest.raises(Refused, match="exists already"):
        markets.add_theme_rule(engine, "vehicle", "LM-12A", "space-solar")  # another spelling, same rule
    with pytest.raises(NotFound, match="unknown vehicle 'Nope-9'"):
        markets.add_theme_rule(engine, "vehicle", "Nope-9", "space-solar")
    with pytest.raises(UsageError):
        markets.add_theme_rule(engine, "colour", "red", "space-solar")
    with pytest.raises(UsageError):
        markets.add_theme_rule(engine, "mission", " ", "space-solar")


# -- daily bars ------------------------------------------------------------------------------------


def test_import_is_all_files_or_none(engine, tmp_path):
    good = bar_file(tmp_path / "a.csv", "2026-01-05,600118.SS,10,11,9,10.5,100")
    bad = bar_file(tmp_path / "b.csv", "2026-01-05,600118.SS,10,11,9,abc,100")
    with pytest.raises(BadInput, match="nothing was imported") as caught:
        markets.import_bars(engine, [good, bad])
    assert "b.csv" in str(caught.value) and "line 2" in str(caught.value)
    with pytest.raises(BadInput, match="missing.csv"):
        markets.import_bars(engine, [good, tmp_path / "missing.csv"])
    assert markets.bars(engine, "600118.SS").is_empty()


def test_unregistered_securities_are_refused_or_registered(engine, tmp_path):
    path = bar_file(tmp_path / "a.csv", "2026-01-05,600000.SS,10,11,9,10.5,100")
    with pytest.raises(NotFound, match="--add-missing"):
        markets.import_bars(engine, [path])
    report = markets.import_bars(engine, [path], add_missing=True)
    assert (report.registered, report.new, report.partial) == (["XSHG:600000"], 1, False)
    assert listed(engine, "XSHG:600000")["name_en"] == "600000"


def test_contradicting_bars_make_the_import_partial_unless_replaced(engine, tmp_path):
    first = bar_file(tmp_path / "a.csv", "2026-01-05,600118.SS,10,11,9,10.5,100", "2026-01-06,600118.SS,10,11,9,10.6,100")
    assert markets.import_bars(engine, [first]).new == 2
    other = bar_file(tmp_path / "b.csv", "2026-01-05,600118.SS,10,11,9,10.4,100", "2026-01-07,600118.SS,10,11,9,10.7,100")
    report = markets.import_bars(engine, [other])
    assert (report.new, report.unchanged, report.partial, report.exit_code) == (1, 0, True, ExitCode.PARTIAL)
    assert len(report.conflicts) == 1 and "2026-01-05" in report.conflicts[0]
    assert markets.bars(engine, "600118.SS", "2026-01-05", "2026-01-05")["close"].to_list() == [10.5]  # kept
    replaced = markets.import_bars(engine, [other], replace=True)
    assert (replaced.replaced, replaced.partial, replaced.exit_code) == (1, False, ExitCode.OK)
    assert markets.bars(engine, "XSHG:600118", date(2026, 1, 5), date(2026, 1, 5))["close"].to_list() == [10.4]


def test_per_symbol_files_take_the_symbol_in_any_spelling(engine, tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text("Date,Open,High,Low,Close,Volume\n2026-01-05,10,11,9,10.5,100\n")
    with pytest.raises(BadInput, match="names no security"):
        markets.import_bars(engine, [path])
    with pytest.raises(NotFound):
        markets.import_bars(engine, [path], symbol="nope.SS")
    assert markets.import_bars(engine, [path], symbol="1.600118").new == 1


def test_bars_ranges_are_inclusive_and_reversed_ones_usage_errors(engine, tmp_path):
    markets.import_bars(engine, [bar_file(tmp_path / "a.csv", "2026-01-05,600118.SS,10,11,9,10.5,100")])
    assert markets.bars(engine, "600118.SS", "2026-01-05", "2026-01-05").height == 1
    with pytest.raises(UsageError, match="2026-01-06.*2026-01-05"):
        markets.bars(engine, "600118.SS", "2026-01-06", "2026-01-05")
    with pytest.raises(UsageError, match="--since"):
        markets.bars(engine, "600118.SS", "yesterday")
    with pytest.raises(NotFound):
        markets.bars(engine, "600000.SS")


# -- link ------------------------------------------------------------------------------------------


def test_link_parameters_are_validated_naming_the_option():
    with pytest.raises(UsageError, match="--since 2026-02-01 is not before --until 2026-01-01"):
        links.parameters(since="2026-02-01", until="2026-01-01")
    for bad in ("abc", "1:10", "120:0", (120, 0)):
        with pytest.raises(UsageError, match="--window"):
            links.parameters(window=bad)
    with pytest.raises(UsageError, match="--event-filter"):
        links.parameters(filters={"colour": "red"})
    with pytest.raises(UsageError, match="--event-filter"):
        links.parse_filters(["vehicle"])
    with pytest.raises(UsageError, match="--at"):
        links.parameters(at="launch")


def test_link_parameters_spell_vehicles_and_default_the_gap():
    params = links.parameters(
        filters=links.parse_filters(["vehicle=cz-12a", "provider=LandSpace"]), since=date(2026, 1, 1), symbols="600118.SS, 0941.HK",
        window="40",
    )
    assert params.filters == {"vehicle": "Long March 12A", "provider": "LandSpace"}
    assert params.since == datetime(2026, 1, 1, tzinfo=timezone.utc) and params.until is None
    assert (params.symbols, params.est_len, params.gap, params.min_est) == (("600118.SS", "0941.HK"), 40, 10, 30)
    assert links.parameters(window=(20, 5)).min_est == 20


def test_link_errors_before_any_work(engine):
    with pytest.raises(NotFound, match="tracker markets add"):
        links.link(engine, symbols=["600000.SS"])
    with pytest.raises(UsageError, match="--by"):
        links.summary(engine, "colour")
    with pytest.raises(UsageError):
        links.link(engine, since="2026-02-01", until="2026-02-01")


def test_a_summary_without_bars_around_any_launch_is_not_found(engine):
    """The bundled calendar and watchlist without bars: no pair has a CAR, so there is nothing to
    summarise (not a table of every class with 0 events); the same for a selection of no launch."""
    with pytest.raises(NotFound, match=r"^nothing to summarise: no linked launch has bars around t0"):
        links.summary(engine, "vehicle")
    with pytest.raises(NotFound, match="nothing to summarise"):
        links.summary(engine, "booster-recovery", filters={"id": "no-such-launch"})


def synthetic_pairs() -> pl.DataFrame:
    """Two made-up export rows (not market data)."""
    return pl.DataFrame({"event_id": ["a", "b"], "t0": [date(2026, 1, 5), None], "ar": [0.01, None]})


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_export_writes_the_file_and_its_sidecar(tmp_path, fmt):
    params = LinkParams(filters={"booster-recovery": "attempted-failed"}, est_len=40, gap=5, min_est=30)
    path = links.export(synthetic_pairs(), params, tmp_path / f"x.{fmt}", fmt)
    meta = json.loads((tmp_path / f"x.{fmt}.meta.json").read_text())
    assert (meta["rows"], meta["format"]) == (2, fmt)
    assert meta["parameters"]["filters"] == {"booster-recovery": "attempted-failed"}
    assert meta["parameters"]["estimation_window_sessions"] == 40 and "ar = ret - bench_ret" in meta["definitions"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, f"{path.name}.meta.json"])  # no .part left
    if fmt == "parquet":
        assert json.loads(pl.read_parquet_metadata(path)["tracker"]) == meta
        assert pl.read_parquet(path).equals(synthetic_pairs())
    elif fmt == "csv":
        assert path.read_text().splitlines()[0] == "event_id,t0,ar"


def test_export_refuses_to_overwrite_without_force(tmp_path):
    path = tmp_path / "x.csv"
    links.export(synthetic_pairs(), LinkParams(), path, "csv")
    before = path.read_text()
    with pytest.raises(Refused, match="--force"):
        links.export(synthetic_pairs().head(1), LinkParams(), path, "csv")
    assert path.read_text() == before
    (tmp_path / "y.csv.meta.json").write_text("{}")  # a sidecar alone is not clobbered either
    with pytest.raises(Refused, match="y.csv.meta.json"):
        links.export(synthetic_pairs(), LinkParams(), tmp_path / "y.csv", "csv")
    links.export(synthetic_pairs().head(1), LinkParams(), path, "csv", force=True)
    assert len(path.read_text().splitlines()) == 2
    with pytest.raises(BadInput, match="cannot write"):
        links.export(synthetic_pairs(), LinkParams(), tmp_path / "no-such-dir" / "x.csv", "csv")
    with pytest.raises(UsageError, match="--format"):
        links.export(synthetic_pairs(), LinkParams(), tmp_path / "z.xlsx", "xlsx")


def test_a_dividends_file_stores_factors_on_the_held_bars(engine, tmp_path):
    folder = tmp_path / "prices"
    folder.mkdir()
    bar_file(folder / "a.csv", "2026-01-05,600118.SS,10,10,10,10.0,100", "2026-01-06,600118.SS,9.5,9.5,9.5,9.5,100",
             "2026-01-07,600118.SS,9.6,9.6,9.6,9.6,100")
    # SYNTHETIC: 0.5 cash goes ex on 01-06; 01-09 has no bar; a bare code and an absent split column.
    (folder / "z-dividends.csv").write_text("date,symbol,dividend\n2026-01-06,600118,0.5\n2026-01-09,600118,0.1\n")
    done = markets.import_bars(engine, [folder])
    assert (done.new, done.factors) == (3, 1)
    assert "1 ex-date without a held bar" in " ".join(done.warnings) and "XSHG:600118 2026-01-09" in " ".join(done.warnings)
    with engine.connect() as conn:
        from tracker.markets import bars

        held = bars.read(conn, ["XSHG:600118"], fields=("close", "adj"))
    assert held["adj"].to_list() == [None, pytest.approx(10 / 9.5), None]
    (folder / "z-dividends.csv").write_text("date,symbol,dividend,split\n2026-01-06,600118,-1,\n")
    with pytest.raises(BadInput, match="z-dividends.csv line 2, field dividend: not a cash amount"):
        markets.import_bars(engine, [folder])


def test_an_ex_date_after_a_long_suspension_takes_the_last_close_held_however_old(engine, tmp_path):
    folder = tmp_path / "prices"
    folder.mkdir()
    # SYNTHETIC: the last bar before a suspension of about nine months (an A-share may stay
    # suspended that long); trading resumes on the ex-date of a 0.5 cash dividend and a 10-for-10 split.
    bar_file(folder / "a.csv", "2025-03-03,600118.SS,10,10,10,10.0,100", "2025-12-01,600118.SS,4.75,4.75,4.75,4.75,100",
             "2025-12-02,600118.SS,4.8,4.8,4.8,4.8,100")
    (folder / "z-dividends.csv").write_text("date,symbol,dividend,split\n2025-12-01,600118,0.5,2\n")
    done = markets.import_bars(engine, [folder])
    assert (done.new, done.factors) == (3, 1)
    assert not [w for w in done.warnings if "ex-date" in w], done.warnings
    with engine.connect() as conn:
        from tracker.markets import bars

        held = bars.read(conn, ["XSHG:600118"], fields=("close", "adj"))
    assert held["adj"].to_list() == [None, pytest.approx(2 * 10 / 9.5), None]


def test_an_event_study_too_large_to_hold_is_refused_saying_how_to_narrow_it(engine, monkeypatch):
    import tracker.markets.link as linking

    monkeypatch.setattr(linking, "PANEL_ROWS", 10)
    with pytest.raises(Refused, match="too many pairs for the event study.*--event-filter"):
        links.summary(engine, "vehicle")


def test_the_span_of_a_link_runs_from_the_first_car_offset_to_the_last():
    assert LinkParams(windows=((0, 1), (-3, 2), (1, 7))).span == (-3, 7)
    assert LinkParams().span == (-1, 5)  # the default windows 0:1, -1:1, 0:5


def test_a_bad_class_or_model_is_a_usage_error_naming_the_option(engine, tmp_path):
    for call in (lambda: links.summary(engine, "colour"), lambda: links.caar(engine, "colour"),
                 lambda: links.plot(engine, "colour", tmp_path / "x.png")):
        with pytest.raises(UsageError, match="--by 'colour': expected one of orbit-outcome"):
            call()
    for call in (lambda: links.caar(engine, "vehicle", "capm"), lambda: links.car_path(engine, "x", "capm")):
        with pytest.raises(UsageError, match="--model 'capm': expected one of market, market-model"):
            call()
