# The two set-up commands of the README: `make demo` and `make test`. Both create or update .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint bench clean chromium tmux system-packages

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/loket demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Debian packages the tests drive (never downloaded binaries): chromium for the browser tests, nginx for the
# example proxy configuration (docs/deploy/nginx.conf), tmux for the clerk terminal in a real terminal
# (tests/counter/test_real_terminal.py). Installed when missing and possible (root with apt-get); otherwise
# those tests skip, loudly (and fail instead when CI=true).
SYSTEM_PACKAGES := chromium nginx tmux

system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  command -v $$p >/dev/null 2>&1 || [ -x /usr/sbin/$$p ] || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "make: missing$$missing and cannot install here (needs root and apt-get): their tests will skip"; \
	  fi; \
	fi

chromium tmux: system-packages

test: $(STAMP) lint system-packages
	$(BIN)/pytest -ra -n 2 --dist loadfile

bench: $(STAMP)
	$(BIN)/python bench/server.py --write docs/benchmarks.md
	$(BIN)/python bench/policies.py --write docs/benchmarks.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache loket-demo.db*
