"""Reading a JSON request body: the one rule every endpoint follows.

- The body is JSON as RFC 8259 defines it: `NaN`, `Infinity` and numbers too large for a float (`1e400`) are not
  JSON, and neither is an integer of more than 4300 digits. -> `NotJson` (the endpoint answers 400).
- Objects and arrays nest at most `MAX_DEPTH` levels: no payload any channel sends comes near it, and deeper input
  would exhaust the stack of whatever walks it later. -> `TooDeep` (422, the field is `(body)`).

The depth is measured on the raw bytes before anything is parsed, so the parser never recurses past it.
"""
from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

MAX_DEPTH = 64

# A JSON string, to be cut out so that brackets inside it do not count. An unclosed one runs to the end, and the
# possessive quantifiers never backtrack: the scan is linear whatever the bytes.
_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+(?:"|\\?\Z)', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


class BodyError(ValueError):
    status = 400

    def __init__(self, message: str, details: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.details = details


class NotJson(BodyError):
    status = 400


class TooDeep(BodyError):
    status = 422


def loads(raw: bytes | str) -> Any:
    """The parsed body; NotJson or TooDeep as the module says."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if depth(data) > MAX_DEPTH:
        raise TooDeep(f"the body nests objects and arrays deeper than {MAX_DEPTH} levels; flatten it",
                      details=[{"field": "(body)", "message": f"nests deeper than {MAX_DEPTH} levels"}])
    try:
        return json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise NotJson(f"the body is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
                      "send one JSON value, UTF-8 encoded") from None
    except _Refused as exc:
        raise NotJson(f"the body is not JSON: {exc}") from None
    except UnicodeDecodeError:
        raise NotJson("the body is not JSON: it is not valid UTF-8") from None
    except ValueError:  # the only other one json raises: an integer past Python's digit limit
        raise NotJson("the body is not JSON: a number in it has more than 4300 digits") from None


def depth(raw: bytes) -> int:
    """How deep objects and arrays nest in `raw` (for text that is not JSON, a number at least as large)."""
    openers = raw.count(b"[") + raw.count(b"{")
    if openers <= MAX_DEPTH:
        return openers  # an upper bound, and within the limit: no need to scan
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


class _Refused(ValueError):
    pass


def _refuse_constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number; send a finite number or null")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"{text[:40]} is too large for a number; send a finite number")
    return value
