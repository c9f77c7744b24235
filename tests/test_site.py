"""The built book, opened in headless Chromium with every non-local request blocked.

Run after ``jupyter-book build`` (``make test`` does both).  These tests check
what a reader sees, on every page of the built site (new chapters are covered
automatically), at two viewports:

* **desktop** (1280 x 900) and **phone** (390 x 844).  Each page is opened
  once, at desktop width, then narrowed to phone width (as a reader narrows a
  window; ``book.js`` re-marks wide formulas on resize).  Everything is
  measured during that visit and each test below asserts one aspect of it.
  Narrowing lays a page out as a mobile browser opening it at 390 px does
  (the same page height, wide formulas and positions of headings, figures and
  formulas on the 7 pages compared when this was introduced, one formula 1 px
  apart; ``test_narrowed_page_lays_out_as_on_a_phone`` keeps checking it on
  the chapter with the most formulas), at a fraction of a second visit's cost
  (loading and typesetting again took 4-6 s a page).
  Full-page screenshots are
  kept in ``_build/screenshots/<viewport>/`` (and every interactive figure,
  after it moved, in ``_build/screenshots/figures/``): look at them.
* offline: no third-party request, a clean browser console;
* math typeset by the site's own MathJax, and no stray TeX on the page;
* no horizontal overflow of text at phone width (defined in ``OVERFLOW_JS``);
* every figure has alt text or a caption, every slider and drop-down a label;
* interactive figures respond to their controls and play buttons;
* page weight (printed at the end of the run, with what a first visit
  downloads in all) under ``CHAPTER_LIMIT`` per chapter page, the whole site
  under ``SITE_LIMIT``.

Without a browser, from the files: internal links and anchors resolve, and the
``.ipynb`` download button of each chapter serves the chapter notebook.
"""

from __future__ import annotations

import functools
import html.parser
import http.server
import json
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

# make test runs these after the build (they need the built book, in Chromium)
pytestmark = pytest.mark.after_build

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "_build" / "html"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(os.environ.get("CONVKIT_SCREENSHOTS", SITE.parent / "screenshots"))
# one file per pytest-xdist worker (the pages are shared out); tests/conftest.py prints them all
WEIGHTS = SHOTS / f"page-weight-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}.jsonl"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic",
]
VIEWPORTS = {
    "desktop": dict(viewport={"width": 1280, "height": 900}),
    "phone": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True),
}
# the chapter whose layout at phone width is also checked in a mobile browser
PHONE_CHECK_PAGE = "chapters/transposed.html"
CHAPTER_LIMIT = 3_000_000  # bytes of one chapter page (HTML with inline figures)
SITE_LIMIT = 60_000_000    # bytes of the whole built site
SHOT_HEIGHT = 30_000       # pixels of a full-page screenshot, at most

CHAPTERS = sorted(p.stem for p in (ROOT / "chapters").glob("*.ipynb"))


def site_pages() -> list[str]:
    """Every HTML page of the built site (paths relative to it), redirects excluded."""
    if not SITE.is_dir():
        return []
    pages = []
    for path in sorted(SITE.rglob("*.html")):
        relative = path.relative_to(SITE)
        if relative.parts[0].startswith("_"):  # _static, _sources: assets, not pages
            continue
        if 'http-equiv="refresh"' in path.read_text(errors="replace")[:2000].lower():
            continue  # index.html only redirects to the landing page
        pages.append(relative.as_posix())
    return pages


PAGES = site_pages()
CHAPTER_PAGES = [f"chapters/{c}.html" for c in CHAPTERS]

# ---------------------------------------------------------------------------
# what a visit measures, in the page (JavaScript)

# Visible text or picture that reaches past the left or right edge of the
# viewport counts as overflow, unless an ancestor lets the reader scroll it
# into view (overflow-x: auto or scroll, e.g. a wide figure or code block in
# its own scrolling box).  Checked: every visible run of text (the client
# rectangles of each non-blank text node), every typeset formula
# (mjx-container), image, outermost SVG, canvas and table; and the page itself
# must not scroll sideways.  Invisible elements (display: none, visibility:
# hidden), closed drawer menus (a fixed panel parked beside the viewport) and
# boxes entirely above the page (a skip link waiting for keyboard focus) do not
# count.
OVERFLOW_JS = r"""
() => {
  const vw = document.documentElement.clientWidth;
  const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const rescued = el => {
    for (let a = el.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      if (a !== document.body && scrolls(a)) return true;
    }
    return false;
  };
  // a closed drawer: a fixed panel parked entirely beside the viewport
  const parked = el => {
    for (let a = el; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).position === 'fixed') {
        const r = a.getBoundingClientRect();
        return r.left >= vw - 1 || r.right <= 1;
      }
    }
    return false;
  };
  const visible = el => el.checkVisibility({visibilityProperty: true, opacityProperty: true}) && !parked(el);
  // a box entirely above the page (e.g. a skip link waiting for keyboard focus) is not shown
  const out = r => r.width >= 1 && r.height >= 1 && r.bottom > -window.scrollY
                   && (r.right > vw + 1 || r.left < -1);
  const problems = [];
  const describe = (el, what) => {
    const where = el.closest('section[id], div[id], nav[id], header[id]');
    problems.push(`${what} (in #${where ? where.id : el.tagName.toLowerCase()})`);
  };
  if (document.documentElement.scrollWidth > vw + 1) {
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth}px wide in a ${vw}px viewport`);
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!node.textContent.trim() || !parent || !visible(parent)) continue;
    if (parent.closest('script, style, noscript, svg, mjx-container')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    if ([...range.getClientRects()].some(out) && !rescued(parent)) {
      describe(parent, `text "${node.textContent.trim().slice(0, 50)}"`);
    }
  }
  for (const el of document.querySelectorAll('mjx-container, img, svg, canvas, table')) {
    const tag = el.tagName.toLowerCase();
    if (tag !== 'mjx-container' && el.closest('mjx-container')) continue;
    if (tag === 'svg' && el.parentElement.closest('svg')) continue;
    if (!visible(el)) continue;
    if (out(el.getBoundingClientRect()) && !rescued(el)) {
      describe(el, `<${el.tagName.toLowerCase()}> ${Math.round(el.getBoundingClientRect().width)}px wide`);
    }
  }
  return problems;
}
"""

# Stray TeX: a backslash command, \( \) or $$ left in the text a reader sees
# (code blocks, program output and typeset formulas excepted), or inside a
# typeset formula (MathJax shows what it cannot parse, e.g. \_ inside \text{},
# as literal text; its assistive MathML copy holds that text), or a MathJax
# error box.
STRAY_TEX_JS = r"""
() => {
  const pattern = /\\[A-Za-z_{}()\[\]]|\$\$/;
  const found = [];
  const main = document.querySelector('main') || document.body;
  const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('pre, code, script, style, textarea, .highlight, .cell_output, mjx-container')) continue;
    const match = node.textContent.match(pattern);
    if (match) found.push(`text: "...${node.textContent.slice(Math.max(0, match.index - 30), match.index + 30)}..."`);
  }
  for (const math of main.querySelectorAll('mjx-container')) {
    const mml = math.querySelector('mjx-assistive-mml');
    const text = mml ? mml.textContent : '';
    if (text.includes('\\')) found.push(`formula shows "${text.trim().slice(0, 60)}"`);
    if (math.querySelector('mjx-merror')) found.push(`MathJax error: "${math.textContent.slice(0, 60)}"`);
  }
  return found;
}
"""

# Figures: every <img>, outermost <svg> and interactive explorer in the page's
# main content needs a text alternative: alt text (img), aria-label,
# aria-labelledby or <title> (svg, explorer), or a caption (a <figcaption> of
# an enclosing <figure>).  An explorer also counts as labelled when every
# picture in its current view is (a view of text and tables needs no
# alternative).  Icons inside buttons and links, and
# elements hidden from assistive technology, are decorations, not figures.
FIGURES_JS = r"""
() => {
  const main = document.querySelector('main') || document.body;
  const named = el => {
    if ((el.getAttribute('aria-label') || '').trim()) return true;
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
    if (ids.some(id => (document.getElementById(id) || {}).textContent?.trim())) return true;
    if (el.tagName.toLowerCase() === 'img' && (el.getAttribute('alt') || '').trim()) return true;
    const title = el.querySelector(':scope > title');
    if (title && title.textContent.trim()) return true;
    const figure = el.closest('figure');
    const caption = figure && figure.querySelector('figcaption');
    return !!(caption && caption.textContent.trim());
  };
  const decorative = el => el.closest('button, a, [aria-hidden="true"], mjx-container')
      || el.getAttribute('role') === 'presentation' || el.getAttribute('role') === 'none';
  const pictures = root => [...root.querySelectorAll('img, svg')].filter(
      el => !(el.tagName.toLowerCase() === 'svg' && el.parentElement.closest('svg')) && !decorative(el));
  const missing = [];
  for (const el of pictures(main)) {
    if (el.closest('.ck-explorer')) continue;  // judged with its explorer
    if (!named(el)) missing.push(`<${el.tagName.toLowerCase()}> ${(el.getAttribute('src') || el.outerHTML).slice(0, 80)}`);
  }
  main.querySelectorAll('.ck-explorer').forEach((explorer, n) => {
    const inside = pictures(explorer.querySelector('.ck-view') || explorer);
    if (!named(explorer) && !inside.every(named)) {
      missing.push(`interactive figure ${n}: neither it nor its pictures have a label or caption`);
    }
  });
  return missing;
}
"""

# Math: every formula Sphinx marked up (span.math, div.math) was typeset
MATH_JS = r"""
async () => {
  if (!document.querySelector('span.math, div.math')) return {marked: 0, untypeset: []};
  for (let i = 0; i < 200 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++) {
    await new Promise(r => setTimeout(r, 50));
  }
  if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
  await document.fonts.ready;
  await new Promise(r => setTimeout(r, 100));  // book.js marks wide formulas after this point
  const marked = [...document.querySelectorAll('span.math, div.math')];
  const untypeset = marked.filter(el => !el.querySelector('mjx-container')).map(el => el.textContent.slice(0, 60));
  return {marked: marked.length, untypeset};
}
"""

# bytes of the page itself (HTML with its inline figures) and of a first visit
# (the page and every file it loaded: theme, scripts, MathJax, fonts)
WEIGHT_JS = r"""
() => {
  const page = performance.getEntriesByType('navigation')[0].encodedBodySize;
  const files = performance.getEntriesByType('resource').reduce((sum, e) => sum + (e.encodedBodySize || 0), 0);
  return {page_bytes: page, first_visit: page + files};
}
"""


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

    def __init__(self, browser, url: str, viewport: str = "desktop"):
        self.context = browser.new_context(**VIEWPORTS[viewport])
        self.context.add_init_script("performance.setResourceTimingBufferSize(10000)")
        self.page = self.context.new_page()
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", lambda r: r.status >= 400 and self.failed.append(f"{r.status} {r.url}"))

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


@dataclass
class Visit:
    """What one visit of one page at one viewport found."""

    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    math: dict = field(default_factory=dict)
    stray_tex: list[str] = field(default_factory=list)
    overflow: list[str] = field(default_factory=list)
    unlabelled_figures: list[str] = field(default_factory=list)
    unlabelled_controls: list[str] = field(default_factory=list)
    explorers: list[str] = field(default_factory=list)  # problems with interactive figures
    explorer_count: int = 0
    solutions: list[str] = field(default_factory=list)  # solutions shown unfolded
    weight: dict = field(default_factory=dict)
    layout: dict = field(default_factory=dict)  # at phone width: see LAYOUT_JS


def unlabelled_controls(p) -> list[str]:
    """Sliders and drop-downs without an accessible name (Playwright computes it as a screen reader would)."""
    problems = []
    for role, css in (("slider", "input[type=range]"), ("combobox", "select")):
        total = p.locator(css).count()
        named = p.get_by_role(role, name=re.compile(r"\S"), include_hidden=True).count()
        if named < total:
            problems.append(f"{total - named} of {total} {role}s have no accessible name")
    return problems


def exercise_explorers(p, name: str) -> tuple[int, list[str]]:
    """Move every explorer's first control (and press play); screenshot each."""
    problems = []
    explorers = p.locator(".ck-explorer")
    (SHOTS / "figures").mkdir(parents=True, exist_ok=True)
    for n in range(explorers.count()):
        explorer = explorers.nth(n)
        if not explorer.is_visible():  # e.g. inside a folded solution
            continue
        explorer.scroll_into_view_if_needed()
        view = explorer.locator(".ck-view")
        before = view.inner_html()
        if not before.strip():
            problems.append(f"figure {n} shows nothing")
            continue
        sliders = explorer.locator("input[type=range]")
        selects = explorer.locator("select")
        if sliders.count():
            slider = sliders.first
            slider.fill("0" if slider.input_value() != "0" else slider.get_attribute("max"))
            if not explorer.locator("output").first.inner_text():
                problems.append(f"figure {n}: slider value label is empty")
        else:
            options = selects.first.locator("option")
            selects.first.select_option(index=options.count() - 1)
        if view.inner_html() == before:
            problems.append(f"figure {n} did not respond to its control")
        play = explorer.locator("button.ck-play")
        if play.count():
            target = explorer.locator(f"[data-ck-control='{play.get_attribute('data-ck-target')}']")
            start = target.input_value()
            play.click()
            try:
                p.wait_for_function("([el, v]) => el.value !== v", arg=[target.element_handle(), start],
                                    timeout=5000)
            except Exception:
                problems.append(f"figure {n}: the play button does not animate")
            play.click()  # pause
        explorer.screenshot(path=str(SHOTS / "figures" / f"{name}-figure{n}.png"))
    return explorers.count(), problems


def folded_solutions(p) -> list[str]:
    """Solutions that are not collapsed (the reader should try the exercise first)."""
    return p.evaluate("""() => [...document.querySelectorAll('.solution')].filter(
        s => !(s.classList.contains('dropdown') || (s.tagName === 'DETAILS' && !s.open))
    ).map(s => s.id || s.textContent.slice(0, 40))""")


# after a resize: book.js re-marks wide formulas 150 ms later; then two frames for the layout
SETTLE_JS = """
async () => {
  await new Promise(r => setTimeout(r, 300));
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
}
"""

# what must be the same whether a page is narrowed to phone width or opened in a mobile browser
LAYOUT_JS = """
() => ({height: document.documentElement.scrollHeight,
        width: document.documentElement.clientWidth,
        wide_formulas: document.querySelectorAll('.ck-wide-math').length,
        formula_tops: [...document.querySelectorAll('main mjx-container')].map(
            m => Math.round(m.getBoundingClientRect().top + window.scrollY))})
"""

_VISITS: dict[str, dict[str, Visit]] = {}


def screenshot(p, viewport: str, name: str) -> None:
    """The whole page, down to SHOT_HEIGHT (the API reference is taller than Chromium captures quickly)."""
    (SHOTS / viewport).mkdir(parents=True, exist_ok=True)
    height = min(p.evaluate("document.documentElement.scrollHeight"), SHOT_HEIGHT)
    # JPEG: encoding a page-long PNG took 2-4 s of the visit, JPEG at quality 80 about 40% less
    p.screenshot(path=str(SHOTS / viewport / f"{name}.jpg"), type="jpeg", quality=80, full_page=True,
                 timeout=120_000,
                 clip={"x": 0, "y": 0, "width": VIEWPORTS[viewport]["viewport"]["width"], "height": height})


def visit(server: str, browser, page: str, viewport: str) -> Visit:
    """What the one visit of ``page`` found at ``viewport`` (the page is opened on first use)."""
    if page not in _VISITS:
        _VISITS[page] = open_and_measure(server, browser, page)
    return _VISITS[page][viewport]


def measure_reading(p, result: Visit, viewport: str, name: str) -> None:
    """The checks made at both widths, and the full-page screenshot."""
    result.math = p.evaluate(MATH_JS)  # waits for MathJax and the fonts it asked for
    result.stray_tex = p.evaluate(STRAY_TEX_JS)
    result.unlabelled_figures = p.evaluate(FIGURES_JS)
    result.unlabelled_controls = unlabelled_controls(p)
    screenshot(p, viewport, name)


def open_and_measure(server: str, browser, page: str) -> dict[str, Visit]:
    """Open ``page`` at desktop width and measure; narrow it to phone width and measure; widen it
    again and move its interactive figures (last, so that both screenshots show the page as loaded)."""
    name = page.removesuffix(".html").replace("/", "-")
    opened = Page(browser, f"{server}/{page}", "desktop")
    p = opened.page
    desktop, phone = Visit(), Visit()
    try:
        measure_reading(p, desktop, "desktop", name)

        p.set_viewport_size(VIEWPORTS["phone"]["viewport"])
        p.evaluate(SETTLE_JS)
        phone.overflow = p.evaluate(OVERFLOW_JS)
        phone.layout = p.evaluate(LAYOUT_JS)
        measure_reading(p, phone, "phone", name)

        p.set_viewport_size(VIEWPORTS["desktop"]["viewport"])
        p.evaluate(SETTLE_JS)
        desktop.weight = p.evaluate(WEIGHT_JS)
        desktop.solutions = folded_solutions(p)
        desktop.explorer_count, desktop.explorers = exercise_explorers(p, name)
    finally:
        opened.close()
    for result in (desktop, phone):
        result.blocked = list(opened.blocked)
        result.errors = opened.errors + opened.failed
    return {"desktop": desktop, "phone": phone}


def cases(pages: list[str], viewports=tuple(VIEWPORTS)) -> list:
    return [pytest.param(page, vp, id=f"{page.removesuffix('.html')}-{vp}") for page in pages for vp in viewports]


@pytest.fixture(scope="module", autouse=True)
def fresh_weight_report():
    SHOTS.mkdir(parents=True, exist_ok=True)
    WEIGHTS.write_text("")
    yield


# ---------------------------------------------------------------------------
# in the browser


def test_every_chapter_is_built():
    missing = [page for page in CHAPTER_PAGES + ["intro.html"] if page not in PAGES]
    assert not missing, f"not in {SITE}: {missing} (build the book: make book)"


@pytest.mark.parametrize("page, viewport", cases(PAGES))
def test_page_works_offline(server, browser, page, viewport):
    found = visit(server, browser, page, viewport)
    assert found.blocked == [], f"third-party requests: {found.blocked}"
    assert found.errors == [], f"console errors or failed requests: {found.errors}"


@pytest.mark.parametrize("page, viewport", cases(PAGES))
def test_math_is_typeset(server, browser, page, viewport):
    found = visit(server, browser, page, viewport)
    assert found.math["untypeset"] == [], f"formulas left as TeX: {found.math['untypeset']}"
    if page in CHAPTER_PAGES:
        assert found.math["marked"] > 5, "a chapter without math?"


# Known problems of a page, being fixed elsewhere: the test is expected to fail
# there (strict: once fixed, the mark must go).
KNOWN: dict[tuple[str, str], str] = {
    # (check, page): reason, e.g. ("overflow", "chapters/x.html"): "... (being fixed in branch y)"
}


def known(check: str, pages: list[str]) -> list:
    return [pytest.param(page, marks=pytest.mark.xfail(reason=KNOWN[check, page], strict=True))
            if (check, page) in KNOWN else page for page in pages]


@pytest.mark.parametrize("page", known("stray TeX", PAGES))
def test_no_stray_tex(server, browser, page):
    found = visit(server, browser, page, "desktop")
    assert found.stray_tex == [], "\n".join(found.stray_tex)


@pytest.mark.parametrize("page", known("overflow", PAGES))
def test_no_horizontal_overflow_at_phone_width(server, browser, page):
    found = visit(server, browser, page, "phone")
    assert found.overflow == [], "\n".join(found.overflow)


@pytest.mark.parametrize("page", [PHONE_CHECK_PAGE])
def test_narrowed_page_lays_out_as_on_a_phone(server, browser, page):
    """The page narrowed to 390 px (as every page is checked) equals the page opened in a mobile browser."""
    narrowed = visit(server, browser, page, "phone")
    phone = Page(browser, f"{server}/{page}", "phone")
    try:
        math = phone.page.evaluate(MATH_JS)
        phone.page.evaluate(SETTLE_JS)
        layout = phone.page.evaluate(LAYOUT_JS)
        overflow = phone.page.evaluate(OVERFLOW_JS)
    finally:
        phone.close()
    assert math["marked"] > 5 and math["untypeset"] == []
    assert layout["width"] == narrowed.layout["width"] == VIEWPORTS["phone"]["viewport"]["width"]
    assert layout["height"] == narrowed.layout["height"]
    assert layout["wide_formulas"] == narrowed.layout["wide_formulas"] > 0
    tops = list(zip(layout["formula_tops"], narrowed.layout["formula_tops"]))
    assert len(layout["formula_tops"]) == len(narrowed.layout["formula_tops"]) > 5
    assert max(abs(a - b) for a, b in tops) <= 2, "formulas sit elsewhere when the page is narrowed"
    assert overflow == narrowed.overflow


@pytest.mark.parametrize("page", PAGES)
def test_figures_and_controls_are_labelled(server, browser, page):
    found = visit(server, browser, page, "desktop")
    assert found.unlabelled_figures == [], "\n".join(found.unlabelled_figures)
    assert found.unlabelled_controls == [], "\n".join(found.unlabelled_controls)


@pytest.mark.parametrize("page", CHAPTER_PAGES)
def test_interactive_figures_respond(server, browser, page):
    found = visit(server, browser, page, "desktop")
    assert found.explorer_count >= 1, "no interactive figure on the page"
    assert found.explorers == [], "\n".join(found.explorers)


@pytest.mark.parametrize("page", PAGES)
def test_solutions_are_folded(server, browser, page):
    found = visit(server, browser, page, "desktop")
    assert found.solutions == [], f"solutions shown unfolded: {found.solutions}"


@pytest.mark.parametrize("page", PAGES)
def test_page_weight(server, browser, page):
    """A chapter page (its HTML, with the frames of its interactive figures inline) stays under 3 MB.

    Printed for every page beside what a first visit downloads in all (the
    page plus the theme, MathJax and fonts, which later pages take from the
    browser's cache).
    """
    found = visit(server, browser, page, "desktop")
    with WEIGHTS.open("a") as report:
        report.write(json.dumps({"page": page, **found.weight}) + "\n")
    if page in CHAPTER_PAGES:
        assert found.weight["page_bytes"] < CHAPTER_LIMIT, f"{page} weighs {found.weight['page_bytes'] / 1e6:.2f} MB"


def test_site_weight():
    total = sum(f.stat().st_size for f in SITE.rglob("*") if f.is_file())
    mathjax = sum(f.stat().st_size for f in (SITE / "_static" / "mathjax").rglob("*") if f.is_file())
    with WEIGHTS.open("a") as report:
        report.write(json.dumps({"page": "(whole site)", "site": total, "mathjax": mathjax}) + "\n")
    assert total < SITE_LIMIT, f"the site weighs {total / 1e6:.1f} MB"


# ---------------------------------------------------------------------------
# from the files


class Anchors(html.parser.HTMLParser):
    """The ids a page defines and the local links it makes."""

    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (attribute, value)
        self.unresolved: list[str] = []
        self._stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("id", "name"):
            if attrs.get(key) and (key == "id" or tag == "a"):
                self.ids.add(attrs[key])
        for key in ("href", "src"):
            if attrs.get(key) and tag in ("a", "link", "script", "img", "iframe", "source"):
                self.links.append((key, attrs[key]))
        classes = (attrs.get("class") or "").split()
        if "problematic" in classes:
            self.unresolved.append(f"<{tag} class='{attrs.get('class')}'>")
        if "xref" in classes and "a" not in self._stack:
            self.unresolved.append(f"unresolved cross-reference <{tag} class='{attrs.get('class')}'>")
        if tag not in ("img", "link", "meta", "br", "hr", "input", "source"):
            self._stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass


@functools.lru_cache(maxsize=None)
def parsed(path: Path) -> Anchors:
    parser = Anchors()
    parser.feed(path.read_text(errors="replace"))
    return parser


def test_internal_links_and_anchors_resolve():
    broken = []
    for page in PAGES + ["index.html"]:
        source = SITE / page
        found = parsed(source)
        broken += [f"{page}: {problem}" for problem in found.unresolved]
        for attribute, link in found.links:
            url = urlparse(link)
            if url.scheme or link.startswith(("//", "mailto:", "javascript:", "data:")):
                continue  # external: not ours to check offline
            target = (source.parent / unquote(url.path)).resolve() if url.path else source
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page}: {attribute}={link} -> missing file")
                continue
            if url.fragment and target.suffix == ".html" and unquote(url.fragment) not in parsed(target).ids:
                broken.append(f"{page}: {link} -> no id {url.fragment!r} in {target.relative_to(SITE)}")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_download_button_serves_the_chapter(chapter):
    """The page's .ipynb download is the chapter as stored, set-up cell included (tests/test_outside.py runs it)."""
    page = SITE / "chapters" / f"{chapter}.html"
    if not page.exists():
        pytest.fail(f"{page} is missing: build the book first (make book)")
    links = re.findall(r'<a href="([^"]+\.ipynb)"[^>]*\n?\s*class="[^"]*btn-download-source-button', page.read_text())
    assert links, "no .ipynb download button"
    served = (page.parent / links[0]).resolve()
    assert served.read_bytes() == (ROOT / "chapters" / f"{chapter}.ipynb").read_bytes(), (
        f"{served} differs from the chapter: rebuild the book"
    )
