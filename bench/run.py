"""stickybot's benchmark: the real server under gunicorn versus the bare-Flask limit, with the same
client (wrk, or a Python client without it), the same gunicorn settings and the same pre-signed requests.

    python bench/run.py                  # SQLite and, if reachable, PostgreSQL
    python bench/run.py --db sqlite --duration 10

Prints each figure and the ratios the targets are about; writes bench/results/latest.json.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.seed import TEAMS, seed  # noqa: E402
from integrations.signing import sign  # noqa: E402

SECRET = "bench-secret"
PG_DEFAULT = "postgresql+psycopg://root@127.0.0.1:5432/test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def requests_file(path: Path, count: int, customers: int, tag: str, resolve_share: float = 0.3) -> None:
    """Pre-signed events: new conversations of seeded customers, and resolves of earlier ones."""
    rng = random.Random(tag)
    stamp = int(time.time())
    created = 0
    with path.open("w") as out:
        for n in range(count):
            if created > 200 and rng.random() < resolve_share:
                body = {"id": f"{tag}-r{n}", "type": "conversation.resolved",
                        "occurred_at": "2026-11-25T10:00:00Z",
                        "conversation": {"id": f"{tag}-c{rng.randrange(created - 200)}"}}
            else:
                body = {"id": f"{tag}-e{n}", "type": "conversation.created", "occurred_at": "2026-11-25T10:00:00Z",
                        "conversation": {"id": f"{tag}-c{created}", "url": f"https://help.example.com/c/{created}"},
                        "customer": {"id": f"cust{rng.randrange(customers)}", "name": "A customer"},
                        "team": f"team{rng.randrange(TEAMS):02d}"}
                created += 1
            raw = json.dumps(body, separators=(",", ":"))
            out.write(f"{stamp}\t v1={sign(SECRET, stamp, raw.encode())}\t{raw}\n".replace("\t v1", "\tv1"))


class Server:
    def __init__(self, app: str, db_url: str, workers: int, threads: int):
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": db_url, "STICKY_WEBHOOK_SECRET": SECRET, "STICKY_ADMIN_TOKEN": "b",
               "STICKY_SCHEDULER": "off", "PYTHONPATH": str(ROOT),
               "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="bench-prom-")}
        for key in ("SLACK_BOT_TOKEN", "CHATWOOT_URL"):
            env.pop(key, None)
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), app, "--workers", str(workers), "--threads",
             str(threads), "--worker-class", "gthread", "--bind", f"127.0.0.1:{self.port}", "--log-level",
             "warning", "--backlog", "2048"], cwd=ROOT, env=env)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{app} did not start")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


def drive(port: int, reqs: Path, duration: float, concurrency: int) -> dict:
    if shutil.which("wrk"):
        out = subprocess.run(
            ["wrk", "-t", "2", "-c", str(concurrency), "-d", f"{max(1, int(duration))}s", "--timeout", "5s", "-s",
             str(ROOT / "bench" / "wrk.lua"), f"http://127.0.0.1:{port}", "--", str(reqs), "2"],
            capture_output=True, text=True, check=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
    else:
        from bench.pyclient import run as pyrun
        result = pyrun(port, reqs, duration, concurrency)
    result["rps"] = result["requests"] / result["duration_s"]
    return result


def throughput(db_url: str, label: str, args, tmp: Path) -> dict:
    reqs = tmp / f"{label}.tsv"
    requests_file(reqs, int(args.duration * 2500), args.customers, f"{label}{int(time.time())}")
    results = {}
    for name, app in (("baseline", "bench.baseline:create_app()"), ("stickybot", "bot:create_app()")):
        server = Server(app, db_url, args.workers, args.threads)
        try:
            drive(server.port, reqs, 2, args.concurrency)  # warm-up: imports, connections, caches
            results[name] = drive(server.port, reqs, args.duration, args.concurrency)
        finally:
            server.stop()
        requests_file(reqs, int(args.duration * 2500), args.customers, f"{label}{name}{int(time.time())}")
    results["ratio"] = results["stickybot"]["rps"] / results["baseline"]["rps"]
    return results


def decision_cost(db_urls: dict[str, str], rounds: int = 9, per_round: int = 300) -> dict:
    """Time of one routed decision (route + commit), in-process: rounds alternate between the databases,
    and each figure is the median of its rounds' means (these machines are noisy)."""
    import statistics

    from bot.db import Database
    from bot.service import events
    from integrations.widget import parse

    dbs = {k: Database(u) for k, u in db_urls.items()}
    means: dict[str, list[float]] = {k: [] for k in dbs}
    for r in range(rounds):
        for key, db in dbs.items():
            rng = random.Random(f"{key}{r}")
            size = int(key.split("_")[-1])
            bodies = [json.dumps({"id": f"d{key}{r}-{i}", "type": "conversation.created",
                                  "occurred_at": "2026-11-25T10:00:00Z",
                                  "conversation": {"id": f"d{key}{r}-{i}"},
                                  "customer": {"id": f"cust{rng.randrange(size)}"},
                                  "team": f"team{rng.randrange(TEAMS):02d}"}).encode() for i in range(per_round)]
            started = time.perf_counter()
            for body in bodies:
                events.handle(db, parse(body))
            means[key].append((time.perf_counter() - started) / per_round * 1e3)
    for db in dbs.values():
        db.dispose()
    return {k: statistics.median(v) for k, v in means.items()}


def sweep_under_load(db_url: str, args, tmp: Path) -> dict:
    reqs = tmp / "sweep.tsv"
    requests_file(reqs, int(args.duration * 2500), args.customers, f"sw{int(time.time())}")
    server = Server("bot:create_app()", db_url, args.workers, args.threads)
    try:
        drive(server.port, reqs, 2, args.concurrency)
        quiet = drive(server.port, reqs, args.duration / 2, args.concurrency)
        requests_file(reqs, int(args.duration * 2500), args.customers, f"sw2{int(time.time())}")
        code = ("import sys,time; from bot.db import Database; from bot.jobs import expire_links; "
                "db=Database(sys.argv[1]); t=time.perf_counter(); n=expire_links(db); "
                "print(n, time.perf_counter()-t)")
        sweeper = subprocess.Popen([sys.executable, "-c", code, db_url], cwd=ROOT, stdout=subprocess.PIPE,
                                   text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
        during = drive(server.port, reqs, args.duration, args.concurrency)
        removed, seconds = sweeper.communicate(timeout=600)[0].split()
    finally:
        server.stop()
    return {"removed": int(removed), "sweep_s": float(seconds), "quiet": quiet, "during": during}


def pg_database(base: str, name: str) -> str | None:
    try:
        import psycopg
        admin = base.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return base.rsplit("/", 1)[0] + "/" + name
    except Exception as exc:
        print(f"PostgreSQL not reachable ({type(exc).__name__}); skipping it")
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_DEFAULT))
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--skip", nargs="*", default=[], choices=["throughput", "decision", "sweep"])
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="stickybot-bench-"))
    report: dict = {"settings": vars(args), "client": "wrk" if shutil.which("wrk") else "python"}
    backends = []
    if args.db in ("sqlite", "both"):
        backends.append(("sqlite", lambda name: f"sqlite:///{tmp / name}.db"))
    if args.db in ("postgres", "both"):
        backends.append(("postgres", lambda name: pg_database(args.pg_url, f"stickybench_{name}")))
    for backend, make in backends:
        out = report.setdefault(backend, {})
        if "throughput" not in args.skip and (url := make("main")):
            seed(url, args.customers)
            out["throughput"] = throughput(url, backend, args, tmp)
            show(backend, "throughput", out["throughput"])
        if "decision" not in args.skip:
            urls = {f"links_{n}": make(f"links_{n}") for n in (10_000, 1_000_000)}
            if all(urls.values()):
                for key, url in urls.items():
                    seed(url, int(key.split("_")[1]))
                costs = decision_cost(urls)
                out["decision_ms"] = {**costs, "ratio": costs["links_1000000"] / costs["links_10000"]}
                show(backend, "decision", out["decision_ms"])
        if "sweep" not in args.skip and (url := make("sweep")):
            seed(url, args.customers, stale=1_000_000)
            out["sweep"] = sweep_under_load(url, args, tmp)
            show(backend, "sweep", out["sweep"])
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "latest.json").write_text(json.dumps(report, indent=2))
    shutil.rmtree(tmp, ignore_errors=True)


def show(backend: str, what: str, r: dict) -> None:
    if what == "throughput":
        b, s = r["baseline"], r["stickybot"]
        print(f"[{backend}] bare Flask: {b['rps']:.0f} req/s p50 {b['p50_ms']:.1f} p95 {b['p95_ms']:.1f} "
              f"p99 {b['p99_ms']:.1f} ms | stickybot: {s['rps']:.0f} events/s p50 {s['p50_ms']:.1f} "
              f"p95 {s['p95_ms']:.1f} p99 {s['p99_ms']:.1f} ms, non-2xx {s['non_2xx']} | ratio {r['ratio']:.2f}")
    elif what == "decision":
        print(f"[{backend}] decision: {r['links_10000']:.2f} ms with 10k links, {r['links_1000000']:.2f} ms with "
              f"1M links | ratio {r['ratio']:.3f}")
    else:
        print(f"[{backend}] sweep of {r['removed']} stale links: {r['sweep_s']:.1f} s | webhook p99 "
              f"{r['quiet']['p99_ms']:.1f} ms quiet, {r['during']['p99_ms']:.1f} ms during the sweep "
              f"({r['during']['rps']:.0f} events/s)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
