"""The web UI in a real browser against a real server: an alert opens an incident, a responder works it in
one window, and a second window sees every change on the dashboard and the timeline without reloading.

Drives Debian's Chromium through Playwright (Playwright's own browser download is never used) and saves
screenshots of the dashboard and the incident page at desktop and phone width in test-artifacts/.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.factories import CRM
from tests.server import BIN, ServerProcess
from tests.web.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ADMIN = "admin@codeblue.local"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
LIVE = 15_000  # ms a change may take to reach the other window

pytestmark = [pytest.mark.slow, pytest.mark.browser,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed at /usr/bin/chromium")]
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("browser") / "codeblue.db"
    srv = ServerProcess(f"sqlite:///{path}", CODEBLUE_RUN_ENGINE="false", CODEBLUE_LIVE_POLL_SECONDS="0.5")
    token = srv.init()
    subprocess.run([str(BIN), "user", "set-password", ADMIN, "--password-stdin"], env=srv.env, input=PASSWORD + "\n",
                   text=True, check=True, capture_output=True)
    srv.start()
    yield srv, token
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


def alert_opens_an_incident(server: ServerProcess, token: str) -> str:
    """An alert through a PagerDuty integration, as a monitoring system sends it; the incident it opened."""
    status, integration = server.request("POST", "/api/v1/integrations", token=token,
                                         body={"type": "pagerduty", "service": CRM, "name": "crm monitors"})
    assert status == 201, integration
    status, body = server.request("POST", "/v2/enqueue", body={
        "routing_key": integration["key"], "event_action": "trigger", "dedup_key": "crm/errors",
        "payload": {"summary": "CRM API 5xx rate above 20%", "source": "crm-api-1", "severity": "critical",
                    "custom_details": {"error_rate": 0.23}}})
    assert status == 202, body
    status, alerts = server.request("GET", "/api/v1/alerts", token=token)
    assert status == 200 and alerts[0]["incident"]
    return alerts[0]["incident"]


def sign_in(page, server: ServerProcess, *, next_path: str = "/") -> None:
    page.goto(server.url + next_path)
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    page.get_by_label("Email").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(server.url + next_path)


def watch_for_problems(page, problems: list[str]) -> None:
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_browser__work_an_incident_while_another_window_watches_it_live(server, browser):
    srv, token = server
    ref = alert_opens_an_incident(srv, token)
    problems: list[str] = []

    responder = browser.new_context(viewport=DESKTOP).new_page()
    watch_for_problems(responder, problems)
    sign_in(responder, srv)
    card = responder.locator(f'[data-incident="{ref}"]')
    expect(card).to_contain_text("triggered")
    expect(card.locator(".clock").first).to_contain_text("left")  # acknowledgement is counting down

    watcher_context = browser.new_context(viewport=DESKTOP)
    dashboard = watcher_context.new_page()
    watch_for_problems(dashboard, problems)
    sign_in(dashboard, srv)
    timeline = watcher_context.new_page()
    watch_for_problems(timeline, problems)
    timeline.goto(f"{srv.url}/incidents/{ref}")
    for watcher in (dashboard, timeline):
        watcher.evaluate("window.notReloaded = true")  # gone if the page is ever loaded again
    watched = dashboard.locator(f'[data-incident="{ref}"]')
    entries = timeline.locator(".timeline")

    later = watcher_context.new_page()  # this window's clock runs two hours ahead: the countdown turns overdue
    watch_for_problems(later, problems)
    later.clock.install()
    later.goto(srv.url + "/")
    expect(later.locator(f'[data-incident="{ref}"]')).not_to_have_class(re.compile("overdue"))
    later.clock.fast_forward("02:00:00")
    expect(later.locator(f'[data-incident="{ref}"]')).to_have_class(re.compile("overdue"))
    expect(later.locator(f'[data-incident="{ref}"] .clock-overdue')).to_contain_text("OVERDUE by 1h")
    shoot(later, "dashboard-overdue-desktop")
    later.close()

    responder.keyboard.press("Tab")  # the first stop in the focus order skips the navigation
    expect(responder.locator(":focus")).to_have_text("Skip to content")

    responder.get_by_role("link", name=ref).click()
    expect(responder.locator("h1")).to_contain_text(ref)
    severity = responder.locator(".incident-header .sev").inner_text().strip()

    responder.get_by_role("button", name=f"Acknowledge {ref}").click()
    expect(responder.locator(".timeline")).to_contain_text("triggered → acknowledged")
    expect(watched).to_contain_text("acknowledged", timeout=LIVE)
    expect(watched).to_contain_text("Acknowledged after", timeout=LIVE)
    expect(entries).to_contain_text("triggered → acknowledged", timeout=LIVE)
    expect(timeline.locator(".incident-header .status")).to_have_text("acknowledged", timeout=LIVE)

    new = "P1" if severity != "P1" else "P2"
    responder.get_by_label("Severity", exact=True).select_option(new)
    responder.get_by_label("Reason for the change").fill("only the EU region is failing")
    responder.get_by_role("button", name="Change severity").click()
    expect(responder.locator(".incident-header .sev")).to_have_text(new)
    expect(dashboard.locator(f"#sev-{new} ~ ul [data-incident=\"{ref}\"]")).to_be_visible(timeout=LIVE)
    expect(entries).to_contain_text(f"Severity {severity} → {new}: only the EU region is failing", timeout=LIVE)

    responder.get_by_label("Note for the timeline").fill("Rolled back deploy 4512; error rate falling")
    responder.get_by_role("button", name="Post note").click()
    expect(responder.locator(".timeline")).to_contain_text("Rolled back deploy 4512")
    expect(entries).to_contain_text("Rolled back deploy 4512; error rate falling", timeout=LIVE)

    responder.goto(srv.url + "/")
    shoot(responder, "dashboard-desktop")
    responder.goto(f"{srv.url}/incidents/{ref}")
    shoot(responder, "incident-desktop")
    responder.set_viewport_size(PHONE)
    responder.goto(srv.url + "/")
    shoot(responder, "dashboard-phone")
    responder.goto(f"{srv.url}/incidents/{ref}")
    shoot(responder, "incident-phone")
    assert responder.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # nothing runs off the side

    responder.get_by_label("Resolution note (optional)").fill("error rate back to baseline")
    responder.get_by_label("Override reason, to resolve with required checklist items open").fill("verified by hand")
    responder.get_by_role("button", name=f"Resolve {ref}").click()
    expect(responder.locator(".incident-header .status")).to_have_text("resolved")
    expect(dashboard.locator(".incidents")).to_contain_text("All clear", timeout=LIVE)
    expect(watched).to_have_count(0)
    expect(entries).to_contain_text("→ resolved: error rate back to baseline", timeout=LIVE)

    for watcher in (dashboard, timeline):
        assert watcher.evaluate("window.notReloaded === true"), "the watching window was reloaded"
    assert problems == []  # no script errors, no Content-Security-Policy refusals
