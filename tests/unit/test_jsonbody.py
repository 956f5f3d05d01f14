"""The one rule for reading JSON bodies (integrations/jsonbody.py)."""
from __future__ import annotations

import pytest

from integrations import jsonbody


@pytest.mark.parametrize("raw", [b"NaN", b'{"a": Infinity}', b"[-Infinity]", b"1e400", b"1" * 5000, b"\xff\xfe{",
                                 b"{oops", b""])
def test_what_is_not_json_is_refused_as_not_json(raw):
    with pytest.raises(jsonbody.NotJson) as caught:
        jsonbody.loads(raw)
    assert caught.value.status == 400 and caught.value.message.startswith("the body is not JSON")


def test_nesting_up_to_the_limit_is_read_and_one_level_more_is_too_deep():
    limit = jsonbody.MAX_DEPTH
    assert jsonbody.loads(b"[" * limit + b"]" * limit) is not None
    with pytest.raises(jsonbody.TooDeep) as caught:
        jsonbody.loads(b"[" * (limit + 1) + b"]" * (limit + 1))
    assert caught.value.status == 422 and caught.value.details[0]["field"] == "(body)"


def test_a_body_far_deeper_than_the_stack_is_too_deep_not_a_recursion_error():
    with pytest.raises(jsonbody.TooDeep):
        jsonbody.loads(b'{"a":' * 100_000 + b"1" + b"}" * 100_000)


def test_brackets_inside_strings_do_not_count_towards_the_depth():
    raw = b'{"a": "' + b"[{" * 200 + b'\\"[[["' + b', "b": ["]]]]"]}'
    assert jsonbody.depth(raw) == 2
    assert jsonbody.loads(raw)["b"] == ["]]]]"]


def test_unclosed_strings_and_runs_of_escapes_are_scanned_to_the_end():
    # (with a backtracking pattern, each of these would take minutes)
    assert jsonbody.depth(b"[" * 70 + b'\\"' * 300_000) == 70
    assert jsonbody.depth(b"[" * 70 + b'"' + b"\\" * 300_001 + b"]") == 70
    assert jsonbody.depth(b"[" * 70 + b'"' * 300_000 + b"[") == 71


def test_ordinary_json_reads_as_the_standard_library_reads_it():
    raw = '{"name": "Ada \\u00e9", "n": [1, 2.5, -3e2, true, null], "emoji": "\\ud83d\\ude00"}'.encode()
    assert jsonbody.loads(raw) == {"name": "Ada é", "n": [1, 2.5, -300.0, True, None], "emoji": "\U0001F600"}
