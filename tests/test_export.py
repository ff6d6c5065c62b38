"""Exports: GraphML that round-trips through networkx with the store's counts and typed attributes,
CSV in neo4j-admin's import format (and accepted by neo4j-admin itself), JSON Lines that parse.

The seed page is ingested with the CLI and exported with the CLI, as a user would; the value rules
(no None, no lists, one type per attribute, dates as ISO text) are checked on a small hand-made graph.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

import neo4j_admin
import neo4j_server
import networkx as nx
import pytest
from helpers import newskg
from test_store_queries import load

from newskg.graph.embedded import EmbeddedStore
from newskg.graph.export import LIST_SEP, export, import_command

GRAPHML_NS = "{http://graphml.graphdrawing.org/xmlns}"
NEO4J_TYPES = {"int", "long", "float", "double", "boolean", "byte", "short", "char", "string", "point",
               "date", "localtime", "time", "localdatetime", "datetime", "duration"}


def seed_counts(folder: Path) -> tuple[int, int, dict[str, int], dict[str, int]]:
    with EmbeddedStore(folder, readonly=True) as st:
        s = st.stats()
    return sum(s.nodes.values()), sum(s.relationships.values()), s.nodes, s.relationships


def cli_export(fmt: str, store: Path, out: Path) -> list[Path]:
    r = newskg("export", "--format", fmt, "--out", str(out), "--store", str(store))
    assert r.returncode == 0, r.stderr
    return [Path(p) for p in r.stdout.split()]


class FakeStore:
    """Any object with nodes() and edges() exports: values the model allows, and some it should not."""

    def nodes(self, label: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        return [
            ("Task:t1", {"label": "Task", "action": "完成平台建设", "start": 10, "due": "2025-06-30",
                         "aliases": ["甲", "乙"], "score": 1, "flag": True, "note": None}),
            ("Task:t2", {"label": "Task", "action": "清理目录", "start": 40, "due": dt.date(2025, 12, 31),
                         "score": 2.5, "flag": "yes"}),
            ("Agency:财政部", {"label": "Agency", "name": "财政部", "collective": False}),
        ]

    def edges(self, rel: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        return [("Task:t1", "Agency:财政部", {"type": "ASSIGNED_TO", "role": "lead", "start": 10,
                                            "document": "d1", "sentence": None}),
                ("Task:t2", "Task:t1", {"type": "PART_OF", "start": 40, "document": "d1"})]


# -- GraphML ------------------------------------------------------------------------------------

def test_graphml_round_trips_with_the_store_counts(seed_store, tmp_path):
    files = cli_export("graphml", seed_store, tmp_path)
    assert [f.name for f in files] == ["graph.graphml"]
    g = nx.read_graphml(files[0], force_multigraph=True)
    n_nodes, n_rels, by_label, by_type = seed_counts(seed_store)
    assert (g.number_of_nodes(), g.number_of_edges()) == (n_nodes, n_rels)
    assert dict(sorted(Counter(d["kind"] for _, d in g.nodes(data=True)).items())) == by_label
    assert dict(sorted(Counter(d["type"] for *_, d in g.edges(data=True)).items())) == by_type
    tasks = [d for _, d in g.nodes(data=True) if d["kind"] == "Task"]
    assert all(isinstance(d["start"], int) and d["label"] for d in tasks)  # typed, and named for Gephi
    assert any(d.get("due", "").startswith("2017-") for d in tasks)
    assert all(isinstance(d["collective"], bool) for _, d in g.nodes(data=True) if d["kind"] == "Agency")
    assert not any(v in ("None", "") for _, d in g.nodes(data=True) for v in d.values())
    keys = ET.parse(files[0]).getroot().findall(f"{GRAPHML_NS}key")
    ids = [k.get("id") for k in keys]
    assert len(ids) == len(set(ids)) and not any(re.fullmatch(r"d\d+", i) for i in ids)  # Gephi: d3/d7
    assert len({(k.get("for"), k.get("attr.name")) for k in keys}) == len(keys)  # one type per attribute


def test_graphml_values_are_typed_scalars(tmp_path):
    export(FakeStore(), "graphml", tmp_path)
    g = nx.read_graphml(tmp_path / "graph.graphml", force_multigraph=True)
    t1, t2 = g.nodes["Task:t1"], g.nodes["Task:t2"]
    assert t1["aliases"] == f"甲{LIST_SEP}乙"  # a list joined
    assert "note" not in t1  # None left out
    assert t2["due"] == "2025-12-31"  # a date as ISO text
    assert (t1["score"], t2["score"]) == (1.0, 2.5)  # int and float: float
    assert (t1["flag"], t2["flag"]) == ("true", "yes")  # bool and text: text
    assert g.nodes["Agency:财政部"]["label"] == "财政部" and t1["kind"] == "Task"
    (_, _, e), = g.edges("Task:t1", data=True)
    assert e["type"] == e["label"] == "ASSIGNED_TO" and "sentence" not in e


# -- CSV for neo4j-admin ------------------------------------------------------------------------

def _header_ok(field: str) -> bool:
    if field in (":LABEL", ":TYPE", ":START_ID", ":END_ID"):
        return True
    m = re.fullmatch(r"(\w+):(\w+)(\[\])?", field)
    return bool(m) and m.group(2).lower() in NEO4J_TYPES


def test_csv_follows_the_neo4j_admin_import_format(seed_store, tmp_path):
    files = cli_export("csv", seed_store, tmp_path)
    n_nodes, n_rels, by_label, by_type = seed_counts(seed_store)
    node_keys: set[str] = set()
    labels: dict[str, int] = {}
    for f in sorted(files):
        rows = list(csv.reader(f.open(encoding="utf-8", newline="")))
        header, body = rows[0], rows[1:]
        assert all(len(r) == len(header) for r in body), f.name
        if f.name.startswith("nodes_") and f.name != "nodes_NewskgLedger.csv":
            assert header[:2] == ["key:ID", ":LABEL"] and all(_header_ok(h) for h in header[2:]), header
            label = f.name.removeprefix("nodes_").removesuffix(".csv")
            assert {r[1] for r in body} == {label}
            labels[label] = len(body)
            node_keys.update(r[0] for r in body)
    assert dict(sorted(labels.items())) == by_label and len(node_keys) == n_nodes
    rel_types: dict[str, int] = {}
    for f in files:
        if not f.name.startswith("rels_"):
            continue
        rows = list(csv.reader(f.open(encoding="utf-8", newline="")))
        header, body = rows[0], rows[1:]
        assert header[:3] == [":START_ID", ":END_ID", ":TYPE"] and all(_header_ok(h) for h in header[3:]), header
        assert all(r[0] in node_keys and r[1] in node_keys for r in body)  # every end is a node
        rel_types[body[0][2]] = len(body)
    assert dict(sorted(rel_types.items())) == by_type and sum(rel_types.values()) == n_rels
    ledger = list(csv.reader((tmp_path / "nodes_NewskgLedger.csv").open(encoding="utf-8")))
    assert ledger[0] == ["path:ID(NewskgLedger)", ":LABEL", "hash:string", "document:string"]
    assert len(ledger) == 2 and ledger[1][0].endswith("xinhua-page-2017-05.txt")


def test_csv_types_lists_and_widened_columns(tmp_path):
    res = export(FakeStore(), "csv", tmp_path)
    rows = list(csv.DictReader((tmp_path / "nodes_Task.csv").open(encoding="utf-8")))
    assert set(rows[0]) >= {"key:ID", ":LABEL", "aliases:string[]", "start:long", "score:double", "flag:string",
                            "due:string", "action:string"}
    assert "note:string" not in rows[0]  # a property that is always None is no column
    assert rows[0]["aliases:string[]"] == f"甲{LIST_SEP}乙" and rows[1]["due:string"] == "2025-12-31"
    assert (rows[0]["flag:string"], rows[1]["flag:string"]) == ("true", "yes")
    rel = list(csv.DictReader((tmp_path / "rels_ASSIGNED_TO.csv").open(encoding="utf-8")))
    assert rel[0]["key:string"] and rel[0]["role:string"] == "lead"
    cmd = import_command(res)
    assert cmd[:4] == ["database", "import", "full", "neo4j"]  # before the file lists, which take many
    assert sum(a.startswith("--nodes=") for a in cmd) == 2 and sum(a.startswith("--relationships=") for a in cmd) == 2


@pytest.mark.neo4j
def test_neo4j_admin_imports_the_csv(seed_store, tmp_path):
    """The real tool reads the files: as many nodes (plus the ledger) and relationships as the store."""
    lib = neo4j_admin.lib_dir()
    if lib is None:
        msg = "no Neo4j jars in .neo4j/lib-* (scripts/neo4j-server.sh fetch)"
        if neo4j_server.server_required():
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    out = tmp_path / "csv"
    files = cli_export("csv", seed_store, out)
    home = neo4j_admin.Home(tmp_path / "home", lib)
    home.write_conf()
    from newskg.graph.export import ExportResult

    counts = home.import_full(import_command(ExportResult(files)), heap="512m")
    n_nodes, n_rels, *_ = seed_counts(seed_store)
    assert (counts.nodes, counts.relationships) == (n_nodes + 1, n_rels)  # + the ledger node
    assert (home.root / "import.report").read_text(encoding="utf-8").strip() == ""  # nothing skipped


# -- JSON Lines ---------------------------------------------------------------------------------

def test_jsonl_lines_parse_and_match_the_store(seed_store, tmp_path):
    files = cli_export("jsonl", seed_store, tmp_path)
    assert [f.name for f in files] == ["nodes.jsonl", "edges.jsonl"]
    nodes = [json.loads(ln) for ln in files[0].read_text(encoding="utf-8").splitlines()]
    edges = [json.loads(ln) for ln in files[1].read_text(encoding="utf-8").splitlines()]
    n_nodes, n_rels, by_label, by_type = seed_counts(seed_store)
    assert (len(nodes), len(edges)) == (n_nodes, n_rels)
    assert dict(sorted(Counter(n["label"] for n in nodes).items())) == by_label
    keys = {n["key"] for n in nodes}
    assert all(e["src"] in keys and e["dst"] in keys and e["type"] in by_type for e in edges)
    assert "国务院各部门" in {n["props"].get("name") for n in nodes}  # UTF-8, not \\u escapes
    assert "\\u" not in files[0].read_text(encoding="utf-8")


def test_both_stores_export_the_same_graph(store, tmp_path):
    """The exporter reads only public methods: the embedded and the Neo4j store give equal JSONL."""
    load(store)
    export(store, "jsonl", tmp_path / "a")
    other = EmbeddedStore(tmp_path / "emb")
    load(other)
    export(other, "jsonl", tmp_path / "b")
    other.close()
    for name in ("nodes.jsonl", "edges.jsonl"):
        a, b = (sorted(json.dumps(json.loads(x), sort_keys=True, ensure_ascii=False)
                       for x in (tmp_path / d / name).read_text(encoding="utf-8").splitlines()) for d in "ab")
        assert a == b and a

