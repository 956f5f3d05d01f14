"""What the bench prints, one line per figure, and the header stating the workload."""
from __future__ import annotations

import os
import platform
from datetime import datetime, timezone

from bench.client import Load, problems
from bench.workload import Workload


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


def header(work: Workload, load: Load, args, trees: list[dict]) -> dict:
    mix = "/".join(_pct(s) for s in work.mix)
    print(f"workload {work.name}: {work.agents} agents in {work.teams} teams (every {work.away_every}th away, "
          f"the rest online, no capacity limit), {work.customers:,} returning customers with links "
          + (f"touched {work.seen_days:g} days ago, in the" if work.seen_days is not None else "inside the")
          + f" {work.sticky_days}-day window; conversation.created/resolved/message {mix}; created events "
          f"{_pct(work.returning)} returning customers, {_pct(1 - work.returning)} new; every event fresh")
    print(f"client: wrk, {load.concurrency} connections, {args.warmup:g} s warm-up on its own events, "
          f"{load.duration:g} s measured; {os.cpu_count()} CPUs")
    for tree in trees:
        print(f"tree {tree['tree']}: commit {tree['commit']}{' with changes' if tree['changed_files'] else ''}, "
              f"bot from {tree['bot_imported_from']}")
    return {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": platform.node(),
            "cpus": os.cpu_count(), "workload": work.stated(),
            "client": {"tool": "wrk", "connections": load.concurrency, "warmup_s": args.warmup,
                       "duration_s": load.duration},
            "serve": [s.label for s in args.serve], "trees": trees}


def _run(r: dict, unit: str) -> str:
    return f"{r['rps']:.0f} {unit} p50 {r['p50_ms']:.1f} p90 {r['p90_ms']:.1f} p99 {r['p99_ms']:.1f} ms"


def _sent(r: dict) -> str:
    s = r["sent_events"]
    rules = ", ".join(f"{k} {v}" for k, v in sorted(r["rules"].items())) or "none"
    return (f"sent {s['events']} events: created {_pct(s['mix']['created'])} (returning "
            f"{_pct(s['returning_share'])}), resolved {_pct(s['mix']['resolved'])}, message "
            f"{_pct(s['mix']['message'])}; duplicates {r['duplicates']}, non-2xx {r['non_2xx']}; rules: {rules}")


def _warn(prefix: str, what: str, r: dict) -> None:
    for problem in problems(r):
        print(f"{prefix}   !! {what}: {problem}")


def throughput(backend: str, r: dict) -> None:
    b, s = r["baseline"], r["stickybot"]
    p = f"[{backend}] {r['tree']} ({r['serve']})"
    ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "n/a"
    print(f"{p} bare Flask: {_run(b, 'req/s')} | stickybot: {_run(s, 'events/s')} | ratio {ratio}")
    if r.get("durable"):
        d = r["durable"]
        print(f"{p}   the durable floor (bare Flask + one committed INSERT per event): {_run(d, 'req/s')} | "
              f"its ratio {r['durable_ratio']:.2f}")
    print(f"{p}   stickybot {_sent(s)}")
    print(f"{p}   command: {s['command']}")
    _warn(p, "bare Flask", b)
    if r.get("durable"):
        _warn(p, "durable floor", r["durable"])
    _warn(p, "stickybot", s)
    print(flush=True)


def decision(backend: str, r: dict) -> None:
    (small, a), (large, b) = r["links"].items()

    def sticky(rules: dict) -> str:
        return _pct(sum(n for rule, n in rules.items() if rule.startswith("sticky")) / (sum(rules.values()) or 1))

    print(f"[{backend}] {r['tree']} decision: {a['ms']:.2f} ms with {int(small):,} links, {b['ms']:.2f} ms with "
          f"{int(large):,} links | ratio {r['ratio']:.3f} (decided by a link: {sticky(a['rules'])} / "
          f"{sticky(b['rules'])})" + (" | agents with hours and absences" if r.get("availability") else ""),
          flush=True)


def sweep(backend: str, r: dict, what: str = "sweep of {n:,} stale links", job: str = "the sweep") -> None:
    p = f"[{backend}] {r['tree']} ({r['serve']})"
    print(f"{p} {what.format(n=r['removed'])}: {r['seconds']:.1f} s", flush=True)
    for label, quiet, during in ((f"paced at {r['job_load']:.0%} of saturation", "paced_quiet", "paced_during"),
                                 ("saturated", "quiet", "during")):
        q, d = r[quiet], r[during]
        print(f"{p}   {label}: webhook p99 {q['p99_ms']:.1f} ms quiet ({q['rps']:.0f} events/s), "
              f"{d['p99_ms']:.1f} ms during {job} ({d['rps']:.0f} events/s)"
              + ("" if d.get("job_running_at_end", True) else f" | {job} ended before this run did"),
              flush=True)
        _warn(p, quiet, q)
        _warn(p, during, d)
    print(flush=True)


def retention(backend: str, r: dict) -> None:
    sweep(backend, r, "retention job, {n:,} old event keys and outbox rows deleted", "the retention job")


def latency(backend: str, r: dict) -> None:
    p, a, q = f"[{backend}] {r['tree']} ({r['serve']})", r["alone"], r["paced"]
    print(f"{p} one routed event at a time: p50 {a['p50_ms']:.2f} ms p90 {a['p90_ms']:.2f} ms "
          f"(/healthz on the same connection: p50 {a['healthz_p50_ms']:.2f} ms; {a['events']} events)")
    print(f"{p} fixed rate {q['rate']:g} events/s for {q['seconds']:g} s, open loop ({q['connections']} "
          f"connections): p50 {q['p50_ms']:.1f} p99 {q['p99_ms']:.1f} max {q['max_ms']:.1f} ms; "
          f"{q['events']} events, achieved {q['achieved_rps']:.0f}/s, sent late {q['sent_late']}", flush=True)
    for what, run in (("one at a time", a), ("fixed rate", q)):
        if run["non_2xx"]:
            print(f"{p}   !! {what}: {run['non_2xx']} answers were not 2xx")
    print(flush=True)


def teamsize(backend: str, r: dict) -> None:
    cells = ", ".join(f"{int(n):,} agents {s['p50_ms']:.2f} ms" for n, s in r["sizes"].items())
    print(f"[{backend}] {r['tree']} one new conversation for one team, sent alone (p50): {cells} | "
          f"largest/smallest {r['ratio']:.2f}", flush=True)
    for n, s in r["sizes"].items():
        if s["non_2xx"]:
            print(f"[{backend}]   !! {n} agents: {s['non_2xx']} answers were not 2xx")
