"""Fixtures shared by the store tests: a Neo4j server when one can be had, and empty stores of
both kinds so that one query suite holds the embedded store and the Neo4j store to the same rows."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # `import neo4j_server`, `import helpers`

import neo4j_server  # noqa: E402

from newskg.graph.embedded import EmbeddedStore, StoreError  # noqa: E402


def _unavailable(reason: str) -> None:
    """No server: a failure where one is required (CI), a skip elsewhere."""
    if neo4j_server.server_required():
        pytest.fail(f"Neo4j is required here but unavailable: {reason}", pytrace=False)
    pytest.skip(f"Neo4j unavailable: {reason}")


@pytest.fixture(scope="session")
def neo4j_uri_auth() -> tuple[str, str, str]:
    """(uri, user, password) of a Neo4j server that answers and accepts the credentials."""
    try:
        uri, user, password = neo4j_server.ensure_server()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as e:
        _unavailable(f"could not start scripts/neo4j-server.sh ({e})")
    from newskg.graph.neo4j_store import Neo4jStore

    try:
        Neo4jStore(uri, user, password).close()  # also creates the schema once
    except StoreError as e:
        _unavailable(str(e))
    return uri, user, password


def wipe_neo4j(uri_auth: tuple[str, str, str]) -> None:
    from newskg.graph.neo4j_store import Neo4jStore

    with Neo4jStore(*uri_auth) as st:
        st.cypher("MATCH (n) DETACH DELETE n", write=True)


class StoreFactory:
    """Opens stores of one kind on one backing (a folder, or the wiped Neo4j database)."""

    def __init__(self, kind: str, open_store: Callable[..., Any]):
        self.kind = kind
        self._open = open_store
        self.opened: list[Any] = []

    def __call__(self, **kw: Any) -> Any:
        st = self._open(**kw)
        self.opened.append(st)
        return st


@pytest.fixture(params=["embedded", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """A factory of stores over a fresh, empty backing; each test gets its own."""
    if request.param == "embedded":
        factory = StoreFactory("embedded", lambda **kw: EmbeddedStore(tmp_path / "store", **kw))
    else:
        uri_auth = request.getfixturevalue("neo4j_uri_auth")
        wipe_neo4j(uri_auth)
        from newskg.graph.neo4j_store import Neo4jStore

        factory = StoreFactory("neo4j", lambda **kw: Neo4jStore(*uri_auth, **kw))
    yield factory
    for st in factory.opened:
        st.close()


@pytest.fixture
def store(store_factory: StoreFactory) -> Any:
    return store_factory()


# -- the seed page, extracted and ingested once for the whole run (tests only read them) --------

@pytest.fixture(scope="session")
def seed_extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed page's extraction (`--date 2017-05-19`) as a JSON Lines file."""
    from helpers import SEED, extract_to

    return extract_to(tmp_path_factory.mktemp("seed") / "seed.jsonl", str(SEED), "--date", "2017-05-19")


@pytest.fixture(scope="session")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded store holding the seed page."""
    from helpers import SEED, newskg

    folder = tmp_path_factory.mktemp("seed") / "store"
    r = newskg("ingest", str(SEED), "--date", "2017-05-19", "--store", str(folder))
    assert r.returncode == 0, r.stderr
    return folder
