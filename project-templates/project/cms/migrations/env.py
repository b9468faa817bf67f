"""Alembic's environment: runs the migrations on the connection ``cms.migrate`` hands
over (the application's own async engine), so no ``alembic.ini`` is needed."""

from __future__ import annotations

from alembic import context

from cms.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
