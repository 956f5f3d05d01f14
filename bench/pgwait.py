"""What PostgreSQL's backends serving stickybot are doing while it is under load: pg_stat_activity and
pg_locks sampled every few milliseconds (bench/profile.py runs it beside py-spy).

Each sample looks at the client backends connected to the bench's database, other than its own: active
and on CPU, active and waiting (for a lock, for the client, for I/O...), idle in a transaction (the server
waits for the application's next statement, its row locks held), or idle. Shares are of backend-samples.

Where the server has pg_stat_statements loaded (shared_preload_libraries; it is not by default), the
statements run meanwhile are listed too, with their calls and mean time.
"""
from __future__ import annotations

import threading
import time
from collections import Counter

from bench.databases import _driver_url

_SAMPLE = (
    "SELECT a.state, coalesce(a.wait_event_type, ''), coalesce(a.wait_event, ''), "
    "EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND NOT l.granted) "
    "FROM pg_stat_activity a WHERE a.datname = current_database() AND a.backend_type = 'client backend' "
    "AND a.pid <> pg_backend_pid()")


class Sampler:
    def __init__(self, pg_url: str, every_s: float = 0.005):
        self.url, self.every = _driver_url(pg_url.split("?")[0]), every_s
        self.counts: Counter = Counter()
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pgwait", daemon=True)

    def __enter__(self) -> "Sampler":
        self.statements = self._statements("SELECT pg_stat_statements_reset()") is not None
        self._thread.start()
        return self

    def _statements(self, sql: str):
        import psycopg

        try:
            with psycopg.connect(self.url, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                return conn.execute(sql).fetchall()
        except psycopg.Error:
            return None

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop.is_set():
                for state, kind, event, blocked in conn.execute(_SAMPLE).fetchall():
                    self.counts[_label(state, kind, event, blocked)] += 1
                self.samples += 1
                time.sleep(self.every)

    def report(self) -> dict:
        total = sum(self.counts.values()) or 1
        top = self._statements(
            "SELECT calls, total_exec_time / calls, left(regexp_replace(query, '\\s+', ' ', 'g'), 110) "
            "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND calls > 100 ORDER BY total_exec_time DESC LIMIT 12") if self.statements else None
        return {"samples": self.samples, "backend_samples": total,
                "shares": {k: v / total for k, v in self.counts.most_common()},
                "statements": [{"calls": c, "mean_us": 1000 * t, "query": q} for c, t, q in top or ()]}


def _label(state: str | None, kind: str, event: str, blocked: bool) -> str:
    if state == "active":
        if blocked or kind == "Lock":
            return f"active, waiting for a lock ({event})"
        return f"active, waiting ({kind}: {event})" if kind else "active, running"
    if state == "idle in transaction":
        return "idle in transaction (waiting for the application, locks held)"
    return state or "unknown"


def show(backend: str, report: dict) -> str:
    lines = [f"[{backend}] pg_stat_activity, {report['samples']} samples ({report['backend_samples']} "
             "backend-samples):"]
    lines += [f"  {100 * share:5.1f}%  {label}" for label, share in report["shares"].items()]
    if report["statements"]:
        lines.append(f"[{backend}] pg_stat_statements (calls, mean time):")
        lines += [f"  {s['calls']:7d} {s['mean_us']:7.1f} us  {s['query']}" for s in report["statements"]]
    return "\n".join(lines)
