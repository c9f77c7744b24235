"""Write (or check) the set-up cell that starts every chapter notebook.

A chapter opened outside this repository (Colab, a downloaded ``.ipynb``, a
notebook copied into a course folder) has no ``convkit``.  Its first code cell
installs it with ``pip install "git+<repository URL>"``, but only when
``import convkit`` would fail: an existing installation is never touched.

The repository URL has one source of truth, ``repository.url`` in
``_config.yml`` (the same key that drives the book's repository and launch
buttons).  This script copies it into every chapter:

    python scripts/setup_cell.py          # write the cell into every chapter
    python scripts/setup_cell.py --check  # exit 1 if any chapter is out of date

``tests/test_book.py`` runs the check, so changing the URL without running the
script fails the tests.  The cell is the first code cell of the notebook, tagged
``hide-input`` so that the web page shows it folded.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
MARKER = "# Set-up: installs convkit"
TAGS = ["hide-input"]


def repository_url(config: Path = ROOT / "_config.yml") -> str:
    """The repository URL configured in ``_config.yml`` (``repository.url``)."""
    url = yaml.safe_load(config.read_text())["repository"]["url"].rstrip("/")
    if not url.startswith("https://"):
        raise ValueError(f"repository.url in {config} must be an https:// URL, got {url!r}")
    return url


def cell_source(url: str) -> str:
    """Source of the set-up cell for the repository at ``url``."""
    return f'''{MARKER} (the book's package) only where it is missing,
# e.g. in Colab or a notebook downloaded from the book; otherwise it does nothing.
import importlib
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("convkit") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "git+{url}"], check=True)
    importlib.invalidate_caches()
if importlib.util.find_spec("torch") is None:
    print("The checks in this chapter use PyTorch: pip install torch")'''


def setup_cell(url: str) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "id": "convkit-setup",
        "metadata": {"tags": list(TAGS)},
        "outputs": [],
        "source": cell_source(url).splitlines(keepends=True),
    }


def is_setup_cell(cell: dict) -> bool:
    return cell["cell_type"] == "code" and "".join(cell["source"]).startswith(MARKER)


def updated(notebook: dict, url: str) -> dict:
    """``notebook`` with exactly one, current set-up cell as its first code cell."""
    cells = [c for c in notebook["cells"] if not is_setup_cell(c)]
    first_code = next((i for i, c in enumerate(cells) if c["cell_type"] == "code"), len(cells))
    cells.insert(first_code, setup_cell(url))
    return {**notebook, "cells": cells}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report chapters that are out of date")
    args = parser.parse_args(argv)
    url = repository_url()
    stale = []
    for path in sorted(CHAPTERS.glob("*.ipynb")):
        notebook = json.loads(path.read_text())
        new = updated(notebook, url)
        if new != notebook:
            stale.append(path.relative_to(ROOT))
            if not args.check:
                path.write_text(json.dumps(new, indent=1, ensure_ascii=False) + "\n")
    if args.check and stale:
        print("set-up cell missing or out of date (run python scripts/setup_cell.py):", *stale, sep="\n  ")
        return 1
    if not args.check:
        print(f"set-up cell for {url}: updated {len(stale)} notebook(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
