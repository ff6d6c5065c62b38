"""Batch ingestion at scale: parallel extraction, one writer, incremental and resumable.

Why it is shaped this way:
- The store has one writer, so this process alone plans, writes and commits; extraction (the
  expensive part, ~100 KB/s per core) runs in workers: inline for one job, a local process pool
  (each worker builds its Extractor once, in the pool initializer), or a Dask cluster
  (`scheduler`), all through the same per-file function, newskg.ingest.extract_graph.
- Incremental: the parent reads and hashes every file first; a file whose hash the ledger already
  holds is skipped before any NLP. The parent sends the decoded text to the worker, so remote
  workers need not see the files.
- Deterministic: results are written in input order (a small reorder buffer), so a shared node
  that two documents describe ends with the same properties whatever the number of workers.
- Resumable: commits happen after whole documents only, every `commit_every` files or
  `commit_seconds`, but at least 5x the last commit's duration apart (so commits of a big store stay
  a small share of the run). A run killed at any point (kill -9) leaves the last commit; rerunning skips
  what it holds and redoes the rest, so nothing is lost and nothing doubled.
- Bounded: at most `window` files and `inflight_bytes` of text are in flight; each extraction may
  add at most `worker_memory` bytes of address space (a MemoryError, reported as that file's
  failure, instead of the kernel's OOM killer); a worker that dies anyway is replaced and the files
  it held are retried one at a time, so only the file that kills a worker alone is failed.
"""
from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any, Protocol

from newskg.corpus.document import read_text
from newskg.corpus.errors import InputError
from newskg.graph.queries import GraphStore
from newskg.ingest import (
    Extracted,
    FileOutcome,
    IngestOptions,
    Planned,
    SetupError,
    extract_graph,
    plan_file,
    warm_up,
)

try:
    import resource
except ImportError:  # not POSIX: no address-space cap
    resource = None  # type: ignore[assignment]

DIED = "the worker process died extracting it (out of memory, or a crash in native code)"


@dataclass(frozen=True)
class BatchOptions:
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    scheduler: str | None = None  # a Dask scheduler address (tcp://host:8786): extract on that cluster
    commit_every: int = 500  # files
    commit_seconds: float = 60.0
    worker_memory: int | None = None  # bytes one extraction may add; None: 3/4 of RAM over the workers
    inflight_bytes: int = 64 * 2**20  # text sent to workers and not yet back (one file always may go)


@dataclass
class BatchReport:
    files: int = 0
    counts: Counter = field(default_factory=Counter)
    failures: list[FileOutcome] = field(default_factory=list)
    extracted_files: int = 0  # files that went through NLP (ok or failed there)
    extracted_bytes: int = 0
    seconds: float = 0.0
    extract_seconds: float = 0.0  # from the first file sent to a worker to the last written
    commits: int = 0
    workers: int = 0
    where: str = ""  # inline | processes | dask
    interrupted: bool = False


class ProgressSink(Protocol):
    def planned(self, files: int, todo_files: int, todo_bytes: int, workers: int, where: str) -> None: ...

    def file_done(self, outcome: FileOutcome) -> None: ...


class _Quiet:
    def planned(self, files: int, todo_files: int, todo_bytes: int, workers: int, where: str) -> None:
        pass

    def file_done(self, outcome: FileOutcome) -> None:
        pass


def run_batch(store: GraphStore, paths: list[str], opts: IngestOptions, bopts: BatchOptions | None = None, *,
              progress: ProgressSink | None = None, on_file: Callable[[FileOutcome], None] | None = None,
              should_stop: Callable[[], bool] = lambda: False) -> BatchReport:
    """Ingest `paths` into `store`; returns the counts, one reason per failed file, and timings.
    `should_stop` is polled: when it turns true no new file is started, what is done is committed."""
    bopts = bopts or BatchOptions()
    sink = progress or _Quiet()
    t0 = time.monotonic()
    report = BatchReport(files=len(paths))

    def record(out: FileOutcome) -> None:
        report.counts[out.status] += 1
        if out.status == "failed":
            report.failures.append(out)
        sink.file_done(out)
        if on_file:
            on_file(out)

    ledger = store.ledger()
    todo: list[Planned] = []
    for path in paths:
        if should_stop():
            break
        p = plan_file(path, opts)
        if p.reason is not None:
            record(FileOutcome(path, "failed", p.reason))
        elif ledger.get(path) == p.hash:
            record(FileOutcome(path, "unchanged", size=p.size))
        else:
            todo.append(p)
    del ledger
    committer = _Committer(store, bopts.commit_every, bopts.commit_seconds)
    if todo and not should_stop():
        workers = _Workers.open(bopts, len(todo))
        report.workers, report.where = workers.size, workers.kind
        sink.planned(len(paths), len(todo), sum(p.size for p in todo), workers.size, workers.kind)
        t1 = time.monotonic()
        clean = False
        try:
            for item, ex in _extract_in_order(workers, todo, opts, bopts, should_stop):
                report.extracted_files += 1
                report.extracted_bytes += item.size
                if ex.graph is None or ex.document is None:
                    record(FileOutcome(item.path, "failed", ex.reason or "no result", size=item.size))
                    continue
                res = store.put(ex.graph, ex.document)
                record(FileOutcome(item.path, res.status, tasks=ex.tasks, size=item.size))
                committer.added()
            clean = True
        finally:
            workers.close(abort=not clean or report.extracted_files < len(todo))
        report.extract_seconds = time.monotonic() - t1
    report.interrupted = sum(report.counts.values()) < len(paths)  # some file got no outcome
    committer.commit()
    report.commits = committer.count
    report.seconds = time.monotonic() - t0
    return report


class _Committer:
    """Commit after every `every` files or `seconds`, whichever first, only between documents, and
    never sooner than 5x the last commit took: the embedded store rewrites its whole file, so on a
    big store commits would otherwise crowd out the work."""

    def __init__(self, store: GraphStore, every: int, seconds: float):
        self.store, self.every, self.seconds = store, max(1, every), seconds
        self.since, self.count, self.cost = 0, 0, 0.0
        self.last = time.monotonic()

    def added(self) -> None:
        self.since += 1
        waited = time.monotonic() - self.last
        if (self.since >= self.every or waited >= self.seconds) and waited >= 5 * self.cost:
            self.commit()

    def commit(self) -> None:
        if not self.since:
            return
        t = time.monotonic()
        self.store.commit()
        self.last = time.monotonic()
        self.cost = self.last - t
        self.since = 0
        self.count += 1


# -- scheduling --------------------------------------------------------------------------------

def _extract_in_order(workers: _Workers, todo: list[Planned], opts: IngestOptions, bopts: BatchOptions,
                      should_stop: Callable[[], bool]) -> Iterator[tuple[Planned, Extracted]]:
    """(planned file, its extraction) in input order, with bounded work in flight."""
    pending: dict[Future, int] = {}
    ready: dict[int, Extracted] = {}
    suspects: deque[int] = deque()  # files in flight when a worker died: retried one at a time
    inflight = 0
    nxt_submit = nxt_yield = 0
    fruitless_restarts = 0

    def submit(i: int) -> bool:
        """False when the pool turned out broken (the file was not sent)."""
        nonlocal inflight
        item = todo[i]
        try:  # read again: the plan kept only the hash, so memory holds the texts in flight only
            text, enc = read_text(item.path, max_bytes=opts.max_bytes)
        except InputError as e:
            ready[i] = Extracted(item.path, reason=str(e))
            return True
        try:
            pending[workers.submit(item.path, text, enc, opts)] = i
        except BrokenProcessPool:
            return False
        inflight += item.size
        return True

    def recover(lost: list[int]) -> None:
        """The pool broke: keep what it finished, suspect what it held, start a new one."""
        nonlocal inflight, fruitless_restarts
        for f, i in list(pending.items()):
            if f.done() and not f.cancelled() and f.exception() is None:
                ready[i] = f.result()
            else:
                lost.append(i)
        pending.clear()
        inflight = 0
        if len(lost) == 1:  # it was alone in the pool: it is the one that kills workers
            ready[lost[0]] = Extracted(todo[lost[0]].path, reason=DIED)
        else:
            suspects.extend(sorted(set(lost)))
        fruitless_restarts = 0 if lost else fruitless_restarts + 1
        if fruitless_restarts > 3:
            raise RuntimeError("worker processes die as they start; try --jobs 1 to see why")
        workers.restart()

    while nxt_yield < len(todo):
        while nxt_yield in ready:
            yield todo[nxt_yield], ready.pop(nxt_yield)
            nxt_yield += 1
        if nxt_yield >= len(todo) or should_stop():
            return
        if suspects:
            if not pending:
                i = suspects.popleft()
                if not submit(i):
                    suspects.appendleft(i)
                    recover([])
                    continue
        else:
            while nxt_submit < len(todo) and (not pending or (
                    len(pending) + len(ready) < workers.window
                    and inflight + todo[nxt_submit].size <= bopts.inflight_bytes)):
                if not submit(nxt_submit):
                    recover([])
                    break
                nxt_submit += 1
        if not pending:
            continue
        done, _ = wait(list(pending), timeout=0.5, return_when=FIRST_COMPLETED)
        lost: list[int] = []
        for f in done:
            i = pending.pop(f)
            inflight -= todo[i].size
            try:
                ready[i] = f.result()
            except BrokenProcessPool:
                lost.append(i)
            except SetupError:
                raise
            except Exception as e:  # a Dask worker lost for good (KilledWorker) and the like
                ready[i] = Extracted(todo[i].path, reason=f"worker error: {type(e).__name__}: {e}"[:300])
        if lost:
            recover(lost)


class _Inline:
    """One job: extract in this process, no pool, no pickling."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        f: Future = Future()
        try:
            f.set_result(fn(*args))
        except Exception as e:
            f.set_exception(e)
        return f

    def shutdown(self, wait: bool = True) -> None:
        pass


class _Workers:
    """Where extraction runs: inline, a local process pool, or a Dask cluster."""

    def __init__(self, kind: str, size: int, cap: int | None, scheduler: str | None = None):
        self.kind, self.size, self.cap, self.scheduler = kind, size, cap, scheduler
        self.window = 1 if kind == "inline" else max(16, 32 * size)
        self._client: Any = None
        self._executor: Any = None
        self._start()

    @classmethod
    def open(cls, bopts: BatchOptions, todo: int) -> _Workers:
        if bopts.scheduler:
            return cls("dask", 0, None, bopts.scheduler)
        size = max(1, min(bopts.jobs, todo))
        cap = bopts.worker_memory if bopts.worker_memory is not None else _default_cap(size)
        return cls("inline" if size == 1 else "processes", size, cap or None)

    def _start(self) -> None:
        if self.kind == "inline":
            self._executor = _Inline()
        elif self.kind == "processes":
            self._executor = ProcessPoolExecutor(max_workers=self.size, mp_context=mp.get_context("spawn"),
                                                 initializer=_init_worker, initargs=(os.getpid(),))
        else:
            self._client, self._executor, self.size = _dask(self.scheduler or "")
            self.window = max(16, 32 * self.size)

    def submit(self, path: str, text: str, encoding: str, opts: IngestOptions) -> Future:
        if self.kind == "dask":
            return self._executor.submit(extract_graph, path, text, encoding, opts)
        return self._executor.submit(_work, path, text, encoding, opts, self.cap)

    def restart(self) -> None:
        self.close(abort=True)
        self._start()

    def close(self, *, abort: bool = False) -> None:
        ex, self._executor = self._executor, None
        if ex is not None:
            if abort and isinstance(ex, ProcessPoolExecutor):
                for p in list(getattr(ex, "_processes", {}).values()):  # do not wait for a long file
                    with contextlib.suppress(OSError, AttributeError):
                        p.kill()
                ex.shutdown(wait=False, cancel_futures=True)
            else:  # a Dask executor cancels what is pending when not waiting
                ex.shutdown(wait=not abort)
        if self._client is not None:
            self._client.close()
            self._client = None


def _dask(address: str) -> tuple[Any, Any, int]:
    try:
        from distributed import Client
    except ImportError as e:
        raise RuntimeError("--scheduler needs the `distributed` package (pip install distributed)") from e
    _probe(address)
    try:
        client = Client(address, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError) as e:
        raise RuntimeError(f"cannot reach the Dask scheduler at {address}: {e}") from e
    try:
        client.run(warm_up)  # every worker builds its extractor now, and fails now if it cannot
    except Exception as e:
        client.close()
        raise RuntimeError(f"Dask workers at {address} cannot build the extractor "
                           f"(is newskg installed there?): {type(e).__name__}: {e}") from e
    size = sum(client.nthreads().values()) or 1
    return client, client.get_executor(pure=False), size


def _probe(address: str) -> None:
    """Fail at once on a refused TCP connection (Dask itself retries until its timeout)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme != "tcp" or not parts.hostname:
        return
    try:
        socket.create_connection((parts.hostname, parts.port or 8786), timeout=10).close()
    except (OSError, ValueError) as e:
        raise RuntimeError(f"cannot reach the Dask scheduler at {address}: "
                           f"{getattr(e, 'strerror', None) or e}") from e


def _default_cap(workers: int) -> int:
    try:
        ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0
    return int(ram * 0.75 / max(1, workers))


# -- in the worker -----------------------------------------------------------------------------

def _init_worker(parent: int) -> None:
    """Pool initializer: Ctrl-C is the parent's to handle; die with the parent (even on kill -9);
    build the extractor once. A failure to build it is left for each file to report."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="newskg-parent-watch").start()
    with contextlib.suppress(Exception):
        warm_up()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(3)


def _work(path: str, text: str, encoding: str, opts: IngestOptions, cap: int | None) -> Extracted:
    warm_up()  # the pipeline loads outside the cap (SetupError if it cannot)
    with _memory_cap(cap):
        return extract_graph(path, text, encoding, opts)


@contextlib.contextmanager
def _memory_cap(extra: int | None) -> Iterator[None]:
    """Let the block grow this process's address space by at most `extra` bytes (RLIMIT_AS), so an
    extraction that would exhaust the machine raises MemoryError in Python instead."""
    if not extra or resource is None:
        yield
        return
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        with open("/proc/self/statm") as f:
            size = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        yield
        return
    cap = size + extra
    for limit in (soft, hard):
        if limit != resource.RLIM_INFINITY:
            cap = min(cap, limit)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
