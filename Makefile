# Two commands for a fresh machine (see README.md):
#   make book   create .venv, install everything, build the book into _build/html
#   make test   the same set-up, then every test: convkit vs torch, notebooks (nbval),
#               the built site and a live JupyterLab in headless Chromium
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book test unit benchmark clean browser

$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $(STAMP)

# the chapters are executed into the build's cache two at a time first (the build runs them one by one)
book: $(STAMP)
	$(BIN)/python scripts/execute_chapters.py --jobs 2
	$(BIN)/jupyter-book build --all -W -n --keep-going .

browser:
	bash scripts/ensure-chromium.sh

test: book browser
	$(BIN)/python -m pytest

# convkit tests and nbval on the chapters in place (no book build, no browser, no install from the
# committed HEAD; in make test, nbval runs the chapters outside the repository: tests/test_outside.py)
unit: $(STAMP)
	$(BIN)/python -m pytest --ignore=tests/test_site.py --ignore=tests/test_lab.py --ignore=tests/test_outside.py convkit tests chapters

benchmark: $(STAMP)
	$(BIN)/python scripts/benchmark.py

clean:
	rm -rf _build
