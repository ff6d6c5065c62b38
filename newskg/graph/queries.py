"""What analysts ask, defined once: filters, result rows, and the store interface both stores obey.

The embedded store answers in Python over networkx, the Neo4j store in Cypher; the shared query
tests hold both to the same rows in the same order (`Obligation.sort_key`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from newskg.graph.model import DocumentGraph


@dataclass(frozen=True)
class ObligationFilter:
    due_before: dt.date | None = None  # due on or before
    due_after: dt.date | None = None  # due on or after
    overdue_on: dt.date | None = None  # due strictly before this day
    agency: str | None = None  # canonical agency name; tasks of its collectives count, marked
    policy: str | None = None  # canonical policy name, or the document title
    text: str | None = None  # substring of the action or the task text
    include_undated: bool = True  # undated tasks are listed when no date bound is given

    @property
    def dated_only(self) -> bool:
        return bool(self.due_before or self.due_after or self.overdue_on)


@dataclass(frozen=True, order=True)  # order: rows list agencies sorted by (name, role)
class AssignedAgency:
    name: str
    role: str


@dataclass(frozen=True)
class Obligation:
    task: str  # node key
    due: str | None
    due_from: str | None
    relation: str | None
    deadline_text: str | None
    action: str
    text: str
    modality: str | None
    agencies: tuple[AssignedAgency, ...]
    via_collective: str | None  # set when the task matched the asked agency through a collective
    document: str
    path: str
    title: str | None
    start: int
    end: int
    policy: str | None
    parent: str | None

    def sort_key(self) -> tuple:
        return (self.due is None, self.due or "", self.path, self.start, self.task)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["agencies"] = [asdict(a) for a in self.agencies]
        return d


@dataclass(frozen=True)
class IngestResult:
    path: str
    status: str  # ingested | unchanged | replaced
    document: str


@dataclass
class Stats:
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)


class GraphStore(Protocol):
    """Both stores: the embedded networkx file and the Neo4j server."""

    def ledger(self) -> dict[str, str]:
        """path -> content hash of every ingested file."""

    def put(self, graph: DocumentGraph, content_hash: str) -> IngestResult:
        """Add a document's facts; unchanged content is a no-op, changed content replaces."""

    def remove(self, path: str) -> bool:
        """Drop the facts of the file at path; True if there were any."""

    def commit(self) -> None:
        """Make everything put so far durable."""

    def obligations(self, flt: ObligationFilter) -> list[Obligation]:
        ...

    def stats(self) -> Stats:
        ...

    def close(self) -> None:
        ...


def obligation_row(key: str, t: dict[str, Any], agencies: tuple[AssignedAgency, ...],
                   via: str | None) -> Obligation:
    """A result row from a Task node's properties: the one place both stores build rows."""
    return Obligation(
        task=key, due=t.get("due"), due_from=t.get("due_from"), relation=t.get("relation"),
        deadline_text=t.get("deadline_text"), action=t.get("action", ""), text=t.get("text", ""),
        modality=t.get("modality"), agencies=agencies, via_collective=via, document=t["document"],
        path=t.get("path", ""), title=t.get("document_title"), start=t["start"], end=t["end"],
        policy=t.get("policy"), parent=t.get("parent"))
