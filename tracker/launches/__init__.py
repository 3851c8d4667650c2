"""The launch calendar: every Chinese launch that matters to the constellation race.

Records come from three origins: the bundled calendar (``calendar.json``, written from a sourced
ledger), people (``tracker launches add/update/import``) and Launch Library 2 (``tracker launches
refresh``). A field a person set is remembered in ``user_fields`` and never overwritten by a
refresh; every change of a tracked field is kept in ``launch_history``.
"""
