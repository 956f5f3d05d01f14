"""The bench's in-process parts, run in a child process started in the source tree under test:

    python -m bench.inproc TASK 'JSON ARGUMENTS'

Tasks: `where` (which `bot` is imported), `seed`, `decision` (the cost of one routed decision, through the
app's test client with really signed requests), `sweep` (`bot.jobs.expire_links`) and `retention`
(`bot.jobs.retain`). Prints one JSON line.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

from bench.seed import app_for, close, seed
from bench.workload import WORKLOADS, make_stream


def where(_args: dict) -> dict:
    import bot

    return {"bot": str(Path(bot.__file__).resolve().parent)}


def do_seed(args: dict) -> dict:
    started = time.perf_counter()
    done = seed(args["url"], WORKLOADS[args["workload"]], args.get("live"), args.get("stale", 0), args.get("old", 0))
    return {**done, "seconds": time.perf_counter() - started}


def _round(client, lines: list[str], rules: Counter) -> float:
    """Mean milliseconds per request over `lines`, each answered 200."""
    started = time.perf_counter()
    for line in lines:
        stamp, signature, body = line.split("\t", 2)
        answer = client.post("/webhooks/widget", data=body, content_type="application/json",
                             headers={"X-Sticky-Timestamp": stamp, "X-Sticky-Signature": signature})
        if answer.status_code != 200:
            raise RuntimeError(f"the webhook answered {answer.status_code}: {answer.get_data(as_text=True)[:300]}")
        rules[answer.get_json().get("rule")] += 1
    return (time.perf_counter() - started) / len(lines) * 1e3


def decision(args: dict) -> dict:
    """`conversation.created` events (the workload's returning share) against databases that differ in their
    number of links, in alternating rounds after one unmeasured warm-up round each; each figure is the median
    of its rounds' means."""
    work = WORKLOADS[args["workload"]]
    apps = {size: app_for(url) for size, url in args["urls"].items()}
    means: dict[str, list[float]] = {size: [] for size in apps}
    rules: dict[str, Counter] = {size: Counter() for size in apps}
    try:
        clients = {size: app.test_client() for size, app in apps.items()}
        for r in range(-1, args["rounds"]):
            for size, client in clients.items():
                shape = replace(work, customers=int(size), mix=(1.0, 0.0, 0.0))
                lines = make_stream(shape, f"d{size}r{r}", args["events"], 1, [], f"{size}/{r}").lines
                mean = _round(client, lines, Counter() if r < 0 else rules[size])
                if r >= 0:
                    means[size].append(mean)
    finally:
        for app in apps.values():
            close(app)
    return {size: {"ms": statistics.median(v), "rounds_ms": v, "rules": dict(rules[size])}
            for size, v in means.items()}


def _job(args: dict, run) -> dict:
    """Run a scheduler job once on its own connection; a first line says the work begins."""
    from bot.db import Database

    db = Database(args["url"])
    try:
        if hasattr(db, "read"):  # connected, schema checked: what follows is the job alone
            db.read(lambda store: store.settings())
        print(json.dumps({"started": True}), flush=True)
        started = time.perf_counter()
        removed = run(db)
        return {"removed": removed, "seconds": time.perf_counter() - started}
    finally:
        db.dispose()


def sweep(args: dict) -> dict:
    from bot.jobs import expire_links

    return _job(args, expire_links)


def retention(args: dict) -> dict:
    from bot.jobs import retain

    return _job(args, lambda db: retain(db, args["days"]))


def statements(args: dict) -> dict:
    """Statements and round trips to PostgreSQL per event, by kind: the workload's events through the app's
    test client, counted on psycopg itself (a statement outside a pipeline, a pipeline, a commit outside one:
    one round trip each)."""
    import psycopg

    counts = {"statements": 0, "round_trips": 0}
    execute, pipeline, commit = psycopg.Cursor.execute, psycopg.Connection.pipeline, psycopg.Connection.commit

    def counted_execute(self, *a, **k):
        counts["statements"] += 1
        if self.connection._pipeline is None:
            counts["round_trips"] += 1
        return execute(self, *a, **k)

    def counted_pipeline(self, *a, **k):
        if self._pipeline is None:
            counts["round_trips"] += 1
        return pipeline(self, *a, **k)

    def counted_commit(self):
        if self._pipeline is None:
            counts["round_trips"] += 1
        return commit(self)

    psycopg.Cursor.execute, psycopg.Connection.pipeline = counted_execute, counted_pipeline
    psycopg.Connection.commit = counted_commit
    app = app_for(args["url"])
    kinds: dict[str, dict] = {}
    names = {"C": "created, returning customer", "N": "created, new customer", "R": "resolved", "M": "message"}
    try:
        client = app.test_client()
        stream = make_stream(WORKLOADS[args["workload"]], f"s{time.time():.0f}", args["events"], 1, [], "statements")
        for (kind, _), line in zip(stream.events, stream.lines):
            before = dict(counts)
            _round(client, [line], Counter())
            entry = kinds.setdefault(names[kind], {"events": 0, "statements": 0, "round_trips": 0})
            entry["events"] += 1
            for key in counts:
                entry[key] += counts[key] - before[key]
    finally:
        close(app)
    return {k: {"events": v["events"], "statements": v["statements"] / v["events"],
                "round_trips": v["round_trips"] / v["events"]} for k, v in kinds.items()}


def seed_team(args: dict) -> dict:
    from bench.seed import one_team

    return one_team(args["url"], args["agents"])


TASKS = {"where": where, "seed": do_seed, "seed_team": seed_team, "statements": statements, "decision": decision, "sweep": sweep, "retention": retention}

if __name__ == "__main__":
    print(json.dumps(TASKS[sys.argv[1]](json.loads(sys.argv[2]))))
