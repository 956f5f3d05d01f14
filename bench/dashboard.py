"""The dashboard at team size: how long each page takes and how big it is, and what eight dashboard loads at
once do to a signed webhook's latency.

    python bench/dashboard.py                        # 10,000 agents, 100,000 conversations, 1,000,000 links
    python bench/dashboard.py --db sqlite --agents 500 --conversations 5000 --links 20000 --rounds 2

For each database: seed a scratch database (bench/dashboard_seed.py), start the Procfile's web command on it,
sign in to the dashboard as a browser does, then
1. **pages**: each page once to warm up, then `--rounds` loads one after another; its median and slowest time
   (from sending the request to the last byte) and its size;
2. **webhook**: `--events` signed `conversation.created` events (half from returning customers), one at a time
   every `--every-ms`, first with the dashboard quiet, then while `--loads` clients load dashboard pages
   (every page in turn) as fast as they are answered; p50, p99 and the slowest of each.
Prints the figures; writes bench/results/dashboard-latest.json (and --out).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.dashboard_seed import Size, agent_id, seed  # noqa: E402
from bench.databases import PG_DEFAULT, Databases  # noqa: E402
from bench.procfile import parse_serve  # noqa: E402
from bench.server import Server, Tree  # noqa: E402
from bench.workload import ADMIN_TOKEN, signed  # noqa: E402

TARGET_MS, TARGET_BYTES, TARGET_P99_MS = 300, 300_000, 50
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NEXT = re.compile(r'href="([^"]+)">Next page')


def pages(size: Size) -> dict[str, str]:
    """The pages measured, by name: every page of the dashboard, long lists at their first page and deep in."""
    from bot.service.paging import encode

    deep = agent_id(size.agents * 9 // 10)
    return {"overview": "/", "agents": "/agents", "agents, 9/10 in": f"/agents?cursor={encode('agents', (deep,))}",
            "agents, search": "/agents?q=Agent+123", "agent": f"/agents/{agent_id(7)}", "queue": "/queue",
            "queue, page 2": "NEXT:/queue", "held": "/held", "stats, 7 days": "/stats",
            "stats, 14 days": "/stats?days=14", "audit": "/audit", "customer": "/customers/cust5",
            "customer, find an agent to block": "/customers/cust5?find=Agent+77",
            "conversation": "/conversations/conv000042"}


def signed_in(base: str) -> requests.Session:
    http = requests.Session()
    form = http.get(base + "/login", timeout=30)
    answer = http.post(base + "/login", data={"csrf": CSRF.search(form.text).group(1), "token": ADMIN_TOKEN},
                       allow_redirects=False, timeout=30)
    if answer.status_code != 303:
        raise SystemExit(f"bench: signing in to the dashboard answered {answer.status_code}")
    return http


def resolve(http: requests.Session, base: str, path: str) -> str:
    """"NEXT:/queue" is the page the first page's Next page link leads to."""
    if not path.startswith("NEXT:"):
        return path
    found = NEXT.search(http.get(base + path[5:], timeout=60).text)
    return found.group(1).replace("&amp;", "&") if found else path[5:]


def measure_pages(http: requests.Session, base: str, paths: dict[str, str], rounds: int) -> dict:
    out = {}
    for name, path in paths.items():
        path = resolve(http, base, path)
        http.get(base + path, timeout=60)  # warm: templates compiled, caches filled
        times, size, status = [], 0, 0
        for _ in range(rounds):
            started = time.perf_counter()
            answer = http.get(base + path, timeout=60)
            times.append((time.perf_counter() - started) * 1e3)
            size, status = len(answer.content), answer.status_code
        out[name] = {"path": path, "status": status, "bytes": size, "median_ms": statistics.median(times),
                     "max_ms": max(times)}
    return out


def webhooks(base: str, size: Size, events: int, every_ms: float, tag: str) -> dict:
    """`events` signed created events, one at a time, each `every_ms` after the last began."""
    import random

    rng, http, times = random.Random(tag), requests.Session(), []
    for n in range(events):
        returning = n % 2 == 0
        customer = f"cust{rng.randrange(size.links)}" if returning else f"{tag}-new{n}"
        body = {"id": f"{tag}-e{n}", "type": "conversation.created",
                "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "conversation": {"id": f"{tag}-c{n}"}, "customer": {"id": customer},
                "team": f"team{rng.randrange(size.teams):03d}"}
        stamp, signature, raw = signed(body)
        started = time.perf_counter()
        answer = http.post(base + "/webhooks/widget", data=raw, timeout=60, headers={
            "Content-Type": "application/json", "X-Sticky-Timestamp": str(stamp), "X-Sticky-Signature": signature})
        took = (time.perf_counter() - started) * 1e3
        if answer.status_code != 200:
            raise SystemExit(f"bench: the webhook answered {answer.status_code}: {answer.text[:300]}")
        times.append(took)
        time.sleep(max(0.0, every_ms - took) / 1e3)
    times.sort()
    return {"events": events, "p50_ms": _quantile(times, 0.5), "p99_ms": _quantile(times, 0.99),
            "max_ms": times[-1]}


def _quantile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _load_pages(base: str, cookies: dict, paths: list[str], loads: int, stop, results) -> None:
    """In a process of its own (so that its threads never slow the webhook's client): `loads` clients loading
    the pages in turn, as fast as they are answered, until `stop`; their page times go to `results`."""
    done, lock = [], threading.Lock()

    def client(k: int):
        http = requests.Session()
        http.cookies.update(cookies)
        n = k
        while not stop.is_set():
            started = time.perf_counter()
            http.get(base + paths[n % len(paths)], timeout=120)
            with lock:
                done.append((time.perf_counter() - started) * 1e3)
            n += 1
    threads = [threading.Thread(target=client, args=(k,), daemon=True) for k in range(loads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(done)


def with_loads(base: str, cookies: dict, paths: list[str], loads: int, work) -> tuple[dict, dict]:
    """`work()` while `loads` clients load the dashboard's pages; its answer, and what the clients did."""
    stop, results = multiprocessing.Event(), multiprocessing.Queue()
    loader = multiprocessing.Process(target=_load_pages, args=(base, cookies, paths, loads, stop, results))
    loader.start()
    time.sleep(2.0)  # every client has a page in flight
    try:
        answer = work()
    finally:
        stop.set()
        done = sorted(results.get(timeout=300))
        loader.join(60)
    return answer, {"clients": loads, "page_loads": len(done), "page_p50_ms": _quantile(done, 0.5),
                    "page_p99_ms": _quantile(done, 0.99)}


def run(backend: str, args: argparse.Namespace, scratch: Path) -> dict:
    size = Size(args.agents, args.teams, args.conversations, args.links)
    dbs = Databases(backend, scratch, args.pg_url)
    if (why := dbs.reachable()) is not None:
        print(f"[{backend}] skipped: {why}", flush=True)
        return {"skipped": why}
    url = dbs.fresh("dashboard")
    try:
        started = time.perf_counter()
        seeded = {**seed(url, size), "seconds": round(time.perf_counter() - started, 1)}
        print(f"[{backend}] seeded {seeded}", flush=True)
        server = Server(Tree.open(ROOT, sys.executable, scratch), parse_serve("procfile"), "stickybot", url,
                        scratch / "server.log")
        try:
            base = f"http://127.0.0.1:{server.port}"
            http = signed_in(base)
            paths = {name: resolve(http, base, p) for name, p in pages(size).items()}
            measured = measure_pages(http, base, paths, args.rounds)
            quiet = webhooks(base, size, args.events, args.every_ms, f"q{int(time.time())}")
            loaded, clients = with_loads(base, http.cookies.get_dict(), list(paths.values()), args.loads,
                                         lambda: webhooks(base, size, args.events, args.every_ms,
                                                          f"l{int(time.time())}"))
        finally:
            server.stop()
    finally:
        dbs.drop(url)
    result = {"seeded": seeded, "command": server.command, "pages": measured,
              "webhook_quiet": quiet, "webhook_with_dashboard_loads": {**loaded, **clients}}
    report(backend, result)
    return result


def report(backend: str, result: dict) -> None:
    print(f"\n[{backend}] pages (median / slowest of the rounds, size; targets {TARGET_MS} ms, "
          f"{TARGET_BYTES // 1000} KB)")
    for name, p in result["pages"].items():
        flag = "" if p["median_ms"] < TARGET_MS and p["bytes"] < TARGET_BYTES and p["status"] == 200 else "  !!"
        print(f"  {name:36} {p['median_ms']:7.1f} / {p['max_ms']:7.1f} ms  {p['bytes'] / 1000:6.1f} KB  "
              f"{p['status']}{flag}")
    q, loaded = result["webhook_quiet"], result["webhook_with_dashboard_loads"]
    print(f"[{backend}] webhook p50 / p99 / max: quiet {q['p50_ms']:.1f} / {q['p99_ms']:.1f} / {q['max_ms']:.1f} ms;"
          f" with {loaded['clients']} dashboard loads {loaded['p50_ms']:.1f} / {loaded['p99_ms']:.1f} / "
          f"{loaded['max_ms']:.1f} ms (target p99 {TARGET_P99_MS} ms; {loaded['page_loads']} pages loaded "
          f"meanwhile, p50 {loaded['page_p50_ms']:.0f} ms, p99 {loaded['page_p99_ms']:.0f} ms)", flush=True)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--pg-url", default=PG_DEFAULT, help="PostgreSQL database to work in (scratch schemas)")
    default = Size()
    p.add_argument("--agents", type=int, default=default.agents)
    p.add_argument("--teams", type=int, default=default.teams)
    p.add_argument("--conversations", type=int, default=default.conversations)
    p.add_argument("--links", type=int, default=default.links)
    p.add_argument("--rounds", type=int, default=5, help="loads of each page measured")
    p.add_argument("--events", type=int, default=400, help="webhook events in each of the two runs")
    p.add_argument("--every-ms", type=float, default=50.0, help="the webhook's pace: one event every N ms")
    p.add_argument("--loads", type=int, default=8, help="dashboard clients loading pages meanwhile")
    p.add_argument("--out", type=Path, help="also write the results here")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = arguments(argv)
    scratch = Path(tempfile.mkdtemp(prefix="stickybot-dashboard-bench-"))
    try:
        results = {"size": vars(Size(args.agents, args.teams, args.conversations, args.links)),
                   "rounds": args.rounds, "events": args.events, "every_ms": args.every_ms, "loads": args.loads}
        for backend in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
            results[backend] = run(backend, args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    text = json.dumps(results, indent=2, default=str)
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "dashboard-latest.json").write_text(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
