"""What one process holds: configuration, the database, and the hooks run after a commit."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Callable

from flask import current_app

from .config import Config
from .db import Database

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    config: Config
    db: Database
    # Called after a commit that wrote outbox rows (the in-process deliverer hooks in here).
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def committed(self) -> None:
        for hook in self.after_commit:
            try:
                hook()
            except Exception:  # a hook must never fail a request whose work is already committed
                log.exception("after-commit hook failed")


def runtime() -> Runtime:
    return current_app.extensions["stickybot"]
