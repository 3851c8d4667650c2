"""The constellation use cases: list constellations and their rules, add rules, remove what a
person added.

A constellation is its rules (:mod:`tracker.constellations`). Rules have an origin: ``builtin``
(seeded: ``guowang``, ``qianfan``), ``catalogue`` (what the refresh classifies as dawn-dusk),
``user`` (``tracker constellations add``) and ``import`` (``tracker tle import --constellation``).
Only the rules a person added (``user``, ``import``) can be removed; a built-in constellation is
extended only when asked explicitly (``extend=True``), so that a typo does not silently grow it.

Heavy modules are imported inside the functions, so that importing this module costs little.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker.errors import NotFound, Refused, UsageError

if TYPE_CHECKING:
    import polars as pl
    from sqlalchemy.engine import Engine

__all__ = [
    "PERSONAL_ORIGINS", "RulesAdded", "add_constellation_rules", "constellation_name", "constellations",
    "remove_constellation", "remove_rule", "rules",
]

#: The origins of the rules a person added, the only ones that may be removed.
PERSONAL_ORIGINS = ("user", "import")


def constellations(engine: Engine) -> pl.DataFrame:
    """Every constellation: ``constellation, rules`` (every rule as ``kind:value``, sorted, joined
    by spaces), ``n_rules, members`` (satellites held that match), by name."""
    import polars as pl

    from tracker.catalog import satellites as held_satellites
    from tracker.constellations import membership, rules_frame

    rules_held = rules_frame(engine)
    members = membership(held_satellites(engine), rules_held).group_by("constellation").len("members")
    return (
        rules_held.group_by("constellation")
        .agg((pl.col("kind") + ":" + pl.col("value")).sort().str.join(" ").alias("rules"), pl.len().alias("n_rules"))
        .join(members, on="constellation", how="left")
        .with_columns(pl.col("members").fill_null(0).cast(pl.Int64))
        .sort("constellation")
    )


def rules(engine: Engine, constellation: str | None = None) -> pl.DataFrame:
    """Every rule (or those of ``constellation``): ``id, constellation, kind, value, origin``, by
    constellation and id. An unknown constellation is :class:`~tracker.errors.NotFound`."""
    import polars as pl
    from sqlalchemy import select

    from tracker.db import constellation_rule as table

    query = select(table.c.id, table.c.constellation, table.c.kind, table.c.value, table.c.origin)
    wanted = None if constellation is None else constellation.strip().lower()
    if wanted is not None:
        query = query.where(table.c.constellation == wanted)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(table.c.constellation, table.c.id)).all()
    if wanted is not None and not rows:
        raise NotFound(f"no constellation {wanted!r}; see `tracker constellations list`")
    schema = {"id": pl.Int64, "constellation": pl.String, "kind": pl.String, "value": pl.String, "origin": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


@dataclass(frozen=True)
class RulesAdded:
    """What :func:`add_constellation_rules` did: the rules that were new, and the satellites held
    that matched before and after."""

    constellation: str
    new_rules: int
    members_before: int
    members_after: int
    extended_builtin: bool = False

    @property
    def new_members(self) -> int:
        return self.members_after - self.members_before


def add_constellation_rules(
    engine: Engine, name: str, *, names: Iterable[str] = (), launches: Iterable[str] = (),
    norads: Iterable[int] = (), extend: bool = False,
) -> RulesAdded:
    """Add membership rules to constellation ``name`` (created if new; trimmed, lower case):
    name globs, launch designators (``2024-240``), catalog numbers.

    A built-in constellation (``guowang``, ``qianfan``) is extended only with ``extend=True``
    (else :class:`~tracker.errors.Refused`); ``extend=True`` for a constellation that is not
    built in is a usage error, so the flag always means what it says."""
    from tle.elements import launch_designator
    from tracker.constellations import BUILTIN_RULES, add_rules

    constellation = constellation_name(name)
    globs, designators, numbers = [g.strip() for g in names], [d.strip() for d in launches], list(norads)
    if not (globs or designators or numbers):
        raise UsageError("give at least one --name, --launch or --norad")
    if "" in globs:
        raise UsageError("--name must not be empty")
    bad = [d for d in designators if launch_designator(d) != d]
    if bad:
        raise UsageError(f"--launch {bad[0]!r} is not a launch designator like 2024-240")
    if any(n <= 0 for n in numbers):
        raise UsageError(f"--norad {min(numbers)} is not a catalog number")
    builtin = constellation in BUILTIN_RULES
    if builtin and not extend:
        raise Refused(
            f"{constellation!r} is a built-in constellation: add --extend to add your rules to it "
            "(or choose another name for a constellation of your own)"
        )
    if extend and not builtin:
        raise UsageError(f"--extend is for the built-in constellations ({', '.join(BUILTIN_RULES)}), not {constellation!r}")
    before = _member_count(engine, constellation)
    kinds = (("name", globs), ("launch", designators), ("norad", [str(n) for n in numbers]))
    with engine.begin() as conn:
        added = sum(add_rules(conn, constellation, kind, values) for kind, values in kinds if values)
    return RulesAdded(constellation, added, before, _member_count(engine, constellation), builtin)


def remove_constellation(engine: Engine, name: str) -> int:
    """Remove constellation ``name``: every rule of it, which must all be a person's. A built-in
    constellation (or one with rules the refresh maintains) is :class:`~tracker.errors.Refused`;
    an unknown one :class:`~tracker.errors.NotFound`. Returns how many rules were removed."""
    from sqlalchemy import delete

    from tracker.constellations import BUILTIN_RULES, DAWN_DUSK
    from tracker.db import constellation_rule as table

    held = rules(engine, name)
    constellation = held["constellation"][0]
    if constellation in BUILTIN_RULES or constellation == DAWN_DUSK:
        raise Refused(
            f"{constellation!r} is built in and cannot be removed; remove a rule you added with "
            "`tracker constellations rules remove ID` (see `tracker constellations rules list`)"
        )
    foreign = sorted(set(held["origin"]) - set(PERSONAL_ORIGINS))
    if foreign:
        raise Refused(f"{constellation!r} holds rules of origin {', '.join(foreign)}, which only the application maintains")
    with engine.begin() as conn:
        conn.execute(delete(table).where(table.c.constellation == constellation))
    return held.height


def remove_rule(engine: Engine, rule_id: int) -> dict[str, object]:
    """Remove the rule ``rule_id`` if a person added it; returns it (``id, constellation, kind,
    value, origin``). Built-in and catalogue rules are :class:`~tracker.errors.Refused`."""
    from sqlalchemy import delete

    from tracker.db import constellation_rule as table

    held = rules(engine)
    match = held.filter(held["id"] == rule_id)
    if match.is_empty():
        raise NotFound(f"no constellation rule {rule_id}; see `tracker constellations rules list`")
    rule = match.row(0, named=True)
    if rule["origin"] not in PERSONAL_ORIGINS:
        raise Refused(
            f"rule {rule_id} ({rule['constellation']} {rule['kind']}:{rule['value']}) is of origin "
            f"{rule['origin']}: only rules a person added can be removed"
        )
    with engine.begin() as conn:
        conn.execute(delete(table).where(table.c.id == rule_id))
    return rule


def constellation_name(name: str) -> str:
    """A constellation name as stored (trimmed, lower case); empty names and the names of the
    views that are not constellations are usage errors."""
    from tracker.views import NOT_CONSTELLATIONS

    wanted = name.strip().lower()
    if not wanted:
        raise UsageError("a constellation name must not be empty")
    if wanted in NOT_CONSTELLATIONS:
        raise UsageError(f"{wanted!r} is a built-in view, not a constellation name: choose another")
    return wanted


def _member_count(engine: Engine, constellation: str) -> int:
    """How many satellites held match the rules of ``constellation``."""
    import polars as pl

    from tracker.catalog import satellites as held_satellites
    from tracker.constellations import membership, rules_frame

    own = rules_frame(engine).filter(pl.col("constellation") == constellation)
    if own.is_empty():
        return 0
    return membership(held_satellites(engine), own).height
