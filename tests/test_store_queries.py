"""One query suite for both stores: the embedded networkx file and the Neo4j server answer the same
questions with the same rows in the same order, and ingest/replace/remove the same way.

The documents are extraction records written by hand in the contract shape
(../shared/spec/extraction-output.md), turned into graphs by build_document_graph as ingest does.
"""
from __future__ import annotations

import datetime as dt
import json
import socket
from collections import Counter
from typing import Any

import pytest
from conftest import wipe_neo4j

from newskg.graph.build import build_document_graph
from newskg.graph.embedded import EmbeddedStore, StoreError
from newskg.graph.model import DocumentGraph
from newskg.graph.queries import AssignedAgency, ObligationFilter

D = dt.date.fromisoformat
FGW, CZB, JYB, ALL, GB = "国家发展改革委", "财政部", "教育部", "国务院各部门", "国务院办公厅"


def _agency(eid: str, name: str, at: int, **extra: Any) -> dict[str, Any]:
    return {"id": eid, "type": "AGENCY", "name": name, "aliases": [],
            "mentions": [{"start": at, "end": at + len(name), "text": name}], **extra}


def _task(tid: str, start: int, text: str, action: str, agencies: list[tuple[str, str]], *,
          due: str | None = None, due_from: str | None = None, relation: str = "by", article: str,
          parent: str | None = None, policy: str | None = None,
          modality: str | None = "must") -> dict[str, Any]:
    deadline = None if due is None else {"text": "期限", "start": start, "end": start + 2, "date": due,
                                          "from": due_from, "relation": relation, "approximate": False,
                                          "inherited": False}
    return {"id": tid, "article": article, "start": start, "end": start + len(text), "text": text,
            "action": action, "modality": modality, "deadline": deadline,
            "agencies": [{"name": n, "role": r} for n, r in agencies], "parent": parent, "policy": policy}


def notice_a() -> dict[str, Any]:
    """A policy notice: a plan, a collective with a member, lead/participant roles, an undated task."""
    return {
        "document": {"id": "doc-a", "path": "notices/a.txt", "title": "关于推进数据共享工作的通知",
                     "date": "2025-03-01", "date_source": "metadata", "source": "测试网"},
        "articles": [{"id": "doc-a-art1", "title": None, "start": 0, "end": 400, "source": None,
                      "credits": []}],
        "entities": [
            _agency("e-gb", GB, 0),
            _agency("e-fgw", FGW, 40, member_of=[ALL]),
            _agency("e-czb", CZB, 60),
            _agency("e-all", ALL, 80, collective=True),
            {"id": "e-plan", "type": "POLICY", "name": "数据共享实施方案", "aliases": [],
             "mentions": [{"start": 20, "end": 28, "text": "数据共享实施方案"}]},
        ],
        "tasks": [
            _task("doc-a-t1", 100, "国家发展改革委牵头，财政部参与，6月底前完成平台建设。", "完成平台建设",
                  [(FGW, "lead"), (CZB, "participant")], due="2025-06-30", article="doc-a-art1",
                  policy="e-plan"),
            _task("doc-a-t2", 140, "国务院各部门于年底前清理数据目录。", "清理数据目录",
                  [(ALL, "responsible")], due="2025-12-31", article="doc-a-art1", policy="e-plan"),
            _task("doc-a-t3", 180, "财政部做好经费保障。", "做好经费保障", [(CZB, "responsible")],
                  article="doc-a-art1", parent="doc-a-t1", modality="should"),
            _task("doc-a-t4", 210, "国家发展改革委会同国务院各部门报送进展。", "报送进展",
                  [(FGW, "lead"), (ALL, "participant")], due="2025-06-30", article="doc-a-art1"),
            _task("doc-a-t5", 250, "一季度开展评估。", "开展评估", [], due="2026-03-31",
                  due_from="2026-01-01", relation="during", article="doc-a-art1", modality="plan"),
        ],
        "roles": [], "statements": [], "events": [],
    }


def notice_b() -> dict[str, Any]:
    """A second document sharing 国家发展改革委 and the collective, with news facts."""
    return {
        "document": {"id": "doc-b", "path": "notices/b.txt", "title": "关于加强教育数据管理的意见",
                     "date": "2025-01-10", "date_source": "inferred", "source": None},
        "articles": [{"id": "doc-b-art1", "title": "要闻", "start": 0, "end": 300, "source": "测试网",
                      "credits": []}],
        "entities": [
            _agency("e-fgw", FGW, 10, member_of=[ALL]),
            _agency("e-jyb", JYB, 20),
            _agency("e-all", ALL, 30, collective=True),
            {"id": "e-zs", "type": "PERSON", "name": "张三", "aliases": [],
             "mentions": [{"start": 200, "end": 202, "text": "张三"}]},
            {"id": "e-bj", "type": "PLACE", "name": "北京", "aliases": [],
             "mentions": [{"start": 240, "end": 242, "text": "北京"}]},
        ],
        "tasks": [
            _task("doc-b-t1", 50, "国家发展改革委于3月31日前制定标准。", "制定标准", [(FGW, "lead")],
                  due="2025-03-31", article="doc-b-art1"),
            _task("doc-b-t2", 90, "教育部于9月30日前完成数据清理。", "完成数据清理", [(JYB, "lead")],
                  due="2025-09-30", article="doc-b-art1"),
            _task("doc-b-t3", 130, "国务院各部门加强协同。", "加强协同", [(ALL, "responsible")],
                  article="doc-b-art1", modality="should"),
        ],
        "roles": [{"person": "张三", "title": "部长", "organization": JYB}],
        "statements": [{"speaker": "张三", "verb": "表示", "start": 200, "end": 212,
                        "text": "张三表示将加快推进。"}],
        "events": [{"type": "会议", "date": "2025-01-09", "participants": ["张三"], "places": ["北京"],
                    "start": 230, "end": 245, "text": "会议在北京召开。"}],
    }


def notice_a2() -> dict[str, Any]:
    """notices/a.txt edited: one task left, 财政部 and the plan gone."""
    rec = notice_a()
    rec["document"]["id"] = "doc-a2"
    rec["articles"][0]["id"] = "doc-a2-art1"
    rec["entities"] = [_agency("e-gb", GB, 0), _agency("e-fgw", FGW, 40)]
    rec["tasks"] = [_task("doc-a2-t1", 100, "国家发展改革委7月底前完成平台建设。", "完成平台建设",
                          [(FGW, "lead")], due="2025-07-31", article="doc-a2-art1")]
    return rec


def graph(rec: dict[str, Any]) -> DocumentGraph:
    return build_document_graph(rec, issuer=GB)


def load(st: Any) -> None:
    assert st.put(graph(notice_a()), "hash-a").status == "ingested"
    assert st.put(graph(notice_b()), "hash-b").status == "ingested"
    st.commit()


def keys(rows: list[Any]) -> list[str]:
    return [r.task.removeprefix("Task:") for r in rows]


def vias(rows: list[Any]) -> list[tuple[str, str | None]]:
    return [(r.task.removeprefix("Task:"), r.via_collective) for r in rows]


def expected_stats(*graphs: DocumentGraph) -> tuple[dict[str, int], dict[str, int]]:
    labels = {n.key: n.label for g in graphs for n in g.nodes}
    return dict(Counter(labels.values())), dict(Counter(e.type for g in graphs for e in g.edges))


# -- queries --------------------------------------------------------------------------------------

ALL_ORDER = ["doc-b-t1", "doc-a-t1", "doc-a-t4", "doc-b-t2", "doc-a-t2", "doc-a-t5", "doc-a-t3", "doc-b-t3"]


def test_all_obligations_in_order_with_every_field(store):
    load(store)
    rows = store.obligations(ObligationFilter())
    assert keys(rows) == ALL_ORDER  # due, then undated; same due: path, then start
    t1 = rows[1]
    assert t1.to_json() == {
        "task": "Task:doc-a-t1", "due": "2025-06-30", "due_from": None, "relation": "by",
        "deadline_text": "期限", "action": "完成平台建设",
        "text": "国家发展改革委牵头，财政部参与，6月底前完成平台建设。", "modality": "must",
        "agencies": [{"name": FGW, "role": "lead"}, {"name": CZB, "role": "participant"}],
        "via_collective": None, "document": "doc-a", "path": "notices/a.txt",
        "title": "关于推进数据共享工作的通知", "start": 100, "end": 127, "policy": "数据共享实施方案",
        "parent": None}
    t3, t5 = rows[6], rows[5]
    assert (t3.due, t3.parent, t3.agencies) == (None, "Task:doc-a-t1", (AssignedAgency(CZB, "responsible"),))
    assert (t5.due, t5.due_from, t5.relation, t5.agencies) == ("2026-03-31", "2026-01-01", "during", ())


@pytest.mark.parametrize("flt, expected", [
    (ObligationFilter(due_before=D("2025-06-30")), ["doc-b-t1", "doc-a-t1", "doc-a-t4"]),  # inclusive
    (ObligationFilter(due_before=D("2025-06-29")), ["doc-b-t1"]),
    (ObligationFilter(due_after=D("2025-12-31")), ["doc-a-t2", "doc-a-t5"]),  # inclusive
    (ObligationFilter(due_after=D("2025-04-01"), due_before=D("2025-09-30")),
     ["doc-a-t1", "doc-a-t4", "doc-b-t2"]),
    (ObligationFilter(overdue_on=D("2025-06-30")), ["doc-b-t1"]),  # strictly before
    (ObligationFilter(overdue_on=D("2025-07-01")), ["doc-b-t1", "doc-a-t1", "doc-a-t4"]),
    (ObligationFilter(overdue_on=D("2025-01-01")), []),
    (ObligationFilter(due_after=D("2025-07-01"), overdue_on=D("2026-01-01")), ["doc-b-t2", "doc-a-t2"]),
])
def test_due_windows(store, flt, expected):
    load(store)
    assert keys(store.obligations(flt)) == expected


def test_agency_filter_reaches_tasks_of_its_collectives(store):
    load(store)
    rows = store.obligations(ObligationFilter(agency=FGW))
    assert vias(rows) == [
        ("doc-b-t1", None), ("doc-a-t1", None),
        ("doc-a-t4", None),  # assigned directly and through the collective: direct wins
        ("doc-a-t2", ALL), ("doc-b-t3", ALL)]
    # 教育部 is no member of the collective: only its own task
    assert keys(store.obligations(ObligationFilter(agency=JYB))) == ["doc-b-t2"]
    # the collective itself: its own tasks, direct
    rows = store.obligations(ObligationFilter(agency=ALL))
    assert vias(rows) == [
        ("doc-a-t4", None), ("doc-a-t2", None), ("doc-b-t3", None)]
    assert keys(store.obligations(ObligationFilter(agency=CZB))) == ["doc-a-t1", "doc-a-t3"]
    assert store.obligations(ObligationFilter(agency="不存在的部门")) == []


def test_filters_combine(store):
    load(store)
    assert keys(store.obligations(ObligationFilter(agency=FGW, due_before=D("2025-06-30")))) == [
        "doc-b-t1", "doc-a-t1", "doc-a-t4"]
    assert keys(store.obligations(ObligationFilter(agency=FGW, overdue_on=D("2026-01-01"), text="数据"))) == [
        "doc-a-t2"]
    assert keys(store.obligations(ObligationFilter(policy="数据共享实施方案", agency=CZB))) == ["doc-a-t1"]


def test_policy_filter_by_policy_name_or_document_title(store):
    load(store)
    assert keys(store.obligations(ObligationFilter(policy="数据共享实施方案"))) == ["doc-a-t1", "doc-a-t2"]
    assert keys(store.obligations(ObligationFilter(policy="关于加强教育数据管理的意见"))) == [
        "doc-b-t1", "doc-b-t2", "doc-b-t3"]
    assert store.obligations(ObligationFilter(policy="数据共享")) == []  # equality, not substring


def test_text_filter_on_action_or_sentence(store):
    load(store)
    assert keys(store.obligations(ObligationFilter(text="数据"))) == ["doc-b-t2", "doc-a-t2"]  # actions
    assert keys(store.obligations(ObligationFilter(text="牵头"))) == ["doc-a-t1"]  # only in the sentence
    # user text is a value, never Cypher
    assert store.obligations(ObligationFilter(text="' OR 1=1 //")) == []
    assert store.obligations(ObligationFilter(agency="x'}) MATCH (n) DETACH DELETE n //")) == []
    assert store.stats().nodes["Task"] == 8


# -- ingest, replace, remove, ledger ----------------------------------------------------------------

def test_stats_count_nodes_by_label_and_relationships_by_type(store):
    assert (store.stats().nodes, store.stats().relationships) == ({}, {})
    load(store)
    st = store.stats()
    nodes, rels = expected_stats(graph(notice_a()), graph(notice_b()))
    assert (st.nodes, st.relationships) == (dict(sorted(nodes.items())), dict(sorted(rels.items())))
    assert st.nodes == {"Agency": 5, "Article": 2, "Document": 2, "Event": 1, "Person": 1, "Place": 1,
                        "Policy": 1, "Statement": 1, "Task": 8}
    rels = st.relationships
    assert (rels["ASSIGNED_TO"], rels["MEMBER_OF"], rels["PART_OF"]) == (9, 2, 3)
    assert list(st.nodes) == sorted(st.nodes)


def test_reput_is_idempotent(store):
    load(store)
    before = store.stats()
    rows = store.obligations(ObligationFilter())
    assert store.put(graph(notice_a()), "hash-a").status == "unchanged"
    assert store.put(graph(notice_b()), "hash-b").status == "unchanged"
    assert store.stats() == before
    assert store.obligations(ObligationFilter()) == rows
    assert store.ledger() == {"notices/a.txt": "hash-a", "notices/b.txt": "hash-b"}


def test_changed_content_replaces_old_facts(store_factory):
    store = store_factory()
    load(store)
    res = store.put(graph(notice_a2()), "hash-a2")
    assert (res.status, res.document) == ("replaced", "doc-a2")
    store.commit()
    assert store.ledger() == {"notices/a.txt": "hash-a2", "notices/b.txt": "hash-b"}
    assert keys(store.obligations(ObligationFilter())) == ["doc-b-t1", "doc-a2-t1", "doc-b-t2", "doc-b-t3"]
    agencies = {k for k, _ in store.nodes("Agency")}
    # 财政部 was only in the old version: gone with its edges; the shared ones stay
    assert agencies == {f"Agency:{n}" for n in (FGW, JYB, ALL, GB)}
    assert store.nodes("Policy") == []
    assert {k for k, _ in store.nodes("Document")} == {"Document:doc-a2", "Document:doc-b"}
    assert not [e for e in store.edges() if e[2]["document"] == "doc-a"]
    # the collective is still reached through doc-b's MEMBER_OF edge
    rows = store.obligations(ObligationFilter(agency=FGW))
    assert vias(rows) == [
        ("doc-b-t1", None), ("doc-a2-t1", None), ("doc-b-t3", ALL)]
    nodes, rels = expected_stats(graph(notice_a2()), graph(notice_b()))
    assert (store.stats().nodes, store.stats().relationships) == (dict(sorted(nodes.items())),
                                                                  dict(sorted(rels.items())))
    # reopening sees the same (durable after commit)
    if store_factory.kind == "embedded":
        store.close()
    again = store_factory()
    assert keys(again.obligations(ObligationFilter())) == ["doc-b-t1", "doc-a2-t1", "doc-b-t2", "doc-b-t3"]


def test_remove_drops_a_document_and_its_orphans(store):
    load(store)
    assert store.remove("notices/b.txt") is True
    assert store.remove("notices/b.txt") is False
    assert store.remove("never/ingested.txt") is False
    assert store.ledger() == {"notices/a.txt": "hash-a"}
    assert keys(store.obligations(ObligationFilter())) == [k for k in ALL_ORDER if k.startswith("doc-a")]
    nodes, rels = expected_stats(graph(notice_a()))
    assert (store.stats().nodes, store.stats().relationships) == (dict(sorted(nodes.items())),
                                                                  dict(sorted(rels.items())))
    assert store.obligations(ObligationFilter(agency=JYB)) == []
    assert store.remove("notices/a.txt") is True
    assert (store.stats().nodes, store.stats().relationships, store.ledger()) == ({}, {}, {})


def test_two_paths_with_the_same_content_share_one_document(store):
    load(store)
    before = store.stats()
    copy = notice_a()
    copy["document"]["path"] = "copies/a.txt"
    assert store.put(graph(copy), "hash-a").status == "ingested"
    assert store.stats() == before  # facts are the document's, not the path's
    assert store.ledger() == {"notices/a.txt": "hash-a", "notices/b.txt": "hash-b", "copies/a.txt": "hash-a"}
    assert store.remove("notices/a.txt")
    assert store.stats() == before  # still held by the copy
    assert "doc-a-t1" in keys(store.obligations(ObligationFilter()))
    assert store.remove("copies/a.txt")
    assert "doc-a-t1" not in keys(store.obligations(ObligationFilter()))
    assert store.stats().nodes["Document"] == 1


def test_readers_have_embedded_shapes(store):
    load(store)
    (key, props), = [n for n in store.nodes("Agency") if n[0] == f"Agency:{ALL}"]
    assert props == {"label": "Agency", "name": ALL, "type": "AGENCY", "collective": True}
    member = [e for e in store.edges("MEMBER_OF") if e[2]["document"] == "doc-b"]
    assert member == [(f"Agency:{FGW}", f"Agency:{ALL}", {"type": "MEMBER_OF", "document": "doc-b"})]
    assert store.nodes("NoSuchLabel") == [] and store.edges("NO_SUCH_TYPE") == []
    assert len(store.nodes()) == sum(store.stats().nodes.values())
    assert len(store.edges()) == sum(store.stats().relationships.values())


# -- the two stores side by side ------------------------------------------------------------------

FILTERS = [
    ObligationFilter(), ObligationFilter(due_before=D("2025-06-30")),
    ObligationFilter(due_after=D("2025-07-01")),
    ObligationFilter(overdue_on=D("2025-10-01")), ObligationFilter(agency=FGW), ObligationFilter(agency=ALL),
    ObligationFilter(agency=CZB, due_after=D("2025-01-01")), ObligationFilter(policy="数据共享实施方案"),
    ObligationFilter(text="数据"), ObligationFilter(text="完成", agency=FGW), ObligationFilter(agency="无"),
]


def _snapshot(st: Any) -> dict[str, Any]:
    def canon(items: list[Any]) -> list[str]:
        return sorted(json.dumps(x, ensure_ascii=False, sort_keys=True) for x in items)

    return {"rows": [[r.to_json() for r in st.obligations(f)] for f in FILTERS], "stats": st.stats(),
            "ledger": st.ledger(), "nodes": canon(st.nodes()), "edges": canon(st.edges())}


@pytest.mark.neo4j
def test_both_stores_give_equal_results(tmp_path, neo4j_uri_auth):
    from newskg.graph.neo4j_store import Neo4jStore

    wipe_neo4j(neo4j_uri_auth)
    with EmbeddedStore(tmp_path) as emb, Neo4jStore(*neo4j_uri_auth) as neo:
        snaps: dict[str, list[dict[str, Any]]] = {"embedded": [], "neo4j": []}
        steps = [("put", notice_a(), "hash-a"), ("put", notice_b(), "hash-b"),
                 ("put", notice_a2(), "hash-a2"), ("remove", "notices/b.txt", None),
                 ("put", notice_b(), "hash-b"), ("put", notice_a(), "hash-a")]
        for op, arg, h in steps:
            for name, st in (("embedded", emb), ("neo4j", neo)):
                if op == "put":
                    st.put(graph(arg), h)
                else:
                    st.remove(arg)
                snaps[name].append(_snapshot(st))
        assert len(snaps["embedded"]) == len(snaps["neo4j"]) == len(steps)
        for i, (e, n) in enumerate(zip(snaps["embedded"], snaps["neo4j"], strict=True)):
            assert e == n, f"stores differ after step {i}: {steps[i][0]}"
        assert any(r for r in snaps["neo4j"][-1]["rows"])  # the comparison compared something


# -- Neo4j only -------------------------------------------------------------------------------------

@pytest.mark.neo4j
def test_cypher_is_read_only_by_default(neo4j_uri_auth):
    from newskg.graph.neo4j_store import Neo4jStore

    wipe_neo4j(neo4j_uri_auth)
    with Neo4jStore(*neo4j_uri_auth) as st:
        load(st)
        got = st.cypher("MATCH (t:Task) WHERE t.due <= $d RETURN t.key AS key ORDER BY key",
                        {"d": "2025-06-30"})
        assert got == [{"key": "Task:doc-a-t1"}, {"key": "Task:doc-a-t4"}, {"key": "Task:doc-b-t1"}]
        with pytest.raises(StoreError, match="read access mode") as e:
            st.cypher("CREATE (n:Task {key: $k}) RETURN n", {"k": "Task:intruder"})
        assert "\n" not in str(e.value)
        assert st.cypher("MATCH (n {key: 'Task:intruder'}) RETURN n") == []
        st.cypher("MATCH (t:Task {key: $k}) SET t.checked = true", {"k": "Task:doc-b-t1"}, write=True)
        assert st.cypher("MATCH (t:Task) WHERE t.checked RETURN t.key AS k") == [{"k": "Task:doc-b-t1"}]


@pytest.mark.neo4j
def test_schema_is_created_once_and_kept_in_step(neo4j_uri_auth):
    from newskg.graph.neo4j_store import Neo4jStore

    with Neo4jStore(*neo4j_uri_auth) as a, Neo4jStore(*neo4j_uri_auth) as b:
        names = {r["name"] for r in a.cypher("SHOW CONSTRAINTS YIELD name RETURN name")}
        assert {"newskg_task_key", "newskg_agency_key", "newskg_ledger_path"} <= names
        idx = {r["name"]: r["type"] for r in b.cypher("SHOW INDEXES YIELD name, type RETURN name, type")}
        assert idx["newskg_task_due"] == "RANGE" and idx["newskg_task_fulltext"] == "FULLTEXT"
        assert idx["newskg_agency_name"] == "RANGE"
        b.cypher("CREATE INDEX newskg_retired IF NOT EXISTS FOR (t:Task) ON (t.modality)", write=True)
    with Neo4jStore(*neo4j_uri_auth) as c:  # an index an older version made is dropped on open
        idx2 = {r["name"]: r["type"] for r in c.cypher("SHOW INDEXES YIELD name, type RETURN name, type")}
        assert "newskg_retired" not in idx2 and idx2 == idx


@pytest.mark.neo4j
def test_a_failed_put_changes_nothing(neo4j_uri_auth):
    """The replace runs in one transaction: an edge to a node that is nowhere rolls it all back."""
    from newskg.graph.neo4j_store import Neo4jStore

    wipe_neo4j(neo4j_uri_auth)
    with Neo4jStore(*neo4j_uri_auth, batch_size=2) as st:
        load(st)
        before = (st.stats(), st.ledger(), st.obligations(ObligationFilter()))
        bad = graph(notice_a2())
        bad.edges.append(type(bad.edges[0])("ASSIGNED_TO", "Task:doc-a2-t1", "Agency:幽灵局",
                                            {"document": "doc-a2", "start": 1, "role": "lead"}))
        with pytest.raises(StoreError, match="幽灵局"):
            st.put(bad, "hash-a2")
        assert (st.stats(), st.ledger(), st.obligations(ObligationFilter())) == before


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.neo4j
def test_connection_problems_are_one_line_errors(neo4j_uri_auth):
    from newskg.graph.neo4j_store import Neo4jStore

    uri, user, password = neo4j_uri_auth
    cases = [((uri, user, password + "-wrong"), "refused the credentials"),
             ((f"bolt://127.0.0.1:{_free_port()}", user, password), "not reachable"),
             (("http//nowhere", user, password), "bad Neo4j URI")]
    for args, message in cases:
        with pytest.raises(StoreError, match=message) as e:
            Neo4jStore(*args)
        assert "\n" not in str(e.value) and "Traceback" not in str(e.value)
