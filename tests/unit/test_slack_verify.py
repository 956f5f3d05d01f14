"""The product's Slack verification path (bot/slack/verify.py) against Slack's documented example request."""
from __future__ import annotations

import pytest
from slack_sdk.signature import Clock
from werkzeug.test import EnvironBuilder

from bot.errors import StickyError
from bot.slack import verify

# docs.slack.dev/authentication/verifying-requests-from-slack (also in slack_sdk's own tests)
SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
STAMP = 1531420618
BODY = ("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
        "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


class At(Clock):
    def __init__(self, when: float):
        self.when = when

    def now(self) -> float:
        return self.when


def request(signature=SIGNATURE, stamp=STAMP):
    return EnvironBuilder(method="POST", data=BODY, headers={
        "X-Slack-Request-Timestamp": str(stamp), "X-Slack-Signature": signature}).get_request()


def test_slacks_documented_example_verifies():
    assert verify.signed_text(SECRET, request(), BODY.encode(), At(STAMP + 10)) == BODY


@pytest.mark.parametrize("change, code", [
    (dict(secret="another-secret"), "bad_signature"),
    (dict(signature=SIGNATURE[:-1] + "0"), "bad_signature"),
    (dict(now=STAMP + 301), "stale_timestamp"),
    (dict(now=STAMP - 301), "stale_timestamp"),
])
def test_anything_else_is_refused_with_the_reason(change, code):
    with pytest.raises(StickyError) as refused:
        verify.signed_text(change.get("secret", SECRET), request(change.get("signature", SIGNATURE)),
                           BODY.encode(), At(change.get("now", STAMP)))
    assert refused.value.status == 401 and refused.value.code == code
