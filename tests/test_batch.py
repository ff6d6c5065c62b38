"""Batch ingestion: parallel, incremental, resumable after kill -9, the same graph on every route,
and bad or odd inputs that fail alone (or pass) instead of stopping the batch.

The corpus is synthetic: 150 short notices written here from templates, each with dated tasks and
agencies, so the test owns its data and every file differs."""
from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from helpers import ROOT

from newskg.batch import _memory_cap
from newskg.graph.embedded import EmbeddedStore
from newskg.ingest import IngestOptions, extract_document, extract_graph

AGENCIES = ["国家发展改革委", "财政部", "商务部", "教育部", "工业和信息化部", "人力资源社会保障部", "自然资源部",
            "生态环境部", "住房城乡建设部", "交通运输部", "农业农村部", "国家卫生健康委", "市场监管总局", "科技部",
            "民政部"]
TOPICS = ["数据共享", "营商环境", "就业服务", "农业机械化", "医疗服务", "垃圾分类", "职业教育", "融资担保",
          "政务公开", "城市更新"]
ACTIONS = ["制定实施细则", "完成清单编制", "建立工作台账", "开展专项检查", "出台配套政策", "报送工作进展",
           "完成评估验收", "建成统一平台", "修订管理办法", "组织试点示范"]
NUMS = "一二三四五六七八九十"
N_FILES = 150


def _notice(i: int) -> str:
    rnd = random.Random(i)
    topic = rnd.choice(TOPICS)
    day = dt.date(2019, 1, 1) + dt.timedelta(days=rnd.randrange(0, 1500))
    lines = ["---", f"title: 关于推进{topic}工作的通知（第{i}号）", f"date: {day.isoformat()}",
             "source: 国务院办公厅", "issuer: 国务院办公厅", "---",
             "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
             f"为推进{topic}工作，经国务院同意，现就有关事项通知如下：", ""]
    for k in range(rnd.randrange(6, 10)):
        lead, other = rnd.sample(AGENCIES, 2)
        year = day.year + rnd.randrange(0, 3)
        month = rnd.randrange(1, 13)
        action = rnd.choice(ACTIONS)
        form = rnd.randrange(3)
        if form == 0:
            body = f"{lead}要在{year}年{month}月底前{action}，确保{topic}工作取得实效。"
        elif form == 1:
            body = f"{year}年{month}月{rnd.randrange(1, 29)}日前，{action}，推动{topic}落地见效。（{lead}、{other}负责）"
        else:
            body = f"{lead}会同{other}于{year}年底前{action}，并将情况报国务院。"
        lines.append(f"{NUMS[k]}、{body}")
    lines += ["", "国务院办公厅", f"{day.year}年{day.month}月{day.day}日", ""]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    for i in range(N_FILES):
        (folder / f"notice-{i:03d}.md").write_text(_notice(i), encoding="utf-8")
    return folder


def _ingest(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newskg.cli", "ingest", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=300)


def _graph(store: Path) -> tuple[list, list, dict]:
    """The whole graph as comparable values: node keys with properties, edges with properties."""
    with EmbeddedStore(store, readonly=True) as st:
        nodes = sorted((k, json.dumps(d, sort_keys=True, ensure_ascii=False)) for k, d in st.nodes())
        edges = sorted((u, v, json.dumps(d, sort_keys=True, ensure_ascii=False)) for u, v, d in st.edges())
        return nodes, edges, st.ledger()


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> tuple[list, list, dict]:
    """A clean run in one process: what every other route must reproduce."""
    store = tmp_path_factory.mktemp("ref") / "store"
    r = _ingest(str(corpus), "--store", str(store), "--jobs", "1")
    assert r.returncode == 0, r.stderr
    assert f"{N_FILES} files: {N_FILES} ingested" in r.stderr
    g = _graph(store)
    assert len([k for k, _ in g[0] if k.startswith("Task:")]) > 5 * N_FILES  # the templates made tasks
    return g


def _children(pid: int) -> set[int]:
    kids = set()
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                kids.add(int(d.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_jobs_2_gives_the_same_graph_as_jobs_1(corpus, reference, tmp_path):
    r = _ingest(str(corpus), "--store", str(tmp_path / "s"), "--jobs", "2")
    assert r.returncode == 0, r.stderr
    assert "with 2 worker processes" in r.stderr
    assert _graph(tmp_path / "s") == reference


def test_kill_9_mid_batch_then_rerun_equals_a_clean_run(corpus, reference, tmp_path):
    store = tmp_path / "s"
    args = [sys.executable, "-m", "newskg.cli", "ingest", str(corpus), "--store", str(store), "--jobs", "2",
            "--commit-every", "10"]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (store / "graph.pickle").exists():  # the first commit
            assert proc.poll() is None, "the run ended before its first commit"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        workers = _children(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait()
    with EmbeddedStore(store, readonly=True) as st:
        committed = len(st.ledger())
    assert 10 <= committed < N_FILES, "killed mid-batch, with some files committed and some not"
    deadline = time.monotonic() + 10  # the workers do not outlive their parent
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert workers and not any(_alive(p) for p in workers)

    r = _ingest(str(corpus), "--store", str(store), "--jobs", "1")  # any number of jobs resumes
    assert r.returncode == 0, r.stderr
    assert f"{N_FILES - committed} ingested, {committed} unchanged" in r.stderr
    assert _graph(store) == reference
    r = _ingest(str(corpus), "--store", str(store), "--jobs", "2")
    assert f"{N_FILES} files: {N_FILES} unchanged" in r.stderr and "extracted" not in r.stderr


def test_dask_local_cluster_gives_the_same_graph(corpus, reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        r = _ingest(str(corpus), "--store", str(tmp_path / "s"), "--scheduler", cluster.scheduler_address)
    assert r.returncode == 0, r.stderr
    assert "with 2 Dask worker threads" in r.stderr
    assert _graph(tmp_path / "s") == reference


def test_an_unreachable_scheduler_is_a_one_line_error(corpus, tmp_path):
    r = _ingest(str(corpus / "notice-000.md"), "--store", str(tmp_path / "s"), "--scheduler", "tcp://127.0.0.1:9")
    assert r.returncode == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in r.stderr and "Traceback" not in r.stderr


def test_bad_and_odd_inputs(tmp_path):
    """Bad files fail alone with one line each; odd but real text (100 KB in one line without
    punctuation, mixed scripts, traditional characters) goes in, quickly."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"  \n")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" * 50)
    (folder / "undecodable.txt").write_bytes(bytes(range(128, 256)) * 20)
    (folder / "bad-bom.txt").write_bytes(b"\xff\xfe" + b"\x00\xd8" * 3 + b"\x41")  # BOM, then broken UTF-16
    (folder / "large.txt").write_bytes("各部门要在2020年底前完成。\n".encode() * 40000)  # 1.4 MB
    (folder / "nopunct.txt").write_text(_no_punctuation(100_000), encoding="utf-8")
    (folder / "mixed.txt").write_text("国务院办公厅 State Council Государственный совет بيان 한국어 日本語のテキスト "
                                      "𠀀𠀁 ☃ 财政部要在2021年6月底前完成Audit工作。\n" * 30, encoding="utf-8")
    (folder / "traditional.txt").write_text("國務院辦公廳關於推進政務信息系統整合共享的通知\n"
                                            "各地區、各部門要在2018年底前完成整合工作（國家發展改革委、財政部負責）。\n"
                                            * 20, encoding="utf-8")
    (folder / "good.md").write_text(_notice(7), encoding="utf-8")
    t = time.perf_counter()
    r = _ingest(str(folder), "--store", str(tmp_path / "s"), "--date", "2020-01-01", "--max-size", "1")
    took = time.perf_counter() - t
    assert r.returncode == 1
    failed = dict(re.findall(r"^newskg: \S+/([\w-]+\.txt): (.+)$", r.stderr, re.M))
    assert set(failed) == {"empty.txt", "binary.txt", "undecodable.txt", "bad-bom.txt", "large.txt"}, r.stderr
    assert failed["empty.txt"] == "empty file"
    assert failed["binary.txt"].startswith("binary file")
    assert failed["undecodable.txt"].startswith("undecodable bytes")
    assert failed["bad-bom.txt"].startswith("undecodable bytes: utf-16")
    assert "over the 1 MB limit" in failed["large.txt"] and "--max-size" in failed["large.txt"]
    assert "9 files: 4 ingested, 5 failed" in r.stderr
    assert "Traceback" not in r.stderr
    with EmbeddedStore(tmp_path / "s", readonly=True) as st:
        assert {Path(p).name for p in st.ledger()} == {"nopunct.txt", "mixed.txt", "traditional.txt", "good.md"}
    # 100 KB in one line without punctuation is ~1 s at the pipeline's speed, with start-up ~4 s;
    # a step quadratic in the sentence length would take minutes
    assert took < 25, f"{took:.1f} s"


def _no_punctuation(n_bytes: int) -> str:
    rnd = random.Random(0)
    words = ["国务院", "办公厅", "推进", "政务", "信息", "系统", "整合", "共享", "各地区", "各部门", "要", "加快",
             "工作", "落实", "年底前", "完成", "任务", "发展改革委", "财政部", "负责", "2018年", "工作方案"]
    out, size = [], 0
    while size < n_bytes:
        w = rnd.choice(words)
        out.append(w)
        size += len(w.encode())
    return "".join(out)


def test_texts_over_spacys_length_limit_are_extracted():
    """spaCy refuses texts over nlp.max_length (1M characters by default) with E088; the extractor
    lifts it for the text it was handed, which read_text has already bounded."""
    import spacy

    from newskg.nlp.extract import Extractor

    extractor = Extractor(nlp=spacy.blank("xx"))  # make_doc checks the length: no need for the full pipeline
    extractor.nlp.max_length = 100
    rec = extract_document(extractor, "n.md", _notice(3), "utf-8", IngestOptions())
    assert len(_notice(3)) > 100 and rec["document"]["title"].startswith("关于推进")


def test_the_memory_cap_turns_exhaustion_into_memory_error_and_is_lifted_after():
    import resource

    before = resource.getrlimit(resource.RLIMIT_AS)
    with pytest.raises(MemoryError), _memory_cap(16 * 2**20):
        bytearray(128 * 2**20)
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    bytearray(128 * 2**20)  # allowed again


def test_memory_exhaustion_fails_the_file_not_the_batch(monkeypatch):
    import newskg.ingest

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(newskg.ingest, "_process_extractor", lambda: (object(), threading.Lock()))
    monkeypatch.setattr(newskg.ingest, "extract_document", exhausted)
    ex = extract_graph("big.txt", "各部门要在2020年底前完成。", "utf-8", IngestOptions())
    assert ex.graph is None and ex.reason.startswith("ran out of memory extracting it")


def test_a_commit_cut_short_leaves_no_temp_file_behind(tmp_path):
    """kill -9 during a commit leaves the previous store and a temp file; the next writer drops it."""
    from newskg.graph.model import DocumentGraph, Node

    with EmbeddedStore(tmp_path) as st:
        st.put(DocumentGraph("d1", "a.txt", [Node("Document:d1", "Document", {"document": "d1"})]), "h1")
        st.commit()
    (tmp_path / ".graph.abc123.tmp").write_bytes(b"half a pickle")
    with EmbeddedStore(tmp_path, readonly=True):
        assert (tmp_path / ".graph.abc123.tmp").exists()  # a reader never deletes
    with EmbeddedStore(tmp_path) as st:
        assert not list(tmp_path.glob(".graph.*.tmp"))
        assert st.ledger() == {"a.txt": "h1"}


def test_a_pipeline_that_cannot_load_stops_the_batch_with_one_reason(monkeypatch, corpus, tmp_path):
    import newskg.ingest
    from newskg.batch import BatchOptions, run_batch
    from newskg.ingest import SetupError

    def broken():
        raise ValueError("model trained with other features")

    monkeypatch.setattr(newskg.ingest, "_process_extractor", broken)
    paths = [str(corpus / "notice-001.md"), str(corpus / "notice-002.md")]
    with EmbeddedStore(tmp_path / "s") as st, pytest.raises(SetupError, match="cannot build the extractor: "
                                                                              "ValueError: model trained"):
        run_batch(st, paths, IngestOptions(), BatchOptions(jobs=1))


class _PoolWithAPoisonFile:
    """A stand-in for the process pool: jobs finish after a moment, except that the poison file
    kills the pool, failing everything then in flight with BrokenProcessPool, as a real pool does."""

    kind, size, window = "processes", 2, 6

    def __init__(self, poison: str):
        self.poison, self.restarts = poison, 0
        self.lock = threading.Lock()
        self.running: list = []

    def submit(self, path, text, encoding, opts):
        from concurrent.futures import Future

        f = Future()
        with self.lock:
            self.running.append(f)
        threading.Timer(0.01, self._finish, (path, f)).start()
        return f

    def _finish(self, path, f) -> None:
        from concurrent.futures.process import BrokenProcessPool

        from newskg.ingest import Extracted

        with self.lock:
            if f.done():
                return
            if path == self.poison:
                for g in self.running:
                    if not g.done():
                        g.set_exception(BrokenProcessPool("a worker died"))
                self.running.clear()
                return
            f.set_result(Extracted(path, document=f"doc:{Path(path).name}"))
            self.running.remove(f)

    def restart(self) -> None:
        self.restarts += 1


def test_a_file_that_kills_its_worker_fails_alone(tmp_path):
    """Every file in flight with it is retried one at a time; only the killer is reported, and the
    results still come in input order."""
    from newskg.batch import DIED, BatchOptions, _extract_in_order
    from newskg.ingest import Planned

    todo = []
    for i in range(20):
        p = tmp_path / f"f{i:02d}.txt"
        p.write_text(f"各部门要在2020年{i % 12 + 1}月底前完成第{i}项工作。", encoding="utf-8")
        todo.append(Planned(str(p), p.stat().st_size, "h"))
    pool = _PoolWithAPoisonFile(todo[7].path)
    out: list = []
    t = threading.Thread(target=lambda: out.extend(_extract_in_order(pool, todo, IngestOptions(), BatchOptions(),
                                                                     lambda: False)), daemon=True)
    t.start()
    t.join(timeout=30)
    assert not t.is_alive(), "the scheduler lost a file and waits for it forever"
    assert [p.path for p, _ in out] == [p.path for p in todo]
    reasons = {Path(p.path).name: ex.reason for p, ex in out}
    assert reasons.pop("f07.txt") == DIED
    assert set(reasons.values()) == {None}
    assert pool.restarts >= 1
