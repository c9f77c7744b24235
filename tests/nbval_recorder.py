"""A pytest plugin for nbval's own run: keep the notebook it executed, with its outputs.

``tests/test_outside.py`` copies this file as ``conftest.py`` into the folder
where nbval runs one chapter.  When every cell passed and ``CONVKIT_EXECUTED``
names a file, that file receives the chapter as nbval ran it: each code cell
with the outputs the kernel sent and its execution count, ``language_info``
from the kernel, as a notebook front end (or ``nbclient``) would have saved
it.  ``scripts/execute_chapters.py`` then takes the notebook into the book's
execution cache, so that ``make test`` executes each chapter once: the nbval
run of the testing contract is also the execution the book is rendered from.

nbval keeps the output messages of a cell as they came, as ``nbclient`` does
(stream text in the chunks the kernel sent: the book joins them,
``nb_merge_streams``).  The chapters neither clear nor update outputs
(``clear_output``, ``display_id``), the two things nbval ignores.
"""

from __future__ import annotations

import os
import time

import nbformat
import pytest

_RUN = {"language_info": None}


def _cells(session) -> list:
    return [item for item in session.items if hasattr(item, "test_outputs") and hasattr(item, "cell")]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item, nextitem):
    """Before the last cell's teardown stops the kernel, ask it for its language_info."""
    kernel = getattr(item.parent, "kernel", None)
    if nextitem is not None or kernel is None or not kernel.is_alive() or not os.environ.get("CONVKIT_EXECUTED"):
        return
    client = kernel.kc
    msg_id = client.kernel_info()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        reply = client.get_shell_msg(timeout=30)
        if reply["parent_header"].get("msg_id") == msg_id:
            _RUN["language_info"] = reply["content"].get("language_info")
            return


def pytest_sessionfinish(session, exitstatus):
    target = os.environ.get("CONVKIT_EXECUTED")
    cells = _cells(session)
    if not target or exitstatus != 0 or not cells or session.testsfailed:
        return
    if any(item.test_outputs is None for item in cells):  # a cell that never ran
        return
    notebook = cells[0].parent.nb  # the notebook nbval read; the items hold its code cells
    for count, item in enumerate(cells, start=1):
        item.cell.outputs = item.test_outputs
        item.cell.execution_count = count
        for output in item.cell.outputs:
            if output.output_type == "execute_result":
                output.execution_count = count
    if _RUN["language_info"]:
        notebook.metadata["language_info"] = _RUN["language_info"]
    nbformat.validate(notebook)
    nbformat.write(notebook, target)
