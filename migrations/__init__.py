"""Alembic migrations; `stickybot db upgrade` applies them."""
