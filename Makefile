# Two commands a newcomer needs: `make run` (demo against the embedded sandbox) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: run test test-fast lint serve sandbox bench settings-doc clean constraints production-smoke container-smoke

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/unified-order-api demo $(ARGS)

test: $(STAMP)
	$(BIN)/ruff check src tests bench examples deploy
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

# The unit tier alone: no sockets, no processes, no servers (a guard fails a test that opens one); seconds.
test-fast: $(STAMP)
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples deploy
	$(BIN)/ruff format --check src tests bench examples deploy
	$(BIN)/mypy

serve: $(STAMP)
	$(BIN)/unified-order-api serve $(ARGS)

sandbox: $(STAMP)
	$(BIN)/unified-order-api sandbox $(ARGS)

bench: $(STAMP)
	$(BIN)/python bench/orders_bench.py

# The settings reference, written from the settings models (a test fails when the committed file differs).
settings-doc: $(STAMP)
	$(BIN)/python -m unified_order_api.config.reference docs/reference/settings.md

# The runtime dependencies' versions the tests passed with, for production installs (`pip install -c constraints.txt .`).
constraints: $(STAMP)
	$(BIN)/python deploy/freeze_runtime.py > constraints.txt

# A clean environment from constraints.txt without the development extras: check-config, serve, one order, SIGTERM.
production-smoke:
	bash .ci/production-smoke

# The container image from deploy/container/Containerfile, built with podman on a local Debian base, then run once.
container-smoke: $(STAMP)
	bash .ci/container-smoke

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
