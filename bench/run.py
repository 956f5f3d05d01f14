"""stickybot's benchmark: what users run (the Procfile's web command) against the bare-Flask limit under the
very same command, with fresh signed events only; the decision cost against the number of links; the expiry
sweep and the retention job under load. Any source tree can be measured (--src), several in one sitting.

    python bench/run.py                                   # this tree, SQLite and (if reachable) PostgreSQL
    python bench/run.py --src /work/bench-old --src .     # two trees, back to back
    python bench/run.py --serve procfile --serve gthread:2x1 --db sqlite --skip decision sweep
    python bench/run.py --workload routed --skip decision sweep retention   # issue 22's table

Prints each figure; writes bench/results/latest.json (and --out, if given).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import latency, report  # noqa: E402
from bench.client import ClientError, Load, measure, pause_for, require_wrk, warm_then_measure  # noqa: E402
from bench.databases import PG_DEFAULT, Databases  # noqa: E402
from bench.procfile import ProcfileError, parse_serve  # noqa: E402
from bench.server import Server, ServerError, Tree  # noqa: E402
from bench.workload import WORKLOADS, one_team  # noqa: E402

PARTS = ("throughput", "latency", "teamsize", "decision", "sweep", "retention")


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--src", action="append", type=Path, help="source tree to measure (repeat to compare; "
                   "default: this tree)")
    p.add_argument("--serve", action="append", help="`procfile` (default) or CLASS:WORKERSxTHREADS, e.g. "
                   "gthread:2x1; repeat to run settings side by side, each with its own baseline")
    p.add_argument("--python", default=sys.executable, help="interpreter the trees run with (its bin "
                   "directory gives gunicorn); default: this one")
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_DEFAULT),
                   help="PostgreSQL database to work in (the bench uses scratch schemas inside it)")
    p.add_argument("--workload", choices=sorted(WORKLOADS), default="default")
    p.add_argument("--duration", type=float, default=10.0, help="seconds per measured run")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up before each measured run")
    p.add_argument("--concurrency", type=int, default=16, help="open connections")
    p.add_argument("--decision-links", default="10000,1000000", help="the two link counts compared")
    p.add_argument("--decision-rounds", type=int, default=9)
    p.add_argument("--decision-events", type=int, default=300, help="events per round")
    p.add_argument("--stale", type=int, default=1_000_000, help="stale links the sweep deletes")
    p.add_argument("--old-keys", type=int, default=1_000_000,
                   help="old event keys the retention job deletes (with half as many old outbox rows)")
    p.add_argument("--job-load", type=float, default=0.5,
                   help="the paced load while a job runs, as a fraction of the saturated rate (default 0.5)")
    p.add_argument("--rate", type=float, default=100.0, help="the fixed rate of the paced run, events/s")
    p.add_argument("--rate-duration", type=float, default=30.0, help="seconds of the paced run")
    p.add_argument("--alone-events", type=int, default=300, help="events sent one at a time")
    p.add_argument("--team-sizes", default="10,100,1000,5000", help="team sizes of the team-size row")
    p.add_argument("--skip", nargs="*", default=[], choices=PARTS)
    p.add_argument("--out", type=Path, help="also write the results here")
    args = p.parse_args(argv)
    if args.warmup + args.duration > 240:
        p.error("--warmup plus --duration must stay under 240 s: events are signed when they are made, and "
                "stickybot refuses signatures more than 300 s old")
    if not 0 < args.job_load <= 1:
        p.error("--job-load is a fraction of the saturated rate, above 0 and at most 1")
    if args.concurrency < 2:
        p.error("--concurrency must be at least 2 (one connection per client thread)")
    try:
        args.serve = [parse_serve(s) for s in (args.serve or ["procfile"])]
    except ProcfileError as exc:
        p.error(str(exc))
    args.team_sizes = [int(n) for n in args.team_sizes.split(",")]
    args.decision_links = [int(n) for n in args.decision_links.split(",")]
    if len(args.decision_links) != 2 or min(args.decision_links) < 1:
        p.error("--decision-links takes two link counts, e.g. 10000,1000000")
    return args


class Bench:
    def __init__(self, args: argparse.Namespace, scratch: Path):
        self.args, self.scratch = args, scratch
        self.work = WORKLOADS[args.workload]
        self.load = Load(args.concurrency, args.duration)
        self.runs = 0

    def tag(self) -> str:
        self.runs += 1
        return f"b{int(time.time())}p{os.getpid()}r{self.runs}"

    def measure(self, tree: Tree, serve, app: str, url: str) -> dict:
        log = self.scratch / "server.log"
        server = Server(tree, serve, app, url, log)
        try:
            result = warm_then_measure(server.port, self.work, self.load, self.tag(), self.scratch / "events",
                                       self.args.warmup)
        finally:
            server.stop()
        return {**result, "command": server.command}

    def throughput(self, dbs: Databases, tree: Tree, serve) -> dict:
        url = dbs.fresh("throughput")
        try:
            seeded = tree.inproc("seed", {"url": url, "workload": self.work.name})
            baseline = self.measure(tree, serve, "baseline", url)
            durable = self.measure(tree, serve, "durable", url)
            stickybot = self.measure(tree, serve, "stickybot", url)
        finally:
            dbs.drop(url)
        return {"tree": str(tree.source), "serve": serve.label, "seeded": seeded, "baseline": baseline,
                "durable": durable, "stickybot": stickybot,
                "ratio": stickybot["rps"] / baseline["rps"] if baseline["rps"] else None,
                "durable_ratio": durable["rps"] / baseline["rps"] if baseline["rps"] else None}

    def latency(self, dbs: Databases, tree: Tree) -> dict:
        """One event at a time, then a fixed rate (open loop), on one seeded database and server."""
        url, serve = dbs.fresh("latency"), self.args.serve[0]
        try:
            tree.inproc("seed", {"url": url, "workload": self.work.name})
            server = Server(tree, serve, "stickybot", url, self.scratch / "server.log")
            try:
                alone = latency.alone(server.port, self.work, self.tag(), self.args.alone_events)
                paced = latency.paced(server.port, self.work, self.tag(), self.args.rate, self.args.rate_duration,
                                      self.args.concurrency)
            finally:
                server.stop()
        finally:
            dbs.drop(url)
        return {"tree": str(tree.source), "serve": serve.label, "alone": alone, "paced": paced}

    def teamsize(self, dbs: Databases, tree: Tree) -> dict:
        """New conversations for one team, one at a time, the team growing."""
        sizes, serve = {}, self.args.serve[0]
        for size in self.args.team_sizes:
            url = dbs.fresh(f"team{size}")
            try:
                tree.inproc("seed_team", {"url": url, "agents": size})
                server = Server(tree, serve, "stickybot", url, self.scratch / "server.log")
                try:
                    sizes[str(size)] = latency.alone(server.port, one_team(size), self.tag(), self.args.alone_events)
                finally:
                    server.stop()
            finally:
                dbs.drop(url)
        first, last = sizes[str(self.args.team_sizes[0])], sizes[str(self.args.team_sizes[-1])]
        return {"tree": str(tree.source), "sizes": sizes, "ratio": last["p50_ms"] / first["p50_ms"]}

    def decision(self, dbs: Databases, tree: Tree) -> dict:
        urls = {str(n): dbs.fresh(f"links{n}") for n in self.args.decision_links}
        try:
            seeded = [tree.inproc("seed", {"url": url, "workload": self.work.name, "live": int(size)})
                      for size, url in urls.items()]
            costs = tree.inproc("decision", {"urls": urls, "workload": self.work.name,
                                             "rounds": self.args.decision_rounds,
                                             "events": self.args.decision_events})
        finally:
            for url in urls.values():
                dbs.drop(url)
        small, large = (costs[str(n)]["ms"] for n in self.args.decision_links)
        return {"tree": str(tree.source), "links": costs, "ratio": large / small,
                "availability": all(s.get("availability") for s in seeded)}

    def sweep(self, dbs: Databases, tree: Tree) -> dict:
        return self.job_under_load(dbs, tree, "sweep", {"stale": self.args.stale}, {})

    def retention(self, dbs: Databases, tree: Tree) -> dict:
        return self.job_under_load(dbs, tree, "retention", {"old": self.args.old_keys}, {"days": 30})

    def job_under_load(self, dbs: Databases, tree: Tree, job: str, seeding: dict, job_args: dict) -> dict:
        """Webhook latency without and with `job` running in a separate process on the same database, at two
        loads: paced (--job-load of the saturated rate, how a team's traffic arrives) and saturated.
        Runs in this order: saturated quiet, paced quiet, then with the job started: paced, saturated."""
        url = dbs.fresh(job)
        serve, jobs = self.args.serve[0], []
        try:
            tree.inproc("seed", {"url": url, "workload": self.work.name, **seeding})
            server = Server(tree, serve, "stickybot", url, self.scratch / "server.log")
            try:
                prefix, load = self.scratch / "events", self.load
                quiet = warm_then_measure(server.port, self.work, load, self.tag(), prefix, self.args.warmup)
                rate = quiet["sized_for_rps"]
                pause = pause_for(load, quiet["rps"], self.args.job_load, quiet["p50_ms"])
                paced_quiet = measure(server.port, self.work, load, self.tag(), prefix, rate, pause_ms=pause)
                start = lambda: jobs.append(tree.spawn(job, {"url": url, **job_args}, wait_for_start=True))
                paced_during = measure(server.port, self.work, load, self.tag(), prefix, rate, on_start=start,
                                       pause_ms=pause)
                paced_during["job_running_at_end"] = jobs[0].poll() is None
                during = measure(server.port, self.work, load, self.tag(), prefix, rate)
                during["job_running_at_end"] = jobs[0].poll() is None
                done = tree.finish(jobs[0], job)
            finally:
                server.stop()
        finally:
            for proc in jobs:
                if proc.poll() is None:
                    proc.kill()  # the run failed; the job this bench started goes too
                    proc.wait(10)
            dbs.drop(url)
        return {"tree": str(tree.source), "serve": serve.label, **done, "job_load": self.args.job_load,
                "quiet": quiet, "during": during, "paced_quiet": paced_quiet, "paced_during": paced_during}


def run_backend(bench: Bench, backend: str, trees: list[Tree], out: dict) -> None:
    args = bench.args
    dbs = Databases(backend, bench.scratch, args.pg_url)
    if (why := dbs.reachable()) is not None:
        print(f"[{backend}] skipped: PostgreSQL not reachable at --pg-url ({why})", flush=True)
        return
    try:
        if "throughput" not in args.skip:
            for serve in args.serve:
                for tree in trees:
                    result = bench.throughput(dbs, tree, serve)
                    out.setdefault("throughput", []).append(result)
                    report.throughput(backend, result)
        for part in ("latency", "teamsize", "decision", "sweep", "retention"):
            if part not in args.skip:
                for tree in trees:
                    result = getattr(bench, part)(dbs, tree)
                    out.setdefault(part, []).append(result)
                    getattr(report, part)(backend, result)
    finally:
        dbs.drop_all()


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    scratch = Path(tempfile.mkdtemp(prefix="stickybot-bench-"))
    try:
        results = measure_all(args, scratch)
    except (ClientError, ProcfileError, ServerError) as exc:
        sys.exit(f"bench: {exc}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    target = ROOT / "bench" / "results"
    target.mkdir(exist_ok=True)
    text = json.dumps(results, indent=2, default=str)
    (target / "latest.json").write_text(text)
    if args.out:
        args.out.write_text(text)


def measure_all(args: argparse.Namespace, scratch: Path) -> dict:
    if {"throughput", "sweep", "retention"} - set(args.skip):
        require_wrk()
    trees = [Tree.open(src, args.python, scratch) for src in (args.src or [ROOT])]
    for tree in trees:
        tree.check(args.serve)
    bench = Bench(args, scratch)
    results = report.header(bench.work, bench.load, args, [t.describe() for t in trees])
    for backend in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        run_backend(bench, backend, trees, results.setdefault(backend, {}))
    return results


if __name__ == "__main__":
    main()
