"""The embedded store's file: atomic writes, one writer, refusing what is not a store."""
from __future__ import annotations

import os
import pickle

import pytest

from newskg.graph.embedded import EmbeddedStore, StoreError
from newskg.graph.model import DocumentGraph, Edge, Node


def _doc(doc_id: str, path: str, agency: str = "财政部") -> DocumentGraph:
    task = Node(f"Task:{doc_id}-1", "Task", {"document": doc_id, "start": 0, "end": 5, "text": "做事",
                                             "action": "做事", "due": "2020-06-30", "path": path})
    ag = Node(f"Agency:{agency}", "Agency", {"name": agency})
    return DocumentGraph(doc_id, path, [task, ag], [Edge("ASSIGNED_TO", task.key, ag.key,
                                                         {"document": doc_id, "start": 0, "role": "lead"})])


def test_crash_during_write_leaves_previous_store(tmp_path, monkeypatch):
    with EmbeddedStore(tmp_path) as st:
        st.put(_doc("d1", "a.txt"), "h1")
        st.commit()
    before = (tmp_path / "graph.pickle").read_bytes()
    with EmbeddedStore(tmp_path) as st:
        st.put(_doc("d2", "b.txt", "商务部"), "h2")

        def boom(*a, **k):
            raise OSError("disk full")

        monkeypatch.setattr(os, "replace", boom)
        with pytest.raises(OSError):
            st.commit()
    monkeypatch.undo()
    assert (tmp_path / "graph.pickle").read_bytes() == before
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
    with EmbeddedStore(tmp_path) as st:
        assert st.ledger() == {"a.txt": "h1"}


def test_one_writer_at_a_time(tmp_path):
    with EmbeddedStore(tmp_path), pytest.raises(StoreError, match="in use"):
        EmbeddedStore(tmp_path)


def test_a_foreign_file_is_not_taken_for_a_store(tmp_path):
    (tmp_path / "graph.pickle").write_bytes(pickle.dumps({"something": "else"}))
    with pytest.raises(StoreError, match="not a"):
        EmbeddedStore(tmp_path)
    (tmp_path / "graph.pickle").write_bytes(b"garbage")
    with pytest.raises(StoreError, match="unreadable"):
        EmbeddedStore(tmp_path)


def test_readonly_store_never_writes(tmp_path):
    with EmbeddedStore(tmp_path) as st:
        st.put(_doc("d1", "a.txt"), "h1")
        st.commit()
    mtime = os.stat(tmp_path / "graph.pickle").st_mtime_ns
    ro = EmbeddedStore(tmp_path, readonly=True)
    ro.put(_doc("d2", "b.txt"), "h2")
    ro.commit()
    assert os.stat(tmp_path / "graph.pickle").st_mtime_ns == mtime
