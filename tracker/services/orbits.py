"""The orbit use cases: where satellites are, dawn-dusk orbits, launch batches, one satellite's
history, constellations and their rules, and importing element-set files.

Every function takes the engine and plain values and returns a frame or a small report with the
columns the command line shows (rounding for tables is the caller's); failures are raised from
:mod:`tracker.errors`: an unknown constellation or satellite is :class:`~tracker.errors.NotFound`,
a bad value :class:`~tracker.errors.UsageError`, a file that is not element data
:class:`~tracker.errors.BadInput` (and nothing is imported). Which satellites a constellation
name stands for is decided by :func:`tracker.views.members`, for the UI as well.

Heavy modules (polars, SQLAlchemy, SGP4) are imported inside the functions, so that importing
this module costs little.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tle import ELEMENT_SUFFIXES  # the files a directory given to import_elements is searched for
from tracker.errors import BadInput, ExitCode, NotFound, UsageError

# Constellations and their rules live in their own module; these stay importable from here.
from tracker.services.constellations import add_constellation_rules, constellation_name, constellations

if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy.engine import Engine

    from tracker.ingest import ImportCounts

__all__ = [
    "CATALOGUE_MIN_SATELLITES", "DawnDusk", "ELEMENT_SUFFIXES", "ImportReport", "add_constellation_rules",
    "catalogue_held", "constellations", "dawn_dusk", "groups", "history", "import_elements", "satellites",
]

#: More satellites than this held means a whole catalogue was imported (CelesTrak's active
#: catalogue has about 16,000; the default groups together a few hundred).
CATALOGUE_MIN_SATELLITES = 5000


# -- where satellites are ----------------------------------------------------------------------


def satellites(
    engine: Engine, *, at: str | date | datetime | None = None, constellation: str | None = None,
    observer: str | None = None, lat: float | None = None, lon: float | None = None, alt_m: float | None = None,
) -> pl.DataFrame:
    """Where each satellite of ``constellation`` is at ``at`` (default now): the ``tracker sats``
    columns (:data:`tracker.positions.COLUMNS`), in catalog-number order; with an observer (a
    name of :mod:`tracker.services.observers`, or ``lat``/``lon``/``alt_m``) also ``az_deg,
    el_deg, range_km, range_rate_km_s`` as seen from it.

    ``constellation`` is any view of :func:`tracker.views.members`: a constellation, ``dawn-dusk``,
    ``stations`` or ``all``; ``None`` means the built-in constellations only."""
    import polars as pl

    from tracker.positions import positions_of
    from tracker.propagation import check_sun_span
    from tracker.times import instant
    from tracker.views import members

    when = instant(at, "--at")
    check_sun_span(when, when, "--at")
    place = None
    if observer is not None or lat is not None or lon is not None or alt_m is not None:
        from tracker.services.observers import resolve

        place = resolve(engine, observer, lat, lon, alt_m)
    sats = members(engine, constellation)
    frame = positions_of(sats, when)
    if place is None:
        return frame
    from tracker.passes import look_of

    return pl.concat([frame, look_of(sats, place, when)], how="horizontal")


# -- dawn-dusk orbits --------------------------------------------------------------------------


@dataclass(frozen=True)
class DawnDusk:
    """The dawn-dusk objects held, and whether the active catalogue is held: without it only the
    groups downloaded were searched, so most dawn-dusk objects are missing."""

    frame: pl.DataFrame
    catalogue_held: bool


def dawn_dusk(engine: Engine, *, min_alt: float = 700.0, max_alt: float = 800.0) -> DawnDusk:
    """Sun-synchronous objects with LTAN within 1 h of 06:00/18:00 and a mean altitude in
    ``[min_alt, max_alt]`` km: ``norad, name, cospar, alt_km, perigee_km, apogee_km, inc_deg,
    ltan_h, sunlit_fraction``, lowest first."""
    import polars as pl

    from tracker.catalog import latest
    from tracker.orbits import dawn_dusk as select_dawn_dusk

    if min_alt > max_alt:
        raise UsageError(f"--min-alt {min_alt:g} is above --max-alt {max_alt:g}")
    frame = select_dawn_dusk(latest(engine), min_alt, max_alt).select(
        "norad", "name", "cospar", "alt_km", "perigee_km", "apogee_km",
        pl.col("inclination_deg").alias("inc_deg"), "ltan_h", "sunlit_fraction",
    )
    return DawnDusk(frame, catalogue_held(engine))


def catalogue_held(engine: Engine) -> bool:
    """Whether the database holds CelesTrak's active catalogue: downloaded at least once (a
    ``fetch_state`` row of the ``GROUP=active`` URL, at any base URL, with a last success) or
    imported (more than :data:`CATALOGUE_MIN_SATELLITES` satellites held)."""
    from sqlalchemy import func, select

    from tle.celestrak import gp_url
    from tracker.db import fetch_state, satellite
    from tracker.refresh import CATALOGUE

    base = "https://celestrak.invalid"
    query = gp_url(base, CATALOGUE).removeprefix(base)  # /NORAD/elements/gp.php?FORMAT=csv&GROUP=active
    url, last_success = fetch_state.c.url, fetch_state.c.last_success
    with engine.connect() as conn:
        if conn.execute(select(url).where(url.endswith(query, autoescape=True), last_success.is_not(None)).limit(1)).first():
            return True
        held = conn.execute(select(func.count()).select_from(satellite)).scalar_one()
    return held > CATALOGUE_MIN_SATELLITES


# -- launch batches and history ----------------------------------------------------------------


#: The element columns launch groups are computed from (mean altitudes: :func:`tracker.batches.member_rates`).
GROUP_ELEMENTS = ("epoch", "mean_motion")


def groups(engine: Engine, *, constellation: str | None = None, straggler_km: float = 50.0) -> pl.DataFrame:
    """One row per launch designator of ``constellation`` (any view; default every satellite):
    ``launch, constellation, count, alt_km, rate_km_per_day, status, stragglers``."""
    import polars as pl

    from tracker.batches import groups as batch_groups
    from tracker.catalog import history as element_history
    from tracker.views import ALL, members

    if straggler_km < 0:
        raise UsageError(f"--straggler-km {straggler_km:g} is negative")
    view = ALL if constellation is None else constellation.strip().lower()
    if view == ALL:  # every satellite held, labelled: no need to read anyone's newest elements
        from tracker.catalog import satellites
        from tracker.constellations import label, rules_frame

        held = label(satellites(engine), rules_frame(engine))
    else:
        held = members(engine, view)
    held = held.select("norad", "name", "launch", "constellation")
    # Every satellite is wanted for ``all``: no need for an IN list of all of them.
    norads = None if view == ALL else held["norad"].to_list()
    past = element_history(engine, norads, elements=GROUP_ELEMENTS).join(held, on="norad")
    return batch_groups(past, straggler_km).with_columns(pl.col("count").cast(pl.Int64))


def history(engine: Engine, norad: int) -> tuple[str | None, pl.DataFrame]:
    """One satellite's name (the newest held) and every element set held, oldest first:
    ``epoch, alt_km, perigee_km, apogee_km, inc_deg, raan_deg, mean_motion, bstar``."""
    import polars as pl

    from tracker.catalog import history as element_history
    from tracker.orbits import metrics

    rows = element_history(engine, [norad])
    if rows.is_empty():
        raise NotFound(f"no element sets held for catalog number {norad}")
    frame = metrics(rows).select(
        "epoch", "alt_km", "perigee_km", "apogee_km", pl.col("inclination_deg").alias("inc_deg"),
        "raan_deg", "mean_motion", "bstar",
    )
    return rows["name"][-1], frame


# -- importing element sets --------------------------------------------------------------------


@dataclass(frozen=True)
class ImportReport:
    """What an import did: the files read, what was stored, and the records rejected (one line
    each, ``rejected FILE:LINE: reason``)."""

    files: tuple[Path, ...]
    counts: ImportCounts
    rejected: tuple[str, ...]
    constellation: str | None = None

    @property
    def partial(self) -> bool:
        """Good records were stored but some were rejected."""
        return bool(self.rejected)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.PARTIAL if self.partial else ExitCode.OK


def import_elements(
    engine: Engine, paths: Sequence[str | Path], *, constellation: str | None = None
) -> ImportReport:
    """Import element-set files (TLE/2LE/3LE, OMM CSV/JSON/XML; the format is told from the
    content) and directories (searched for :data:`ELEMENT_SUFFIXES`), all in one transaction.

    Every file is parsed before anything is written: a file that is not element data at all (or
    cannot be read), or whose every record is rejected, is :class:`~tracker.errors.BadInput` and
    nothing is imported. Bad records are
    skipped and listed in the report. With ``constellation``, every imported object becomes a
    member of it (a catalog-number rule)."""
    from tle.formats import FormatError, parse_file
    from tle.frame import concat
    from tracker.ingest import store

    wanted = None if constellation is None else constellation_name(constellation)
    files = element_files([Path(p) for p in paths])
    results = []
    for path in files:
        try:
            results.append(parse_file(path))
        except FormatError as exc:
            raise BadInput(f"{exc}; nothing was imported") from None
        except OSError as exc:
            raise BadInput(f"{path}: {exc.strerror or exc}; nothing was imported") from None
        if results[-1].rejected and results[-1].frame.is_empty():  # not one usable record: a bad file
            shown = "; ".join(str(r) for r in results[-1].rejected[:3])
            more = len(results[-1].rejected) - 3
            raise BadInput(f"{path}: every record was rejected ({shown}{f'; {more} more' if more > 0 else ''}); "
                           "nothing was imported")
    counts = store(engine, concat(result.frame for result in results), constellation=wanted)
    rejected = tuple(str(rej) for result in results for rej in result.rejected)
    return ImportReport(tuple(files), counts, rejected, wanted)


def element_files(paths: list[Path]) -> list[Path]:
    """Files named directly, plus element-set files found below directories (sorted)."""
    from tracker.files import files_under

    return files_under(paths, ELEMENT_SUFFIXES, "element-set")
