"""The use cases of the application: what the command line, the terminal UI and notebooks do.

Each service takes an engine and plain values, runs in its own transaction(s), never prints, and
returns a report object or a frame; failures are raised from the one error tree of
:mod:`tracker.errors`. The command line (``tracker.cli``) and the UI (``tui``) are thin over
these: parse or handle a key, one call, render.

Modules: ``bootstrap`` (opening a database: schema and bundled data), ``refresh`` (every network
source under the refresh lock), ``orbits`` (positions, dawn-dusk orbits, launch batches, history,
constellations, importing element-set files).
"""
