"""One file's work, defined once: read and hash it (in the process that owns the store), extract
and build its graph (in whichever process extracts: this one, a pool worker, or a Dask worker).

The batch runner (newskg.batch) schedules these functions; `extract` (the CLI command) and the
tests call them directly, so every route gives the same facts for the same file.
"""
from __future__ import annotations

import datetime as dt
import functools
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from newskg.corpus.document import MAX_BYTES, content_hash, parse_document, read_text
from newskg.corpus.errors import InputError
from newskg.graph.build import build_document_graph
from newskg.graph.model import DocumentGraph
from newskg.graph.queries import GraphStore


class SetupError(RuntimeError):
    """The pipeline cannot run at all (missing or mismatched model data): no file can succeed."""


@dataclass(frozen=True)
class FileOutcome:
    path: str
    status: str  # ingested | unchanged | replaced | failed
    reason: str | None = None
    tasks: int = 0
    size: int = 0  # bytes on disk


@dataclass(frozen=True)
class IngestOptions:
    date: dt.date | None = None
    source: str | None = None
    max_bytes: int = MAX_BYTES


@dataclass
class Extracted:
    """What a worker sends back for one file: its graph, or the one-line reason it has none."""
    path: str
    document: str | None = None  # the content hash, which is also the document id
    graph: DocumentGraph | None = None
    tasks: int = 0
    reason: str | None = None


@dataclass(frozen=True)
class Planned:
    """A file read in the parent: its hash decides whether any NLP runs on it."""
    path: str
    size: int
    hash: str | None = None
    reason: str | None = None  # unreadable: why


def plan_file(path: str, opts: IngestOptions) -> Planned:
    try:
        size_on_disk = _size(path)
        text, _ = read_text(path, max_bytes=opts.max_bytes)
    except InputError as e:
        return Planned(path, 0, reason=str(e))
    return Planned(path, size_on_disk, content_hash(text))


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


@functools.lru_cache(maxsize=1)
def _process_extractor() -> tuple[object, threading.Lock]:
    """The extractor of this process, built on first use (1-2 s) and kept: a pool worker or a Dask
    worker builds it once. The lock serialises threads (a Dask worker may run several)."""
    from newskg.nlp.extract import Extractor

    return Extractor(), threading.Lock()


def process_extractor() -> tuple[object, threading.Lock]:
    try:
        return _process_extractor()
    except Exception as e:  # not one file's fault: every file would fail alike, so stop the batch
        raise SetupError(f"cannot build the extractor: {type(e).__name__}: {' '.join(str(e).split())}") from e


def warm_up() -> None:
    """Build this process's extractor now (a pool initializer), so the first file is not slow."""
    process_extractor()


def extract_document(extractor, path: str, text: str, encoding: str, opts: IngestOptions) -> dict:
    """The extraction record of decoded text (raises InputError with a one-line reason)."""
    # spaCy refuses texts over nlp.max_length (1M characters) to protect its parser and NER, which
    # this pipeline does not use; our components are linear in the text, and read_text already
    # bounds the size, so the text we were handed is allowed whatever its length.
    extractor.nlp.max_length = max(extractor.nlp.max_length, len(text) + 1)
    doc = parse_document(path, text, encoding=encoding, date=opts.date, source=opts.source)
    rec = extractor.extract(doc).to_json()
    rec["document"]["issuer"] = doc.issuer
    return rec


def extract_file(extractor, path: str, opts: IngestOptions) -> dict:
    """The extraction record of one file (raises InputError with a one-line reason)."""
    text, enc = read_text(path, max_bytes=opts.max_bytes)
    return extract_document(extractor, path, text, enc, opts)


def extract_graph(path: str, text: str, encoding: str, opts: IngestOptions) -> Extracted:
    """The per-file extract function of every route (inline, process pool, Dask): never raises for
    a bad file, so one file cannot stop a batch; the reason is one line. SetupError when the
    pipeline cannot be built at all."""
    extractor, lock = process_extractor()
    try:
        with lock:
            rec = extract_document(extractor, path, text, encoding, opts)
        graph = build_document_graph(rec, issuer=rec["document"].get("issuer"))
    except InputError as e:
        return Extracted(path, reason=str(e))
    except MemoryError:
        return Extracted(path, reason="ran out of memory extracting it (split the file, or allow more with "
                                      "--worker-memory)")
    except RecursionError:
        return Extracted(path, reason="extraction failed: structure nested too deeply")
    except Exception as e:  # a bug met on odd text: report it for this file, go on with the rest
        msg = " ".join(str(e).split())[:200]
        return Extracted(path, reason=f"extraction failed: {type(e).__name__}: {msg}")
    return Extracted(path, rec["document"]["id"], graph, len(rec["tasks"]))


def ingest_paths(store: GraphStore, paths: Iterable[str], opts: IngestOptions, *,
                 commit_every: int = 200) -> Iterator[FileOutcome]:
    """Ingest files one by one in this process (the batch runner with one job, minus its display)."""
    from newskg.batch import BatchOptions, run_batch

    outcomes: list[FileOutcome] = []
    run_batch(store, list(paths), opts, BatchOptions(jobs=1, commit_every=commit_every),
              on_file=outcomes.append)
    yield from outcomes
