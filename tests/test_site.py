"""The built book, opened in headless Chromium with every non-local request blocked.

Run after ``jupyter-book build`` (``make test`` does both).  These tests check
what a reader sees: math typeset by the site's own MathJax, interactive figures
that respond to their sliders without a kernel, and a clean browser console.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

SITE = Path(__file__).resolve().parents[1] / "_build" / "html"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(os.environ.get("CONVKIT_SCREENSHOTS", SITE.parent / "screenshots"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
]

# every chapter page with an interactive figure
CHAPTERS = sorted(p.stem for p in (SITE.parent.parent / "chapters").glob("*.ipynb"))


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # keep the test output readable
        pass


@pytest.fixture(scope="module")
def server():
    if not (SITE / "index.html").exists():
        pytest.fail(f"{SITE} is missing: build the book first (make book)")
    handler = functools.partial(QuietHandler, directory=str(SITE))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: run scripts/ensure-chromium.sh (make test does)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Page:
    """A page opened offline: third-party requests are blocked and recorded."""

    def __init__(self, browser, url: str):
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def route(route):
            host = urlparse(route.request.url).hostname
            if route.request.url.startswith("data:") or host in ("127.0.0.1", "localhost"):
                route.continue_()
            else:
                self.blocked.append(route.request.url)
                route.abort()

        self.page.route("**/*", route)
        self.page.goto(url, wait_until="networkidle")

    def close(self):
        self.context.close()


def test_home_page_offline(server, browser):
    page = Page(browser, f"{server}/intro.html")
    try:
        assert page.page.title().startswith("Convolutions, Executable")
        assert page.blocked == [], f"third-party requests: {page.blocked}"
        assert page.errors == [], f"console errors: {page.errors}"
    finally:
        page.close()


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_math_and_figures_work_offline(server, browser, chapter):
    page = Page(browser, f"{server}/chapters/{chapter}.html")
    p = page.page
    try:
        assert page.blocked == [], f"third-party requests: {page.blocked}"
        # MathJax (served by the site) typeset the math: no raw TeX delimiters remain
        p.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        p.evaluate("() => MathJax.startup.promise")
        assert p.locator("mjx-container").count() > 5
        body = p.inner_text("article")
        assert "\\(" not in body and "$$" not in body

        explorers = p.locator(".ck-explorer")
        assert explorers.count() >= 1, "no interactive figure on the page"
        SHOTS.mkdir(parents=True, exist_ok=True)
        for n in range(explorers.count()):
            explorer = explorers.nth(n)
            explorer.scroll_into_view_if_needed()
            view = explorer.locator(".ck-view")
            before = view.inner_html()
            assert before.strip(), "the figure shows nothing"
            sliders = explorer.locator("input[type=range]")
            selects = explorer.locator("select")
            if sliders.count():
                slider = sliders.first
                target = "0" if slider.input_value() != "0" else slider.get_attribute("max")
                slider.fill(target)  # sets the value and fires 'input'
                output = explorer.locator("output").first.inner_text()
                assert output != "", "slider value label is empty"
            else:
                options = selects.first.locator("option")
                selects.first.select_option(index=options.count() - 1)
            assert view.inner_html() != before, f"figure {n} did not respond to its control"
            explorer.screenshot(path=str(SHOTS / f"{chapter}-figure{n}.png"))
        p.screenshot(path=str(SHOTS / f"{chapter}.png"), full_page=False)
        assert page.errors == [], f"console errors: {page.errors}"
    finally:
        page.close()


def test_solutions_are_hidden_by_default(server, browser):
    page = Page(browser, f"{server}/chapters/arithmetic.html")
    try:
        solutions = page.page.locator(".solution")
        assert solutions.count() >= 2
        # dropdown solutions: the body is collapsed until the reader opens it
        first = solutions.first
        assert "dropdown" in (first.get_attribute("class") or "") or first.evaluate(
            "e => e.tagName === 'DETAILS' && !e.open"
        )
    finally:
        page.close()


def test_play_button_animates(server, browser):
    page = Page(browser, f"{server}/chapters/arithmetic.html")
    p = page.page
    try:
        button = p.locator(".ck-explorer button.ck-play").first
        explorer = p.locator(".ck-explorer").filter(has=p.locator("button.ck-play")).first
        slider = explorer.locator("input[type=range]").first
        start = slider.input_value()
        button.scroll_into_view_if_needed()
        button.click()
        p.wait_for_function(
            "([el, v]) => el.value !== v", arg=[slider.element_handle(), start], timeout=5000
        )
        button.click()  # pause
        assert page.errors == []
    finally:
        page.close()
