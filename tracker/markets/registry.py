"""The securities registry and the event-to-theme rules: bundled defaults and people's edits.

A fresh database holds the watchlist of ``watchlist.json`` (written from the sourced facts by
``tools/markets_watchlist.py``). Seeding only adds the securities and rules that are missing:
a security a person edited is never overwritten, and a bundled rule a person removed stays in
the table, disabled, so that it is not added again.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import polars as pl
from sqlalchemy import select
from sqlalchemy.engine import Engine

from markets.symbols import CALENDARS, AmbiguousSymbol, UnknownSymbol, spellings, split, to_eastmoney, to_yahoo
from tracker.markets.models import security as security_table
from tracker.markets.models import theme_rule

SECURITY_FIELDS = (
    "security", "yahoo", "eastmoney", "name_en", "name_zh", "currency", "board", "limit_pct",
    "role", "benchmark", "themes", "notes", "origin",
)
_CURRENCY = {"XSHG": "CNY", "XSHE": "CNY", "XHKG": "HKD", "XNYS": "USD", "XNAS": "USD"}
#: The index each market is measured against (themes.md: "each security is measured against the
#: benchmark on its own calendar").
BENCHMARKS = {"XSHG": "XSHG:000300", "XSHE": "XSHG:000300", "XHKG": "XHKG:HSI", "XNYS": "XNYS:GSPC", "XNAS": "XNYS:GSPC"}


@cache
def bundled() -> dict:
    return json.loads(resources.files("tracker.markets").joinpath("watchlist.json").read_text(encoding="utf-8"))


def board_limit(security: str) -> tuple[str | None, float | None]:
    """Board and daily limit (percent) an A-share code implies: STAR ``688``/``689`` and ChiNext
    ``300``/``301`` move at most 20% a day, other main-board shares 10%; elsewhere no limit.
    (ST shares' 5% and the first days of a listing are not modelled: set ``limit_pct`` by hand.)"""
    mic, code = split(security)
    if mic not in ("XSHG", "XSHE"):
        return None, None
    if code.startswith(("688", "689")):
        return "STAR", 20.0
    if code.startswith(("300", "301")):
        return "ChiNext", 20.0
    return "main", 10.0


def new_security(security: str, name_en: str, **given) -> dict:
    """A complete registry record for ``security`` with derived defaults for what is not given.

    A key in ``given`` wins even when its value is None: ``limit_pct=None`` is "no daily limit"
    (an index, a fund without one), not "derive it"."""
    mic, _ = split(security)
    board, limit = board_limit(security)
    record = {
        "security": security, "yahoo": to_yahoo(security), "eastmoney": to_eastmoney(security),
        "name_en": name_en, "name_zh": None, "currency": _CURRENCY[mic], "board": board,
        "limit_pct": limit, "role": "security", "benchmark": None, "themes": "[]",
        "notes": None, "origin": "user",
    }
    record.update(given)
    if record["role"] != "benchmark" and record["benchmark"] is None:
        record["benchmark"] = BENCHMARKS[mic]
    if isinstance(record["themes"], list):
        record["themes"] = json.dumps(record["themes"])
    return record


def seed(engine: Engine) -> None:
    """Add the bundled securities and rules that the database does not hold."""
    doc = bundled()
    with engine.begin() as conn:
        have = set(conn.execute(select(security_table.c.security)).scalars())
        for item in doc["securities"]:
            if item["security"] not in have:
                conn.execute(security_table.insert().values(**new_security(**{**item, "origin": "bundled"})))
        rules = {tuple(r) for r in conn.execute(select(theme_rule.c.kind, theme_rule.c.value, theme_rule.c.theme))}
        for rule in doc["theme_rules"]:
            key = (rule["kind"], rule["value"], rule["theme"])
            if key not in rules:
                conn.execute(theme_rule.insert().values(kind=key[0], value=key[1], theme=key[2], origin="bundled"))


def securities(conn) -> pl.DataFrame:
    """The registry as a frame, with each security's trading calendar and themes as a list."""
    rows = conn.execute(select(*(security_table.c[f] for f in SECURITY_FIELDS))).all()
    schema = {f: pl.Utf8 for f in SECURITY_FIELDS} | {"limit_pct": pl.Float64}
    frame = pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")
    return frame.with_columns(
        calendar=pl.col("security").str.extract(r"^([A-Z]+):").replace_strict(CALENDARS),
        themes=pl.col("themes").str.json_decode(pl.List(pl.Utf8)),
    ).sort("security")


def rules(conn) -> pl.DataFrame:
    """Every rule, disabled ones included (``enabled`` says which apply)."""
    rows = conn.execute(
        select(*(theme_rule.c[f] for f in ("id", "kind", "value", "theme", "origin", "enabled")))
    ).all()
    schema = {"id": pl.Int64, "kind": pl.Utf8, "value": pl.Utf8, "theme": pl.Utf8, "origin": pl.Utf8, "enabled": pl.Boolean}
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row").sort("kind", "value", "theme")


def resolve(conn, text: str) -> str:
    """A canonical id from what a person typed: any spelling :func:`markets.symbols.spellings`
    reads (``600118``, ``sh600118``, ``600118.SH``, ``XSHG:600118``, ``00941``, ``JKS`` ...) or
    the registry's own Yahoo and Eastmoney symbols. A spelling that may mean two securities
    resolves to the one registered; :class:`~markets.symbols.AmbiguousSymbol` when both are."""
    text, s = text.strip(), security_table.c
    try:
        candidates = spellings(text)
    except UnknownSymbol:
        candidates = []
    found = conn.execute(
        select(s.security).where(
            s.security.in_(candidates) | (s.yahoo == text.upper()) | (s.eastmoney == text)
        ).order_by(s.security)
    ).scalars().all()
    if len(found) == 1:
        return found[0]
    if found:
        raise AmbiguousSymbol(
            f"{text!r} may be {' or '.join(found)}, both registered: write the exchange, e.g. --symbol {found[0]} "
            f"(or {found[0]} wherever a symbol is asked for)", list(found),
        )
    raise UnknownSymbol(f"unknown security {text!r}: add it with `tracker markets add`, or see `tracker markets list`")
