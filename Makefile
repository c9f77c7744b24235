# Two commands for a fresh machine (see README.md):
#   make book   create .venv, install everything, build the book into _build/html
#   make test   the same set-up, then every test: convkit vs torch, notebooks (nbval),
#               the built site and a live JupyterLab in headless Chromium
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book test tests-before-build unit benchmark clean browser

UV := uv==0.13.9
WHEELS := $(VENV)/wheels

# uv installs and byte-compiles on every core (pip alone took 2.5 min, one core busy).
# torch comes from wherever pip's own configuration finds the pinned release (this
# machine keeps a CPU build on disk; uv would not look there): pip fetches that one
# file, uv installs it with the rest.  If uv fails, pip installs everything.
$(STAMP): requirements.txt requirements-dev.txt constraints.txt uv-overrides.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet $(UV)
	rm -rf $(WHEELS)
	$(BIN)/python -m pip download --quiet --no-deps --dest $(WHEELS) -c constraints.txt torch
	$(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode --find-links $(WHEELS) \
	    -r requirements-dev.txt -c constraints.txt --override uv-overrides.txt \
	  || { echo "uv failed: installing with pip instead"; \
	       $(BIN)/python -m pip install --quiet -r requirements-dev.txt -c constraints.txt; }
	rm -rf $(WHEELS)
	touch $(STAMP)

# the chapters are executed into the build's cache two at a time first (the build runs them one by one)
book: $(STAMP)
	$(BIN)/python scripts/execute_chapters.py --jobs 2
	$(BIN)/jupyter-book build --all -W -n --keep-going .

browser:
	bash scripts/ensure-chromium.sh

# Each chapter is executed once: by nbval, outside the repository, in the first pytest run
# (tests/test_outside.py keeps what it executed; scripts/execute_chapters.py renders the book
# from it).  Chromium is installed meanwhile; the built site and JupyterLab are tested last.
# Both pytest runs go to the end; the command fails if either failed.
test: $(STAMP)
	$(MAKE) -j2 browser tests-before-build; before=$$?; \
	$(MAKE) book && $(BIN)/python -m pytest -m after_build; after=$$?; \
	test $$before -eq 0 && test $$after -eq 0

tests-before-build: $(STAMP)
	$(BIN)/python -m pytest -m "not after_build"

# convkit tests and nbval on the chapters in place (no book build, no browser, no install from the
# committed HEAD; in make test, nbval runs the chapters outside the repository: tests/test_outside.py)
unit: $(STAMP)
	$(BIN)/python -m pytest --ignore=tests/test_site.py --ignore=tests/test_lab.py --ignore=tests/test_outside.py convkit tests chapters

benchmark: $(STAMP)
	$(BIN)/python scripts/benchmark.py

clean:
	rm -rf _build
