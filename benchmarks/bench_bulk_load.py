"""Bulk load versus Bolt load of a large corpus into a fresh Neo4j, in one run.

The shared corpus (../shared/corpus: seed page, policy documents, news) is extracted once; its
document graphs are then replicated with renamed document-owned keys (document id, path, tasks,
articles, statements, events get a "~r<i>" suffix; agencies, people, places stay shared, as in a
real corpus) until there are at least --rels relationships (default 1,000,000). Then:

1. bulk: the graph is written by newskg.graph.export as neo4j-admin CSV and loaded with
   `neo4j-admin database import full` into a fresh home (its own folder, conf and port, so the
   shared test server is not touched); a server is started on it and the nodes and relationships
   are counted by label and type; then newskg's indexes and constraints are created (what the first
   Neo4jStore open does), timed apart.
2. bolt: the database is deleted, the server restarted empty, and every replica goes in through
   Neo4jStore.put, one transaction per document as `newskg ingest` does; counted again.

Both counts must equal the graph's own (and each other); rates are nodes+relationships per second.
The server runs without auth on 127.0.0.1 and is stopped (only its own pid) at the end.

    nice .venv/bin/python benchmarks/bench_bulk_load.py [--rels 1000000] [--heap 2g] [--pagecache 1g]
"""
from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import neo4j_admin  # noqa: E402
from helpers import SEED, SHARED  # noqa: E402

from newskg.corpus.document import read_text  # noqa: E402
from newskg.graph.export import LEDGER_LABEL, import_command, write_neo4j_csv  # noqa: E402
from newskg.graph.model import DocumentGraph, Edge, Node  # noqa: E402
from newskg.ingest import IngestOptions, extract_graph  # noqa: E402

SEED_DATE = "2017-05-19"


# -- the corpus, replicated ---------------------------------------------------------------------

def corpus_graphs() -> list[DocumentGraph]:
    """The document graphs of every file of the shared corpus, as `newskg ingest` builds them."""
    import datetime as dt

    files = [SEED, *sorted((SHARED / "corpus" / "policy").glob("*.txt")),
             *sorted((SHARED / "corpus" / "news").glob("*.txt"))]
    out = []
    for f in files:
        opts = IngestOptions(date=dt.date.fromisoformat(SEED_DATE) if f == SEED else None)
        text, enc = read_text(str(f))
        ex = extract_graph(str(f), text, enc, opts)
        if ex.graph is None:
            raise SystemExit(f"extraction failed for {f}: {ex.reason}")
        out.append(ex.graph)
    return out


def replicate(g: DocumentGraph, i: int) -> DocumentGraph:
    """The same facts under new document-owned keys; shared nodes keep theirs."""
    suffix = f"~r{i}"
    doc, path = g.document + suffix, f"replica-{i}/{g.path}"
    ren = {n.key: n.key + suffix for n in g.nodes if n.owned}
    ids = {n.props["id"] for n in g.nodes if n.owned and "id" in n.props}

    def node(n: Node) -> Node:
        if not n.owned:
            return n
        p = dict(n.props)
        p["document"] = doc
        if "id" in p:
            p["id"] = f"{p['id']}{suffix}"
        if "path" in p:
            p["path"] = path
        if p.get("parent") in ren:
            p["parent"] = ren[p["parent"]]
        if p.get("article") in ids:
            p["article"] = f"{p['article']}{suffix}"
        return replace(n, key=ren[n.key], props=p)

    def edge(e: Edge) -> Edge:
        return Edge(e.type, ren.get(e.src, e.src), ren.get(e.dst, e.dst), {**e.props, "document": doc})

    return DocumentGraph(doc, path, [node(n) for n in g.nodes], [edge(e) for e in g.edges])


class Corpus:
    """The replicas as one graph with the store's read interface (nodes(), edges(), ledger()), so
    that the CSV comes out of the same exporter as `newskg export --format csv`."""

    def __init__(self, graphs: list[DocumentGraph]):
        self.graphs = graphs

    def nodes(self, label: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        seen: dict[str, dict[str, Any]] = {}
        for g in self.graphs:
            for n in g.nodes:
                if n.key in seen:
                    seen[n.key].update(n.props)
                else:
                    seen[n.key] = {"label": n.label, **n.props}
        return [(k, d) for k, d in seen.items() if label is None or d["label"] == label]

    def edges(self, rel: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        return [(e.src, e.dst, {"type": e.type, **e.props}) for g in self.graphs for e in g.edges
                if rel is None or e.type == rel]

    def ledger(self) -> dict[str, str]:
        return {g.path: g.document for g in self.graphs}

    def counts(self) -> tuple[Counter[str], Counter[str]]:
        labels = {n.key: n.label for g in self.graphs for n in g.nodes}
        return Counter(labels.values()), Counter(e.type for g in self.graphs for e in g.edges)


# -- counting in Neo4j --------------------------------------------------------------------------

def neo4j_counts(uri: str) -> tuple[Counter[str], Counter[str]]:
    """Nodes by label and relationships by type, the ledger left out (as Stats does)."""
    from neo4j import GraphDatabase

    with GraphDatabase.driver(uri, auth=("neo4j", "unused")) as d:
        labels = [r["label"] for r in d.execute_query("CALL db.labels() YIELD label RETURN label").records]
        types = [r["t"] for r in d.execute_query(
            "CALL db.relationshipTypes() YIELD relationshipType AS t RETURN t").records]
        nodes = Counter({lab: d.execute_query(f"MATCH (n:`{lab}`) RETURN count(n) AS c").records[0]["c"]
                         for lab in labels if lab != LEDGER_LABEL})
        rels = Counter({t: d.execute_query(f"MATCH ()-[r:`{t}`]->() RETURN count(r) AS c").records[0]["c"]
                        for t in types})
    return +nodes, +rels


def show(name: str, nodes: Counter[str], rels: Counter[str]) -> str:
    return f"{name}: {sum(nodes.values()):,} nodes, {sum(rels.values()):,} relationships"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--rels", type=int, default=1_000_000, help="at least this many relationships")
    ap.add_argument("--heap", default="2g", help="heap of the server and of neo4j-admin")
    ap.add_argument("--pagecache", default="1g")
    ap.add_argument("--port", type=int, default=17787, help="Bolt port of the benchmark's own server")
    ap.add_argument("--work", help="folder for the CSV and the Neo4j home (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()

    lib = neo4j_admin.lib_dir()
    if lib is None:
        raise SystemExit("no Neo4j jars: run scripts/neo4j-server.sh fetch first")
    work = Path(args.work or tempfile.mkdtemp(prefix="newskg-bulk-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        run(args, lib, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, lib: Path, work: Path) -> None:
    t0 = time.perf_counter()
    base = corpus_graphs()
    per_pass = sum(len(g.edges) for g in base)
    copies = math.ceil(args.rels / per_pass)
    graphs = [replicate(g, i) for i in range(copies) for g in base]
    corpus = Corpus(graphs)
    want_nodes, want_rels = corpus.counts()
    n_elems = sum(want_nodes.values()) + sum(want_rels.values())
    print(f"corpus: {len(base)} files, {per_pass:,} relationships per pass, extracted in "
          f"{time.perf_counter() - t0:.1f} s; {copies} replicas = {len(graphs):,} documents")
    print(show("expected", want_nodes, want_rels), flush=True)

    # 1. bulk: CSV export + neo4j-admin import
    t = time.perf_counter()
    csv_dir = work / "csv"
    csv_dir.mkdir(exist_ok=True)
    res = write_neo4j_csv(corpus, csv_dir)
    csv_s = time.perf_counter() - t
    mb = sum(p.stat().st_size for p in res.files) / 2**20
    home = neo4j_admin.Home(work / "home", lib, port=args.port, heap=args.heap, pagecache=args.pagecache)
    home.write_conf()
    imp = home.import_full(import_command(res), heap=args.heap)
    print(f"bulk: CSV export {csv_s:.1f} s ({len(res.files)} files, {mb:,.0f} MB); neo4j-admin import "
          f"{imp.seconds:.1f} s: {imp.nodes:,} nodes (ledger included), {imp.relationships:,} relationships, "
          f"{imp.properties:,} properties")
    with neo4j_admin.Server(home) as server:
        up = server.start()
        bulk_nodes, bulk_rels = neo4j_counts(server.uri)
        from newskg.graph.neo4j_store import Neo4jStore

        t = time.perf_counter()
        Neo4jStore(server.uri, "neo4j", "unused").close()  # newskg's schema, built on the loaded data
        schema_s = time.perf_counter() - t
    print(show("bulk, counted in Neo4j", bulk_nodes, bulk_rels) + f" (server up in {up:.0f} s)")

    # 2. bolt: Neo4jStore.put into the same home, emptied
    for sub in ("databases/neo4j", "transactions/neo4j"):
        shutil.rmtree(home.root / "data" / sub, ignore_errors=True)
    with neo4j_admin.Server(home) as server:
        server.start()
        from newskg.graph.neo4j_store import Neo4jStore

        with Neo4jStore(server.uri, "neo4j", "unused") as st:
            t = time.perf_counter()
            for i, g in enumerate(graphs, 1):
                st.put(g, g.document)
                if i % 1000 == 0:
                    print(f"  bolt: {i:,}/{len(graphs):,} documents, {time.perf_counter() - t:.0f} s", flush=True)
            bolt_s = time.perf_counter() - t
            s = st.stats()
        bolt_nodes, bolt_rels = Counter(s.nodes), Counter(s.relationships)
    print(show("bolt, counted in Neo4j", bolt_nodes, bolt_rels))

    ok = (bulk_nodes, bulk_rels) == (want_nodes, want_rels) == (bolt_nodes, bolt_rels)
    print(f"counts equal (expected = bulk = bolt): {ok}")
    print(f"RATE bulk (neo4j-admin import)       : {n_elems / imp.seconds:>10,.0f} nodes+rels/s "
          f"({imp.seconds:.1f} s)")
    print(f"RATE bulk (CSV export + import)      : {n_elems / (csv_s + imp.seconds):>10,.0f} nodes+rels/s "
          f"({csv_s + imp.seconds:.1f} s); + newskg indexes/constraints {schema_s:.1f} s")
    print(f"RATE bolt (Neo4jStore.put per doc)   : {n_elems / bolt_s:>10,.0f} nodes+rels/s ({bolt_s:.1f} s)")
    if not ok:
        raise SystemExit("counts differ")


if __name__ == "__main__":
    main()
