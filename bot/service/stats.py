"""Does stickiness work for us? The figures of CONTRACT.md 8.4, over the decisions of the last N days.

- routed: first decisions of created or reopened conversations (the flow's included);
- returning: those whose customer had a link inside the window; split into to_their_agent (straight),
  after_hold (the agent came back, or took it, while the customer waited), to_cover (their agent was absent and
  a cover took them), to_teammate and to_unassigned (a hold that fell back counts where it went; one still
  waiting is in none of the five yet);
- misses: why a returning customer did not reach their agent (away, offline, full, deactivated, blocked, a
  flow that chose someone else, absent, off duty);
- window_passed: customers whose link had run out;
- unassigned_wait_s, hold_wait_s: median and 90th percentile of the waits that ended in the period;
- claim_lapses: assignments not taken in time.
Per day (UTC), per team (the decision's team), and per agent: a returning customer counts for the agent who
helped them last, anyone else for the agent the conversation went to.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from routing import Miss

from ..store import Store
from . import paging

SPLIT = {"their_agent": "to_their_agent", "after_hold": "after_hold", "cover": "to_cover",
          "teammate": "to_teammate", "unassigned": "to_unassigned"}


def stats(store: Store, days: int, now: datetime, limit: int | None = None, cursor: str | None = None) -> dict:
    """Every figure of the period: in total, per day, per team and per agent (GET /api/stats). With `limit`,
    `by_agent` holds one page of agents by id (`by_agent_next`: the cursor of the next page, or null)."""
    if limit is None:
        groups = _grouped(store.stats_rows(now - timedelta(days=days)))
    else:
        groups = _grouped(store.stats_rows(now - timedelta(days=days), by=frozenset({"day", "team"})))
    by = lambda kind: {key: groups[(kind, key)].as_dict() for (k, key) in sorted(groups, key=_order) if k == kind}
    out = {"days": days, "total": groups[("total", None)].as_dict(), "by_day": _days(by("day"), now, days),
           "by_team": by("team"), "by_agent": by("agent")}
    if limit is not None:
        page = agents_page(store, days, now, limit, cursor)
        out["by_agent"] = {item.pop("agent"): item for item in page["items"]}
        out["by_agent_next"] = page["next"]
    return out


def summary(store: Store, days: int, now: datetime, by_day: bool = True) -> dict:
    """The period's counts in total (and per day with `by_day`), without the waits: what the dashboard shows,
    computed without grouping by team or agent, however many agents there are."""
    rows = store.stats_rows(now - timedelta(days=days), by=frozenset({"day"} if by_day else ()), waits=False)
    groups = _grouped(rows)
    out = {"days": days, "total": groups[("total", None)].as_dict(waits=False)}
    if by_day:
        found = {key: groups[(k, key)].as_dict(waits=False) for (k, key) in sorted(groups, key=_order) if k == "day"}
        out["by_day"] = _days(found, now, days, waits=False)
    return out


def agents_page(store: Store, days: int, now: datetime, limit: int = paging.DEFAULT_LIMIT,
                cursor: str | None = None) -> dict:
    """The figures per agent a page at a time: every agent by id (deactivated ones and those with nothing to
    count included, so that pages are full), each computed from the decisions counted for it alone.
    `{"days", "items": [{"agent", ...S}], "next"}`."""
    after = paging.decode(cursor, "stats-agents", (str,))
    page = paging.paged(store.agents_page(limit + 1, after[0] if after else None), limit, "stats-agents",
                        lambda a: (a.id,))
    ids = [a.id for a in page.items]
    groups = _grouped(store.stats_rows(now - timedelta(days=days), by=frozenset({"agent"}), agents=ids)) if ids \
        else {}
    empty = _Figures()
    return {"days": days, "items": [{"agent": i, **groups.get(("agent", i), empty).as_dict()} for i in ids],
            "next": page.next}


def _grouped(rows: tuple[list[tuple], list[tuple], list[tuple]]) -> dict[tuple[str, str | None], "_Figures"]:
    """The store's rows counted into figures: in total, and per day, team and agent where the rows name one."""
    outcomes, waits, lapses = rows
    groups: dict[tuple[str, str | None], _Figures] = defaultdict(_Figures)

    def each(day: str | None, team: str | None, agent: str | None):
        yield groups[("total", None)]
        for kind, key in (("day", day), ("team", team), ("agent", agent)):
            if key is not None:
                yield groups[(kind, key)]

    for day, team, agent, outcome, miss, window_passed, count in outcomes:
        for figures in each(day, team, agent):
            figures.count(outcome, miss, bool(window_passed), count)
    for kind, day, team, agent, seconds in waits:
        for figures in each(day, team, agent):
            figures.waits[kind].append(seconds)
    for day, team, agent, count in lapses:
        for figures in each(day, team, agent):
            figures.claim_lapses += count
    groups[("total", None)]  # there is always a total
    return groups


class _Figures:
    def __init__(self):
        self.routed = self.returning = self.window_passed = self.claim_lapses = 0
        self.split = dict.fromkeys(SPLIT.values(), 0)
        self.misses = dict.fromkeys((str(m) for m in Miss), 0)
        self.waits: dict[str, list[float]] = {"unassigned": [], "hold": []}

    def count(self, outcome: str, miss: str | None, window_passed: bool, n: int) -> None:
        self.routed += n
        self.window_passed += n if window_passed else 0
        if outcome == "new":
            return
        self.returning += n
        if outcome in SPLIT:
            self.split[SPLIT[outcome]] += n
        if outcome not in ("their_agent", "after_hold", "held") and miss in self.misses:
            self.misses[miss] += n

    def as_dict(self, waits: bool = True) -> dict:
        out = {"routed": self.routed, "returning": self.returning, **self.split, "misses": dict(self.misses),
               "window_passed": self.window_passed, "unassigned_wait_s": _spread(self.waits["unassigned"]),
               "hold_wait_s": _spread(self.waits["hold"]), "claim_lapses": self.claim_lapses}
        if not waits:
            del out["unassigned_wait_s"], out["hold_wait_s"]
        return out


def _spread(values: list[float]) -> dict:
    if not values:
        return {"median": None, "p90": None}
    ordered = sorted(values)
    return {"median": round(_quantile(ordered, 0.5), 1), "p90": round(_quantile(ordered, 0.9), 1)}


def _quantile(ordered: list[float], q: float) -> float:
    """Linear interpolation between closest ranks."""
    pos = (len(ordered) - 1) * q
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _days(found: dict[str, dict], now: datetime, days: int, waits: bool = True) -> list[dict]:
    """Every day of the period, oldest first, an empty one included."""
    empty = _Figures().as_dict(waits)
    first = (now - timedelta(days=days)).date()
    span = [(first + timedelta(days=n)).isoformat() for n in range(days + 1)]
    return [{"day": day, **found.get(day, empty)} for day in span if day in found or day > span[0]]


def _order(key: tuple[str, str | None]) -> tuple[str, str]:
    return key[0], key[1] or ""
