"""The real corpus through both stores: the same answers, and re-ingest changes nothing.

Runs the CLI as a user would, against the live Neo4j server (started by `make test`)."""
from __future__ import annotations

import json
import os

import pytest
from conftest import wipe_neo4j
from helpers import SEED, SHARED, newskg

pytestmark = pytest.mark.neo4j
CORPUS = [str(SHARED / "corpus" / "policy"), str(SHARED / "corpus" / "news")]
QUERIES = [
    [],
    ["--due-before", "2019-12-31"],
    ["--due-after", "2019-01-01", "--due-before", "2021-12-31"],
    ["--overdue-on", "2019-06-30"],
    ["--agency", "国家发展改革委"],
    ["--agency", "发改委"],
    ["--agency", "财政部", "--due-before", "2020-12-31"],
    ["--text", "试点"],
]


@pytest.fixture(scope="module")
def loaded(neo4j_uri_auth, tmp_path_factory):
    wipe_neo4j(neo4j_uri_auth)
    env = {"NEWSKG_NEO4J_USER": neo4j_uri_auth[1], "NEWSKG_NEO4J_PASSWORD": neo4j_uri_auth[2]}
    os.environ.update(env)
    store = tmp_path_factory.mktemp("emb") / "store"
    uri = neo4j_uri_auth[0]
    for target in (["--store", str(store)], ["--neo4j", uri]):
        r = newskg("ingest", *CORPUS, *target)
        assert r.returncode == 0, r.stderr
        r = newskg("ingest", str(SEED), "--date", "2017-05-19", *target)
        assert r.returncode == 0, r.stderr
    return store, uri


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: " ".join(q) or "all")
def test_both_stores_give_the_same_obligations(loaded, query):
    store, uri = loaded
    emb = newskg("obligations", *query, "--format", "json", "--store", str(store))
    neo = newskg("obligations", *query, "--format", "json", "--neo4j", uri)
    assert emb.returncode == 0 and neo.returncode == 0, emb.stderr + neo.stderr
    rows = json.loads(emb.stdout)
    assert rows == json.loads(neo.stdout)
    if query:
        assert len(rows) < len(json.loads(newskg("obligations", "--format", "json", "--store", str(store)).stdout))


def test_reingest_leaves_counts_unchanged(loaded):
    store, uri = loaded
    targets = (("--store", str(store)), ("--neo4j", uri))
    before = {t: newskg("stats", *t).stdout for t in targets}
    for target, first in before.items():
        r = newskg("ingest", *CORPUS, str(SEED), "--date", "2017-05-19", *target)
        assert r.returncode == 0, r.stderr
        assert "unchanged" in r.stderr and "ingested" not in r.stderr
        assert newskg("stats", *target).stdout == first
    emb, neo = before.values()
    assert emb == neo


def test_cypher_is_read_only_and_parametrised(loaded):
    _, uri = loaded
    r = newskg("cypher", "MATCH (t:Task) WHERE t.due <= $d RETURN count(t) AS n", "--param", "d=2017-07-31",
               "--neo4j", uri)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["n"] >= 4
    r = newskg("cypher", "CREATE (x:Task {key: 'x'}) RETURN x", "--neo4j", uri)
    assert r.returncode == 1 and "read access mode" in r.stderr
    assert "Traceback" not in r.stderr


def test_unreachable_server_is_one_line(tmp_path):
    r = newskg("stats", "--neo4j", "bolt://127.0.0.1:1")
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0 and "not reachable" in r.stderr


@pytest.mark.parametrize("args", [["actor", "特朗普"], ["actor", "达宁"], ["actor", "李强"],
                                  ["events"], ["events", "--from", "2025-11-01", "--to", "2025-11-30"]],
                         ids=lambda a: " ".join(a))
def test_both_stores_give_the_same_actors_and_events(loaded, args):
    store, uri = loaded
    emb = newskg(*args, "--format", "json", "--store", str(store))
    neo = newskg(*args, "--format", "json", "--neo4j", uri)
    assert emb.returncode == 0 and neo.returncode == 0, emb.stderr + neo.stderr
    got = json.loads(emb.stdout)
    assert got and got == json.loads(neo.stdout)


def test_dask_extraction_loads_neo4j_like_a_local_run(neo4j_uri_auth, tmp_path):
    """Scale-out: extraction on a Dask cluster (a LocalCluster here), loading into Neo4j, gives the
    obligations a local run into the embedded store gives."""
    distributed = pytest.importorskip("distributed")
    wipe_neo4j(neo4j_uri_auth)
    os.environ.update({"NEWSKG_NEO4J_USER": neo4j_uri_auth[1], "NEWSKG_NEO4J_PASSWORD": neo4j_uri_auth[2]})
    policy = str(SHARED / "corpus" / "policy")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        r = newskg("ingest", policy, "--scheduler", cluster.scheduler_address, "--neo4j", neo4j_uri_auth[0])
    assert r.returncode == 0, r.stderr
    assert "Dask worker" in r.stderr
    r = newskg("ingest", policy, "--jobs", "1", "--store", str(tmp_path / "s"))
    assert r.returncode == 0, r.stderr
    neo = newskg("obligations", "--format", "json", "--neo4j", neo4j_uri_auth[0])
    emb = newskg("obligations", "--format", "json", "--store", str(tmp_path / "s"))
    assert json.loads(neo.stdout) == json.loads(emb.stdout) != []
