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
from sqlalchemy import select
from sqlalchemy.engine import Connection, Engine

from tle.frame import launch_of
from tracker.bulk import insert_new, read_frame, update_rows
from tracker.constellations import add_rules
from tracker.db import IN_BATCH, element_set, satellite, writing
from tracker.lock import store_lock


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
    with writing(engine).begin() as conn:
        return store_in(conn, frame, constellation=constellation)


def store_in(conn: Connection, frame: pl.DataFrame, *, constellation: str | None = None) -> ImportCounts:
    """As :func:`store`, inside the caller's transaction (so a refresh can add its own state),
    which must be :func:`tracker.db.writing`'s. Of sets repeated within ``frame``, the first is
    kept."""
    store_lock(conn)
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
    """Create unseen satellites; widen known ones' epoch span; and when the import reaches the
    newest epoch held, give them the name and COSPAR id of the import's newest set that has each.

    A set without a name or COSPAR id (a 2LE, an OMM with a blank OBJECT_ID) never erases one.
    (The epoch of a held name is not kept: a name from an import's older set can replace a held
    one when the import's newest set has none.)"""
    # Sorted once, then each group read in order: a sort per group costs memory per group.
    newest = fresh.select("norad", "epoch", "name", "cospar").sort("norad", "epoch", maintain_order=True).group_by(
        "norad", maintain_order=True).agg(
        first_epoch=pl.col("epoch").first(), last_epoch=pl.col("epoch").last(),
        name=pl.col("name").drop_nulls().last(), cospar=pl.col("cospar").drop_nulls().last(),
    )
    s = satellite
    query = select(s.c.norad, s.c.name, s.c.cospar, s.c.first_epoch, s.c.last_epoch)
    when = pl.Datetime("us", "UTC")
    schema = {"norad": pl.Int64, "name": pl.String, "cospar": pl.String, "first_epoch": when, "last_epoch": when}
    norads = newest["norad"].sort().to_list()
    if len(norads) > IN_BATCH:  # a catalogue: one read of the (small) satellite table, not 33
        known = read_frame(conn, query, schema).join(newest.select("norad"), on="norad", how="semi")
    else:
        known = read_frame(conn, query.where(s.c.norad.in_(norads)), schema)
    joined = newest.join(known.with_columns(held=True), on="norad", how="left", suffix="_held")
    identity = ["norad", "name", "cospar", launch_of(pl.col("cospar")).alias("launch"), "first_epoch", "last_epoch"]
    inserts = joined.filter(pl.col("held").is_null()).select(identity)
    newer = pl.col("last_epoch_held").is_null() | (pl.col("last_epoch") >= pl.col("last_epoch_held"))
    kept = joined.filter(pl.col("held")).with_columns(
        *[pl.when(newer).then(pl.coalesce(field, f"{field}_held")).otherwise(f"{field}_held").alias(field)
          for field in ("name", "cospar")],
        first_epoch=pl.min_horizontal("first_epoch", "first_epoch_held"),
        last_epoch=pl.max_horizontal("last_epoch", "last_epoch_held"),
    )
    fields = ("name", "cospar", "first_epoch", "last_epoch")
    changed = pl.any_horizontal([pl.col(field).ne_missing(pl.col(f"{field}_held")) for field in fields])
    insert_new(conn, s, inserts)
    update_rows(conn, s, "norad", kept.filter(changed).select(identity))
    return inserts.height
