"""The launch calendar: every Chinese launch that matters to the constellation race.

Records come from three origins: the bundled calendar (``calendar.json``, written from a sourced
ledger, merged again whenever a new version ships it), people (``tracker launches
add/update/delete/import``) and Launch Library 2 (``tracker launches refresh``). A field a
person set is remembered in ``user_fields`` and never overwritten by a refresh or a calendar
update; every change of a tracked field, and every deletion, is kept in ``launch_history``.

Modules: ``store`` (records, rules, the merge rule, writing with history), ``files`` (export and
import), ``bundled`` (the shipped calendar), ``ll2`` and ``refresh`` (Launch Library 2),
``vehicles`` and ``vocab`` (names and allowed values), ``models`` (tables).
"""
