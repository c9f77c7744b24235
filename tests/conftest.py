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


# -- how pytest-xdist shares the work (``--dist loadscope`` in pyproject.toml: the
# tests of a module run on one worker and share its fixtures; one visit of a page
# serves all of its browser tests).  xdist hands the modules out in collection
# order, so the two long ones go first, to different workers, and the short unit
# tests fill the end of the run on both.  (``--dist loadgroup`` would split them
# further, but with pytest 9.2 and xdist 3.8 its groups are ignored: every test was
# scheduled on its own and each worker visited every page, a 20% slower run.)
LONG = ("tests/test_site.py", "tests/test_outside.py")


def pytest_collection_modifyitems(config, items):
    # stable sort: the browser tests first (the longest), then the outside runs, then the rest
    items.sort(key=lambda item: next((i for i, name in enumerate(LONG) if item.nodeid.split("::")[0].endswith(name)),
                                     len(LONG)))
