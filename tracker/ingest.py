"""Storing element sets: bulk, idempotent and all-or-nothing.

Importing the same data twice changes nothing: an element set is identified by (catalog number,
epoch), and the database skips the ones it holds by that unique key (nothing stored is read back
to find them, so an import costs what it imports, however long the history). All writes of one
import happen in one transaction, so an interrupted import leaves the database exactly as it
was. Rows are written in bulk (:func:`tracker.bulk.insert_new`), never one round trip per row:
the full active catalogue (16,344 objects) must load within a few times sgp4's own parse time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

import polars as pl
from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection, Engine

from tle.elements import ElementSet, launch_designator, utc
from tracker.bulk import insert_new, read_frame
from tracker.constellations import add_rules
from tracker.db import batches, element_set, satellite

#: Element sets written per statement.
ROW_BATCH = 2000


@dataclass
class ImportCounts:
    """What an import did, for the user's report."""

    new_satellites: int = 0
    new_element_sets: int = 0
    duplicates: int = 0
    constellation_members_added: int = 0


def store(
    engine: Engine, records: Iterable[ElementSet], *, constellation: str | None = None
) -> ImportCounts:
    """Store element sets in one transaction; duplicates (already held or repeated) are counted."""
    with engine.begin() as conn:
        return store_in(conn, records, constellation=constellation)


def store_in(
    conn: Connection, records: Iterable[ElementSet], *, constellation: str | None = None
) -> ImportCounts:
    """As :func:`store`, inside the caller's transaction (so a refresh can add its own state)."""
    counts = ImportCounts()
    unique: dict[tuple[int, datetime], ElementSet] = {}
    for es in records:
        key = (es.norad, utc(es.epoch))
        if key in unique:
            counts.duplicates += 1
        else:
            unique[key] = es
    norads = sorted({norad for norad, _ in unique})
    if unique:
        held = list(unique.values())
        counts.new_satellites = _upsert_satellites(conn, held)
        # Rows are made a batch at a time: a row (a dict) costs more memory than its element set.
        counts.new_element_sets = sum(insert_new(conn, element_set, [_row(es) for es in batch])
                                      for batch in batches(held, ROW_BATCH))
    counts.duplicates += len(unique) - counts.new_element_sets
    if constellation and norads:
        counts.constellation_members_added = add_rules(
            conn, constellation, "norad", [str(n) for n in norads], origin="import"
        )
    return counts


def _upsert_satellites(conn: Connection, fresh: list[ElementSet]) -> int:
    """Create unseen satellites; give known ones the name and COSPAR id of their newest set.

    A set without a name or COSPAR id (a 2LE, an OMM with a blank OBJECT_ID) never erases one:
    each field comes from the newest set that has it, in this batch or already stored."""
    newest: dict[int, ElementSet] = {}
    named: dict[int, dict[str, str]] = {}
    for es in sorted(fresh, key=lambda es: utc(es.epoch)):
        newest[es.norad] = es
        named.setdefault(es.norad, {}).update({f: getattr(es, f) for f in ("name", "cospar") if getattr(es, f)})

    sat, elements = satellite, element_set
    # The newest epoch held, per satellite: one lookup in the (norad, epoch) index each.
    held_newest = select(func.max(elements.c.epoch)).where(elements.c.norad == sat.c.norad).scalar_subquery()
    query = select(sat.c.norad, sat.c.name, sat.c.cospar, held_newest.label("epoch"))
    schema = {"norad": pl.Int64, "name": pl.String, "cospar": pl.String, "epoch": pl.Datetime("us", "UTC")}
    known = {row[0]: row for chunk in batches(sorted(newest))
             for row in read_frame(conn, query.where(sat.c.norad.in_(chunk)), schema).iter_rows()}
    inserts, updates = [], []
    for norad, es in newest.items():
        old = known.get(norad)
        fields = named[norad]
        if old is None:
            name, cospar = fields.get("name"), fields.get("cospar")
            inserts.append({"norad": norad, "name": name, "cospar": cospar, "launch": launch_designator(cospar)})
            continue
        _, old_name, old_cospar, old_epoch = old
        name, cospar = fields.get("name") or old_name, fields.get("cospar") or old_cospar
        if (old_epoch is None or utc(es.epoch) >= old_epoch) and (name, cospar) != (old_name, old_cospar):
            updates.append({"b_norad": norad, "name": name, "cospar": cospar, "launch": launch_designator(cospar)})
    if inserts:
        insert_new(conn, sat, inserts)
    if updates:
        conn.execute(sat.update().where(sat.c.norad == bindparam("b_norad")), updates)
    return len(inserts)


def _row(es: ElementSet) -> dict:
    return {
        "norad": es.norad,
        "epoch": utc(es.epoch),
        "mean_motion": es.mean_motion,
        "eccentricity": es.eccentricity,
        "inclination_deg": es.inclination_deg,
        "raan_deg": es.raan_deg,
        "arg_perigee_deg": es.arg_perigee_deg,
        "mean_anomaly_deg": es.mean_anomaly_deg,
        "bstar": es.bstar,
        "mean_motion_dot": es.mean_motion_dot,
        "mean_motion_ddot": es.mean_motion_ddot,
        "element_set_no": es.element_set_no,
        "rev_at_epoch": es.rev_at_epoch,
        "classification": es.classification,
        "ephemeris_type": es.ephemeris_type,
        "source": es.source,
    }
