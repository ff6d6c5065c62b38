"""Files in, facts in the store: read, extract, build, put — skipping unchanged files before any
NLP runs, and reporting one reason per file that could not be read."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from newskg.corpus.document import MAX_BYTES, content_hash, load_document, read_text
from newskg.corpus.errors import InputError
from newskg.graph.build import build_document_graph
from newskg.graph.queries import GraphStore


@dataclass(frozen=True)
class FileOutcome:
    path: str
    status: str  # ingested | unchanged | replaced | failed
    reason: str | None = None
    tasks: int = 0
    size: int = 0


@dataclass(frozen=True)
class IngestOptions:
    date: dt.date | None = None
    source: str | None = None
    max_bytes: int = MAX_BYTES


def extract_file(extractor, path: str, opts: IngestOptions) -> dict:
    """The extraction record of one file (raises InputError with a one-line reason)."""
    doc = load_document(path, date=opts.date, source=opts.source, max_bytes=opts.max_bytes)
    rec = extractor.extract(doc).to_json()
    rec["document"]["issuer"] = doc.issuer
    return rec


def ingest_paths(store: GraphStore, extractor_factory: Callable[[], object], paths: Iterable[str],
                 opts: IngestOptions, *, commit_every: int = 200) -> Iterator[FileOutcome]:
    """Ingest files one by one into `store` (single process); commits every `commit_every` files
    and at the end, so a killed run loses at most the uncommitted files, which the ledger redoes."""
    ledger = store.ledger()
    extractor = None
    done = 0
    for path in paths:
        try:
            text, _ = read_text(path, max_bytes=opts.max_bytes)
        except InputError as e:
            yield FileOutcome(path, "failed", str(e))
            continue
        if ledger.get(path) == content_hash(text):
            yield FileOutcome(path, "unchanged", size=len(text))
            continue
        if extractor is None:
            extractor = extractor_factory()
        try:
            rec = extract_file(extractor, path, opts)
        except InputError as e:
            yield FileOutcome(path, "failed", str(e))
            continue
        graph = build_document_graph(rec, issuer=rec["document"].get("issuer"))
        res = store.put(graph, rec["document"]["id"])
        ledger[path] = rec["document"]["id"]
        done += 1
        if done % commit_every == 0:
            store.commit()
        yield FileOutcome(path, res.status, tasks=len(rec["tasks"]), size=len(text))
    store.commit()
