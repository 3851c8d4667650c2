"""The notebook API: :class:`Tracker`, a facade over the services with polars frames out.

Each method is one call of a service (:mod:`tracker.services`), the same one the ``tracker``
command makes, so a notebook sees exactly what the command prints, as data: times are aware UTC
datetimes, returns are fractions, what cannot be computed is null. Obtain one with
:func:`tracker.open`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

from tracker.settings import Settings

if TYPE_CHECKING:
    import polars as pl

    from tracker.services.launches import LaunchDetail
    from tracker.services.link import Selection
    from tracker.services.refresh import RefreshReport

__all__ = ["Tracker"]

Time = str | date | datetime | None


class Tracker:
    """One database and the sources configured for it (see :class:`tracker.settings.Settings`)."""

    def __init__(self, settings: Settings) -> None:
        from tracker.services.bootstrap import open_database

        self.settings = settings
        self.engine = open_database(settings.db_url)

    def __repr__(self) -> str:
        return f"Tracker({self.engine.url.render_as_string(hide_password=True)!r})"

    def close(self) -> None:
        """Release the database connections (the object is unusable afterwards)."""
        self.engine.dispose()

    def __enter__(self) -> Tracker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- orbits --------------------------------------------------------------------------------

    def satellites(self, at: Time = None, constellation: str | None = None, observer: str | None = None,
                   lat: float | None = None, lon: float | None = None, alt_m: float | None = None) -> pl.DataFrame:
        """Where each satellite is at ``at`` (default now): sub-point, WGS84 height, speed,
        sunlit, element age. ``constellation``: guowang, qianfan, dawn-dusk, stations, all, or
        one of yours; None means the built-in constellations. With an observer (a name, or
        ``lat``/``lon``/``alt_m``): also azimuth, elevation, range and range rate from it."""
        from tracker.services import orbits

        return orbits.satellites(self.engine, at=at, constellation=constellation, observer=observer, lat=lat, lon=lon, alt_m=alt_m)

    # -- observers and passes ------------------------------------------------------------------

    def observers(self) -> pl.DataFrame:
        """Your observers and the bundled places: name, lat_deg, lon_deg, alt_m, default, source."""
        from tracker.services import observers

        return observers.list_observers(self.engine)

    def add_observer(self, name: str, lat: float, lon: float, alt_m: float = 0.0) -> None:
        """Store an observer (WGS84 degrees north and east, metres above the ellipsoid)."""
        from tracker.services import observers

        observers.add_observer(self.engine, name, lat, lon, alt_m)

    def remove_observer(self, name: str) -> None:
        """Remove one of your observers."""
        from tracker.services import observers

        observers.remove_observer(self.engine, name)

    def set_default_observer(self, name: str) -> None:
        """The observer :meth:`passes` uses when given none."""
        from tracker.services import observers

        observers.set_default(self.engine, name)

    def passes(self, **query: Any) -> pl.DataFrame:
        """Passes over an observer (the ``tracker passes`` columns): ``observer`` (a name) or
        ``lat``/``lon``/``alt_m``; ``constellation`` or ``norads``; ``start`` (default now),
        ``hours`` (24), ``min_el`` (10), ``visible``, ``by_launch``. Satellites SGP4 cannot
        propagate are left out with a warning."""
        import warnings

        from tracker.services import passes

        report = passes.passes(self.engine, **query)
        if not report.failed.is_empty():
            names = ", ".join(f"{r['name']} ({r['norad']}): {r['error']}" for r in report.failed.iter_rows(named=True))
            warnings.warn(f"not propagated: {names}", stacklevel=2)
        return report.frame

    def dawn_dusk(self, min_alt: float = 700.0, max_alt: float = 800.0) -> pl.DataFrame:
        """Dawn-dusk sun-synchronous objects in a mean-altitude band (empty, with a warning,
        when the database holds no active catalogue to classify)."""
        import warnings

        from tracker.services import orbits

        found = orbits.dawn_dusk(self.engine, min_alt=min_alt, max_alt=max_alt)
        if not found.catalogue_held:
            warnings.warn("the active catalogue is not held: refresh (t.refresh()) or import it first", stacklevel=2)
        return found.frame

    def groups(self, constellation: str | None = None, straggler_km: float = 50.0) -> pl.DataFrame:
        """One row per launch batch: members, mean altitude, rate, status, stragglers."""
        from tracker.services import orbits

        return orbits.groups(self.engine, constellation=constellation, straggler_km=straggler_km)

    def history(self, norad: int) -> pl.DataFrame:
        """Every element set held for catalog number ``norad``, with its mean altitude."""
        from tracker.services import orbits

        return orbits.history(self.engine, norad)[1]

    def constellations(self) -> pl.DataFrame:
        """Every constellation with its rules and the members held."""
        from tracker.services import orbits

        return orbits.constellations(self.engine)

    # -- launches ------------------------------------------------------------------------------

    def launches(self, **filters: Any) -> pl.DataFrame:
        """The launch calendar, newest first. Filters: vehicle (any spelling), provider,
        constellation, outcome, recovery, since, until, upcoming."""
        from tracker.services import launches

        return launches.list_launches(self.engine, **filters)

    def launch(self, launch_id: str) -> LaunchDetail:
        """One launch: its record, the fields a person set, its history and its satellites."""
        from tracker.services import launches

        return launches.show_launch(self.engine, launch_id)

    # -- markets -------------------------------------------------------------------------------

    def securities(self) -> pl.DataFrame:
        """The securities registry with the bars held for each."""
        from tracker.services import markets

        return markets.securities(self.engine)

    def bars(self, symbol: str, since: Time = None, until: Time = None) -> pl.DataFrame:
        """The daily bars held for one security (any spelling: 600118, 600118.SS, XSHG:600118)."""
        from tracker.services import markets

        return markets.bars(self.engine, symbol, since, until)

    def link(self, **selection: Unpack[Selection]) -> pl.DataFrame:
        """One row per (launch, security): t0, session class, returns, abnormal returns, CARs,
        limit and no-trade flags (the ``tracker link`` columns), newest event first. ``selection``:
        filters, since, until, symbols (any spelling), window, car (e.g. ``"-1:1,0:5"``), at (see
        :func:`tracker.services.link.parameters`)."""
        from tracker.services import link

        return link.link(self.engine, **selection).frame

    def summary(self, by: str, **selection: Unpack[Selection]) -> pl.DataFrame:
        """The event study per class of ``by`` (orbit-outcome, booster-recovery, vehicle), model
        and CAR window: events, pairs, mean/median event CAR, and the cross-sectional t, Patell,
        BMP, BMP-KP, Corrado and generalized sign tests with p-values (empty below three events,
        with the reason in ``note``); ``selection`` as for :meth:`link`. NotFound when no
        selected launch has bars around t0."""
        from tracker.services import link

        return link.summary(self.engine, by, **selection)

    def caar(self, by: str, model: str = "market", **selection: Unpack[Selection]) -> pl.DataFrame:
        """The CAAR over event time per class of ``by`` with its 95 % band (``tau, caar, se, lo,
        hi, n_events``); the span is that of ``car`` (default -5..10); ``model``: market or
        market-model."""
        from tracker.services import link

        return link.caar(self.engine, by, model, **selection)

    def plot_link(self, path: str | Path, by: str, model: str = "market", force: bool = False,
                  **selection: Unpack[Selection]) -> Path:
        """Draw :meth:`caar` to ``path`` (.png or .svg; needs matplotlib) and return the path."""
        from tracker.services import link

        return link.plot(self.engine, by, path, model, force, **selection)[0]

    def car_path(self, launch_id: str, model: str = "market", span: str | tuple[int, int] | None = None) -> pl.DataFrame:
        """One launch's CAR over event time per linked security and for its portfolio (``symbol``
        null): ``event_id, symbol, tau, car``; ``span`` sessions from t0 (default -5..10)."""
        from tracker.services import link

        return link.car_path(self.engine, launch_id, model, span)

    def export_link(self, path: str | Path, fmt: str = "parquet", force: bool = False, **selection: Unpack[Selection]) -> Path:
        """Write the link to ``path`` (csv, json or parquet) with its ``.meta.json`` sidecar."""
        from tracker.services import link

        linked = link.link(self.engine, **selection)
        return link.export(linked.frame, linked.params, path, fmt, force)

    # -- sources -------------------------------------------------------------------------------

    def refresh(self, sources: Sequence[str] | None = None, force: bool = False) -> RefreshReport:
        """Refresh ``sources`` (celestrak, ll2, prices; default all) by their rules, under the
        refresh lock; the report says what each did (``report.messages()``, ``report.exit_code``)."""
        from tracker.services.refresh import SOURCES, refresh

        return refresh(self.engine, self.settings, sources=SOURCES if sources is None else sources, force=force)
