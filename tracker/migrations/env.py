"""Alembic's entry point: migrations run on the connection :mod:`tracker.migrations` passes in
(``config.attributes["connection"]``), inside its transaction; never from an ``alembic.ini``."""

from alembic import context

from tracker.db import metadata

context.configure(connection=context.config.attributes["connection"], target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
