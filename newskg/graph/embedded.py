"""The embedded store: a networkx MultiDiGraph persisted to one local file, written atomically.

The file holds the graph, the ingest ledger (path -> content hash) and a per-document index of
what each document owns, so replacing a document never scans the graph. A write goes to a temporary
file in the same folder, is fsynced and renamed over the old one: a crash mid-write leaves the
previous store intact. One writer at a time (an flock on the folder's lock file).
"""
from __future__ import annotations

import bisect
import fcntl
import os
import pickle
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx

from newskg.graph.model import DocumentGraph
from newskg.graph.queries import (
    AssignedAgency,
    IngestResult,
    Obligation,
    ObligationFilter,
    Stats,
    obligation_row,
)

FORMAT = "newskg-embedded/1"
FILENAME = "graph.pickle"


class StoreError(Exception):
    pass


@dataclass
class _DocEntry:
    paths: set[str] = field(default_factory=set)
    nodes: list[str] = field(default_factory=list)  # owned node keys
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # (src, dst, edge key)


class EmbeddedStore:
    def __init__(self, directory: str | os.PathLike, *, readonly: bool = False):
        self.dir = Path(directory)
        self.path = self.dir / FILENAME
        self.readonly = readonly
        self._lock_fd: int | None = None
        if not readonly:
            self.dir.mkdir(parents=True, exist_ok=True)
            self._lock_fd = os.open(self.dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as e:
                os.close(self._lock_fd)
                raise StoreError(f"store {self.dir} is in use by another newskg process") from e
        self.g = nx.MultiDiGraph()
        self._ledger: dict[str, dict[str, str]] = {}
        self._docs: dict[str, _DocEntry] = {}
        self._dirty = False
        self._due_index: list[tuple[str, str]] | None = None
        try:
            self._load()
        except BaseException:
            self.close()
            raise

    # -- persistence -------------------------------------------------------------------------
    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            with open(self.path, "rb") as f:
                state = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError) as e:
            raise StoreError(f"store file {self.path} is unreadable: {e}") from e
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise StoreError(f"store file {self.path} is not a {FORMAT} store")
        self.g, self._ledger, self._docs = state["graph"], state["ledger"], state["docs"]

    def commit(self) -> None:
        if self.readonly or not self._dirty:
            return
        state = {"format": FORMAT, "graph": self.g, "ledger": self._ledger, "docs": self._docs}
        fd, tmp = tempfile.mkstemp(prefix=".graph.", suffix=".tmp", dir=self.dir)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
            dfd = os.open(self.dir, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        self._dirty = False

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> EmbeddedStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------------
    def ledger(self) -> dict[str, str]:
        return {p: e["hash"] for p, e in self._ledger.items()}

    def put(self, graph: DocumentGraph, content_hash: str) -> IngestResult:
        old = self._ledger.get(graph.path)
        if old and old["hash"] == content_hash and old["document"] == graph.document:
            return IngestResult(graph.path, "unchanged", graph.document)
        if graph.document not in self._docs:
            self._check(graph)
        if old:
            self._detach(graph.path)
        if graph.document not in self._docs:
            self._add(graph)
        self._docs[graph.document].paths.add(graph.path)
        self._ledger[graph.path] = {"hash": content_hash, "document": graph.document}
        self._touch()
        return IngestResult(graph.path, "replaced" if old else "ingested", graph.document)

    def remove(self, path: str) -> bool:
        if path not in self._ledger:
            return False
        self._detach(path)
        self._touch()
        return True

    def _touch(self) -> None:
        self._dirty = True
        self._due_index = None

    def _detach(self, path: str) -> None:
        doc = self._ledger.pop(path)["document"]
        entry = self._docs.get(doc)
        if entry is None:
            return
        entry.paths.discard(path)
        if not entry.paths:
            self._remove_document(doc)

    def _remove_document(self, doc: str) -> None:
        entry = self._docs.pop(doc)
        touched: set[str] = set()
        for u, v, k in entry.edges:
            if self.g.has_edge(u, v, k):
                self.g.remove_edge(u, v, k)
                touched.update((u, v))
        owned = set(entry.nodes)
        self.g.remove_nodes_from(owned)
        for n in touched - owned:
            if n in self.g and self.g.degree(n) == 0:
                self.g.remove_node(n)

    def _check(self, graph: DocumentGraph) -> None:
        """Refuse a document whose edges name nodes it does not define, before anything changes."""
        keys = {n.key for n in graph.nodes}
        for e in graph.edges:
            for end in (e.src, e.dst):
                if end not in keys and end not in self.g:
                    raise StoreError(f"edge {e.type} names a node missing from the document: {end}")

    def _add(self, graph: DocumentGraph) -> None:
        entry = _DocEntry()
        for n in graph.nodes:
            if n.key in self.g:
                self.g.nodes[n.key].update(n.props)
            else:
                self.g.add_node(n.key, label=n.label, **n.props)
            if n.owned:
                entry.nodes.append(n.key)
        for e in graph.edges:
            for end in (e.src, e.dst):
                if end not in self.g:
                    raise StoreError(f"edge {e.type} names a node missing from the document: {end}")
            k = e.key
            self.g.add_edge(e.src, e.dst, key=k, type=e.type, **e.props)
            entry.edges.append((e.src, e.dst, k))
        self._docs[graph.document] = entry

    # -- reading -----------------------------------------------------------------------------
    def nodes(self, label: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        return [(k, d) for k, d in self.g.nodes(data=True) if label is None or d.get("label") == label]

    def edges(self, rel: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        return [(u, v, d) for u, v, d in self.g.edges(data=True) if rel is None or d.get("type") == rel]

    def stats(self) -> Stats:
        nodes = Counter(d.get("label") for _, d in self.g.nodes(data=True))
        rels = Counter(d.get("type") for _, _, d in self.g.edges(data=True))
        return Stats(dict(sorted(nodes.items())), dict(sorted(rels.items())))

    def _dues(self) -> list[tuple[str, str]]:
        if self._due_index is None:
            self._due_index = sorted((d["due"], k) for k, d in self.g.nodes(data=True)
                                     if d.get("label") == "Task" and d.get("due"))
        return self._due_index

    def _candidates(self, flt: ObligationFilter) -> list[str]:
        if not flt.dated_only:
            return [k for k, d in self.g.nodes(data=True) if d.get("label") == "Task"]
        lo, hi = "", "\uffff"
        if flt.due_after:
            lo = max(lo, flt.due_after.isoformat())
        if flt.due_before:
            hi = min(hi, flt.due_before.isoformat())
        dues = self._dues()
        i = bisect.bisect_left(dues, (lo, ""))
        j = bisect.bisect_right(dues, (hi, "\uffff"))
        keys = dues[i:j]
        if flt.overdue_on:
            cut = flt.overdue_on.isoformat()
            keys = [x for x in keys if x[0] < cut]
        return [k for _, k in keys]

    def _assigned(self, task: str) -> list[tuple[str, str]]:
        return [(v, d.get("role", "responsible")) for _, v, d in self.g.out_edges(task, data=True)
                if d.get("type") == "ASSIGNED_TO"]

    def obligations(self, flt: ObligationFilter) -> list[Obligation]:
        via: dict[str, str | None] | None = None
        if flt.agency:
            via = {}
            akey = f"Agency:{flt.agency}"
            if akey not in self.g:
                return []
            collectives = [v for _, v, d in self.g.out_edges(akey, data=True) if d.get("type") == "MEMBER_OF"]
            for target in [akey, *sorted(set(collectives))]:
                name = None if target == akey else self.g.nodes[target].get("name")
                for t, _, d in self.g.in_edges(target, data=True):
                    if d.get("type") == "ASSIGNED_TO":
                        via.setdefault(t, name)
        rows = []
        for key in self._candidates(flt):
            if via is not None and key not in via:
                continue
            t = self.g.nodes[key]
            if flt.policy and flt.policy not in (t.get("policy"), t.get("document_title")):
                continue
            if flt.text and flt.text not in (t.get("action") or "") and flt.text not in (t.get("text") or ""):
                continue
            agencies = tuple(sorted(AssignedAgency(self.g.nodes[v].get("name", v), role)
                                    for v, role in self._assigned(key)))
            rows.append(obligation_row(key, t, agencies, via.get(key) if via else None))
        rows.sort(key=Obligation.sort_key)
        return rows
