"""Shared test set-up: a deterministic hypothesis profile and torch helpers."""

import os

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, settings

# Deterministic: the same examples on every run, no deadline (CI machines vary).
settings.register_profile(
    "convkit",
    derandomize=True,
    deadline=None,
    max_examples=int(os.environ.get("CONVKIT_EXAMPLES", "300")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.load_profile("convkit")
torch.set_num_threads(1)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# -- page weights, printed after the run (tests/test_site.py records them; with
# pytest-xdist the workers' output is not shown, so they go through a file)
_SESSION_START = [0.0]


def pytest_sessionstart(session):
    import time

    _SESSION_START[0] = time.time()


def pytest_terminal_summary(terminalreporter):
    import json
    from pathlib import Path

    reports = sorted((Path(__file__).resolve().parents[1] / "_build" / "screenshots").glob("page-weight-*.jsonl"))
    rows = [json.loads(line) for report in reports if report.stat().st_mtime >= _SESSION_START[0]
            for line in report.read_text().splitlines() if line.strip()]
    if not rows:
        return
    terminalreporter.section("page weight (desktop)")
    terminalreporter.write_line(f"{'page':40s} {'page MB':>8s} {'first visit MB':>15s}")
    for row in sorted(rows, key=lambda r: (r["page"].startswith("("), r["page"])):
        if "site" in row:
            terminalreporter.write_line(
                f"{row['page']:40s} {row['site'] / 1e6:8.2f}   (all files; MathJax {row['mathjax'] / 1e6:.1f} MB)")
        else:
            terminalreporter.write_line(f"{row['page']:40s} {row['page_bytes'] / 1e6:8.2f} {row['first_visit'] / 1e6:15.2f}")


# -- how pytest-xdist shares the work (``--dist loadgroup`` in pyproject.toml).
# Every test runs in its module's group (the tests of a module share its fixtures,
# as with --dist loadscope), except the two long modules, which are split so that
# both workers take part: the browser tests go by page (one visit of a page serves
# all of its tests) and the chapters run outside the repository one group each.
# Those long groups are handed out first (xdist follows the collection order), so
# that the short unit tests fill the end of the run on both workers.
LONG = ("tests/test_site.py", "tests/test_outside.py")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        module = item.nodeid.split("::")[0]
        params = getattr(getattr(item, "callspec", None), "params", {})
        if module.endswith(LONG[0]) and "page" in params:
            group = f"site:{params['page']}"
        elif module.endswith(LONG[1]) and "chapter" in params:
            group = f"outside:{params['chapter']}"
        else:
            group = module
        item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: not item.nodeid.split("::")[0].endswith(LONG))  # stable: long ones first
