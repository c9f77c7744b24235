"""Keep the built site free of third-party requests.

Jupyter Book 1 adds a few assets that point at CDNs or clash in the browser:

* sphinx-thebe's launcher script is loaded twice on some pages, which logs
  "Identifier 'THEBE_JS_URL' has already been declared"; we do not use
  Thebe (the launch buttons go to Binder and Colab), so its script is dropped.
* pydata-sphinx-theme logs "Got invalid theme mode" on a first visit unless
  a default mode is set; the book's figures are drawn for a light page.
* pydata-sphinx-theme's own top bar (a second search box) is hidden on
  wide screens by ``static/book.css``, which also fits the pages to a phone
  (with ``static/book.js`` for inline formulas wider than their column).
* any remaining script or stylesheet with an absolute http(s) URL is an error
  at build time, so that an offline page never silently loses math or figures.
* sphinx-mathjax-offline copies the whole MathJax 3 distribution (24 MB: every
  combined component, for every input and output format) although our pages
  load only ``tex-chtml.js``.  After the copy we keep what that component can
  request at run time (``MATHJAX_KEEP``) and delete the rest.
* pydata-sphinx-theme loads ``fontawesome.js`` (1.5 MB, the largest file of a
  first visit) on every page "so that users can add custom icons"; its own
  stylesheet already draws every icon with the Font Awesome web fonts, so the
  book (which adds no custom icons) drops the script: same icons, 1.5 MB less.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _mentions_thebe(asset: object) -> bool:
    filename = str(getattr(asset, "filename", asset) or "")
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    return "thebe" in filename.lower() or "THEBE" in body


STATIC = Path(__file__).parent / "static"

#: the MathJax component every page loads (``mathjax_path``)
MATHJAX_ENTRY = "mathjax/tex-chtml.js"
#: what ``tex-chtml.js`` loads at run time, relative to the MathJax folder:
#: itself; the CommonHTML fonts; TeX packages it autoloads (``\require``,
#: ``\color``, ``\cancel``, ...); and what its right-click menu loads on demand
#: (the accessibility explorer and speech: ``a11y/``, ``sre/``; the SVG renderer).
MATHJAX_KEEP = (
    "tex-chtml.js",
    "output/chtml/fonts/woff-v2/",
    "input/tex/extensions/",
    "a11y/",
    "sre/",
    "output/svg.js",
    "output/svg/",
)


def _configure(app: Sphinx, config) -> None:
    config.html_context.setdefault("default_mode", "light")
    config.html_static_path.append(str(STATIC))


def _drop_thebe(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    for key in ("script_files", "css_files"):
        assets = context.get(key) or []
        kept = [a for a in assets if not _mentions_thebe(a)]
        remote = [
            str(getattr(a, "filename", a))
            for a in kept
            if str(getattr(a, "filename", a)).startswith(("http://", "https://", "//"))
        ]
        for url in remote:
            logger.warning("page %s loads %s from a third-party host", pagename, url)
        context[key] = kept


def prune_mathjax(folder: Path) -> tuple[int, int]:
    """Delete the files of the MathJax copy in ``folder`` that ``tex-chtml.js`` never loads.

    Returns the total size in bytes before and after.
    """
    files = [f for f in folder.rglob("*") if f.is_file()]
    before = sum(f.stat().st_size for f in files)
    for f in files:
        name = f.relative_to(folder).as_posix()
        if not any(name == keep or (keep.endswith("/") and name.startswith(keep)) for keep in MATHJAX_KEEP):
            f.unlink()
    for d in sorted((d for d in folder.rglob("*") if d.is_dir()), key=lambda d: -len(d.parts)):
        if not any(d.iterdir()):
            d.rmdir()
    after = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    return before, after


def _prune_mathjax(app: Sphinx, exc) -> None:
    folder = Path(app.outdir) / "_static" / "mathjax"
    if exc is not None or not folder.is_dir():
        return
    if app.config.mathjax_path != MATHJAX_ENTRY:
        logger.warning("mathjax_path is %s, not %s: MATHJAX_KEEP in _ext/offline.py is for the latter",
                       app.config.mathjax_path, MATHJAX_ENTRY)
        return
    before, after = prune_mathjax(folder)
    logger.info("MathJax: kept %.1f of %.1f MB (what tex-chtml.js loads)", after / 1e6, before / 1e6)


FONTAWESOME_JS = re.compile(r'\s*<script defer src="[^"]*_static/scripts/fontawesome\.js[^"]*"></script>')


def _drop_fontawesome_js(app: Sphinx, exc) -> None:
    outdir = Path(app.outdir)
    if exc is not None or app.builder.format != "html":
        return
    for page in outdir.rglob("*.html"):
        if page.relative_to(outdir).parts[0] == "_static":  # theme templates copied as files
            continue
        text = page.read_text(encoding="utf-8")
        stripped = FONTAWESOME_JS.sub("", text)
        if stripped != text:
            page.write_text(stripped, encoding="utf-8")
    for name in ("fontawesome.js", "fontawesome.js.map"):
        (outdir / "_static" / "scripts" / name).unlink(missing_ok=True)


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _configure)
    app.add_css_file("book.css")
    app.add_js_file("book.js", loading_method="defer")
    app.connect("html-page-context", _drop_thebe, priority=900)
    # after sphinx-mathjax-offline's copy (build-finished, default priority 500)
    app.connect("build-finished", _prune_mathjax, priority=900)
    app.connect("build-finished", _drop_fontawesome_js, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
