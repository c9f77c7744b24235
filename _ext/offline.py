"""Keep the built site free of third-party requests.

Jupyter Book 1 adds a few assets that point at CDNs or clash in the browser:

* sphinx-thebe's launcher script is loaded twice on some pages, which logs
  "Identifier 'THEBE_JS_URL' has already been declared"; we do not use
  Thebe (the launch buttons go to Binder and Colab), so its script is dropped.
* pydata-sphinx-theme logs "Got invalid theme mode" on a first visit unless
  a default mode is set; the book's figures are drawn for a light page.
* pydata-sphinx-theme's own top bar (a second search box) is hidden on
  wide screens by ``static/book.css``.
* any remaining script or stylesheet with an absolute http(s) URL is an error
  at build time, so that an offline page never silently loses math or figures.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _mentions_thebe(asset: object) -> bool:
    filename = str(getattr(asset, "filename", asset) or "")
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    return "thebe" in filename.lower() or "THEBE" in body


STATIC = Path(__file__).parent / "static"


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


def setup(app: Sphinx) -> dict:
    app.connect("config-inited", _configure)
    app.add_css_file("book.css")
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
