"""The store's statements for the stickiness figures (CONTRACT.md 8.4): read from what each decision recorded
when it was made (its trigger, whether the customer was returning, why they missed their agent), grouped in
the database so that a year of history answers in well under a second."""
from __future__ import annotations

from datetime import datetime

from .runner import Runner, dt

# For each first decision of a created or reopened conversation (trigger "event"): its day, team, the agent it
# is counted for (a returning customer's agent, else the one it went to), what became of a returning customer,
# why they missed their agent, and whether a link had run out. A hold's outcome is the decision that ended it.
_WHO = "CASE WHEN d.is_returning = :yes THEN d.linked_agent ELSE d.agent_id END"
_OUTCOMES = """
SELECT {day} AS day, {team} AS team, {who} AS who, {outcome} AS outcome, d.miss, d.window_passed, count(*)
FROM decision d
WHERE d.trigger = 'event' AND d.decided_at >= :since{among}
GROUP BY 1, 2, 3, 4, 5, 6
"""
# The decision after `d` in its conversation: looked up (by index) only for the rows that need it.
_NEXT = ("FROM decision n WHERE n.conversation_id = d.conversation_id AND n.id > d.id ORDER BY n.id LIMIT 1")
_OUTCOME = f"""CASE
    WHEN d.is_returning <> :yes THEN 'new'
    WHEN d.rule = 'sticky_hold' THEN coalesce((SELECT CASE
        WHEN n.status = 'assigned' AND n.agent_id = d.linked_agent THEN 'after_hold'
        WHEN n.status = 'assigned' AND n.rule = 'cover' THEN 'cover'
        WHEN n.status = 'assigned' THEN 'teammate'
        WHEN n.status = 'unassigned' THEN 'unassigned'
        ELSE 'held' END {_NEXT}), 'held')
    WHEN d.status = 'assigned' AND d.agent_id = d.linked_agent THEN 'their_agent'
    WHEN d.status = 'assigned' AND d.rule = 'cover' THEN 'cover'
    WHEN d.status = 'assigned' THEN 'teammate'
    WHEN d.status = 'held' THEN 'held'
    ELSE 'unassigned' END"""
# Time spent waiting: in Unassigned (until the decision that took it out), and in a hold (until it ended).
_WAITS = f"""
SELECT * FROM (
    SELECT CASE WHEN d.status = 'held' THEN 'hold' ELSE 'unassigned' END, {{day}}, d.team,
           CASE WHEN d.status = 'held' THEN d.agent_id ELSE (SELECT n.agent_id {_NEXT}) END AS who, d.decided_at,
           (SELECT n.decided_at {_NEXT}) AS ended
    FROM decision d WHERE d.status IN ('unassigned', 'held') AND d.decided_at >= :since) waits
WHERE ended IS NOT NULL{{among}}
"""
# Claims that lapsed: counted for the agent who let it lapse (the one the decision before it named).
_LAPSER = ("(SELECT p.agent_id FROM decision p WHERE p.conversation_id = d.conversation_id AND p.id < d.id "
           "ORDER BY p.id DESC LIMIT 1)")
_LAPSES = """
SELECT {day}, {team}, {who}, count(*)
FROM decision d WHERE d.trigger = 'claim_lapse' AND d.decided_at >= :since{among}
GROUP BY 1, 2, 3
"""
EVERY_WAY = frozenset({"day", "team", "agent"})


class StatsStatements:
    q: Runner

    def stats_rows(self, since: datetime, *, by: frozenset[str] = EVERY_WAY, agents: list[str] | None = None,
                   waits: bool = True) -> tuple[list[tuple], list[tuple], list[tuple]]:
        """(outcomes, waits, lapses) of decisions made since `since` (see the queries above), grouped by the
        day, team and agent named in `by` (the others are None in every row); only those counted for `agents`
        when given; no waits unless `waits`. Figures that nobody shows are never computed."""
        day = ("to_char(d.decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')" if self.q.pg
               else "substr(d.decided_at, 1, 10)")
        params = dict(since=self.q.ts(since), yes=True, **{f"g{n}": a for n, a in enumerate(agents or ())})
        among = f" AND {{who}} IN ({', '.join(f':g{n}' for n in range(len(agents)))})" if agents else ""
        if self.q.pg:
            # Grouping a quarter's decisions wants more sort memory than the default 4 MB, and compiling the
            # plan (JIT) costs more than running it. Both only for this read-only transaction.
            self.q.run("SET LOCAL work_mem = '64MB'")
            self.q.run("SET LOCAL jit = off")
        parts = dict(day=day if "day" in by else "NULL", team="d.team" if "team" in by else "NULL")
        who = lambda expression: expression if "agent" in by or agents else "NULL"
        outcomes = self.q.all(_OUTCOMES.format(**parts, who=who(_WHO), outcome=_OUTCOME,
                                               among=among.format(who=_WHO)), **params)
        lapses = self.q.all(_LAPSES.format(**parts, who=who(_LAPSER), among=among.format(who=_LAPSER)), **params)
        if not waits:
            return outcomes, [], lapses
        found = self.q.all(_WAITS.format(day=day, among=among.format(who="who")), **params)
        spans = [(kind, d, team, agent, (dt(ended) - dt(began)).total_seconds())
                 for kind, d, team, agent, began, ended in found]
        return outcomes, spans, lapses
