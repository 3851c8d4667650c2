"""Constellations: named sets of satellites defined by rules, evaluated when asked.

Membership is never copied onto satellites; it is computed from rules each time, so a new rule
(or a new launch in the calendar) applies to every satellite already held.

Built-in rules follow CelesTrak's naming: China's national Guowang network (SatNet, 中国星网)
appears as ``HULIANWANG DIGUI-NN`` and ``HULIANWANG JISHU SHIYAN ...`` (互联网 低轨, 技术试验);
Shanghai's Qianfan (千帆, "Thousand Sails") as ``QIANFAN-N``.
"""

from __future__ import annotations

import re

import polars as pl
from sqlalchemy import ColumnElement, LargeBinary, cast, false, func, or_, select
from sqlalchemy.engine import Engine

from tracker.db import IN_BATCH, batches, constellation_rule, satellite

BUILTIN_RULES: dict[str, list[tuple[str, str]]] = {
    "guowang": [("name", "HULIANWANG*"), ("name", "GUOWANG*")],
    "qianfan": [("name", "QIANFAN*")],
}
RULE_KINDS = ("name", "launch", "norad")

#: Dawn-dusk sun-synchronous objects (:func:`tracker.orbits.dawn_dusk`): a built-in constellation
#: without seeded rules. Every download of CelesTrak's active catalogue replaces its ``norad``
#: rules of origin :data:`CATALOGUE_ORIGIN` with what the classification finds in it (see
#: :mod:`tracker.refresh`); rules a person adds to it are left alone.
DAWN_DUSK = "dawn-dusk"
CATALOGUE_ORIGIN = "catalogue"


def seed_builtin_rules(engine: Engine) -> None:
    """Insert the built-in rules that are missing (idempotent; user rules are left alone)."""
    with engine.begin() as conn:
        have = {
            (r.constellation, r.kind, r.value)
            for r in conn.execute(select(constellation_rule).where(constellation_rule.c.origin == "builtin"))
        }
        rows = [
            {"constellation": name, "kind": kind, "value": value, "origin": "builtin"}
            for name, rules in BUILTIN_RULES.items()
            for kind, value in rules
            if (name, kind, value) not in have
        ]
        if rows:
            conn.execute(constellation_rule.insert(), rows)


def add_rules(conn, constellation: str, kind: str, values: list[str], origin: str = "user") -> int:
    """Add membership rules inside the caller's transaction; returns how many were new."""
    if kind not in RULE_KINDS:
        raise ValueError(f"unknown rule kind {kind!r}: expected one of {', '.join(RULE_KINDS)}")
    name = constellation.strip().lower()
    if not name:
        raise ValueError("constellation name must not be empty")
    table = constellation_rule
    have = set(conn.execute(select(table.c.value).where(table.c.constellation == name, table.c.kind == kind)).scalars())
    new = sorted({str(v) for v in values} - have)
    if new:
        conn.execute(
            table.insert(),
            [{"constellation": name, "kind": kind, "value": v, "origin": origin} for v in new],
        )
    return len(new)


def replace_rules(conn, constellation: str, kind: str, values: list[str], origin: str) -> bool:
    """Make the rules of ``origin`` for (constellation, kind) exactly ``values``, inside the
    caller's transaction; a value another origin already holds keeps its rule. Returns whether
    the rules changed."""
    table = constellation_rule
    same = (table.c.constellation == constellation) & (table.c.kind == kind)
    held = dict(conn.execute(select(table.c.value, table.c.origin).where(same)).all())
    wanted = set(values)
    stale = sorted(v for v, o in held.items() if o == origin and v not in wanted)
    new = sorted(wanted - set(held))
    for chunk in batches(stale):
        conn.execute(table.delete().where(same & (table.c.origin == origin) & table.c.value.in_(chunk)))
    if new:
        conn.execute(
            table.insert(),
            [{"constellation": constellation, "kind": kind, "value": v, "origin": origin} for v in new],
        )
    return bool(stale or new)


def rules_frame(engine: Engine) -> pl.DataFrame:
    """All rules as a frame with columns constellation, kind, value."""
    with engine.connect() as conn:
        rows = conn.execute(select(constellation_rule.c.constellation, constellation_rule.c.kind, constellation_rule.c.value)).all()
    return pl.DataFrame(
        rows, schema={"constellation": pl.String, "kind": pl.String, "value": pl.String}, orient="row"
    )


def names(engine: Engine) -> list[str]:
    """Every constellation that has at least one rule."""
    return sorted(set(rules_frame(engine)["constellation"]))


def membership(sats: pl.DataFrame, rules: pl.DataFrame) -> pl.DataFrame:
    """Pairs (norad, constellation) for satellites (columns norad, name, launch) matching rules.

    Name globs become anchored regular expressions so polars can match them vectorised.
    """
    pairs = []
    for (constellation, kind), group in rules.group_by(["constellation", "kind"]):
        values = group["value"].to_list()
        if kind == "name":
            pattern = "|".join(glob_regex(v) for v in values)
            hit = sats["name"].fill_null("").str.to_uppercase().str.contains(pattern)
        elif kind == "launch":
            hit = sats["launch"].is_in(values)
        else:
            hit = sats["norad"].is_in([int(v) for v in values])
        pairs.append(sats.filter(hit).select("norad", pl.lit(constellation).alias("constellation")))
    if not pairs:
        return pl.DataFrame(schema={"norad": pl.Int64, "constellation": pl.String})
    return pl.concat(pairs).unique().sort("norad", "constellation")


def candidates(rules: pl.DataFrame, dialect: str) -> ColumnElement[bool] | None:
    """A condition on ``satellite`` rows that every satellite :func:`membership` would match to
    ``rules`` meets (others may too), for reading fewer rows before matching exactly; None when
    there is none (too many values to bind, or name globs on a database other than SQLite and
    PostgreSQL).

    A name glob becomes SQLite's ``LIKE`` (PostgreSQL's ``ILIKE``), which ignores the case of
    ASCII letters (and, on PostgreSQL, of others as its collation says), so names with any other
    character are all kept: polars upper-cases them as Unicode says."""
    conditions: list[ColumnElement[bool]] = []
    for (kind,), group in rules.group_by(["kind"]):
        values = group["value"].unique().sort().to_list()
        if len(values) > IN_BATCH:
            return None
        if kind == "name":
            if dialect not in ("sqlite", "postgresql"):
                return None
            name = func.coalesce(satellite.c.name, "")
            if dialect == "sqlite":
                conditions += [name.like(_like(v.upper()), escape="\\") for v in values]
                conditions.append(func.length(name) != func.length(cast(name, LargeBinary)))  # not ASCII
            else:
                conditions += [name.ilike(_like(v.upper()), escape="\\") for v in values]
                conditions.append(func.length(name) != func.octet_length(name))  # not ASCII
        elif kind == "launch":
            conditions.append(satellite.c.launch.in_(values))
        else:
            conditions.append(satellite.c.norad.in_([int(v) for v in values]))
    return or_(*conditions) if conditions else false()


def _like(glob: str) -> str:
    """A shell-style glob (``*``, ``?``) as a LIKE pattern escaped with a backslash."""
    escaped = glob.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%").replace("?", "_")


def glob_regex(glob: str) -> str:
    """``HULIANWANG*`` -> ``^HULIANWANG.*$``: shell-style ``*`` and ``?``, upper-cased, anchored."""
    return "^" + re.escape(glob.upper()).replace(r"\*", ".*").replace(r"\?", ".") + "$"


def label(sats: pl.DataFrame, rules: pl.DataFrame) -> pl.DataFrame:
    """``sats`` with a ``constellation`` column: its constellations joined by ``+`` (or null)."""
    joined = (
        membership(sats, rules)
        .group_by("norad")
        .agg(pl.col("constellation").sort().str.join("+"))
    )
    return sats.join(joined, on="norad", how="left")
