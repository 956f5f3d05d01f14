"""The dashboard in a real headless Chromium against `stickybot serve`: what an admin does, click by click."""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta, timezone

import pytest

from tests.browser.kit import sign_in, words
from tests.conftest import ADMIN_TOKEN

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402


def test_a_wrong_token_is_refused_the_right_one_opens_a_strict_httponly_expiring_session_and_sign_out_ends_it(page):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login$"))
    sign_in(page, "not-the-token")
    expect(page.get_by_role("alert")).to_contain_text("That is not the admin token")
    assert not [c for c in page.context.cookies() if c["name"] == "stickybot_session"]

    sign_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "stickybot_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert 7 * 3600 < cookie["expires"] - time.time() <= 8 * 3600
    assert ADMIN_TOKEN not in cookie["value"] and ADMIN_TOKEN not in page.content()
    assert "stickybot_session" not in page.evaluate("document.cookie")  # no script can read it

    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    assert not [c for c in page.context.cookies() if c["name"] == "stickybot_session"]
    page.goto("/stats")
    assert page.url.endswith("/login")


def test_repeated_wrong_tokens_are_slowed_but_the_right_token_still_signs_in(page):
    for _ in range(5):
        sign_in(page, "guess")
        expect(page.get_by_role("alert")).to_contain_text("not the admin token")
    sign_in(page, "guess")
    expect(page.get_by_role("alert")).to_contain_text("Too many wrong tokens from your address")
    sign_in(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview")


def test_a_cookie_kept_from_before_sign_out_opens_nothing_and_sign_out_everywhere_ends_other_browsers(
        browser, server, page):
    sign_in(page)
    [kept] = [c for c in page.context.cookies() if c["name"] == "stickybot_session"]
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    page.context.add_cookies([kept])  # a copy saved before signing out ...
    page.goto("/")
    assert page.url.endswith("/login")  # ... opens nothing

    phone = browser.new_context(base_url=server.base).new_page()
    sign_in(phone)
    sign_in(page)
    page.get_by_role("button", name="Sign out everywhere").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out everywhere: every browser has to sign in "
                                                    "again.")
    phone.goto("/stats")
    assert phone.url.endswith("/login")
    phone.context.close()


def test_an_admin_changes_a_setting_and_sets_an_agent_online_to_drain_the_queue(page, api):
    api.agent("alice", "billing", status="offline", name="Alice Archer")
    assert api.event(conversation="conv_1", customer="ada", team="billing")["status"] == "unassigned"
    sign_in(page)
    queue = page.get_by_role("region", name="Unassigned queue")
    expect(queue.get_by_role("link", name="conv_1")).to_be_visible()

    page.get_by_label("Sticky window").fill("3")
    claim = page.get_by_label("Claim timer")
    claim.fill("300")  # over 240: the browser itself holds the form back ...
    page.get_by_role("button", name="Save settings").click()
    assert claim.evaluate("field => field.validity.rangeOverflow")
    claim.evaluate("field => field.removeAttribute('max')")  # ... and past the browser, the server refuses it
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator("#settings-error")).to_contain_text("claim_minutes")
    expect(claim).to_have_value("300")
    assert api.get("/api/settings")["sticky_days"] == 7
    page.get_by_label("Claim timer").fill("5")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_have_text("Settings saved.")
    expect(page.get_by_label("Sticky window")).to_have_value("3")
    assert api.get("/api/settings")["sticky_days"] == 3 and api.get("/api/settings")["claim_minutes"] == 5

    page.get_by_label("Status of Alice Archer").select_option("online")
    page.get_by_role("button", name="Set status of Alice Archer").click()
    expect(queue).to_contain_text("Nobody is waiting.")
    expect(page.get_by_role("row", name="Alice Archer")).to_contain_text("1 / ∞")
    assert api.get("/api/conversations/conv_1")["agent"] == "alice"

    page.get_by_label("Conversation").fill("conv_1")
    page.get_by_label("Conversation").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Conversation conv_1")
    timeline = words(page.locator("ol.timeline").inner_text())
    assert "rule unassigned" in timeline and "rule queue" in timeline
    assert "an agent had room for it in the queue" in timeline
    page.get_by_role("link", name="Audit").click()
    expect(page.get_by_role("table")).to_contain_text("dashboard")


def test_an_admin_looks_up_a_customer_previews_blocks_unblocks_breaks_the_link_and_forgets_them(page, api):
    api.agent("alice", "billing", name="Alice Archer")
    api.agent("bob", "sales", name="Bob Baker")
    assert api.event(conversation="conv_1", customer="ada", team="billing")["agent"] == "alice"
    sign_in(page)
    page.get_by_label("Customer", exact=True).fill("ada")
    page.get_by_label("Customer", exact=True).press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Customer ada")
    link = page.get_by_role("region", name="Sticky link")
    expect(link).to_contain_text("alice")
    expect(page.locator("#preview-result")).to_contain_text("rule sticky")

    page.get_by_label("Team the conversation comes in through").select_option("sales")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview-result")).to_contain_text("(team sales)")

    page.get_by_label("Find an agent to block").fill("BAK")  # part of Bob Baker's name, in any case
    page.get_by_label("Find an agent to block").press("Enter")
    found = page.get_by_role("list", name="Agents found")
    expect(found).to_contain_text("Bob Baker")
    expect(found).not_to_contain_text("Alice")
    found.get_by_role("button", name="Block Bob Baker (bob)").click()
    expect(page.get_by_role("status")).to_contain_text("Block added")
    assert api.get("/api/customers/ada")["blocked_agents"] == ["bob"]
    page.get_by_role("button", name="Unblock bob").click()
    expect(page.get_by_role("status")).to_have_text("Block removed.")
    assert api.get("/api/customers/ada")["blocked_agents"] == []

    page.get_by_role("button", name="Break the link").click()
    expect(link).to_contain_text("No link is stored")
    assert api.get("/api/customers/ada")["sticky"] is None

    page.get_by_label("To confirm, type the customer id").fill("someone else")
    page.get_by_role("button", name="Forget the customer").click()
    expect(page.locator("#forget-error")).to_contain_text("nothing was forgotten")
    assert api.get("/api/conversations/conv_1")["customer"] == "ada"
    page.get_by_label("To confirm, type the customer id").fill("ada")
    page.get_by_role("button", name="Forget the customer").click()
    expect(page.get_by_role("status")).to_contain_text("The customer is forgotten")
    assert api.get("/api/conversations/conv_1")["customer"].startswith("forgotten-")


def test_a_form_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(page, api):
    sign_in(page)
    for form in ({"sticky_days": "2"}, {"sticky_days": "2", "csrf": "0" * 64}):
        answer = page.request.post("/settings", form=form)  # the signed-in browser's own cookies
        assert answer.status == 403 and "Nothing was changed" in answer.text()
    page.locator("form.settings input[name=csrf]").evaluate("field => { field.value = 'tampered'; }")
    page.get_by_label("Sticky window").fill("2")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Form refused")
    assert api.get("/api/settings")["sticky_days"] == 7


def test_the_pages_fit_a_phone_and_the_keyboard_reaches_the_content_first(browser, server, api):
    api.agent("alice", "billing", name="Alice Archer")
    api.event(conversation="conv_1", customer="ada", team="billing")
    context = browser.new_context(base_url=server.base, viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page)
        for path in ("/", "/stats", "/audit", "/customers/ada", "/conversations/conv_1", "/agents", "/agents/alice",
                     "/queue", "/held"):
            page.goto(path)
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, path
        page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_have_text("Skip to content")
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_be_focused()
    finally:
        context.close()


# WCAG's contrast ratio of each visible text against the first opaque background behind it.
CONTRAST = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = el => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.99)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const worst = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    if (!own || style.visibility === 'hidden' || style.display === 'none' || !el.getClientRects().length) continue;
    const [a, b] = [lum(rgb(style.color).slice(0, 3)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && +style.fontWeight >= 700);
    if (ratio < (large ? 3 : 4.5)) worst.push(`${el.tagName} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return worst;
}"""


def test_every_text_on_every_page_has_wcag_aa_contrast(page, api):
    api.agent("alice", "billing", name="Alice Archer")
    api.agent("bob", "billing", name="Bob Baker", status="away")
    api.agent("carol", "billing", name="Carol Chen", max_open=1)
    api.agent("dan", "billing", name="Dan Diaz", status="offline")
    api.call("PATCH", "/api/agents/dan", {"time_zone": "Asia/Tokyo", "hours": {"sun": [["00:00", "00:01"]]}})
    api.event(conversation="conv_1", customer="ada", team="billing")
    api.event(conversation="conv_2", customer="grace", team="billing", assign={"agent": "bob"})
    api.event(conversation="conv_3", customer="hedy", team="billing", assign={"agent": "carol"})
    api.call("POST", "/api/agents/alice/absences", {"start": _days(0), "end": _days(2), "cover": ["bob"]})
    api.call("POST", "/api/agents/bob/absences", {"start": _days(3), "end": _days(4)})
    api.call("DELETE", "/api/agents/dan")
    page.goto("/login")
    assert page.evaluate(CONTRAST) == []
    sign_in(page)
    for path in ("/", "/stats", "/audit", "/customers/ada", "/conversations/conv_1", "/customers/nobody?x=1",
                 "/agents?deactivated=1", "/agents/alice", "/agents/bob", "/agents/dan", "/queue", "/held",
                 "/customers/ada?find=a", "/reference"):
        page.goto(path)
        assert page.evaluate(CONTRAST) == [], path
    # the check itself sees a faint text
    page.evaluate("""() => { const p = document.createElement('p'); p.textContent = 'faint';
                             p.style.color = '#bbb'; document.querySelector('main').append(p); }""")
    assert [w for w in page.evaluate(CONTRAST) if '"faint"' in w]


def _days(ahead: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=ahead)).strftime("%Y-%m-%d")


def test_an_admin_sees_an_agents_week_adds_and_ends_an_absence_and_sets_working_hours(page, api):
    api.agent("alice", "billing", name="Alice Archer")
    api.agent("bob", "billing", name="Bob Baker")
    sign_in(page)
    page.get_by_role("row", name="Alice Archer").get_by_role("link", name="Alice Archer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alice Archer")
    now = page.get_by_role("region", name="Right now")
    expect(now).to_contain_text("available")
    strip = page.locator("figure.strip > svg")
    expect(strip.locator("rect.strip-on_duty")).to_have_count(1)  # no working hours: on duty all week

    page.get_by_label("Absent from (date)").fill(_days(-1))
    page.get_by_label("Absent until (date, included)").fill(_days(1))
    page.get_by_label("Who covers").fill("bob, ghost")
    page.get_by_label("Note (optional)").fill("holiday")
    page.get_by_role("button", name="Add the absence").click()
    expect(page.locator("#absence-error")).to_contain_text("'ghost' is not an agent")
    expect(page.get_by_label("Note (optional)")).to_have_value("holiday")  # the form as it was sent
    assert api.get("/api/agents/alice/absences") == []
    page.get_by_label("Who covers").fill("bob")
    page.get_by_role("button", name="Add the absence").click()
    expect(page.get_by_role("status")).to_contain_text("Absence added")
    expect(now).to_contain_text("absent")
    expect(now).to_contain_text("bob covers")
    expect(strip.locator("rect.strip-absent")).to_have_count(1)
    [absence] = api.get("/api/agents/alice/absences")
    assert (absence["cover"], absence["note"], absence["source"]) == (["bob"], "holiday", "dashboard")

    page.get_by_role("button", name=re.compile("^End now")).click()
    expect(page.get_by_role("status")).to_contain_text("Absence ended")
    expect(now).to_contain_text("available")
    assert api.get("/api/agents/alice/absences") == []

    page.get_by_role("textbox", name="Time zone").fill("Europe/Berlin")
    page.get_by_label("These working hours").check()
    page.get_by_label("Tuesday").fill("17:00-09:00")
    page.get_by_role("button", name="Save hours and time zone").click()
    expect(page.locator("#hours-error")).to_contain_text("hours.tue[0]: ends at 09:00, not after it starts (17:00)")
    expect(page.get_by_label("Tuesday")).to_have_attribute("aria-invalid", "true")
    assert api.get("/api/agents/alice")["hours"] is None
    page.get_by_label("Tuesday").fill("09:00-12:00, 13:00-17:30")
    page.get_by_role("button", name="Save hours and time zone").click()
    expect(page.get_by_role("status")).to_have_text("Working hours and time zone saved.")
    agent = api.get("/api/agents/alice")
    assert (agent["time_zone"], agent["hours"]) == ("Europe/Berlin",
                                                    {"tue": [["09:00", "12:00"], ["13:00", "17:30"]]})
    expect(strip.locator("rect.strip-on_duty")).to_have_count(2)  # one Tuesday: two ranges
    expect(page.get_by_role("heading", name="The week ahead")).to_contain_text("Europe/Berlin")
    page.get_by_role("link", name="Audit").click()
    expect(page.get_by_role("table")).to_contain_text("absence.create")


def test_the_agents_list_is_searched_and_paged_in_the_browser(page, api):
    for n in range(55):
        api.agent(f"agent{n:02d}", "billing", name=f"Agent {n}")
    sign_in(page)
    page.get_by_role("link", name="Agents", exact=True).click()
    expect(page.locator("table.agents tbody tr")).to_have_count(50)
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("table.agents tbody tr")).to_have_count(5)
    page.get_by_label("Find agents").fill("agent 4")
    page.get_by_role("button", name="Find").click()
    expect(page.locator("table.agents tbody tr")).to_have_count(11)  # 4, 40-49
    page.get_by_label("Status of Agent 42").select_option("away")
    page.get_by_role("button", name="Set status of Agent 42").click()
    expect(page.get_by_role("status")).to_contain_text("Agent status saved")
    expect(page.get_by_label("Find agents")).to_have_value("agent 4")  # back on the same search
    assert api.get("/api/agents/agent42")["status"] == "away"
