"""Ingestion throughput against raw jieba.cut, on the shared corpus replicated past 50 MB (not a test).

The corpus ($NEWSKG_SHARED/corpus, ~0.4 MB) is copied into a temporary folder (never the repo)
with small variations per copy (a batch line after the front matter, the date shifted by days),
so every file is distinct and goes through NLP. Measured, in this order:

1. raw `jieba.cut` KB/s: a jieba.Tokenizer instance, default dictionary, over a slice of the
   corpus, in this process (median of --runs);
2. the extraction pipeline (what `newskg extract` runs per file: decode, parse, spaCy+jieba+lexicon+
   NER pipeline, graph build) through newskg.batch with 1 and 2 workers, store writes left out
   (a null store), over the same slice: KB/s at steady state (after each worker's first file, i.e.
   without start-up) and wall KB/s including start-up, medians of --runs; ratios to jieba.cut;
3. one end-to-end `newskg ingest --jobs 2` of the whole >= 50 MB corpus into an embedded store
   (once: too slow to repeat five times on two cores), with peak memory of the process tree;
4. the time to open that store (EmbeddedStore load), median of --runs.

Targets: pipeline >= 0.06 x jieba.cut per worker (~100 KB/s); 2 workers >= 1.7 x one.

    .venv/bin/python benchmarks/bench_ingest.py [--mb 50] [--slice-mb 3] [--runs 5] [--skip-full]
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newskg.batch import BatchOptions, run_batch  # noqa: E402
from newskg.corpus.document import iter_paths, read_text  # noqa: E402
from newskg.graph.embedded import EmbeddedStore  # noqa: E402
from newskg.graph.queries import IngestResult  # noqa: E402
from newskg.ingest import FileOutcome, IngestOptions  # noqa: E402

SHARED = Path(os.environ.get("NEWSKG_SHARED", ROOT.parent / "shared"))
SEED_DATE = dt.date(2017, 5, 19)  # the seed page has no front matter
_DATE = re.compile(r"^date:\s*(\d{4}-\d{2}-\d{2})\s*$", re.M)


class NullStore:
    """Takes every document and keeps nothing: the pipeline measured without store writes."""

    def ledger(self) -> dict[str, str]:
        return {}

    def put(self, graph, content_hash: str) -> IngestResult:
        return IngestResult(graph.path, "ingested", graph.document)

    def commit(self) -> None:
        pass

    def close(self) -> None:
        pass


def vary(text: str, copy: int) -> str:
    """A distinct but equally realistic copy: the date shifted by `copy` days, a batch line."""
    if not text.startswith("---"):
        return f"（第{copy}批）\n{text}"
    head, body = text[3:].split("\n---", 1)
    head = _DATE.sub(lambda m: "date: " + (dt.date.fromisoformat(m.group(1)) + dt.timedelta(days=copy)).isoformat(),
                     head, count=1)
    return f"---{head}\n---\n（第{copy}批）{body}"


def replicate(src: Path, dst: Path, mb: float) -> list[str]:
    texts = {p: read_text(p)[0] for p in iter_paths([str(src)]) if Path(p).name != "README.md"}
    if not texts:
        sys.exit(f"no corpus at {src} (set NEWSKG_SHARED)")
    size, copy = 0, 0
    while size < mb * 2**20:
        folder = dst / f"c{copy:04d}"
        folder.mkdir(parents=True)
        for p, text in texts.items():
            out = folder / Path(p).name
            out.write_text(vary(text, copy), encoding="utf-8")
            size += out.stat().st_size
        copy += 1
    return iter_paths([str(dst)])


def first_bytes(paths: list[str], mb: float) -> list[str]:
    out, size = [], 0
    for p in paths:
        if size >= mb * 2**20:
            break
        out.append(p)
        size += os.stat(p).st_size
    return out


def total_kb(paths: list[str]) -> float:
    return sum(os.stat(p).st_size for p in paths) / 1024


def jieba_kbps(paths: list[str]) -> float:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()  # outside the timing, as the pipeline's own start-up is
    texts = [read_text(p)[0] for p in paths]
    t = time.perf_counter()
    for text in texts:
        for _ in tok.cut(text):
            pass
    return total_kb(paths) / (time.perf_counter() - t)


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the pool's workers, once joined)."""
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def pipeline_kbps(paths: list[str], jobs: int) -> tuple[float, float, float, float]:
    """(steady KB/s after every worker's first file, wall KB/s including start-up, KB per CPU
    second of all processes, the 1-minute load average after the run)."""
    done: list[tuple[float, int]] = []

    def on_file(out: FileOutcome) -> None:
        assert out.status != "failed", out
        done.append((time.perf_counter(), out.size))

    cpu0, t0 = _cpu(), time.perf_counter()
    run_batch(NullStore(), paths, IngestOptions(date=SEED_DATE), BatchOptions(jobs=jobs, commit_every=10**9),
              on_file=on_file)
    end = done[-1][0]
    warm = done[jobs - 1][0]
    steady = sum(s for _, s in done[jobs:]) / 1024 / (end - warm)
    return steady, total_kb(paths) / (end - t0), total_kb(paths) / (_cpu() - cpu0), os.getloadavg()[0]


class TreeMemory:
    """Peak resident memory of a process and its children (sampled), via psutil."""

    def __init__(self, pid: int):
        import psutil

        self.proc = psutil.Process(pid)
        self.peak_total = self.peak_one = 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                rss = [p.memory_info().rss for p in procs]
            except psutil.Error:
                rss = []
            if rss:
                self.peak_total = max(self.peak_total, sum(rss))
                self.peak_one = max(self.peak_one, max(rss))
            self._stop.wait(0.25)

    def stop(self) -> None:
        self._stop.set()
        self._t.join()


def full_run(paths_root: Path, store: Path, jobs: int) -> None:
    kb = total_kb(iter_paths([str(paths_root)]))
    cmd = [sys.executable, "-m", "newskg.cli", "ingest", str(paths_root), "--store", str(store), "--jobs", str(jobs),
           "--date", SEED_DATE.isoformat()]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        mem = TreeMemory(proc.pid)
    except ImportError:
        mem = None
    _, err = proc.communicate()
    took = time.perf_counter() - t
    if mem:
        mem.stop()
    summary = [ln for ln in err.splitlines() if " files: " in ln or ln.startswith("extracted")]
    print(f"  end-to-end `newskg ingest --jobs {jobs}` of {kb / 1024:.1f} MB: {took:.0f} s wall, "
          f"{kb / took:.0f} KB/s (exit {proc.returncode})")
    for ln in summary:
        print(f"    {ln}")
    if mem:
        print(f"  peak memory: {mem.peak_total / 2**20:.0f} MB for the process tree, "
              f"{mem.peak_one / 2**20:.0f} MB the largest process (the parent holds the store)")
    print(f"  store file: {(store / 'graph.pickle').stat().st_size / 2**20:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=float, default=50.0, help="size of the replicated corpus")
    ap.add_argument("--slice-mb", type=float, default=3.0, help="slice for the repeated measurements")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip-full", action="store_true", help="no end-to-end run over the whole corpus")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="newskg-bench-ingest-"))
    try:
        t = time.perf_counter()
        paths = replicate(SHARED / "corpus", tmp / "corpus", args.mb)
        print(f"corpus: {len(paths)} files, {total_kb(paths) / 1024:.1f} MB replicated from {SHARED / 'corpus'} "
              f"in {time.perf_counter() - t:.1f} s; cores: {os.cpu_count()}")
        part = first_bytes(paths, args.slice_mb)
        print(f"slice for the medians: {len(part)} files, {total_kb(part) / 1024:.2f} MB; {args.runs} runs each\n")

        jb = [jieba_kbps(part) for _ in range(args.runs)]
        jieba_med = statistics.median(jb)
        print(f"raw jieba.cut (Tokenizer, default dictionary, HMM on): median {jieba_med:.0f} KB/s "
              f"(runs: {', '.join(f'{x:.0f}' for x in jb)})")
        med = {}
        for jobs in (1, 2):
            runs = [pipeline_kbps(part, jobs) for _ in range(args.runs)]
            steady = statistics.median(r[0] for r in runs)
            med[jobs] = steady
            print(f"pipeline, {jobs} worker{'s' if jobs > 1 else ''}: median {steady:.0f} KB/s steady "
                  f"({steady / jieba_med:.3f} x jieba.cut, {steady / jobs / jieba_med:.3f} x per worker), "
                  f"{statistics.median(r[1] for r in runs):.0f} KB/s wall with start-up, "
                  f"{statistics.median(r[2] for r in runs):.0f} KB per CPU second (all processes)\n"
                  f"    runs steady: {', '.join(f'{r[0]:.0f}' for r in runs)}; "
                  f"load average after each: {', '.join(f'{r[3]:.1f}' for r in runs)}")
        print(f"2 workers / 1 worker: {med[2] / med[1]:.2f} x (target >= 1.7); "
              f"1 worker / jieba.cut: {med[1] / jieba_med:.3f} (target >= 0.06)")
        print("  (the machine is shared: a load average above ~1 during the 2-worker runs means the second "
              "core was not free, which caps the ratio below 2 whatever the code does; the 1-worker runs "
              "extract in this process, whose extractor is built in the first run only)")

        if not args.skip_full:
            print(f"\nwhole corpus, once (each of the {args.runs} medians above is on the "
                  f"{total_kb(part) / 1024:.1f} MB slice):")
            store = tmp / "store"
            full_run(tmp / "corpus", store, 2)
            loads = []
            for _ in range(args.runs):
                t = time.perf_counter()
                st = EmbeddedStore(store, readonly=True)
                loads.append(time.perf_counter() - t)
                n = sum(1 for _, d in st.nodes("Task"))
                del st
            print(f"  embedded store load (open the file): median {statistics.median(loads):.2f} s "
                  f"over {len(loads)} opens, {n} tasks")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
