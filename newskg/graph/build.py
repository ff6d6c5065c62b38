"""An extraction record (the JSON Lines contract) becomes the facts of one document in the graph
model. Only the record is read, so a saved `newskg extract` output loads the same way."""
from __future__ import annotations

from typing import Any

from newskg.graph.model import DocumentGraph, Edge, Node, node_key, short_hash

ENTITY_LABELS = {"AGENCY": "Agency", "PERSON": "Person", "ORGANIZATION": "Organization", "PLACE": "Place",
                 "POLICY": "Policy", "EVENT": "Policy", "SYSTEM": "System"}


class _Builder:
    def __init__(self, doc_id: str, path: str):
        self.g = DocumentGraph(doc_id, path)
        self._keys: set[str] = set()
        self._edges: set[str] = set()

    def node(self, label: str, ident: str, **props: Any) -> str:
        key = node_key(label, ident)
        if key not in self._keys:
            self._keys.add(key)
            if label in ("Document", "Article", "Task", "Statement", "Event"):
                props.setdefault("document", self.g.document)
            self.g.nodes.append(Node(key, label, {k: v for k, v in props.items() if v is not None}))
        return key

    def edge(self, type_: str, src: str, dst: str, **props: Any) -> None:
        props["document"] = self.g.document
        e = Edge(type_, src, dst, {k: v for k, v in props.items() if v is not None})
        if e.key not in self._edges:
            self._edges.add(e.key)
            self.g.edges.append(e)


def build_document_graph(rec: dict[str, Any], *, issuer: str | None = None) -> DocumentGraph:
    d = rec["document"]
    b = _Builder(d["id"], d["path"])
    doc = b.node("Document", d["id"], id=d["id"], path=d["path"], title=d.get("title"), date=d.get("date"),
                 date_source=d.get("date_source"), source=d.get("source"))
    ent_key: dict[str, str] = {}
    ent_name: dict[str, str] = {}
    for e in rec.get("entities", []):
        label = ENTITY_LABELS.get(e["type"], "Organization")
        props: dict[str, Any] = {"name": e["name"], "type": e["type"]}
        if label == "Agency":
            props["collective"] = bool(e.get("collective", False))
        ent_key[e["id"]] = b.node(label, e["name"], **props)
        ent_name[e["id"]] = e["name"]
    by_name = {ent_name[i]: k for i, k in ent_key.items()}
    for e in rec.get("entities", []):
        for coll in e.get("member_of", []) or []:
            ck = b.node("Agency", coll, name=coll, type="AGENCY", collective=True)
            b.edge("MEMBER_OF", ent_key[e["id"]], ck)
    arts: dict[str, str] = {}
    for a in rec.get("articles", []):
        arts[a["id"]] = b.node("Article", a["id"], id=a["id"], title=a.get("title"), source=a.get("source"),
                               start=a["start"], end=a["end"])
        b.edge("HAS_ARTICLE", doc, arts[a["id"]], start=a["start"], end=a["end"])
    for a in rec.get("articles", []):
        for e in rec.get("entities", []):
            ms = [m for m in e.get("mentions", []) if a["start"] <= m["start"] < a["end"]]
            if ms:
                b.edge("MENTIONS", arts[a["id"]], ent_key[e["id"]], start=ms[0]["start"], end=ms[0]["end"],
                       count=len(ms))
    if issuer and issuer in by_name:
        b.edge("ISSUED_BY", doc, by_name[issuer])
    tasks = {t["id"]: t for t in rec.get("tasks", [])}
    for t in rec.get("tasks", []):
        dl = t.get("deadline") or {}
        policy = ent_name.get(t.get("policy") or "")
        key = b.node("Task", t["id"], id=t["id"], path=d["path"], document_title=d.get("title"),
                     article=t.get("article"), start=t["start"], end=t["end"], text=t["text"],
                     action=t.get("action", ""), modality=t.get("modality"), due=dl.get("date"),
                     due_from=dl.get("from"), relation=dl.get("relation"), deadline_text=dl.get("text"),
                     approximate=dl.get("approximate"), inherited=dl.get("inherited"),
                     parent=node_key("Task", t["parent"]) if t.get("parent") in tasks else None,
                     policy=policy)
        prov = {"start": t["start"], "end": t["end"], "sentence": t["text"]}
        if t.get("article") in arts:
            b.edge("IN_ARTICLE", key, arts[t["article"]], **prov)
        for ag in t.get("agencies", []):
            akey = by_name.get(ag["name"]) or b.node("Agency", ag["name"], name=ag["name"], type="AGENCY",
                                                      collective=False)
            b.edge("ASSIGNED_TO", key, akey, role=ag.get("role", "responsible"), **prov)
    for t in rec.get("tasks", []):
        key = node_key("Task", t["id"])
        if t.get("parent") in tasks:
            b.edge("PART_OF", key, node_key("Task", t["parent"]), start=t["start"], end=t["end"])
        elif t.get("policy") in ent_key:
            b.edge("PART_OF", key, ent_key[t["policy"]], start=t["start"], end=t["end"])
            if issuer and issuer in by_name:
                b.edge("ISSUED_BY", ent_key[t["policy"]], by_name[issuer])
    _news(b, rec, by_name)
    return b.g


def _person(b: _Builder, by_name: dict[str, str], name: str) -> str:
    return by_name.get(name) or b.node("Person", name, name=name, type="PERSON")


def _news(b: _Builder, rec: dict[str, Any], by_name: dict[str, str]) -> None:
    for r in rec.get("roles", []):
        p = _person(b, by_name, r["person"])
        org = r.get("organization")
        if org:
            o = by_name.get(org) or b.node("Organization", org, name=org, type="ORGANIZATION")
            b.edge("HOLDS", p, o, title=r.get("title"), start=r.get("start"), end=r.get("end"))
    for s in rec.get("statements", []):
        sid = s.get("id") or short_hash(b.g.document, s["start"], s["end"])
        sk = b.node("Statement", sid, id=sid, verb=s.get("verb"), text=s.get("text"), start=s["start"],
                    end=s["end"], speaker=s.get("speaker"))
        if s.get("speaker"):
            b.edge("SAID", _person(b, by_name, s["speaker"]), sk, start=s["start"], end=s["end"],
                   sentence=s.get("text"))
    for ev in rec.get("events", []):
        eid = ev.get("id") or short_hash(b.g.document, ev["start"], ev["end"], ev.get("type"))
        ek = b.node("Event", eid, id=eid, type=ev.get("type"), date=ev.get("date"), text=ev.get("text"),
                    start=ev["start"], end=ev["end"])
        prov = {"start": ev["start"], "end": ev["end"], "sentence": ev.get("text")}
        for p in ev.get("participants", []):
            b.edge("PARTICIPANT", ek, _person(b, by_name, p), **prov)
        for pl in ev.get("places", []):
            plk = by_name.get(pl) or b.node("Place", pl, name=pl, type="PLACE")
            b.edge("AT", ek, plk, **prov)
