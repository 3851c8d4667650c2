"""Speed of ``tracker tui`` on the real catalogue (targets from issue 5).

1. First frame within 1.5 s of start with the full active catalogue (16,344 objects) in the
   database: a fresh ``python`` process opens the app headless at 160x48 (land raster cached, as
   on every start after the first); also when the map first shows the satellites, and when the
   satellites table is filled.
2. Each live update (propagate the shown fleet, redraw the map, update the table's sun column)
   under 50 ms for the Guowang and Qianfan satellites and under 250 ms for all 16,344.
3. Input stays responsive during a refresh: key presses are timed while ``r`` downloads the whole
   catalogue three times from a slow local server (1 s before each answer) and stores it.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _shared import ACTIVE, require_shared

# This file is named like the package it measures: take its folder off the import path so that
# ``import tui`` finds the package, not this script.
sys.path.remove(str(Path(__file__).resolve().parent))

NOW = datetime(2026, 8, 19, tzinfo=timezone.utc)
SIZE = (160, 48)


def first_frame(db_url: str, view: str) -> dict[str, float]:
    """Seconds from the child process's start to the first frame, map with satellites, table."""
    child = r"""
import sys, time, json, asyncio
start = float(sys.argv[2])
marks = {}
from tracker.services.bootstrap import open_database as connect
from tui.app import TrackerApp
from tui.widgets.satellite_table import SatelliteTable

class Timed(TrackerApp):
    def on_ready(self):  # Textual sends Ready once the first frame is on the screen
        marks["first frame"] = time.time() - start

async def auto_pilot(pilot):
    app = pilot.app
    while app.snapshot is None:
        await asyncio.sleep(0.005)
    marks["map shows the satellites"] = time.time() - start
    while app.query_one(SatelliteTable).row_count == 0:
        await asyncio.sleep(0.005)
    marks["satellites table filled"] = time.time() - start
    app.exit()

Timed(connect(sys.argv[1]), sys.argv[1], view=sys.argv[3]).run(headless=True, size=(160, 48), auto_pilot=auto_pilot)
print(json.dumps(marks))
"""
    out = subprocess.run([sys.executable, "-c", child, db_url, repr(time.time()), view], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


async def live_updates(db_url: str, view: str, repeat: int = 20) -> tuple[int, float, float]:
    """Fleet size, median seconds of one tick (compute), and of one tick until painted."""
    from tracker.services.bootstrap import open_database as connect
    from tui.app import TrackerApp
    from tui.widgets.satellite_table import SatelliteTable

    app = TrackerApp(connect(db_url), settings(db_url), view=view, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.query_one(SatelliteTable).action_move(3)  # a selected satellite: its track is drawn too
        await pilot.pause()
        compute, painted = [], []
        for _ in range(repeat):
            t = time.perf_counter()
            app.tick()
            compute.append(time.perf_counter() - t)
            await pilot._wait_for_screen()  # the messages the tick posted, then one repaint
            app.screen._on_timer_update()
            painted.append(time.perf_counter() - t)
            await pilot.pause()
        return app.fleet.height, statistics.median(compute), statistics.median(painted)


async def settle(pilot) -> None:
    for _ in range(3):
        await asyncio.gather(*(w.wait() for w in pilot.app.workers), return_exceptions=True)
        await pilot.pause()


def slow_celestrak(body: bytes) -> ThreadingHTTPServer:
    """A local CelesTrak that answers every GP query with ``body`` after a second."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(1.0)
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def settings(db_url: str):
    """The app's settings, as ``tracker tui`` reads them, for the bench database."""
    from tracker.settings import Settings

    return Settings.from_env(os.environ, db=db_url)


async def keys_during_refresh(db_url: str) -> tuple[int, float, float, float]:
    """Key presses handled while a refresh runs: count, median and worst seconds from the key
    event to the table's cursor having moved, and how long the refresh took."""
    from tracker.services.bootstrap import open_database as connect
    from tui.app import TrackerApp
    from tui.widgets.satellite_table import SatelliteTable

    app = TrackerApp(connect(db_url), settings(db_url), clock=lambda: datetime.now(timezone.utc))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("2")
        table = app.query_one(SatelliteTable)
        start = time.perf_counter()
        app.simulate_key("r")
        await asyncio.sleep(0.05)
        latencies = []
        while any(w.group == "refresh" and w.is_running for w in app.workers):
            row, t = table.cursor, time.perf_counter()
            app.simulate_key("up" if row else "down")
            while table.cursor == row:
                await asyncio.sleep(0.001)
            latencies.append(time.perf_counter() - t)
            await asyncio.sleep(0.05)
        took = time.perf_counter() - start
        await settle(pilot)
        return len(latencies), statistics.median(latencies), max(latencies), took


def main() -> None:
    require_shared()
    from tle.formats import parse_file
    from tracker.constellations import add_rules
    from tracker.ingest import store
    from tracker.services.bootstrap import open_database as connect
    from tui.land import raster

    raster()  # build the land cache if this machine has none yet (a first start does it once)
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = connect(db_url)
        store(engine, parse_file(ACTIVE).frame)
        with engine.begin() as conn:  # Guowang and Qianfan together, as one view
            add_rules(conn, "gwqf", "name", ["HULIANWANG*", "GUOWANG*", "QIANFAN*"])
        held = engine.connect().exec_driver_sql("select count(*) from satellite").scalar()
        engine.dispose()

        print(f"1. start-up with {held:,} objects in the database (160x48, headless; best of 3 runs):")
        for view in ("guowang", "all"):
            runs = [first_frame(db_url, view) for _ in range(3)]
            print(f"   showing {view}: " + ", ".join(f"{mark} {min(r[mark] for r in runs):.2f} s" for mark in runs[0]))
        print("   (target: first frame < 1.5 s)")

        print("2. live update (propagate, sunlight, map, table sun column; a satellite selected with its track):")
        for view, target in (("gwqf", 50), ("all", 250)):
            size, compute, painted = asyncio.run(live_updates(db_url, view))
            print(f"   {size:,} satellites: {compute * 1e3:.1f} ms computed, {painted * 1e3:.1f} ms until painted (target < {target} ms)")

        body = ACTIVE.read_bytes()
        server = slow_celestrak(body)
        os.environ.update(TRACKER_CELESTRAK_URL=f"http://127.0.0.1:{server.server_port}", TRACKER_LL2_URL="off",
                          TRACKER_YAHOO_URL="off", TRACKER_EASTMONEY_URL="off")
        count, median, worst, took = asyncio.run(keys_during_refresh(db_url))
        server.shutdown()
        print(f"3. during a {took:.1f} s refresh (3 x {len(body) / 1e6:.1f} MB from a slow local server, parsed and stored):")
        print(f"   {count} key presses handled, latency median {median * 1e3:.0f} ms, worst {worst * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
