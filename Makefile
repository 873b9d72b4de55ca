# nnanim: two commands.
#   make demo   set everything up, render the default scene, print the MP4's path
#   make test   set everything up, run the test suite
# Both install what is missing: Debian's Cairo/Pango headers (pycairo and
# manimpango build from source on Linux), a .venv, and the package with its
# dev extra.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.nnanim-installed
SYSPKGS = libcairo2-dev libpango1.0-dev pkg-config fonts-dejavu-core
PYTEST_ARGS ?=

.PHONY: demo test test-fast setup sysdeps bench lint clean

demo: setup
	@$(BIN)/nnanim render layers -q m -o out/layers.mp4

test: setup
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/python -m pytest -n 2 -m "not slow" $(PYTEST_ARGS)

setup: $(STAMP)

sysdeps:
	@if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists cairo pangocairo \
	     && fc-list 2>/dev/null | grep -qi dejavu; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "Installing Cairo/Pango headers: $(SYSPKGS)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSPKGS) >/dev/null; \
	else \
	  echo "nnanim needs Cairo/Pango headers (to build pycairo and manimpango) and a font. Run:"; \
	  echo "  sudo apt-get update && sudo apt-get install -y $(SYSPKGS)"; \
	  exit 1; \
	fi

$(STAMP): pyproject.toml | sysdeps
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

# The training benchmark compares with PyTorch when it is installed (a CPU build is enough).
bench: setup
	$(BIN)/python benchmarks/bench_training.py
	$(BIN)/python benchmarks/bench_render.py
	$(BIN)/python benchmarks/bench_scenes.py

lint: setup
	$(BIN)/ruff check nnanim scenes tests benchmarks

clean:
	rm -rf $(VENV) out build *.egg-info .pytest_cache .hypothesis
