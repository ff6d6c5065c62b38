"""Obligations-by-deadline latency on a synthetic embedded store of 1M tasks (not a timed test).

The graph is built directly from newskg.graph.model records, shaped like ingested notices: 50 tasks
a document, due dates spread over ten years (a tenth undated), one or two agencies each (lead,
participant) from 300, ministries members of the collective 国务院各部门 (which
itself gets 5% of the tasks), a policy per document.
It is put into an EmbeddedStore and committed, then reopened as `newskg obligations` would.

Measured: put and commit time, file size, load time (opening the store), then latency (median,
p95) of what an analyst asks: one-week windows, a one-month window for one agency, and every
task of one agency. Target: p95 < 50 ms for the one-week window at 1M tasks.

    .venv/bin/python benchmarks/bench_query.py [--tasks 1000000] [--queries 200]
"""
from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newskg.graph.embedded import EmbeddedStore  # noqa: E402
from newskg.graph.model import DocumentGraph, Edge, Node, node_key  # noqa: E402
from newskg.graph.queries import ObligationFilter  # noqa: E402

TASKS_PER_DOC = 50
N_AGENCIES = 300
START = dt.date(2018, 1, 1)
DAYS = 3652
COLLECTIVE = "国务院各部门"  # 5% of tasks are assigned to it; a query for a member includes them, marked
ACTIONS = ["制定实施细则", "完成清单编制", "建立工作台账", "开展专项检查", "出台配套政策", "报送工作进展"]


def agency_names() -> list[str]:
    return [f"部门{i:03d}" for i in range(N_AGENCIES)]


def document(d: int, rnd: random.Random, agencies: list[str]) -> DocumentGraph:
    doc_id = f"doc{d:07d}"
    path = f"/corpus/{d // 1000:04d}/{doc_id}.txt"
    g = DocumentGraph(doc_id, path)
    dkey, akey, pkey = node_key("Document", doc_id), node_key("Article", f"{doc_id}-a"), node_key("Policy", f"方案{d}")
    title = f"关于推进第{d}项工作的通知"
    g.nodes += [Node(dkey, "Document", {"id": doc_id, "path": path, "title": title, "document": doc_id}),
                Node(akey, "Article", {"id": f"{doc_id}-a", "start": 0, "end": 9999, "document": doc_id}),
                Node(pkey, "Policy", {"name": f"方案{d}", "type": "POLICY"})]
    g.edges.append(Edge("HAS_ARTICLE", dkey, akey, {"document": doc_id, "start": 0, "end": 9999}))
    seen: set[str] = set()
    for t in range(TASKS_PER_DOC):
        start, end = 100 + t * 80, 160 + t * 80
        tkey = node_key("Task", f"{doc_id}-{t}")
        due = None if rnd.random() < 0.1 else (START + dt.timedelta(days=rnd.randrange(DAYS))).isoformat()
        action = rnd.choice(ACTIONS)
        g.nodes.append(Node(tkey, "Task", {
            "id": f"{doc_id}-{t}", "document": doc_id, "path": path, "document_title": title, "article": f"{doc_id}-a",
            "start": start, "end": end, "text": f"各部门要在期限前{action}。", "action": action, "modality": "must",
            "due": due, "due_from": "deadline" if due else None, "relation": "by" if due else None,
            "policy": f"方案{d}"}))
        prov = {"document": doc_id, "start": start, "end": end, "sentence": f"各部门要在期限前{action}。"}
        g.edges.append(Edge("IN_ARTICLE", tkey, akey, prov))
        g.edges.append(Edge("PART_OF", tkey, pkey, {"document": doc_id, "start": start, "end": end}))
        names = [COLLECTIVE] if rnd.random() < 0.05 else rnd.sample(agencies, rnd.choice((1, 1, 2)))
        for role, name in zip(("lead", "participant"), names, strict=False):
            ak = node_key("Agency", name)
            if ak not in seen:
                seen.add(ak)
                g.nodes.append(Node(ak, "Agency", {"name": name, "type": "AGENCY", "collective": name == COLLECTIVE}))
            g.edges.append(Edge("ASSIGNED_TO", tkey, ak, {**prov, "role": role}))
    coll = node_key("Agency", COLLECTIVE)
    if coll not in seen:
        g.nodes.append(Node(coll, "Agency", {"name": COLLECTIVE, "type": "AGENCY", "collective": True}))
    seen.discard(coll)
    for ak in sorted(seen):
        if int(ak[-3:]) % 3 == 0:  # a third of the bodies are ministries
            g.edges.append(Edge("MEMBER_OF", ak, coll, {"document": doc_id}))
    return g


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def timed(store: EmbeddedStore, filters: list[ObligationFilter]) -> tuple[list[float], list[int]]:
    ms, rows = [], []
    for f in filters:
        t = time.perf_counter()
        rows.append(len(store.obligations(f)))
        ms.append((time.perf_counter() - t) * 1000)
    return ms, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tasks", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--dir", help="store folder to build in or reuse (default: a temporary folder)")
    args = ap.parse_args()
    rnd = random.Random(42)
    agencies = agency_names()
    tmp = None
    folder = Path(args.dir) if args.dir else Path(tmp := tempfile.mkdtemp(prefix="newskg-bench-query-"))
    n_docs = max(1, args.tasks // TASKS_PER_DOC)
    if not (folder / "graph.pickle").exists():
        t = time.perf_counter()
        with EmbeddedStore(folder) as st:
            for d in range(n_docs):
                st.put(document(d, rnd, agencies), f"hash{d}")
            built = time.perf_counter() - t
            t = time.perf_counter()
            st.commit()
            committed = time.perf_counter() - t
        print(f"built {n_docs} documents, {n_docs * TASKS_PER_DOC} tasks: put {built:.1f} s, "
              f"commit {committed:.1f} s, file {(folder / 'graph.pickle').stat().st_size / 2**20:.0f} MB")
    gc.collect()
    loads = []
    for _ in range(3 if args.tasks >= 500_000 else 5):
        t = time.perf_counter()
        store = EmbeddedStore(folder, readonly=True)
        loads.append(time.perf_counter() - t)
        del store
        gc.collect()
    print(f"load (open the store file): median {statistics.median(loads):.2f} s over {len(loads)} opens")
    t = time.perf_counter()
    store = EmbeddedStore(folder, readonly=True)
    print(f"open for querying: {time.perf_counter() - t:.2f} s; "
          f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")

    def week() -> ObligationFilter:
        a = START + dt.timedelta(days=rnd.randrange(DAYS - 7))
        return ObligationFilter(due_after=a, due_before=a + dt.timedelta(days=6))

    def agency_month() -> ObligationFilter:
        a = START + dt.timedelta(days=rnd.randrange(DAYS - 31))
        return ObligationFilter(agency=rnd.choice(agencies), due_after=a, due_before=a + dt.timedelta(days=30))

    t = time.perf_counter()
    first = len(store.obligations(week()))
    print(f"first query (builds any index not stored): {(time.perf_counter() - t) * 1000:.0f} ms, {first} rows")
    suites = [
        ("one-week window", [week() for _ in range(args.queries)]),
        ("one agency, one-month window", [agency_month() for _ in range(args.queries)]),
        ("one agency, all its tasks", [ObligationFilter(agency=rnd.choice(agencies))
                                       for _ in range(max(20, args.queries // 4))]),
    ]
    print(f"\n{'query':<42}{'n':>5}{'rows (median)':>15}{'median ms':>11}{'p95 ms':>9}")
    for name, filters in suites:
        ms, rows = timed(store, filters)
        print(f"{name:<42}{len(ms):>5}{statistics.median(rows):>15.0f}{statistics.median(ms):>11.1f}"
              f"{pct(ms, 0.95):>9.1f}")
    if tmp:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
