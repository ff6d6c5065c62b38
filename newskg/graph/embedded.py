"""The embedded store: a networkx MultiDiGraph persisted to one local file, written atomically.

The file holds the graph, the ingest ledger (path -> content hash) and a per-document index of
what each document owns, so replacing a document never scans the graph. A write goes to a temporary
file in the same folder, is fsynced and renamed over the old one: a crash mid-write leaves the
previous store intact. One writer at a time (an flock on the folder's lock file).
"""
from __future__ import annotations

import bisect
import fcntl
import gc
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
        if readonly and not self.path.exists():
            raise StoreError(f"no store at {self.dir} (newskg ingest creates one)")
        self._lock_fd: int | None = None
        if not readonly:
            self.dir.mkdir(parents=True, exist_ok=True)
            self._lock_fd = os.open(self.dir / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as e:
                os.close(self._lock_fd)
                raise StoreError(f"store {self.dir} is in use by another newskg process") from e
            for stale in self.dir.glob(".graph.*.tmp"):  # a commit cut short by kill -9: never renamed
                stale.unlink(missing_ok=True)
        self.g = nx.MultiDiGraph()
        self._ledger: dict[str, dict[str, str]] = {}
        self._docs: dict[str, _DocEntry] = {}
        self._dirty = False
        self._due_index: list[tuple[str, str]] | None = None
        self._task_index: list[str] | None = None
        try:
            self._load()
        except BaseException:
            self.close()
            raise

    # -- persistence -------------------------------------------------------------------------
    def _load(self) -> None:
        if not self.path.exists():
            return
        gc_was_on = gc.isenabled()
        gc.disable()  # unpickling makes millions of objects: collections in between triple the load time
        try:
            with open(self.path, "rb") as f:
                state = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError) as e:
            raise StoreError(f"store file {self.path} is unreadable: {e}") from e
        finally:
            if gc_was_on:
                gc.enable()
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
        self._task_index = None

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

    def _tasks(self) -> list[str]:
        if self._task_index is None:
            self._task_index = [k for k, d in self.g.nodes(data=True) if d.get("label") == "Task"]
        return self._task_index

    def _candidates(self, flt: ObligationFilter) -> list[str]:
        if not flt.dated_only:
            return self._tasks()
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
        # networkx's own adjacency dicts (G._succ: node -> neighbour -> edge key -> data), read, never
        # written: the public views cost more than the rest of a result row at a million tasks
        return [(v, d.get("role", "responsible")) for v, kd in self.g._succ[task].items() for d in kd.values()
                if d.get("type") == "ASSIGNED_TO"]

    def _agency_targets(self, agency: str) -> list[tuple[str, str | None]] | None:
        """The agency's node, then its collectives in name order: (node, via name); None if unknown."""
        akey = f"Agency:{agency}"
        if akey not in self.g:
            return None
        collectives = sorted({v for v, kd in self.g.succ[akey].items()
                              if any(d.get("type") == "MEMBER_OF" for d in kd.values())})
        return [(akey, None), *((c, self.g.nodes[c].get("name")) for c in collectives)]

    def _via(self, targets: list[tuple[str, str | None]]) -> dict[str, str | None]:
        """Task -> collective it matched through (None: assigned to the agency itself)."""
        via: dict[str, str | None] = {}
        for target, name in targets:
            for t, kd in self.g._pred[target].items():
                if any(d.get("type") == "ASSIGNED_TO" for d in kd.values()):
                    via.setdefault(t, name)
        return via

    def _via_one(self, task: str, targets: list[tuple[str, str | None]]) -> tuple[bool, str | None]:
        """The same answer as _via for one task, from its own few edges."""
        hits = {v for v, _ in self._assigned(task)}
        for target, name in targets:
            if target in hits:
                return True, name
        return False, None

    def obligations(self, flt: ObligationFilter) -> list[Obligation]:
        # An agency with a date window starts from whichever side is smaller: the window's tasks
        # (checked by their own edges) or the agency's edges; the rows are the same either way.
        targets = self._agency_targets(flt.agency) if flt.agency else None
        if flt.agency and targets is None:
            return []
        via: dict[str, str | None] | None = None
        if targets is None:
            candidates = self._candidates(flt)
        elif flt.dated_only:
            candidates = self._candidates(flt)
            if len(candidates) > sum(len(self.g._pred[t]) for t, _ in targets):
                via = self._via(targets)
            else:
                via = {}
                for key in candidates:
                    hit, name = self._via_one(key, targets)
                    if hit:
                        via[key] = name
        else:
            via = self._via(targets)
            candidates = [k for k in via if self.g.nodes[k].get("label") == "Task"]
        rows = []
        node = self.g._node  # node -> properties, as G.nodes[key] returns them, without the view
        for key in candidates:
            if via is not None and key not in via:
                continue
            t = node[key]
            if flt.policy and flt.policy not in (t.get("policy"), t.get("document_title")):
                continue
            if flt.text and flt.text not in (t.get("action") or "") and flt.text not in (t.get("text") or ""):
                continue
            agencies = tuple(sorted(AssignedAgency(node[v].get("name", v), role)
                                    for v, role in self._assigned(key)))
            rows.append(obligation_row(key, t, agencies, via.get(key) if via else None))
        rows.sort(key=Obligation.sort_key)
        return rows

    # -- news actors ---------------------------------------------------------------------------
    def _source(self, doc_id: str | None) -> dict[str, Any]:
        """Where a fact comes from: the document's path, title and date."""
        d = self.g.nodes.get(f"Document:{doc_id}", {}) if doc_id else {}
        return {"document": doc_id, "path": d.get("path"), "document_title": d.get("title"),
                "document_date": d.get("date")}

    def _actor_key(self, name: str) -> str | None:
        """The node of a person (or a speaking body) by canonical name; a short form naming one
        person only (达宁 for 罗伯特·达宁) finds that person."""
        for label in ("Person", "Agency", "Organization", "Place"):
            if f"{label}:{name}" in self.g:
                return f"{label}:{name}"
        ends = [k for k, d in self.g.nodes(data=True)
                if d.get("label") == "Person" and str(d.get("name", "")).endswith(("·" + name, "•" + name))]
        return ends[0] if len(ends) == 1 else None

    def actor(self, name: str) -> dict[str, Any]:
        """A person's roles (HOLDS), statements (SAID) and events (PARTICIPANT), each with its
        source; {} when the store knows no one by that name."""
        key = self._actor_key(name)
        if key is None:
            return {}
        roles, statements, events = [], [], []
        for _, dst, e in self.g.out_edges(key, data=True):
            if e.get("type") == "HOLDS":
                roles.append({"title": e.get("title"), "organization": self.g.nodes[dst].get("name"),
                              "start": e.get("start"), "end": e.get("end"), **self._source(e.get("document"))})
            elif e.get("type") == "SAID":
                s = self.g.nodes[dst]
                statements.append({"verb": s.get("verb"), "text": s.get("text"), "start": s.get("start"),
                                   "end": s.get("end"), **self._source(s.get("document"))})
        for src, _, e in self.g.in_edges(key, data=True):
            if e.get("type") == "PARTICIPANT":
                events.append(self._event_row(src))
        unique = {r["id"]: r for r in events}
        return {"name": self.g.nodes[key].get("name", name), "label": self.g.nodes[key].get("label"),
                "roles": sorted(roles, key=self._by_time), "statements": sorted(statements, key=self._by_time),
                "events": sorted(unique.values(), key=self._by_time)}

    @staticmethod
    def _by_time(r: dict[str, Any]) -> tuple:
        return (r.get("date") or r.get("document_date") or "", r.get("path") or "", r.get("start") or 0,
                r.get("id") or "", r.get("title") or r.get("verb") or "")

    def _event_row(self, key: str) -> dict[str, Any]:
        ev = self.g.nodes[key]
        participants, places = [], []
        for _, dst, e in self.g.out_edges(key, data=True):
            name = self.g.nodes[dst].get("name", dst)
            if e.get("type") == "PARTICIPANT" and name not in participants:
                participants.append(name)
            elif e.get("type") == "AT" and name not in places:
                places.append(name)
        return {"id": ev.get("id"), "type": ev.get("type"), "date": ev.get("date"),
                "participants": sorted(participants), "places": sorted(places), "text": ev.get("text"), "start": ev.get("start"), "end": ev.get("end"),
                **self._source(ev.get("document"))}

    def events(self, from_: str | None = None, to: str | None = None) -> list[dict[str, Any]]:
        """Events dated within [from_, to] (ISO days, either bound optional), by date then source;
        undated events only when no bound is given."""
        rows = []
        for k, d in self.g.nodes(data=True):
            if d.get("label") != "Event":
                continue
            day = d.get("date")
            if (from_ or to) and not day:
                continue
            if (from_ and day < from_) or (to and day > to):
                continue
            rows.append(self._event_row(k))
        rows.sort(key=lambda r: (r["date"] is None, r["date"] or "", r["path"] or "", r["start"] or 0, r["id"] or ""))
        return rows
