"""The price of the serving setup: signed widget events through gunicorn's gthread worker (the setup before)
and through stickybot's asyncio worker (bot/serving.py, the setup now), same machine, same run, same seeded
database, same pre-signed requests, rounds alternating between the two.

    python bench/serving.py                           # SQLite and, if reachable, PostgreSQL
    python bench/serving.py --db sqlite --rounds 2 --duration 10

PostgreSQL: --pg-url names a server; the database `stickybot_serving_bench` is dropped and made anew there.
Prints each round and, per database, the median events/s and p99 of each setup and their ratio (now / before).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import PG_DEFAULT, SECRET, drive, free_port, pg_database, requests_file  # noqa: E402
from bench.seed import seed  # noqa: E402

SETUPS = {"gthread": "gthread", "asyncio": "bot.serving.Worker"}


class Server:
    def __init__(self, db_url: str, worker_class: str, workers: int, threads: int):
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": db_url, "STICKY_WEBHOOK_SECRET": SECRET, "STICKY_ADMIN_TOKEN": "b",
               "STICKY_SCHEDULER": "off", "PYTHONPATH": str(ROOT),
               "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="bench-prom-")}
        for key in ("SLACK_BOT_TOKEN", "CHATWOOT_URL"):
            env.pop(key, None)
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "bot:create_app()", "--workers", str(workers),
             "--threads", str(threads), "--worker-class", worker_class, "--bind", f"127.0.0.1:{self.port}",
             "--log-level", "warning", "--backlog", "2048"], cwd=ROOT, env=env)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn with {worker_class} did not start")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(30)


def compare(db_url: str, label: str, args, tmp: Path) -> dict:
    runs: dict[str, list[dict]] = {name: [] for name in SETUPS}
    for n in range(args.rounds):
        for name, worker_class in SETUPS.items():
            reqs = tmp / f"{label}-{name}-{n}.tsv"
            requests_file(reqs, int(args.duration * 2500), args.customers, f"{label}{name}{n}{int(time.time())}")
            server = Server(db_url, worker_class, args.workers, args.threads)
            try:
                drive(server.port, reqs, 2, args.concurrency)  # warm-up: imports, connections, caches
                result = drive(server.port, reqs, args.duration, args.concurrency)
            finally:
                server.stop()
            runs[name].append(result)
            print(f"[{label}] round {n + 1} {name}: {result['rps']:.0f} events/s, p50 {result['p50_ms']:.1f} "
                  f"p99 {result['p99_ms']:.1f} ms, non-2xx {result['non_2xx']}, errors {result['socket_errors']}")
            sys.stdout.flush()
    out = {name: {"rps": statistics.median(r["rps"] for r in rs), "p99_ms": statistics.median(r["p99_ms"] for r in rs),
                  "runs": rs} for name, rs in runs.items()}
    out["ratio_rps"] = out["asyncio"]["rps"] / out["gthread"]["rps"]
    out["ratio_p99"] = out["asyncio"]["p99_ms"] / out["gthread"]["p99_ms"]
    print(f"[{label}] gthread {out['gthread']['rps']:.0f} events/s p99 {out['gthread']['p99_ms']:.1f} ms | asyncio "
          f"{out['asyncio']['rps']:.0f} events/s p99 {out['asyncio']['p99_ms']:.1f} ms | throughput ratio "
          f"{out['ratio_rps']:.2f}, p99 ratio {out['ratio_p99']:.2f}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_DEFAULT))
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="the Procfile's default")
    parser.add_argument("--customers", type=int, default=200_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="stickybot-serving-bench-"))
    report: dict = {"settings": vars(args)}
    if args.db in ("sqlite", "both"):
        url = f"sqlite:///{tmp / 'serving.db'}"
        seed(url, args.customers)
        report["sqlite"] = compare(url, "sqlite", args, tmp)
    if args.db in ("postgres", "both") and (url := pg_database(args.pg_url, "stickybot_serving_bench")):
        seed(url, args.customers)
        report["postgres"] = compare(url, "postgres", args, tmp)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "serving.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
