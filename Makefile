# nnanim: two commands.
#   make demo   set everything up, render the default scene, print the MP4's path
#   make test   set everything up, run the test suite, then the core lane
#   make test-core  the pure modules' tests in a second venv that has no Manim
# Both install what is missing: Debian's Cairo/Pango headers (pycairo and
# manimpango build from source on Linux), a .venv, and the package with its
# dev, slides, batch and data extras; `make test` also installs Debian's Chromium, in which
# the slide deck test plays the HTML deck.

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.nnanim-installed
UV      = $(BIN)/uv
SYSPKGS = libcairo2-dev libpango1.0-dev pkg-config fonts-dejavu-core
# for the tests only: a headless browser for the HTML slide deck
TEST_SYSPKGS = chromium
PYTEST_ARGS ?=

# The core lane: layers 1-4 (nnanim/core and the other pure modules) must work without Manim
# (DESIGN.md), so their tests, the folder tests/core, also run in a venv that has only the
# pure dependencies, with the package installed --no-deps.
CORE_VENV  ?= .venv-core
CORE_BIN    = $(CORE_VENV)/bin
CORE_STAMP  = $(CORE_VENV)/.nnanim-installed
CORE_DEPS   = numpy scipy click rich contourpy threadpoolctl pytest hypothesis pytest-xdist tomli-w \
              scikit-learn
CORE_TESTS  = tests/core

.PHONY: demo test test-fast test-core setup sysdeps test-sysdeps bench lint clean

demo: setup
	@$(BIN)/nnanim render layers -q m -o out/layers.mp4

# The folder tests/core runs once, in the core lane (without Manim); the first run takes the rest.
# --dist loadgroup: the tests of one scene's plan passes share a worker (tests/plan_shots.py).
test: setup test-sysdeps
	$(BIN)/python -m pytest -n 2 --dist loadgroup --ignore=$(CORE_TESTS) $(PYTEST_ARGS)
	@$(MAKE) --no-print-directory test-core

test-fast: setup
	$(BIN)/python -m pytest -n 2 -m "not slow" $(PYTEST_ARGS)

test-core: $(CORE_STAMP)
	@if $(CORE_BIN)/python -c "import manim" 2>/dev/null; then \
	  echo "$(CORE_VENV) has Manim installed; the core lane must run without it"; exit 1; fi
	$(CORE_BIN)/python -m pytest -n 2 -q $(CORE_TESTS)

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

test-sysdeps:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "Installing for the tests: $(TEST_SYSPKGS)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(TEST_SYSPKGS) >/dev/null; \
	else \
	  echo "note: the HTML slide deck test needs Chromium and is skipped without it:"; \
	  echo "  sudo apt-get update && sudo apt-get install -y $(TEST_SYSPKGS)"; \
	fi

# The packages are installed with uv (itself a package from PyPI, put in the venv by pip): it
# resolves and installs from its cache in seconds, where pip took about two minutes for the same
# set; without uv (it could not be installed, or its install failed: it reads no pip config, so
# no local index or wheel folder), pip does it as before.
$(STAMP): pyproject.toml | sysdeps
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@test -x $(UV) || $(BIN)/python -m pip install -q uv || echo "note: no uv; installing with pip"
	@if [ -x $(UV) ] && { echo "$(UV) pip install -q --compile-bytecode --python $(BIN)/python -e '.[dev,slides,batch,data]'"; \
	  $(UV) pip install -q --compile-bytecode --python $(BIN)/python -e '.[dev,slides,batch,data]'; }; then :; \
	else \
	  echo "installing with pip"; \
	  $(BIN)/python -m pip install -q --upgrade pip && \
	  $(BIN)/python -m pip install -q -e '.[dev,slides,batch,data]'; \
	fi
	@touch $@

# (with the main venv's uv when there is one: `make test` made it; `make test-core` alone may not).
# uv makes the venv too: it needs no pip in it (python -m venv copies pip in: 4 s of CPU, 17 s on the
# loaded machine, against uv's 0.1 s); without uv, pip installs, so the venv gets pip.
$(CORE_STAMP): pyproject.toml
	@test -x $(CORE_BIN)/python || { [ -x $(UV) ] && $(UV) venv -q --python "$$(command -v $(PYTHON))" $(CORE_VENV); } \
	  || $(PYTHON) -m venv $(CORE_VENV)
	@if [ -x $(UV) ] && { echo "$(UV) pip install -q --compile-bytecode --python $(CORE_BIN)/python $(CORE_DEPS)"; \
	  $(UV) pip install -q --compile-bytecode --python $(CORE_BIN)/python $(CORE_DEPS) && \
	  $(UV) pip install -q --compile-bytecode --python $(CORE_BIN)/python --no-deps -e .; }; then :; \
	else \
	  $(CORE_BIN)/python -m pip install -q $(CORE_DEPS) && \
	  $(CORE_BIN)/python -m pip install -q --no-deps -e .; \
	fi
	@touch $@

# The training benchmark compares with PyTorch when it is installed (a CPU build is enough).
bench: setup
	$(BIN)/python benchmarks/bench_training.py
	$(BIN)/python benchmarks/bench_render.py
	$(BIN)/python benchmarks/bench_scenes.py
	$(BIN)/python benchmarks/bench_batch.py

lint: setup
	$(BIN)/ruff check nnanim scenes tests benchmarks

clean:
	rm -rf $(VENV) $(CORE_VENV) out build *.egg-info .pytest_cache .hypothesis
