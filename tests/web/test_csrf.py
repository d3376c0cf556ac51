"""CSRF: every form a page shows carries the session's token, and every form post without it is refused."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from codeblue.incidents import service as incidents
from tests import factories
from tests.web.conftest import url
from tests.web.test_role_matrix import MACHINE, MATRIX

# The sign-in form has its own token (tested with sign-in); the acknowledge page of a paging link is
# authorised by the link's signed, single-incident token, which a third-party page cannot know either;
# so is the voice call's keypad answer, which Twilio posts.
# The public status page has no session: subscribing only sends a confirmation link, unsubscribing
# needs the signed link from an email (tests/statuspage).
PUBLIC = "/status"
PAGE_POSTS = sorted(path for method, path in MATRIX if method == "POST" and not path.startswith((*MACHINE, PUBLIC))
                    and path not in ("/sign-in", "/ack/{token}", "/ack/{token}/voice"))
# Single sign-on's routes redirect to the provider and back: they show no form of their own.
PAGES = sorted(path for method, path in MATRIX if method == "GET" and not path.startswith((*MACHINE, PUBLIC))
               and "events" not in path and not path.startswith("/sign-in/oidc")
               and not path.endswith("/download")  # files, not pages
               and path not in ("/static", "/ack/{token}"))


class Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (a.get("method") or "get").lower(), "action": a.get("action"), "token": None})
        elif tag == "input" and a.get("name") == "csrf_token" and self.forms:
            self.forms[-1]["token"] = a.get("value")


def test_csrf__every_form_post_route_refuses_a_post_without_the_token(db, world, people):
    admin = people["admin"]  # allowed everywhere, so only the missing token can refuse
    for path in PAGE_POSTS:
        r = admin.post(url(path, world), {"text": "x", "severity": "P0", "reason": "x", "email": admin.email,
                                          "name": "x", "role": "viewer", "type": "generic", "service": factories.CRM},
                       csrf=False)
        assert r.status_code == 403, path
        assert "text/html" in r.headers["content-type"] and "did not carry the security token" in r.text, path
    with db.unit_of_work() as s:
        incident = incidents.get(s, ref=world["values"]["ref"])
        assert incident.status == "triggered"
        assert [e.kind for e in incidents.timeline(s, incident=incident)] == ["created", "classified"]


def test_csrf__another_sessions_token_is_refused(world, people):
    ref = world["values"]["ref"]
    r = people["admin"].post(f"/incidents/{ref}/acknowledge", {"csrf_token": people["commander"].csrf}, csrf=False)
    assert r.status_code == 403


def test_csrf__every_form_on_every_page_carries_the_token(world, people):
    admin = people["admin"]
    for path in PAGES:
        page = admin.get(url(path, world))
        assert page.status_code == 200, path
        parser = Forms()
        parser.feed(page.text)
        for form in parser.forms:
            if form["method"] == "post":
                expected = admin.csrf if path != "/sign-in" else form["token"]
                assert form["token"] and form["token"] == expected, f"a form on {path} posting to {form['action']}"
    assert re.search(r'action="/incidents/[^"]+/acknowledge"', admin.get(url("/incidents/{ref}", world)).text)
