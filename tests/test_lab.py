"""An explorer in a real JupyterLab: the ipywidgets sliders drive the figure.

Starts JupyterLab on a free loopback port with a one-cell notebook, runs it in
headless Chromium, drags the first slider and checks that the figure changed.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

# make test runs these after the build (they need Chromium)
pytestmark = pytest.mark.after_build

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    pytest.importorskip("jupyterlab")
    root = tmp_path_factory.mktemp("lab")
    notebook = {
        "cells": [{
            "cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": ["from convkit.figures import arithmetic_explorer\n", "arithmetic_explorer()"],
        }],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    (root / "explorer.ipynb").write_text(json.dumps(notebook))
    env = dict(os.environ)
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_WORKSPACES_DIR"):
        env[name] = str(tmp_path_factory.mktemp(name.lower()))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
         "--allow-root", f"--ServerApp.root_dir={root}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{url}/api/status", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        server.kill()
        pytest.fail("JupyterLab did not start")
    yield url
    server.terminate()
    server.wait(timeout=20)


def test_widget_sliders_drive_the_figure_in_jupyterlab(lab):
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: run scripts/ensure-chromium.sh (make test does)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{lab}/lab/tree/explorer.ipynb")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        page.wait_for_timeout(2000)
        if page.locator(".jp-Dialog").count():  # a kernel picker on first open
            page.keyboard.press("Enter")
        page.locator(".jp-Notebook .jp-Cell").first.click()
        page.keyboard.press("Shift+Enter")
        page.wait_for_selector(".widget-slider .noUi-handle", timeout=60_000)
        view = page.locator(".widget-vbox .widget-html-content").first
        page.wait_for_function("el => el.innerHTML.includes('<svg')", arg=view.element_handle())
        before = view.inner_html()
        assert "o = ⌊" in before  # the output-size formula of the initial setting
        handle = page.locator(".widget-slider .noUi-handle").first
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + 150, box["y"] + box["height"] / 2, steps=10)
        page.mouse.up()
        page.wait_for_function("([el, old]) => el.innerHTML !== old", arg=[view.element_handle(), before],
                               timeout=20_000)
        assert "padded input" in view.inner_html()
        shots = Path(__file__).resolve().parents[1] / "_build" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "jupyterlab-explorer.png"))
        browser.close()
