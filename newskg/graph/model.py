"""The one graph model both stores hold.

Nodes are keyed "<Label>:<id>". Document-owned nodes (Document, Article, Task, Statement, Event)
carry a `document` property and disappear with their document; shared nodes (Agency, Person,
Organization, Place, Policy, System) are keyed by canonical name and live while any edge touches
them. Every edge carries provenance: `document` (id), and where it comes from text `start`, `end`
(source offsets) and `sentence`. Replacing a document = removing its owned nodes and its edges,
then dropping shared nodes left without edges, then adding the new facts.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

OWNED_LABELS = frozenset({"Document", "Article", "Task", "Statement", "Event"})
SHARED_LABELS = frozenset({"Agency", "Person", "Organization", "Place", "Policy", "System"})
LABELS = OWNED_LABELS | SHARED_LABELS

# relationship types and what they join; the stores index nothing else
REL_TYPES = {
    "HAS_ARTICLE": ("Document", "Article"),
    "IN_ARTICLE": ("Task|Statement|Event", "Article"),
    "ASSIGNED_TO": ("Task", "Agency"),  # role: lead | participant | responsible
    "PART_OF": ("Task", "Task|Policy"),
    "ISSUED_BY": ("Policy|Document", "Agency"),
    "MENTIONS": ("Article", "Agency|Person|Organization|Place|Policy|System"),
    "MEMBER_OF": ("Agency", "Agency"),  # a ministry is a member of the collective 国务院各部门
    "HOLDS": ("Person", "Organization|Place|Agency"),  # title
    "SAID": ("Person", "Statement"),
    "PARTICIPANT": ("Event", "Person"),
    "AT": ("Event", "Place"),
}

Scalar = str | int | float | bool | None


def node_key(label: str, ident: str) -> str:
    return f"{label}:{ident}"


def short_hash(*parts: object) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Node:
    key: str
    label: str
    props: dict[str, Any] = field(default_factory=dict)  # scalars or lists of scalars only

    @property
    def owned(self) -> bool:
        return self.label in OWNED_LABELS


@dataclass(frozen=True)
class Edge:
    type: str
    src: str
    dst: str
    props: dict[str, Any] = field(default_factory=dict)  # document, start, end, sentence, role, title…

    @property
    def key(self) -> str:
        """Identity of the fact: the same edge from the same place is one edge."""
        p = self.props
        return short_hash(self.type, self.src, self.dst, p.get("document"), p.get("start"), p.get("role"),
                          p.get("title"))


@dataclass
class DocumentGraph:
    """All facts one document contributes, ready to load into a store."""
    document: str  # document id (content hash)
    path: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)

    def node(self, key: str) -> Node | None:
        return next((n for n in self.nodes if n.key == key), None)
