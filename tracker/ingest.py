"""Storing element sets: bulk, idempotent and all-or-nothing.

Importing the same data twice changes nothing: an element set is identified by (catalog number,
epoch), and the database skips the ones it holds by that unique key (nothing stored is read back
to find them, so an import costs what it imports, however long the history). All writes of one
import happen in one transaction, so an interrupted import leaves the database exactly as it
was. Element sets arrive and are written as frames (:mod:`tle.frame`, :func:`tracker.bulk.insert_new`),
never one object or round trip per set: the full active catalogue (16,344 objects) must load
within a few times sgp4's own parse time, in a few hundred bytes per set.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine

from tle.frame import launch_of
from tracker.bulk import insert_new, read_frame, update_rows
from tracker.constellations import add_rules
from tracker.db import batches, element_set, satellite


@dataclass
class ImportCounts:
    """What an import did, for the user's report."""

    new_satellites: int = 0
    new_element_sets: int = 0
    duplicates: int = 0
    constellation_members_added: int = 0


def store(engine: Engine, frame: pl.DataFrame, *, constellation: str | None = None) -> ImportCounts:
    """Store element sets (a frame of :data:`tle.frame.SCHEMA`) in one transaction; duplicates
    (already held or repeated) are counted."""
    with engine.begin() as conn:
        return store_in(conn, frame, constellation=constellation)


def store_in(conn: Connection, frame: pl.DataFrame, *, constellation: str | None = None) -> ImportCounts:
    """As :func:`store`, inside the caller's transaction (so a refresh can add its own state).
    Of sets repeated within ``frame``, the first is kept."""
    counts = ImportCounts()
    if not frame.is_empty():
        counts.new_satellites = _upsert_satellites(conn, frame)
        # Repeats within the frame too are skipped by the database, the first one inserted.
        counts.new_element_sets = insert_new(conn, element_set, frame.drop("name", "cospar"))
    counts.duplicates = frame.height - counts.new_element_sets
    if constellation and not frame.is_empty():
        norads = frame["norad"].unique().sort()
        counts.constellation_members_added = add_rules(
            conn, constellation, "norad", [str(n) for n in norads], origin="import"
        )
    return counts


def _upsert_satellites(conn: Connection, fresh: pl.DataFrame) -> int:
    """Create unseen satellites; give known ones the name and COSPAR id of their newest set.

    A set without a name or COSPAR id (a 2LE, an OMM with a blank OBJECT_ID) never erases one:
    each field comes from the newest set that has it, in this import or already stored."""
    newest = fresh.group_by("norad").agg(
        pl.col("epoch").max(), pl.col("name", "cospar").sort_by("epoch").drop_nulls().last())
    sat, elements = satellite, element_set
    # The newest epoch held, per satellite: one lookup in the (norad, epoch) index each.
    held_newest = select(func.max(elements.c.epoch)).where(elements.c.norad == sat.c.norad).scalar_subquery()
    query = select(sat.c.norad, sat.c.name, sat.c.cospar, held_newest.label("epoch"))
    schema = {"norad": pl.Int64, "name": pl.String, "cospar": pl.String, "epoch": pl.Datetime("us", "UTC")}
    held = [read_frame(conn, query.where(sat.c.norad.in_(chunk)), schema)
            for chunk in batches(newest["norad"].sort().to_list())]
    known = pl.concat(held).rename({"name": "old_name", "cospar": "old_cospar", "epoch": "old_epoch"})
    joined = newest.join(known.with_columns(held=True), on="norad", how="left")
    inserts = joined.filter(pl.col("held").is_null())
    kept = joined.filter(pl.col("held")).with_columns(
        name=pl.coalesce("name", "old_name"), cospar=pl.coalesce("cospar", "old_cospar"))
    changed = pl.col("name").ne_missing(pl.col("old_name")) | pl.col("cospar").ne_missing(pl.col("old_cospar"))
    updates = kept.filter((pl.col("old_epoch").is_null() | (pl.col("epoch") >= pl.col("old_epoch"))) & changed)
    identity = ["norad", "name", "cospar", launch_of(pl.col("cospar")).alias("launch")]
    insert_new(conn, sat, inserts.select(identity))
    update_rows(conn, sat, "norad", updates.select(identity))
    return inserts.height
