"""Person / place / organisation names (PER/LOC/ORG) with a character CRF.

Why a CRF over characters: it is small (~3 MB plus a 0.3 MB gazetteer), CPU-only, needs nothing
from the network and tags ~100k characters a second on one core; with jieba word features,
lexicon cues and a training-data gazetteer it reaches entity F1 0.92 on PD98 test (jieba.posseg:
0.54, Baidu LAC: 0.72; see benchmarks/bench_ner.py). The model ships in newskg/nlp/models/; it
is trained by scripts/train_ner.py on MSRA NER minus the PD98 dev/test overlap.

Offsets: input is NFKC-normalised character by character (full-width ``Ａ`` -> ``A``), which
never changes the length, so spans index the caller's original string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pycrfsuite

from newskg.nlp.ner_features import (
    EMPTY_GAZETTEER,
    EXTRA_GAZETTEER_PATH,
    FEATURE_VERSION,
    FeatureExtractor,
    Gazetteer,
    normalize_chars,
)

MODEL_DIR = Path(__file__).parent / "models"
DEFAULT_MODEL = MODEL_DIR / "ner.crfsuite"
MAX_CHUNK = 300  # characters per CRF sequence; longer sentences are cut at commas

# After per-character NFKC, full-width ！？；， have become ASCII, 。 and 、 stay.
_SENT_END = re.compile(r"[。!?;]+[”’」』)\]]*|\n+")
_SOFT_BREAK = re.compile(r"[,、:]")
# Brackets and quotes: the CRF sometimes pulls an unmatched one into a name (《人民日报).
_PAIRS = {"“": "”", "‘": "’", "《": "》", "〈": "〉", "「": "」", "『": "』", "(": ")", "[": "]", "【": "】", '"': '"'}
_CLOSERS = {close: open_ for open_, close in _PAIRS.items()}
# Chinese names never contain spaces, but the CRF (trained on text without any) will run one
# name into the next across a space ("广州市卫生健康委员会 广州市财政局"): split there.
_CJK_SPACE = re.compile(r"(?<=[^\x00-\x7f])\s+(?=[^\x00-\x7f])")


@dataclass(frozen=True)
class NerSpan:
    start: int
    end: int  # exclusive
    label: str  # PER, LOC or ORG
    text: str


def gazetteer_path(model: Path) -> Path:
    """The training-data gazetteer that belongs to a model file."""
    return model.with_suffix(".gazetteer.tsv")


def _sentence_bounds(norm: str) -> Iterator[tuple[int, int]]:
    """(start, end) of sentences, each at most MAX_CHUNK long, covering ``norm``."""
    start = 0
    for m in _SENT_END.finditer(norm):
        yield from _cap_length(norm, start, m.end())
        start = m.end()
    if start < len(norm):
        yield from _cap_length(norm, start, len(norm))


def _cap_length(norm: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while end - start > MAX_CHUNK:
        cut = 0
        for m in _SOFT_BREAK.finditer(norm, start + MAX_CHUNK // 2, start + MAX_CHUNK):
            cut = m.end()
        if not cut:
            cut = start + MAX_CHUNK
        yield start, cut
        start = cut
    if end > start:
        yield start, end


def bio_spans(labels: list[str], offset: int = 0) -> Iterator[tuple[int, int, str]]:
    """Entity spans from a BIO label sequence; an I-X after a non-X starts a new entity."""
    start, current = -1, ""
    for i, tag in enumerate([*labels, "O"]):
        prefix, _, lab = tag.partition("-")
        if prefix == "I" and lab == current and start >= 0:
            continue
        if start >= 0:
            yield offset + start, offset + i, current
        start, current = (i, lab) if prefix in ("B", "I") else (-1, "")


def _split_at_spaces(norm: str, start: int, end: int) -> list[tuple[int, int]]:
    """Pieces of a span separated by whitespace between two non-ASCII characters.

    Kept whole when a piece would be a single character: documents pad two-character
    names with a space to align them with three-character ones ("王　伟").
    """
    pieces = []
    pos = start
    for m in _CJK_SPACE.finditer(norm, start, end):
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, end))
    if any(e - s < 2 for s, e in pieces):
        return [(start, end)]
    return pieces


def _trim_unmatched(norm: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a span that begins with an opener or ends with a closer it does not pair up,
    or that has whitespace at an edge."""
    while end - start > 1 and norm[start].isspace():
        start += 1
    while end - start > 1 and norm[end - 1].isspace():
        end -= 1
    while end - start > 1 and norm[start] in _PAIRS and _PAIRS[norm[start]] not in norm[start + 1:end]:
        start += 1
    while end - start > 1 and norm[end - 1] in _CLOSERS and _CLOSERS[norm[end - 1]] not in norm[start:end - 1]:
        end -= 1
    return start, end


class CharNER:
    """Character-level CRF tagger for PER/LOC/ORG."""

    def __init__(self, tagger: pycrfsuite.Tagger, extractor: FeatureExtractor) -> None:
        self._tagger = tagger
        self._extractor = extractor

    @classmethod
    def load(cls, path: Path | None = None) -> CharNER:
        """Load a model written by scripts/train_ner.py (default: the packaged one).

        A ``<model>.json`` next to the model, if present, must name the same feature version as
        this code: a CRF silently degrades when fed features it was not trained on. The
        training-data gazetteer ``<model>.gazetteer.tsv`` is loaded if present, together with
        data/ner_gazetteer_extra.tsv (current bodies the 1998 training text cannot contain).
        """
        path = Path(path) if path is not None else DEFAULT_MODEL
        meta_path = path.with_suffix(".json")
        if meta_path.exists():
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if meta.get("feature_version") != FEATURE_VERSION:
                raise ValueError(
                    f"{path} was trained with features {meta.get('feature_version')!r}, "
                    f"this code extracts {FEATURE_VERSION!r}"
                )
        if not path.exists():
            raise FileNotFoundError(f"NER model not found: {path}")
        tagger = pycrfsuite.Tagger()
        tagger.open(str(path))
        gaz_path = gazetteer_path(path)
        gazetteer = Gazetteer.load(gaz_path, EXTRA_GAZETTEER_PATH) if gaz_path.exists() else EMPTY_GAZETTEER
        return cls(tagger, FeatureExtractor(gazetteer=gazetteer))

    def tag_normalized(self, norm: str) -> list[str]:
        """BIO labels for one already-normalised chunk without newlines."""
        if not norm:
            return []
        return self._tagger.tag(self._extractor.features(norm))

    def predict(self, text: str) -> list[NerSpan]:
        """Entities in ``text``, with offsets into ``text`` itself."""
        if not text:
            return []
        norm = normalize_chars(text)
        spans: list[NerSpan] = []
        for start, end in _sentence_bounds(norm):
            chunk = norm[start:end]
            if not chunk.strip():
                continue
            for s0, e0, label in bio_spans(self.tag_normalized(chunk), start):
                for s, e in _split_at_spaces(norm, s0, e0):
                    s, e = _trim_unmatched(norm, s, e)
                    spans.append(NerSpan(s, e, label, text[s:e]))
        return spans

    def predict_batch(self, texts: Iterable[str]) -> list[list[NerSpan]]:
        return [self.predict(text) for text in texts]
