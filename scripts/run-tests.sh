#!/usr/bin/env bash
# Start the local Neo4j server, run the whole suite (and ruff), stop the server even when tests fail.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin
export NEWSKG_SHARED=${NEWSKG_SHARED:-$(cd .. && pwd)/shared}
started=0
if bash scripts/neo4j-server.sh status >/dev/null 2>&1; then
  echo "run-tests: using the Neo4j server already running"
else
  bash scripts/neo4j-server.sh start || { echo "run-tests: Neo4j did not start" >&2; exit 1; }
  started=1
fi
bash scripts/install-chromium.sh || echo "run-tests: chromium could not be installed; the report tests will say so" >&2
eval "$(bash scripts/neo4j-server.sh env)"
export NEWSKG_NEO4J_URI NEWSKG_NEO4J_USER NEWSKG_NEO4J_PASSWORD
export NEWSKG_REQUIRE_NEO4J=1
"$BIN/ruff" check newskg tests benchmarks scripts
lint=$?
"$BIN/python" -m pytest -q "$@"
rc=$?
[ "$started" = 1 ] && bash scripts/neo4j-server.sh stop
[ "$rc" = 0 ] && [ "$lint" != 0 ] && rc=$lint
exit $rc
