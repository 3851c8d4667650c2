"""The link use cases: launches joined with the moves of related securities, summaries, exports.

:func:`link` gives one row per (launch, security) (:data:`tracker.markets.link.COLUMNS`) with the
parameters that decided its numbers; :func:`summary` aggregates it per class; :func:`export`
writes it with a ``FILE.meta.json`` sidecar. The selection (event filters, time range, symbols,
estimation window, event time) is validated here, for the command line and notebooks alike: a
bad value is a :class:`~tracker.errors.UsageError` naming the option it came from.

Importing this module is cheap (polars, SQLAlchemy and the link itself are imported when a
function runs): the command line takes its choices (:data:`BY`, :data:`MODELS`,
:data:`EVENT_TIMES`, :data:`EXPORT_FORMATS`) from here while it builds its parser.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, timezone
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypedDict, Unpack

from tracker.errors import NotFound, Refused, UsageError
from tracker.markets.vocab import MODELS as MODEL_COLUMNS

if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy.engine import Engine

    from tracker.markets.link import LinkParams

__all__ = [
    "BY", "EVENT_TIMES", "EXPORT_FORMATS", "MODELS", "Linked", "Plotted", "Selection", "caar", "car_path", "export", "link",
    "parameters", "parse_cars", "parse_filters", "parse_window", "plot", "summary",
]

#: Where events are placed: at the launch (NET) or at the announcement of its outcome.
EVENT_TIMES = ("net", "announced")
#: The classes :func:`summary` aggregates by.
BY = ("orbit-outcome", "booster-recovery", "vehicle")
#: Abnormal-return models of :func:`caar`, :func:`plot` and :func:`car_path` (those of the link,
#: :data:`tracker.markets.link.MODELS`, kept in the light :mod:`tracker.markets.vocab`).
MODELS = tuple(MODEL_COLUMNS)
#: The event-time span (first, last session from t0) :func:`caar`, :func:`plot` and
#: :func:`car_path` draw when given none.
SPAN = (-5, 10)
#: Formats :func:`export` writes.
EXPORT_FORMATS = ("table", "csv", "json", "parquet")
#: What the sidecar says the columns mean.
DEFINITIONS = (
    "returns are fractions of the previous close, from adjusted closes: ret = close * adj / prev_close - 1 with "
    "adj each bar's dividend/split factor (1 where none is held; adjusted says whether one applied in the pair's "
    "estimation or event windows); prev_close, close, limit_up and limit_down are traded prices; ar = ret - "
    "bench_ret; ar_mm uses OLS alpha/beta over the estimation window; car_a_b sums ar over sessions t0+a..t0+b, "
    "a negative offset written m1 (car_mm_* sums ar_mm); empty means not computable"
)

Time = str | date | datetime | None


class Selection(TypedDict, total=False):
    """Which pairs :func:`link` and :func:`summary` compute (see :func:`parameters`)."""

    filters: Mapping[str, str] | None
    since: Time
    until: Time
    symbols: str | Iterable[str]
    window: str | tuple[int, int]
    car: str | Iterable[tuple[int, int]] | None
    at: str


class Linked(NamedTuple):
    """The pairs (:data:`tracker.markets.link.COLUMNS`) and the parameters that made them."""

    params: LinkParams
    frame: pl.DataFrame


def parse_filters(items: Iterable[str]) -> dict[str, str]:
    """``KEY=VALUE`` texts (``--event-filter``) -> a filter mapping; a later key wins."""
    from tracker.markets.link import FILTERS

    found = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--event-filter {item!r}: expected KEY=VALUE with KEY one of {', '.join(FILTERS)}")
        found[key.strip()] = value.strip()
    return found


def _filter(key: str, value: str) -> str:
    """One filter's value, checked; a vehicle in the calendar's spelling (``CZ-12A`` -> ``Long
    March 12A``), or as typed when the vehicle list does not know it (LL2 may have brought it)."""
    from tracker.launches import vehicles
    from tracker.markets.link import FILTERS

    if key not in FILTERS or not value:
        raise UsageError(f"--event-filter {key}={value}: expected KEY=VALUE with KEY one of {', '.join(FILTERS)}")
    if key != "vehicle":
        return value
    try:
        return vehicles.match(value)
    except vehicles.UnknownVehicle:
        return value


#: The most sessions an estimation window or its gap may span (about 40 years of trading days).
MAX_SESSIONS = 10_000


def parse_window(value: str | tuple[int, int]) -> tuple[int, int]:
    """The market-model estimation window: ``"EST:GAP"`` (``"EST"``: a gap of 10) or ``(est, gap)``,
    EST sessions ending GAP sessions before t0: 2..:data:`MAX_SESSIONS` sessions, a gap of 1..MAX_SESSIONS."""
    if isinstance(value, str):
        est, sep, gap = value.partition(":")
        try:
            value = int(est), int(gap) if sep else 10
        except ValueError:
            raise UsageError(f"--window {value!r}: expected EST:GAP in sessions, e.g. 120:10") from None
    est_len, gap_len = value
    if not (2 <= est_len <= MAX_SESSIONS and 1 <= gap_len <= MAX_SESSIONS):
        raise UsageError(f"--window {est_len}:{gap_len}: needs 2..{MAX_SESSIONS} estimation sessions and a gap of 1..{MAX_SESSIONS}")
    return est_len, gap_len


def parse_cars(value: str | Iterable[tuple[int, int]] | None) -> tuple[tuple[int, int], ...]:
    """CAR windows: ``"-1:1,0:5,-5:10"`` or a list of ``(first, last)`` session offsets from t0
    (None: the default 0:1, -1:1, 0:5); each first <= last, at most 250 sessions from t0."""
    from tracker.markets.link import WINDOWS

    if value is None:
        return WINDOWS
    items = [w.strip() for w in value.split(",") if w.strip()] if isinstance(value, str) else list(value)
    found = []
    for item in items:
        try:
            a, b = (int(x) for x in item.split(":")) if isinstance(item, str) else (int(item[0]), int(item[1]))
        except (ValueError, TypeError, IndexError):
            raise UsageError(f"--car {item!r}: expected windows FIRST:LAST in sessions from t0, e.g. --car=-1:1,0:5") from None
        if a > b or max(abs(a), abs(b)) > 250:
            raise UsageError(f"--car {a}:{b}: a window needs FIRST <= LAST, within 250 sessions of t0")
        if (a, b) not in found:
            found.append((a, b))
    if not found:
        raise UsageError("--car: give at least one window, e.g. --car=-1:1,0:5")
    return tuple(found)


def parameters(
    *,
    filters: Mapping[str, str] | None = None,
    since: Time = None,
    until: Time = None,
    symbols: str | Iterable[str] = (),
    window: str | tuple[int, int] = "120:10",
    car: str | Iterable[tuple[int, int]] | None = None,
    at: str = "net",
) -> LinkParams:
    """The parameters of a link, validated: ``filters`` by key (:data:`~tracker.markets.link.FILTERS`),
    launches from ``since`` (inclusive) to ``until`` (exclusive, UTC), ``symbols`` (any spelling;
    comma-separated or a list) instead of the theme rules, the estimation ``window``, the ``car``
    windows (:func:`parse_cars`; none may start inside the estimation window or its gap) and
    whether events are placed at the launch or at its ``announced`` outcome."""
    from tracker.markets.link import LinkParams
    from tracker.services.markets import names
    from tracker.times import time_range

    if at not in EVENT_TIMES:
        raise UsageError(f"--at {at!r}: expected one of {', '.join(EVENT_TIMES)}")
    start, end = time_range(since, until)
    est_len, gap = parse_window(window)
    windows = parse_cars(car)
    if (first := min(a for a, _ in windows)) <= -gap:
        raise UsageError(f"--car window from {first}: starts inside the estimation window's gap of {gap} (--window {est_len}:{gap})")
    return LinkParams(
        filters={key: _filter(key, value) for key, value in (filters or {}).items()},
        since=start,
        until=end,
        symbols=tuple(names(symbols)),
        at=at,
        est_len=est_len,
        gap=gap,
        min_est=min(30, est_len),
        windows=windows,
    )


def link(engine: Engine, **selection: Unpack[Selection]) -> Linked:
    """One row per (launch, security) with its session, returns and flags (see :func:`parameters`
    for the selection); :class:`~tracker.errors.NotFound` for a symbol not in the registry."""
    from tracker.markets.link import link as pairs
    from tracker.services.markets import known_symbols

    params = parameters(**selection)
    with engine.connect() as conn, known_symbols():
        return Linked(params, pairs(conn, params))


@contextmanager
def _bounded() -> Iterator[None]:
    """A summary too large to hold session by session is :class:`Refused`, saying how to narrow it."""
    from markets.returns import PanelTooLarge

    try:
        yield
    except PanelTooLarge as exc:
        raise Refused(f"too many pairs for the event study: {exc}; narrow the selection with --event-filter, "
                      "--since/--until or --symbols, or shorten --window") from None


def _no_bars(what: str) -> NotFound:
    """The error of :func:`summary` and :func:`plot` when no selected launch has a return to use."""
    return NotFound(f"nothing to {what}: no linked launch has bars around t0 in this selection "
                    "(`tracker markets list` shows the bars held; import or refresh prices)")


def _by(by: str) -> str:
    """The event column of the class ``by`` (:data:`BY`: ``orbit-outcome`` -> ``orbit_outcome``),
    or a :class:`~tracker.errors.UsageError`."""
    if by not in BY:
        raise UsageError(f"--by {by!r}: expected one of {', '.join(BY)}")
    return by.replace("-", "_")


def _model(model: str) -> str:
    """``model`` checked (:data:`MODELS`), or a :class:`~tracker.errors.UsageError`."""
    if model not in MODELS:
        raise UsageError(f"--model {model!r}: expected one of {', '.join(MODELS)}")
    return model


def summary(engine: Engine, by: str, **selection: Unpack[Selection]) -> pl.DataFrame:
    """Per class of ``by`` (:data:`BY`), model (market-adjusted, market model) and CAR window:
    events and pairs counted, mean and median event CAR, and the tests of
    :mod:`markets.eventstudy` with p-values (empty, with the reason in ``note``, below three
    events), over the pairs :func:`link` selects, each event one equal-weighted portfolio.
    :class:`~tracker.errors.NotFound` when no pair has a CAR in any window (no bars around any
    selected launch, or no launch selected): a table of classes with 0 events says nothing."""
    from tracker.markets.link import study
    from tracker.services.markets import known_symbols

    column = _by(by)
    params = parameters(**selection)
    with engine.connect() as conn, known_symbols(), _bounded():
        table = study(conn, params, column)
    if table.is_empty() or not (table["n_pairs"] > 0).any():
        raise _no_bars("summarise")
    return table


def export(
    frame: pl.DataFrame, params: LinkParams, path: str | PathLike[str], fmt: str, force: bool = False, raw_csv: bool = False
) -> Path:
    """Write ``frame`` to ``path`` as ``fmt`` with ``path.meta.json`` recording the parameters,
    definitions and column types (Parquet also carries them in its metadata, key ``tracker``);
    return the path. Rows keep the link's order: newest event first, pairs without a return at
    t0 last, so that a CSV reader inferring types from the first rows sees numbers.

    Both files are written by :func:`tracker.files.write_atomically` (temporary file, renamed).
    Neither is overwritten unless ``force``, and never when it is not a regular file
    (:class:`~tracker.errors.Refused`). CSV cells cannot start a formula unless ``raw_csv``."""
    import polars as pl

    from tracker.files import check_target, write_atomically
    from tracker.output import emit

    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"--format {fmt!r}: expected one of {', '.join(EXPORT_FORMATS)}")
    path = Path(path)
    meta_path = path.with_name(path.name + ".meta.json")
    check_target(path, force)
    check_target(meta_path, force)
    # Pairs measured at t0 before the others (events after the last bar), so that a reader
    # inferring column types from the first rows sees numbers.
    if "ret" in frame.columns:
        frame = frame.sort(pl.col("ret").is_null(), maintain_order=True)
    order = "newest event first; pairs without a return at t0 after the others"
    meta = {
        "written_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "rows": frame.height,
        "format": fmt,
        "parameters": params.describe() | {"order": order},
        "definitions": DEFINITIONS,
        # Column types, for a reader that wants them rather than inferring them
        # (polars: schema_overrides; pandas: dtype).
        "columns": {name: str(dtype) for name, dtype in frame.schema.items()},
        # Which prices the returns came from.
        "returns_from": "adjusted closes (traded closes where no factor is held)",
        "pairs_adjusted": int(frame["adjusted"].sum()) if "adjusted" in frame.columns else 0,
    }

    def write_frame(part: Path) -> None:
        if fmt == "parquet":
            frame.write_parquet(part, metadata={"tracker": json.dumps(meta)})
        else:
            with open(part, "w", encoding="utf-8", newline="") as out:
                emit(frame, fmt, out=out, raw_csv=raw_csv)

    write_atomically(path, write_frame, force=force)
    write_atomically(meta_path, lambda part: part.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8"),
                     force=True)
    return path


def caar(engine: Engine, by: str, model: str = "market", **selection: Unpack[Selection]) -> pl.DataFrame:
    """The cumulative average abnormal return over event time per class of ``by`` (:data:`BY`):
    ``tau, caar, se, lo, hi, n_events`` (:func:`markets.eventstudy.caar_path`; the band is 95 %
    and empty below three events). The span runs from the first to the last offset of the
    selection's ``car`` windows (none, or ``car=None``: :data:`SPAN`); ``model``: market or market-model."""
    from tracker.markets.link import caar as path
    from tracker.services.markets import known_symbols

    column, model = _by(by), _model(model)
    if selection.get("car") is None:
        selection["car"] = (SPAN,)
    params = parameters(**selection)
    with engine.connect() as conn, known_symbols(), _bounded():
        return path(conn, params, column, model)


class Plotted(NamedTuple):
    """What :func:`plot` drew: the file, the frame (:func:`caar`) and its number of classes."""

    path: Path
    frame: pl.DataFrame
    classes: int


def plot(
    engine: Engine, by: str, output: str | PathLike[str], model: str = "market", force: bool = False,
    **selection: Unpack[Selection],
) -> Plotted:
    """Draw :func:`caar` per class of ``by`` with its confidence band to ``output`` (``.png`` or
    ``.svg``), written atomically and never over a file unless ``force``; return the path, the
    frame drawn and its number of classes. Without ``car`` windows (or ``car=None``) the span is
    :data:`SPAN`. Needs matplotlib (the ``plot`` extra)."""
    from tracker import charts
    from tracker.files import check_target, write_atomically

    path = Path(output)
    if path.suffix.lower() not in charts.FORMATS:
        raise UsageError(f"--output {output}: a chart is written as {' or '.join(charts.FORMATS)}")
    column = _by(by)
    check_target(path, force)
    frame = caar(engine, by, model, **selection)
    if frame.is_empty() or frame["caar"].is_null().all():
        raise _no_bars("plot")
    label = "market model" if model == "market-model" else "market-adjusted"
    title = f"CAAR by {by} ({label}; band: 95% cross-sectional CI, 3+ events)"
    fmt = path.suffix.lower().lstrip(".")
    write_atomically(path, lambda part: charts.caar(frame, column, title, part, fmt), force=force)
    return Plotted(path, frame, frame[column].n_unique())


def car_path(
    engine: Engine, launch_id: str, model: str = "market", span: str | tuple[int, int] | None = None
) -> pl.DataFrame:
    """One launch's CAR over event time (``span`` sessions from t0, ``"A:B"`` or ``(a, b)``;
    None: :data:`SPAN`), per linked security and for its equal-weighted portfolio (``symbol``
    null): ``event_id, symbol, tau, car``, for a chart beside its prices (the TUI's market panel)."""
    from tracker.markets.link import event_path
    from tracker.services.markets import known_symbols

    model = _model(model)
    span = SPAN if span is None else span
    params = parameters(filters={"id": launch_id}, car=span if isinstance(span, str) else [span])
    with engine.connect() as conn, known_symbols(), _bounded():
        return event_path(conn, params, model)
