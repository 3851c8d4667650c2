"""The market use cases: the securities registry, the theme rules and the daily bars held.

What the ``tracker markets`` commands, the UI and notebooks do, with the rules of the domain:

- A security is added by any spelling (canonical ``XSHG:600118`` or Yahoo ``600118.SS``); board,
  daily limit, currency, vendor symbols and benchmark follow from its exchange and code unless
  given. A daily limit is a percentage from 0 (none, stored as null) to below 100; themes replace
  the list (a comma-separated text or a list); a benchmark is resolved like any symbol.
- A rule links launches matching ``kind=value`` to the securities with a theme. Constellation,
  orbit-outcome and booster-recovery values are lower case; a vehicle takes any spelling and is
  stored as the calendar writes it. Removing a bundled rule disables it (seeding would add it
  back); adding a disabled rule again enables it.
- Bar files are imported all or none: every file is parsed before anything is stored, and a
  malformed file, or a security not in the registry (unless ``add_missing``), stores nothing.

Errors of the ``markets`` library are translated here: an unknown symbol is
:class:`~tracker.errors.NotFound`, a malformed or unreadable file :class:`~tracker.errors.BadInput`.
Keyword values of None mean "not given", so the command line passes its options straight through.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypedDict, Unpack

import polars as pl
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from markets.symbols import UnknownSymbol
from tracker.errors import BadInput, ExitCode, NotFound, Refused, UsageError
from tracker.markets import registry
from tracker.markets.models import security as _SECURITY
from tracker.markets.models import theme_rule as _RULE
from tracker.markets.vocab import RULE_KINDS
from tracker.text import plural
from tracker.times import instant

if TYPE_CHECKING:
    from markets.files import PriceFile

__all__ = [
    "LIST_COLUMNS", "BarImport", "LaunchReaction", "Rule", "SecurityFields", "add_security", "add_theme_rule", "bars",
    "import_bars", "launch_reaction",
    "known_symbols", "names", "remove_theme_rule", "resolve", "securities", "theme_rules", "update_security",
]

#: Columns of :func:`securities`, in the order ``tracker markets list`` shows them.
LIST_COLUMNS = (
    "security", "yahoo", "name_en", "name_zh", "board", "limit_pct", "currency", "role", "benchmark", "themes",
    "bars", "first", "last",
)
#: The files a directory given to :func:`import_bars` is searched for.
PRICE_SUFFIXES = (".csv", ".txt", ".tsv")
#: Rule kinds whose values are compared in lower case (and stored so).
_LOWER_CASE_KINDS = ("constellation", "orbit-outcome", "booster-recovery")


class SecurityFields(TypedDict, total=False):
    """Registry fields a person may set besides the English name. None: not given."""

    name_zh: str | None
    board: str | None
    limit_pct: float | None  # percent; 0: no daily limit
    currency: str | None
    benchmark: str | None  # any spelling of a registered security
    themes: str | Iterable[str] | None  # comma-separated or a list; replaces the list
    yahoo: str | None
    eastmoney: str | None
    notes: str | None


@dataclass(frozen=True)
class Rule:
    """A theme rule as stored; ``status`` says what :func:`add_theme_rule` did."""

    id: int
    kind: str
    value: str
    theme: str
    origin: str
    status: Literal["added", "enabled"] = "added"


@dataclass
class BarImport:
    """What :func:`import_bars` stored: bar counts over all files, the securities it registered,
    the files' warnings and one line per bar contradicting a stored one."""

    files: list[Path]
    replace: bool = False
    new: int = 0
    unchanged: int = 0
    replaced: int = 0
    factors: int = 0  #: bars that got an adjustment factor (from ``Adj Close`` or a dividends file)
    registered: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        """Some bars contradicted stored ones and were not taken (the rest was stored)."""
        return bool(self.conflicts) and not self.replace

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.PARTIAL if self.partial else ExitCode.OK


@contextmanager
def known_symbols() -> Iterator[None]:
    """Turn the library's :class:`~markets.symbols.UnknownSymbol` into :class:`NotFound`."""
    try:
        yield
    except UnknownSymbol as exc:
        raise NotFound(str(exc)) from None


@contextmanager
def _connection(source: Engine | Connection) -> Iterator[Connection]:
    """``source`` itself when it is a connection (its caller owns the transaction), else a new
    connection of the engine."""
    if isinstance(source, Connection):
        yield source
    else:
        with source.connect() as conn:
            yield conn


def names(value: str | Iterable[str] | None) -> list[str]:
    """A comma-separated text or a list of names -> the names, trimmed, blanks dropped."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else value
    return [s.strip() for s in items if s.strip()]


def resolve(source: Engine | Connection, text: str) -> str:
    """The canonical id of a registered security from any spelling (``600118.SS``,
    ``XSHG:600118``, ``1.600118``); :class:`NotFound` saying how to add it."""
    with _connection(source) as conn, known_symbols():
        return registry.resolve(conn, text)


# -- the registry ----------------------------------------------------------------------------------


def securities(engine: Engine) -> pl.DataFrame:
    """The registry with the bars held for each (:data:`LIST_COLUMNS`; ``themes`` a list,
    ``bars`` 0 when none, ``first``/``last`` exchange-local dates)."""
    from tracker.markets import bars as store

    with engine.connect() as conn:
        frame = registry.securities(conn).join(store.coverage(conn), on="security", how="left")
    return frame.with_columns(pl.col("bars").fill_null(0)).select(LIST_COLUMNS)


def _fields(conn: Connection, name: str | None, given: SecurityFields) -> dict[str, Any]:
    """The registry columns that ``name`` and the given fields set, validated (None: not given)."""
    unknown = sorted(set(given) - set(SecurityFields.__annotations__))
    if unknown:
        raise UsageError(f"unknown security field {unknown[0]!r}: expected name or one of {', '.join(SecurityFields.__annotations__)}")
    special = ("themes", "benchmark", "limit_pct")
    values: dict[str, Any] = {k: v for k, v in given.items() if v is not None and k not in special}
    if name is not None:
        if not name.strip():
            raise UsageError("--name must not be empty")
        values["name_en"] = name.strip()
    if (themes := given.get("themes")) is not None:
        values["themes"] = json.dumps(sorted(set(names(themes))))
    if (benchmark := given.get("benchmark")) is not None:
        values["benchmark"] = resolve(conn, benchmark)
    if (limit := given.get("limit_pct")) is not None:
        if not 0 <= limit < 100:
            raise UsageError(f"--limit {limit}: a daily limit is a percentage from 0 (none) to below 100")
        values["limit_pct"] = float(limit) or None  # 0: no daily limit, stored as null
    return values


def add_security(engine: Engine, symbol: str, *, name: str, mic: str = "XNYS", **fields: Unpack[SecurityFields]) -> str:
    """Register ``symbol`` (canonical or Yahoo; ``mic`` is the exchange of a bare US ticker) with
    the English ``name``; return its canonical id. :class:`Refused` when it is registered already."""
    from markets.symbols import parse

    if mic not in ("XNYS", "XNAS"):
        raise UsageError(f"--mic {mic!r}: a bare US ticker trades on XNYS or XNAS")
    with known_symbols():
        ident = parse(symbol, mic)
    try:
        with engine.begin() as conn:
            values = _fields(conn, name, fields)
            conn.execute(_SECURITY.insert().values(**registry.new_security(ident, **values)))
    except IntegrityError:
        raise Refused(f"{ident} is already in the registry; change it with `tracker markets update {ident}`") from None
    return ident


def update_security(
    engine: Engine, symbol: str, *, name: str | None = None, **fields: Unpack[SecurityFields]
) -> tuple[str, list[str]]:
    """Change the given fields of a registered security (``name``: the English name); return its
    canonical id and the registry columns changed."""
    with engine.begin() as conn:
        ident = resolve(conn, symbol)
        values = _fields(conn, name, fields)
        if not values:
            raise UsageError("nothing to change: give at least one field (see --help)")
        conn.execute(_SECURITY.update().where(_SECURITY.c.security == ident).values(**values))
    return ident, sorted(values)


# -- theme rules -----------------------------------------------------------------------------------


def theme_rules(engine: Engine) -> pl.DataFrame:
    """Every rule, disabled ones included: ``id, kind, value, theme, origin, enabled``."""
    with engine.connect() as conn:
        return registry.rules(conn)


def _rule_value(conn: Connection, kind: str, value: str) -> str:
    """``value`` as a rule of ``kind`` stores it: lower case, or a vehicle in the calendar's spelling."""
    from tracker.launches import vehicles
    from tracker.launches.store import known_vehicles

    if kind in _LOWER_CASE_KINDS:
        return value.lower()
    if kind == "vehicle":  # any spelling (CZ-12A, LM-12A) as the calendar writes it
        try:
            return vehicles.match(value, known_vehicles(conn))
        except vehicles.UnknownVehicle as exc:
            raise NotFound(str(exc)) from None
    return value


def add_theme_rule(engine: Engine, kind: str, value: str, theme: str) -> Rule:
    """A launch matching ``kind=value`` links to the securities carrying ``theme``.

    :class:`Refused` when the rule exists; a rule that exists disabled (a removed bundled one)
    is enabled again instead."""
    if kind not in RULE_KINDS:
        raise UsageError(f"rule kind {kind!r}: expected one of {', '.join(RULE_KINDS)}")
    value, theme = value.strip(), theme.strip()
    if not value or not theme:
        raise UsageError("a rule needs a value and a theme (neither may be empty)")
    exists = "rule {}={} -> {} exists already (see `tracker markets rules list`)"
    try:
        with engine.begin() as conn:
            value = _rule_value(conn, kind, value)
            key = (_RULE.c.kind == kind) & (_RULE.c.value == value) & (_RULE.c.theme == theme)
            held = conn.execute(select(_RULE.c.id, _RULE.c.origin, _RULE.c.enabled).where(key)).first()
            if held is not None and held.enabled:
                raise Refused(exists.format(kind, value, theme))
            if held is not None:
                conn.execute(_RULE.update().where(_RULE.c.id == held.id).values(enabled=True))
                return Rule(held.id, kind, value, theme, held.origin, "enabled")
            done = conn.execute(_RULE.insert().values(kind=kind, value=value, theme=theme, origin="user"))
            assert done.inserted_primary_key is not None
            return Rule(done.inserted_primary_key[0], kind, value, theme, "user")
    except IntegrityError:  # added by another process since the lookup
        raise Refused(exists.format(kind, value, theme)) from None


def remove_theme_rule(engine: Engine, rule_id: int) -> Literal["removed", "disabled"]:
    """Delete a person's rule; disable a bundled one (seeding would add it back if deleted)."""
    with engine.begin() as conn:
        origin = conn.execute(select(_RULE.c.origin).where(_RULE.c.id == rule_id)).scalar()
        if origin is None:
            raise NotFound(f"no rule with id {rule_id} (see `tracker markets rules list`)")
        where = _RULE.c.id == rule_id
        if origin == "bundled":
            conn.execute(_RULE.update().where(where).values(enabled=False))
            return "disabled"
        conn.execute(_RULE.delete().where(where))
        return "removed"


# -- daily bars ------------------------------------------------------------------------------------


def _parse(path: Path, security: str | None, known: set[str]) -> PriceFile:
    """One bar file, parsed and validated; :class:`BadInput` naming the file (and line). A file
    whose name may mean two securities (``000300.csv``) is read as the one registered, if only
    one is; otherwise the error says to name it with ``--symbol``."""
    from markets.files import PriceFileError, parse_file

    try:
        with known_symbols():
            return parse_file(path, security=security)
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}; nothing was imported") from None
    except PriceFileError as exc:
        held = [c for c in exc.choices if c in known]
        if len(held) == 1:
            read = _parse(path, held[0], known)
            read.warnings.append(f"{path.name}: read as {held[0]}, the only one of {' and '.join(exc.choices)} registered")
            return read
        hint = f"; name it with --symbol (e.g. --symbol {exc.choices[0]})" if exc.choices else ""
        raise BadInput(f"{exc}{hint}; nothing was imported") from None


def import_bars(
    engine: Engine,
    paths: Sequence[str | PathLike[str]],
    *,
    symbol: str | None = None,
    replace: bool = False,
    add_missing: bool = False,
) -> BarImport:
    """Import daily-bar files, all of them or none (see :mod:`markets.files` for the layouts);
    a directory stands for every price file below it (:data:`PRICE_SUFFIXES`).

    ``symbol`` (any spelling of a registered security) names the security of per-symbol files.
    Bars already held change nothing; a bar contradicting a stored one is reported and the
    stored one kept unless ``replace``. Securities not in the registry are :class:`NotFound`
    unless ``add_missing`` registers them (named by their code)."""
    from tracker.files import files_under
    from tracker.markets import bars as store

    if not paths:
        raise UsageError("no file to import")
    files = files_under([Path(p) for p in paths], PRICE_SUFFIXES, "price")
    with engine.connect() as conn:
        security = resolve(conn, symbol) if symbol is not None else None
        known = set(registry.securities(conn)["security"])
    parsed = [(path, _parse(path, security, known)) for path in files]
    report = BarImport(files, replace=replace, warnings=[w for _, result in parsed for w in result.warnings])
    for path, result in parsed:
        held = result.actions["security"] if result.actions is not None else result.bars["security"]
        missing = sorted(set(held) - known)
        if missing and not add_missing:
            raise NotFound(
                f"{path}: {', '.join(missing)} not in the registry: add with `tracker markets add`, "
                "or import with --add-missing; nothing was imported"
            )
    with engine.begin() as conn:
        for path, result in sorted(parsed, key=lambda item: item[1].actions is not None):  # bars before factors
            if result.actions is not None:
                _store_actions(conn, path, result.actions, report)
                continue
            for ident in sorted(set(result.bars["security"]) - known):
                conn.execute(_SECURITY.insert().values(**registry.new_security(ident, ident.split(":")[1])))
                known.add(ident)
                report.registered.append(ident)
            counts = store.merge(conn, result.bars, str(path.resolve()), replace=replace)
            report.new += counts.new
            report.factors += counts.factors
            report.unchanged += counts.unchanged
            report.replaced += counts.replaced
            report.conflicts += counts.conflicts
    return report


def _store_actions(conn: Connection, path: Path, actions: pl.DataFrame, report: BarImport) -> None:
    """Store the adjustment factors of a dividends-and-splits file on the held bars of its
    ex-dates (:func:`markets.adjust.from_actions`); an ex-date without a held bar, or without a
    close before it, is a warning. The close before an ex-date is the last one held, however
    old: a security suspended for months before its ex-date still gets its factor."""
    from markets.adjust import from_actions
    from tracker.markets import bars as store

    securities = actions["security"].unique().to_list()
    start, end = actions["date"].min(), actions["date"].max()
    assert isinstance(start, date) and isinstance(end, date)
    # The closes from the earliest bar held (one column only), for the last close before each
    # ex-date; the full bars of the ex-dates' span only, for the merge.
    closes = store.read(conn, securities, None, end, fields=("close",))
    factors = from_actions(closes, actions)
    held = store.read(conn, securities, start, end)
    frame = held.join(factors, on=["security", "date"], how="inner")
    counts = store.merge(conn, frame, str(path.resolve()))
    report.factors += counts.factors
    lost = actions.join(factors, on=["security", "date"], how="anti")
    if lost.height:
        shown = ", ".join(f"{s} {d}" for s, d in lost.select("security", "date").head(3).rows())
        report.warnings.append(f"{path.name}: {plural(lost.height, 'ex-date')} without a held bar or a close before it "
                               f"({shown}{', ...' if lost.height > 3 else ''}): import the bars first")


def _day(value: str | date | datetime | None, option: str) -> date | None:
    return None if value is None else value if type(value) is date else instant(value, option).date()


def bars(
    engine: Engine, symbol: str, since: str | date | datetime | None = None, until: str | date | datetime | None = None
) -> pl.DataFrame:
    """The daily bars held for one security, ``since`` to ``until`` inclusive (exchange-local
    dates; ISO text, dates or datetimes): ``security, date, open, high, low, close, volume``."""
    from tracker.markets import bars as store

    start, end = _day(since, "--since"), _day(until, "--until")
    if start is not None and end is not None and start > end:
        raise UsageError(f"--since {since} is after --until {until}: the range is empty")
    with engine.connect() as conn:
        return store.read(conn, [resolve(conn, symbol)], start, end)


@dataclass(frozen=True)
class LaunchReaction:
    """How the securities linked to one launch moved, as :func:`launch_reaction` finds it.

    ``rows`` are the :func:`tracker.markets.link.link` rows of the launch, those of securities
    with closes around their t0 first (column ``has_bars``), each group in symbol order;
    ``closes`` their daily closes around t0 (``symbol, date, close``); ``day`` the launch's UTC
    date; ``held`` the first and last dates of any bar held (``None``: no bar at all), to say
    what is held when nothing covers the launch.
    """

    rows: pl.DataFrame
    closes: pl.DataFrame
    day: date | None
    held: tuple[date, date] | None

    @property
    def covered(self) -> bool:
        """Whether any linked security has bars around the launch."""
        return not self.closes.is_empty()


def launch_reaction(engine: Engine, launch_id: str) -> LaunchReaction:
    """One launch's market reaction (see :class:`LaunchReaction`); every linked security is a
    row even without bars, so that a reader sees what the launch links to."""
    from tracker.launches import store
    from tracker.markets.bars import coverage
    from tracker.markets.link import reaction

    with engine.connect() as conn:
        rows, closes = reaction(conn, launch_id)
        spans = coverage(conn)
        record = store.load(conn, [launch_id]).get(launch_id)
    with_bars = closes["symbol"].unique().implode()
    rows = rows.with_columns(pl.col("symbol").is_in(with_bars).alias("has_bars")).sort(
        pl.col("has_bars").not_(), "symbol", maintain_order=True
    )
    held = None if spans.is_empty() else (spans["first"].min(), spans["last"].max())
    day = record["net_utc"].date() if record is not None else None
    return LaunchReaction(rows, closes, day, held)  # type: ignore[arg-type]
