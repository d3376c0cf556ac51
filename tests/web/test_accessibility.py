"""What a screen-reader or keyboard user needs from every page: a language, one h1, a label for every
control, named charts, and a skip link first in the focus order."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.web.conftest import url
from tests.web.test_csrf import PAGES


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang = None
        self.h1 = 0
        self.controls: list[dict] = []
        self.labels: set[str] = set()
        self.images: list[dict] = []
        self.first_link: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        elif tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(a)
        elif tag == "svg" or (tag == "img"):
            self.images.append(a)
        elif tag == "a" and self.first_link is None:
            self.first_link = a.get("href")


def test_every_page__language_heading_labels_named_images_and_skip_link(people, world):
    for path in PAGES:
        html = people["admin"].get(url(path, world)).text
        page = Page()
        page.feed(html)
        assert page.lang == "en", path
        assert page.h1 == 1, f"{path} has {page.h1} h1 headings"
        for control in page.controls:
            assert control.get("id") in page.labels or control.get("aria-label"), f"unlabelled control on {path}: {control}"
        for image in page.images:
            assert image.get("aria-labelledby") or image.get("alt") is not None, f"unnamed image on {path}"
        assert page.first_link == "#main", f"{path}: the skip link must come first"
