"""Exports other tools open: GraphML (Gephi, yEd), CSV for `neo4j-admin database import`, JSON Lines.

Everything is read through the store's public methods (nodes(), edges(), ledger()), so the embedded
store and the Neo4j store export alike, and a benchmark can feed any object with those methods.

Values: the model allows scalars and lists of scalars. GraphML has no lists and no nulls, so a list
is joined with LIST_SEP and a missing value is simply left out; one attribute has one type across
all nodes (or all edges), widened to float or string where values disagree. Dates are the ISO
strings the stores hold, and stay strings everywhere (typing them `date` in the CSV would give a
bulk-loaded database other values than the Bolt-loaded one, and the queries compare strings).
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from newskg.graph.model import Edge

LIST_SEP = ";"  # also neo4j-admin import's default --array-delimiter
LEDGER_LABEL = "NewskgLedger"  # as in neo4j_store: the ingest ledger, one node per ingested file
DISPLAY_KEYS = ("name", "title", "action", "text", "id")  # what a node is called in Gephi/yEd
DISPLAY_MAX = 60

NodeRow = tuple[str, dict[str, Any]]
EdgeRow = tuple[str, str, dict[str, Any]]


@dataclass
class ExportResult:
    files: list[Path] = field(default_factory=list)
    nodes: int = 0
    relationships: int = 0


# -- values -------------------------------------------------------------------------------------

def _scalar(v: Any) -> Any:
    """A store value as a plain str/int/float/bool (dates and Neo4j temporal values as ISO text)."""
    if isinstance(v, (bool, int, float, str)):
        return v
    if isinstance(v, (dt.date, dt.datetime, dt.time)):
        return v.isoformat()
    if hasattr(v, "iso_format"):  # neo4j.time.Date / DateTime
        return v.iso_format()
    return str(v)


def _value(v: Any) -> Any:
    """None stays None (left out by the writers); a list becomes a list of scalars."""
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        return [_scalar(x) for x in v if x is not None]
    return _scalar(v)


def _clean(props: dict[str, Any], drop: Iterable[str] = ()) -> dict[str, Any]:
    skip = set(drop)
    out = {}
    for k, v in props.items():
        if k in skip:
            continue
        v = _value(v)
        if v is not None:
            out[k] = v
    return out


def _widest(types: set[type]) -> type:
    """One type for an attribute whose values disagree: int < float < str (bool only with itself)."""
    if len(types) == 1:
        return next(iter(types))
    if types <= {int, float}:
        return float
    return str


def _cast(v: Any, to: type) -> Any:
    if to is str:
        if isinstance(v, bool):
            return "true" if v else "false"
        return str(v)
    return to(v)


def _display(key: str, props: dict[str, Any]) -> str:
    for k in DISPLAY_KEYS:
        v = props.get(k)
        if v:
            text = str(v)
            return text if len(text) <= DISPLAY_MAX else text[:DISPLAY_MAX - 1] + "…"
    return key


def _split(store: Any) -> tuple[list[NodeRow], list[EdgeRow]]:
    return list(store.nodes()), list(store.edges())


# -- GraphML ------------------------------------------------------------------------------------

def to_networkx(nodes: Iterable[NodeRow], edges: Iterable[EdgeRow]):
    """A MultiDiGraph ready for GraphML: typed scalars only, `label` = display name for Gephi,
    `kind` = the model label, `type` and `label` = the relationship type on edges."""
    import networkx as nx

    g = nx.MultiDiGraph()
    for key, data in nodes:
        props = _clean(data, drop=("label",))
        flat = {k: LIST_SEP.join(map(str, v)) if isinstance(v, list) else v for k, v in props.items()}
        g.add_node(key, label=_display(key, props), kind=data.get("label", ""), **flat)
    for i, (src, dst, data) in enumerate(edges):
        props = _clean(data, drop=("type", "label"))
        flat = {k: LIST_SEP.join(map(str, v)) if isinstance(v, list) else v for k, v in props.items()}
        g.add_edge(src, dst, key=f"e{i}", label=data.get("type", ""), type=data.get("type", ""), **flat)
    for scope, items in (("node", g.nodes(data=True)), ("edge", g.edges(data=True))):
        types: dict[str, set[type]] = defaultdict(set)
        for *_, d in items:
            for k, v in d.items():
                types[k].add(type(v))
        widen = {k: _widest(ts) for k, ts in types.items() if len(ts) > 1}
        if widen:
            for *_, d in (g.nodes(data=True) if scope == "node" else g.edges(data=True)):
                for k, to in widen.items():
                    if k in d:
                        d[k] = _cast(d[k], to)
    return g


def _graphml_writer():
    from networkx.readwrite.graphml import GraphMLWriter

    class Writer(GraphMLWriter):
        """networkx's writer with key ids named "node_<attr>" / "edge_<attr>" instead of d0, d1, …:
        Gephi reads the ids d3 (node) and d7 (edge) as yEd's label keys and would turn whatever
        attribute got those ids into labels; named ids also make the file readable."""

        def get_key(self, name, attr_type, scope, default):
            keys_key = (name, attr_type, scope)
            if keys_key not in self.keys:
                new_id = f"{scope}_{name}"  # unique: to_networkx gives each attribute one type
                self.keys[keys_key] = new_id
                el = self.myElement("key", **{"id": new_id, "for": scope, "attr.name": name,
                                              "attr.type": attr_type})
                if default is not None:
                    d = self.myElement("default")
                    d.text = str(default)
                    el.append(d)
                self.xml.insert(0, el)
            return self.keys[keys_key]

    return Writer


def write_graphml(store: Any, out_dir: Path) -> ExportResult:
    nodes, edges = _split(store)
    g = to_networkx(nodes, edges)
    path = out_dir / "graph.graphml"
    writer = _graphml_writer()(encoding="utf-8", prettyprint=True)
    writer.add_graph_element(g)
    tmp = path.with_suffix(".graphml.tmp")
    with open(tmp, "wb") as f:
        writer.dump(f)
    os.replace(tmp, path)
    return ExportResult([path], g.number_of_nodes(), g.number_of_edges())


# -- CSV for neo4j-admin database import --------------------------------------------------------

# Python type -> neo4j-admin header type; lists get "[]" (array-delimiter LIST_SEP)
_NEO4J_TYPES = {bool: "boolean", int: "long", float: "double", str: "string"}


def _columns(rows: Iterable[dict[str, Any]]) -> dict[str, tuple[type, bool]]:
    """Property -> (element type, is_list), in first-seen order."""
    types: dict[str, set[type]] = defaultdict(set)
    lists: dict[str, bool] = {}
    for props in rows:
        for k, v in props.items():
            is_list = isinstance(v, list)
            lists[k] = lists.get(k, False) or is_list
            types[k].update(map(type, v) if is_list else {type(v)})
    return {k: (_widest(types[k]) if types[k] else str, lists[k]) for k in lists}


def _cell(v: Any, to: type, is_list: bool) -> str:
    if v is None:
        return ""
    items = v if isinstance(v, list) else [v]
    if not is_list:
        return _text(_cast(items[0], to))
    return LIST_SEP.join(_text(_cast(x, to)) for x in items)


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _write_csv(path: Path, header: list[str], rows: Iterable[list[str]]) -> None:
    tmp = path.with_suffix(".csv.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_MINIMAL)
        w.writerow(header)
        w.writerows(rows)
    os.replace(tmp, path)


def _typed_header(cols: dict[str, tuple[type, bool]]) -> list[str]:
    return [f"{k}:{_NEO4J_TYPES[t]}{'[]' if is_list else ''}" for k, (t, is_list) in cols.items()]


def write_neo4j_csv(store: Any, out_dir: Path) -> ExportResult:
    """One node file per label and one relationship file per type, with neo4j-admin headers:

        nodes_Task.csv     key:ID,:LABEL,action:string,start:long,...
        rels_PART_OF.csv   :START_ID,:END_ID,:TYPE,key:string,document:string,start:long,...

    The node key is the import ID (and, as `key:ID`, the `key` property the Neo4j store reads); a
    relationship keeps its identity hash as `key`, as Neo4jStore writes it. The ledger (path ->
    content hash, and the document) goes to nodes_NewskgLedger.csv in its own ID space, so that a
    bulk-loaded database answers `newskg ingest` like a Bolt-loaded one. Load with
    `neo4j-admin database import full --nodes=nodes_*.csv --relationships=rels_*.csv`
    (the file list of the result, in order, is what to pass)."""
    nodes, edges = _split(store)
    res = ExportResult(nodes=len(nodes), relationships=len(edges))
    by_label: dict[str, list[NodeRow]] = defaultdict(list)
    for key, data in nodes:
        by_label[data.get("label") or "Node"].append((key, _clean(data, drop=("label", "key"))))
    for label, rows in sorted(by_label.items()):
        cols = _columns(p for _, p in rows)
        path = out_dir / f"nodes_{label}.csv"
        _write_csv(path, ["key:ID", ":LABEL", *_typed_header(cols)],
                   ([key, label, *(_cell(p.get(k), t, li) for k, (t, li) in cols.items())] for key, p in rows))
        res.files.append(path)
    by_type: dict[str, list[EdgeRow]] = defaultdict(list)
    for src, dst, data in edges:
        rel = data.get("type") or "RELATED"
        props = _clean(data, drop=("type", "key"))
        props = {"key": data.get("key") or Edge(rel, src, dst, props).key, **props}
        by_type[rel].append((src, dst, props))
    for rel, rows in sorted(by_type.items()):
        cols = _columns(p for *_, p in rows)
        path = out_dir / f"rels_{rel}.csv"
        _write_csv(path, [":START_ID", ":END_ID", ":TYPE", *_typed_header(cols)],
                   ([s, d, rel, *(_cell(p.get(k), t, li) for k, (t, li) in cols.items())] for s, d, p in rows))
        res.files.append(path)
    ledger = _ledger_rows(store, nodes)
    if ledger:
        path = out_dir / f"nodes_{LEDGER_LABEL}.csv"
        _write_csv(path, [f"path:ID({LEDGER_LABEL})", ":LABEL", "hash:string", "document:string"],
                   ([p, LEDGER_LABEL, h, d] for p, h, d in ledger))
        res.files.append(path)
    return res


def _ledger_rows(store: Any, nodes: list[NodeRow]) -> list[tuple[str, str, str]]:
    """(path, hash, document) of every ingested file whose document is known by its path."""
    ledger = getattr(store, "ledger", None)
    if ledger is None:
        return []
    doc_of = {d.get("path"): d.get("id") or k.split(":", 1)[-1] for k, d in nodes if d.get("label") == "Document"}
    return sorted((p, h, doc_of[p]) for p, h in ledger().items() if p in doc_of)


def import_command(result: ExportResult, database: str = "neo4j") -> list[str]:
    """The neo4j-admin arguments that load the files of a CSV export."""
    # the database goes first: --nodes/--relationships take any number of files and would swallow it
    args = ["database", "import", "full", database, f"--array-delimiter={LIST_SEP}"]
    args += [f"--nodes={p}" for p in result.files if p.name.startswith("nodes_")]
    return args + [f"--relationships={p}" for p in result.files if p.name.startswith("rels_")]


# -- JSON Lines ---------------------------------------------------------------------------------

def write_jsonl(store: Any, out_dir: Path) -> ExportResult:
    """nodes.jsonl: {"key", "label", "props"}; edges.jsonl: {"type", "src", "dst", "props"}."""
    nodes, edges = _split(store)
    paths = [out_dir / "nodes.jsonl", out_dir / "edges.jsonl"]
    lines: list[Iterable[dict[str, Any]]] = [
        ({"key": k, "label": d.get("label"), "props": _clean(d, drop=("label",))} for k, d in nodes),
        ({"type": d.get("type"), "src": s, "dst": t, "props": _clean(d, drop=("type",))} for s, t, d in edges),
    ]
    for path, objs in zip(paths, lines, strict=True):
        tmp = path.with_suffix(".jsonl.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            for obj in objs:
                f.write(json.dumps(obj, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    return ExportResult(paths, len(nodes), len(edges))


EXPORTERS: dict[str, Callable[[Any, Path], ExportResult]] = {
    "graphml": write_graphml,
    "csv": write_neo4j_csv,
    "jsonl": write_jsonl,
}


def export(store: Any, fmt: str, out_dir: str | os.PathLike) -> ExportResult:
    if fmt not in EXPORTERS:
        raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(EXPORTERS)})")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return EXPORTERS[fmt](store, out)
