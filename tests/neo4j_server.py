"""Connection details of the Neo4j server that the graph-store tests run against.

Not a test module: a helper for pytest fixtures in conftest.py. Why it exists: tests need
a real Neo4j 5.26 server, and scripts/neo4j-server.sh can start one from Maven Central jars
on any machine with a JDK 17 and Maven. A server given through NEWSKG_NEO4J_URI (a CI
service, a developer's own instance) takes precedence and is never started or stopped here.

The server started by the script is left running after the session (a warm start costs
about 8 s); `scripts/neo4j-server.sh stop` ends it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SERVER_SCRIPT = REPO_ROOT / "scripts" / "neo4j-server.sh"

# Must agree with the defaults in scripts/neo4j-server.sh.
DEFAULT_PORT = "17687"
DEFAULT_USER = "neo4j"
DEFAULT_PASSWORD = "newskg-test-pw"

# A cold start fetches ~125 MB of jars first; the script itself waits at most 120 s for readiness.
START_TIMEOUT_S = 900

_TRUTHY = frozenset({"1", "true", "yes"})


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUTHY


def server_required() -> bool:
    """True when a missing Neo4j must fail the tests instead of skipping them.

    That is the case in CI (CI=true) and when NEWSKG_REQUIRE_NEO4J=1, so that a broken
    server set-up cannot pass silently as a run of skipped tests.
    """
    return _env_flag("CI") or _env_flag("NEWSKG_REQUIRE_NEO4J")


def ensure_server() -> tuple[str, str, str]:
    """Return (uri, user, password) of a Neo4j server that answers.

    If NEWSKG_NEO4J_URI is set it is used as is, with NEWSKG_NEO4J_USER and
    NEWSKG_NEO4J_PASSWORD (or the defaults). Otherwise `scripts/neo4j-server.sh start` runs
    (a no-op when our server already answers) and the script's connection details are
    returned. Raises subprocess.CalledProcessError (or TimeoutExpired) if the start fails;
    the script has already printed the reason and the tail of the server log to stderr.
    """
    user = os.environ.get("NEWSKG_NEO4J_USER") or DEFAULT_USER
    password = os.environ.get("NEWSKG_NEO4J_PASSWORD") or DEFAULT_PASSWORD
    uri = os.environ.get("NEWSKG_NEO4J_URI")
    if uri:
        return uri, user, password
    subprocess.run(
        ["bash", str(SERVER_SCRIPT), "start"],
        check=True,
        stdin=subprocess.DEVNULL,
        timeout=START_TIMEOUT_S,
    )
    port = os.environ.get("NEWSKG_NEO4J_PORT") or DEFAULT_PORT
    # The script always serves user neo4j; NEWSKG_NEO4J_USER only applies to an external server.
    return f"bolt://127.0.0.1:{port}", DEFAULT_USER, password
