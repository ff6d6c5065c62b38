"""The Neo4j store: the same graph model and the same answers as the embedded store, on a server.

Every node is `(:<model label> {key, ...props})`, every edge `-[:<TYPE> {key: Edge.key, ...props}]->`,
and each ingested file is a `(:NewskgLedger {path, hash, document})` node. A `put` is one managed write
transaction (the driver retries transient errors): the old facts of a changed file go and the new
ones come in the same transaction, with the ledger, so a reader never sees half a document.

Cypher text is built only from the model's own labels and relationship types (checked against
model.LABELS / model.REL_TYPES); every value, user text included, travels as a parameter.
"""
from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from neo4j import Driver, GraphDatabase, ManagedTransaction, NotificationMinimumSeverity
from neo4j.exceptions import AuthError, ConfigurationError, DriverError, Neo4jError, ServiceUnavailable

from newskg.graph.embedded import StoreError
from newskg.graph.model import LABELS, OWNED_LABELS, REL_TYPES, SHARED_LABELS, DocumentGraph, Edge
from newskg.graph.queries import (
    AssignedAgency,
    IngestResult,
    Obligation,
    ObligationFilter,
    Stats,
    obligation_row,
)

LEDGER = "NewskgLedger"
DEFAULT_URI = "bolt://127.0.0.1:7687"
DEFAULT_BATCH = 5000

T = TypeVar("T")


def _schema() -> dict[str, str]:
    """Index and constraint name -> statement; the missing ones are created on every open."""
    s: dict[str, str] = {}

    def add(kind: str, name: str, rest: str) -> None:
        s[name] = f"CREATE {kind} {name} IF NOT EXISTS {rest}"

    for label in sorted(LABELS):
        add("CONSTRAINT", f"newskg_{label.lower()}_key", f"FOR (n:{label}) REQUIRE n.key IS UNIQUE")
    for label in sorted(SHARED_LABELS):
        add("INDEX", f"newskg_{label.lower()}_name", f"FOR (n:{label}) ON (n.name)")
    for label in sorted(OWNED_LABELS):  # a replaced document's nodes are found by `document`...
        add("INDEX", f"newskg_{label.lower()}_document", f"FOR (n:{label}) ON (n.document)")
    for rel in sorted(REL_TYPES):  # ...and so are its relationships
        add("INDEX", f"newskg_{rel.lower()}_document", f"FOR ()-[r:{rel}]-() ON (r.document)")
    add("INDEX", "newskg_task_due", "FOR (t:Task) ON (t.due)")
    # For ranked search through cypher() and db.index.fulltext.queryNodes (CJK bigrams). The
    # obligations text filter is an exact substring test, which a bigram index cannot answer, so it
    # scans Task nodes: 17 ms over 20k tasks. TEXT indexes would make that 5 ms but cost a third of
    # the load rate (benchmarks/bench_neo4j_load.py), so there are none.
    add("FULLTEXT INDEX", "newskg_task_fulltext",
        "FOR (t:Task) ON EACH [t.action, t.text] OPTIONS {indexConfig: {`fulltext.analyzer`: 'cjk'}}")
    add("CONSTRAINT", "newskg_ledger_path", f"FOR (l:{LEDGER}) REQUIRE l.path IS UNIQUE")
    add("INDEX", "newskg_ledger_document", f"FOR (l:{LEDGER}) ON (l.document)")
    return s


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _one_line(e: BaseException) -> str:
    msg = e.message if isinstance(e, Neo4jError) and e.message else str(e)
    return " ".join(msg.split())


class Neo4jStore:
    """A GraphStore on a Neo4j 5 server; every write is committed when `put`/`remove` return."""

    def __init__(self, uri: str, user: str, password: str | None, *, database: str | None = None,
                 batch_size: int = DEFAULT_BATCH):
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.uri, self.user, self.database, self.batch_size = uri, user, database, batch_size
        self._driver: Driver | None = None
        try:
            self._driver = GraphDatabase.driver(
                uri, auth=(user, password or ""), connection_timeout=10,
                notifications_min_severity=NotificationMinimumSeverity.OFF)
            self._driver.verify_connectivity()
            self._ensure_schema()
        except StoreError:
            self.close()
            raise
        except (DriverError, Neo4jError, ValueError) as e:
            self.close()
            raise self._error(e) from e

    @classmethod
    def from_env(cls, uri: str | None = None, **kw: Any) -> Neo4jStore:
        """Connect with NEWSKG_NEO4J_URI / _USER / _PASSWORD (and optional _DATABASE); `uri` wins."""
        env = os.environ
        return cls(uri or env.get("NEWSKG_NEO4J_URI") or DEFAULT_URI, env.get("NEWSKG_NEO4J_USER") or "neo4j",
                   env.get("NEWSKG_NEO4J_PASSWORD"), database=env.get("NEWSKG_NEO4J_DATABASE") or None, **kw)

    # -- plumbing ----------------------------------------------------------------------------
    def _error(self, e: BaseException) -> StoreError:
        """One line that says what went wrong, for the user: never a driver traceback."""
        if isinstance(e, AuthError):
            return StoreError(f"Neo4j at {self.uri} refused the credentials of user {self.user!r} "
                              "(check NEWSKG_NEO4J_USER / NEWSKG_NEO4J_PASSWORD)")
        if isinstance(e, ServiceUnavailable):
            reason = _one_line(e)
            if "(reason " in reason:
                reason = reason.rsplit("(reason ", 1)[1].rstrip(")")
            return StoreError(f"Neo4j server at {self.uri} is not reachable: {reason}")
        if isinstance(e, (ConfigurationError, ValueError)):
            return StoreError(f"bad Neo4j URI {self.uri!r}: {_one_line(e)}")
        if isinstance(e, Neo4jError):
            return StoreError(f"Neo4j error {e.code}: {_one_line(e)}")
        return StoreError(f"Neo4j driver error: {_one_line(e)}")

    @contextmanager
    def _guard(self) -> Iterator[None]:
        if self._driver is None:
            raise StoreError("the Neo4j store is closed")
        try:
            yield
        except (DriverError, Neo4jError) as e:
            raise self._error(e) from e

    def _read(self, fn: Callable[[ManagedTransaction], T]) -> T:
        with self._guard(), self._driver.session(database=self.database) as s:
            return s.execute_read(fn)

    def _write(self, fn: Callable[[ManagedTransaction], T]) -> T:
        with self._guard(), self._driver.session(database=self.database) as s:
            return s.execute_write(fn)

    def _ensure_schema(self) -> None:
        """Idempotent: missing indexes and constraints are created, and newskg_* ones this version no
        longer defines are dropped (each schema change runs in its own transaction)."""
        want = _schema()
        constraints = "SHOW CONSTRAINTS YIELD name RETURN collect(name) AS names"
        indexes = ("SHOW INDEXES YIELD name, owningConstraint WHERE owningConstraint IS NULL "
                   "RETURN collect(name) AS names")
        with self._driver.session(database=self.database) as s:
            def obsolete(query: str) -> list[str]:
                names = s.run(query).single()["names"]
                return sorted(n for n in names if n.startswith("newskg_") and n not in want)

            for name in obsolete(constraints):
                s.run(f"DROP CONSTRAINT {_quote(name)} IF EXISTS").consume()
            for name in obsolete(indexes):
                s.run(f"DROP INDEX {_quote(name)} IF EXISTS").consume()
            have = set(s.run(indexes).single()["names"]) | set(s.run(constraints).single()["names"])
            missing = [stmt for name, stmt in want.items() if name not in have]
            for stmt in missing:
                s.run(stmt).consume()
            if missing:
                s.run("CALL db.awaitIndexes(300)").consume()

    def close(self) -> None:
        if self._driver is not None:
            self._driver.close()
            self._driver = None

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------------
    def ledger(self) -> dict[str, str]:
        q = f"MATCH (l:{LEDGER}) RETURN l.path AS path, l.hash AS hash"
        rows = self._read(lambda tx: tx.run(q).data())
        return {r["path"]: r["hash"] for r in rows}

    def commit(self) -> None:
        """Nothing to do: each put/remove is its own committed transaction."""

    def put(self, graph: DocumentGraph, content_hash: str) -> IngestResult:
        def work(tx: ManagedTransaction) -> str:
            old = tx.run(f"MATCH (l:{LEDGER} {{path: $path}}) RETURN l.hash AS hash, l.document AS document",
                         path=graph.path).single()
            if old and old["hash"] == content_hash and old["document"] == graph.document:
                return "unchanged"
            if old:
                self._detach(tx, graph.path, old["document"])
            if not _referenced(tx, graph.document):
                self._add(tx, graph)
            tx.run(f"MERGE (l:{LEDGER} {{path: $path}}) SET l.hash = $hash, l.document = $doc",
                   path=graph.path, hash=content_hash, doc=graph.document).consume()
            return "replaced" if old else "ingested"

        return IngestResult(graph.path, self._write(work), graph.document)

    def remove(self, path: str) -> bool:
        def work(tx: ManagedTransaction) -> bool:
            q = f"MATCH (l:{LEDGER} {{path: $path}}) RETURN l.document AS document"
            old = tx.run(q, path=path).single()
            if old is None:
                return False
            self._detach(tx, path, old["document"])
            return True

        return self._write(work)

    def _detach(self, tx: ManagedTransaction, path: str, doc: str) -> None:
        tx.run(f"MATCH (l:{LEDGER} {{path: $path}}) DELETE l", path=path).consume()
        if not _referenced(tx, doc):
            _remove_document(tx, doc)

    def _add(self, tx: ManagedTransaction, graph: DocumentGraph) -> None:
        labels: dict[str, str] = {}
        by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for n in graph.nodes:
            if n.label not in LABELS:
                raise StoreError(f"node {n.key} has a label outside the model: {n.label!r}")
            labels.setdefault(n.key, n.label)
            by_label[n.label].append({"key": n.key, "props": n.props})
        for label, rows in sorted(by_label.items()):
            for chunk in _chunks(rows, self.batch_size):
                tx.run(f"UNWIND $rows AS row MERGE (n:{label} {{key: row.key}}) SET n += row.props",
                       rows=chunk).consume()
        by_type: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        for e in graph.edges:
            if e.type not in REL_TYPES:
                raise StoreError(f"edge type outside the model: {e.type!r}")
            ends = (_label_of(e.src, labels, e), _label_of(e.dst, labels, e))
            by_type[(e.type, *ends)].append({"src": e.src, "dst": e.dst, "key": e.key, "props": e.props})
        for (rel, src, dst), rows in sorted(by_type.items()):
            q = (f"UNWIND $rows AS row MATCH (a:{src} {{key: row.src}}) MATCH (b:{dst} {{key: row.dst}}) "
                 f"MERGE (a)-[r:{rel} {{key: row.key}}]->(b) SET r += row.props RETURN count(r) AS n")
            for chunk in _chunks(rows, self.batch_size):
                done = tx.run(q, rows=chunk).single()["n"]
                if done != len(chunk):
                    missing = _missing_ends(tx, chunk, src, dst)
                    raise StoreError(f"edge {rel} names a node missing from the document: {missing}")

    # -- reading -----------------------------------------------------------------------------
    def nodes(self, label: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        """(key, {label, **props}) like EmbeddedStore.nodes; unknown labels give []."""
        if label is not None and label not in LABELS:
            return []
        pattern = f"(n:{label})" if label else f"(n) WHERE NOT n:{LEDGER}"
        q = f"MATCH {pattern} RETURN labels(n) AS labels, properties(n) AS props"
        out = []
        for r in self._read(lambda tx: tx.run(q).data()):
            props = dict(r["props"])
            key = props.pop("key")
            lab = label or next((x for x in r["labels"] if x in LABELS), None)
            out.append((key, {"label": lab, **props}))
        return out

    def edges(self, rel: str | None = None) -> list[tuple[str, str, dict[str, Any]]]:
        """(src key, dst key, {type, **props}) like EmbeddedStore.edges; unknown types give []."""
        if rel is not None and rel not in REL_TYPES:
            return []
        pattern = f"(a)-[r:{rel}]->(b)" if rel else f"(a)-[r]->(b) WHERE NOT a:{LEDGER}"
        q = f"MATCH {pattern} RETURN a.key AS src, b.key AS dst, type(r) AS type, properties(r) AS props"
        out = []
        for r in self._read(lambda tx: tx.run(q).data()):
            props = dict(r["props"])
            props.pop("key", None)
            out.append((r["src"], r["dst"], {"type": r["type"], **props}))
        return out

    def stats(self) -> Stats:
        """Counts by model label and relationship type, from Neo4j's count store (ledger excluded)."""
        parts = [f"MATCH (n:{label}) RETURN 'n' AS kind, '{label}' AS name, count(n) AS c"
                 for label in sorted(LABELS)]
        parts += [f"MATCH ()-[r:{rel}]->() RETURN 'r' AS kind, '{rel}' AS name, count(r) AS c"
                  for rel in sorted(REL_TYPES)]
        rows = self._read(lambda tx: tx.run(" UNION ALL ".join(parts)).data())
        nodes = {r["name"]: r["c"] for r in rows if r["kind"] == "n" and r["c"]}
        rels = {r["name"]: r["c"] for r in rows if r["kind"] == "r" and r["c"]}
        return Stats(dict(sorted(nodes.items())), dict(sorted(rels.items())))

    def obligations(self, flt: ObligationFilter) -> list[Obligation]:
        query, params = _obligations_query(flt)
        rows = self._read(lambda tx: tx.run(query, params).data())
        out = []
        for r in rows:
            agencies = tuple(sorted(AssignedAgency(a["name"], a["role"]) for a in r["agencies"]))
            out.append(obligation_row(r["key"], r["props"], agencies, r["via"]))
        # sorted here, not by ORDER BY: Python and Neo4j order strings differently beyond the BMP
        out.sort(key=Obligation.sort_key)
        return out

    # -- news actors: the same rows as EmbeddedStore.actor / .events -----------------------------
    def _sources(self, docs: set[str]) -> dict[str, dict[str, Any]]:
        q = ("UNWIND $keys AS k MATCH (d:Document {key: k}) "
             "RETURN d.id AS id, d.path AS path, d.title AS title, d.date AS date")
        rows = self._read(lambda tx: tx.run(q, keys=[f"Document:{d}" for d in docs]).data())
        return {r["id"]: {"document": r["id"], "path": r["path"], "document_title": r["title"],
                          "document_date": r["date"]} for r in rows}

    def _source_of(self, sources: dict[str, dict[str, Any]], doc: str | None) -> dict[str, Any]:
        return sources.get(doc or "", {"document": doc, "path": None, "document_title": None,
                                      "document_date": None})

    def _actor_key(self, name: str) -> str | None:
        keys = [f"{label}:{name}" for label in ("Person", "Agency", "Organization", "Place")]
        q = "UNWIND $keys AS k MATCH (n {key: k}) RETURN n.key AS key"
        found = {r["key"] for r in self._read(lambda tx: tx.run(q, keys=keys).data())}
        for k in keys:
            if k in found:
                return k
        q = ("MATCH (p:Person) WHERE p.name ENDS WITH $a OR p.name ENDS WITH $b RETURN p.key AS key")
        ends = self._read(lambda tx: tx.run(q, a="·" + name, b="•" + name).data())
        return ends[0]["key"] if len(ends) == 1 else None

    def _event_rows(self, keys: list[str]) -> list[dict[str, Any]]:
        q = ("UNWIND $keys AS k MATCH (e:Event {key: k}) "
             "OPTIONAL MATCH (e)-[r:PARTICIPANT|AT]->(x) "
             "RETURN properties(e) AS e, collect([type(r), x.name]) AS links")
        rows = self._read(lambda tx: tx.run(q, keys=keys).data())
        sources = self._sources({r["e"].get("document") for r in rows if r["e"].get("document")})
        out = []
        for r in rows:
            ev = r["e"]
            links = [tuple(x) for x in r["links"] if x[0]]
            out.append({"id": ev.get("id"), "type": ev.get("type"), "date": ev.get("date"),
                        "participants": sorted({n for t, n in links if t == "PARTICIPANT"}),
                        "places": sorted({n for t, n in links if t == "AT"}), "text": ev.get("text"),
                        "start": ev.get("start"), "end": ev.get("end"),
                        **self._source_of(sources, ev.get("document"))})
        return out

    def actor(self, name: str) -> dict[str, Any]:
        """As EmbeddedStore.actor: roles, statements and events of a person, with sources."""
        from newskg.graph.embedded import EmbeddedStore

        key = self._actor_key(name)
        if key is None:
            return {}
        q = ("MATCH (p {key: $k}) "
             "OPTIONAL MATCH (p)-[h:HOLDS]->(o) WITH p, collect(CASE WHEN h IS NULL THEN NULL ELSE "
             "{title: h.title, organization: o.name, start: h.start, end: h.end, document: h.document} END) AS roles "
             "OPTIONAL MATCH (p)-[:SAID]->(s:Statement) WITH p, roles, collect(CASE WHEN s IS NULL THEN NULL ELSE "
             "{verb: s.verb, text: s.text, start: s.start, end: s.end, document: s.document} END) AS said "
             "OPTIONAL MATCH (e:Event)-[:PARTICIPANT]->(p) "
             "RETURN p.name AS name, roles, said, collect(DISTINCT e.key) AS events")
        r = self._read(lambda tx: tx.run(q, k=key).single())
        docs = {x["document"] for x in r["roles"] + r["said"] if x.get("document")}
        sources = self._sources(docs)
        by_time = EmbeddedStore._by_time
        roles = [{"title": x["title"], "organization": x["organization"], "start": x["start"], "end": x["end"],
                  **self._source_of(sources, x["document"])} for x in r["roles"]]
        said = [{"verb": x["verb"], "text": x["text"], "start": x["start"], "end": x["end"],
                 **self._source_of(sources, x["document"])} for x in r["said"]]
        return {"name": r["name"] or name, "label": key.split(":", 1)[0],
                "roles": sorted(roles, key=by_time), "statements": sorted(said, key=by_time),
                "events": sorted(self._event_rows(r["events"]), key=by_time)}

    def events(self, from_: str | None = None, to: str | None = None) -> list[dict[str, Any]]:
        """As EmbeddedStore.events."""
        q = ("MATCH (e:Event) WHERE ($from IS NULL AND $to IS NULL) OR "
             "(e.date IS NOT NULL AND ($from IS NULL OR e.date >= $from) AND ($to IS NULL OR e.date <= $to)) "
             "RETURN e.key AS key")
        keys = [r["key"] for r in self._read(lambda tx: tx.run(q, {"from": from_, "to": to}).data())]
        rows = self._event_rows(keys)
        rows.sort(key=lambda r: (r["date"] is None, r["date"] or "", r["path"] or "", r["start"] or 0, r["id"] or ""))
        return rows

    def cypher(self, query: str, params: Mapping[str, Any] | None = None, *,
               write: bool = False) -> list[dict[str, Any]]:
        """Run an analyst's query with parameters; read-only unless write=True (writes then fail)."""
        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return tx.run(query, dict(params or {})).data()

        return self._write(work) if write else self._read(work)


# -- Cypher builders and helpers (module level: no state) --------------------------------------

def _chunks(rows: list[T], size: int) -> Iterator[list[T]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def _label_of(key: str, labels: dict[str, str], e: Edge) -> str:
    """Label of an edge end: from the document's nodes, else the key's "<Label>:" prefix."""
    label = labels.get(key) or key.split(":", 1)[0]
    if label not in LABELS:
        raise StoreError(f"edge {e.type} names a node missing from the document: {key}")
    return label


def _referenced(tx: ManagedTransaction, doc: str) -> bool:
    q = f"MATCH (l:{LEDGER} {{document: $doc}}) RETURN count(l) > 0 AS used"
    return tx.run(q, doc=doc).single()["used"]


def _missing_ends(tx: ManagedTransaction, rows: list[dict[str, Any]], src: str, dst: str) -> list[str]:
    rec = tx.run(f"UNWIND $rows AS row "
                 f"UNWIND [[row.src, EXISTS {{ MATCH (:{src} {{key: row.src}}) }}], "
                 f"[row.dst, EXISTS {{ MATCH (:{dst} {{key: row.dst}}) }}]] AS end "
                 "WITH end WHERE NOT end[1] RETURN collect(DISTINCT end[0]) AS missing", rows=rows).single()
    return sorted(rec["missing"])


def _remove_document(tx: ManagedTransaction, doc: str) -> None:
    """As EmbeddedStore._remove_document: the document's edges, its owned nodes, then the nodes its
    edges touched that are left without any edge (shared nodes used by other documents stay)."""
    touched: set[str] = set()
    for rel in sorted(REL_TYPES):
        rec = tx.run(f"MATCH (a)-[r:{rel} {{document: $doc}}]->(b) DELETE r "
                     "RETURN collect(DISTINCT elementId(a)) + collect(DISTINCT elementId(b)) AS ends",
                     doc=doc).single()
        touched.update(rec["ends"])
    for label in sorted(OWNED_LABELS):
        tx.run(f"MATCH (n:{label} {{document: $doc}}) DETACH DELETE n", doc=doc).consume()
    if touched:
        tx.run("UNWIND $ids AS id MATCH (n) WHERE elementId(n) = id AND NOT EXISTS { (n)--() } DELETE n",
               ids=sorted(touched)).consume()


# The agency filter: tasks assigned to the agency itself (via null) or to a collective it is a
# MEMBER_OF (via = the collective's name); a direct assignment wins over a collective.
_BY_AGENCY = """
MATCH (a:Agency {key: $akey})
CALL (a) {
  MATCH (t:Task)-[:ASSIGNED_TO]->(a) RETURN t, 0 AS pri, null AS via
  UNION ALL
  MATCH (a)-[:MEMBER_OF]->(c)<-[:ASSIGNED_TO]-(t:Task) RETURN t, 1 AS pri, c.name AS via
}
WITH t, min(pri) AS pri, min(via) AS via
WITH t, CASE pri WHEN 0 THEN null ELSE via END AS via
"""

_RETURN = """
RETURN t.key AS key, properties(t) AS props, via,
       [(t)-[r:ASSIGNED_TO]->(g) | {name: coalesce(g.name, g.key), role: coalesce(r.role, 'responsible')}]
         AS agencies
"""


def _obligations_query(flt: ObligationFilter) -> tuple[str, dict[str, Any]]:
    """The obligations query for a filter: fixed fragments chosen by which filters are set, every
    value a parameter. Same predicates as EmbeddedStore.obligations (due bounds inclusive, overdue
    strictly before, undated tasks only without a date bound)."""
    params: dict[str, Any] = {}
    where: list[str] = []
    if flt.dated_only:
        where.append("t.due IS NOT NULL AND t.due <> ''")
        if flt.due_after:
            where.append("t.due >= $lo")
            params["lo"] = flt.due_after.isoformat()
        if flt.due_before:
            where.append("t.due <= $hi")
            params["hi"] = flt.due_before.isoformat()
        if flt.overdue_on:
            where.append("t.due < $cut")
            params["cut"] = flt.overdue_on.isoformat()
    if flt.policy:
        where.append("(t.policy = $policy OR t.document_title = $policy)")
        params["policy"] = flt.policy
    if flt.text:
        where.append("(t.action CONTAINS $text OR t.text CONTAINS $text)")
        params["text"] = flt.text
    cond = f"WHERE {' AND '.join(where)}\n" if where else ""
    if flt.agency:
        params["akey"] = f"Agency:{flt.agency}"
        return _BY_AGENCY + cond + _RETURN, params
    return "MATCH (t:Task)\n" + cond + "WITH t, null AS via" + _RETURN, params
