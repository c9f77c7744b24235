"""Execute the chapters into the book's execution cache, several at a time.

``jupyter-book build`` (``execute_notebooks: cache`` in ``_config.yml``)
executes every notebook it cannot find in ``_build/.jupyter_cache``, one after
the other.  This script fills that cache first, running ``--jobs`` notebooks
at once, with the settings the build would use (each notebook executed in its
own folder, ``execute.timeout`` from ``_config.yml``, errors not allowed).  The
build then finds every notebook in the cache and only renders it.  Nothing is
skipped: a notebook whose code is already cached is not run again (the cache
matches on the code cells, as the build does), and the build still executes
whatever this script did not cache.

``make test`` executes each chapter only once.  Its nbval run
(``tests/test_outside.py``: every chapter in a fresh environment, outside the
repository) keeps each notebook it executed, with its outputs, in
``_build/nbval-executed/`` (``tests/nbval_recorder.py``).  This script takes
such a notebook into the cache instead of executing the chapter again, when
its code cells are the chapter's and it is newer than the chapter and every
file of ``convkit``; it is removed once taken (a leftover one is never reused
after a change).

Widget state is not stored: the book shows the HTML form of every interactive
figure and loads no widget manager, so the state would be dead weight on the
page.

Usage:  .venv/bin/python scripts/execute_chapters.py [--jobs 2] [notebooks...]

A notebook that fails is reported with its traceback and makes the script
exit with status 1 (the build would fail on it too).
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import yaml
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.executors.utils import single_nb_execution

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "_build" / ".jupyter_cache"  # where myst-nb looks: <outdir>/../.jupyter_cache
RECORDED = ROOT / "_build" / "nbval-executed"  # written by tests/test_outside.py


def code(notebook: nbformat.NotebookNode) -> list[str]:
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def recorded_run(path: Path) -> nbformat.NotebookNode | None:
    """The notebook nbval executed for this chapter, if it is current (else ``None``)."""
    recorded = RECORDED / path.name
    if not recorded.exists():
        return None
    made = recorded.stat().st_mtime
    sources = [path, *(ROOT / "convkit").rglob("*.py"), ROOT / "pyproject.toml"]
    ran = nbformat.read(recorded, as_version=4)
    if any(source.stat().st_mtime > made for source in sources) or code(ran) != code(
            nbformat.read(path, as_version=4)):
        print(f"{recorded.relative_to(ROOT)}: older than the chapter or convkit, or other code: not used")
        return None
    return ran


def execute(path: Path, timeout: int) -> tuple[Path, nbformat.NotebookNode, float, str | None]:
    """Run one notebook top to bottom in its own folder (as the build does)."""
    notebook = nbformat.read(path, as_version=4)
    result = single_nb_execution(notebook, cwd=str(path.parent), allow_errors=False,
                                 timeout=timeout, meta_override=True, store_widget_state=False)
    return path, notebook, result.time, result.exc_string if result.err else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="notebooks executed at once (default: one per core)")
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="default: every notebook in chapters/")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")

    config = yaml.safe_load((ROOT / "_config.yml").read_text())["execute"]
    if config.get("execute_notebooks") != "cache":
        print("execute_notebooks is not 'cache' in _config.yml: nothing to fill")
        return 0
    cache = get_cache(str(CACHE))
    notebooks = [p.resolve() for p in args.notebooks] or sorted((ROOT / "chapters").glob("*.ipynb"))
    todo, taken = [], 0
    for path in notebooks:
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
            continue
        except KeyError:
            pass
        ran = recorded_run(path)
        if ran is None:
            todo.append(path)
            continue
        stage = cache.add_nb_to_project(str(path))
        cache.cache_notebook_bundle(CacheBundleIn(ran, stage.uri, data={"executed_by": "nbval"}),
                                    check_validity=False, overwrite=True)
        taken += 1
    for leftover in RECORDED.glob("*.ipynb"):
        leftover.unlink()
    print(f"{len(notebooks) - len(todo) - taken} of {len(notebooks)} notebooks already cached, "
          f"{taken} taken from the nbval run of make test; executing {len(todo)}, {args.jobs} at a time",
          flush=True)

    failed = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(execute, path, config.get("timeout", 30)) for path in todo]
        for future in futures:  # the cache's database is written from this process only
            path, notebook, seconds, error = future.result()
            name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            if error is not None:
                failed.append(name)
                print(f"{name}: FAILED after {seconds:.1f} s\n{error}", flush=True)
                continue
            stage = cache.add_nb_to_project(str(path))
            cache.cache_notebook_bundle(CacheBundleIn(notebook, stage.uri, data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            print(f"{name}: executed in {seconds:.1f} s", flush=True)
    if failed:
        print(f"{len(failed)} notebook(s) failed: {', '.join(map(str, failed))}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
