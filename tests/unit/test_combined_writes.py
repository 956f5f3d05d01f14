"""Deferred PostgreSQL writes go out as few statements as keeps their meaning (bot.store.runner.combined)."""
from __future__ import annotations

from bot.store.runner import combined


def test_consecutive_writes_on_different_tables_become_one_statement_with_their_parameters_kept_apart():
    writes = [("INSERT INTO customer (id) VALUES (%(id)s)", {"id": "c1"}),
              ("UPDATE conversation SET status = %(status)s WHERE id = %(id)s", {"status": "open", "id": "v1"}),
              ("DELETE FROM left_out WHERE conversation_id = %(id)s", {"id": "v1"})]
    [(sql, values)] = combined(writes)
    assert sql == ("WITH w0 AS (INSERT INTO customer (id) VALUES (%(w0_id)s) RETURNING 1), "
                   "w1 AS (UPDATE conversation SET status = %(w1_status)s WHERE id = %(w1_id)s RETURNING 1), "
                   "w2 AS (DELETE FROM left_out WHERE conversation_id = %(w2_id)s RETURNING 1) SELECT 1")
    assert values == {"w0_id": "c1", "w1_status": "open", "w1_id": "v1", "w2_id": "v1"}


def test_a_write_that_names_a_table_already_written_in_the_statement_starts_the_next_one():
    """In one statement every part sees the same snapshot: a write that reads or writes a table an earlier part
    wrote must come after it, as its own statement."""
    writes = [("INSERT INTO absence (id) VALUES (%(a)s)", {"a": 1}),
              ("UPDATE sticky_link SET x = 1 WHERE EXISTS (SELECT 1 FROM absence)", {}),
              ("INSERT INTO conversation (id) VALUES (%(c)s)", {"c": 2}),
              ("UPDATE conversation SET status = 'x' WHERE id = %(c)s", {"c": 2})]
    out = combined(writes)
    assert [sql.count(" AS (") or 1 for sql, _ in out] == [1, 2, 1]
    assert out[0] == writes[0] and out[2] == writes[3]


def test_a_statement_of_its_own_kind_stays_as_it_is_and_keeps_its_place():
    seat = ("WITH seat AS (UPDATE agent SET open_load = open_load + 1 RETURNING 1) SELECT 1 FROM seat", {})
    writes = [("INSERT INTO outbox (id) VALUES (%(o)s)", {"o": 1}), seat,
              ("INSERT INTO decision (id) VALUES (%(d)s) RETURNING id", {"d": 2}),
              ("INSERT INTO processed_event (key) VALUES (%(k)s)", {"k": "e"})]
    assert combined(writes) == writes
