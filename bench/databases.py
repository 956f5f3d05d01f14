"""Scratch databases, one per run: a new SQLite file, or a new schema inside the PostgreSQL database given
(so the bench needs no right to create databases, and leaves nothing behind)."""
from __future__ import annotations

import itertools
import os
from pathlib import Path
from urllib.parse import quote

PG_DEFAULT = "postgresql+psycopg://root@127.0.0.1:5432/stickybot_bench"


def _driver_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class Databases:
    def __init__(self, backend: str, scratch: Path, pg_url: str | None = None):
        self.backend, self.scratch, self.pg_url = backend, scratch, pg_url
        self._numbers = itertools.count()
        self._schemas: dict[str, str] = {}

    def reachable(self) -> str | None:
        """None when usable, else why not."""
        if self.backend == "sqlite":
            return None
        try:
            import psycopg

            with psycopg.connect(_driver_url(self.pg_url), connect_timeout=5):
                return None
        except Exception as exc:  # the reason is shown, and that backend skipped
            return f"{type(exc).__name__}: {str(exc).strip()[:200]}"

    def fresh(self, name: str) -> str:
        number = next(self._numbers)
        if self.backend == "sqlite":
            return f"sqlite:///{self.scratch / f'{name}-{number}.db'}"
        schema = f"bench_{os.getpid()}_{number}_{name}"
        self._execute(f'CREATE SCHEMA "{schema}"')
        glue = "&" if "?" in self.pg_url else "?"
        url = f"{self.pg_url}{glue}options={quote(f'-csearch_path={schema}')}"
        self._schemas[url] = schema
        return url

    def drop(self, url: str) -> None:
        if self.backend == "sqlite":
            path = Path(url.removeprefix("sqlite:///"))
            for leftover in path.parent.glob(path.name + "*"):
                leftover.unlink()
        elif url in self._schemas:
            self._execute(f'DROP SCHEMA IF EXISTS "{self._schemas.pop(url)}" CASCADE')

    def drop_all(self) -> None:
        for url in list(self._schemas):
            self.drop(url)

    def _execute(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(_driver_url(self.pg_url), autocommit=True) as conn:
            conn.execute(statement)
