# Two commands for a fresh machine:
#   make demo  - set up, ingest the example corpus into the embedded store, list obligations
#   make test  - set up, start a local Neo4j server, run every test, stop the server
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STORE  ?= ./newskg-data
export NEWSKG_SHARED ?= $(abspath ../shared)

.PHONY: setup demo test lint neo4j-start neo4j-stop bench clean

$(BIN)/newskg: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

setup: $(BIN)/newskg

demo: setup
	rm -rf $(STORE)
	$(BIN)/newskg ingest examples/corpus --store $(STORE)
	$(BIN)/newskg obligations --store $(STORE)
	$(BIN)/newskg stats --store $(STORE)

test: setup
	bash scripts/run-tests.sh

lint: setup
	$(BIN)/ruff check newskg tests benchmarks scripts

neo4j-start:
	bash scripts/neo4j-server.sh start

neo4j-stop:
	bash scripts/neo4j-server.sh stop

clean:
	rm -rf $(STORE) build *.egg-info .pytest_cache .ruff_cache
