"""How fast the Neo4j store loads: one row per statement versus UNWIND batches, and re-merging.

Synthetic policy documents (tasks with a lead and a participant agency out of a shared pool, articles,
a plan, a collective) go through build_document_graph and Neo4jStore.put into a wiped database,
one transaction per document as ingest does. Prints nodes+relationships stored per second, median
of --runs runs each. Batch size 1 sends one statement per row, so it loads fewer tasks (said in the
output). Re-merge: the ledger is cleared and the same documents are put again, so every row MERGEs
onto an existing node or relationship.

WARNING: wipes the database of the server it talks to (NEWSKG_NEO4J_URI, else the local test
server of scripts/neo4j-server.sh, started if needed).

    .venv/bin/python benchmarks/bench_neo4j_load.py [--tasks 2000] [--small-tasks 500] [--runs 3]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import neo4j_server  # noqa: E402

from newskg.graph.build import build_document_graph  # noqa: E402
from newskg.graph.model import DocumentGraph  # noqa: E402
from newskg.graph.neo4j_store import DEFAULT_BATCH, LEDGER, Neo4jStore  # noqa: E402

AGENCIES = [f"测试部门{i:02d}" for i in range(40)]
COLLECTIVE = "国务院各部门"


def synthetic_record(doc: int, n_tasks: int) -> dict[str, Any]:
    did = f"bench-doc-{doc}"
    ents = [{"id": f"a{i}", "type": "AGENCY", "name": name, "aliases": [],
             "mentions": [{"start": i * 10, "end": i * 10 + 6, "text": name}],
             **({"member_of": [COLLECTIVE]} if i % 2 == 0 else {})} for i, name in enumerate(AGENCIES)]
    ents.append({"id": "plan", "type": "POLICY", "name": f"测试方案{doc}", "aliases": [],
                 "mentions": [{"start": 500, "end": 505, "text": "测试方案"}]})
    n_art = 10
    span = 1000 + n_tasks * 40
    arts = [{"id": f"{did}-art{k}", "title": None, "start": k * span // n_art, "end": (k + 1) * span // n_art,
             "source": None, "credits": []} for k in range(n_art)]
    tasks = []
    for t in range(n_tasks):
        start = 1000 + t * 40
        lead, part = AGENCIES[(t + doc) % len(AGENCIES)], AGENCIES[(t * 7 + doc + 1) % len(AGENCIES)]
        tasks.append({"id": f"{did}-t{t}", "article": arts[min(start * n_art // span, n_art - 1)]["id"],
                      "start": start, "end": start + 30, "text": f"第{t}项任务按期完成数据整合。",
                      "action": "完成数据整合", "modality": "must",
                      "deadline": None if t % 5 == 0 else {
                          "text": "年底前", "start": start, "end": start + 3,
                          "date": f"202{5 + t % 3}-{1 + t % 12:02d}-28", "from": None, "relation": "by",
                          "approximate": False, "inherited": False},
                      "agencies": [{"name": lead, "role": "lead"}, {"name": part, "role": "participant"}],
                      "parent": None, "policy": "plan"})
    return {"document": {"id": did, "path": f"bench/{did}.txt", "title": f"测试通知{doc}",
                         "date": "2025-01-01", "date_source": "metadata", "source": None},
            "articles": arts, "entities": ents, "tasks": tasks, "roles": [], "statements": [], "events": []}


def graphs(total_tasks: int, docs: int) -> list[DocumentGraph]:
    per = total_tasks // docs
    return [build_document_graph(synthetic_record(d, per), issuer=AGENCIES[0]) for d in range(docs)]


def wipe(st: Neo4jStore) -> None:
    _auto(st, "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS")


def _auto(st: Neo4jStore, query: str) -> None:
    """CALL ... IN TRANSACTIONS needs an auto-commit transaction, which cypher() does not give."""
    with st._driver.session(database=st.database) as s:  # benchmark plumbing: a plain session
        s.run(query).consume()


def stored(st: Neo4jStore) -> int:
    s = st.stats()
    return sum(s.nodes.values()) + sum(s.relationships.values())


def timed_put(st: Neo4jStore, gs: list[DocumentGraph]) -> float:
    t0 = time.perf_counter()
    for g in gs:
        st.put(g, f"hash-{g.document}")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--tasks", type=int, default=2000, help="tasks loaded with the default batch size")
    ap.add_argument("--small-tasks", type=int, default=500, help="tasks loaded with batch size 1")
    ap.add_argument("--docs", type=int, default=4, help="documents the tasks are spread over")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    uri, user, password = neo4j_server.ensure_server()
    big, small = graphs(args.tasks, args.docs), graphs(args.small_tasks, args.docs)
    print(f"Neo4j at {uri}; {args.docs} documents per load, one put (transaction) per document; "
          f"median of {args.runs} runs into a wiped database; batch size 1 loads {args.small_tasks} tasks, "
          f"not {args.tasks}, to finish in reasonable time (the default batch size is shown on both)")

    def load(batch: int, gs: list[DocumentGraph], label: str, remerge: bool = False) -> None:
        rates, remerge_rates, n = [], [], 0
        with Neo4jStore(uri, user, password, batch_size=batch) as st:
            wipe(st)
            timed_put(st, graphs(40, 1))  # warm-up: plans compiled, connections pooled
            for _ in range(args.runs):
                wipe(st)
                secs = timed_put(st, gs)
                n = stored(st)
                rates.append(n / secs)
                if remerge:
                    _auto(st, f"MATCH (l:{LEDGER}) DELETE l")
                    secs = timed_put(st, gs)
                    assert stored(st) == n, "re-merge must not add anything"
                    remerge_rates.append(n / secs)
            wipe(st)
        tasks = sum(1 for g in gs for x in g.nodes if x.label == "Task")
        print(f"{label:<28} batch {batch:>5}: {statistics.median(rates):>8,.0f} nodes+rels/s "
              f"({n:,} stored from {tasks:,} tasks; runs: {', '.join(f'{r:,.0f}' for r in rates)})")
        if remerge:
            med = statistics.median(remerge_rates)
            print(f"{'re-merge (ledger cleared)':<28} batch {batch:>5}: {med:>8,.0f} nodes+rels/s "
                  f"(runs: {', '.join(f'{r:,.0f}' for r in remerge_rates)})")

    load(1, small, f"load, fewer tasks ({args.small_tasks})")
    load(DEFAULT_BATCH, small, f"load, fewer tasks ({args.small_tasks})")
    load(DEFAULT_BATCH, big, f"load ({args.tasks} tasks)", remerge=True)


if __name__ == "__main__":
    main()
