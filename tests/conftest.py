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


# -- how pytest-xdist shares the work.  As with ``--dist loadscope`` the tests of a
# module run on one worker and share its fixtures, except in the two long modules,
# which would otherwise keep one worker busy for most of the run: the browser tests
# go by page (both viewports; one visit of a page serves all of its tests, so a
# page must not be split) and the chapters run outside the repository one each.
# Those modules are collected first, so the short unit tests fill the end of the
# run.  (``--dist loadgroup`` with ``xdist_group`` marks would say the same, but with
# pytest 9.2 and xdist 3.8 the marks are ignored: every test ran alone and both
# workers visited every page.)
LONG = ("tests/test_site.py", "tests/test_outside.py")


def _scope(nodeid: str) -> str:
    """The unit of work a worker takes whole: a page, a chapter, or a module."""
    module, _, rest = nodeid.partition("::")
    if module.endswith(LONG) and "[" in rest:
        param = rest[rest.index("[") + 1:rest.rindex("]")]
        page = param.removesuffix("-desktop").removesuffix("-phone").removesuffix(".html")
        return f"{module}[{page}]"
    return module


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class PageScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _scope(nodeid)

    return PageScheduling(config, log)


def pytest_collection_modifyitems(config, items):
    # stable sort: the browser tests first (the longest in all), then the outside runs, then the rest
    items.sort(key=lambda item: next((i for i, name in enumerate(LONG) if item.nodeid.split("::")[0].endswith(name)),
                                     len(LONG)))
